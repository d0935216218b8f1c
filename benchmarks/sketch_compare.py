"""The streaming summary's histograms against maintained quantile sketches (issue 25).

    python benchmarks/sketch_compare.py [--distinct 50000] [--chunk 5000] [--json]

One outcome, alignment per actor and year (the summary's largest quantiled table: 44 years x
19 actors = 836 groups in the flagship), in CPU seconds, for ``--distinct`` simulated members
in chunks of ``--chunk``. For each method, per chunk: the time to reduce the chunk (``Hist.of``; one
sketch per group updated with the group's values), the time to merge it into the running
total, and at the end the time to read the five quantiles of every group, the state's size
in bytes, and the error against NumPy's exact percentiles of all members (in value, and as
a rank error: how far the returned value's rank is from the wanted one, as a fraction of the
members). The methods:

* ``histogram``: :class:`multipolar.ensemble.stream.Hist` (power-of-two bins; error bound
  one bin width, range/4096 to range/2048; exact merges, same result for any chunking).
* ``kll``: Apache DataSketches' KLL float sketch (``datasketches``), k = 200: normalised rank
  error about 1.65% with 99% confidence; merges are randomised (the result depends on the
  order of merges and on the chunking).
* ``tdigest``: ``fastdigest`` (Rust t-digest, max 100 centroids); no stated worst-case bound.

The sketches' packages are optional (``pip install datasketches fastdigest``); a method whose
package is missing is skipped with a message. Prints a table, or one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import numpy as np

PERCENTS = (5.0, 25.0, 50.0, 75.0, 95.0)


def chunks(distinct: int, chunk: int) -> list[np.ndarray]:
    """Alignment of ``distinct`` flagship members, ``(members, groups)`` per chunk (float32)."""
    from multipolar.ensemble import RunSpec
    from multipolar.ensemble.runner import load_and_compile
    from multipolar.model.api import simulate

    _l, model, _i = load_and_compile(RunSpec(members=chunk))
    out = []
    for lo in range(0, distinct, chunk):
        res = simulate(model, 7, lo, min(lo + chunk, distinct))
        a = np.asarray(res.actor_outcomes["alignment"], dtype=np.float32)
        out.append(np.ascontiguousarray(a.reshape(a.shape[0], -1)))
    return out


def run_hist(parts: list[np.ndarray]) -> dict[str, Any]:
    from multipolar.ensemble.stream import Hist

    t_red = t_merge = 0.0
    acc = None
    for v in parts:
        t0 = time.process_time()
        h = Hist.of(v)
        t1 = time.process_time()
        acc = h if acc is None else acc.merge(h)
        t_merge += time.process_time() - t1
        t_red += t1 - t0
    assert acc is not None
    t0 = time.process_time()
    q = acc.quantiles()
    t_q = time.process_time() - t0
    size = acc.counts.nbytes + acc.lo.nbytes + acc.hi.nbytes
    return {"reduce_s": t_red, "merge_s": t_merge, "quantiles_s": t_q, "bytes": size,
            "q": q, "stated_bound": f"value error <= bin width {acc.final().width:.3g}"}


def run_kll(parts: list[np.ndarray], k: int = 200) -> dict[str, Any]:
    from datasketches import kll_floats_sketch

    groups = parts[0].shape[1]
    t_red = t_merge = 0.0
    acc = [kll_floats_sketch(k) for _ in range(groups)]
    for v in parts:
        t0 = time.process_time()
        by_group = np.ascontiguousarray(v.T)
        part = []
        for g in range(groups):
            s = kll_floats_sketch(k)
            s.update(by_group[g])
            part.append(s)
        t1 = time.process_time()
        for g in range(groups):
            acc[g].merge(part[g])
        t_merge += time.process_time() - t1
        t_red += t1 - t0
    t0 = time.process_time()
    ranks = [p / 100.0 for p in PERCENTS]
    q = np.array([acc[g].get_quantiles(ranks) for g in range(groups)])
    t_q = time.process_time() - t0
    size = sum(len(s.serialize()) for s in acc)
    eps = kll_floats_sketch.get_normalized_rank_error(k, False)
    return {"reduce_s": t_red, "merge_s": t_merge, "quantiles_s": t_q, "bytes": size, "q": q,
            "stated_bound": f"rank error <= {eps:.4f} (99% confidence)"}


def run_tdigest(parts: list[np.ndarray]) -> dict[str, Any]:
    from fastdigest import TDigest

    groups = parts[0].shape[1]
    t_red = t_merge = 0.0
    acc: list[Any] = [None] * groups
    for v in parts:
        t0 = time.process_time()
        by_group = np.ascontiguousarray(v.T, dtype=np.float64)
        part = [TDigest.from_values(by_group[g]) for g in range(groups)]
        t1 = time.process_time()
        for g in range(groups):
            if acc[g] is None:
                acc[g] = part[g]
            else:
                acc[g].merge_inplace(part[g])
        t_merge += time.process_time() - t1
        t_red += t1 - t0
    t0 = time.process_time()
    q = np.array([acc[g].quantile_vec([p / 100.0 for p in PERCENTS]) for g in range(groups)])
    t_q = time.process_time() - t0
    size = sum(len(a.to_bytes()) for a in acc)
    return {"reduce_s": t_red, "merge_s": t_merge, "quantiles_s": t_q, "bytes": size, "q": q,
            "stated_bound": "none (accuracy depends on the data; best near the tails)"}


def errors(q: np.ndarray, exact: np.ndarray, sorted_by_group: np.ndarray) -> dict[str, float]:
    """Largest value error, and largest rank error (fraction of members) where members differ."""
    n = sorted_by_group.shape[1]
    value_err = float(np.abs(q - exact).max())
    rank_err = 0.0
    # rank errors over the groups whose members disagree (p05 < p95): where most members
    # share one value, a value a hair away from it has a rank far from the wanted one
    spread = exact[:, 0] < exact[:, -1]
    q, exact, sorted_by_group = q[spread], exact[spread], sorted_by_group[spread]
    for j, p in enumerate(PERCENTS):
        lo = np.array([np.searchsorted(sorted_by_group[g], q[g, j], side="left")
                       for g in range(q.shape[0])])
        hi = np.array([np.searchsorted(sorted_by_group[g], q[g, j], side="right")
                       for g in range(q.shape[0])])
        want = p / 100.0 * (n - 1)
        # the returned value's rank is any in [lo, hi]: the distance from the wanted rank
        dist = np.maximum(0, np.maximum(lo - 1 - want, want - hi))
        rank_err = max(rank_err, float(dist.max()) / n)
    return {"max_value_error": value_err, "max_rank_error": rank_err}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--distinct", type=int, default=50_000)
    p.add_argument("--chunk", type=int, default=5000)
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    parts = chunks(a.distinct, a.chunk)
    allv = np.concatenate(parts)
    exact = np.percentile(allv, list(PERCENTS), axis=0).T
    sorted_by_group = np.sort(allv.T, axis=1)
    span = float(allv.max() - allv.min())
    out: dict[str, Any] = {"members": int(allv.shape[0]), "groups": int(allv.shape[1]),
                           "chunk": a.chunk, "range": span, "methods": {}}
    for name, fn in (("histogram", run_hist), ("kll", run_kll), ("tdigest", run_tdigest)):
        try:
            r = fn(parts)
        except ImportError as exc:
            out["methods"][name] = {"skipped": str(exc)}
            continue
        q = r.pop("q")
        r.update(errors(q, exact, sorted_by_group))
        r["us_per_member"] = (r["reduce_s"] + r["merge_s"]) / allv.shape[0] * 1e6
        out["methods"][name] = r
    if a.json:
        print(json.dumps(out))
        return
    print(f"{out['members']:,} members x {out['groups']} groups (alignment), chunks of "
          f"{a.chunk:,}; range {span:.3f}")
    print(f"{'method':>10} {'reduce s':>9} {'merge s':>8} {'read s':>7} {'us/member':>10} "
          f"{'state KB':>9} {'max |err|':>10} {'max rank err':>13}  stated bound")
    for name, r in out["methods"].items():
        if "skipped" in r:
            print(f"{name:>10} skipped: {r['skipped']}")
            continue
        print(f"{name:>10} {r['reduce_s']:9.2f} {r['merge_s']:8.3f} {r['quantiles_s']:7.3f} "
              f"{r['us_per_member']:10.2f} {r['bytes'] / 1e3:9.0f} {r['max_value_error']:10.5f} "
              f"{r['max_rank_error']:13.5f}  {r['stated_bound']}")


if __name__ == "__main__":
    main()
