"""Overrides of scenario paths: ``--set PATH=VALUE``, perspectives and hypotheses.

A path is dotted. Lists of things with an ``id`` (actors, institutions) are indexed by id, so
``actors.Belarus.attributes.democracy`` works. Two shorthands: a bare lever or driver name
(``russia_attraction=0.8``, ``oil_price=30``), and a bare mechanism name with ``enabled``
(``delegation_limit.enabled=false``). Setting a number on a parameter fixes it (drops its
distribution); setting a number on a driver makes a constant path; setting a number or a
``{year: value}`` mapping on a lever replaces its value. Overrides act on the raw data, which
is validated again afterwards, so a bad value gets the same clean error as in a file.
"""

from __future__ import annotations

import copy
import difflib
from typing import TYPE_CHECKING, Any

import yaml

from multipolar.errors import Problem, ScenarioError

if TYPE_CHECKING:
    from multipolar.scenario.loader import SourceMap
    from multipolar.scenario.schema import Scenario

_ID_LISTS = ("actors", "institutions")

# the word for one item of an overlay section (not section[:-1]: "hypothese")
SINGULAR = {"perspectives": "perspective", "hypotheses": "hypothesis"}


def parse_sets(items: list[str]) -> dict[str, Any]:
    """Parse ``["path=value", ...]``; values are read as YAML (numbers, booleans, mappings)."""
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise ScenarioError(f"--set '{item}' has no '='", field="--set",
                                fix="write --set PATH=VALUE, e.g. --set russia_assertion=0.7")
        path, _, text = item.partition("=")
        path = path.strip()
        if not path:
            raise ScenarioError(f"--set '{item}' has an empty path", field="--set",
                                fix="write --set PATH=VALUE")
        try:
            out[path] = yaml.safe_load(text) if text.strip() else None
        except yaml.YAMLError:
            raise ScenarioError(f"--set {path}: cannot read value '{text}'", field="--set",
                                fix="give a number, true/false, or a YAML mapping "
                                    "like '{2014: 0.8, 2015: 0.9}'") from None
        if out[path] is None:
            raise ScenarioError(f"--set {path}: empty value", field="--set",
                                fix="give a value after '='")
    return out


def _expand(raw: dict[str, Any], path: str) -> list[str]:
    parts = path.split(".")
    head = parts[0]
    if head in raw or head in ("mechanisms", "levers", "drivers"):
        return parts
    for section in ("levers", "drivers", "mechanisms", "aims"):
        if isinstance(raw.get(section), dict) and head in raw[section]:
            return [section, *parts]
    return parts


def _step(cur: Any, key: str, trail: list[str]) -> tuple[Any, Any]:
    """Return (container, key) for ``key`` in ``cur`` or raise KeyError with candidates."""
    if isinstance(cur, list):
        for i, item in enumerate(cur):
            if isinstance(item, dict) and str(item.get("id")) == key:
                return cur, i
        ids = [str(it.get("id")) for it in cur if isinstance(it, dict)]
        raise KeyError((key, ids))
    if isinstance(cur, dict):
        for k in cur:
            if str(k) == key:
                return cur, k
        raise KeyError((key, [str(k) for k in cur]))
    raise KeyError((key, []))


def _locate(raw: dict[str, Any], path: str) -> tuple[Any, Any, list[str]]:
    parts = _expand(raw, path)
    cur: Any = raw
    container: Any = None
    key: Any = None
    for n, p in enumerate(parts):
        try:
            container, key = _step(cur, p, parts[:n])
        except KeyError as exc:
            name, options = exc.args[0]
            # a mechanism section present in the schema but absent here: allow new keys for
            # known leaf fields ("enabled", "implementation") and params
            if isinstance(cur, dict) and n == len(parts) - 1 and parts[n - 1:n] and \
                    name in ("enabled", "implementation", "value", "constant"):
                return cur, name, parts
            raise LookupError(name, options, ".".join(parts[:n]) or "<top>") from None
        cur = container[key]
    return container, key, parts


