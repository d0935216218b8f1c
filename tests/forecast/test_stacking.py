"""Stacking weights, regime-shift rates and the calm/shock interval mixture."""

from __future__ import annotations

import numpy as np
import pytest

from multipolar.forecast.stacking import (
    REGIME_SHIFTS,
    ErrorModel,
    StackRecords,
    error_model,
    fit_weight,
    shift_rate,
    shifts_between,
    stacked_samples,
)


def test_fit_weight_finds_the_better_forecast_and_the_blend():
    rng = np.random.default_rng(0)
    obs = rng.normal(size=200)
    pers = obs + rng.normal(scale=0.5, size=200)
    model = obs + rng.normal(scale=0.05, size=200)
    assert fit_weight(model, pers, obs) >= 0.9
    assert fit_weight(pers, model, obs) <= 0.1  # roles swapped: the weight goes to 0
    # outcome exactly half way between the two: w = 0.5
    p, m = rng.normal(size=50), rng.normal(size=50)
    assert fit_weight(m, p, (p + m) / 2) == pytest.approx(0.5)
    # useless model (no information): the weight stays 0 on ties
    assert fit_weight(np.full(10, np.nan), np.zeros(10), np.zeros(10)) == 0.0


def test_stack_weights_use_only_outcomes_known_at_the_origin():
    def records(later_error: float) -> StackRecords:
        rec = StackRecords()
        rng = np.random.default_rng(1)
        for o in range(2000, 2010):
            for h in (1, 2):
                for _ in range(14):
                    y = rng.normal()
                    err = 0.0 if o + h <= 2006 else later_error  # model right early only
                    rec.add(o, h, y + err, y + 0.3, y)
        return rec

    w = records(1.0).weights(2006, [1, 2])
    assert w == {1: 1.0, 2: 1.0}
    # records whose outcome comes after 2006 change nothing at 2006 ...
    assert records(-7.0).weights(2006, [1, 2]) == w
    # ... but do later
    assert records(1.0).weights(2009, [1, 2])[1] < 1.0
    # too few records (none with a known outcome at 2000, one origin at 2001): persistence
    assert records(1.0).weights(2000, [1, 2]) == {1: 0.0, 2: 0.0}
    assert records(1.0).weights(2001, [1, 2]) == {1: 1.0, 2: 0.0}


def test_regime_shifts_and_their_rate_by_hand():
    assert shifts_between("Georgia", 2002, 2008) == [2003, 2008]
    assert shifts_between("Georgia", 2003, 2007) == []
    assert shifts_between("Belarus", 1991, 2019) == []
    # Georgia 2003 and 2008 over 2 countries x 10 years
    assert shift_rate(["Georgia", "Belarus"], 2000, 2010) == pytest.approx(0.1)
    assert all(1991 < y < 2020 for v in REGIME_SHIFTS.values() for y, _ in v)


def test_mixture_adds_shock_tails_at_the_rate_and_keeps_the_median():
    calm = {1: np.linspace(-0.01, 0.01, 50), 2: np.linspace(-0.02, 0.02, 50)}
    shock = np.array([0.3, 0.35, 0.4])
    q1 = ErrorModel(calm, shock, 0.05).quantiles(1, 200)
    q2 = ErrorModel(calm, shock, 0.05).quantiles(2, 200)
    none = ErrorModel(calm, shock, 0.0).quantiles(2, 200)
    assert np.median(q1) == pytest.approx(0.0) and np.median(q2) == pytest.approx(0.0)
    # share of members in the shock tails: 5% at h=1, 1-(0.95)^2 = 9.75% at h=2
    assert np.mean(np.abs(q1) > 0.1) == pytest.approx(0.05, abs=0.01)
    assert np.mean(np.abs(q2) > 0.1) == pytest.approx(0.0975, abs=0.01)
    assert np.abs(none).max() <= 0.0201
    # beyond the measured horizons the calm spread grows like a random walk
    q8 = ErrorModel(calm, np.zeros(0), 0.0).quantiles(8, 200)
    assert np.ptp(q8) == pytest.approx(np.ptp(none) * 2, rel=0.05)


