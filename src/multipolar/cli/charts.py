"""The charts of ``multipolar run``, drawn in helper processes while the user reads the table.

Drawing 20 PNGs costs seconds of matplotlib, as much as a small ensemble's simulation. So the
run starts :data:`CHART_PROCESSES` helper processes *before* it simulates (they import
matplotlib and the chart code on the other core while the model runs), hands them the charts
as soon as the summary is final, prints the table (or the JSON) without waiting for them,
and only then waits for the PNGs. The charts are split into jobs of about equal cost (fan
charts in batches that each reuse one figure, the overviews and the world map on their own),
and a job that fails raises its error in the command, as drawing in series would.

Where the run simulates on worker processes (``--executor processes``, or ``auto`` on a
machine with two or more cores) those same processes draw the charts: the run starts them
before it compiles (:meth:`multipolar.ensemble.ProcessEvaluator.start`, warmed by
:func:`warm_worker`), they simulate the chunks, then draw, and no other process is started.
Where processes cannot be started (or ``processes=0``), the same jobs are drawn in this
process. The PNGs are the same either way: each job draws with :mod:`multipolar.figures.plots`.
Depends on :mod:`multipolar.figures.plots` and :mod:`multipolar.cli.world_view` (imported where the
charts are drawn).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

CHART_PROCESSES = 2
"""Helper processes that draw the charts of one run (at most the cores this process may use)."""
OBSERVED_YEAR = 2013
"""The year the world map shows as observed when a summary does not say (as the table)."""

Job = tuple[str, tuple[str, ...]]
"""One drawing job: ``("fans", actors)``, ``("overview", actors)``, ``("map", ())`` or
``("sphere", ())``."""


def _usable_cores() -> int:
    """The cores this process may run on (as the executors count them, without NumPy)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def chart_jobs(summary: dict[str, Any], parts: int) -> list[Job]:
    """The run's charts as jobs for ``parts`` processes, the costliest first.

    Fan charts (one per projected actor) go in ``parts`` batches (each batch reuses one
    figure); the alignment overview, the world map (world runs) and the sphere overview
    (neighbourhood runs) are jobs of their own.
    """
    from multipolar.cli import world_view
    from multipolar.figures.common import is_projected

    world = world_view.is_world(summary)
    chosen = ([a for a in world_view.SHOWCASE if a in summary.get("alignment", {})]
              if world else None)
    fans = [a for a in (chosen or summary["actors"])
            if a in summary.get("alignment", {}) and is_projected(summary, a)]
    jobs: list[Job] = [("overview", tuple(chosen or ()))]
    if world:  # first: only the process that draws the map reads its shapes (1.4 s)
        jobs.insert(0, ("map", ()))
    elif summary.get("sphere"):
        jobs.append(("sphere", ()))
    # the pool hands a job to whichever process is free: the overviews first (the costliest,
    # each about as much as six fan charts), then the fans in one batch per process, so that
    # the processes finish at about the same time; each batch sets up its figure and lays it
    # out once per y-label width (plots._FanCanvas), so fewer batches cost less
    n = min(len(fans), max(1, parts))
    jobs += [("fans", tuple(fans[i::n])) for i in range(n)]
    return jobs


def draw(summary: dict[str, Any], folder: Path, observed: dict[str, dict[int, float]],
         job: Job) -> list[Path]:
    """Draw one job's charts into ``folder``; the paths written."""
    from multipolar.cli import world_view
    from multipolar.figures import plots

    kind, actors = job
    if kind == "fans":
        return list(plots.fan_charts(summary, folder, observed=observed, actors=list(actors)))
    if kind == "overview":
        return [plots.alignment_overview(summary, folder / "alignment-overview.png",
                                         observed=observed, actors=list(actors) or None)]
    if kind == "map":
        last = int(summary.get("observed_until") or OBSERVED_YEAR)
        return [world_view.world_map(summary, folder / "alignment-map.png", last)]
    if kind == "sphere":
        return [plots.sphere_overview(summary, folder / "sphere-overview.png")]
    raise ValueError(f"unknown chart job {kind!r}")


NOT_DRAWN = ("means", "memberships", "russia")
"""Summary entries no chart reads (a world summary's ``means`` alone pickle to 0.5 MB)."""
SPHERE_ENTRIES = ("sphere", "sphere_channels")
"""Summary entries only the sphere overview reads."""


