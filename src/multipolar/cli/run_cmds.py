"""``multipolar run``: simulate an ensemble, show a summary table, write fan charts.

The command only *chooses* an evaluator (``--executor local|processes|dask``) and a run folder;
everything else is :func:`multipolar.ensemble.run_ensemble`. With no arguments it runs the
flagship ``russia-neighbourhood`` scenario with 2,000 members in this process.
Depends on Typer/Rich, :mod:`multipolar.ensemble`, :mod:`multipolar.data` (observed alignment)
and, if present, :mod:`multipolar.figures.plots` for the PNGs.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from multipolar.cli import world_view
from multipolar.cli.common import (
    console,
    out,
    overwrite_notice,
    prepare_out,
    print_json,
    user_errors,
    writing,
)
from multipolar.cli.options import (
    End,
    Events,
    Executor,
    Hypothesis,
    Json,
    Members,
    Out,
    Perspective,
    Quiet,
    Scenario,
    Scheduler,
    Seed,
    Sets,
    Start,
    Workers,
)
from multipolar.cli.progress import Bar
from multipolar.core.textformat import band, members_cell, number, provenance

DEFAULT_OUTPUT = "multipolar-output"
OBSERVED_YEAR = 2013


def observed_alignment() -> dict[str, dict[int, float]]:
    """Observed UN-voting alignment (0 = like Russia, 1 = like the US) per actor and year."""
    from multipolar.data import column_by_actor_year

    return column_by_actor_year("unga_idealpoints.csv", "rel_pos_ru0_us1")


def _q(summary: dict[str, Any], actor: str, year: int) -> dict[str, float] | None:
    return (summary.get("alignment", {}).get(actor) or {}).get(str(year))


def summary_table(summary: dict[str, Any], observed: dict[str, dict[int, float]],
                  caption: str | None = None) -> Table:
    """Build the summary table (fits an 80-column terminal).

    One row per actor: alignment median [p05–p95] in 2013 and at the end, the observed 2013
    value, and the institutions the actor belongs to at the end with probability >= 5%.
    ``caption`` (the provenance line) goes under the table.
    """
    years = [int(y) for y in summary.get("years", [])]
    end = years[-1] if years else None
    obs_until = int(summary.get("observed_until") or OBSERVED_YEAR)
    last_obs = min(obs_until, end or 0)
    mid = last_obs if last_obs in years else None
    insts = list(summary.get("institutions", []))
    t = Table(title=f"alignment (0 = votes like Russia, 1 = like the US), "
                    f"{summary.get('members', 0):,} members, seed {summary.get('seed')}",
              caption=caption, caption_justify="left")
    if mid:
        note = (f"observed until {obs_until}; later years are projections"
                if obs_until < (end or 0) else f"history observed until {obs_until}")
        t.caption = f"{note}\n{caption}" if caption else note
    t.add_column("actor", overflow="fold")
    if mid:
        t.add_column(f"{mid} median [90%]", justify="right")
        t.add_column(f"{mid} observed", justify="right")
    if end:
        t.add_column(f"{end} median [90%]", justify="right")
    if insts:
        t.add_column(f"P(member) {end}", overflow="fold")
    memb = summary.get("memberships", {})
    for actor in summary.get("actors", []):
        row = [actor]
        for y in ([mid] if mid else []) + ([end] if end else []):
            row.append(band(_q(summary, actor, y)))
            if y == mid:
                row.append(number((observed.get(actor) or {}).get(mid)))
        if insts:
            row.append(members_cell(
                (inst, ((memb.get(actor) or {}).get(inst) or {}).get(str(end)))
                for inst in insts))
        t.add_row(*row)
    return t


def chart_folder(out_dir: Path | None, scenario: str, seed: int, members: int,
                 perspective: str | None, hypothesis: str | None,
                 sets: list[str], events: list[str]) -> Path:
    """Where the charts go: the run folder, else a folder named after the run's choices."""
    if out_dir is not None:
        return out_dir
    name = f"{Path(scenario).stem}-n{members}-seed{seed}"
    name += f"-p-{perspective}" if perspective else ""
    name += f"-h-{hypothesis}" if hypothesis else ""
    if sets or events:
        import hashlib

        name += "-" + hashlib.sha256("\n".join([*sets, "|", *events]).encode()).hexdigest()[:8]
    return Path(DEFAULT_OUTPUT) / re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def write_plots(summary: dict[str, Any], folder: Path,
                observed: dict[str, dict[int, float]]) -> list[Path]:
    """Fan charts (one PNG per actor) and the overviews of alignment and of the sphere.

    Drawn in this process; ``multipolar run`` draws the same charts in helper processes
    (:class:`multipolar.cli.charts.ChartPool`).
    """
    try:
        importlib.import_module("multipolar.figures.plots")
    except ModuleNotFoundError as exc:
        if exc.name == "multipolar.figures.plots":
            return []
        raise
    from multipolar.cli.charts import ChartPool

    folder.mkdir(parents=True, exist_ok=True)
    with ChartPool(processes=0) as pool:
        pool.submit(summary, folder, observed)
        return pool.wait()


def _chart_pool(plots: bool) -> Any:
    """Helper processes for the charts (started now, while the ensemble runs), or none."""
    if not plots or importlib.util.find_spec("multipolar.figures.plots") is None:
        return nullcontext(None)
    from multipolar.cli.charts import ChartPool

    return ChartPool()


