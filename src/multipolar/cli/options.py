"""The CLI's shared options: each is declared once here, with one help text.

Commands use these as type annotations, with their own default as the parameter's default, e.g.
``seed: Seed = 7``. A test checks that no command module declares ``--seed``, ``--set``,
``--perspective``, ``--hypothesis``, ``--event``, ``--members``, ``--out`` or ``--json`` itself.
:func:`scenario_kwargs` turns the scenario options into the keyword arguments of
:func:`multipolar.scenario.load_scenario` (``events`` only when some are given, so the option
works with loaders that predate dated events). Depends on Typer only.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from multipolar.errors import MultipolarError

SCENARIO_HELP = "Scenario file, folder or bundled name."

Scenario = Annotated[str, typer.Argument(help=SCENARIO_HELP)]
Seed = Annotated[int, typer.Option(
    "--seed", min=0, help="Master seed: the same seed gives the same results.")]
Sets = Annotated[list[str] | None, typer.Option(
    "--set", help="Override PATH=VALUE (repeatable); PATH=VALUE@YEAR applies from YEAR on.")]
Perspective = Annotated[str | None, typer.Option(
    "--perspective", "-p", help="Perspective overlay (see `multipolar validate --json`).")]
Hypothesis = Annotated[str | None, typer.Option(
    "--hypothesis", help="Hypothesis overlay (see `multipolar validate --json`).")]
Events = Annotated[list[str] | None, typer.Option(
    "--event", help="Dated event KIND:TARGET@YEAR (repeatable), e.g. use_of_force:UKR@2022.")]
Members = Annotated[int, typer.Option(
    "--members", "-n", help="Ensemble members per simulation (bargain: 0 = deterministic).")]
Out = Annotated[Path | None, typer.Option(
    "--out", help="Where results are written (a folder; a file for calibrate). "
                        "Existing results are never overwritten without a notice.")]
Json = Annotated[bool, typer.Option(
    "--json", help="Print the result as JSON on stdout, and nothing else.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or messages.")]
Start = Annotated[int | None, typer.Option("--start", help="First year (default: the "
                                                           "scenario's).")]
End = Annotated[int | None, typer.Option("--end", help="Last year (default: the scenario's).")]
Executor = Annotated[str, typer.Option(
    "--executor", "-e", help="Where to run: local, processes or dask.")]
Workers = Annotated[int | None, typer.Option(
    "--workers", "-w", help="Worker processes (processes, dask).")]
Scheduler = Annotated[str | None, typer.Option(
    "--scheduler", help="Dask scheduler address tcp://HOST:PORT.")]


def accepts(func: Callable[..., Any], name: str) -> bool:
    """Whether ``func`` takes a keyword argument called ``name``."""
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def events_kwargs(func: Callable[..., Any], events: Sequence[str] | None) -> dict[str, Any]:
    """``{"events": (...)}`` for ``func`` when events are given, else ``{}``.

    Raises a located :class:`MultipolarError` if events are given and ``func`` cannot take them.
    """
    if not events:
        return {}
    if not accepts(func, "events"):
        raise MultipolarError("this version of multipolar cannot apply dated events here",
                         field="--event", fix="leave out --event, or update multipolar")
    return {"events": tuple(events)}


def scenario_kwargs(perspective: str | None = None, hypothesis: str | None = None,
                    sets: Sequence[str] | None = None,
                    events: Sequence[str] | None = None) -> dict[str, Any]:
    """Keyword arguments of :func:`multipolar.scenario.load_scenario` for the shared options."""
    from multipolar.scenario import load_scenario

    kw: dict[str, Any] = {"perspective": perspective, "hypothesis": hypothesis,
                          "sets": list(sets or [])}
    kw.update(events_kwargs(load_scenario, events))
    return kw
