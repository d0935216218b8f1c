"""The Mesa peer (benchmarks/peers/mesa_peer.py) reproduces multipolar's ensemble.

Same compiled scenario, same per-member random streams: the peer (plain Python floats, one
Mesa agent per actor) and the vectorised float32 engine must agree member by member up to
float32 rounding, and hence in every ensemble statistic. A member may only depart if a
discrete event is decided by a draw within rounding of its threshold, which the test allows
for at most 5% of members.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("mesa")
pytest.skip("the Mesa peer implements the mechanisms as they were before the fidelity audit "
            "(issue 16: no propaganda, silk_road_link, sphere; bandwagoning assertion); "
            "porting it is pending", allow_module_level=True)

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks" / "peers"))

import mesa  # noqa: E402
import mesa_peer  # noqa: E402

from multipolar.model.api import compile_model, simulate  # noqa: E402
from multipolar.scenario import load_scenario  # noqa: E402

N = 24


@pytest.fixture(scope="module")
def both():
    cm = compile_model(load_scenario("russia-neighbourhood"), start=1992, end=2035)
    return cm, mesa_peer.run_ensemble(cm, 11, 0, N), simulate(cm, 11, 0, N)


def test_peer_is_a_mesa_model_with_one_agent_per_actor(both):
    cm, _, _ = both
    model = mesa_peer.NeighbourhoodModel(mesa_peer.Tables(cm), 11, 0)
    assert isinstance(model, mesa.Model)
    assert len(model.agents) == len(cm.actors)
    assert all(isinstance(a, mesa.Agent) for a in model.agents)


def test_scalar_draws_equal_the_vectorised_streams():
    from multipolar import rng

    keys = rng.member_keys(5, 0, 3)
    u = rng.uniform(keys, 17, 2001, 4)
    u32 = rng.uniform32(keys, 300, 2020, 4)
    a, b = rng.uniform32x2(keys, 200, 2020, 4)
    n32 = rng.normal32(keys, 500, 2020, 4)
    for i, k in enumerate(keys):
        for j in range(4):
            assert mesa_peer.uniform(int(k), 17, 2001, j) == u[i, j]
            assert mesa_peer.uniform32(int(k), 300, 2020, j) == u32[i, j]
            assert mesa_peer.uniform32x2(int(k), 200, 2020, j) == (a[i, j], b[i, j])
            assert mesa_peer.normal32(int(k), 500, 2020, j) == n32[i, j]


@pytest.mark.parametrize("outcome", ["alignment", "china_share", "subsidy", "coercion",
                                     "integration", "democracy", "dependence"])
def test_members_follow_the_same_trajectories(both, outcome):
    _, peer, ref = both
    diff = np.abs(peer[outcome].astype(np.float32) - ref.actor_outcomes[outcome])
    close = (diff <= 1e-5).all(axis=(1, 2))
    assert close.mean() >= 0.95, f"{(~close).sum()} of {N} members depart"


def test_russia_outcomes_agree(both):
    _, peer, ref = both
    for k in ("capacity", "regime_security", "recognition", "oil_price", "china_weight"):
        np.testing.assert_allclose(peer[k], ref.core_outcomes[k], atol=1e-5, rtol=0)


def test_ensemble_statistics_agree(both):
    _, peer, ref = both
    qs = [5, 25, 50, 75, 95]
    a = np.percentile(peer["alignment"], qs, axis=0)
    b = np.percentile(ref.actor_outcomes["alignment"], qs, axis=0)
    assert np.abs(a - b).max() < 1e-4
    np.testing.assert_allclose(peer["conflict"].mean(axis=0),
                               ref.actor_outcomes["conflict"].mean(axis=0), atol=1 / N)
