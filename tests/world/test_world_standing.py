"""Russia's and the US's standing in the world model: two scales, one derived from the other.

On ``russia-world`` (a few members, the default run to 2035, the record to 2019): the relative
scale is ``(x - x_RUS) / (x_USA - x_RUS)`` of the ideal points for every member and year; a
use of force moves Russia away from the Assembly's centre and moves the states that vote like
Russia most on the relative scale, their own ideal points unmoved; switched off, the poles stay
where the record left them and the relative results do not depend on the data's scale at all.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

import numpy as np
import pytest
import yaml

from multipolar.calibrate.standing import PARAMS, fit_standing
from multipolar.model.api import CompiledModel, compile_model, follow_record, simulate
from multipolar.model.engine import ChunkResult
from multipolar.model.mechanisms.standing import assembly_median
from multipolar.scenario.loader import load_scenario

MEMBERS = 4
SEED = 11


@lru_cache(maxsize=1)
def world() -> CompiledModel:
    return follow_record(compile_model(load_scenario("russia-world")))


def run(model: CompiledModel) -> ChunkResult:
    return simulate(model, SEED, 0, MEMBERS)


def col(model: CompiledModel, iso3: str) -> int:
    return model.actors.index(iso3)


def switched(model: CompiledModel, **on: bool) -> CompiledModel:
    return dataclasses.replace(model, enabled={**model.enabled, **on})


def with_params(model: CompiledModel, **values: float) -> CompiledModel:
    params = dict(model.params)
    for path, v in values.items():
        params[path] = dataclasses.replace(params[path], nominal=v, dist=None)
    return dataclasses.replace(model, params=params)


def test_the_relative_scale_is_derived_from_the_ideal_points() -> None:
    m = world()
    res = run(m)
    a = res.actor_outcomes["alignment"].astype(np.float64)
    x = res.actor_outcomes["ideal_point"].astype(np.float64)
    r = res.core_outcomes["russia_position"].astype(np.float64)[:, :, None]
    u = res.core_outcomes["us_position"].astype(np.float64)[:, :, None]
    assert np.allclose(a, (x - r) / (u - r), atol=1e-4)
    # Russia's and the US's own columns are the poles, 0 and 1
    assert np.allclose(x[:, :, col(m, "RUS")], r[:, :, 0], atol=1e-5)
    assert np.allclose(x[:, :, col(m, "USA")], u[:, :, 0], atol=1e-5)
    # after the record the poles move, member by member
    after = m.years > m.observed_until
    assert np.ptp(r[:, after, 0], axis=0).max() > 0.01
    # in the record years the poles and the states' ideal points are the data's
    t = int(np.flatnonzero(m.years == 2015)[0])
    obs = m.obs["ideal_point"][t]
    ok = np.isfinite(obs) & np.isfinite(m.obs["un_alignment"][t])
    assert np.allclose(x[:, t, ok], obs[ok][None, :], atol=2e-3)


@pytest.mark.parametrize("from_assembly", [0.0, 1.0])
def test_a_use_of_force_isolates_russia_and_moves_russia_like_states_on_the_relative_scale(
        from_assembly: float) -> None:
    """A use of force in 2022, with and without Russia's standing (no noise, a small drift).

    By default Russia turns from the West (away from the US); under the hypothesis
    ``isolation_from_the_assembly`` (``from_assembly`` 1) away from the Assembly's median.
    The states' own ideal points are the same with Russia's move or without it; their
    relative positions are not.
    """
    quiet = with_params(world(), **{
        "alignment.noise": 0.0, "alignment.common_noise": 0.0,
        "russia_standing.russia_noise": 0.0, "russia_standing.us_noise": 0.0,
        "russia_standing.russia_drift": 0.01, "russia_standing.from_assembly": from_assembly})
    events = {k: v.copy() for k, v in quiet.event_arrays.items()}
    t = int(np.flatnonzero(quiet.years == 2022)[0])
    events["use_of_force"][t, col(quiet, "UKR")] = 1.0
    war = dataclasses.replace(quiet, event_arrays=events)
    calm, hit, held = run(quiet), run(war), run(switched(war, russia_standing=False))
    r0 = calm.core_outcomes["russia_position"][:, t].astype(np.float64)
    r1 = hit.core_outcomes["russia_position"][:, t].astype(np.float64)
    u0 = calm.core_outcomes["us_position"][:, t - 1].astype(np.float64)
    centre = assembly_median(calm.actor_outcomes["ideal_point"][:, t - 1])
    away = np.sign(r0 - (centre if from_assembly else u0))
    assert (away == (1.0 if from_assembly else -1.0)).all()  # Russia: above the median
    step = float(quiet.params["russia_standing.isolation"].nominal)
    assert np.allclose(away * (r1 - r0), step, atol=1e-4)  # away, by the step
    # the states' own ideal points do not follow Russia (to within what the mechanisms that
    # read the relative alignment itself, as sovereignty_norm, and the one-off jumps, stated
    # in relative units, make of the moved poles: a few thousandths) ...
    x1, xh = hit.actor_outcomes["ideal_point"][:, t], held.actor_outcomes["ideal_point"][:, t]
    nb = quiet.neighbours
    assert np.abs(x1[:, nb] - xh[:, nb]).max() < 2e-3
    # ... their relative positions do, most of all those that vote like Russia
    shift = hit.actor_outcomes["alignment"][:, t] - held.actor_outcomes["alignment"][:, t]
    assert (-away[:, None] * shift[:, nb] > 0).all()  # Russia down: the others up, and back
    shift = np.abs(shift)
    blr, gbr = col(quiet, "BLR"), col(quiet, "GBR")
    assert (shift[:, blr] > 0.02).all()
    assert (shift[:, blr] > 2 * shift[:, gbr]).all()
    dist_us = hit.core_outcomes["us_position"][:, t][:, None] - x1
    for m in range(MEMBERS):
        rho = np.corrcoef(dist_us[m, nb], shift[m, nb])[0, 1]
        assert rho > 0.99  # the relative move grows with the distance from the US
    # with use_of_force switched off the event isolates no one
    off = run(switched(war, use_of_force=False))
    assert np.array_equal(off.core_outcomes["russia_position"],
                          run(switched(quiet, use_of_force=False)).core_outcomes[
                              "russia_position"])


def test_switched_off_the_poles_stay_and_the_relative_results_ignore_the_data_scale() -> None:
    off = switched(world(), russia_standing=False)
    res = run(off)
    t0 = int(np.flatnonzero(off.years == off.observed_until)[0])
    r = res.core_outcomes["russia_position"]
    u = res.core_outcomes["us_position"]
    last = off.obs["ideal_point"][t0, [col(off, "RUS"), col(off, "USA")]]
    assert np.allclose(r[:, t0:], np.float32(last[0])) and np.allclose(u[:, t0:],
                                                                          np.float32(last[1]))
    # without the ideal points at all (Russia 0, the US 1) the relative run is bit for bit
    # the same: switched off, the data's scale changes nothing
    bare = dataclasses.replace(off, obs={k: v for k, v in off.obs.items()
                                         if k != "ideal_point"})
    assert np.array_equal(res.actor_outcomes["alignment"],
                          run(bare).actor_outcomes["alignment"])
    # switched on, the relative results after the record differ
    on = run(world())
    assert not np.allclose(on.actor_outcomes["alignment"][:, t0 + 1:],
                           res.actor_outcomes["alignment"][:, t0 + 1:])


@pytest.mark.parametrize("until", [2007, 2019])
def test_the_pooled_fit_of_the_poles_sees_only_the_record_up_to_until(until: int) -> None:
    from multipolar.forecast.origin import load_for_origin

    model = compile_model(load_for_origin("russia-world", until))
    fit = fit_standing(model, until)
    assert set(fit.values) | set(fit.notes) >= set(PARAMS)
    # the US's noise is the sd of its last yearly moves up to `until`, from the data; its
    # drift is reported, not fitted (the model's drifts stay 0)
    ip = model.obs["ideal_point"][:, col(model, "USA")]
    years = model.years
    window = (years <= until) & (years >= until - 15)  # the last 15 yearly moves
    moves = np.diff(ip[window])
    assert fit.values["russia_standing.us_noise"] == pytest.approx(float(moves.std(ddof=1)),
                                                                   abs=1e-6)
    assert fit.drifts["russia_standing.us_drift"][0] == pytest.approx(float(moves.mean()),
                                                                      abs=1e-6)
    assert "russia_standing.us_drift" not in fit.values
    if until < 2008:  # no use of force yet: the isolation step is not identified
        assert "russia_standing.isolation" not in fit.values
        assert "not identified" in fit.notes["russia_standing.isolation"]
    else:
        assert fit.force_years == [2008, 2014]
        assert "decided by the bound" in fit.notes["russia_standing.isolation"]
    yaml.safe_dump(fit.report())  # the calibration file can hold the report
