"""The forecast pipeline shared by ``multipolar forecast`` and the back-tests.

:func:`forecast_ensemble` takes a scenario, calibration overrides and forecast settings and
returns the ensemble from an origin:

1. load the scenario blind after the origin, with dated events if any
   (:mod:`multipolar.forecast.conditional`);
2. compile it from the origin (:func:`multipolar.forecast.origin.prepare_model`);
3. optionally assimilate the years before the origin: members' parameters are resampled on
   their fit, and the origin state carries the observation error
   (:mod:`multipolar.forecast.assimilate`);
4. optionally stack: every neighbour's path becomes the combination of persistence and the
   model's median with weights per horizon, and intervals from persistence's training errors
   with regime shifts at their historical rate (:mod:`multipolar.forecast.stacking`); with
   dated future events the weights act on the model's median without them (same seed and
   members) and the events' modelled effect is added in full, and the interval widens where a
   dated use of force reaches it, by a factor learned from the record's uses of force up to
   the origin and the members' spread of the events' effect
   (:func:`multipolar.forecast.stacking.event_spread`).

Depends on NumPy and the modules named above.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from multipolar.core.specs import ForecastSpec
from multipolar.forecast.assimilate import assimilate, origin_ensemble
from multipolar.forecast.conditional import load_with_events
from multipolar.forecast.origin import (
    ForecastEnsemble,
    ForecastSettings,
    Panel,
    load_for_origin,
    prepare_model,
)
from multipolar.forecast.stacking import (
    EVENT_SPREAD_KINDS,
    effect_width,
    error_model,
    event_scale,
    event_shift,
    event_spread,
    stacked_samples,
)


@dataclass
class PipelineInfo:
    """What the pipeline did, for JSON output."""

    events: list[str] = field(default_factory=list)
    assimilation: dict[str, Any] | None = None
    stack_weights: dict[int, float] | None = None
    errors: dict[str, Any] | None = None
    applied: dict[str, Any] = field(default_factory=dict)
    stack_source: dict[str, Any] | None = None
    event_spread: dict[str, Any] | None = None
    force_history: list[int] = field(default_factory=list)  # the record's uses of force <= origin

    def to_dict(self) -> dict[str, Any]:
        """Plain values."""
        return {"events": self.events, "applied": self.applied,
                "assimilation": self.assimilation,
                "stack_weights": None if self.stack_weights is None else
                {str(h): w for h, w in self.stack_weights.items()},
                "interval_errors": self.errors,
                **({"stack_source": self.stack_source} if self.stack_source else {}),
                **({"event_spread": self.event_spread} if self.event_spread else {})}


def forecast_ensemble(spec: ForecastSpec | str | Path, panel: Panel, origin: int | None = None,
                      end: int | None = None, *, overrides: dict[str, Any] | None,
                      settings: ForecastSettings, stack_weights: dict[int, float] | None = None,
                      **options: Any) -> tuple[ForecastEnsemble, np.ndarray, PipelineInfo]:
    """The ensemble for years ``origin..end`` and the neighbour mask (module doc).

    ``spec`` is a :class:`~multipolar.core.specs.ForecastSpec`, or (the keyword form) the
    scenario, with ``origin``, ``end`` and the spec's other fields (``seed``, ``members``,
    ``sets``, ``perspective``, ``hypothesis``, ``events``, ``assimilation``,
    ``calib_members``) as arguments. ``overrides`` and ``settings`` come from a calibration,
    ``stack_weights`` (if any) stack the model with persistence.
    ``panel`` must already be cut at the origin; nothing later is read.
    """
    if origin is not None:
        options["origin"] = origin
    if end is not None:
        options["end"] = end
    spec = ForecastSpec.of(spec, **options)
    scenario, origin, end = spec.scenario, spec.origin, spec.end
    seed, members, events = spec.seed, spec.members, spec.events
    sets, perspective, hypothesis = spec.sets, spec.perspective, spec.hypothesis
    assimilation, calib_members = spec.assimilation, spec.calib_members
    info = PipelineInfo(events=[e.text() for e in events or []])
    loaded = load_with_events(scenario, origin, overrides, events or [], sets=sets,
                              perspective=perspective, hypothesis=hypothesis)
    info.applied = dict(loaded.applied)
    model = prepare_model(loaded, origin, end, panel, settings, seed, calib_members)
    plain = loaded if not events else load_for_origin(
        scenario, origin, overrides, sets=sets, perspective=perspective, hypothesis=hypothesis)
    info.force_history = record_force_years(plain, origin)
    quiet = None
    if events and settings.anchor > 0:
        # the anchor puts each target at the observed state as the model stands at the
        # origin: measured without the events, or it would cancel what they change
        quiet = prepare_model(plain, origin, end, panel, settings, seed, calib_members)
        model = dataclasses.replace(model, static={
            **model.static, "alignment_offset": quiet.static["alignment_offset"]})
    assim = assimilate(plain, panel, origin, members, seed, settings) if assimilation else None
    ens = origin_ensemble(model, seed, members, assim, settings.spread)
    if assim is not None:
        info.assimilation = assim.to_dict()
    if stack_weights is not None:
        quiet_ens = None
        if events:
            # the weights act on the model without the future events (m0), the events' effect
            # (m_event - m0, same seed and members) is kept in full
            base = quiet if quiet is not None else \
                prepare_model(plain, origin, end, panel, settings, seed, calib_members)
            quiet_ens = origin_ensemble(base, seed, members, assim, settings.spread)
        ens = stack(ens, model.neighbours, panel, origin, stack_weights, info,
                    without_events=quiet_ens,
                    event_years=[e.year for e in events or [] if e.kind in EVENT_SPREAD_KINDS],
                    force_history=info.force_history)
    return ens, np.asarray(model.neighbours, bool), info


def record_force_years(loaded: Any, origin: int) -> list[int]:
    """Years of the scenario's own dated uses of force up to ``origin`` (its history).

    ``loaded`` is the scenario loaded blind after ``origin`` without the forecast's events
    (:func:`multipolar.forecast.origin.load_for_origin`), so a later event cannot be read.
    """
    return sorted({int(e.year) for e in getattr(loaded.scenario, "events", None) or []
                   if e.kind in EVENT_SPREAD_KINDS and e.year <= origin})


def stack(ens: ForecastEnsemble, neighbours: np.ndarray, panel: Panel, origin: int,
          weights: dict[int, float], info: PipelineInfo | None = None,
          without_events: ForecastEnsemble | None = None,
          event_years: list[int] | None = None,
          force_history: list[int] | None = None) -> ForecastEnsemble:
    """``ens`` with every neighbour's path replaced by the stacked forecast.

    The origin year keeps the model's members (the observation with its error where
    assimilated); later years are ``persistence + w_h * (median - persistence)`` plus the
    calm/shock error mixture. ``without_events`` (the same forecast without the dated future
    events, same seed and members) makes it event-aware: the weights act on its median
    ``m0`` and the events' effect ``median(ens) - m0`` is added in full
    (:func:`multipolar.forecast.stacking.stacked_samples`). With ``without_events``, the
    interval widens where a future use of force (``event_years``) reaches it, by the factor
    learned from the record's uses of force ``force_history`` (years up to ``origin``), and by
    the members' spread of the events' effect (:func:`multipolar.forecast.stacking.event_scale`).
    """
    nb = np.flatnonzero(neighbours)
    actors = [ens.actors[j] for j in nb]
    last = np.array([panel.value(a, origin) for a in actors])
    series = {a: panel.alignment.get(a, {}) for a in actors}
    hs = ens.years[1:] - origin
    x = ens.alignment.copy()
    if hs.size:
        errors = error_model(series, origin, int(min(hs.max(), 10)))
        med = np.median(x[:, 1:][:, :, nb], axis=0)
        shift = scale = None
        if without_events is not None:
            quiet = without_events.alignment[:, 1:][:, :, nb]
            shift = event_shift(x[:, 1:][:, :, nb], quiet)
            med = np.median(quiet, axis=0)
            spread = event_spread(series, origin, force_history or [])
            scale = event_scale(errors, spread, hs, origin, event_years or [], nb.size,
                                x.shape[0], effect_width(x[:, 1:][:, :, nb], quiet))
            if info is not None:
                info.event_spread = spread.to_dict()
        ok = np.isfinite(last)
        st = stacked_samples(med, np.where(ok, last, med[0]), hs, weights, errors, x.shape[0],
                             shift, scale)
        cols = x[:, 1:]
        cols[:, :, nb[ok]] = st[:, :, ok]
        x[:, 1:] = cols
        if info is not None:
            info.stack_weights = dict(weights)
            info.errors = errors.to_dict()
            if without_events is not None:
                info.stack_source = {**(info.stack_source or {}), "event_effect":
                                     "kept in full: p + w_h (m0 - p) + (m_event - m0), m0 the "
                                     "model's median without the future events"}
    return ForecastEnsemble(ens.years, ens.actors, ens.institutions, x, ens.memberships,
                            ens.origin, ens.poles)
