"""Assimilation: observation error from data, tempering, resampling, the origin spread."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from multipolar.forecast.assimilate import (
    _ess,
    assimilate,
    observation_error,
    systematic_resample,
    temper,
)
from multipolar.forecast.origin import ForecastSettings, Panel, load_for_origin, load_panel
from multipolar.forecast.pipeline import forecast_ensemble


def _noisy_panel(sigma: float, seed: int = 0) -> Panel:
    rng = np.random.default_rng(seed)
    align = {}
    for c in range(30):
        level = np.cumsum(rng.normal(scale=0.02, size=30))
        align[f"c{c}"] = {1990 + t: float(level[t] + rng.normal(scale=sigma)) for t in range(30)}
    return Panel("synthetic", align)


@pytest.mark.parametrize("sigma", [0.01, 0.04])
def test_observation_error_recovers_the_noise_of_a_noisy_random_walk(sigma):
    p = _noisy_panel(sigma)
    est = observation_error(p, list(p.alignment), 2019, window=25)
    assert est == pytest.approx(sigma, rel=0.35)


def test_observation_error_uses_no_year_after_until():
    p = _noisy_panel(0.03)
    q = copy.deepcopy(p)
    for s in q.alignment.values():
        for y in s:
            if y > 2010:
                s[y] += 1.0 * (y % 2)
    assert observation_error(p, list(p.alignment), 2010) == \
        observation_error(q, list(q.alignment), 2010)


def test_tempering_reaches_the_target_ess_and_resampling_follows_the_weights():
    loglik = -0.5 * np.linspace(0, 400, 200)
    beta = temper(loglik, 100)
    assert 0 < beta < 1 and _ess(beta * loglik) == pytest.approx(100, rel=0.01)
    assert temper(np.zeros(50), 25) == 1.0
    w = np.array([0.5, 0.25, 0.25, 0.0])
    idx = systematic_resample(w, 1000, 0.3)
    assert np.bincount(idx, minlength=4).tolist() == [500, 250, 250, 0]


@pytest.fixture(scope="module")
def panel():
    return load_panel()


def test_interval_at_an_observed_origin_is_the_observation_error(panel):
    origin = 2008
    train = panel.truncated(origin)
    ens, nb, info = forecast_ensemble("russia-neighbourhood", train, origin, 2010,
                                      overrides=None, settings=ForecastSettings(), seed=4,
                                      members=600)
    sigma = info.assimilation["sigma_obs"]
    p05, med, p95 = np.percentile(ens.alignment[:, 0][:, nb], [5, 50, 95], axis=0)
    # a normal observation error: the 90% interval is 3.29 sigma wide, centred on the data
    assert np.median(p95 - p05) == pytest.approx(3.29 * sigma, rel=0.15)
    obs = np.array([panel.value(a, origin) for a, n in zip(ens.actors, nb, strict=True) if n])
    assert np.abs(med - obs).max() < 0.5 * sigma
    # without assimilation every member starts on the same point: no spread at all
    plain, _, _ = forecast_ensemble("russia-neighbourhood", train, origin, 2010,
                                    overrides=None, settings=ForecastSettings(), seed=4,
                                    members=100, assimilation=False)
    assert np.ptp(plain.alignment[:, 0][:, nb], axis=0).max() < 1e-6


def test_assimilation_reads_nothing_after_the_origin_and_prefers_fitting_members(panel):
    loaded = load_for_origin("russia-neighbourhood", 2006)
    a = assimilate(loaded, panel, 2006, 64, seed=2)
    later = copy.deepcopy(panel)
    for s in later.alignment.values():
        for y in s:
            if y > 2006:
                s[y] = -s[y]
    b = assimilate(loaded, later, 2006, 64, seed=2)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert 0 < a.temperature <= 1 and a.ess == pytest.approx(128, rel=0.05)
    # an earlier window sees different data and picks other members
    c = assimilate(loaded, panel.truncated(2004), 2006, 64, seed=2)
    assert any(not np.array_equal(a.params[k], c.params[k]) for k in a.params)
