"""Generate the Python API reference page (docs/reference/api.md) from docstrings.

Usage: ``python scripts/gen_api_docs.py [OUTPUT]`` (default: print to stdout); ``make docs``
writes ``docs/reference/api.md`` and ``tests/test_api_docs.py`` fails when that page is out of
date. Documents the names each public package lists in ``__all__`` (and the public functions
and classes of the single-module parts) with their signatures and docstrings. Depends on the
standard library and an importable ``multipolar``.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from pathlib import Path
from typing import Any

# (module, title): the public Python API, in the order a newcomer meets it
MODULES = [
    ("multipolar.scenario", "Scenarios: load, validate, overlay"),
    ("multipolar.ensemble", "Ensembles: run, store, resume, query"),
    ("multipolar.explore", "Exploration: designs, sensitivity, scenario discovery"),
    ("multipolar.forecast", "Forecasts from an origin year"),
    ("multipolar.calibrate", "Calibration"),
    ("multipolar.backtest", "Back-tests"),
    ("multipolar.bargaining", "Bargaining over issues"),
    ("multipolar.evidence", "Evidence: citations and the seed corpus"),
    ("multipolar.report", "Reports"),
    ("multipolar.web", "The dashboard"),
    ("multipolar.core.errors", "Errors"),
    ("multipolar.core.textformat", "Text formats"),
]
HEADER = """# Python API reference

Generated from the docstrings by `scripts/gen_api_docs.py` (`make docs`); do not edit by hand.
The command line is described in [cli.md](cli.md); the examples in `examples/` use this API.
"""


def public_names(mod: Any) -> list[str]:
    """``__all__``, else the functions and classes defined in ``mod`` without a leading ``_``."""
    names = getattr(mod, "__all__", None)
    if names is not None:
        return sorted(names, key=str.lower)
    return sorted((n for n, obj in vars(mod).items()
                   if not n.startswith("_") and (inspect.isfunction(obj) or inspect.isclass(obj))
                   and getattr(obj, "__module__", None) == mod.__name__), key=str.lower)


def signature(obj: Any) -> str:
    """A signature without memory addresses (stable between runs)."""
    try:
        text = str(inspect.signature(obj))
    except (TypeError, ValueError):
        return ""
    return re.sub(r" at 0x[0-9a-f]+", "", text)


def describe(name: str, obj: Any) -> list[str]:
    """The Markdown of one public name."""
    doc = inspect.getdoc(obj) or "(no docstring)"
    if inspect.isclass(obj):
        head = f"### class `{name}{signature(obj)}`"
    elif callable(obj):
        head = f"### `{name}{signature(obj)}`"
    else:
        head = f"### `{name}`"
        doc = f"A constant of type `{type(obj).__name__}`."
    # numpy-style section underlines would become Markdown headings: make them bold labels
    doc = re.sub(r"^(\S[^\n]*)\n-{3,}$", r"**\1**\n", doc, flags=re.MULTILINE)
    lines = [head, "", doc, ""]
    if inspect.isclass(obj):
        for mname, member in sorted(vars(obj).items()):
            if mname.startswith("_") or not (inspect.isfunction(member)
                                             or isinstance(member, property)):
                continue
            mdoc = (inspect.getdoc(member) or "(no docstring)").splitlines()[0]
            sig = signature(member) if inspect.isfunction(member) else ""
            lines.append(f"- `{mname}{sig}`: {mdoc}")
        if lines[-1] != "":
            lines.append("")
    return lines


def render() -> str:
    """The whole page."""
    out = [HEADER]
    for modname, title in MODULES:
        mod = importlib.import_module(modname)
        out += [f"## {title} (`{modname}`)", "", inspect.getdoc(mod) or "", ""]
        for name in public_names(mod):
            out += describe(name, getattr(mod, name))
    return "\n".join(out).rstrip() + "\n"


def main(argv: list[str]) -> int:
    """Write the page to ``argv[0]`` or stdout."""
    text = render()
    if argv:
        Path(argv[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
