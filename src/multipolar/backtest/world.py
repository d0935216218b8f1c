"""Back-tests of the world model: every UN member, rolling origins, by seed-002 group.

``multipolar backtest russia-world`` runs, for each origin ``Y`` (2005-2018 by default):

1. **the pooled calibration through ``Y``** (:func:`multipolar.calibrate.pooled.calibrate_pooled`:
   the scenario loaded blind after ``Y``, its UN members of ``Y``, the search starting from the
   mechanisms' declared defaults), small by default (:data:`WORLD_CALIB_MEMBERS` members,
   :data:`WORLD_MAXITER` evaluations) so that fourteen origins stay affordable;
2. **a forecast of ``Y+1 .. Y+h``** by the forecast pipeline (:func:`multipolar.forecast.
   pipeline.forecast_ensemble`): every state starts from its observed alignment of ``Y`` and the
   members' parameters are resampled on the five observed years before ``Y``, as for the
   neighbourhood; exogenous drivers are cut at ``Y``. ``anchor`` shifts each state's target
   that share of the way to its observed state at ``Y``; by default (None) it is fitted at
   each origin on the forecasts of the ten origins before ``Y``, scored on years up to ``Y``
   with that origin's calibration (:func:`multipolar.calibrate.anchor.fit_anchor`);
3. **the baselines** of :mod:`multipolar.backtest.baselines` (persistence, mean of the last
   three years, linear trend), their intervals from their own errors over the ten origins
   before ``Y`` (years up to ``Y`` only);
4. **the stacked forecast** (:mod:`multipolar.forecast.stacking`): persistence moved a share
   ``w_h`` of the way to the model's median, per horizon ``h``, on both scales. The weights are
   fitted on the back-test's own forecasts from the origins before ``Y`` (:data:`STACK_WINDOW`
   of them, from the first year a pooled fit may end in), each made exactly as ``Y``'s is (its
   own calibration through its origin, its own anchor, the same members and assimilation)
   and scored on years up to ``Y``: out-of-sample forecasts, as the one they are applied to.
   The anchor fit's training forecasts (the ten origins before ``Y`` with ``Y``'s calibration,
   fitted on the years they are scored on) would overstate the model's skill. Guarded (a gain
   within one standard error of the origins' mean gains gives 0); intervals from
   persistence's errors over the ten origins before ``Y`` (the world has no list of regime
   shifts: every error counts as calm). Given dated events the weights act on the model's
   median without them and the events' effect is kept in full, and the interval widens after
   a dated use of force by a factor learned from the record's uses of force up to ``Y``
   (:func:`multipolar.forecast.stacking.event_spread`);
5. **scores** on the observed years after ``Y`` (to 2019): MAE of the median, its gain over
   persistence, 90% coverage and CRPS, pooled, by horizon, by group and per origin, on both
   scales: the relative one (0 Russia, 1 the US) and the data's own (Voeten's ideal points,
   ``ideal_point``), where Russia and the US are scored like every other state.

The event-conditional cases history holds (:data:`CONDITIONAL_CASES`: origin 2007 given the
use of force against Georgia in 2008, origin 2013 given the one against Ukraine in 2014) are
forecast with and without the event from the same calibration, where their origin is among
the back-test's origins.

Nothing after ``Y`` reaches a forecast from ``Y``: the calibration, the scenario, the panel
the forecast starts from and the baselines' errors are all cut at ``Y``; the later years are
read only to score (tested by altering them). Depends on NumPy, :mod:`multipolar.forecast.pipeline`
and :mod:`multipolar.calibrate.pooled`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from multipolar.backtest.baselines import BASELINES, baseline_forecast, training_errors
from multipolar.backtest.scoring import crps_ensemble
from multipolar.calibrate.anchor import STACK_BY_ORIGIN
from multipolar.calibrate.origins import (
    STACK_WINDOW,
    WORLD_CALIB_MEMBERS,
    WORLD_MAXITER,
    calibrate_origin,
    stack_origins,
)
from multipolar.core.errors import InputError
from multipolar.forecast.origin import ForecastSettings, Panel, ideal_panel
from multipolar.forecast.stacking import StackRecords

WORLD_ORIGINS = tuple(range(2005, 2019))
"""Default origins: every year a pooled fit may end in (from 2005) whose next year is observed."""
WORLD_HORIZON = 5
"""Default years forecast and scored after each origin (fewer where the data end, in 2019)."""
WORLD_MEMBERS = 100
"""Default forecast members of a world back-test."""
BASELINE_WINDOW = 10
"""Origins before the forecast origin whose baseline errors make the baselines' intervals."""
CONDITIONAL_CASES: tuple[tuple[int, str], ...] = (
    (2007, "use_of_force:GEO@2008"), (2013, "use_of_force:UKR@2014"))
