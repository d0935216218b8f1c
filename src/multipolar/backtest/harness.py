"""The back-test harness: calibrate up to an origin, forecast the years after, score.

:func:`backtest` (one origin ``Y``, test years ``Y+1..Z``) and :func:`rolling_backtest`:

1. for each origin, truncate the panel at the origin and calibrate with
   :func:`multipolar.calibrate.history.calibrate_forecast` (later years are never read before
   scoring); :func:`model_run` then forecasts with the model blind after the origin
   (exogenous drivers cut unless ``exogenous="known"``), its members' parameters resampled on
   their fit to the years before the origin and its origin state carrying the observation
   error (:mod:`multipolar.forecast.assimilate`), optionally conditioned on dated events
   (:mod:`multipolar.forecast.conditional`);
2. the **stacked** forecast combines model and persistence per horizon with weights learned
   on earlier origins' forecasts whose outcomes are known at the origin, with intervals that
   include regime shifts at their training-years rate (:mod:`multipolar.forecast.stacking`),
   widened after a dated use of force by a factor learned from the record up to the origin
   (:func:`multipolar.forecast.stacking.event_spread`);
3. the baselines (:mod:`multipolar.backtest.baselines`) get intervals from their own
   training errors;
4. every method is scored on the test years present in the full panel: MAE of the median,
   90% coverage (also in shock years), CRPS, PIT histograms, directional skill (rank
   correlation of forecast and observed change across the neighbours, per origin, and the
   count of right directions) and the Brier score of memberships.

Results render as a Rich table, JSON and PNGs (paths per actor; scores).
Depends on NumPy, matplotlib (PNG only), :mod:`multipolar.forecast.origin`,
:mod:`multipolar.calibrate.history`, :mod:`multipolar.forecast.assimilate`,
:mod:`multipolar.forecast.conditional` and the scores, baselines and stacking of this package.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from multipolar.backtest.baselines import BASELINES, baseline_forecast, training_errors
from multipolar.backtest.scoring import (
    brier,
    coverage,
    crps_ensemble,
    direction_hits,
    mae,
    pit,
    pit_histogram,
    rank_correlation,
)
from multipolar.calibrate.history import FORECAST_HORIZON, calibrate_forecast, training_origins
from multipolar.core.errors import InputError
from multipolar.core.specs import BacktestSpec
from multipolar.forecast.origin import ForecastSettings, Panel
from multipolar.forecast.pipeline import forecast_ensemble
from multipolar.forecast.stacking import (
    EVENT_SPREAD_KINDS,
    StackRecords,
    effect_width,
    error_model,
    event_scale,
    event_spread,
    shifts_between,
    stacked_samples,
)

METHODS = ("model", "stacked", *BASELINES)
"""Methods scored, in the order tables show them (``stacked``: model and persistence)."""

STACK_WARMUP = 5
"""Extra origins before the first evaluated one whose forecasts train the stacking weights."""


@dataclass
class Forecasts:
    """Per method, ensembles ``(members, T, A)`` for the test years of one origin."""

    origin: int
    years: np.ndarray
    actors: list[str]
    samples: dict[str, np.ndarray]
    observed: np.ndarray  # (T, A)
    membership_prob: dict[str, np.ndarray] = field(default_factory=dict)  # inst -> (T, A)
    membership_last: dict[str, np.ndarray] = field(default_factory=dict)  # inst -> (A,)
    membership_obs: dict[str, np.ndarray] = field(default_factory=dict)  # inst -> (T, A)
    last: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (A,) observed at origin
    shock: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), bool))  # (T, A)

    def select(self, horizon: int | None, subset: str | None) -> np.ndarray:
        """Boolean ``(T, A)`` mask of the outcomes scored for ``horizon`` and ``subset``."""
        t = np.ones(self.years.size, bool) if horizon is None else \
            (self.years - self.origin) == horizon
        mask = np.broadcast_to(t[:, None], self.observed.shape).copy()
        if subset == "shock":
            mask &= self.shock
        elif subset == "calm":
            mask &= ~self.shock
        return mask


@dataclass
class BacktestResult:
    """Scores of the model, the stacked forecast and the baselines for one or more origins."""

    origins: list[int]
    test_until: list[int]
    forecasts: list[Forecasts]
    calibration: list[dict[str, Any]]
    stacking: list[dict[str, Any]] = field(default_factory=list)
    events: list[str] = field(default_factory=list)

    def scores(self, horizon: int | None = None, subset: str | None = None
               ) -> dict[str, dict[str, float]]:
        """Pooled scores per method: mae, coverage90, crps, n (and brier where defined).

        ``subset`` ``"shock"`` keeps outcomes after a regime shift of the country inside the
        forecast window (:data:`multipolar.forecast.stacking.REGIME_SHIFTS`), ``"calm"`` the
        others.
        """
        out: dict[str, dict[str, float]] = {}
        for meth in METHODS:
            meds, los, his, obs, crps = [], [], [], [], []
            for f in self.forecasts:
                if meth not in f.samples:
                    continue
                sel = f.select(horizon, subset)
                if not sel.any():
                    continue
                s = f.samples[meth][:, sel]
                p05, med, p95 = np.percentile(s, [5, 50, 95], axis=0)
                o = f.observed[sel]
                meds.append(med)
                los.append(p05)
                his.append(p95)
                obs.append(o)
                crps.append(crps_ensemble(s, o))
            if not obs:
                continue
            o = np.concatenate(obs)
            c = np.concatenate(crps)
            out[meth] = {"mae": mae(np.concatenate(meds), o),
                         "coverage90": coverage(np.concatenate(los), np.concatenate(his), o),
                         "crps": float(np.nanmean(c)) if np.isfinite(c).any() else math.nan,
                         "n": int(np.isfinite(o).sum())}
        if subset is None:
            b_model, b_pers = self._brier(horizon)
            for meth, b in (("model", b_model), ("stacked", b_model), ("persistence", b_pers)):
                if meth in out and b is not None:
                    out[meth]["brier"] = b
        return out

    def _brier(self, horizon: int | None) -> tuple[float | None, float | None]:
        pm, pp, oo = [], [], []
        for f in self.forecasts:
            sel = np.ones(f.years.size, bool) if horizon is None else \
                (f.years - f.origin) == horizon
            for inst, o in f.membership_obs.items():
                pm.append(f.membership_prob[inst][sel].ravel())
                pp.append(np.broadcast_to(f.membership_last[inst], o[sel].shape).ravel())
                oo.append(o[sel].ravel())
        if not oo:
            return None, None
        o = np.concatenate(oo)
        if not np.isfinite(o).any():
            return None, None
        return brier(np.concatenate(pm), o), brier(np.concatenate(pp), o)

    def pit_histogram(self, method: str = "model", horizon: int | None = None,
                      bins: int = 10) -> list[float]:
        """Share of PIT values per bin for ``method`` (flat = calibrated)."""
        vals = [pit(f.samples[method][:, f.select(horizon, None)],
                    f.observed[f.select(horizon, None)])
                for f in self.forecasts if method in f.samples]
        return pit_histogram(np.concatenate(vals) if vals else np.zeros(0), bins)

    def directional(self, method: str = "model", horizon: int | None = None
                    ) -> dict[str, Any]:
        """Rank correlation of forecast and observed change per origin, and its mean.

        The change is from the observation at the origin to horizon ``horizon`` (default: the
        origin's last test year), across the neighbours; also the count of neighbours whose
        direction of change the forecast gets right.
        """
        per: dict[str, dict[str, float]] = {}
        for f in self.forecasts:
            if method not in f.samples or not f.years.size:
                continue
            hz = int(f.years[-1] - f.origin) if horizon is None else horizon
            k = np.flatnonzero((f.years - f.origin) == hz)
            if not k.size:
                continue
            med = np.median(f.samples[method][:, k[0]], axis=0)
            fc, ob = med - f.last, f.observed[k[0]] - f.last
            hits, n = direction_hits(fc, ob)
            per[str(f.origin)] = {"horizon": hz, "rank_correlation": rank_correlation(fc, ob),
                                  "direction_right": hits, "direction_counted": n}
        rs = [v["rank_correlation"] for v in per.values()
              if math.isfinite(v["rank_correlation"])]
        return {"per_origin": per, "mean_rank_correlation": float(np.mean(rs)) if rs
                else math.nan}

    def horizons(self) -> list[int]:
        """Horizons present in the forecasts."""
        return sorted({int(h) for f in self.forecasts for h in f.years - f.origin})

    def by_actor(self) -> dict[str, dict[str, float]]:
        """MAE of each method's median per actor, pooled over origins."""
        acc: dict[str, dict[str, list[float]]] = {}
        for f in self.forecasts:
            for meth, smp in f.samples.items():
                med = np.median(smp, axis=0)
                for j, a in enumerate(f.actors):
                    ok = np.isfinite(f.observed[:, j])
                    acc.setdefault(a, {}).setdefault(meth, []).extend(
                        np.abs(med[ok, j] - f.observed[ok, j]).tolist())
        return {a: {m: float(np.mean(v)) if v else math.nan for m, v in d.items()}
                for a, d in acc.items()}

    def to_dict(self) -> dict[str, Any]:
        """The JSON of ``multipolar backtest --json``."""
        paths: list[dict[str, Any]] = []
        for f in self.forecasts:
            q = {m: np.percentile(s, [5, 50, 95], axis=0) for m, s in f.samples.items()}
            for j, a in enumerate(f.actors):
                for t, y in enumerate(f.years):
                    obs = f.observed[t, j]
                    paths.append({
                        "origin": f.origin, "country": a, "year": int(y),
                        "observed": None if not math.isfinite(obs) else round(float(obs), 5),
                        "shock": bool(f.shock[t, j]) if f.shock.size else False,
                        **{m: {"median": round(float(v[1, t, j]), 5),
                               "p05": round(float(v[0, t, j]), 5),
                               "p95": round(float(v[2, t, j]), 5)} for m, v in q.items()}})
        return _clean({
            "origins": self.origins, "test_until": self.test_until, "events": self.events,
            "scores": self.scores(),
            "scores_shock_years": self.scores(subset="shock"),
            "by_horizon": {str(h): self.scores(h) for h in self.horizons()},
            "pit_histogram": {m: {"all": self.pit_histogram(m),
                                  **{str(h): self.pit_histogram(m, h)
                                     for h in self.horizons()}}
                              for m in ("model", "stacked", "persistence")},
            "directional": {m: self.directional(m) for m in ("model", "stacked", "mean3",
                                                            "trend")},
            "by_actor": self.by_actor(),
            "skill_vs_persistence": self.skill(),
            "stacking": self.stacking,
            "calibration": self.calibration,
            "paths": paths,
        })

    def skill(self, method: str = "model") -> float | None:
        """``1 - MAE(method) / MAE(persistence)`` (0.2 = 20% lower error)."""
        s = self.scores()
        if method not in s or "persistence" not in s or not s["persistence"]["mae"]:
            return None
        return float(1.0 - s[method]["mae"] / s["persistence"]["mae"])


def _clean(x: Any) -> Any:
    """NaN and infinities become ``None`` (strict JSON)."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_clean(v) for v in x]
    return x


def _check_years(panel: Panel, train_until: int, test_until: int) -> None:
    last = panel.last_year()
    first = min(y for s in panel.alignment.values() for y in s)
    if test_until <= train_until:
        raise InputError(f"--test-until {test_until} is not after --train-until {train_until}",
                         field="--test-until", fix="test on years after the training years")
    if train_until < first + 3:
        raise InputError(f"--train-until {train_until} leaves fewer than four training years "
                         f"(the panel starts in {first})", field="--train-until",
                         fix=f"train until {first + 3} or later")
    if train_until >= last:
        raise InputError(f"the panel has no years after {train_until} to test on "
                         f"(its last year is {last})", file=panel.path, field="--train-until",
                         fix=f"train until {last - 1} or earlier")


@dataclass
class ModelRun:
    """The model's forecast from one origin (calibrated on years up to it only)."""

    origin: int
    years: np.ndarray  # test years origin+1 .. end
    actors: list[str]  # neighbours
    alignment: np.ndarray  # (members, T, A)
    membership_prob: np.ndarray  # (T, A, I)
    institutions: list[str]
    calibration: dict[str, Any]
    median0: np.ndarray | None = None  # (T, A) the median without the dated events, if any
    effect_width: np.ndarray | None = None  # (T, A) 5-95% range of the events' effect
    event_years: list[int] = field(default_factory=list)  # future uses of force
    force_history: list[int] = field(default_factory=list)  # the record's, up to the origin

    def __getstate__(self) -> dict[str, Any]:
        """Pickled with each array's memory layout (origins run on other processes).

        The scores sum over these arrays, and NumPy's summation order follows the layout, so
        an origin computed on a worker must come back laid out as one computed here.
        """
        state = dict(self.__dict__)
        for name in ("alignment", "membership_prob"):
            state[name] = _with_layout(state[name])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name in ("alignment", "membership_prob"):
            state[name] = _from_layout(state[name])
        self.__dict__.update(state)


def _with_layout(a: np.ndarray) -> tuple[np.ndarray, tuple[int, ...]]:
    """``a`` as a C-ordered array of its axes sorted by stride, and that axis order."""
    order = tuple(sorted(range(a.ndim), key=lambda i: -abs(a.strides[i])))
    return np.ascontiguousarray(a.transpose(order)), order


def _from_layout(packed: tuple[np.ndarray, tuple[int, ...]]) -> np.ndarray:
    """The array :func:`_with_layout` packed, with its axes (and strides) as they were."""
    b, order = packed
    return b.transpose(np.argsort(order))


def model_run(panel: Panel, origin: int, end: int, spec: BacktestSpec | None = None, *,
              progress: Callable[[int, float], None] | None = None,
              **options: Any) -> ModelRun:
    """Calibrate on years <= ``origin`` and forecast ``origin+1 .. end`` (nothing later read).

    ``spec`` (a :class:`~multipolar.core.specs.BacktestSpec`) says what to run; its fields may
    also be given as keywords (the keyword form: ``model_run(panel, 2010, 2015,
    members=100)``). ``anchor=None`` lets the calibration choose the anchor on the training
    years. ``prefit`` > 0 starts the calibration's search from a history fit on the years up
    to ``origin`` (at most ``prefit`` evaluations) instead of the scenario's nominal values,
    which were fitted on all the data (``calibrate_forecast``).
    With ``assimilation`` the members' parameters are resampled on their fit to the years
    before the origin and the origin state carries the observation error
    (:mod:`multipolar.forecast.assimilate`). ``events`` condition the forecast
    (:mod:`multipolar.forecast.conditional`); the calibration never sees them.
    """
    spec = BacktestSpec.of(spec, **options)
    train = panel.truncated(origin)
    fitted, probe = calibrate_forecast(spec.calibration(origin, FORECAST_HORIZON), train,
                                       progress=progress)
    assert fitted.forecast is not None
    settings = ForecastSettings.from_dict(fitted.forecast)
    ens, neighbours, info = forecast_ensemble(
        spec.forecast(origin, end), train, overrides=fitted.overrides(probe), settings=settings)
    calib: dict[str, Any] = {
        "origin": origin, "objective_mae": round(fitted.mae, 5),
        "start_mae": round(fitted.start_mae, 5), "evaluations": fitted.evaluations,
        "start_values": {k: round(v, 5) for k, v in fitted.start_values.items()},
        "values": {k: round(v, 5) for k, v in fitted.values.items()},
        "forecast": fitted.forecast, "assimilation": info.assimilation}
    nb = [j for j, _ in enumerate(ens.actors) if neighbours[j]]
    median0 = width = None
    if spec.events:
        # the stacked forecast's weights act on the model without the dated events (same
        # seed and members); the events' effect is added in full (forecast.stacking)
        quiet, _, _ = forecast_ensemble(
            dataclasses.replace(spec.forecast(origin, end), events=[]), train,
            overrides=fitted.overrides(probe), settings=settings)
        median0 = np.median(quiet.alignment[:, 1:][:, :, nb], axis=0)
        width = effect_width(ens.alignment[:, 1:][:, :, nb], quiet.alignment[:, 1:][:, :, nb])
    return ModelRun(origin, ens.years[1:], [ens.actors[j] for j in nb],
                    ens.alignment[:, 1:][:, :, nb], ens.membership_prob()[1:][:, nb],
                    list(ens.institutions), calib, median0,
                    width,
                    [e.year for e in spec.events or [] if e.kind in EVENT_SPREAD_KINDS],
                    list(info.force_history))


def _forecasts(panel: Panel, run: ModelRun, test_until: int, weights: dict[int, float],
               members: int, spread_out: dict[str, Any] | None = None) -> Forecasts:
    """Score-ready ensembles of every method for one evaluated origin.

    Given dated events the stacked interval widens where a use of force reaches it
    (:func:`multipolar.forecast.stacking.event_scale`); the factor goes into ``spread_out``.
    """
    origin, actors = run.origin, run.actors
    keep = run.years <= test_until
    years = run.years[keep]
    train = panel.truncated(origin)
    observed = np.array([[panel.value(a, int(y)) for a in actors] for y in years])
    last = np.array([panel.value(a, origin) for a in actors])
    samples: dict[str, np.ndarray] = {"model": run.alignment[:, keep]}
    series = {a: train.alignment.get(a, {}) for a in actors}
    hs = years - origin
    errors = error_model(series, origin, int(hs.max()))
    med = np.median(samples["model"], axis=0)
    if run.median0 is None:
        samples["stacked"] = stacked_samples(med, last, hs, weights, errors, members)
    else:  # p + w_h (m0 - p) + (m_event - m0): the events' modelled effect kept in full
        m0 = run.median0[keep]
        spread = event_spread(series, origin, run.force_history)
        width = None if run.effect_width is None else run.effect_width[keep]
        scale = event_scale(errors, spread, hs, origin, run.event_years, len(actors), members,
                            width)
        samples["stacked"] = stacked_samples(m0, last, hs, weights, errors, members, med - m0,
                                             scale)
        if spread_out is not None:
            spread_out.update(spread.to_dict())
    first = min(y for s in train.alignment.values() for y in s)
    origins = training_origins(first, origin, 10)
    for name in BASELINES:
        errs = training_errors(name, series, origins, origin, FORECAST_HORIZON)
        cols = [baseline_forecast(name, series[a], origin, hs, errs) for a in actors]
        width = max(c.shape[0] for c in cols)
        arr = np.full((width, years.size, len(actors)), np.nan)
        for j, c in enumerate(cols):
            arr[: c.shape[0], :, j] = c
        samples[name] = arr
    shock = np.array([[bool(shifts_between(a, origin, int(y))) for a in actors] for y in years])
    fc = Forecasts(origin, years, actors, samples, observed, last=last, shock=shock)
    for inst, table in panel.memberships.items():
        if inst not in run.institutions:
            continue
        k = run.institutions.index(inst)
        fc.membership_prob[inst] = run.membership_prob[keep][:, :, k]
        fc.membership_obs[inst] = np.array(
            [[1.0 if table.get(a, {}).get(int(y)) == 1 else
              (0.0 if int(y) in table.get(a, {}) else np.nan) for a in actors] for y in years])
        fc.membership_last[inst] = np.array(
            [1.0 if train.memberships.get(inst, {}).get(a, {}).get(origin) == 1 else 0.0
             for a in actors])
    return fc


def _origin_run(origin: int, end: int, *, panel: Panel, **kw: Any) -> ModelRun:
    """One origin's calibration and forecast (a task of :func:`origin_runs`)."""
    return model_run(panel, origin, end, **kw)


def origin_runs(panel: Panel, spans: list[tuple[int, int]], evaluator: Any = None,
                **kw: Any) -> list[ModelRun]:
    """:func:`model_run` for every ``(origin, end)`` in ``spans``, in that order.

    The origins are independent tasks mapped over ``evaluator`` (local, processes or Dask;
    :func:`multipolar.ensemble.tasks.map_tasks`): each calibrates and forecasts with the same
    seed wherever it runs, so the runs do not depend on the executor. ``kw["progress"]`` (the
    calibration's per-evaluation callback) is called only when the origins run in this
    process; on other executors each finished origin is reported instead.
    """
    from multipolar.ensemble.tasks import map_tasks

    progress = kw.pop("progress", None)
    local = evaluator is None or getattr(evaluator, "name", "local") == "local"
    common = {**kw, "panel": panel, "progress": progress if local else None}
    done = None
    if progress is not None and not local:
        finished: list[int] = []

        def done(_i: int, _run: Any) -> None:
            finished.append(_i)
            progress(len(finished), math.nan)

    return map_tasks(_origin_run, spans, evaluator, common=common, done=done)


def rolling_backtest(panel: Panel, origins: list[int], horizon: int = 5, *,
                     test_until: int | None = None, warmup: int = STACK_WARMUP,
                     spec: BacktestSpec | None = None, evaluator: Any = None,
                     progress: Callable[[int, float], None] | None = None,
                     **options: Any) -> BacktestResult:
    """Back-tests from several origins, each tested up to ``horizon`` years (panel permitting).

    ``spec`` (or its fields as keywords) says what each origin's run does (:func:`model_run`).

    The model is also run from up to ``warmup`` origins before the first one; every model
    forecast whose outcome year is at or before an evaluated origin ``Y`` trains the stacking
    weights used at ``Y`` (:mod:`multipolar.forecast.stacking`), never a later one.
    The origins' runs are independent and are mapped over ``evaluator`` (default: this
    process); the result does not depend on it (:func:`origin_runs`).
    """
    last = panel.last_year()
    first = min(y for s in panel.alignment.values() for y in s)
    ends = {o: min(o + horizon, last) if test_until is None else test_until for o in origins}
    for o in origins:
        _check_years(panel, o, ends[o])
    extra = [o for o in range(min(origins) - warmup, min(origins)) if o >= first + 3]
    spec = BacktestSpec.of(spec, **options)
    members = spec.members
    every = sorted(set(origins) | set(extra))
    runs = dict(zip(every, origin_runs(panel, [(o, max(ends.get(o, o), min(o + horizon, last)))
                                               for o in every], evaluator, spec=spec,
                                       progress=progress), strict=True))
    records = StackRecords()
    for run in runs.values():
        # the weights act on the model's median without the dated events (m0)
        med = np.median(run.alignment, axis=0) if run.median0 is None else run.median0
        for t, y in enumerate(run.years):
            for j, a in enumerate(run.actors):
                records.add(run.origin, int(y) - run.origin, med[t, j],
                            panel.value(a, run.origin), panel.value(a, int(y)))
    forecasts, stacking = [], []
    for o in origins:
        hs = list(range(1, ends[o] - o + 1))
        weights = records.weights(o, hs)
        spread: dict[str, Any] = {}
        forecasts.append(_forecasts(panel, runs[o], ends[o], weights, members, spread))
        stacking.append({"origin": o, "weights": {str(h): w for h, w in weights.items()},
                         "trained_on_origins": sorted(r for r in runs if r < o),
                         **({"event_spread": spread} if spread else {})})
    events = [e.text() for e in spec.events or []]
    return BacktestResult(list(origins), [ends[o] for o in origins], forecasts,
                          [runs[o].calibration for o in origins], stacking, events)


def backtest(panel: Panel, train_until: int, test_until: int, **kw: Any) -> BacktestResult:
    """Calibrate on years <= ``train_until``, forecast to ``test_until``, score (module doc)."""
    _check_years(panel, train_until, test_until)
    return rolling_backtest(panel, [train_until], test_until - train_until,
                            test_until=test_until, **kw)


def plot_paths(result: BacktestResult, panel: Panel, path: str | Path) -> Path:
    """PNG: per actor, observed path and each origin's model median, 90% band and baselines."""
    # lazy: keeps start-up fast (loads matplotlib)
    import matplotlib

    matplotlib.use("Agg")
    # lazy: keeps start-up fast (loads matplotlib)
    import matplotlib.pyplot as plt

    actors = result.forecasts[0].actors
    cols = 4
    rows = math.ceil(len(actors) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.0 * cols, 2.6 * rows), sharex=True,
                             squeeze=False)
    colours = {"stacked": "#e67e22", "persistence": "0.45", "mean3": "#8e44ad",
               "trend": "#27ae60"}
    lo_year = min(result.origins) - 8
    hi_year = max(result.test_until)
    for k, a in enumerate(actors):
        ax = axes[k // cols][k % cols]
        s = sorted((y, v) for y, v in panel.alignment.get(a, {}).items()
                   if lo_year <= y <= hi_year)
        if s:
            ys, vs = zip(*s, strict=True)
            ax.plot(ys, vs, "o-", ms=2.5, lw=0.8, color="#c0392b",
                    label="observed" if k == 0 else None)
        for n, f in enumerate(result.forecasts):
            j = f.actors.index(a)
            q = np.percentile(f.samples["model"][:, :, j], [5, 50, 95], axis=0)
            yrs = np.concatenate([[f.origin], f.years])
            start = panel.value(a, f.origin)
            med = np.concatenate([[start], q[1]])
            ax.fill_between(f.years, q[0], q[2], color="#3a6ea5", alpha=0.18, lw=0,
                            label="model 90%" if k == 0 and n == 0 else None)
            ax.plot(yrs, med, color="#3a6ea5", lw=1.5,
                    label="model median" if k == 0 and n == 0 else None)
            for name, c in colours.items():
                b = np.median(f.samples[name][:, :, j], axis=0)
                ax.plot(f.years, b, color=c, lw=0.9, ls="--",
                        label=name if k == 0 and n == 0 else None)
            ax.axvline(f.origin + 0.5, color="0.7", lw=0.6, ls=":")
        ax.set_title(a, fontsize=9)
        ax.grid(alpha=0.25, lw=0.5)
        ax.tick_params(labelsize=7)
    for k in range(len(actors), rows * cols):
        axes[k // cols][k % cols].axis("off")
    fig.legend(loc="lower right", fontsize=8, ncol=2)
    fig.suptitle("UN voting alignment (0 = like Russia, 1 = like the US): back-test from "
                 + ", ".join(str(o) for o in result.origins), fontsize=10)
    fig.tight_layout(rect=(0, 0.03, 1, 0.96))
    out = Path(path)
    try:
        fig.savefig(out, dpi=110)
    except OSError as exc:
        raise InputError(f"cannot write the PNG ({exc.strerror or exc})", file=str(out),
                         field="--png", fix="choose a writable path") from None
    finally:
        plt.close(fig)
    return out


def plot_scores(result: BacktestResult, path: str | Path) -> Path:
    """PNG of the scores: MAE and 90% coverage by horizon, PIT histograms, rank correlations."""
    # lazy: keeps start-up fast (loads matplotlib)
    import matplotlib

    matplotlib.use("Agg")
    # lazy: keeps start-up fast (loads matplotlib)
    import matplotlib.pyplot as plt

    hs = result.horizons()
    by_h = {h: result.scores(h) for h in hs}
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    colours = {"model": "#3a6ea5", "stacked": "#c0392b", "persistence": "0.45",
               "mean3": "#8e44ad", "trend": "#27ae60"}
    ax = axes[0][0]
    for m, c in colours.items():
        ax.plot(hs, [by_h[h].get(m, {}).get("mae", math.nan) for h in hs], "o-", color=c,
                label=m, ms=3)
    ax.set(title="MAE of the median by horizon", xlabel="horizon (years)", ylabel="MAE")
    ax.legend(fontsize=7)
    ax = axes[0][1]
    for m in ("model", "stacked", "persistence"):
        ax.plot(hs, [by_h[h].get(m, {}).get("coverage90", math.nan) for h in hs], "o-",
                color=colours[m], label=m, ms=3)
    ax.axhspan(0.85, 0.95, color="0.9", zorder=0)
    ax.axhline(0.9, color="0.6", lw=0.8, ls=":")
    ax.set(title="90% interval coverage by horizon", xlabel="horizon (years)", ylim=(0, 1.02))
    ax.legend(fontsize=7)
    ax = axes[1][0]
    bins = np.arange(10) / 10 + 0.05
    for k, m in enumerate(("model", "stacked")):
        ax.bar(bins + (k - 0.5) * 0.04, result.pit_histogram(m), width=0.04,
               color=colours[m], label=m)
    ax.axhline(0.1, color="0.4", lw=0.8, ls=":")
    ax.set(title="PIT histogram (flat = calibrated)", xlabel="PIT", ylabel="share")
    ax.legend(fontsize=7)
    ax = axes[1][1]
    for k, m in enumerate(("model", "mean3", "trend")):
        per = result.directional(m)["per_origin"]
        xs = np.array([int(o) for o in per], dtype=float)
        ax.bar(xs + (k - 1) * 0.25, [v["rank_correlation"] for v in per.values()], width=0.25,
               color=colours[m], label=m)
    ax.axhline(0.0, color="0.4", lw=0.8)
    ax.set(title="rank correlation of forecast and observed change", xlabel="origin")
    ax.legend(fontsize=7)
    # lazy: keeps start-up fast (loads matplotlib)
    from matplotlib.ticker import MaxNLocator

    for a in axes.ravel():
        a.grid(alpha=0.25, lw=0.5)
    for a in (axes[0][0], axes[0][1], axes[1][1]):
        a.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle("back-test scores, origins " + ", ".join(str(o) for o in result.origins),
                 fontsize=10)
    fig.tight_layout()
    out = Path(path)
    try:
        fig.savefig(out, dpi=100)
    except OSError as exc:
        raise InputError(f"cannot write the PNG ({exc.strerror or exc})", file=str(out),
                         field="--png", fix="choose a writable path") from None
    finally:
        plt.close(fig)
    return out
