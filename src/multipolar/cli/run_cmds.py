"""``multipolar run``: simulate an ensemble, show a summary table, write fan charts.

The command only *chooses* an evaluator (``--executor local|processes|dask``) and a run folder;
everything else is :func:`multipolar.ensemble.run_ensemble`. With no arguments it runs the
flagship ``russia-neighbourhood`` scenario with 2,000 members in this process.
Depends on Typer/Rich, :mod:`multipolar.ensemble`, :mod:`multipolar.data` (observed alignment)
and, if present, :mod:`multipolar.plots` for the PNGs.
"""

from __future__ import annotations

import importlib
import math
from pathlib import Path
from typing import Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from multipolar.cli import world_view
from multipolar.cli.common import console, out, print_json, user_errors, writing

DEFAULT_OUTPUT = "multipolar-output"
OBSERVED_YEAR = 2013


def observed_alignment() -> dict[str, dict[int, float]]:
    """Observed UN-voting alignment (0 = like Russia, 1 = like the US) per actor and year."""
    from multipolar.data import column_by_actor_year

    return column_by_actor_year("unga_idealpoints.csv", "rel_pos_ru0_us1")


def _q(summary: dict[str, Any], actor: str, year: int) -> dict[str, float] | None:
    return (summary.get("alignment", {}).get(actor) or {}).get(str(year))


def _fmt(x: float | None, nd: int = 2) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{nd}f}"


def summary_table(summary: dict[str, Any], observed: dict[str, dict[int, float]]) -> Table:
    """Build the summary table.

    One row per actor: alignment median [p05–p95] in 2013 and at the end, the observed 2013
    value, and the institutions the actor belongs to at the end with probability >= 5%.
    """
    years = [int(y) for y in summary.get("years", [])]
    end = years[-1] if years else None
    mid = OBSERVED_YEAR if OBSERVED_YEAR in years else None
    insts = list(summary.get("institutions", []))
    t = Table(title=f"alignment (0 = votes like Russia, 1 = like the US), "
                    f"{summary.get('members', 0):,} members, seed {summary.get('seed')}")
    t.add_column("actor")
    if mid:
        t.add_column(f"{mid} median [90%]", justify="right")
        t.add_column(f"{mid} observed", justify="right")
    if end:
        t.add_column(f"{end} median [90%]", justify="right")
    if insts:
        t.add_column(f"P(member) {end}")
    memb = summary.get("memberships", {})
    for actor in summary.get("actors", []):
        row = [actor]
        for y in ([mid] if mid else []) + ([end] if end else []):
            q = _q(summary, actor, y)
            row.append("–" if q is None else
                       f"{q['median']:.2f} [{q['p05']:.2f}–{q['p95']:.2f}]")
            if y == mid:
                row.append(_fmt((observed.get(actor) or {}).get(mid)))
        if insts:
            probs = [(inst, ((memb.get(actor) or {}).get(inst) or {}).get(str(end)))
                     for inst in insts]
            row.append(", ".join(f"{inst} {p:.2f}" for inst, p in probs
                                 if p is not None and p >= 0.05) or "–")
        t.add_row(*row)
    return t


def write_plots(summary: dict[str, Any], folder: Path,
                observed: dict[str, dict[int, float]]) -> list[Path]:
    """Fan charts (one PNG per actor) and the overview, if the plot helpers exist."""
    try:
        plots = importlib.import_module("multipolar.plots")
    except ModuleNotFoundError as exc:
        if exc.name == "multipolar.plots":
            return []
        raise
    folder.mkdir(parents=True, exist_ok=True)
    chosen = None
    if world_view.is_world(summary):
        chosen = [a for a in world_view.SHOWCASE if a in summary.get("alignment", {})]
    paths = list(plots.fan_charts(summary, folder, observed=observed, actors=chosen))
    paths.append(plots.alignment_overview(summary, folder / "alignment-overview.png",
                                          observed=observed, actors=chosen))
    return [Path(p) for p in paths]


