"""Rival views compete on forecasts: ``multipolar compare --score``.

Each view (the scenario as written, each perspective, each hypothesis) runs the same
rolling-origin back-test (:func:`multipolar.backtest.harness.rolling_backtest`). A view keeps
its claims: parameters the view sets are left out of the calibration, so the fit cannot undo
them; everything else is fitted on the training years of each origin, as for the base model.

The views are then ranked by the MAE of their forecast medians on the same country-years,
with uncertainty from a paired bootstrap over country-years (every resample draws the same
country-years for every view): a 90% interval of each view's MAE and the share of resamples
in which it forecasts best. The same is reported for CRPS and directional skill (rank
correlation of forecast and observed change, mean over origins).

A world scenario (``russia-world``, actors from a table) is back-tested by
:func:`multipolar.backtest.world.world_backtest` instead: every UN member, each origin's
pooled fit blind after the origin under the view (:func:`world_free`: the parameters the view
sets are left out, but those its hypothesis names, such as China's cover, are fitted on the
years up to the origin), scored on the world panel's later years.

For seed 002's question whether Russia follows a strategy or only works through a checklist,
the hypotheses ``strategic`` and ``opportunist`` are two such views: the one that forecasts
the neighbours' alignment better on years it never saw is the better description.

Depends on NumPy, :mod:`multipolar.backtest.harness` and :mod:`multipolar.calibrate.history`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from multipolar.backtest.harness import BacktestResult, rolling_backtest
from multipolar.backtest.scoring import crps_ensemble
from multipolar.calibrate.history import FREE_PARAMETERS, scenario_path
from multipolar.forecast.origin import Panel
from multipolar.scenario import load_scenario


@dataclass(frozen=True)
class View:
    """A rival view: the base scenario, a perspective or a hypothesis."""

    kind: str  # "base", "perspective" or "hypothesis"
    name: str

    @property
    def label(self) -> str:
        """How tables name it."""
        return self.name if self.kind == "base" else f"{self.kind} {self.name}"


def free_parameters(overrides: dict[str, Any]) -> dict[str, tuple[float, float]]:
    """The calibrated parameters minus those a view's ``overrides`` set."""
    return {k: b for k, b in FREE_PARAMETERS.items() if scenario_path(k) not in overrides}


def world_free(overrides: dict[str, Any], hypothesis: str | None) -> tuple[str, ...]:
    """The pooled fit's parameters for a world view: those the view sets are left out.

    Except the parameters declared for the view's own hypothesis (``Param.hypothesis``, e.g.
    China's cover): the hypothesis claims the effect acts, and its size is fitted on the years
    up to each origin, never taken from the scenario's value (a fit through the data's last
    year).
    """
    # lazy: the pooled fit's module loads the world data tables
    from multipolar.calibrate.pooled import hypothesis_parameters, pooled_free

    own = set(hypothesis_parameters().get(hypothesis or "", ()))
    return tuple(k for k in pooled_free(hypothesis)
                 if k in own or scenario_path(k) not in overrides)


def is_world(scenario: str | Path) -> bool:
    """Whether the scenario generates its actors from a table (the world model)."""
    return bool(load_scenario(scenario).raw.get("actor_sets"))


