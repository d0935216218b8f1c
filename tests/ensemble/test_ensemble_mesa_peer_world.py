"""The Mesa peer (benchmarks/peers/mesa_peer.py) reproduces multipolar's world model.

``russia-world``: 193 states, Russia found by its role (``core``, the ISO3 code RUS), and the
global mechanisms (arms and energy, distant military presence, chosen bargains, the West's
normative pull, China's backing, the sovereignty norm) besides the shared ones. The peer, one
Mesa agent per state computing in Python floats, and the vectorised float32 engine must agree
member by member up to float32 rounding, with the neighbourhood test's tolerance rules; and
each world mechanism must matter, so that a peer without it would fail the comparison.
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
from multipolar.model.mechanisms._maths import carried_forward  # noqa: E402
from multipolar.model.mechanisms.world import ArmsAndEnergy, arms_share  # noqa: E402
from multipolar.scenario import load_scenario  # noqa: E402

N = 5
SEED = 13
WORLD = ("arms_and_energy", "distant_military_presence", "chosen_bargains",
         "western_normative_pull", "interference_backlash", "china_backing", "sovereignty_norm",
         "russia_standing")
"""The world scenario's own mechanisms (src/multipolar/model/mechanisms/world.py, and
russia_standing in standing.py: Russia's and the US's own ideal points after the record)."""
ACTIVE = tuple(m for m in WORLD if m != "china_backing")
"""Those that act by default (China's cover is 0 unless its hypothesis is on)."""
NOT_PORTED = {f"mechanisms.{m}.enabled": False for m in mesa_peer.NOT_PORTED}


def close_members(peer: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """Per member: every year and state within float32 rounding (the neighbourhood's rule)."""
    return np.asarray((np.abs(peer.astype(np.float32) - ref) <= 1e-5).all(axis=(1, 2)))


@pytest.fixture(scope="module")
def world():
    return compile_model(load_scenario("russia-world", sets=NOT_PORTED), start=1992, end=2035)


@pytest.fixture(scope="module")
def both(world):
    return mesa_peer.run_ensemble(world, SEED, 0, N), simulate(world, SEED, 0, N)


def test_the_world_switches_on_its_own_mechanisms_and_the_peer_has_them(world):
    on = {m for m, v in world.enabled.items() if v}
    assert set(WORLD) <= on
    assert not mesa_peer.NOT_PORTED  # everything the world switches on is ported
    model = mesa_peer.PeerModel(mesa_peer.Tables(world), SEED, 0)
    assert set(model.stages) == on
    assert isinstance(model, mesa.Model)
    assert len(model.agents) == len(world.actors) == 193
    assert model.russia.name == "RUS"  # found by role, not by a name


def test_world_inputs_are_the_engines(world):
    """The peer derives the arms share (a window over SIPRI deliveries) and the carried
    trade shares itself; they equal the engine's context rows."""
    tb = mesa_peer.Tables(world)
    shape = (world.n_years, len(world.actors))
    window = round(ArmsAndEnergy.defaults()["arms_window"])
    ref = {"_arms_share_russia": arms_share(world, window),
           "_trade_share_russia": carried_forward(world.obs.get("trade_share_russia"), shape),
           "_china_trade_share": carried_forward(world.obs.get("trade_share_china"), shape)}
    for mine, theirs in ((tb.arms_share_russia, "_arms_share_russia"),
                         (tb.trade_russia, "_trade_share_russia"),
                         (tb.trade_china, "_china_trade_share")):
        arr = np.asarray(mine)
        assert arr.max() > 0.1  # real data, not zeros
        np.testing.assert_allclose(arr, ref[theirs], atol=1e-7, rtol=0)


@pytest.mark.parametrize("outcome", ["alignment", "democracy", "sphere_russia",
                                     "sphere_china", "sphere_west"])
def test_members_follow_the_same_trajectories(both, outcome):
    peer, ref = both
    close = close_members(peer[outcome], ref.actor_outcomes[outcome])
    assert close.mean() >= 0.95, f"{(~close).sum()} of {N} members depart"


def test_russia_outcomes_agree(both):
    peer, ref = both
    for k in mesa_peer.CORE:
        np.testing.assert_allclose(peer[k], ref.core_outcomes[k], atol=1e-5, rtol=0)
    assert np.ptp(ref.core_outcomes["capacity"][:, -1]) > 0  # members differ after the data


def test_ensemble_statistics_agree(both):
    peer, ref = both
    qs = [5, 50, 95]
    a = np.percentile(peer["alignment"], qs, axis=0)
    b = np.percentile(ref.actor_outcomes["alignment"], qs, axis=0)
    assert np.abs(a - b).max() < 1e-4


def test_a_use_of_force_and_its_condemnation_agree(world):
    """A dated use of force (the coalition forecast's event): the target's conflict and
    assertion, and the West's answer to the breach, as in the engine."""
    cm = compile_model(load_scenario("russia-world", events=["use_of_force:UKR@2025"],
                                     sets=NOT_PORTED), start=1992, end=2035)
    peer, ref = mesa_peer.run_ensemble(cm, SEED, 0, 3), simulate(cm, SEED, 0, 3)
    for k in ("alignment", "assertion", "conflict"):
        assert close_members(peer[k], ref.actor_outcomes[k]).all(), k
    plain = mesa_peer.run_ensemble(world, SEED, 0, 3)
    t, ukr = list(cm.years).index(2025), cm.actors.index("UKR")
    assert (peer["conflict"][:, t, ukr] == 1).all()
    deu = cm.actors.index("DEU")  # a democracy under the West's pull moves away from Russia
    assert (peer["alignment"][:, -1, deu] > plain["alignment"][:, -1, deu] + 0.01).all()


@pytest.mark.parametrize("mechanism", ACTIVE)
def test_a_peer_without_a_world_mechanism_departs(world, both, mechanism):
    """The comparison can fail: drop one world mechanism from the peer's stages and its
    members no longer follow the engine's."""
    _, ref = both
    tables = mesa_peer.Tables(world)
    model = mesa_peer.PeerModel(tables, SEED, 0)
    model.stages.remove(mechanism)
    for _ in range(len(tables.years) - 1):
        model.step()
    x = np.asarray(model.history)[None, :, :, 0]  # alignment of member 0
    assert not close_members(x, ref.actor_outcomes["alignment"][:1]).any()


def test_the_china_hypothesis_agrees_and_its_cover_matters():
    """Under ``china_votes_with_russia`` China's cover acts: the peer follows the engine, and
    a peer without ``china_backing`` departs."""
    cm = compile_model(load_scenario("russia-world", hypothesis="china_votes_with_russia",
                                     sets=NOT_PORTED), start=1992, end=2035)
    peer, ref = mesa_peer.run_ensemble(cm, SEED, 0, 2), simulate(cm, SEED, 0, 2)
    assert close_members(peer["alignment"], ref.actor_outcomes["alignment"]).all()
    tables = mesa_peer.Tables(cm)
    model = mesa_peer.PeerModel(tables, SEED, 0)
    model.stages.remove("china_backing")
    for _ in range(len(tables.years) - 1):
        model.step()
    x = np.asarray(model.history)[None, :, :, 0]
    assert not close_members(x, ref.actor_outcomes["alignment"][:1]).any()