def job_payload(summary: dict[str, Any], observed: dict[str, dict[int, float]], job: Job
                ) -> tuple[dict[str, Any], dict[str, dict[int, float]]]:
    """What ``job`` reads of the summary and the observations, to ship to its helper.

    Every job used to receive the whole summary (a world run's pickles to 2.9 MB, 0.08 s to
    unpickle in each of six jobs); a batch of fan charts needs only its actors' alignment and
    observations, the sphere overview the ``sphere`` entries, the map every actor's alignment.
    The charts are the same: each reads nothing else (tested, PNG against PNG).
    """
    kind, actors = job
    part = {k: v for k, v in summary.items()
            if k not in NOT_DRAWN and (k not in SPHERE_ENTRIES or kind == "sphere")}
    if actors:  # a batch of fans, or the overview of a chosen few
        table = summary.get("alignment", {})
        part["alignment"] = {a: table[a] for a in actors if a in table}
        return part, {a: observed[a] for a in actors if a in observed}
    if kind in ("map", "sphere"):
        return part, {}
    return part, observed


def _warm() -> None:
    """Import what drawing needs and load the fonts, so that the first job waits for neither.

    The world map's shapes are not read here: only the process that draws the map needs
    them, and reading them in every helper would cost each 1.4 s of CPU.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from multipolar.cli import world_view  # noqa: F401
    from multipolar.figures import plots  # noqa: F401

    fig = plt.figure(figsize=(1, 1))
    fig.text(0.5, 0.5, "warm 0.1", fontsize=7)
    fig.canvas.draw()
    plt.close(fig)


def warm_worker(charts: bool, backend: str = "multipolar.model.api") -> None:
    """Warm a run's worker process: import the model ``backend`` (and the charts' code).

    The charts' code (:func:`_warm`) only if the process will draw them.
    """
    importlib.import_module(backend)
    if charts:
        _warm()


def _draw_job(summary: dict[str, Any], observed: dict[str, dict[int, float]], folder: str,
              job: Job) -> list[str]:
    return [str(p) for p in draw(summary, Path(folder), observed, job)]


def _order(paths: Sequence[Path], summary: dict[str, Any]) -> list[Path]:
    """Fan charts in the summary's actor order, then the other charts (as drawn in series)."""
    from multipolar.figures.common import slug

    rank = {f"fan_{slug(a)}.png": i for i, a in enumerate(summary.get("actors", []))}
    tail = ["alignment-overview.png", "alignment-map.png", "sphere-overview.png"]
    return sorted(paths, key=lambda p: (rank[p.name], "") if p.name in rank
                  else (len(rank) + (tail.index(p.name) if p.name in tail else 3), p.name))


class ChartPool:
    """Helper processes for the charts of one run (a context manager).

    ``ChartPool(n)`` starts ``n`` processes at once (they import matplotlib meanwhile);
    :meth:`submit` hands them the charts; :meth:`wait` returns the written paths. Leaving the
    ``with`` block stops the processes, finished or not. ``ChartPool(executor=ev)`` starts
    none: it hands the charts to the run's own started
    :class:`~multipolar.ensemble.ProcessEvaluator` (whose processes simulated the chunks),
    and leaving the block abandons the charts not yet drawn (the evaluator stops its
    processes on its own exit).
    """

    def __init__(self, processes: int = CHART_PROCESSES, executor: Any = None) -> None:
        self._executor = executor
        self.processes = max(0, min(processes, _usable_cores()))
        if executor is not None:
            self.processes = max(1, int(executor.workers))
        self._pool: Any = None
        self._pending: list[Any] = []
        self._done: list[Path] = []
        self._summary: dict[str, Any] = {}
        if self.processes > 0 and executor is None:
            import multiprocessing
            import threading

            # fork (no interpreter to start, nothing imported twice) while this process runs
            # no other thread; spawn otherwise (forking a threaded process is unsafe)
            method = ("fork" if threading.active_count() == 1
                      and "fork" in multiprocessing.get_all_start_methods() else "spawn")
            try:
                self._pool = multiprocessing.get_context(method).Pool(
                    self.processes, initializer=_warm)
            except OSError:
                self._pool = None

    def __enter__(self) -> ChartPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the helper processes (at once: charts not yet drawn are abandoned)."""
        for res in self._pending:
            if hasattr(res, "cancel"):  # a future of the run's evaluator
                res.cancel()
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def submit(self, summary: dict[str, Any], folder: Path,
               observed: dict[str, dict[int, float]]) -> None:
        """Start drawing the run's charts into ``folder`` (returns at once if helpers run)."""
        self._summary = summary
        jobs = chart_jobs(summary, max(1, self.processes))
        if self._executor is not None:
            self._pending = [self._executor.submit(
                _draw_job, *job_payload(summary, observed, job), str(folder), job)
                for job in jobs]
            return
        if self._pool is None:
            for job in jobs:
                self._done += draw(summary, folder, observed, job)
            return
        self._pending = [self._pool.apply_async(
            _draw_job, (*job_payload(summary, observed, job), str(folder), job)) for job in jobs]

    def wait(self) -> list[Path]:
        """The paths of every chart, once all are drawn (a job's error is raised here)."""
        for res in self._pending:
            got = res.result() if hasattr(res, "result") else res.get()
            self._done += [Path(p) for p in got]
        self._pending = []
        return _order(self._done, self._summary)
