"""Stacked intervals that widen after a dated use of force, by a factor learned up to the origin.

The factor is the ratio of persistence's errors after the record's uses of force to its calm
errors (:func:`multipolar.forecast.stacking.event_spread`): it reads only years up to the
origin, a later use of force (real or invented) changes nothing, and an interval given a
dated use of force is wider than without it where the event reaches it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from multipolar.forecast.conditional import parse_event
from multipolar.forecast.origin import ForecastSettings, load_for_origin, load_panel
from multipolar.forecast.pipeline import forecast_ensemble, record_force_years
from multipolar.forecast.stacking import (
    ErrorModel,
    error_model,
    event_scale,
    event_spread,
    force_exposure,
    stacked_samples,
)

KW: dict[str, Any] = {"overrides": None, "settings": ForecastSettings(), "seed": 5,
                      "members": 40, "assimilation": True}
WEIGHTS = {1: 0.2, 2: 0.1, 3: 0.0}


def _series(jump_years: tuple[int, ...], size: float = 0.3) -> dict[str, dict[int, float]]:
    """Twelve states, small wiggles, and a move of ``size`` in each of ``jump_years``."""
    rng = np.random.default_rng(11)
    out = {}
    for c in range(12):
        v, s = 0.1 * c, {}
        for y in range(1995, 2020):
            v += rng.normal(0.0, 0.02) + (size * (1 if c % 2 else -1) if y in jump_years else 0)
            s[y] = v
        out[f"S{c}"] = s
    return out


def test_errors_after_a_use_of_force_widen_the_interval_by_their_ratio() -> None:
    series = _series((2008,))
    spread = event_spread(series, 2013, [2008], 3)
    assert spread.years == [2008]
    # a move of 0.3 against wiggles of 0.02 a year: errors across 2008 are many times larger
    assert all(f > 3.0 for f in spread.factor.values())
    calm = event_spread(_series(()), 2013, [2008], 3)  # same years, no move in 2008
    assert all(f < 1.6 for f in calm.factor.values())
    assert all(calm.factor[k] < spread.factor[k] for k in spread.factor)


def test_the_factor_reads_nothing_after_the_origin() -> None:
    series = _series((2008, 2016))
    base = event_spread(series, 2013, [2008], 3)
    # a later use of force, where it really happened (2016) or moved elsewhere: no change
    for later in ([2008, 2016], [2008, 2014], [2008, 2019]):
        assert event_spread(series, 2013, later, 3) == base
    # the years after the origin altered or removed: no change
    cut = {c: {y: v for y, v in s.items() if y <= 2013} for c, s in series.items()}
    noisy = {c: {y: (v if y <= 2013 else v + 5.0) for y, v in s.items()}
             for c, s in series.items()}
    assert event_spread(cut, 2013, [2008], 3) == base
    assert event_spread(noisy, 2013, [2008], 3) == base
    # moving the record's own use of force to a year after the origin removes it
    assert event_spread(series, 2013, [2016], 3).factor == {1: 1.0, 2: 1.0, 3: 1.0}


def test_no_use_of_force_in_the_record_leaves_the_interval_and_says_so() -> None:
    spread = event_spread(_series((2008,)), 2007, [2008], 3)
    assert spread.years == [] and set(spread.factor.values()) == {1.0}
    assert "no use of force in the record up to 2007" in spread.method


def test_the_factor_applies_from_the_events_year_on() -> None:
    assert force_exposure(2019, np.array([1, 2, 3, 4, 5]), [2022]).tolist() == [0, 0, 1, 2, 3]
    assert force_exposure(2019, np.array([1, 2]), [2014]).tolist() == [0, 0]  # not future
    errors = ErrorModel({1: np.linspace(-0.1, 0.1, 50), 2: np.linspace(-0.2, 0.2, 50)},
                        np.array([]), 0.0)
    spread = event_spread(_series((2008,)), 2013, [2008], 2)
    hs = np.array([1, 2])
    scale = event_scale(errors, spread, hs, 2013, [2015], 3, 100)
    assert np.all(scale[0] == 1.0) and np.all(scale[1] == spread.factor[1])
    # the members' spread of the event's effect adds in quadrature
    width = np.array([[0.0, 0.1, 0.0], [0.0, 0.2, 0.0]])
    wide = event_scale(errors, spread, hs, 2013, [2015], 3, 100, width)
    assert wide[0, 1] > 1.0 and wide[0, 0] == 1.0 and wide[1, 1] > wide[1, 0] == scale[1, 0]
    # scaled errors keep the stacked point as the median and widen the 90% range
    st0 = stacked_samples(np.zeros((2, 3)), np.zeros(3), hs, {1: 0.0}, errors, 101)
    st = stacked_samples(np.zeros((2, 3)), np.zeros(3), hs, {1: 0.0}, errors, 101, None, wide)
    assert np.allclose(np.median(st, axis=0), 0.0)
    r0, r = (np.ptp(np.percentile(a, [5, 95], axis=0), axis=0) for a in (st0, st))
    assert np.all(r[1] > r0[1]) and r[0, 1] > r0[0, 1] and np.isclose(r[0, 0], r0[0, 0])


def test_the_record_of_force_is_blind_after_the_origin() -> None:
    assert record_force_years(load_for_origin("russia-neighbourhood", 2013), 2013) == [2008]
    assert record_force_years(load_for_origin("russia-neighbourhood", 2007), 2007) == []
    assert record_force_years(load_for_origin("russia-world", 2016), 2016) == [2008, 2014]


def _forecast(events: list[str]) -> tuple[Any, np.ndarray, Any]:
    panel = load_panel().truncated(2013)
    ens, nb, info = forecast_ensemble("russia-neighbourhood", panel, 2013, 2016,
                                      events=[parse_event(e) for e in events],
                                      stack_weights=WEIGHTS, **KW)
    return ens, nb, info


def test_a_dated_use_of_force_widens_every_states_stacked_interval() -> None:
    quiet, nb, info0 = _forecast([])
    war, _, info = _forecast(["use_of_force:UKR@2014"])
    cols = np.flatnonzero(nb)
    width = [np.ptp(np.percentile(e.alignment[:, 1:][:, :, cols], [5, 95], axis=0), axis=0)
             for e in (quiet, war)]
    ok = np.isfinite(width[0]).all(axis=0)
    assert ok.sum() >= 10
    assert np.all(width[1][:, ok] >= width[0][:, ok] - 1e-12)
    assert np.all(width[1][0, ok] > width[0][0, ok])  # the war's year: every state wider
    spread = info.event_spread
    assert spread["learned_from"] == [2008] and spread["until"] == 2013
    assert "event_spread" not in info0.to_dict()
    # the factor is what the record up to 2013 gives, recomputed here from the panel
    panel = load_panel().truncated(2013)
    series = {quiet.actors[j]: panel.alignment.get(quiet.actors[j], {}) for j in cols}
    want = event_spread(series, 2013, [2008])
    assert spread["factor"] == {str(k): round(v, 4) for k, v in want.factor.items()}
    assert spread == want.to_dict()
    errors = error_model(series, 2013, 3)
    assert errors.to_dict() == info.errors


def _world_stacked(x0: bool, event_years: list[int], history: list[int]) -> dict[str, Any]:
    """The world back-test's stacked quantiles on a synthetic record (12 states, 2013)."""
    from multipolar.backtest.world import _with_stacked

    series = {c: {y: v for y, v in s.items() if y <= 2013}
              for c, s in _series((2008,)).items()}
    years = np.arange(2014, 2017)
    rng = np.random.default_rng(3)
    quiet = rng.normal(0.0, 0.05, (60, 3, 12))
    war = quiet + rng.normal(0.1, 0.05, (60, 1, 12))  # an effect that differs by member
    last = np.array([s[2013] for s in series.values()])
    q: dict[str, np.ndarray] = {}
    c: dict[str, np.ndarray] = {}
    spread = _with_stacked(series, 2013, years, war, quiet if x0 else None, last,
                           np.zeros((3, 12)), {1: 0.0}, q, c, event_years, history)
    return {"q": q["stacked"], "spread": spread, "last": last, "series": series}


