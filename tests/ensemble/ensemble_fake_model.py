"""A small test double of the model contract (multipolar.model.api) for the ensemble tests.

Member i's trajectory is a pure function of (model, seed, i): every draw comes from
multipolar.core.rng keyed by multipolar.core.rng.member_keys(seed, start, stop).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from multipolar.core import rng
from multipolar.model.engine import ChunkResult

QUANTILES = {"p05": 5.0, "p25": 25.0, "median": 50.0, "p75": 75.0, "p95": 95.0}


@dataclass(frozen=True)
class FakeModel:
    actors: tuple[str, ...]
    institutions: tuple[str, ...]
    years: tuple[int, ...]
    assertion: float


def compile_model(loaded: Any, start: int | None = None, end: int | None = None) -> FakeModel:
    sc = loaded.scenario
    start = sc.time.start if start is None else start
    end = sc.time.end if end is None else end
    lever = sc.levers.get("russia_assertion")
    assertion = float(lever.value) if lever is not None and isinstance(lever.value, float) else 0.0
    return FakeModel(tuple(sc.actor_ids()), tuple(i.id for i in sc.institutions),
                     tuple(range(start, end + 1)), assertion)


def simulate(model: FakeModel, seed: int, start: int, stop: int) -> ChunkResult:
    delay = float(os.environ.get("MULTIPOLAR_FAKE_DELAY", "0"))  # lets tests kill mid-run
    if delay:
        time.sleep(delay)
    keys = rng.member_keys(seed, start, stop)
    n, a, t = stop - start, len(model.actors), len(model.years)
    drift = 0.02 * rng.normal(keys, 1, 0)            # uncertain parameter per member
    vol = 0.02 + 0.08 * rng.uniform(keys, 2, 0)
    align = np.empty((n, t, a), dtype=np.float32)
    china = np.empty((n, t, a), dtype=np.float32)
    cur = np.tile(np.linspace(0.0, 0.8, a), (n, 1)) + 0.1 * rng.normal(keys, 3, 0, a)
    cap = np.empty((n, t), dtype=np.float32)
    for k, y in enumerate(model.years):
        cur = cur + drift[:, None] + model.assertion * 0.01 + vol[:, None] * rng.normal(keys, 4, y, a)
        align[:, k] = cur
        china[:, k] = rng.uniform(keys, 5, y, a) * 0.3
        cap[:, k] = 1.0 + 0.1 * k + rng.normal(keys, 6, y)
    mem = np.zeros((n, t, a, len(model.institutions)), dtype=np.int8)
    if model.institutions:
        mem[..., 0] = align < 0.3
    if len(model.institutions) > 1:
        mem[..., 1] = align > 0.9
    return ChunkResult(start, stop, np.array(model.years), list(model.actors),
                       list(model.institutions),
                       {"alignment": align, "china_share": china},
                       mem, {"capacity": cap}, {"drift": drift, "volatility": vol})


def summarise(res: ChunkResult | list[ChunkResult]) -> dict[str, Any]:
    r = ChunkResult.concat(res) if isinstance(res, list) else res
    q = np.percentile(r.actor_outcomes["alignment"], list(QUANTILES.values()), axis=0)
    return {"members": r.stop - r.start, "years": [int(y) for y in r.years],
            "actors": list(r.actors), "institutions": list(r.institutions),
            "alignment": {a: {str(int(y)): {k: round(float(q[i, ti, j]), 6)
                                            for i, k in enumerate(QUANTILES)}
                              for ti, y in enumerate(r.years)}
                          for j, a in enumerate(r.actors)},
            "memberships": {a: {inst: {str(int(y)): round(float(r.memberships[:, ti, j, k].mean()), 4)
                                       for ti, y in enumerate(r.years)}
                                for k, inst in enumerate(r.institutions)}
                            for j, a in enumerate(r.actors)}}
