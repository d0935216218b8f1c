"""Compare perspectives or hypotheses: where conclusions differ, by how much, and why.

Every overlay (a perspective or a hypothesis) is run with the same seed and members, so member
``i`` sees the same shocks and the same draws of every parameter the overlay leaves uncertain
(common random numbers). Differences are therefore *paired*: for each actor and year the mean
member-level difference ``x_overlay - x_baseline`` with a 95% confidence interval
(``mean +/- 1.96 sd / sqrt(n)``). A cell counts as a differing conclusion when the interval
excludes zero and the difference is at least ``min_effect``.

Which overrides drive a difference: each override of the overlay is applied alone (one at a
time) to the baseline and its effect - the mean absolute paired difference in alignment over
the neighbours and the forecast years - is ranked and set against the whole overlay's effect.

For hypotheses, ``targeting`` measures whether Russia's attraction goes to the neighbours that
matter to it: the mean, over members and forecast years, of the correlation across neighbours
between attraction and importance (population, economy and Russian communities, with the
scenario's weights). A strategic Russia targets; an opportunist one does not.

Depends on NumPy, the scenario loader, the model contract and :mod:`multipolar.explore`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from multipolar.core.errors import MultipolarError, suggest
from multipolar.explore.evaluate import ModelShared, evaluate, model_task
from multipolar.explore.runner import kept_summary, load_model, versions

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class CompareSpec:
    """What to compare (the options of ``multipolar compare``)."""

    scenario: str = "russia-neighbourhood"
    perspectives: tuple[str, ...] = ()
    hypotheses: tuple[str, ...] = ()
    members: int = 1000
    seed: int = 7
    start: int | None = None
    end: int | None = None
    sets: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    min_effect: float = 0.05
    drivers: bool = True
    chunk: int = 1000


def resolve_names(requested: str | None, known: list[str], what: str) -> tuple[str, ...]:
    """Names from ``all`` or a comma-separated list, checked against ``known``."""
    if not requested:
        return ()
    if requested.strip().lower() == "all":
        return tuple(known)
    names = tuple(n.strip() for n in requested.split(",") if n.strip())
    for n in names:
        if n not in known:
            raise MultipolarError(f"unknown {what} '{n}'", field=f"--{what}s",
                                  fix=suggest(n, known) if known else
                                  f"this scenario defines no {what}s")
    return names


def _run(model: Any, seed: int, members: int, evaluator: Any, chunk: int,
         progress: Callable[[int, int], None] | None) -> dict[str, Any]:
    shared = ModelShared(model, seed, (), np.zeros((members, 0)),
                         np.arange(members, dtype=np.int64), (), 1)
    _, parts = evaluate(model_task, shared, members, 0, evaluator, chunk, progress)
    return {"alignment": np.concatenate([p["alignment"] for p in parts]),
            "attraction": np.concatenate([p["attraction"] for p in parts]),
            "memberships": np.concatenate([p["memberships"] for p in parts]),
            "core": {k: np.concatenate([p["core"][k] for p in parts])
                     for k in parts[0]["core"]}}


def importance(model: Any) -> np.ndarray:
    """Each actor's importance to Russia at the last observed year (0 for non-neighbours)."""
    nb = model.neighbours.astype(np.float64)
    t = int(np.searchsorted(model.years, model.observed_until, side="right")) - 1
    t = max(0, min(t, model.n_years - 1))

    def share(name: str) -> np.ndarray:
        arr = model.obs[name][: t + 1]
        last = np.array([col[np.isfinite(col)][-1] if np.isfinite(col).any() else 0.0
                         for col in arr.T]) * nb
        return last / last.sum() if last.sum() > 0 else last

    w = model.nominal("russia_policy.importance_population") \
        if "russia_policy.importance_population" in model.params else 0.5
    rsw = model.nominal("russia_policy.russian_share_weight") \
        if "russia_policy.russian_share_weight" in model.params else 1.0
    return (w * share("population") + (1 - w) * share("gdp")
            + rsw * model.static["russian_share"]) * nb


