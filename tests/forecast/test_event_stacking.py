"""Event-aware stacking, and the world's stacking weights from the anchor fit's forecasts.

The stacked forecast is ``p + w_h (m0 - p) + (m_event - m0)``: a dated future event moves it
by exactly the model's own effect of the event (same seed and members), whatever the weights;
without events it is what it was. The world's weights are fitted on the training forecasts of
the anchor fit, and nothing after the origin reaches them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from multipolar.calibrate.anchor import fit_anchor
from multipolar.forecast.conditional import parse_event
from multipolar.forecast.origin import ForecastSettings, load_panel, world_panel
from multipolar.forecast.pipeline import forecast_ensemble
from multipolar.forecast.stacking import error_model
from tests.honesty import scramble_after

EVENT = "use_of_force:UKR@2014"
KW: dict[str, Any] = {"overrides": None, "settings": ForecastSettings(), "seed": 3,
                      "members": 60, "assimilation": True}


def _neighbourhood(events: list[str], weights: dict[int, float] | None) -> Any:
    panel = load_panel().truncated(2013)
    ens, nb, _ = forecast_ensemble("russia-neighbourhood", panel, 2013, 2016,
                                   events=[parse_event(e) for e in events],
                                   stack_weights=weights, **KW)
    return ens, nb, panel


@pytest.mark.parametrize("w", [0.0, 0.6])
def test_an_event_moves_the_stacked_forecast_by_the_models_event_effect(w: float) -> None:
    weights = {1: w, 2: w, 3: w}
    quiet, nb, panel = _neighbourhood([], None)
    war, _, _ = _neighbourhood([EVENT], None)
    stacked, _, _ = _neighbourhood([EVENT], weights)
    cols = np.flatnonzero(nb)
    m0 = np.median(quiet.alignment[:, 1:][:, :, cols], axis=0)
    effect = np.median(war.alignment[:, 1:][:, :, cols], axis=0) - m0
    ukr = [quiet.actors[j] for j in cols].index("Ukraine")
    assert effect[-1, ukr] > 0.02  # the model's event effect is real: the test can fail
    last = np.array([panel.value(quiet.actors[j], 2013) for j in cols])
    got = np.median(stacked.alignment[:, 1:][:, :, cols], axis=0)
    expect = last + w * (m0 - last) + effect
    ok = np.isfinite(last)
    assert np.allclose(got[:, ok], expect[:, ok], atol=1e-9)
    if w == 0.0:  # persistence plus the event's effect, in full
        assert np.allclose(got[:, ok] - last[ok], effect[:, ok], atol=1e-9)


def test_without_events_the_stacked_forecast_is_unchanged() -> None:
    weights = {1: 0.3, 2: 0.2, 3: 0.1}
    raw, nb, panel = _neighbourhood([], None)
    stacked, _, _ = _neighbourhood([], weights)
    cols = np.flatnonzero(nb)
    last = np.array([panel.value(raw.actors[j], 2013) for j in cols])
    med = np.median(raw.alignment[:, 1:][:, :, cols], axis=0)
    errors = error_model({raw.actors[j]: panel.alignment.get(raw.actors[j], {}) for j in cols},
                         2013, 3)
    n = raw.alignment.shape[0]
    # the stacked forecast as it was before events were taken into account, written out
    for k, h in enumerate((1, 2, 3)):
        point = last + weights[h] * (med[k] - last)
        want = point[None, :] + errors.quantiles(h, n)[:, None]
        assert np.array_equal(stacked.alignment[:, k + 1][:, cols], want)
    # the origin year keeps the model's members
    assert np.array_equal(stacked.alignment[:, 0], raw.alignment[:, 0])


def test_the_world_weights_come_from_the_anchor_fit_and_read_nothing_after_the_origin(
        monkeypatch: pytest.MonkeyPatch) -> None:
    kw: dict[str, Any] = {"origins": [2006, 2007, 2008, 2009], "members": 4, "seed": 5,
                          "strengths": [0.75]}
    clean = fit_anchor("russia-world", world_panel(), 2010, **kw)
    recs, ideal = clean.records[0.75], clean.ideal_records[0.75]
    # the anchor fit's training forecasts, every outcome at or before 2010
    assert len(recs.origin) > 1000 and len(ideal.origin) > len(recs.origin)
    assert max(o + h for o, h in zip(recs.origin, recs.horizon, strict=True)) == 2010
    assert max(o + h for o, h in zip(ideal.origin, ideal.horizon, strict=True)) == 2010
    hs = [1, 2, 3]
    w_rel, w_ideal = clean.stack_weights(hs), clean.stack_weights(hs, scale="ideal_point")
    assert set(w_rel) == set(w_ideal) == set(hs)
    assert all(0.0 <= v <= 1.0 for v in [*w_rel.values(), *w_ideal.values()])
    with monkeypatch.context() as m:
        scramble_after(m, 2010)
        altered = fit_anchor("russia-world", world_panel(), 2010, **kw)
        scramble_after(m, 2007)
        reached = fit_anchor("russia-world", world_panel(), 2010, **kw)
    assert altered.stack_weights(hs) == w_rel
    assert altered.stack_weights(hs, scale="ideal_point") == w_ideal
    for a, b in ((recs, altered.records[0.75]), (ideal, altered.ideal_records[0.75])):
        assert np.array_equal(np.array(a.model), np.array(b.model), equal_nan=True)
        assert np.array_equal(np.array(a.observed), np.array(b.observed), equal_nan=True)
    # the same alteration from 2007 on reaches the training outcomes
    assert not np.array_equal(np.array(recs.observed), np.array(reached.records[0.75].observed),
                              equal_nan=True)