def check_path(raw: dict[str, Any], path: str) -> tuple[str, str] | None:
    """``None`` if ``path`` names something in ``raw``, else ``(message, fix)``."""
    try:
        _locate(raw, path)
    except LookupError as exc:
        name, options, where = exc.args
        if where == "<top>":  # shorthands: bare lever, driver, mechanism and aim names
            for section in ("levers", "drivers", "mechanisms", "aims"):
                if isinstance(raw.get(section), dict):
                    options = options + [str(k) for k in raw[section]]
        close = difflib.get_close_matches(str(name), options, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        shown = ", ".join(options[:20]) + (" ..." if len(options) > 20 else "")
        return (f"no '{name}' under {where}",
                f"{hint}available there: {shown}" if options else "check the path")
    return None


def set_path(raw: dict[str, Any], path: str, value: Any) -> None:
    """Set ``path`` to ``value`` in ``raw`` (in place), with the semantics in the module doc."""
    container, key, parts = _locate(raw, path)
    current: Any = container.get(key) if isinstance(container, dict) else container[key]
    section = parts[0]
    if section == "drivers" and len(parts) == 2 and not isinstance(value, dict) \
            and isinstance(current, dict):
        drv = current
        drv["constant"] = value
        drv.pop("past", None)
        drv["future"] = {"model": "constant", "level": value}
        return
    if section == "levers" and len(parts) == 2 and isinstance(current, dict):
        current["value"] = value
        return
    if section == "mechanisms" and len(parts) == 2 and isinstance(value, bool) \
            and isinstance(current, dict):
        current["enabled"] = value
        return
    if isinstance(current, dict) and ("value" in current or "dist" in current) \
            and not isinstance(value, dict):
        keep = {k: v for k, v in current.items()
                if k in ("unit", "description", "source", "evidence", "bounds")}
        keep["value"] = value
        if "bounds" in keep:
            lo, hi = keep["bounds"]
            if isinstance(value, int | float) and not lo <= value <= hi:
                keep.pop("bounds")
                keep["value"] = value
                raise ScenarioError(f"{path}={value} lies outside the bounds [{lo}, {hi}]",
                                    field=path, fix=f"choose a value in [{lo}, {hi}]")
        container[key] = keep
        return
    if isinstance(current, dict) and isinstance(value, dict) and \
            ("value" in current or "dist" in current) and ("value" in value or "dist" in value):
        keep = {k: v for k, v in current.items()
                if k in ("unit", "description", "source", "evidence")}
        keep.update(value)
        container[key] = keep
        return
    container[key] = value


def apply_sets(raw: dict[str, Any], pairs: dict[str, Any], src: SourceMap | None = None,
               origin: str = "--set") -> dict[str, Any]:
    """A copy of ``raw`` with every override applied; all bad paths reported together."""
    out = copy.deepcopy(raw)
    problems: list[Problem] = []
    for path, value in pairs.items():
        msg = check_path(out, path)
        if msg is not None:
            problems.append(Problem(f"{origin} {path}: {msg[0]}", field=path, fix=msg[1]))
            continue
        try:
            set_path(out, path, value)
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems=problems, title=f"cannot apply {origin}")
    return out


def apply_overlay(raw: dict[str, Any], src: SourceMap, section: str, name: str,
                  scenario: Scenario) -> dict[str, Any]:
    """Apply the perspective or hypothesis ``name`` (from ``section``) to ``raw``."""
    table = getattr(scenario, section)
    if name not in table:
        known = sorted(table)
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise ScenarioError(f"the scenario has no {SINGULAR[section]} '{name}'",
                            file=src.default_file, field=section,
                            fix=f"{hint}available: {', '.join(known) or '(none)'}")
    return apply_sets(raw, dict(table[name].overrides), src,
                      origin=f"{SINGULAR[section]} '{name}'")