"""Uses of force the record holds, with the origin just before them."""
METHODS = ("model", "stacked", *BASELINES)
"""Methods scored, in the order the tables show them (``stacked``: model and persistence)."""
BASELINE_MEMBERS = 1000
"""Members each baseline's error ensemble is resampled to (evenly spaced quantiles)."""


def group_labels(scenario: str | Path) -> dict[str, str]:
    """``{actor: group label}`` of a scenario's actors (its actor set's groups; '' where none)."""
    from multipolar.scenario import load_scenario
    from multipolar.scenario.tables import actor_group_labels

    ld = load_scenario(scenario)
    return actor_group_labels(ld.scenario.actors, ld.raw.get("actor_sets"))


@dataclass
class WorldForecast:
    """One origin's forecast of every state and the baselines', with the outcomes."""

    origin: int
    event: str | None
    years: np.ndarray  # (T,) test years
    states: list[str]
    groups: list[str]
    observed: np.ndarray  # (T, S), NaN where unobserved
    last: np.ndarray  # (S,) observed at the origin
    quantiles: dict[str, np.ndarray]  # method -> (3, T, S): p05, median, p95
    crps: dict[str, np.ndarray]  # method -> (T, S)
    ideal: WorldForecast | None = None  # the same on the data's scale (Russia, US included)
    event_spread: dict[str, Any] | None = None  # the stacked interval's widening for events
    median0: np.ndarray | None = None  # (T, S) the model's median without dated events

    def stack_records(self, until: int, records: StackRecords) -> None:
        """Add this forecast's state-years with outcomes up to ``until`` to ``records``.

        The model's median is the one the stacking weights act on (without dated events),
        persistence the observation at the origin; unobserved outcomes are NaN (skipped).
        """
        med = self.quantiles["model"][1] if self.median0 is None else self.median0
        for t, y in enumerate(self.years):
            if y > until:
                break
            for j in range(len(self.states)):
                records.add(self.origin, int(y) - self.origin, med[t, j], self.last[j],
                            self.observed[t, j])

    def mask(self, horizon: int | None = None, group: str | None = None) -> np.ndarray:
        """Boolean ``(T, S)`` of the scored outcomes for ``horizon`` and ``group``."""
        m = np.isfinite(self.observed) & np.isfinite(self.last)[None, :]
        if horizon is not None:
            m &= ((self.years - self.origin) == horizon)[:, None]
        if group is not None:
            m &= np.array([g == group for g in self.groups])[None, :]
        return m


def score(forecasts: list[WorldForecast], horizon: int | None = None,
          group: str | None = None) -> dict[str, dict[str, float]]:
    """Per method: ``mae``, ``gain`` (1 - MAE / persistence's), ``coverage90``, ``crps``, ``n``."""
    out: dict[str, dict[str, float]] = {}
    for meth in METHODS:
        err, inside, crps = [], [], []
        for f in forecasts:
            if meth not in f.quantiles:
                continue
            m = f.mask(horizon, group)
            q = f.quantiles[meth]
            o = f.observed[m]
            err.append(np.abs(q[1][m] - o))
            inside.append((o >= q[0][m]) & (o <= q[2][m]))
            crps.append(f.crps[meth][m])
        n = int(sum(e.size for e in err))
        if n == 0:
            continue
        out[meth] = {"mae": float(np.concatenate(err).mean()),
                     "coverage90": float(np.concatenate(inside).mean()),
                     "crps": float(np.concatenate(crps).mean()), "n": n}
    base = out.get("persistence", {}).get("mae")
    for v in out.values():
        v["gain"] = 1.0 - v["mae"] / base if base else math.nan
    return out