def test_error_model_reads_nothing_after_the_origin_and_splits_shocks():
    s = {"Georgia": {y: 0.01 * (y - 1995) + (0.3 if y >= 2003 else 0.0) for y in range(1995, 2015)},
         "Belarus": {y: -0.2 for y in range(1995, 2015)}}
    em = error_model(s, 2006, 3)
    later = {a: {y: (v + 5 if y > 2006 else v) for y, v in d.items()} for a, d in s.items()}
    em2 = error_model(later, 2006, 3)
    assert np.array_equal(em.shock, em2.shock) and em.rate == em2.rate
    assert all(np.array_equal(em.calm[h], em2.calm[h]) for h in em.calm)
    # the forecasts across Georgia's 2003 revolution carry its jump; no calm one does
    assert em.shock.size > 0 and em.shock.min() > 0.25
    assert max(np.abs(e).max() for e in em.calm.values() if e.size) < 0.05


def test_stacked_samples_are_centred_on_the_weighted_point():
    med = np.array([[0.2, -0.1], [0.3, -0.2]])
    last = np.array([0.0, 0.0])
    em = ErrorModel({1: np.linspace(-0.05, 0.05, 20), 2: np.linspace(-0.1, 0.1, 20)},
                    np.zeros(0), 0.0)
    x = stacked_samples(med, last, np.array([1, 2]), {1: 0.5, 2: 0.25}, em, 101)
    assert np.median(x, axis=0) == pytest.approx(np.array([[0.1, -0.05], [0.075, -0.05]]))
    assert np.ptp(x[:, 1, 0]) > np.ptp(x[:, 0, 0])  # wider at the longer horizon


def test_a_weight_the_training_years_cannot_tell_from_noise_is_dropped():
    from multipolar.forecast.stacking import guarded_weight

    rng = np.random.default_rng(5)
    obs = rng.normal(size=40)
    pers = obs + rng.normal(scale=0.3, size=40)
    # persistence plus noise: no information, only luck can make it look better
    raw, kept = [], []
    for k in range(200):
        lucky = pers + np.random.default_rng(k).normal(scale=0.1, size=40)
        raw.append(fit_weight(lucky, pers, obs) > 0)
        kept.append(guarded_weight(lucky, pers, obs) > 0)
    assert np.mean(raw) > 0.4  # the raw fit often takes it ...
    assert np.mean(kept) < 0.15  # ... the guard rarely
    good = obs + rng.normal(scale=0.05, size=40)
    assert guarded_weight(good, pers, obs) == fit_weight(good, pers, obs) > 0.5


def test_counted_over_origins_the_guard_drops_a_gain_one_year_made():
    from multipolar.forecast.stacking import guarded_weight

    rng = np.random.default_rng(11)
    n, origins = 150, 6
    obs = rng.normal(size=(origins, n))
    pers = obs + rng.normal(scale=0.2, size=(origins, n))
    # the model knows the outcome in one year; in the others it is persistence shifted by an
    # error common to the year's states
    model = pers + np.array([0.0, 0.1, -0.1, 0.1, -0.1, 0.1])[:, None]
    model[0] = obs[0]
    clusters = np.repeat(np.arange(origins), n)
    flat = (model.ravel(), pers.ravel(), obs.ravel())
    assert guarded_weight(*flat) > 0  # 900 "independent" records: the gain looks solid
    assert guarded_weight(*flat, clusters=clusters) == 0.0  # one good year of six is not
    # a gain every year keeps its weight either way
    good = obs + rng.normal(scale=0.05, size=(origins, n))
    assert guarded_weight(good.ravel(), pers.ravel(), obs.ravel(), clusters=clusters) > 0.5
    rec = StackRecords()
    for k in range(origins):
        for j in range(n):
            rec.add(2000 + k, 1, model[k, j], pers[k, j], obs[k, j])
    assert rec.weights(2010, [1])[1] > 0 and rec.weights(2010, [1], by_origin=True)[1] == 0.0
