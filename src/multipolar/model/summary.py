"""Reduce ensemble results to per actor-year distributions.

:func:`summarise` gives, for every actor and year, the 5/25/50/75/95 percentiles of alignment
(and of the other outcomes on request), mean membership probabilities per institution, and
Russia's own outcomes. It is the shape ``multipolar run --json`` prints.
Depends on NumPy only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from multipolar.model.engine import ChunkResult

QUANTILES = {"p05": 5.0, "p25": 25.0, "median": 50.0, "p75": 75.0, "p95": 95.0}


def quantile_table(arr: np.ndarray) -> dict[str, np.ndarray]:
    """Percentiles over axis 0 of ``arr`` as ``{name: array}``."""
    qs = np.percentile(arr, list(QUANTILES.values()), axis=0)
    return {k: qs[i] for i, k in enumerate(QUANTILES)}


def _nested(q: dict[str, np.ndarray], years: np.ndarray, actors: list[str]) -> dict[str, Any]:
    return {a: {str(int(y)): {k: round(float(q[k][t, j]), 6) for k in QUANTILES}
                for t, y in enumerate(years)} for j, a in enumerate(actors)}


def summarise(results: ChunkResult | list[ChunkResult], seed: int | None = None,
              outcomes: tuple[str, ...] = ("alignment",)) -> dict[str, Any]:
    """Distribution summary of an ensemble (see module docstring)."""
    res = ChunkResult.concat(results) if isinstance(results, list) else results
    years = res.years
    out: dict[str, Any] = {"members": res.n, "seed": seed, "years": [int(y) for y in years],
                           "actors": list(res.actors), "institutions": list(res.institutions)}
    for name in outcomes:
        out[name] = _nested(quantile_table(res.actor_outcomes[name]), years, res.actors)
    mem = res.memberships.mean(axis=0)  # (T, A, I)
    out["memberships"] = {
        a: {inst: {str(int(y)): round(float(mem[t, j, k]), 4) for t, y in enumerate(years)}
            for k, inst in enumerate(res.institutions)}
        for j, a in enumerate(res.actors)}
    out["russia"] = {name: {str(int(y)): {k: round(float(v[t]), 6) for k, v in
                                          quantile_table(arr).items()}
                            for t, y in enumerate(years)}
                     for name, arr in res.core_outcomes.items()}
    out["means"] = {name: {a: {str(int(y)): round(float(m[t, j]), 6) for t, y in enumerate(years)}
                           for j, a in enumerate(res.actors)}
                    for name, m in ((k, res.actor_outcomes[k].mean(axis=0, dtype=np.float64))
                                    for k in ("china_share", "subsidy", "coercion", "conflict",
                                              "integration") if k in res.actor_outcomes)}
    return out
