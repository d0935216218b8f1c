"""The many-simulation workflows on 1 and 2 worker processes, side by side (issue 25, item 4).

    python benchmarks/bench_workflows.py [--passes 2] [--json]

Three workflows, each timed on ``ProcessEvaluator(1)`` and ``ProcessEvaluator(2)`` in the same
run, alternating (1, 2, 2, 1, ...) so a change of the machine's load hits both alike; the
figure is the ratio of the medians (goal: >= 1.7 on a 2-core machine):

* ``world_calibration``: the pooled fit of ``russia-world`` through 2010, 16 members per
  evaluation, 2 starts (parallel restarts) of ``--maxiter`` evaluations each;
* ``backtest``: ``rolling_backtest`` of ``russia-neighbourhood`` from 4 origins (each with
  its own calibration), no warm-up origins;
* ``forecast_calibration``: the neighbourhood's forecast-objective fit through 2015 (ten
  training origins), 16 members per evaluation, 2 starts of ``--maxiter`` evaluations each.

The results of both executors are checked to be identical. The load average (1 min) is
printed before and after every measurement: the machine may be shared.

On Linux with ``sched_autogroup_enabled`` (desktop kernels, and the shared development
machine) the scheduler divides the CPUs fairly between *sessions*, not processes: under load a
session gets about one share however many processes it runs, so worker processes of the same
session cannot take a second core from the others. ``--sessions own`` (the default measures
both) starts each worker in a session of its own (``os.setsid`` in the worker), which gives
each worker the share a process has on a machine without autogroups (a server, a cluster
node); ``shared`` leaves them in the benchmark's session.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from multipolar.ensemble import ProcessEvaluator, evaluators


def _own_session_init(shared: Any) -> None:
    """The evaluators' worker initialiser, then a session of the worker's own (autogroups)."""
    _ORIGINAL_INIT(shared)
    with contextlib.suppress(OSError):
        os.setsid()


_ORIGINAL_INIT = evaluators._init_worker


def _sessions(mode: str) -> None:
    evaluators._init_worker = _own_session_init if mode == "own" else _ORIGINAL_INIT  # type: ignore[assignment]


def _timed(fn: Callable[[Any], Any], workers: int) -> tuple[float, Any, float, float]:
    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    with ProcessEvaluator(workers) as ev:
        out = fn(ev)
    dt = time.perf_counter() - t0
    return dt, out, load0, os.getloadavg()[0]


def measure(name: str, fn: Callable[[Any], Any], key: Callable[[Any], Any], passes: int,
            verbose: bool) -> dict[str, Any]:
    """Time ``fn`` on 1 and 2 workers, alternating; check both give the same result."""
    times: dict[int, list[float]] = {1: [], 2: []}
    loads: list[float] = []
    ref = None
    order = [1, 2, 2, 1] * passes
    for workers in order[: 2 * passes]:
        dt, out, l0, l1 = _timed(fn, workers)
        times[workers].append(dt)
        loads += [l0, l1]
        k = key(out)
        if ref is None:
            ref = k
        elif k != ref:
            raise SystemExit(f"{name}: results differ between executors")
        if verbose:
            print(f"  {name}: {workers} process(es) {dt:6.1f} s   load {l0:.1f} -> {l1:.1f}",
                  flush=True)
    t1, t2 = statistics.median(times[1]), statistics.median(times[2])
    return {"seconds_1_process": round(t1, 2), "seconds_2_processes": round(t2, 2),
            "ratio": round(t1 / t2, 2), "passes": passes, "identical": True,
            "load_min": round(min(loads), 1), "load_max": round(max(loads), 1)}


WORKFLOWS = ("world_calibration", "backtest", "forecast_calibration")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--passes", type=int, default=2, help="Timings per worker count.")
    ap.add_argument("--maxiter", type=int, default=60, help="Evaluations per calibration start.")
    ap.add_argument("--sessions", choices=("both", "own", "shared"), default="both",
                    help="Workers in sessions of their own, the benchmark's, or both.")
    ap.add_argument("--only", choices=WORKFLOWS, action="append", default=None,
                    help="Measure only this workflow (repeatable; default: all three).")
    ap.add_argument("--json", action="store_true", help="Print one JSON object only.")
    args = ap.parse_args()
    verbose = not args.json

    from multipolar.backtest.harness import rolling_backtest
    from multipolar.calibrate.history import calibrate_forecast
    from multipolar.calibrate.pooled import calibrate_pooled
    from multipolar.forecast.origin import load_panel

    def world(ev: Any) -> Any:
        return calibrate_pooled(until=2010, members=16, maxiter=args.maxiter, seed=2013,
                                starts=2, evaluator=ev)[0]

    panel = load_panel()

    def back(ev: Any) -> Any:
        return rolling_backtest(panel, [2004, 2007, 2010, 2013], 3, warmup=0, members=100,
                                calib_members=16, maxiter=10, window=5, prefit=0, seed=2013,
                                evaluator=ev)

    def fcal(ev: Any) -> Any:
        return calibrate_forecast("russia-neighbourhood", panel, until=2015, members=16,
                                  maxiter=args.maxiter, seed=2013, starts=2, evaluator=ev)[0]

    autogroup = Path("/proc/sys/kernel/sched_autogroup_enabled")
    report: dict[str, Any] = {
        "cpus": os.cpu_count(), "load_at_start": os.getloadavg(),
        "autogroup": autogroup.read_text().strip() == "1" if autogroup.exists() else None}
    if verbose:
        print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()}, autogroups "
              f"{report['autogroup']}", flush=True)
    modes = ("own", "shared") if args.sessions == "both" else (args.sessions,)
    only = args.only or list(WORKFLOWS)
    runs: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
        "world_calibration": (world, lambda r: (r.values, r.history)),
        "backtest": (back, lambda r: json.dumps(r.to_dict(), sort_keys=True)),
        "forecast_calibration": (fcal, lambda r: (r.values, r.history, r.forecast))}
    for mode in modes:
        _sessions(mode)
        for name in only:
            fn, key = runs[name]
            report[f"{name}_{mode}"] = measure(f"{name} ({mode} sessions)", fn, key,
                                               args.passes, verbose)
            if name != "backtest":
                report[f"{name}_{mode}"]["evaluations_per_start"] = args.maxiter
    _sessions("shared")
    report["load_at_end"] = os.getloadavg()
    if args.json:
        print(json.dumps(report))
        return
    print(f"{'workflow (worker sessions)':<32}{'1 process':>11}{'2 processes':>13}{'ratio':>7}"
          "  load (1 min)")
    for mode in modes:
        for name in only:
            r = report[f"{name}_{mode}"]
            print(f"{name + ' (' + mode + ')':<32}{r['seconds_1_process']:>9.1f} s"
                  f"{r['seconds_2_processes']:>11.1f} s{r['ratio']:>7.2f}  "
                  f"{r['load_min']:.1f}-{r['load_max']:.1f}")
    print("goal: ratio >= 1.7 on 2 cores; results identical on both executors (checked)")


if __name__ == "__main__":
    main()
