"""Scores and baselines against hand-computed values and independent formulas."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from multipolar.backtest.baselines import (
    baseline_forecast,
    linear_trend,
    mean_last3,
    persistence,
    training_errors,
)
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
from multipolar.calibrate.history import spread_scale
from multipolar.forecast.origin import origin_level


def test_crps_of_small_ensembles_by_hand():
    # {0, 1} at 0.5: mean|x-y| = 0.5, mean|x-x'| = 2/4 -> 0.5 - 0.25
    assert crps_ensemble(np.array([0.0, 1.0]), np.array(0.5)) == pytest.approx(0.25)
    # {1, 2, 3} at 2: 2/3 - 0.5 * 8/9 = 2/9
    assert crps_ensemble(np.array([3.0, 1.0, 2.0]), np.array(2.0)) == pytest.approx(2 / 9)
    # one member: the absolute error
    assert crps_ensemble(np.array([0.3]), np.array(-0.2)) == pytest.approx(0.5)


def test_crps_of_a_standard_normal_matches_the_closed_form():
    # Gneiting & Raftery (2007): CRPS(N(0,1), y) = y(2Phi(y)-1) + 2phi(y) - 1/sqrt(pi)
    from scipy import stats

    m = 4000
    x = stats.norm.ppf((np.arange(m) + 0.5) / m)
    for y in (0.0, 1.3):
        exact = y * (2 * stats.norm.cdf(y) - 1) + 2 * stats.norm.pdf(y) - 1 / np.sqrt(np.pi)
        assert crps_ensemble(x, np.array(y)) == pytest.approx(exact, abs=1e-3)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-2, 2), min_size=1, max_size=8), st.floats(-3, 3))
def test_crps_equals_the_pairwise_definition(xs, y):
    x = np.array(xs)
    pairs = np.mean([abs(a - b) for a, b in itertools.product(xs, xs)])
    expected = np.mean(np.abs(x - y)) - 0.5 * pairs
    got = float(crps_ensemble(x, np.array(y)))
    assert got == pytest.approx(expected, abs=1e-9)
    assert -1e-12 <= got <= np.mean(np.abs(x - y)) + 1e-12


def test_crps_is_vectorised_over_outcomes_and_skips_nan():
    s = np.array([[0.0, 10.0], [1.0, 12.0]])
    c = crps_ensemble(s, np.array([0.5, np.nan]))
    assert c[0] == pytest.approx(0.25)
    assert np.isnan(c[1])


def test_brier_coverage_mae_by_hand():
    assert brier(np.array([1.0, 0.0, 0.5]), np.array([1.0, 1.0, 0.0])) == pytest.approx(1.25 / 3)
    assert coverage(np.array([0, 0, 0, 0.0]), np.array([1, 1, 1, 1.0]),
                    np.array([0.5, 1.0, 1.5, np.nan])) == pytest.approx(2 / 3)
    assert mae(np.array([1.0, 2.0, np.nan]), np.array([0.0, 4.0, 1.0])) == pytest.approx(1.5)
    assert np.isnan(mae(np.array([np.nan]), np.array([1.0])))


def test_baselines_on_known_series():
    s = {2000: 0.1, 2001: 0.2, 2002: 0.6, 2004: 0.4, 2005: 0.9}
    hs = np.array([1, 2])
    assert persistence(s, 2004, hs).tolist() == [0.4, 0.4]  # skips the gap, ignores 2005
    assert mean_last3(s, 2004, hs) == pytest.approx([0.4, 0.4])  # (0.2 + 0.6 + 0.4) / 3
    line = {y: 0.05 * (y - 2000) for y in range(2000, 2010)}
    assert linear_trend(line, 2006, np.array([1, 3])) == pytest.approx([0.35, 0.45])


def test_baseline_intervals_come_from_training_errors_and_keep_the_point():
    line = {y: 0.05 * (y - 1990) for y in range(1990, 2004)}
    wiggle = {y: (0.1 if y % 2 else -0.1) for y in range(1990, 2004)}
    errs = training_errors("trend", {"a": line}, list(range(1995, 2003)), 2003, 3)
    assert all(np.allclose(e, 0.0) for e in errs.values())  # a line is forecast exactly
    errs = training_errors("persistence", {"a": wiggle}, list(range(1995, 2003)), 2003, 2)
    assert set(np.round(errs[1], 6)) == {0.2, -0.2} and set(np.round(errs[2], 6)) == {0.0}
    ens = baseline_forecast("persistence", wiggle, 2003, np.array([1, 2]), errs)
    assert np.median(ens, axis=0) == pytest.approx([0.1, 0.1])  # median = the point forecast
    assert ens[:, 0].max() - ens[:, 0].min() == pytest.approx(0.4, abs=0.05)


def test_origin_level_uses_only_years_up_to_the_origin():
    s = {2000: 0.0, 2001: 1.0, 2002: 0.0, 2003: 5.0}
    assert origin_level(s, 2002, 1.0) == 0.0
    assert origin_level(s, 2002, 0.5) == pytest.approx(0.25)  # 0 -> 0.5 -> 0.25
    assert np.isnan(origin_level(s, 1999, 1.0))


def test_spread_scale_gives_the_intended_coverage():
    r = np.linspace(0.0, 2.0, 201)
    s = spread_scale(r, 0.9)
    assert np.mean(r <= s) == pytest.approx(0.9, abs=0.01)


def test_pit_by_hand_and_ties_count_half():
    ens = np.array([0.0, 1.0, 2.0, 3.0])[:, None]
    assert pit(ens, np.array([1.5]))[0] == pytest.approx(0.5)
    assert pit(ens, np.array([1.0]))[0] == pytest.approx(1.5 / 4)
    assert pit(ens, np.array([-1.0]))[0] == 0.0 and pit(ens, np.array([9.0]))[0] == 1.0
    assert np.isnan(pit(ens, np.array([np.nan]))[0])


def test_pit_of_a_calibrated_ensemble_is_flat_and_of_a_narrow_one_is_u_shaped():
    rng = np.random.default_rng(3)
    obs = rng.normal(size=4000)
    wide = pit_histogram(pit(rng.normal(size=(200, 4000)), obs))
    narrow = pit_histogram(pit(0.3 * rng.normal(size=(200, 4000)), obs))
    assert sum(wide) == pytest.approx(1.0)
    assert max(wide) < 0.13 and min(wide) > 0.07
    assert narrow[0] > 0.25 and narrow[-1] > 0.25 and narrow[5] < 0.06


@given(st.lists(st.floats(-5, 5, allow_nan=False), min_size=4, max_size=30),
       st.integers(0, 2**31))
@settings(max_examples=60, deadline=None)
@pytest.mark.filterwarnings("ignore:An input array is constant")
def test_rank_correlation_matches_scipy_with_ties(xs, seed):
    from scipy.stats import spearmanr

    a = np.round(np.array(xs), 1)  # rounding makes ties
    b = np.random.default_rng(seed).permutation(a) + np.round(a, 0)
    got = rank_correlation(a, b)
    want = spearmanr(a, b).statistic
    if np.isnan(want):
        assert np.isnan(got)
    else:
        assert got == pytest.approx(want, abs=1e-9)


def test_rank_correlation_and_direction_hits_by_hand():
    assert rank_correlation(np.array([1, 2, 3, 4.0]), np.array([10, 20, 30, 40.0])) == pytest.approx(1.0)
    assert rank_correlation(np.array([1, 2, 3, 4.0]), np.array([4, 3, 2, 1.0])) == pytest.approx(-1.0)
    assert np.isnan(rank_correlation(np.zeros(5), np.arange(5.0)))  # no spread
    hits = direction_hits(np.array([0.1, -0.2, 0.3, 0.0, np.nan]),
                          np.array([0.2, 0.1, 0.1, 0.4, 0.1]))
    assert hits == (2, 3)