def test_the_world_backtests_stacked_interval_widens_for_the_event_and_only_then() -> None:
    from multipolar.backtest.world import BASELINE_MEMBERS

    plain = _world_stacked(False, [], [])
    assert plain["spread"] is None
    # without events: persistence plus its errors, as before the widening existed
    errors = error_model(plain["series"], 2013, 3)
    want = np.stack([plain["last"][None, :] + errors.quantiles(h, BASELINE_MEMBERS)[:, None]
                     for h in (1, 2, 3)], axis=1)
    assert np.array_equal(plain["q"], np.percentile(want, [5, 50, 95], axis=0))
    bare = _world_stacked(True, [2014], [])  # no record of force: the members' spread only
    learned = _world_stacked(True, [2014], [2008])
    assert bare["spread"]["learned_from"] == [] and learned["spread"]["learned_from"] == [2008]
    w0, w1, w2 = (r["q"][2] - r["q"][0] for r in (plain, bare, learned))
    assert np.all(w1 > w0) and np.all(w2 > w1)


def test_the_forecast_json_reports_the_widening_and_its_record() -> None:
    import json

    from typer.testing import CliRunner

    from multipolar.cli.main import app

    args = ["forecast", "russia-neighbourhood", "--members", "20", "--from", "2020", "--to",
            "2023", "--json"]
    runner = CliRunner()
    war = json.loads(runner.invoke(app, [*args, "--event", "use_of_force:UKR@2022"]).stdout)
    calm = json.loads(runner.invoke(app, args).stdout)
    assert war["method"] == "stacked" and "event_spread" not in calm
    spread = war["event_spread"]
    assert spread["learned_from"] == [2008, 2014] and spread["until"] == 2019
    assert min(spread["factor"].values()) >= 1.0 and max(spread["factor"].values()) > 1.0
    assert "interval: interval widened after the dated use of force" in war["method_note"]
    band = {(r["country"], r["year"]): r["alignment"]["p95"] - r["alignment"]["p05"]
            for r in calm["forecasts"]}
    wide = {(r["country"], r["year"]): r["alignment"]["p95"] - r["alignment"]["p05"]
            for r in war["forecasts"]}
    # 2021 lies before the war: the same interval; from 2022 on wider for every neighbour
    assert all(abs(wide[k] - band[k]) < 1e-9 for k in band if k[1] == 2021)
    # the stacked neighbours (Russia and the outside powers are held, width 0)
    nb = [k for k in band if k[1] == 2022 and band[k] > 0]
    assert len(nb) == 14 and all(wide[k] > band[k] for k in nb)
    # the year's interval does not depend on how far the forecast runs
    longer = json.loads(runner.invoke(app, [*args[:-2], "2024", "--json", "--event",
                                            "use_of_force:UKR@2022"]).stdout)
    assert longer["event_spread"]["factor"] == {**spread["factor"],
                                                "5": longer["event_spread"]["factor"]["5"]}
