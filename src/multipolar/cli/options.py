"""The CLI's shared options: each is declared once here, with one help text.

Commands use these as type annotations, with their own default as the parameter's default, e.g.
``seed: Seed = 7``. A test checks that no command module declares ``--seed``, ``--set``,
``--perspective``, ``--hypothesis``, ``--event``, ``--members``, ``--out``, ``--json`` or
``--anchor`` itself.
:func:`scenario_kwargs` turns the scenario options into the keyword arguments of
:func:`multipolar.scenario.load_scenario`. Depends on Typer only.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

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
    "--event", help="Dated event KIND:TARGET\\[/INSTITUTION]@YEAR (repeatable), e.g. "
                    "use_of_force:UKR@2022.")]
_MEMBERS_HELP = "Ensemble members per simulation (bargain: 0 = deterministic)."
Members = Annotated[int, typer.Option("--members", "-n", help=_MEMBERS_HELP)]
MembersOrDefault = Annotated[int | None, typer.Option("--members", "-n", help=_MEMBERS_HELP)]
"""``--members`` whose default depends on the scenario (the command's help names it)."""
Out = Annotated[Path | None, typer.Option(
    "--out", help="Where results are written (a folder; a file for calibrate). "
                        "Earlier results are never replaced silently (calibrate, explore and "
                        "compare: only with --force).")]
Force = Annotated[bool, typer.Option(
    "--force", help="Replace the results already in --out (without it, a command that would "
                    "replace them stops before computing).")]
Json = Annotated[bool, typer.Option(
    "--json", help="Print the result as JSON on stdout, and nothing else.")]
Data = Annotated[str | None, typer.Option(
    "--data", envvar="MULTIPOLAR_DATA",
    help="Data set: a version from `multipolar data list`, or 'bundled' (default: the newest "
         "import, else the bundled data).")]


def hoist_data(args: list[str]) -> list[str]:
    """``args`` with ``--data NAME`` moved before the command.

    So it may follow any command (``multipolar forecast --data NAME``) while being declared
    once, on ``multipolar``.
    """
    out: list[str] = []
    hoisted: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            out += args[i:]
            break
        if a == "--data" and i + 1 < len(args):
            hoisted += args[i:i + 2]
            i += 2
            continue
        if a.startswith("--data="):
            hoisted.append(a)
        else:
            out.append(a)
        i += 1
    return hoisted + out


Anchor = Annotated[float | None, typer.Option(
    "--anchor",
    help="Anchor strength: the share of the way each state's target is moved from the model's "
         "formula to its observed state at the last observed year (the origin) before it is "
         "projected; 0: the model's own target, 1: the observed state (declared range 0-1). "
         "Default: run and forecast the declared 0.75 (forecast: a calibration file's fitted "
         "value); a world back-test fits it at each origin.")]
"""``--anchor`` (:data:`multipolar.model.anchor.ANCHOR`): checked against its declared bounds by
:func:`multipolar.model.anchor.check_anchor`."""
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or messages.")]
Start = Annotated[int | None, typer.Option("--start", help="First year (default: the "
                                                           "scenario's).")]
End = Annotated[int | None, typer.Option("--end", help="Last year (default: the scenario's).")]
Executor = Annotated[str, typer.Option(
    "--executor", "-e", help="Where to run: local, processes or dask.")]
RunExecutor = Annotated[str, typer.Option(
    "--executor", "-e", help="Where to run: auto (worker processes, which also draw the "
    "charts, on a machine with 2+ usable cores for 1,000+ members; this process otherwise), "
    "local, processes or dask.")]
Workers = Annotated[int | None, typer.Option(
    "--workers", "-w", help="Worker processes (processes, dask).")]
Scheduler = Annotated[str | None, typer.Option(
    "--scheduler", help="Dask scheduler address tcp://HOST:PORT.")]


def scenario_kwargs(perspective: str | None = None, hypothesis: str | None = None,
                    sets: Sequence[str] | None = None,
                    events: Sequence[str] | None = None) -> dict[str, Any]:
    """Keyword arguments of :func:`multipolar.scenario.load_scenario` for the shared options."""
    return {"perspective": perspective, "hypothesis": hypothesis, "sets": list(sets or []),
            "events": list(events or [])}
