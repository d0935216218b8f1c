"""The engine's interfaces for dated inputs: levers by year and target, parameter schedules,
dated events and forced memberships. Years before a dated input stay bit-identical."""

from __future__ import annotations

import copy

import numpy as np

from multipolar.model.api import CompiledModel, compile_model, simulate
from multipolar.scenario import load_scenario

N, SEED, YEAR = 40, 7, 2020


def _model() -> CompiledModel:
    return compile_model(load_scenario("russia-neighbourhood"), end=2030)


def _t(model: CompiledModel, year: int) -> int:
    return int(np.flatnonzero(model.years == year)[0])


def _same_before(a, b, t: int) -> None:
    for k, v in a.actor_outcomes.items():
        assert np.array_equal(v[:, :t], b.actor_outcomes[k][:, :t]), k
    assert np.array_equal(a.memberships[:, :t], b.memberships[:, :t])


def test_lever_by_target_from_a_year_leaves_earlier_years_identical() -> None:
    base = _model()
    m = copy.copy(base)
    m.levers = dict(base.levers)
    v = base.levers["russia_assertion"]
    lev = np.broadcast_to(v.reshape(v.shape[0], -1), (base.n_years, len(base.actors))).copy()
    ukr, t = base.index("Ukraine"), _t(base, YEAR)
    lev[t:, ukr] = 1.0
    m.levers["russia_assertion"] = lev
    a, b = simulate(base, SEED, 0, N), simulate(m, SEED, 0, N)
    _same_before(a, b, t)
    ass_a, ass_b = a.actor_outcomes["assertion"], b.actor_outcomes["assertion"]
    assert (ass_b[:, t, ukr] >= ass_a[:, t, ukr]).all()
    assert ass_b[:, t:, ukr].mean() > 1.5 * ass_a[:, t:, ukr].mean()
    others = [j for j in range(len(base.actors)) if j != ukr]
    # other targets get the same lever: they differ only through feedbacks, not the lever
    assert np.allclose(ass_b[:, t, others], ass_a[:, t, others], atol=1e-6)


def test_parameter_schedule_applies_from_its_year_and_target_only() -> None:
    base = _model()
    m = copy.copy(base)
    sched = np.full((base.n_years, len(base.actors)), np.nan)
    bel, t = base.index("Belarus"), _t(base, YEAR)
    sched[t:, bel] = 1.0  # kindred support at its strongest for Belarus from 2020
    m.param_schedule = {"kindred_regimes.support": sched}  # type: ignore[attr-defined]
    a, b = simulate(base, SEED, 0, N), simulate(m, SEED, 0, N)
    _same_before(a, b, t)
    al_a, al_b = a.actor_outcomes["alignment"], b.actor_outcomes["alignment"]
    assert al_b[:, -1, bel].mean() < al_a[:, -1, bel].mean() - 0.01


def test_use_of_force_event() -> None:
    base = _model()
    m = copy.copy(base)
    ev = np.zeros((base.n_years, len(base.actors)), np.float32)
    geo, t = base.index("Georgia"), _t(base, YEAR)
    ev[t, geo] = 1.0
    # the scenario's history of force (2008, 2014) stays; this one is added (Georgia again)
    m.event_arrays = {**base.event_arrays,  # type: ignore[attr-defined]
                      "use_of_force": base.event_arrays["use_of_force"] + ev}
    a, b = simulate(base, SEED, 0, N), simulate(m, SEED, 0, N)
    _same_before(a, b, t)
    assert (b.actor_outcomes["assertion"][:, t, geo] == 1.0).all()
    assert (b.actor_outcomes["conflict"][:, t, geo] >= 1.0).all()
    # pressure makes the target stand up to Russia: alignment moves away from it (up)
    assert b.actor_outcomes["alignment"][:, -1, geo].mean() > \
        a.actor_outcomes["alignment"][:, -1, geo].mean() + 0.02


def test_revolution_event_in_a_projected_year() -> None:
    base = _model()
    m = copy.copy(base)
    ev = np.zeros((base.n_years, len(base.actors)), np.float32)
    arm, t = base.index("Armenia"), _t(base, YEAR)
    ev[t, arm] = 1.0
    m.event_arrays = {**base.event_arrays, "revolution": ev}  # type: ignore[attr-defined]
    a, b = simulate(base, SEED, 0, N), simulate(m, SEED, 0, N)
    _same_before(a, b, t)
    gain = b.actor_outcomes["democracy"][:, t, arm] - a.actor_outcomes["democracy"][:, t, arm]
    assert (gain > 0.05).all()


def test_forced_membership_event() -> None:
    base = _model()
    m = copy.copy(base)
    forced = np.full((base.n_years, len(base.actors), len(base.institutions)), -1, np.int8)
    geo, t = base.index("Georgia"), _t(base, YEAR)
    k = base.institutions.index("NATO") if "NATO" in base.institutions else 0
    forced[t:, geo, k] = 1
    m.forced_membership = forced  # type: ignore[attr-defined]
    a, b = simulate(base, SEED, 0, N), simulate(m, SEED, 0, N)
    _same_before(a, b, t)
    assert (b.memberships[:, t:, geo, k] == 1).all()
