"""Fit the anchored target's strength on rolling-origin forecasts of the training years.

The strength of the anchor (:data:`multipolar.model.anchor.ANCHOR`: how far each state's
alignment target is moved from the model's formula to its observed state at the forecast
origin) is chosen by the model's own forecasts inside the years up to ``until``:

1. origins: the ``window`` years before ``until`` (:func:`multipolar.calibrate.history.
   training_origins`), each a model that knows nothing after it (scenario loaded blind, the
   starting state from the panel at or before the origin, exogenous drivers cut there),
   forecast as the forecast pipeline forecasts (:func:`multipolar.forecast.assimilate.
   origin_ensemble`): with ``assimilation`` (the default, as ``multipolar forecast`` and the
   back-tests) the members' parameters are resampled on the years before the origin and the
   origin state carries the observation error, so the weights fitted on these forecasts are
   fitted on the forecast they are applied to;
2. the gap between each state's origin state and the formula's target is measured once per
   origin (:func:`multipolar.model.anchor.target_gap`), and each strength of the declared
   search range (:func:`multipolar.model.anchor.anchor_grid`) shifts the target by that share;
3. score: MAE of the ensemble median against the panel over every origin, horizon
   ``1..horizon`` (never past ``until``) and simulated state, with common random numbers;
   the strength with the lowest MAE wins (ties to the weaker anchor). Persistence's MAE on the
   same state-years is reported beside it;
4. the same training forecasts are kept as stacking records (:class:`multipolar.forecast.
   stacking.StackRecords`: origin, horizon, median, persistence, outcome) for every strength,
   on the relative scale and, where the model has Russia's and the US's standing, on the data's
   scale (ideal points, Russia and the US included): :meth:`AnchorFit.stack_weights` fits the
   stacking weights of the world's forecast on them, so the world needs no second training
   loop.

Nothing after ``until`` is read: the panel is cut at ``until`` before anything else. The
scenario's parameters are its declared ones unless ``overrides`` (a calibration) are given.
Depends on NumPy, :mod:`multipolar.forecast.origin`, :mod:`multipolar.forecast.assimilate`
and :mod:`multipolar.model.anchor`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from multipolar.core.errors import InputError
from multipolar.core.specs import CALIBRATION_MEMBERS
from multipolar.forecast.assimilate import assimilate, origin_ensemble
from multipolar.forecast.conditional import load_with_events
from multipolar.forecast.origin import ForecastSettings, Panel, prepare_model
from multipolar.forecast.stacking import StackRecords
from multipolar.model.anchor import ANCHOR, anchor_grid, target_gap

ANCHOR_FIT_WINDOW = 10
"""Training origins of an anchor fit: the years before ``until`` (as the forecast calibration)."""
ANCHOR_FIT_HORIZON = 5
"""Longest horizon (years) scored by an anchor fit (as the world back-test)."""
STACK_BY_ORIGIN = True
"""The stacking guard's unit for the world: an origin (its ~190 states move together), not a
state-year (:meth:`multipolar.forecast.stacking.StackRecords.weights`)."""
ANCHOR_FIT_MEMBERS = 16
"""Default members of each training forecast of an anchor fit (common random numbers)."""


@dataclass
class AnchorFit:
    """The fitted strength, the MAE of every strength tried and persistence's MAE."""

    value: float
    until: int
    origins: list[int]
    mae: dict[float, float]
    persistence: float
    n: int
    by_origin: dict[int, dict[float, float]] = field(default_factory=dict)
    records: dict[float, StackRecords] = field(default_factory=dict)
    ideal_records: dict[float, StackRecords] = field(default_factory=dict)

    def stack_weights(self, horizons: list[int], strength: float | None = None,
                      scale: str = "relative") -> dict[int, float]:
        """Stacking weights per horizon fitted on the training forecasts at ``strength``.

        ``strength`` defaults to the fitted one; ``scale`` is ``relative`` or ``ideal_point``
        (the data's scale; empty where the model has no standing). Only outcomes up to
        ``until`` are in the records; the guard of :meth:`StackRecords.weights` applies, its
        standard error counted over origins (:data:`STACK_BY_ORIGIN`).
        """
        a = self.value if strength is None else strength
        recs = (self.records if scale == "relative" else self.ideal_records).get(a)
        if recs is None or not recs.origin:
            return {h: 0.0 for h in horizons}
        return recs.weights(self.until, horizons, by_origin=STACK_BY_ORIGIN)

    @property
    def at_bound(self) -> str | None:
        """``lower``/``upper`` when the fit ended at an end of the declared search range."""
        lo, hi = ANCHOR.search["forecast"]
        return "lower" if self.value <= lo else "upper" if self.value >= hi else None

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON and calibration files."""
        return {"anchor": self.value, "until": self.until, "origins": self.origins,
                "mae": {f"{k:g}": round(v, 5) for k, v in self.mae.items()},
                "persistence_mae": round(self.persistence, 5), "state_years": self.n,
                "at_bound": self.at_bound,
                "search": list(ANCHOR.search["forecast"])}


def fit_anchor(scenario: str | Path, panel: Panel, until: int, *,
               overrides: dict[str, Any] | None = None, origins: list[int] | None = None,
               horizon: int = ANCHOR_FIT_HORIZON, members: int = ANCHOR_FIT_MEMBERS,
               seed: int = 2013, sets: list[str] | dict[str, Any] | None = None,
               perspective: str | None = None, hypothesis: str | None = None,
               progress: Callable[[str], None] | None = None,
               strengths: list[float] | None = None,
               ideal: dict[str, dict[int, float]] | None = None,
               assimilation: bool = True,
               calib_members: int = CALIBRATION_MEMBERS,
               calibration: Callable[[int], dict[str, Any]] | None = None) -> AnchorFit:
    """The anchor strength that best forecasts the training years up to ``until`` (module doc).

    ``strengths`` (default: the declared grid, :func:`multipolar.model.anchor.anchor_grid`)
    are the strengths tried: one strength gives that strength's training forecasts (for the
    stacking records) without a choice. ``ideal`` (observed ideal points by state and year;
    default: the bundled global table's, read only up to ``until``) scores the data's scale.
    ``assimilation`` and ``calib_members`` are the forecast's own (``forecast --no-assimilate``,
    :class:`multipolar.core.specs.ForecastSpec`): each training forecast is the forecast
    pipeline's from its origin, assimilated as the forecast the weights are applied to.
    ``calibration`` (origin -> overrides fitted on the years up to that origin) gives each
    training forecast its own calibration, as an honest forecast from that origin would have:
    out of sample. Without it every training forecast takes ``overrides``, fitted on the
    years they are scored on (in sample: the model's skill looks better than it is).
    """
    from multipolar.calibrate.history import training_origins

    train = panel.truncated(until)
    if ideal is None:
        from multipolar.forecast.origin import ideal_panel

        ideal = ideal_panel()
    ideal = {a: {y: v for y, v in s.items() if y <= until} for a, s in ideal.items()}
    first = min(y for s in train.alignment.values() for y in s)
    if origins is None:
        origins = training_origins(first, until, ANCHOR_FIT_WINDOW)
    origins = [o for o in origins if o < until]
    if not origins:
        raise InputError(f"no training origin before {until} to fit the anchor on",
                         field="--until", fix="fit on a later year")
    grid = anchor_grid() if strengths is None else sorted(float(a) for a in strengths)
    records = {a: StackRecords() for a in grid}
    ideal_records = {a: StackRecords() for a in grid}
    errs: dict[float, list[float]] = {a: [] for a in grid}
    pers: list[float] = []
    by_origin: dict[int, dict[float, float]] = {}
    settings = ForecastSettings(anchor=0.0, exogenous="blind")
    for o in origins:
        # the forecast from o as the pipeline makes it (forecast.pipeline.forecast_ensemble):
        # the same loading, model, anchor gap and assimilation, for every strength at once
        own = overrides if calibration is None else calibration(o)
        loaded = load_with_events(scenario, o, own, [], sets=sets,
                                  perspective=perspective, hypothesis=hypothesis)
        model = prepare_model(loaded, o, min(o + horizon, until), train, settings, seed,
                              calib_members)
        gap = target_gap(model, seed, calib_members)
        assim = assimilate(loaded, train, o, members, seed, settings) if assimilation else None
        cols = np.flatnonzero(model.neighbours)
        obs = np.array([[train.value(model.actors[j], int(y)) for j in cols]
                        for y in model.years[1:]])
        last = np.array([train.value(model.actors[j], o) for j in cols])
        ok = np.isfinite(obs) & np.isfinite(last)[None, :]
        hs = np.asarray(model.years[1:], dtype=int) - o
        pers.extend(np.abs(obs - last[None, :])[ok].tolist())
        by_origin[o] = {}
        for a in grid:
            m = model if a == 0.0 else \
                dataclasses.replace(model, static={**model.static, "alignment_offset": a * gap})
            ens = origin_ensemble(m, seed, members, assim)
            med = np.median(ens.alignment[:, 1:][:, :, cols], axis=0)
            e = np.abs(med - obs)[ok]
            errs[a].extend(e.tolist())
            _add(records[a], o, hs, med, last, obs)
            _add_ideal(ideal_records[a], ens, cols, ideal, o, hs)
            by_origin[o][a] = float(np.mean(e)) if e.size else math.nan
        if progress is not None:
            progress(f"anchor fit until {until}: origin {o} "
                     + ", ".join(f"{a:g}: {v:.4f}" for a, v in by_origin[o].items()))
    mae = {a: float(np.mean(v)) if v else math.inf for a, v in errs.items()}
    best = min(grid, key=lambda a: (round(mae[a], 9), a))
    return AnchorFit(best, until, list(origins), mae,
                     float(np.mean(pers)) if pers else math.nan, len(pers), by_origin,
                     records, ideal_records)


def _add(records: StackRecords, origin: int, hs: np.ndarray, med: np.ndarray,
         last: np.ndarray, obs: np.ndarray) -> None:
    """Every state-year of one training forecast (``med``, ``obs``: ``(T, S)``) as records."""
    for t, h in enumerate(hs):
        for j in range(last.size):
            records.add(origin, int(h), med[t, j], last[j], obs[t, j])


def _add_ideal(records: StackRecords, ens: Any, cols: np.ndarray,
               ideal: dict[str, dict[int, float]], origin: int, hs: np.ndarray) -> None:
    """The same forecast on the data's scale (every simulated state, Russia and the US)."""
    x = ens.ideal_points()
    if x is None:
        return
    idx = {a: j for j, a in enumerate(ens.actors)}
    names = [ens.actors[j] for j in cols] + [a for a in IDEAL_POLES if a in idx]
    med = np.median(x[:, 1:][:, :, [idx[a] for a in names]], axis=0)
    last = np.array([ideal.get(a, {}).get(origin, math.nan) for a in names])
    obs = np.array([[ideal.get(a, {}).get(origin + int(h), math.nan) for a in names]
                    for h in hs])
    _add(records, origin, hs, med, last, obs)


def honest_stack_weights(scenario: str | Path, panel: Panel, origin: int, anchor: float, *,
                         seed: int = 2013, sets: list[str] | dict[str, Any] | None = None,
                         perspective: str | None = None, hypothesis: str | None = None,
                         assimilation: bool = True) -> tuple[dict[int, float], AnchorFit | None]:
    """The world forecast's stacking weights from ``origin``, fitted out of sample.

    The training forecasts (:func:`fit_anchor` at strength ``anchor``, with ``assimilation``)
    of the origins before ``origin`` that a pooled fit may end in
    (:func:`multipolar.calibrate.origins.stack_origins`), each with its own pooled calibration
    through its origin, of the world back-test's size: forecasts as honest as the one the
    weights are applied to, and as the back-test fits its own. Years up to ``origin`` only.
    ``({}, None)`` where no such origin precedes ``origin``.
    """
    from multipolar.calibrate.origins import (
        WORLD_CALIB_MEMBERS,
        WORLD_MAXITER,
        calibrate_origin,
        stack_origins,
    )

    def own(o: int) -> dict[str, Any]:
        return calibrate_origin(str(scenario), o, members=WORLD_CALIB_MEMBERS,
                                maxiter=WORLD_MAXITER, seed=seed,
                                sets=list(sets) if isinstance(sets, list) else
                                [f"{k}={v}" for k, v in (sets or {}).items()] or None,
                                perspective=perspective, hypothesis=hypothesis)[0]

    origins = stack_origins(origin)
    if not origins:
        return {}, None
    fitted = fit_anchor(scenario, panel.truncated(origin), origin, seed=seed, sets=sets,
                        perspective=perspective, hypothesis=hypothesis, strengths=[anchor],
                        assimilation=assimilation, origins=origins, calibration=own)
    if not fitted.records[float(anchor)].origin:
        return {}, None
    return fitted.stack_weights(list(range(1, ANCHOR_FIT_HORIZON + 1))), fitted


IDEAL_POLES = ("RUS", "USA")
"""Russia and the US: scored on the data's scale like every other state."""


def with_anchor(text: str, scenario: str | Path, until: int, *, seed: int = 2013,
                sets: list[str] | dict[str, Any] | None = None,
                perspective: str | None = None,
                hypothesis: str | None = None) -> tuple[str, AnchorFit]:
    """A calibration file's text with the anchor fitted on its overrides through ``until``.

    The strength goes into the file's ``forecast`` section (``anchor``, read by
    ``multipolar forecast --calibration``), the fit's figures under ``anchor_fit``, and the
    stacking weights per horizon at that strength under ``stack_weights`` (the world's
    forecast is then the stacked one unless ``--raw``), fitted out of sample
    (:func:`honest_stack_weights`), not on the anchor fit's forecasts, whose parameters were
    fitted on the years they are scored on.
    """
    import yaml

    from multipolar.forecast.origin import panel_for

    doc = yaml.safe_load(text)
    fitted = fit_anchor(scenario, panel_for(scenario), until,
                        overrides=dict(doc.get("overrides") or {}), seed=seed, sets=sets,
                        perspective=perspective, hypothesis=hypothesis)
    fc = dict(doc.get("forecast") or {})
    fc["anchor"] = fitted.value
    fc["anchor_fit"] = fitted.to_dict()
    # the stacking weights at the chosen strength, on out-of-sample training forecasts
    weights, _ = honest_stack_weights(scenario, panel_for(scenario), until, fitted.value,
                                      seed=seed, sets=sets, perspective=perspective,
                                      hypothesis=hypothesis)
    fc["stack_weights"] = {h: float(w) for h, w in weights.items()}
    doc["forecast"] = fc
    return yaml.safe_dump(doc, sort_keys=False, width=100), fitted