def run(
    scenario: Scenario = "russia-neighbourhood",
    members: Members = 2000,
    seed: Seed = 7,
    start: Start = None,
    end: End = None,
    perspective: Perspective = None,
    hypothesis: Hypothesis = None,
    set_: Sets = None,
    event: Events = None,
    executor: Executor = "local",
    workers: Workers = None,
    scheduler: Scheduler = None,
    out_dir: Out = None,
    resume: bool = typer.Option(False, "--resume", help="Finish an interrupted run in --out."),
    chunk_size: int = typer.Option(None, "--chunk-size", help="Members per chunk."),
    json_: Json = False,
    quiet: Quiet = False,
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write PNG fan charts."),
    keep: str = typer.Option("auto", "--keep",
                             help="What --out keeps besides the summary: summary, sample (the "
                             "first 1,000 members), members, or auto (sample up to 100,000 "
                             "members, summary above)."),
) -> None:
    """Simulate the ensemble, print a summary and write fan charts.

    Results go chunk by chunk to --out (Parquet + a DuckDB catalogue); an interrupted run is
    finished by re-running the same command with --resume. Without --out, the charts go to a
    folder of multipolar-output/ named after the run's choices.
    """
    from multipolar.core.errors import MultipolarError
    from multipolar.ensemble import RunSpec, evaluator_from_name

    sets, events = list(set_ or ()), list(event or ())
    with user_errors(sets):
        if resume and out_dir is None:
            raise MultipolarError("--resume needs the run folder of the interrupted run",
                                  field="--resume", fix="add --out RUNDIR")
        spec = RunSpec(scenario=scenario, members=members, seed=seed, start=start, end=end,
                       perspective=perspective, hypothesis=hypothesis, sets=tuple(sets),
                       chunk_size=chunk_size, events=tuple(events))
        ev = evaluator_from_name(executor, workers=workers, scheduler=scheduler)
        prepare_out(out_dir)
        folder = chart_folder(out_dir, scenario, seed, members, perspective, hypothesis,
                              sets, events)
        with _chart_pool(plots) as pool:
            _run_and_show(spec, ev, out_dir, resume, keep, quiet, json_, pool, folder,
                          sets, events)


def _run_and_show(spec: Any, ev: Any, out_dir: Path | None, resume: bool, keep: str,
                  quiet: bool, json_: bool, pool: Any, folder: Path, sets: list[str],
                  events: list[str]) -> None:
    """Run the ensemble, start its charts in ``pool``, print the table or JSON, then wait."""
    from multipolar.ensemble import run_ensemble

    try:
        with Bar(enabled=not quiet and not json_) as bar:
            res = run_ensemble(spec, ev, out=out_dir, resume=resume, progress=bar.members,
                               keep=keep)
    except KeyboardInterrupt:
        if out_dir is not None:
            console.print(f"[yellow]interrupted[/]: finished chunks are saved in {out_dir}; "
                          "re-run the same command with --resume to complete the run")
        else:
            console.print("[yellow]interrupted[/]: nothing was kept (a run with --out "
                          "RUNDIR can be resumed)")
        raise typer.Exit(130) from None
    summary = res.summary
    observed = observed_alignment()
    world = world_view.is_world(summary)
    if world:
        observed = {**observed, **world_view.observed_world()}
    written: list[Path] = []
    if pool is not None:  # the charts are drawn while the table is printed
        with writing("the charts", folder, fix="choose a writable folder with --out"):
            if not quiet and not json_:
                overwrite_notice(sorted(folder.glob("*.png")), folder)
            folder.mkdir(parents=True, exist_ok=True)
            pool.submit(summary, folder, observed)
    if json_:
        print_json(summary)
    else:
        caption = provenance(spec.perspective, spec.hypothesis, sets, events)
        if world:
            _print_world(summary, observed, spec.scenario, caption)
        else:
            out.print(summary_table(summary, observed, caption))
    if pool is not None:
        with writing("the charts", folder, fix="choose a writable folder with --out"):
            written = pool.wait()
    if not quiet and not json_:
        _say_where(res, ev.name, out_dir, folder if written else None, len(written))


def _say_where(res: Any, executor: str, out_dir: Path | None, charts: Path | None,
               n_charts: int) -> None:
    """The closing line: size, time, where results and charts are (and how to see them)."""
    where = (f"kept in {out_dir}: {res.manifest.get('keep', 'members')} (see it in the "
             f"dashboard: multipolar serve --runs {out_dir.resolve().parent})") if out_dir else \
        "results not kept (add --out RUNDIR)"
    console.print(f"{res.spec.members:,} members × {len(res.summary.get('years', []))} "
                  f"years in {res.seconds:.1f} s on {executor} "
                  f"({res.chunks_run} chunks run, {res.chunks_reused} reused); {where}")
    if charts is not None:
        console.print(f"charts: {n_charts} PNGs in {charts.resolve()}")


def _print_world(summary: dict[str, Any], observed: dict[str, dict[int, float]],
                 scenario: str, caption: str | None = None) -> None:
    """The by-group view of a run with many actors (see :mod:`multipolar.cli.world_view`)."""
    last_obs = max((y for v in observed.values() for y in v), default=OBSERVED_YEAR)
    out.print(world_view.world_table(summary, observed, world_view.groups_of(scenario),
                                     min(last_obs, int(summary["years"][-1]))))
    near, far = world_view.extremes(summary)
    out.print(f"closest to Russia in {summary['years'][-1]}: {', '.join(near)}")
    out.print(f"closest to the US in {summary['years'][-1]}: {', '.join(far)}")
    if caption:
        out.print(caption)


def register(app: typer.Typer) -> None:
    """Add ``multipolar run`` to the CLI."""
    app.command("run")(run)