def ideal_scores(forecasts: list[WorldForecast], horizon: int | None = None,
                 group: str | None = None) -> dict[str, dict[str, float]]:
    """:func:`score` on the data's scale (the forecasts that carry one)."""
    return score([f.ideal for f in forecasts if f.ideal is not None], horizon, group)


def mean_change(f: WorldForecast, group: str | None = None) -> dict[str, float]:
    """Mean change from the origin to the last test year: observed and forecast (median)."""
    t = f.years.size - 1
    m = f.mask(None, group)[t]
    if not m.any():
        return {"observed": math.nan, "model": math.nan, "n": 0}
    out = {"observed": float(np.mean(f.observed[t, m] - f.last[m])),
           "model": float(np.mean(f.quantiles["model"][1, t, m] - f.last[m])), "n": int(m.sum())}
    if "stacked" in f.quantiles:
        out["stacked"] = float(np.mean(f.quantiles["stacked"][1, t, m] - f.last[m]))
    return out


@dataclass
class WorldBacktest:
    """Scores of the world model and the baselines over rolling origins."""

    scenario: str
    origins: list[int]
    horizon: int
    forecasts: list[WorldForecast]
    calibration: list[dict[str, Any]]
    conditional: list[tuple[WorldForecast, WorldForecast]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)
    stacking: list[dict[str, Any]] = field(default_factory=list)

    @property
    def groups(self) -> list[str]:
        """The groups scored, in table order."""
        gs = {g for f in self.forecasts for g in f.groups}
        return sorted(gs, key=lambda g: g.removeprefix("the ").lower())

    def to_dict(self) -> dict[str, Any]:
        """Every score as plain values (``backtest russia-world --json``)."""
        hs = range(1, self.horizon + 1)
        return _clean({
            "scenario": self.scenario, "origins": self.origins, "horizon": self.horizon,
            "settings": self.settings, "events": self.events,
            "scores": score(self.forecasts),
            "by_horizon": {str(h): score(self.forecasts, horizon=h) for h in hs},
            "by_group": {g or "-": score(self.forecasts, group=g) for g in self.groups},
            "by_origin": {str(f.origin): score([f]) for f in self.forecasts},
            "ideal_point": {
                "scores": ideal_scores(self.forecasts),
                "by_horizon": {str(h): ideal_scores(self.forecasts, horizon=h) for h in hs},
                "by_group": {g or "-": ideal_scores(self.forecasts, group=g)
                             for g in [*self.groups, *POLE_GROUPS.values()]},
                "by_origin": {str(f.origin): ideal_scores([f]) for f in self.forecasts}},
            "conditional": [{
                "origin": w.origin, "event": w.event, "test_years": [int(w.years[0]),
                                                                     int(w.years[-1])],
                "with_event": score([w]),
                "event_spread": w.event_spread,
                "event_spread_ideal_point": None if w.ideal is None else w.ideal.event_spread,
                "without_event": {k: v for k, v in score([p]).items()
                                  if k in ("model", "stacked")},
                "change_by_group": {g or "-": {"with_event": mean_change(w, g),
                                                "without_event": mean_change(p, g)["model"]}
                                    for g in self.groups}}
                for p, w in self.conditional],
            "stacking": self.stacking,
            "calibration": self.calibration})


