"""Summaries of a stored run: the one kept with it, or one computed again from its chunks.

A run made by :func:`multipolar.ensemble.run_ensemble` keeps its summary in ``run-summary.json``
(folded from the chunks' partials while it ran, see :mod:`multipolar.ensemble.stream`), or,
if it ran without one, in those partials: :func:`summarise_run` returns that. For stores of
version 1 (every member kept, no partials), or when asked with ``exact_limit``:

* Up to ``EXACT_LIMIT`` members the stored chunks are read back into one ``ChunkResult`` and
  passed to the backend's own ``summarise`` (exact quantiles, the same as an in-memory run).
* Above it nothing holds all members: DuckDB scans the Parquet chunks and builds, per outcome,
  actor and year, a histogram of ``BINS`` equal bins between the outcome's minimum and maximum
  (two passes, bounded memory). Quantiles are read off the cumulative counts with linear
  interpolation inside a bin, so they are within one bin width (range / ``BINS``) of the exact
  value. Histograms are sums of counts, so the summary does not depend on chunking either.
  Membership probabilities are exact means in both modes.

Depends on NumPy, PyArrow, DuckDB and :mod:`multipolar.ensemble.store`.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from multipolar.core.errors import MultipolarError
from multipolar.ensemble.store import (
    PARTIAL,
    SUMMARY_FILE,
    TABLES,
    chunk_path,
    completed_chunks,
    connect,
    parquet_list,
    read_manifest,
    stored_chunks,
)
from multipolar.ensemble.stream import Partial
from multipolar.model.summary import SPHERE_CHANNELS, SPHERE_POLES, sphere_entry

EXACT_LIMIT = 5_000
BINS = 4096
QUANTILE_KEYS = ("p05", "p25", "median", "p75", "p95")
QUANTILE_PROBS = (0.05, 0.25, 0.5, 0.75, 0.95)
_KEYS = ("member", "year", "actor")


def _run_state(rundir: Path) -> tuple[dict[str, Any], list[tuple[int, int, int]]]:
    con = connect(Path(rundir), read_only=True)
    try:
        return read_manifest(con), completed_chunks(con)
    finally:
        con.close()


def _complete_or_fail(rundir: Path, manifest: dict[str, Any],
                      chunks: list[tuple[int, int, int]]) -> None:
    members = int(manifest["identity"]["members"])
    have = sum(b - a for _, a, b in chunks)
    if have != members:
        raise MultipolarError(
            f"the run is incomplete: {have:,} of {members:,} members are stored",
            file=str(rundir), fix="finish it with the same command plus --resume")


def load_results(rundir: Path, allow_partial: bool = False) -> Any:
    """Read every stored chunk of a run back into one ``ChunkResult`` of its backend."""
    # lazy: keeps start-up fast (loads pyarrow)
    import pyarrow.parquet as pq

    rundir = Path(rundir)
    manifest, chunks = _run_state(rundir)
    if not allow_partial:
        _complete_or_fail(rundir, manifest, chunks)
        kept = manifest["identity"].get("keep", "members")
        if kept != "members":
            raise MultipolarError(
                f"the run kept {'a member sample' if kept == 'sample' else 'its summary'} "
                "only (--keep " + kept + ")", file=str(rundir),
                fix="use load_results(..., allow_partial=True) for what it kept, or re-run "
                "with --keep members")
    con = connect(rundir, read_only=True)
    try:
        chunks = stored_chunks(con)
    finally:
        con.close()
    backend = importlib.import_module(manifest["identity"]["backend"])
    parts = []
    for idx, start, stop in chunks:
        tabs = {t: pq.read_table(chunk_path(rundir, t, idx)) for t in TABLES}
        parts.append(_to_chunk_result(backend, tabs, start, stop))
    if not parts:
        raise MultipolarError("the run has no completed chunk yet", file=str(rundir),
                              fix="run it (again) with --resume")
    return parts[0] if len(parts) == 1 else backend.ChunkResult.concat(parts)


def _to_chunk_result(backend: Any, tabs: dict[str, Any], start: int, stop: int) -> Any:
    n = stop - start
    act = tabs["actors"]
    actor_col = act.column("actor").combine_chunks()
    actors = [str(x) for x in actor_col.dictionary.to_pylist()]
    a = len(actors)
    years = np.unique(act.column("year").to_numpy()).astype(np.int64)
    t = len(years)
    institutions = [c[3:] for c in act.column_names if c.startswith("in_")]
    outcomes = {c: act.column(c).to_numpy().reshape(n, t, a)
                for c in act.column_names if c not in _KEYS and not c.startswith("in_")}
    mem = np.zeros((n, t, a, len(institutions)), dtype=np.int8)
    for k, inst in enumerate(institutions):
        mem[..., k] = act.column(f"in_{inst}").to_numpy().reshape(n, t, a)
    core = tabs["core"]
    core_out = {c: core.column(c).to_numpy().reshape(n, t)
                for c in core.column_names if c not in _KEYS}
    par = tabs["params"]
    params = {c: par.column(c).to_numpy() for c in par.column_names if c != "member"}
    return backend.ChunkResult(start=start, stop=stop, years=years, actors=actors,
                               institutions=institutions, actor_outcomes=outcomes,
                               memberships=mem, core_outcomes=core_out, params=params)


def summarise_run(rundir: Path, exact_limit: int | None = None,
                  bins: int = BINS) -> dict[str, Any]:
    """Summarise a complete run (issue-3 shape: members, seed, years, actors, alignment, ...).

    A run of store version 2 has its summary in ``run-summary.json`` (read back), or, if it was
    run without one, in its chunks' partials (folded here; see
    :mod:`multipolar.ensemble.stream`). For a version-1 store, or when ``exact_limit`` is
    given: exact (the backend's ``summarise``) up to ``exact_limit`` members, DuckDB
    histograms above. ``summary["quantile_method"]`` says which.
    """
    rundir = Path(rundir)
    manifest, chunks = _run_state(rundir)
    _complete_or_fail(rundir, manifest, chunks)
    if exact_limit is None:
        stored = _stored_summary(rundir, manifest, chunks)
        if stored is not None:
            return stored
        exact_limit = EXACT_LIMIT
    ident = manifest["identity"]
    members = int(ident["members"])
    if ident.get("keep", "members") != "members":
        raise MultipolarError("the run kept no per-member results to summarise again",
                              file=str(rundir), fix="use its stored summary (summarise_run "
                              "without exact_limit)")
    if members <= exact_limit:
        backend = importlib.import_module(ident["backend"])
        summary = dict(backend.summarise(load_results(rundir)))
        summary.setdefault("quantile_method", "exact")
    else:
        summary = streaming_summary(rundir, chunks, bins)
        summary["quantile_method"] = f"histogram-{bins}"
    summary["members"] = members
    summary["seed"] = int(ident["seed"])
    summary["kept"] = "members"
    summary["observed_until"] = manifest["scenario"].get("observed_until")
    summary["history"] = manifest["scenario"].get("history", "free")  # older runs ran free
    summary["anchor"] = manifest["scenario"].get("anchor")
    summary["run"] = _run_block(rundir, manifest)
    return summary


def _stored_summary(rundir: Path, manifest: dict[str, Any],
                    chunks: list[tuple[int, int, int]]) -> dict[str, Any] | None:
    """The summary kept in ``run-summary.json`` or folded from the partials; None if neither."""
    if manifest.get("summary"):
        path = rundir / SUMMARY_FILE
        try:
            out: dict[str, Any] = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise MultipolarError(f"cannot read the run's summary ({exc})", file=str(path),
                                  fix="the run folder is damaged: run it again") from None
        out["run"] = {**out.get("run", {}), "rundir": str(rundir)}
        return out
    paths = [chunk_path(rundir, PARTIAL, i) for i, _, _ in chunks]
    if not paths or not all(p.is_file() for p in paths):
        return None
    acc = None
    for p in paths:
        part = Partial.from_bytes(p.read_bytes())
        acc = part if acc is None else acc.merge(part)
    assert acc is not None
    ident = manifest["identity"]
    summary = acc.summary()
    summary.update(members=int(ident["members"]), seed=int(ident["seed"]),
                   kept=ident.get("keep", "members"),
                   observed_until=manifest["scenario"].get("observed_until"),
                   history=manifest["scenario"].get("history", "free"),
                   anchor=manifest["scenario"].get("anchor"))
    summary["run"] = _run_block(rundir, manifest)
    return summary


def _run_block(rundir: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    ident = manifest["identity"]
    return {"rundir": str(rundir), "scenario": manifest["scenario"]["scenario_name"],
            "scenario_hash": ident["scenario_hash"],
            "perspective": manifest["spec"].get("perspective"),
            "hypothesis": manifest["spec"].get("hypothesis"),
            "sets": manifest["spec"].get("sets", []),
            "events": manifest["spec"].get("events", []),
            "anchor": manifest["spec"].get("anchor")}


def _hist_quantiles(counts: np.ndarray, lo: float, width: float) -> list[float]:
    """Quantiles as numpy's linear method, with each order statistic read off its bin.

    Order statistic ``r`` (0-based) lies in the bin ``b`` where the cumulative count first
    exceeds ``r``; it is placed at the ``(r - before + 0.5) / count`` point of that bin, so it
    is within one bin width of its true value, and so is the interpolated quantile.
    """
    total = int(counts.sum())
    cum = np.cumsum(counts)

    def order_stat(r: int) -> float:
        b = min(int(np.searchsorted(cum, r, side="right")), len(counts) - 1)
        before = int(cum[b - 1]) if b > 0 else 0
        frac = (r - before + 0.5) / counts[b] if counts[b] else 0.5
        return float(lo + (b + min(max(frac, 0.0), 1.0)) * width)

    out = []
    for q in QUANTILE_PROBS:
        h = q * (total - 1)
        k = int(np.floor(h))
        lo_v = order_stat(k)
        hi_v = order_stat(min(k + 1, total - 1))
        out.append(round(lo_v + (h - k) * (hi_v - lo_v), 6))
    return out


def _quantile_table(con: Any, source: str, column: str, groups: list[str],
                    bins: int) -> dict[tuple[Any, ...], dict[str, float]]:
    lo, hi = con.execute(f'select min("{column}"), max("{column}") from {source}').fetchone()
    if lo is None:
        return {}
    lo, hi = float(lo), float(hi)
    width = (hi - lo) / bins if hi > lo else 1.0
    g = ", ".join(groups)
    rows = con.execute(
        f'select {g}, least(cast(floor(("{column}" - ?) / ?) as integer), ?) as b, count(*) '
        f'from {source} where "{column}" is not null group by all order by all',
        [lo, width, bins - 1]).fetchall()
    hist: dict[tuple[Any, ...], np.ndarray] = {}
    k = len(groups)
    for r in rows:
        key = tuple(r[:k])
        arr = hist.get(key)
        if arr is None:
            arr = hist[key] = np.zeros(bins, dtype=np.int64)
        arr[int(r[k])] += int(r[k + 1])
    if hi == lo:
        return {key: dict.fromkeys(QUANTILE_KEYS, round(lo, 6)) for key in hist}
    return {key: dict(zip(QUANTILE_KEYS, _hist_quantiles(arr, lo, width), strict=True))
            for key, arr in hist.items()}


MEAN_OUTCOMES = ("china_share", "subsidy", "coercion", "conflict", "integration")


def streaming_summary(rundir: Path, chunks: list[tuple[int, int, int]], bins: int = BINS,
                      outcomes: tuple[str, ...] = ("alignment",)) -> dict[str, Any]:
    """Summarise stored chunks with DuckDB without loading them (same keys as the model's).

    Quantiles of ``outcomes`` per actor and year and of Russia's outcomes per year come from
    histograms; membership probabilities and the means of ``MEAN_OUTCOMES`` are exact.
    """
    # lazy: keeps start-up fast (loads duckdb)
    import duckdb

    con = duckdb.connect(config={"memory_limit": "1GB", "preserve_insertion_order": False})
    try:
        acts = f"read_parquet({parquet_list(rundir, 'actors', chunks)})"
        core = f"read_parquet({parquet_list(rundir, 'core', chunks)})"
        cols = [r[0] for r in con.execute(f"describe select * from {acts}").fetchall()]
        ccols = [r[0] for r in con.execute(f"describe select * from {core}").fetchall()]
        first = f"read_parquet({parquet_list(rundir, 'actors', chunks[:1])})"
        actors = _actor_order(con, first)
        years = [int(r[0]) for r in con.execute(
            f"select distinct year from {first} order by year").fetchall()]
        inst = [c for c in cols if c.startswith("in_")]
        summary: dict[str, Any] = {"years": years, "actors": actors,
                                   "institutions": [c[3:] for c in inst]}
        for c in outcomes:
            if c not in cols:
                continue
            table = _quantile_table(con, acts, c, ["actor", "year"], bins)
            summary[c] = {a: {str(y): table[(a, y)] for y in years if (a, y) in table}
                          for a in actors}
        for entry, names in (("sphere", SPHERE_POLES), ("sphere_channels", SPHERE_CHANNELS)):
            if not all(c in cols for c in names.values()):
                continue
            per_key = {}
            for key, c in names.items():
                table = _quantile_table(con, acts, c, ["actor", "year"], bins)
                per_key[key] = {a: {str(y): table[(a, y)] for y in years if (a, y) in table}
                                for a in actors}
            summary[entry] = sphere_entry(per_key)
        means = [c for c in MEAN_OUTCOMES if c in cols]
        aggs = [f'avg("{c}")' for c in inst] + [f'avg("{c}")' for c in means]
        memb: dict[str, dict[str, dict[str, float]]] = {a: {c[3:]: {} for c in inst}
                                                        for a in actors}
        mean_out: dict[str, dict[str, dict[str, float]]] = {c: {a: {} for a in actors}
                                                            for c in means}
        if aggs:
            rows = con.execute(f"select actor, year, {', '.join(aggs)} from {acts} "
                               "group by all order by all").fetchall()
            for r in rows:
                a, y = r[0], str(int(r[1]))
                for k, c in enumerate(inst):
                    memb[a][c[3:]][y] = round(float(r[2 + k]), 4)
                for k, c in enumerate(means):
                    mean_out[c][a][y] = round(float(r[2 + len(inst) + k]), 6)
        summary["memberships"] = memb
        summary["russia"] = {}
        for c in ccols:
            if c in _KEYS:
                continue
            table = _quantile_table(con, core, c, ["year"], bins)
            summary["russia"][c] = {str(y): table[(y,)] for y in years if (y,) in table}
        summary["means"] = mean_out
        return summary
    finally:
        con.close()


def _actor_order(con: Any, source: str) -> list[str]:
    """Actors in the order the model lists them (the dictionary order of the first chunk)."""
    rows = con.execute(f"select actor from {source} limit 100000").fetchall()
    seen: dict[str, None] = {}
    for (a,) in rows:
        seen.setdefault(a, None)
    return list(seen)
