"""Benchmark tasks, each run in a fresh process so its peak memory is its own.

    python benchmarks/bench_model.py TASK [options] --json

Tasks:
  simulate   the vectorised model alone (compile once, simulate in chunks, keep nothing)
  ensemble   run_ensemble end to end (simulate, encode Parquet, write, catalogue, summary)
  mesa       the Mesa peer (benchmarks/peers/mesa_peer.py), one Mesa model per member

Each prints one JSON object with seconds, member-years per second and peak RSS (MB) of the
process (``ru_maxrss``; for dask/processes the workers' memory is reported separately where
known). benchmarks/run.py calls these tasks and assembles the report.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def children_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0


def compiled(scenario: str, start: int, end: int):
    from multipolar.model.api import compile_model
    from multipolar.scenario import load_scenario

    return compile_model(load_scenario(scenario), start=start, end=end)


def task_simulate(a: argparse.Namespace) -> dict:
    """Steady-state throughput: one untimed pass (imports, caches, the allocator's first touch
    of the output buffers), then the median of ``--repeat`` timed passes. An ensemble runs
    chunk after chunk in one process, so the steady state is what it sees.

    The process tunes the allocator as every entry point that simulates does (the CLI, the
    ensemble runner, the evaluators' workers: :mod:`multipolar.model._alloc`); without it
    glibc hands each chunk's freed output buffers back to the kernel and the next chunk faults
    them in again (about 9% of a 200-member chunk). ``MULTIPOLAR_MALLOC_TUNE=0`` measures the
    model without it."""
    import statistics

    from multipolar.model._alloc import tune_allocator
    from multipolar.model.api import simulate

    tuned = tune_allocator()

    model = compiled(a.scenario, a.start, a.end)
    repeat = a.repeat or (3 if a.members * (a.end - a.start + 1) <= 1_000_000 else 1)
    base = peak_mb()

    cpu: list[float] = []

    def one_pass() -> tuple[float, int, int]:
        t0, c0 = time.perf_counter(), time.process_time()
        n_years = n_actors = 0
        for lo in range(0, a.members, a.chunk_size):
            res = simulate(model, a.seed, lo, min(lo + a.chunk_size, a.members))
            n_years, n_actors = len(res.years), len(res.actors)
            del res
        cpu.append(time.process_time() - c0)
        return time.perf_counter() - t0, n_years, n_actors

    if a.members * (a.end - a.start + 1) <= 1_000_000:
        first, _, _ = one_pass()  # warm-up: the same chunk size as the timed passes
    else:  # a big run: its first chunks warm it up
        simulate(model, a.seed, 0, min(a.chunk_size, a.members))
        first = float("nan")
    times = []
    for _ in range(repeat):
        dt, n_years, n_actors = one_pass()
        times.append(dt)
    dt = statistics.median(times)
    return {"task": "simulate", "members": a.members, "years": n_years, "actors": n_actors,
            "chunk_size": a.chunk_size, "seconds": dt, "seconds_all": times,
            "cpu_seconds_all": cpu[-len(times):],
            "seconds_first_pass": first, "member_years_per_s": a.members * n_years / dt,
            "peak_mb": peak_mb(), "peak_mb_before": base, "allocator_tuned": tuned}


def task_ensemble(a: argparse.Namespace) -> dict:
    from multipolar.ensemble import RunSpec, evaluator_from_name, run_ensemble

    spec = RunSpec(scenario=a.scenario, members=a.members, seed=a.seed, start=a.start,
                   end=a.end, chunk_size=a.chunk_size)
    with tempfile.TemporaryDirectory(prefix="mp-bench-", dir=a.tmp) as tmp:
        ev = evaluator_from_name(a.executor, workers=a.workers)
        t0 = time.perf_counter()
        with ev:
            t_start = time.perf_counter() - t0
            res = run_ensemble(spec, ev, out=Path(tmp) / "run", summary=False)
            t_run = time.perf_counter() - t0
            worker_mb = None
            if a.executor == "dask":
                try:
                    mem = ev.client.run(lambda: resource.getrusage(  # type: ignore[attr-defined]
                        resource.RUSAGE_SELF).ru_maxrss / 1024.0)
                    worker_mb = max(mem.values())
                except Exception:
                    worker_mb = None
        t1 = time.perf_counter()
        from multipolar.ensemble import summarise_run

        summary = summarise_run(res.rundir)
        t_sum = time.perf_counter() - t1
        size = sum(f.stat().st_size for f in (Path(tmp) / "run" / "chunks").iterdir())
    years = a.end - a.start + 1
    sim = t_run - t_start
    return {"task": "ensemble", "executor": a.executor, "workers": ev.workers,
            "members": a.members, "years": years, "chunk_size": res.spec.chunk_size,
            "seconds_startup": t_start, "seconds_run": sim, "seconds_summary": t_sum,
            "member_years_per_s": a.members * years / sim,
            "quantile_method": summary.get("quantile_method"), "stored_mb": size / 1e6,
            "peak_mb": peak_mb(), "worker_peak_mb": worker_mb or children_peak_mb()}


def task_mesa(a: argparse.Namespace) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent / "peers"))
    import mesa_peer

    from multipolar.model.api import compile_model
    from multipolar.scenario import load_scenario

    # the mechanisms the peer does not implement yet are switched off (mesa_peer.NOT_PORTED)
    off = {f"mechanisms.{m}.enabled": False for m in mesa_peer.NOT_PORTED}
    model = compile_model(load_scenario(a.scenario, sets=off), start=a.start, end=a.end)
    mesa_peer.run_member(model, a.seed, 0)  # warm-up
    t0, c0 = time.perf_counter(), time.process_time()
    years = 0
    for i in range(a.members):
        out = mesa_peer.run_member(model, a.seed, i)
        years = len(out["years"])
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"task": "mesa", "scenario": a.scenario, "members": a.members, "years": years,
            "actors": len(model.actors), "seconds": dt, "cpu_seconds": cpu,
            "member_years_per_s": a.members * years / dt,
            "member_years_per_cpu_s": a.members * years / cpu, "peak_mb": peak_mb()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("task", choices=["simulate", "ensemble", "mesa"])
    p.add_argument("--members", type=int, default=10_000)
    p.add_argument("--chunk-size", type=int, default=5000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--start", type=int, default=1992)
    p.add_argument("--end", type=int, default=2035)
    p.add_argument("--scenario", default="russia-neighbourhood")
    p.add_argument("--executor", default="local")
    p.add_argument("--workers", type=int, default=None)
    p.add_argument("--tmp", default=None, help="folder for the temporary run store")
    p.add_argument("--repeat", type=int, default=0,
                   help="timed passes for `simulate` (median reported; default 3 for small "
                        "runs, 1 above a million member-years)")
    a = p.parse_args()
    result = {"simulate": task_simulate, "ensemble": task_ensemble, "mesa": task_mesa}[a.task](a)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