class _Bar:
    """A Rich progress bar fed by :class:`multipolar.ensemble.Progress` callbacks."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bar: Progress | None = None
        self.task: Any = None

    def __enter__(self) -> _Bar:
        if self.enabled:
            self.bar = Progress(
                TextColumn("[bold]members"), BarColumn(), MofNCompleteColumn(),
                TaskProgressColumn(), TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
                console=console, transient=False)
            self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)

    def __call__(self, p: Any) -> None:
        if self.bar is None:
            return
        if self.task is None:
            self.task = self.bar.add_task("run", total=p.members_total, rate="",
                                          completed=p.members_done)
        rate = f"{p.rate:,.0f} members/s" if p.rate else ""
        self.bar.update(self.task, completed=p.members_done, rate=rate)


def run(
    scenario: str = typer.Argument("russia-neighbourhood",
                                   help="Scenario file, folder or bundled name."),
    members: int = typer.Option(2000, "--members", "-n", help="Ensemble members."),
    seed: int = typer.Option(7, "--seed", help="Master seed (same seed, same results)."),
    start: int = typer.Option(None, "--start", help="First year (default: the scenario's)."),
    end: int = typer.Option(None, "--end", help="Last year (default: the scenario's)."),
    perspective: str = typer.Option(None, "--perspective", "-p", help="Perspective overlay."),
    hypothesis: str = typer.Option(None, "--hypothesis", help="Hypothesis overlay."),
    set_: list[str] = typer.Option(None, "--set", help="Override PATH=VALUE (repeatable)."),
    event: list[str] = typer.Option(None, "--event",
                                    help="Dated event KIND:TARGET[/INSTITUTION]@YEAR, e.g. "
                                         "use_of_force:UKR@2022 (repeatable)."),
    executor: str = typer.Option("local", "--executor", "-e",
                                 help="Where to run: local, processes or dask."),
    workers: int = typer.Option(None, "--workers", "-w", help="Worker processes (not local)."),
    scheduler: str = typer.Option(None, "--scheduler",
                                  help="Dask scheduler address tcp://HOST:PORT."),
    out_dir: Path = typer.Option(None, "--out", "-o",
                                 help="Run folder for results, catalogue and PNGs."),
    resume: bool = typer.Option(False, "--resume", help="Finish an interrupted run in --out."),
    chunk_size: int = typer.Option(None, "--chunk-size", help="Members per chunk."),
    json_: bool = typer.Option(False, "--json", help="Print the summary as JSON to stdout only."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or messages."),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write PNG fan charts."),
) -> None:
    """Simulate the ensemble, print a summary and write fan charts.

    Results go chunk by chunk to --out (Parquet + a DuckDB catalogue); an interrupted run is
    finished by re-running the same command with --resume.
    """
    from multipolar.ensemble import RunSpec, evaluator_from_name, run_ensemble
    from multipolar.errors import MultipolarError

    with user_errors():
        if resume and out_dir is None:
            raise MultipolarError("--resume needs the run folder of the interrupted run",
                                  field="--resume", fix="add --out RUNDIR")
        spec = RunSpec(scenario=scenario, members=members, seed=seed, start=start, end=end,
                       perspective=perspective, hypothesis=hypothesis,
                       sets=tuple(set_ or ()), chunk_size=chunk_size,
                       events=tuple(event or ()))
        ev = evaluator_from_name(executor, workers=workers, scheduler=scheduler)
        try:
            with _Bar(enabled=not quiet) as bar:
                res = run_ensemble(spec, ev, out=out_dir, resume=resume, progress=bar)
        except KeyboardInterrupt:
            if out_dir is not None:
                console.print(f"[yellow]interrupted[/]: finished chunks are saved in {out_dir}; "
                              "re-run the same command with --resume to complete the run")
            raise typer.Exit(130) from None
        summary = res.summary
        observed = observed_alignment()
        world = world_view.is_world(summary)
        if world:
            observed = {**observed, **world_view.observed_world()}
        folder = out_dir if out_dir is not None else Path(DEFAULT_OUTPUT)
        written: list[Path] = []
        if plots:
            with writing("the charts", folder, fix="choose a writable folder with --out"):
                written = write_plots(summary, folder, observed)
        if json_:
            print_json(summary)
            return
        if world:
            _print_world(summary, observed, spec.scenario)
        else:
            out.print(summary_table(summary, observed))
        if not quiet:
            where = f"results in {out_dir}" if out_dir else "results not kept (add --out RUNDIR)"
            console.print(f"{res.spec.members:,} members × {len(summary.get('years', []))} "
                          f"years in {res.seconds:.1f} s on {ev.name} "
                          f"({res.chunks_run} chunks run, {res.chunks_reused} reused); {where}")
            if written:
                console.print(f"charts: {len(written)} PNGs in {folder.resolve()}")


def _print_world(summary: dict[str, Any], observed: dict[str, dict[int, float]],
                 scenario: str) -> None:
    """The by-group view of a run with many actors (see :mod:`multipolar.cli.world_view`)."""
    last_obs = max((y for v in observed.values() for y in v), default=OBSERVED_YEAR)
    out.print(world_view.world_table(summary, observed, world_view.groups_of(scenario),
                                     min(last_obs, int(summary["years"][-1]))))
    near, far = world_view.extremes(summary)
    out.print(f"closest to Russia in {summary['years'][-1]}: {', '.join(near)}")
    out.print(f"closest to the US in {summary['years'][-1]}: {', '.join(far)}")


def register(app: typer.Typer) -> None:
    """Add ``multipolar run`` to the CLI."""
    app.command("run")(run)