def targeting(model: Any, attraction: np.ndarray) -> dict[str, float]:
    """Mean correlation across neighbours of attraction with importance (see module doc)."""
    nb = model.neighbours
    imp = importance(model)[nb]
    fut = model.years > model.observed_until
    att = attraction[:, fut][:, :, nb] if fut.any() else attraction[:, :, nb]
    a = att.reshape(-1, att.shape[-1]).astype(np.float64)
    a_c = a - a.mean(axis=1, keepdims=True)
    i_c = imp - imp.mean()
    den = np.sqrt((a_c ** 2).sum(axis=1) * (i_c ** 2).sum())
    ok = den > 1e-12
    r = (a_c[ok] @ i_c) / den[ok]
    if r.size == 0:
        return {"correlation": 0.0, "se": 0.0, "cases": 0}
    return {"correlation": float(r.mean()), "se": float(r.std() / np.sqrt(r.size)),
            "cases": int(r.size)}


def paired_differences(a: np.ndarray, b: np.ndarray) -> dict[str, np.ndarray]:
    """Mean, 95% interval and sd of member-level differences ``a - b`` over axis 0."""
    d = a.astype(np.float64) - b.astype(np.float64)
    n = d.shape[0]
    mean = d.mean(axis=0)
    sd = d.std(axis=0, ddof=1) if n > 1 else np.zeros_like(mean)
    half = 1.96 * sd / np.sqrt(max(n, 1))
    return {"mean": mean, "lo": mean - half, "hi": mean + half, "sd": sd}


def _effect(model: Any, a: np.ndarray, b: np.ndarray) -> float:
    fut = model.years > model.observed_until
    nb = model.neighbours
    sel = fut if fut.any() else np.ones(model.n_years, dtype=bool)
    diff = (a[:, sel][:, :, nb].astype(np.float64) - b[:, sel][:, :, nb]).mean(axis=0)
    return float(np.abs(diff).mean())


def where_they_differ(model: Any, diff: dict[str, np.ndarray],
                      min_effect: float) -> list[dict[str, Any]]:
    """Actors whose alignment differs (interval excludes 0 and ``|mean| >= min_effect``)."""
    rows = []
    sig = ((diff["lo"] > 0) | (diff["hi"] < 0)) & (np.abs(diff["mean"]) >= min_effect)
    for j, actor in enumerate(model.actors):
        if not model.neighbours[j]:
            continue
        ts = np.flatnonzero(sig[:, j])
        if ts.size == 0:
            continue
        t = ts[np.argmax(np.abs(diff["mean"][ts, j]))]
        rows.append({"actor": actor, "first_year": int(model.years[ts[0]]),
                     "last_year": int(model.years[ts[-1]]), "years": int(ts.size),
                     "peak_year": int(model.years[t]), "difference": float(diff["mean"][t, j]),
                     "lo": float(diff["lo"][t, j]), "hi": float(diff["hi"][t, j])})
    rows.sort(key=lambda r: -abs(r["difference"]))
    return rows


