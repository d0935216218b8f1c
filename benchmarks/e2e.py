"""End-to-end benchmark tasks of issue 17, each run in a fresh process by benchmarks/run.py.

    python benchmarks/e2e.py model  --scenario S --members N     # the model alone, in chunks
    python benchmarks/e2e.py summary --members 1000000           # streaming summary cost
    python benchmarks/e2e.py startup                             # CLI start-up times

Each prints one JSON object on its last line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def task_model(a: argparse.Namespace) -> dict:
    """Simulate ``members`` in the chunks ``multipolar run`` uses (local executor), keep nothing."""
    from multipolar.ensemble import RunSpec
    from multipolar.ensemble.runner import load_and_compile
    from multipolar.model.api import simulate

    spec = RunSpec(scenario=a.scenario, members=a.members, seed=7)
    _loaded, model, _info = load_and_compile(spec)
    spec = spec.with_chunk_size(1, len(model.actors))  # the chunks `multipolar run` uses
    t0, c0 = time.perf_counter(), time.process_time()
    for _i, lo, hi in spec.chunks():
        simulate(model, 7, lo, hi)
    return {"task": "model", "members": a.members, "seconds": time.perf_counter() - t0,
            "cpu_seconds": time.process_time() - c0, "chunk_size": spec.chunk_size}


def task_summary(a: argparse.Namespace) -> dict:
    """The streaming summary's whole cost for ``members`` members in chunks of 5,000.

    ``a.distinct`` members are simulated (untimed); their chunks are reduced to partials and
    folded again and again until ``members`` members have been summarised, so the timing is
    the summary's own work: partials, merges and the final quantiles.
    """
    import resource

    from multipolar.ensemble import RunSpec
    from multipolar.ensemble.runner import load_and_compile
    from multipolar.ensemble.stream import Partial, summary_mode
    from multipolar.model.api import simulate

    chunk = 5000
    _l, model, _i = load_and_compile(RunSpec(members=chunk))
    c_sim = time.process_time()
    results = [simulate(model, 7, lo, lo + chunk) for lo in range(0, a.distinct, chunk)]
    sim_cpu = time.process_time() - c_sim
    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    mode = summary_mode(a.members)
    cpu0, t0 = time.process_time(), time.perf_counter()
    acc = None
    folded = 0
    part_s = merge_s = 0.0
    rss_at: dict[int, float] = {}
    while folded < a.members:
        t = time.perf_counter()
        part = Partial.of_chunk(results[(folded // chunk) % len(results)], mode)
        t1 = time.perf_counter()
        acc = part if acc is None else acc.merge(part)
        merge_s += time.perf_counter() - t1
        part_s += t1 - t
        folded += chunk
        if folded in (a.members // 5, a.members):  # flat memory: the same at 1/5 and at the end
            rss_at[folded] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    t_last = time.perf_counter()
    assert acc is not None
    state = acc.memb.nbytes + sum(v.nbytes for v in acc.sums.values()) + sum(
        h.counts.nbytes + h.lo.nbytes + h.hi.nbytes for h in acc.hists.values()) + sum(
        v.nbytes for parts in acc.values.values() for _, v in parts)
    summary = acc.summary()
    t1 = time.perf_counter()
    return {"task": "summary", "members": folded, "distinct_members": a.distinct,
            "seconds": t1 - t0, "cpu_seconds": time.process_time() - cpu0,
            "seconds_after_last_chunk": t1 - t_last, "seconds_partials": part_s,
            "seconds_merges": merge_s, "seconds_final": t1 - t_last,
            "simulate_seconds_per_member": sim_cpu / a.distinct,
            "peak_mb_before": rss_start, "summary_state_mb": state / 2**20,
            "quantiled_series": len(acc.hists) + len(acc.values),
            "peak_mb_at": {str(k): v for k, v in rss_at.items()},
            "quantile_method": summary["quantile_method"],
            "quantile_error_alignment": summary.get("quantile_error", {}).get("alignment")}


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("task", choices=["model", "summary"])
    p.add_argument("--scenario", default="russia-neighbourhood")
    p.add_argument("--members", type=int, default=10_000)
    p.add_argument("--distinct", type=int, default=50_000)
    a = p.parse_args()
    out = {"model": task_model, "summary": task_summary}[a.task](a)
    sys.stdout.write(json.dumps(out) + "\n")


if __name__ == "__main__":
    main()