def _clean(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if isinstance(x, float | np.floating):
        v = float(x)
        return round(v, 6) if math.isfinite(v) else None
    if isinstance(x, np.integer):
        return int(x)
    return x


POLE_GROUPS = {"RUS": "Russia (the pole 0)", "USA": "the US (the pole 1)"}
"""Russia and the US on the data's scale: scored as groups of their own."""


def _with_baselines(series: dict[str, dict[int, float]], states: list[str], origin: int,
                    years: np.ndarray, observed: np.ndarray, quantiles: dict[str, np.ndarray],
                    crps: dict[str, np.ndarray]) -> None:
    """Add each baseline's quantiles and CRPS (their spread from their errors before origin)."""
    hs = years - origin
    window = list(range(origin - BASELINE_WINDOW, origin))
    for name in BASELINES:
        errors = training_errors(name, series, window, origin, int(hs.max()))
        # the baselines' error ensembles are pooled over states: one for all, plus each point
        spread = baseline_forecast(name, {origin: 0.0}, origin, hs, errors)
        spread = np.quantile(spread, (np.arange(BASELINE_MEMBERS) + 0.5) / BASELINE_MEMBERS,
                             axis=0)
        point = np.array([BASELINES[name](series[a], origin, hs) for a in states]).T  # (T, S)
        samples = point[None] + spread[:, :, None]
        quantiles[name] = np.percentile(samples, [5, 50, 95], axis=0)
        crps[name] = crps_ensemble(samples, np.nan_to_num(observed))


def _with_stacked(series: dict[str, dict[int, float]], origin: int, years: np.ndarray,
                  x: np.ndarray, x0: np.ndarray | None, last: np.ndarray,
                  observed: np.ndarray, weights: dict[int, float],
                  quantiles: dict[str, np.ndarray], crps: dict[str, np.ndarray],
                  event_years: list[int] | None = None,
                  force_history: list[int] | None = None) -> dict[str, Any] | None:
    """Add the stacked forecast: ``p + w_h (m0 - p) + (m - m0)`` and persistence's errors.

    ``x`` is the model's ensemble ``(n, T, S)``, ``x0`` the same without the dated events
    (None: there are none, and ``m0`` is ``x``'s median); ``series`` are read up to ``origin``.
    Given events, the interval widens where a use of force of ``event_years`` reaches it, by
    the factor learned from the record's uses of force ``force_history`` (up to ``origin``)
    and the members' spread of the effect (:func:`multipolar.forecast.stacking.event_scale`);
    that factor is returned (None without events).
    """
    from multipolar.forecast.stacking import (
        effect_width,
        error_model,
        event_scale,
        event_shift,
        event_spread,
        stacked_samples,
    )

    hs = years - origin
    errors = error_model(series, origin, int(min(hs.max(), 10)))
    base = x if x0 is None else x0
    med0 = np.median(base, axis=0)
    shift = None if x0 is None else event_shift(x, x0)
    scale, spread = None, None
    if x0 is not None:
        spread = event_spread(series, origin, force_history or [])
        scale = event_scale(errors, spread, hs, origin, event_years or [], x.shape[2],
                            BASELINE_MEMBERS, effect_width(x, x0))
    point = np.where(np.isfinite(last), last, med0[0])
    # the error mixture as evenly spaced quantiles, as many as the baselines' (no draws)
    st = stacked_samples(med0, point, hs, weights, errors, BASELINE_MEMBERS, shift, scale)
    quantiles["stacked"] = np.percentile(st, [5, 50, 95], axis=0)
    crps["stacked"] = crps_ensemble(st, np.nan_to_num(observed))
    return None if spread is None else spread.to_dict()


def _ideal_forecast(ens: Any, cols: list[int], states: list[str], groups: list[str],
                    ideal: dict[str, dict[int, float]], origin: int, years: np.ndarray,
                    event: str | None, quiet: Any = None,
                    weights: dict[int, float] | None = None,
                    force: tuple[list[int], list[int]] | None = None) -> WorldForecast | None:
    """The forecast on the data's scale: every simulated state, Russia and the US.

    ``force``: the future uses of force and the record's ones up to ``origin`` (for the
    widened interval of the stacked forecast, :func:`_with_stacked`).
    """
    x_all = ens.ideal_points()
    if x_all is None:
        return None
    idx = {a: j for j, a in enumerate(ens.actors)}
    poles = [a for a in POLE_GROUPS if a in idx]
    names = [*states, *poles]
    pick = [*cols, *(idx[a] for a in poles)]
    x = x_all[:, 1:][:, :, pick]
    train = {a: {y: v for y, v in ideal.get(a, {}).items() if y <= origin} for a in names}
    observed = np.array([[ideal.get(a, {}).get(int(y), math.nan) for a in names]
                         for y in years])
    last = np.array([train[a].get(origin, math.nan) for a in names])
    quantiles = {"model": np.percentile(x, [5, 50, 95], axis=0)}
    crps = {"model": crps_ensemble(x, np.nan_to_num(observed))}
    _with_baselines(train, names, origin, years, observed, quantiles, crps)
    if weights is not None:
        x0_all = None if quiet is None else quiet.ideal_points()
        x0 = None if x0_all is None else x0_all[:, 1:][:, :, pick]
        spread = _with_stacked(train, origin, years, x, x0, last, observed, weights, quantiles,
                               crps, *(force or ([], [])))
    else:
        spread = None
    med0 = None
    if quiet is not None and (q_all := quiet.ideal_points()) is not None:
        med0 = np.median(q_all[:, 1:][:, :, pick], axis=0)
    return WorldForecast(origin, event, years, names, [*groups, *(POLE_GROUPS[a] for a in poles)],
                         observed, last, quantiles, crps, event_spread=spread, median0=med0)


def forecast_origin(scenario: str, panel: Panel, origin: int, test_until: int,
                    overrides: dict[str, Any], groups: dict[str, str], *, members: int,
                    seed: int, sets: list[str] | None = None, events: list[str] | None = None,
                    assimilation: bool = True, anchor: float = 0.0,
                    perspective: str | None = None, hypothesis: str | None = None,
                    ideal: dict[str, dict[int, float]] | None = None,
                    weights: tuple[dict[int, float], dict[int, float]] | None = None
                    ) -> WorldForecast:
    """The model's and the baselines' forecasts of every state from ``origin`` (module doc).

    ``panel`` may hold later years: the forecast and the baselines see only its years up to
    ``origin``; the later ones are the outcomes scored. ``ideal`` (observed ideal points by
    state and year, :func:`ideal_panel`) adds the forecast on the data's scale, read the same
    way (years up to ``origin`` for the baselines, later ones only to score). ``weights``
    (stacking weights per horizon on the relative scale and on the data's) add the stacked
    forecast; with ``events`` its weights act on the model without them (same seed and
    members) and the events' effect is added in full.
    """
    from multipolar.forecast.conditional import parse_event
    from multipolar.forecast.pipeline import forecast_ensemble

    train = panel.truncated(origin)
    common: dict[str, Any] = {
        "overrides": overrides, "settings": ForecastSettings(anchor=anchor, exogenous="blind"),
        "seed": seed, "members": members, "sets": sets, "assimilation": assimilation,
        "perspective": perspective, "hypothesis": hypothesis}
    parsed = [parse_event(e) for e in events or []]
    ens, nb, info = forecast_ensemble(scenario, train, origin, test_until, events=parsed,
                                      **common)
    force = ([e.year for e in parsed if e.kind == "use_of_force"], info.force_history)
    quiet = None
    if weights is not None and events:
        quiet, _, _ = forecast_ensemble(scenario, train, origin, test_until, events=[],
                                        **common)
    cols = [j for j, a in enumerate(ens.actors) if nb[j]]
    states = [ens.actors[j] for j in cols]
    years = np.asarray(ens.years[1:], dtype=int)
    observed = np.array([[panel.value(a, int(y)) for a in states] for y in years])
    last = np.array([train.value(a, origin) for a in states])
    x = ens.alignment[:, 1:][:, :, cols]
    quantiles = {"model": np.percentile(x, [5, 50, 95], axis=0)}
    crps = {"model": crps_ensemble(x, np.nan_to_num(observed))}
    series = {a: train.alignment.get(a, {}) for a in states}
    _with_baselines(series, states, origin, years, observed, quantiles, crps)
    x0 = None if quiet is None else quiet.alignment[:, 1:][:, :, cols]
    spread = None
    if weights is not None:
        spread = _with_stacked(series, origin, years, x, x0, last, observed, weights[0],
                               quantiles, crps, *force)
    event = ", ".join(events) if events else None
    labels = [groups.get(a, "") for a in states]
    on_data = None if ideal is None else \
        _ideal_forecast(ens, cols, states, labels, ideal, origin, years, event, quiet,
                        None if weights is None else weights[1], force)
    return WorldForecast(origin, event, years, states, labels, observed, last, quantiles, crps,
                         on_data, spread, None if x0 is None else np.median(x0, axis=0))


def world_backtest(scenario: str, panel: Panel, origins: list[int], horizon: int = WORLD_HORIZON,
                   *, members: int = WORLD_MEMBERS, calib_members: int = WORLD_CALIB_MEMBERS,
                   maxiter: int = WORLD_MAXITER, seed: int = 2013, sets: list[str] | None = None,
                   events: list[str] | None = None, conditional: bool = True,
                   assimilation: bool = True, anchor: float | None = None,
                   perspective: str | None = None, hypothesis: str | None = None,
                   free: tuple[str, ...] | None = None,
                   progress: Callable[[str], None] | None = None,
                   ideal: dict[str, dict[int, float]] | None = None,
                   stacking: bool = True, stack_window: int = STACK_WINDOW) -> WorldBacktest:
    """Rolling origins over every state, and the conditional cases (module doc).

    ``perspective`` and ``hypothesis`` apply to every calibration and forecast (a rival view,
    :mod:`multipolar.backtest.compete`); ``free`` names the parameters each origin's pooled fit
    searches (default: all the declarations give a pooled range, under ``hypothesis``).
    ``ideal`` (observed ideal points by state and year) defaults to the bundled table's.
    ``stacking`` adds the stacked forecast, its weights fitted at each origin ``Y`` on the
    forecasts of the ``stack_window`` origins before it (:func:`stack_origins`), each made as
    ``Y``'s is (its own calibration through its origin, its own anchor, the same members and
    assimilation) and scored on years up to ``Y``: out of sample, as the forecast they are
    applied to. Origins before ``origins[0]`` among them are forecast for that alone.
    """
    from multipolar.calibrate.pooled import FIRST_UNTIL

    last = panel.last_year()
    for o in origins:
        if not FIRST_UNTIL <= o < last:
            raise InputError(f"origin {o} is outside {FIRST_UNTIL}-{last - 1}", field="--origins",
                             fix=f"choose origins from {FIRST_UNTIL} (the first year a pooled "
                                 f"fit may end in) to {last - 1} (the data end in {last})")
    if anchor is not None and not 0.0 <= anchor <= 1.0:
        raise InputError(f"--anchor {anchor} is outside 0-1", field="--anchor",
                         fix="0: the model's own targets; 1: each state's target put at its "
                             "observed state at the origin")
    if horizon < 1 or members < 1 or calib_members < 1 or maxiter < 1:
        raise InputError("--horizon, --members, --calib-members and --maxiter must be at "
                         "least 1", field="--horizon", fix="pass e.g. --horizon 5")
    groups = group_labels(scenario)
    cases = dict(CONDITIONAL_CASES) if conditional and not events else {}
    fits: dict[int, tuple[dict[str, Any], dict[str, Any]]] = {}

    def fit(o: int) -> dict[str, Any]:
        if o not in fits:
            t0 = time.perf_counter()
            fits[o] = calibrate_origin(scenario, o, members=calib_members, maxiter=maxiter,
                                       seed=seed, sets=sets, perspective=perspective,
                                       hypothesis=hypothesis, free=free)
            if progress is not None:
                progress(f"origin {o}: calibrated in {time.perf_counter() - t0:.1f} s")
        return fits[o][0]

    anchors: dict[int, float] = {}
    anchor_fits: dict[int, Any] = {}
    ideal = ideal_panel() if ideal is None else ideal

    def anchor_fit(o: int) -> Any:
        # the anchor's training forecasts (ten origins before o, years up to o): they choose
        # the strength (unless fixed)
        if o not in anchor_fits:
            from multipolar.calibrate.anchor import fit_anchor

            t0 = time.perf_counter()
            anchor_fits[o] = fit_anchor(
                scenario, panel.truncated(o), o, overrides=fit(o), seed=seed, sets=sets,
                perspective=perspective, hypothesis=hypothesis, ideal=ideal,
                assimilation=assimilation)
            fits[o][1]["anchor"] = anchor_fits[o].to_dict()
            if progress is not None:
                progress(f"origin {o}: anchor's training forecasts in "
                         f"{time.perf_counter() - t0:.1f} s")
        return anchor_fits[o]

    def anchored(o: int) -> float:
        if anchor is not None:
            return anchor
        if o not in anchors:
            anchors[o] = anchor_fit(o).value
        return anchors[o]

    stack_info: dict[int, dict[str, Any]] = {}
    kw: dict[str, Any] = {"members": members, "seed": seed, "sets": sets,
                          "assimilation": assimilation,
                          "perspective": perspective, "hypothesis": hypothesis,
                          "ideal": ideal}
    done: dict[int, WorldForecast] = {}

    def honest(o: int) -> WorldForecast:
        # the forecast from o as scored (its own calibration and anchor, nothing after o); an
        # origin forecast only to train later weights needs no weights of its own
        if o not in done:
            z = min(o + horizon, last)
            w = weights(o, z) if o in origins else (None if not stacking else ({}, {}))
            done[o] = forecast_origin(scenario, panel, o, z, fit(o), groups, events=events,
                                      anchor=anchored(o), weights=w, **kw)
        return done[o]

    def weights(o: int, z: int) -> tuple[dict[int, float], dict[int, float]] | None:
        # fitted on the forecasts of the earlier origins, made and scored as this one is
        # (out of sample: each with its own calibration through its origin), outcomes <= o
        if not stacking:
            return None
        hs = list(range(1, z - o + 1))
        recs, ideal_recs = StackRecords(), StackRecords()
        before = stack_origins(o, stack_window)
        for b in before:
            f = honest(b)
            f.stack_records(o, recs)
            if f.ideal is not None:
                f.ideal.stack_records(o, ideal_recs)
        w = (recs.weights(o, hs, by_origin=STACK_BY_ORIGIN),
             ideal_recs.weights(o, hs, by_origin=STACK_BY_ORIGIN))
        stack_info[o] = {"origin": o, "anchor": anchored(o), "trained_on_origins": before,
                         "weights": {str(h): v for h, v in w[0].items()},
                         "ideal_point_weights": {str(h): v for h, v in w[1].items()}}
        return w

    forecasts = [honest(o) for o in origins]
    pairs = []
    for o, ev in cases.items():
        if o not in origins:
            continue
        z = min(o + horizon, last)
        pairs.append((honest(o), forecast_origin(scenario, panel, o, z, fit(o), groups,
                                                 events=[ev], anchor=anchored(o),
                                                 weights=weights(o, z), **kw)))
    settings = {"members": members, "calib_members": calib_members, "maxiter": maxiter,
                "seed": seed, "assimilation": assimilation,
                "anchor": "fitted per origin" if anchor is None else anchor,
                "anchors": {str(o): a for o, a in sorted(anchors.items())},
                "baseline_window": BASELINE_WINDOW,
                "exogenous": "blind", "stacking": stacking}
    return WorldBacktest(scenario, list(origins), horizon, forecasts,
                         [fits[o][1] for o in sorted(fits) if o in origins], pairs, settings,
                         list(events or []), [stack_info[o] for o in sorted(stack_info)
                                              if o in origins])
