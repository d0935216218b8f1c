"""A forecast never worse than persistence in expectation: stacking, and intervals with shocks.

Stacking
    For horizon ``h`` the stacked point forecast is ``p + w_h * (m - p)``: persistence ``p``
    (the last observation at the origin) moved a share ``w_h`` in [0, 1] of the way to the
    model's median ``m``. ``w_h`` minimises the mean absolute error over earlier forecasts
    whose outcome is already known at the origin (``origin + h <= until``), so a back-test
    never fits the weight on its own test years. Only the latest :data:`STACK_RECENT` origins
    count, and a weight whose gain over persistence is within one standard error is set to 0
    (:func:`guarded_weight`); with fewer than ``min_n`` forecasts the weight is 0 too: the
    model has to earn its weight. Ties go to the smaller weight.

Intervals with regime shifts
    Revolutions and wars (:data:`REGIME_SHIFTS`, dated from the historical record) move a
    position far more than ordinary years. The interval of the stacked forecast at horizon
    ``h`` mixes two error distributions, both measured on persistence in the training years
    only: *calm* errors (forecasts that crossed no shift; the recent ``window`` origins) and
    *shock* errors (forecasts that crossed one; all training origins). The shock share is
    ``1 - (1 - rate)^h``, ``rate`` being the yearly frequency of shifts per neighbour in the
    training years. The mixture is represented by quantiles, so it needs no random draws.

Dated future events
    Stacking with a small weight would discard what a dated event (``--event
    use_of_force:UKR@2022``) does to the model. With events the stacked point is
    ``p + w_h (m0 - p) + (m_event - m0)``: the weight acts on the model's median *without* the
    future events ``m0`` (what the weights were fitted on), and the events' effect, the
    difference of the medians with and without them from the same seed and members, is kept in
    full (its size was fitted on the record's uses of force by the pooled calibration).

Wider intervals after a dated use of force
    A dated future use of force widens the stacked interval at the horizons it reaches, by a
    factor learned from the record up to the origin only (:func:`event_spread`): every
    persistence error of a training forecast that crossed one of the record's uses of force
    (the scenario's history, e.g. 2008 and 2014, up to the origin), divided by the mean
    absolute calm error at its horizon (forecasts of the recent ``window`` origins that
    crossed none), averaged by the years the forecast ran after the use of force (pooled where
    fewer than :data:`EVENT_SPREAD_MIN_N`). A ratio below 1 leaves the interval as it is (an
    event never narrows it). Every state is widened: the use-of-force mechanism reaches every
    state (the target turns away, every other state answers). With no use of force in the
    record up to the origin (origins before 2008) the factor is 1 and the JSON says so. The
    members' spread of the modelled effect (``m_event - m0`` per member, same seed and
    members) is added in quadrature where it is available (:func:`event_scale`).

Depends on NumPy only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Series = dict[int, float]

REGIME_SHIFTS: dict[str, tuple[tuple[int, str], ...]] = {
    "Georgia": ((1993, "civil war and the war in Abkhazia"), (2003, "Rose Revolution"),
                (2008, "war with Russia")),
    "Ukraine": ((2004, "Orange Revolution"),
                (2014, "Euromaidan, annexation of Crimea, war in the Donbas")),
    "Kyrgyzstan": ((2005, "Tulip Revolution"), (2010, "April revolution")),
    "Moldova": ((1992, "war in Transnistria"), (2009, "April protests, change of government")),
    "Armenia": ((1992, "war over Nagorno-Karabakh"), (2018, "Velvet Revolution")),
    "Azerbaijan": ((1992, "war over Nagorno-Karabakh"), (1993, "coup, change of leader"),
                   (2016, "April war in Nagorno-Karabakh")),
    "Tajikistan": ((1992, "civil war"),),
}
"""Revolutions and wars in the fourteen neighbours, by the year they moved the state."""


def shifts_between(country: str, lo: int, hi: int) -> list[int]:
    """Years ``s`` with ``lo < s <= hi`` in which ``country`` had a regime shift."""
    return [y for y, _ in REGIME_SHIFTS.get(country, ()) if lo < y <= hi]


def shift_rate(countries: list[str], first: int, until: int) -> float:
    """Yearly frequency of regime shifts per country over the years ``first+1 .. until``."""
    years = until - first
    if years <= 0 or not countries:
        return 0.0
    n = sum(len(shifts_between(c, first, until)) for c in countries)
    return n / (years * len(countries))


def fit_weight(model: np.ndarray, pers: np.ndarray, obs: np.ndarray,
               grid: np.ndarray | None = None) -> float:
    """The ``w`` in ``grid`` (default 0, 0.05, ..., 1) minimising MAE of ``p + w (m - p)``."""
    g = np.linspace(0.0, 1.0, 21) if grid is None else grid
    m, p, o = (np.asarray(a, float) for a in (model, pers, obs))
    ok = np.isfinite(m) & np.isfinite(p) & np.isfinite(o)
    if not ok.any():
        return 0.0
    errs = [float(np.mean(np.abs(p[ok] + w * (m[ok] - p[ok]) - o[ok]))) for w in g]
    best = min(errs)
    return float(next(w for w, e in zip(g, errs, strict=True) if e <= best + 1e-12))


STACK_RECENT = 8
"""Latest origins (with known outcomes) the stacking weights are fitted on."""


def guarded_weight(model: np.ndarray, pers: np.ndarray, obs: np.ndarray,
                   clusters: np.ndarray | None = None) -> float:
    """:func:`fit_weight`, or 0 where its gain over persistence is within one standard error.

    The gain is the mean of ``|persistence error| - |stacked error|`` over the records; with
    its standard error ``sd / sqrt(n)``. A weight the training years cannot tell from noise
    would make the forecast worse than persistence about as often as better.

    ``clusters`` (one label per record, e.g. its origin) makes the unit a cluster: the gain is
    the mean of the clusters' mean gains and its standard error that of those means. The world's
    records are some 190 states per origin, which move together in a year (a common shift of
    the Assembly's votes): counted as independent, they would make any weight look significant.
    """
    w = fit_weight(model, pers, obs)
    if w == 0.0:
        return 0.0
    m, p, o = (np.asarray(a, float) for a in (model, pers, obs))
    ok = np.isfinite(m) & np.isfinite(p) & np.isfinite(o)
    d = np.abs(p[ok] - o[ok]) - np.abs(p[ok] + w * (m[ok] - p[ok]) - o[ok])
    if clusters is not None:
        c = np.asarray(clusters)[ok]
        d = np.array([d[c == k].mean() for k in np.unique(c)])
    if d.size < 2:
        return 0.0
    se = float(d.std(ddof=1) / math.sqrt(d.size))
    return w if float(d.mean()) > se else 0.0


@dataclass
class StackRecords:
    """Past forecasts: origin, horizon, model median, persistence and outcome (flat lists)."""

    origin: list[int] = field(default_factory=list)
    horizon: list[int] = field(default_factory=list)
    model: list[float] = field(default_factory=list)
    persistence: list[float] = field(default_factory=list)
    observed: list[float] = field(default_factory=list)

    def add(self, origin: int, horizon: int, model: float, pers: float, obs: float) -> None:
        """Record one forecast (any value may be NaN; such records are skipped in fits)."""
        self.origin.append(int(origin))
        self.horizon.append(int(horizon))
        self.model.append(float(model))
        self.persistence.append(float(pers))
        self.observed.append(float(obs))

    def weights(self, until: int, horizons: list[int], min_n: int = 14,
                recent: int = STACK_RECENT, by_origin: bool = False) -> dict[int, float]:
        """Per horizon, the stacking weight fitted on records whose outcome year <= ``until``.

        Only the ``recent`` latest origins with known outcomes count (the model's skill
        drifts), and a weight is kept only if it beats persistence on them by more than one
        standard error of the paired error differences (:func:`guarded_weight`); with
        ``by_origin`` the standard error is that of the origins' mean gains (the world's many
        states per origin are not independent records).
        """
        o = np.array(self.origin, dtype=int)
        h = np.array(self.horizon, dtype=int)
        m, p, y = (np.array(v, dtype=float) for v in (self.model, self.persistence,
                                                       self.observed))
        out: dict[int, float] = {}
        for hz in horizons:
            sel = (h == hz) & (o + hz <= until) & np.isfinite(m) & np.isfinite(p) \
                & np.isfinite(y)
            known = sorted(set(o[sel].tolist()))
            sel &= np.isin(o, known[-recent:]) if known else sel
            out[hz] = guarded_weight(m[sel], p[sel], y[sel], o[sel] if by_origin else None) \
                if sel.sum() >= min_n else 0.0
        return out


@dataclass
class ErrorModel:
    """Persistence errors in the training years, split into calm and shock forecasts."""

    calm: dict[int, np.ndarray]
    shock: np.ndarray
    rate: float

    def quantiles(self, h: int, members: int) -> np.ndarray:
        """``members`` error quantiles at horizon ``h`` for the calm/shock mixture."""
        pooled = np.concatenate([e for e in self.calm.values() if e.size] or [np.zeros(1)])
        avail = [k for k, e in self.calm.items() if e.size >= 10]
        if h in avail:
            calm = self.calm[h]
        elif avail and h > max(avail):  # beyond the measured horizons: random-walk growth
            calm = self.calm[max(avail)] * math.sqrt(h / max(avail))
        else:
            calm = pooled
        calm = calm - np.median(calm)
        share = 1.0 - (1.0 - self.rate) ** h if self.shock.size else 0.0
        n_shock = round(share * members)
        n_calm = members - n_shock
        parts = [np.quantile(calm, (np.arange(n_calm) + 0.5) / n_calm)]
        if n_shock:
            parts.append(np.quantile(self.shock, (np.arange(n_shock) + 0.5) / n_shock))
        q = np.sort(np.concatenate(parts))
        return q - np.median(q)  # the ensemble's median stays the stacked point

    def to_dict(self) -> dict[str, Any]:
        """Sizes and the rate, for JSON output."""
        return {"shift_rate": round(self.rate, 4), "shock_errors": int(self.shock.size),
                "calm_errors": {str(h): int(e.size) for h, e in self.calm.items()}}


ERROR_WINDOW = 10
"""Origins before ``until`` whose calm persistence errors make the interval (and the calm
errors a use of force's errors are divided by, :func:`event_spread`)."""


def error_model(series: dict[str, Series], until: int, horizon: int,
                window: int = ERROR_WINDOW) -> ErrorModel:
    """Persistence errors ``y[o+h] - y[o]`` inside the years up to ``until`` (module doc)."""
    first = min((y for s in series.values() for y in s), default=until)
    calm: dict[int, list[float]] = {h: [] for h in range(1, horizon + 1)}
    shock: list[float] = []
    recent = max(first + 1, until - window)
    for c, s in series.items():
        for o in range(first + 1, until):
            if o not in s or not math.isfinite(s[o]):
                continue
            for h in range(1, horizon + 1):
                y = o + h
                if y > until or y not in s or not math.isfinite(s[y]):
                    continue
                e = s[y] - s[o]
                if shifts_between(c, o, y):
                    shock.append(e)
                elif o >= recent:
                    calm[h].append(e)
    rate = shift_rate(list(series), first, until)
    return ErrorModel({h: np.array(v) for h, v in calm.items()}, np.array(shock), rate)


def stacked_samples(model_median: np.ndarray, last: np.ndarray, horizons: np.ndarray,
                    weights: dict[int, float], errors: ErrorModel, members: int,
                    event_shift: np.ndarray | None = None,
                    scale: np.ndarray | None = None) -> np.ndarray:
    """Ensemble ``(members, T, A)`` of the stacked forecast (module doc).

    ``model_median`` is ``(T, A)``, ``last`` the observation at the origin per actor ``(A,)``;
    where the model median is missing the stacked point is persistence. Horizons beyond the
    fitted ones take the weight of the longest fitted horizon.

    ``event_shift`` (``(T, A)``, optional) is the model's modelled effect of dated future
    events: the median with the events minus the median without them (``model_median``) from
    the same seed and members. It is added in full, whatever the weight, so the stacked point
    is ``p + w_h (m0 - p) + (m_event - m0)`` (:func:`event_shift`); without it nothing changes.
    ``scale`` (``(T, A)``, optional: :func:`event_scale`) multiplies the centred errors per
    year and actor (an interval widened for dated events); without it nothing changes.
    """
    t, a = model_median.shape
    out = np.empty((members, t, a))
    for k, h in enumerate(horizons):
        w = weights.get(int(h), weights[max(weights)] if weights else 0.0)
        m = np.where(np.isfinite(model_median[k]), model_median[k], last)
        point = last + w * (m - last)
        if event_shift is not None:
            point = point + np.where(np.isfinite(event_shift[k]), event_shift[k], 0.0)
        if scale is None:
            out[:, k, :] = point[None, :] + errors.quantiles(int(h), members)[:, None]
        else:
            out[:, k, :] = point[None, :] + errors.quantiles(int(h), members)[:, None] \
                * scale[k][None, :]
    return out


def event_shift(with_events: np.ndarray, without: np.ndarray) -> np.ndarray:
    """The events' modelled effect: median with the events minus the median without them.

    Both are ensembles ``(members, T, A)`` from the same seed and members (common random
    numbers), so the difference is the events' effect, not sampling noise.
    """
    return np.asarray(np.median(with_events, axis=0) - np.median(without, axis=0))


EVENT_SPREAD_MIN_N = 30
"""Fewest training errors a year-after-the-event factor is measured on; below, the pooled one."""
EVENT_SPREAD_HORIZON = 5
"""Horizons of the training forecasts the factor is measured on (whatever the forecast's own
length, so that a year's interval does not depend on how far the forecast runs)."""
EVENT_SPREAD_KINDS = ("use_of_force",)
"""Event kinds whose record widens the interval (the record holds dated uses of force)."""


@dataclass
class EventSpread:
    """The learned widening after a dated use of force (module doc, :func:`event_spread`).

    ``factor[k]`` multiplies the interval's errors ``k`` years into the event (the event's
    own year is ``k = 1``); ``raw`` is the measured ratio before the floor at 1, ``n`` the
    training errors it rests on (``pooled`` where a year had too few).
    """

    factor: dict[int, float]
    raw: dict[int, float]
    n: dict[int, int]
    pooled: float
    years: list[int]
    until: int
    method: str

    def at(self, exposure: int) -> float:
        """The factor ``exposure`` years into the event (1 where it is not reached)."""
        if exposure < 1:
            return 1.0
        return self.factor.get(exposure, self.factor[max(self.factor)] if self.factor else 1.0)

    def to_dict(self) -> dict[str, Any]:
        """Plain values for JSON output."""
        return {"factor": {str(k): round(v, 4) for k, v in self.factor.items()},
                "raw_ratio": {str(k): round(v, 4) for k, v in self.raw.items()},
                "errors": {str(k): v for k, v in self.n.items()},
                "pooled": round(self.pooled, 4), "learned_from": self.years,
                "until": self.until, "method": self.method}


def event_spread(series: dict[str, Series], until: int, force_years: list[int],
                 horizon: int = EVENT_SPREAD_HORIZON, window: int = ERROR_WINDOW,
                 min_n: int = EVENT_SPREAD_MIN_N) -> EventSpread:
    """The widening after a use of force, learned from persistence's errors up to ``until``.

    ``force_years`` are the record's uses of force; only those ``<= until`` count, and only
    forecasts whose outcome year is ``<= until`` are read. A training forecast from ``o`` to
    ``o + h`` that crossed a use of force ``s`` (``o < s <= o + h``) ran ``o + h - s + 1``
    years into it; its ``|error|`` divided by the mean ``|error|`` at ``h`` of the forecasts
    of the recent ``window`` origins that crossed none is one record of the ratio at that
    exposure. The factor is the mean ratio per exposure (``min_n`` records or more; the mean
    over all exposures otherwise), floored at 1. Training forecasts of horizons
    ``1 .. horizon`` count; a later year into the event takes the last factor.
    """
    years = sorted({int(y) for y in force_years if y <= until})
    ks = range(1, horizon + 1)
    if not years:
        return EventSpread({k: 1.0 for k in ks}, {}, {}, 1.0, [], until,
                           f"no use of force in the record up to {until}: the interval is not "
                           "widened by the record (factor 1)")
    first = min((y for s in series.values() for y in s), default=until)
    recent = max(first + 1, until - window)
    calm: dict[int, list[float]] = {h: [] for h in ks}
    crossed: list[tuple[int, int, float]] = []  # (horizon, exposure, |error|)
    for s in series.values():
        for o in range(first + 1, until):
            if o not in s or not math.isfinite(s[o]):
                continue
            for h in ks:
                y = o + h
                if y > until or y not in s or not math.isfinite(s[y]):
                    continue
                e = abs(s[y] - s[o])
                hit = [y - f + 1 for f in years if o < f <= y]
                if hit:
                    crossed.append((h, min(hit), e))
                elif o >= recent:
                    calm[h].append(e)
    scale = {h: float(np.mean(v)) for h, v in calm.items() if v and float(np.mean(v)) > 0}
    ratios: dict[int, list[float]] = {k: [] for k in ks}
    for h, k, e in crossed:
        if h in scale:
            ratios[k].append(e / scale[h])
    every = [r for v in ratios.values() for r in v]
    if not every:
        return EventSpread({k: 1.0 for k in ks}, {}, {}, 1.0, years, until,
                           f"no training forecast up to {until} crossed a use of force "
                           f"({', '.join(map(str, years))}): factor 1")
    pooled = float(np.mean(every))
    raw = {k: float(np.mean(v)) if len(v) >= min_n else pooled for k, v in ratios.items()}
    n = {k: len(v) if len(v) >= min_n else len(every) for k, v in ratios.items()}
    factor = {k: max(1.0, r) for k, r in raw.items()}
    return EventSpread(factor, raw, n, pooled, years, until,
                       f"interval widened after the dated use of force by the ratio of "
                       f"persistence's errors after the record's uses of force "
                       f"({', '.join(map(str, years))}) to its calm errors, learned on years "
                       f"up to {until}, by years into the event (pooled where fewer than "
                       f"{min_n} errors), at least 1, for every state")


def force_exposure(origin: int, horizons: np.ndarray, event_years: list[int]) -> np.ndarray:
    """Years into the first future use of force at each horizon (0 where none is reached)."""
    future = [y for y in event_years if y > origin]
    hs = np.asarray(horizons, dtype=int)
    if not future:
        return np.zeros(hs.size, dtype=int)
    return np.maximum(origin + hs - min(future) + 1, 0)


def event_scale(errors: ErrorModel, spread: EventSpread, horizons: np.ndarray, origin: int,
                event_years: list[int], actors: int, members: int,
                effect_width: np.ndarray | None = None) -> np.ndarray:
    """``(T, A)`` factors on the centred errors of :func:`stacked_samples` given dated events.

    At a horizon a future use of force reaches, ``spread``'s factor ``f``; with
    ``effect_width`` (``(T, A)``: the 5-95% range over members of ``m_event - m0``), the
    factor is ``sqrt(f^2 + (effect_width / error_width)^2)``, ``error_width`` being the 5-95%
    range of the interval's errors at that horizon (the two spreads added in quadrature).
    """
    exp = force_exposure(origin, horizons, event_years)
    out = np.ones((len(horizons), actors))
    for k, h in enumerate(horizons):
        f = spread.at(int(exp[k]))
        if effect_width is None:
            out[k, :] = f
            continue
        q = errors.quantiles(int(h), members)
        width = float(np.quantile(q, 0.95) - np.quantile(q, 0.05))
        extra = np.where(np.isfinite(effect_width[k]), effect_width[k], 0.0)
        extra = extra / width if width > 0 else np.zeros(actors)
        out[k, :] = np.sqrt(f * f + extra * extra)
    return out


def effect_width(with_events: np.ndarray, without: np.ndarray) -> np.ndarray:
    """5-95% range over members of the events' effect per member (same seed and members)."""
    d = np.asarray(with_events) - np.asarray(without)
    return np.asarray(np.quantile(d, 0.95, axis=0) - np.quantile(d, 0.05, axis=0))