def _world_units(res: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """The scored units of a world back-test.

    Per scored state-year: the model's absolute error, its CRPS and persistence's absolute
    error; and the mean rank correlation of forecast and observed change over the origins (at
    each origin's last test year).
    """
    errs, crps, pers, corr = [], [], [], []
    for f in res.forecasts:
        m = f.mask()
        med = f.quantiles["model"][1]
        errs.append(np.abs(med - f.observed)[m])
        crps.append(f.crps["model"][m])
        pers.append(np.abs(f.quantiles["persistence"][1] - f.observed)[m])
        last = m[-1]
        if last.sum() > 2:
            a = (med[-1] - f.last)[last]
            b = (f.observed[-1] - f.last)[last]
            ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
            corr.append(float(np.corrcoef(ra, rb)[0, 1]))
    return (np.concatenate(errs), np.concatenate(crps), np.concatenate(pers),
            float(np.mean(corr)) if corr else math.nan)


def default_origins(panel: Panel, horizon: int, count: int = 4, step: int = 3) -> list[int]:
    """``count`` origins ``step`` years apart ending the year before the panel's last."""
    last = panel.last_year()
    return sorted(last - 1 - step * k for k in range(count))


def _units(res: BacktestResult) -> tuple[np.ndarray, np.ndarray]:
    """Per scored country-year: absolute error of the model median and its CRPS."""
    errs, crps = [], []
    for f in res.forecasts:
        s = f.samples["model"]
        ok = np.isfinite(f.observed)
        errs.append(np.abs(np.median(s, axis=0) - f.observed)[ok])
        crps.append(crps_ensemble(s, f.observed)[ok])
    return np.concatenate(errs), np.concatenate(crps)


def score_views(panel: Panel, views: list[View], origins: list[int], horizon: int = 5, *,
                scenario: str | Path = "russia-neighbourhood", bootstrap: int = 1000,
                seed: int = 2013, progress: Callable[[str], None] | None = None,
                evaluator: Any = None, **kw: Any) -> dict[str, Any]:
    """Back-test every view on the same origins and rank them (module doc).

    Each view's origins are mapped over ``evaluator`` (:func:`~multipolar.backtest.harness.
    origin_runs`); the scores do not depend on it.
    """
    sc = load_scenario(scenario).scenario
    world = is_world(scenario)
    results: dict[str, dict[str, Any]] = {}
    errs: dict[str, np.ndarray] = {}
    crps: dict[str, np.ndarray] = {}
    pers = None
    for v in views:
        if progress is not None:
            progress(v.label)
        over: dict[str, Any] = {}
        if v.kind == "perspective":
            over = dict(sc.perspectives[v.name].overrides)
        elif v.kind == "hypothesis":
            over = dict(sc.hypotheses[v.name].overrides)
        perspective = v.name if v.kind == "perspective" else None
        hypothesis = v.name if v.kind == "hypothesis" else None
        if world:
            # lazy: the world back-test loads the world data tables
            from multipolar.backtest.world import world_backtest

            wres = world_backtest(
                str(scenario), panel, origins, horizon, seed=seed, conditional=False,
                perspective=perspective, hypothesis=hypothesis,
                free=world_free(over, hypothesis), stacking=False, **_world_options(kw))
            errs[v.label], crps[v.label], p_err, corr = _world_units(wres)
            if pers is None:
                pers = {"mae": float(p_err.mean()),
                        "crps": float(np.mean(np.concatenate(
                            [f.crps["persistence"][f.mask()] for f in wres.forecasts])))}
        else:
            res = rolling_backtest(
                panel, origins, horizon, warmup=0, scenario=scenario, seed=seed,
                perspective=perspective, hypothesis=hypothesis,
                free=free_parameters(over), evaluator=evaluator, **kw)
            errs[v.label], crps[v.label] = _units(res)
            corr = res.directional("model")["mean_rank_correlation"]
            if pers is None:
                s = res.scores()["persistence"]
                pers = {"mae": s["mae"], "crps": s["crps"]}
        results[v.label] = {"kind": v.kind, "name": v.name, "mae": float(errs[v.label].mean()),
                            "crps": float(crps[v.label].mean()), "rank_correlation": corr}
    labels = list(errs)
    n = errs[labels[0]].size
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(bootstrap, n))
    boot = np.stack([errs[k][idx].mean(axis=1) for k in labels])  # (views, B)
    winners = np.isclose(boot, boot.min(axis=0, keepdims=True), rtol=0, atol=1e-12)
    best = (winners / winners.sum(axis=0, keepdims=True)).mean(axis=1)  # ties share
    ref = boot[0]  # the first view (the scenario as written) is the reference
    for k, lab in enumerate(labels):
        lo, hi = np.percentile(boot[k], [5, 95])
        dlo, dhi = np.percentile(boot[k] - ref, [5, 95])
        results[lab].update({"mae_p05": float(lo), "mae_p95": float(hi),
                             "p_best": float(best[k]),
                             "mae_minus_first": float(errs[lab].mean() - errs[labels[0]].mean()),
                             "minus_first_p05": float(dlo), "minus_first_p95": float(dhi)})
    order = sorted(labels, key=lambda lab: results[lab]["mae"])
    out: dict[str, Any] = {"origins": origins, "horizon": horizon, "country_years": int(n),
                           "bootstrap": bootstrap, "persistence": pers, "ranking": order,
                           "reference": labels[0],
                           "views": {lab: _finite(results[lab]) for lab in order}}
    hyps = [k for k, v in zip(labels, views, strict=True) if v.kind == "hypothesis"]
    if len(hyps) >= 2:  # the strategy question: first two hypotheses head to head
        a, b = labels.index(hyps[0]), labels.index(hyps[1])
        d = boot[a] - boot[b]
        out["head_to_head"] = {"first": hyps[0], "second": hyps[1],
                               "mae_difference": float(errs[hyps[0]].mean()
                                                       - errs[hyps[1]].mean()),
                               "p05": float(np.percentile(d, 5)),
                               "p95": float(np.percentile(d, 95)),
                               "p_first_better": float(np.mean(d < 0))}
    return out


def _world_options(kw: dict[str, Any]) -> dict[str, Any]:
    """The back-test options a world back-test takes (members, calibration size, sets)."""
    keep = ("members", "calib_members", "maxiter", "sets")
    return {k: v for k, v in kw.items() if k in keep and v is not None}


def _finite(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in d.items()}


SCORE_CALIB_MEMBERS = 16
"""Members per calibration evaluation in ``compare --score`` (kept small: views x origins)."""

SCORE_MAXITER = 30
"""Most calibration evaluations per origin in ``compare --score``."""

SCORE_PREFIT = 100
"""History evaluations (years up to the origin only) that choose where each origin's
calibration starts in ``compare --score`` (see ``calibrate_forecast``)."""