def compare(spec: CompareSpec, evaluator: Any = None,
            progress: Progress | None = None) -> dict[str, Any]:
    """Run the comparison of ``spec`` and return its summary (kind ``compare``).

    Steps: (1) resolve the overlays and the baseline; (2) run every overlay with the same seed
    and members; (3) paired differences against the baseline per actor and year, and in
    membership probabilities at the end; (4) one-at-a-time runs of each override to rank what
    drives each difference; (5) attraction targeting per overlay.
    """
    t0 = time.perf_counter()
    if spec.perspectives and spec.hypotheses:
        raise MultipolarError("compare either perspectives or hypotheses, not both at once",
                              field="--perspectives", fix="drop one of the two options")
    loaded, _base_model = load_model(spec.scenario, sets=spec.sets, start=spec.start,
                                    end=spec.end, events=spec.events)
    sc = loaded.scenario
    if spec.hypotheses:
        kind = "hypothesis"
        names = list(spec.hypotheses)
        baseline = names[0]
        overlays = {n: {"hypothesis": n} for n in names}
        table = sc.hypotheses
    else:
        kind = "perspective"
        names = ["base", *spec.perspectives]
        baseline = "base"
        overlays = {"base": {}, **{n: {"perspective": n} for n in spec.perspectives}}
        table = sc.perspectives
    if len(overlays) < 2:
        raise MultipolarError("nothing to compare", field="--perspectives",
                              fix="name at least one perspective (or two hypotheses), or 'all'")
    runs: dict[str, dict[str, Any]] = {}
    models: dict[str, Any] = {}
    for name, kw in overlays.items():
        _, model = load_model(spec.scenario, sets=spec.sets, start=spec.start, end=spec.end,
                              events=spec.events, **kw)
        cb = (lambda d, t, _n=name: progress(_n, d, t)) if progress else None
        runs[name] = _run(model, spec.seed, spec.members, evaluator, spec.chunk, cb)
        models[name] = model
    model = models[baseline]
    out: dict[str, Any] = {
        "kind": "compare", "compared": kind, "scenario": sc.name,
        "scenario_file": str(loaded.path), "seed": spec.seed, "members": spec.members,
        "years": [int(model.years[0]), int(model.years[-1])],
        "observed_until": int(model.observed_until), "baseline": baseline,
        "min_effect": spec.min_effect, "actors": list(model.actors),
        "neighbours": [a for a, nb in zip(model.actors, model.neighbours, strict=True) if nb],
        "overlays": {}, "differences": {}, "drivers": {}, "versions": versions(),
    }
    for name in names:
        desc = table[name].description if name in table else "the scenario without overlay"
        out["overlays"][name] = {
            "description": desc,
            "overrides": {k: v for k, v in (table[name].overrides.items()
                                            if name in table else [])},
            "summary": kept_summary(runs[name], models[name], spec.seed),
            "targeting": targeting(models[name], runs[name]["attraction"]),
        }
    base = runs[baseline]
    end_t = model.n_years - 1
    for name in names:
        if name == baseline:
            continue
        diff = paired_differences(runs[name]["alignment"], base["alignment"])
        mdiff = paired_differences(runs[name]["memberships"][:, end_t].astype(np.float64),
                                   base["memberships"][:, end_t].astype(np.float64))
        memb = []
        for j, a in enumerate(model.actors):
            for k, inst in enumerate(model.institutions):
                m, lo, hi = mdiff["mean"][j, k], mdiff["lo"][j, k], mdiff["hi"][j, k]
                if abs(m) >= spec.min_effect and (lo > 0 or hi < 0):
                    memb.append({"actor": a, "institution": inst, "year": int(model.years[-1]),
                                 "difference": float(m), "lo": float(lo), "hi": float(hi)})
        memb.sort(key=lambda r: -abs(r["difference"]))
        out["differences"][name] = {
            "effect": _effect(model, runs[name]["alignment"], base["alignment"]),
            "alignment_mean": diff["mean"], "alignment_lo": diff["lo"],
            "alignment_hi": diff["hi"],
            "actors": where_they_differ(model, diff, spec.min_effect),
            "memberships": memb,
        }
        if spec.drivers:
            out["drivers"][name] = _drivers(spec, kind, name, table, base, models[baseline],
                                            out["differences"][name]["effect"], evaluator,
                                            progress)
    out["seconds"] = time.perf_counter() - t0
    return out


def _drivers(spec: CompareSpec, kind: str, name: str, table: Any, base: dict[str, Any],
             model: Any, total: float, evaluator: Any,
             progress: Progress | None) -> list[dict[str, Any]]:
    """Step 4: effect of each override of overlay ``name`` applied alone to the baseline."""
    overrides = dict(table[name].overrides) if name in table else {}
    rows = []
    for path, value in overrides.items():
        sets = (*spec.sets, f"{path}={json.dumps(value)}")
        kw = {"hypothesis": spec.hypotheses[0]} if kind == "hypothesis" else {}
        _, m1 = load_model(spec.scenario, sets=sets, start=spec.start, end=spec.end,
                           events=spec.events, **kw)
        cb = (lambda d, t, _p=path: progress(f"{name}: {_p}", d, t)) if progress else None
        run = _run(m1, spec.seed, spec.members, evaluator, spec.chunk, cb)
        eff = _effect(model, run["alignment"], base["alignment"])
        rows.append({"path": path, "value": value, "effect": eff,
                     "share": eff / total if total > 0 else 0.0})
    rows.sort(key=lambda r: -r["effect"])
    return rows
