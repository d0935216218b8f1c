"""The Mesa peer (benchmarks/peers/mesa_peer.py) reproduces multipolar's ensemble.

Same compiled scenario, same per-member random streams: the peer (plain Python floats, one
Mesa agent per actor) and the vectorised float32 engine must agree member by member up to
float32 rounding, and hence in every ensemble statistic: UN alignment, the sphere of
influence, the instruments and Russia's own variables, under the flagship's default
mechanisms (assertion that pushes every neighbour away, coercion that spoils attraction,
propaganda, China's drain and the Silk Road link, the dilemma in Russia's policy) and under
the rival hypotheses. A member may only depart if a
discrete event is decided by a draw within rounding of its threshold, which the test allows
for at most 5% of members.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("mesa")

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks" / "peers"))

import mesa  # noqa: E402
import mesa_peer  # noqa: E402

from multipolar.model.api import compile_model, simulate  # noqa: E402
from multipolar.scenario import load_scenario  # noqa: E402

N = 24


NOT_PORTED = {f"mechanisms.{m}.enabled": False for m in mesa_peer.NOT_PORTED}
"""Mechanisms the peer does not implement (none today): switched off in both, so that
everything else is still compared; the peer refuses them if switched on."""


@pytest.fixture(scope="module")
def both():
    cm = compile_model(load_scenario("russia-neighbourhood", sets=NOT_PORTED), start=1992,
                       end=2035)
    return cm, mesa_peer.run_ensemble(cm, 11, 0, N), simulate(cm, 11, 0, N)


def test_peer_is_a_mesa_model_with_one_agent_per_actor(both):
    cm, _, _ = both
    model = mesa_peer.PeerModel(mesa_peer.Tables(cm), 11, 0)
    assert isinstance(model, mesa.Model)
    assert len(model.agents) == len(cm.actors)
    assert all(isinstance(a, mesa.Agent) for a in model.agents)


def test_scalar_draws_equal_the_vectorised_streams():
    from multipolar.core import rng

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
                                     "integration", "democracy", "dependence", "attraction",
                                     "assertion", "sphere_russia", "sphere_china",
                                     "sphere_west"])
def test_members_follow_the_same_trajectories(both, outcome):
    _, peer, ref = both
    diff = np.abs(peer[outcome].astype(np.float32) - ref.actor_outcomes[outcome])
    close = (diff <= 1e-5).all(axis=(1, 2))
    assert close.mean() >= 0.95, f"{(~close).sum()} of {N} members depart"


def test_memberships_follow_the_same_decisions(both):
    """Accessions and exits after the data are yearly hazards (and candidacies on the EU's
    path) decided by the same draws: the members' memberships agree year by year."""
    cm, peer, ref = both
    same = (peer["memberships"] == ref.memberships).all(axis=(1, 2, 3))
    assert same.mean() >= 0.95, f"{(~same).sum()} of {N} members' memberships depart"
    after = np.asarray(cm.years) > cm.observed_until
    assert ref.memberships[:, after].std(axis=0).max() > 0  # the hazards do decide something


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
    s = np.percentile(peer["sphere_russia"], qs, axis=0)
    assert np.abs(s - np.percentile(ref.actor_outcomes["sphere_russia"], qs, axis=0)).max() < 1e-4


@pytest.mark.parametrize("hypothesis", ["bandwagoning", "opportunist"])
def test_rival_hypotheses_agree_too(hypothesis):
    """The peer also implements the rival hypotheses' mechanisms (bandwagoning, the
    opportunist policy), so they agree with the engine member by member."""
    cm = compile_model(load_scenario("russia-neighbourhood", hypothesis=hypothesis,
                                     sets=NOT_PORTED), start=1992, end=2030)
    peer, ref = mesa_peer.run_ensemble(cm, 5, 0, 4), simulate(cm, 5, 0, 4)
    for k in ("alignment", "assertion", "sphere_russia", "democracy"):
        diff = np.abs(peer[k].astype(np.float32) - ref.actor_outcomes[k])
        assert (diff <= 1e-5).all(axis=(1, 2)).mean() >= 0.75, k


def test_dated_events_agree_too():
    """Uses of force (observed and projected), a revolution and a leadership change given as
    events act in the peer as in the engine, member by member."""
    ev = ["use_of_force:GEO@2008", "use_of_force:UKR@2025", "revolution:BLR@2027",
          "elite_transition:KAZ@2026"]
    cm = compile_model(load_scenario("russia-neighbourhood", events=ev, sets=NOT_PORTED),
                       start=1992, end=2030)
    peer, ref = mesa_peer.run_ensemble(cm, 5, 0, 4), simulate(cm, 5, 0, 4)
    for k in ("alignment", "assertion", "conflict", "democracy", "sphere_russia"):
        diff = np.abs(peer[k].astype(np.float32) - ref.actor_outcomes[k])
        assert (diff <= 1e-5).all(axis=(1, 2)).mean() >= 0.75, k
    ukr, blr = cm.actors.index("Ukraine"), cm.actors.index("Belarus")
    t = list(cm.years).index(2025)
    assert (peer["conflict"][:, t, ukr] == 1).all()  # the events did act
    assert (peer["assertion"][:, t, ukr] >= 1.0 - 1e-6).all()
    assert (peer["democracy"][:, t + 2, blr] > peer["democracy"][:, t + 1, blr]).all()


def test_peer_refuses_what_it_does_not_implement():
    """Forced memberships (accession and exit events) are not in the peer: it says so rather
    than silently ignoring them."""
    ld = load_scenario("russia-neighbourhood", events=["accession:ARM/EU@2025"],
                       sets=NOT_PORTED)
    cm = compile_model(ld, start=1992, end=2030)
    with pytest.raises(NotImplementedError, match="forced memberships"):
        mesa_peer.PeerModel(mesa_peer.Tables(cm), 11, 0)
