"""``multipolar run``: simulate an ensemble, show a summary table, write fan charts.

The command only *chooses* an evaluator (``--executor local|processes|dask``) and a run folder;
everything else is :func:`multipolar.ensemble.run_ensemble`. With no arguments it runs the
flagship ``russia-neighbourhood`` scenario with 2,000 members in this process.
Depends on Typer/Rich, :mod:`multipolar.ensemble`, :mod:`multipolar.data` (observed alignment)
and, if present, :mod:`multipolar.figures.plots` for the PNGs.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import re
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from multipolar.cli import membership_view, world_view
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
    Anchor,
    End,
    Events,
    Hypothesis,
    Json,
    Members,
    Out,
    Perspective,
    Quiet,
    RunExecutor,
    Scenario,
    Scheduler,
    Seed,
    Sets,
    Start,
    Workers,
)
from multipolar.cli.progress import Bar
from multipolar.core.errors import MultipolarError
from multipolar.core.labels import free_run_label
from multipolar.core.specs import RUN_EXECUTOR, RUN_MEMBERS, RUN_SEED
from multipolar.core.textformat import band, number, provenance
from multipolar.data import column_by_actor_year

DEFAULT_OUTPUT = "multipolar-output"
OBSERVED_YEAR = 2013


def observed_alignment() -> dict[str, dict[int, float]]:
    """Observed UN-voting alignment (0 = like Russia, 1 = like the US) per actor and year."""
    return column_by_actor_year("unga_idealpoints.csv", "rel_pos_ru0_us1")


def _q(summary: dict[str, Any], actor: str, year: int) -> dict[str, float] | None:
    return (summary.get("alignment", {}).get(actor) or {}).get(str(year))


def summary_table(summary: dict[str, Any], observed: dict[str, dict[int, float]],
                  caption: str | None = None) -> Table:
    """Build the summary table (fits an 80-column terminal).

    One row per actor: alignment median [p05–p95] at the last observed year (a free run
    only: a run that follows the record has the observation there) and at the end, and the
    observed value of the last observed year. Memberships are
    :func:`membership_summary_table`'s. ``caption`` (the provenance line) goes under the table.
    """
    years = [int(y) for y in summary.get("years", [])]
    end = years[-1] if years else None
    obs_until = int(summary.get("observed_until") or OBSERVED_YEAR)
    last_obs = min(obs_until, end or 0)
    mid = last_obs if last_obs in years else None
    free = free_run_label(summary)
    follows = summary.get("history") == "observed"
    t = Table(title=f"alignment (0 = votes like Russia, 1 = like the US), "
                    f"{summary.get('members', 0):,} members, seed {summary.get('seed')}"
                    + (f"; {free}" if free else ""),
              caption=caption, caption_justify="left")
    if mid:
        if free:
            note = (f"free run: the model's own path from {years[0]}, the observed history "
                    f"not imposed; data until {obs_until}")
        elif obs_until < (end or 0):
            note = (f"observed alignment followed until {obs_until}; later years are "
                    f"projections (each target anchored {run_anchor(summary):g} of the way "
                    f"to the state of {obs_until})")
        else:
            note = f"history observed until {obs_until}"
        t.caption = f"{note}\n{caption}" if caption else note
    t.add_column("actor", overflow="fold")
    if mid:
        if not follows:
            t.add_column(f"{mid} median [90%]", justify="right")
        t.add_column(f"{mid} observed", justify="right")
    if end:
        t.add_column(f"{end} median [90%]", justify="right")
    for actor in summary.get("actors", []):
        row = [actor]
        for y in ([mid] if mid else []) + ([end] if end else []):
            if y != mid or not follows:
                row.append(band(_q(summary, actor, y)))
            if y == mid:
                row.append(number((observed.get(actor) or {}).get(mid)))
        t.add_row(*row)
    return t


def run_anchor(summary: dict[str, Any]) -> float:
    """The anchor strength the run used (runs made before it was recorded: the default)."""
    a = summary.get("anchor")
    if a is None:
        # lazy: keeps start-up fast (loads the model)
        from multipolar.model.anchor import ANCHOR

        return float(ANCHOR.default)
    return float(a)


def standing_table(summary: dict[str, Any], groups: dict[str, str] | None = None
                   ) -> Table | None:
    """Russia's and the US's ideal points on the data's scale (the poles), median [90%].

    At the last observed year (the record, in a run that follows it) and at the end (five
    years on as well, without ``groups``: the table keeps to 80 columns); with ``groups``,
    then each group's mean of its states' median ideal points. None for a run whose scenario
    has no ideal-point data (its poles are 0 and 1 by definition).
    """
    poles, ideal = summary.get("poles"), summary.get("ideal_point")
    years = [int(y) for y in summary.get("years", [])]
    if not poles or not ideal or not years:
        return None
    end = years[-1]
    last = min(int(summary.get("observed_until") or OBSERVED_YEAR), end)
    shown = sorted({y for y in (last, end, *([] if groups else [min(last + 5, end)]))
                    if y in years})
    follows = summary.get("history") == "observed"
    t = Table(title="standing on the data's scale (UN ideal points, Voeten's): Russia and the "
                    "US, median [90%]", caption_justify="left")
    t.caption = ((f"{last}: the record (the run follows it); later years projected, the poles "
                  f"moved by russia_standing; anchor {run_anchor(summary):g}")
                 if follows else f"a free run: the model's own path from {years[0]}")
    if groups:
        t.caption += "; groups: mean over the group's states of their median ideal points"
    t.add_column("", overflow="fold")
    for y in shown:
        t.add_column(f"{y}", justify="right", no_wrap=True)
    for pole, label in (("russia", "Russia"), ("us", "the US")):
        t.add_row(label, *[band((poles.get(pole) or {}).get(str(y))) for y in shown])
    if groups:
        by: dict[str, list[str]] = {}
        for a in summary.get("actors", []):
            if a in ideal and a not in world_view.SCALE_ENDS:
                by.setdefault(groups.get(a, ""), []).append(a)
        for g, members in sorted(by.items(),
                                 key=lambda kv: kv[0].removeprefix("the ").lower()):
            cells = []
            for y in shown:
                vals = [q["median"] for a in members if (q := ideal[a].get(str(y)))]
                cells.append(number(sum(vals) / len(vals)) if vals else number(None))
            t.add_row(g or "-", *cells)
    return t


def membership_summary_table(summary: dict[str, Any]) -> Table | None:
    """Memberships in the last observed year and their probability at the end of the run.

    A member's probability is the chance it stays, a non-member's the chance it joins
    (:mod:`multipolar.cli.membership_view`). None for a run without institutions.
    """
    years = [int(y) for y in summary.get("years", [])]
    insts = list(summary.get("institutions", []))
    if not years or not insts:
        return None
    end = years[-1]
    last = min(int(summary.get("observed_until") or OBSERVED_YEAR), end)
    memb = summary.get("memberships", {})

    def status(actor: str) -> dict[str, membership_view.Status]:
        out: dict[str, membership_view.Status] = {}
        for inst in insts:
            by_year = (memb.get(actor) or {}).get(inst) or {}
            then = by_year.get(str(last))
            out[inst] = (None if then is None else then >= 0.5, by_year.get(str(end)))
        return out

    return membership_view.membership_table(
        ((a, status(a)) for a in summary.get("actors", [])), last, end)


def sphere_summary_table(summary: dict[str, Any]) -> Table | None:
    """Russia's share of each neighbour's sphere at the end of the run, in all and per channel.

    ``all channels``: the weighted share (median and 90% range); then Russia's median share of
    trade, arms, security and investment (``sphere_channels``). None for a summary without
    per-channel shares (runs made before they were kept, a scenario without the sphere).
    """
    sphere, channels = summary.get("sphere", {}), summary.get("sphere_channels", {})
    years = [int(y) for y in summary.get("years", [])]
    if not channels or not years:
        return None
    end = str(years[-1])
    names = list(next(iter(channels.values()))[end])  # the model's channels, in its order
    t = Table(title=f"Russia's share of each state's sphere, {end} (median; channels weighted "
                    "by the assumption sphere_weights)")
    t.add_column("actor", overflow="fold")
    t.add_column("all [90%]", justify="right")
    for c in names:
        t.add_column(c, justify="right")
    for actor in summary.get("actors", []):
        if actor not in channels:
            continue
        whole = (sphere.get(actor) or {}).get(end, {}).get("russia")
        cells = [number(channels[actor][end][c]["median"]) for c in names]
        t.add_row(actor, band(whole), *cells)
    return t


def chart_folder(out_dir: Path | None, scenario: str, seed: int, members: int,
                 perspective: str | None, hypothesis: str | None,
                 sets: list[str], events: list[str], anchor: float | None = None) -> Path:
    """Where the charts go: the run folder, else a folder named after the run's choices.

    Overrides (``--set``, ``--event``, ``--anchor``) enter the name as a short hash.
    """
    if out_dir is not None:
        return out_dir
    name = f"{Path(scenario).stem}-n{members}-seed{seed}"
    name += f"-p-{perspective}" if perspective else ""
    name += f"-h-{hypothesis}" if hypothesis else ""
    if sets or events or anchor is not None:
        parts = [*sets, "|", *events] + ([] if anchor is None else ["|", f"anchor={anchor!r}"])
        name += "-" + hashlib.sha256("\n".join(parts).encode()).hexdigest()[:8]
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


def _chart_pool(plots: bool, ev: Any = None) -> Any:
    """Who draws the charts (started now, while the scenario compiles and the ensemble runs).

    A run on worker processes (``processes``, or ``auto`` on two or more cores) starts them
    here, warmed with the model and, if there are charts, matplotlib: they simulate, then draw.
    Otherwise helper processes of their own draw the charts (or none draw, without charts).
    """
    from multipolar.ensemble import ProcessEvaluator

    plots = plots and importlib.util.find_spec("multipolar.figures.plots") is not None
    if isinstance(ev, ProcessEvaluator):
        from functools import partial

        from multipolar.cli.charts import ChartPool, warm_worker

        ev.start(warm=partial(warm_worker, plots))
        if ev.active:
            return ChartPool(executor=ev) if plots else nullcontext(None)
    if not plots:
        return nullcontext(None)
    from multipolar.cli.charts import ChartPool

    return ChartPool()


def run(
    scenario: Scenario = "russia-neighbourhood",
    members: Members = RUN_MEMBERS,
    seed: Seed = RUN_SEED,
    start: Start = None,
    end: End = None,
    perspective: Perspective = None,
    hypothesis: Hypothesis = None,
    set_: Sets = None,
    event: Events = None,
    executor: RunExecutor = RUN_EXECUTOR,
    workers: Workers = None,
    scheduler: Scheduler = None,
    out_dir: Out = None,
    resume: bool = typer.Option(False, "--resume", help="Finish an interrupted run in --out."),
    chunk_size: int = typer.Option(None, "--chunk-size", help="Members per chunk."),
    json_: Json = False,
    quiet: Quiet = False,
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write PNG fan charts."),
    anchor: Anchor = None,
    free: bool = typer.Option(False, "--free",
                              help="Run the model free from the first year, the observed "
                                   "history not imposed (a check of the model). By default "
                                   "the run follows the observed alignment up to the "
                                   "scenario's last observed year and projects from there, "
                                   "towards targets anchored at the observed state."),
    keep: str = typer.Option("auto", "--keep",
                             help="What --out keeps besides the summary: summary, sample (the "
                             "first 1,000 members), members, or auto (sample up to 100,000 "
                             "members, summary above)."),
) -> None:
    """Simulate the ensemble, print a summary and write fan charts.

    The run follows the observed UN voting alignment up to the scenario's last observed year
    (observed years are shown as observed) and projects from there, towards targets anchored
    --anchor of the way at the observed state; --free runs the model on its own from the first
    year instead, as a check of the model. A scenario with ideal-point data (russia-world) also
    shows Russia's and the US's standing on the data's scale. Results go chunk by chunk
    to --out (Parquet + a DuckDB catalogue); an interrupted run is
    finished by re-running the same command with --resume. Without --out, the charts go to a
    folder of multipolar-output/ named after the run's choices.
    """
    # lazy: keeps start-up fast (loads the model, numpy)
    from multipolar.ensemble import RunSpec, evaluator_from_name

    sets, events = list(set_ or ()), list(event or ())
    with user_errors(sets):
        if resume and out_dir is None:
            raise MultipolarError("--resume needs the run folder of the interrupted run",
                                  field="--resume", fix="add --out RUNDIR")
        if anchor is not None:
            # lazy: keeps start-up fast (loads the model)
            from multipolar.model.anchor import check_anchor

            anchor = check_anchor(anchor)
        spec = RunSpec(scenario=scenario, members=members, seed=seed, start=start, end=end,
                       perspective=perspective, hypothesis=hypothesis, sets=tuple(sets),
                       chunk_size=chunk_size, events=tuple(events), free=free, anchor=anchor)
        ev = evaluator_from_name(executor, workers=workers, scheduler=scheduler,
                                 members=members)
        prepare_out(out_dir)
        folder = chart_folder(out_dir, scenario, seed, members, perspective, hypothesis,
                              sets, events, anchor)
        if plots and out_dir is None:  # before computing: can the charts be written?
            try:
                prepare_out(folder)
            except MultipolarError as err:
                console.print(f"[yellow]warning[/]: the charts will not be written "
                              f"({err.problems[0].message}); the table still is. Choose a "
                              "writable folder with --out, or --no-plots", soft_wrap=True)
                plots = False
        with ev, _chart_pool(plots, ev) as pool:
            _run_and_show(spec, ev, out_dir, resume, keep, quiet, json_, pool, folder,
                          sets, events)


def _run_and_show(spec: Any, ev: Any, out_dir: Path | None, resume: bool, keep: str,
                  quiet: bool, json_: bool, pool: Any, folder: Path, sets: list[str],
                  events: list[str]) -> None:
    """Run the ensemble, start its charts in ``pool``, print the table or JSON, then wait."""
    from multipolar.ensemble import run_ensemble  # lazy: loads the model, numpy

    observed: dict[str, dict[int, float]] = {}
    started = False

    def start_charts(summary: dict[str, Any]) -> None:
        """Hand the charts to ``pool`` as soon as the summary is final (before it is stored)."""
        nonlocal pool, started, observed
        started = True
        observed = observed_alignment()
        if world_view.is_world(summary):
            observed = {**observed, **world_view.observed_world()}
        if pool is None:
            return
        try:
            with writing("the charts", folder, fix="choose a writable folder with --out"):
                if not quiet and not json_:
                    overwrite_notice(sorted(folder.glob("*.png")), folder)
                folder.mkdir(parents=True, exist_ok=True)
                pool.submit(summary, folder, observed)
        except MultipolarError as err:  # the table is still worth printing
            console.print(f"[yellow]warning[/]: {err.render()}", soft_wrap=True)
            pool = None

    try:
        with Bar(enabled=not quiet and not json_) as bar:
            res = run_ensemble(spec, ev, out=out_dir, resume=resume, progress=bar.members,
                               keep=keep, on_summary=start_charts)
    except KeyboardInterrupt:
        if out_dir is not None:
            console.print(f"[yellow]interrupted[/]: finished chunks are saved in {out_dir}; "
                          "re-run the same command with --resume to complete the run")
        else:
            console.print("[yellow]interrupted[/]: nothing was kept (a run with --out "
                          "RUNDIR can be resumed)")
        raise typer.Exit(130) from None
    summary = res.summary
    if not started:  # a resumed run whose summary an earlier session stored
        start_charts(summary)
    world = world_view.is_world(summary)
    written: list[Path] = []
    if json_:
        print_json(summary)
    else:
        caption = provenance(spec.perspective, spec.hypothesis, sets, events,
                             anchor=summary.get("anchor"))
        if world:
            _print_world(summary, observed, spec.scenario, caption)
        else:
            out.print(summary_table(summary, observed, caption))
            for extra in (membership_summary_table(summary), sphere_summary_table(summary),
                          standing_table(summary)):
                if extra is not None:
                    out.print(extra)
    if pool is not None:
        try:
            with writing("the charts", folder, fix="choose a writable folder with --out"):
                written = pool.wait()
        except MultipolarError as err:  # the table is printed already
            console.print(f"[yellow]warning[/]: {err.render()}", soft_wrap=True)
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
    standing = standing_table(summary, world_view.groups_of(scenario))
    if standing is not None:
        out.print(standing)
    if caption:
        out.print(caption)


def register(app: typer.Typer) -> None:
    """Add ``multipolar run`` to the CLI."""
    app.command("run")(run)
