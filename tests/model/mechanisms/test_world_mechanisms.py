"""Contract tests and direction tests of the world mechanisms (``mechanisms/world.py``).

Each class inherits the whole contract; the extra tests check what the cited passage says the
mechanism does, on the contract's hand-made state (actor 0 Russia, 1-4 simulated states with
the context rows of ``contract.make_items``: actor 2 buys Russian arms and hosts Russian forces,
actor 3 is a chosen partner trading most with China, actor 1 has the strongest Western pull).
"""

from __future__ import annotations

import numpy as np

from multipolar.model.mechanisms import world
from multipolar.model.state import ParamView, State
from tests.model.mechanisms.contract import MechanismContract, Situation, make_state

S = Situation
NB = np.s_[:, 1:]
F32 = np.float32


class _Shift(MechanismContract):
    """Helpers: the target shift one step adds, with parameters changed."""

    def shift(self, **params: float) -> np.ndarray:
        st = make_state(1)
        before = st.target_shift.copy()
        cx = self.context()
        if params:
            values = {p.name: p.default for p in self.mechanism.params}
            values.update({s: 0.65 for s in self.mechanism.shared})
            values.update(params)
            cx.p = ParamView(self.mechanism.name, values, dict(values))
        self.mechanism().step(st, cx)
        return np.asarray(st.target_shift - before)


class TestArmsAndEnergy(_Shift):
    mechanism = world.ArmsAndEnergy
    behaviour = (
        S("energy trade ties recipients to Moscow: 002 'through monopolistic oil and gas "
          "exports'", "target_shift", -1, {}, None, np.s_[:, 1:4]),
        S("more Russian arms, a stronger tie", "target_shift", -1,
          {"item.arms_share_russia": np.array([0, 1, 1, 1, 1], F32)},
          {"item.arms_share_russia": np.zeros(5, F32)}, NB),
        S("the windfall pays for the reach: 001 'significant financial resources due to the "
          "energy revenues windfall'", "target_shift", -1, {"state.capacity": 1.5},
          {"state.capacity": 0.5}, np.s_[:, 1:4]),
    )

    def test_arms_and_trade_pull_towards_russia(self) -> None:
        s = self.shift()
        assert (s[:, 1:] <= 0).all() and (s[:, 2] < s[:, 1]).all()  # more arms, more pull
        assert np.allclose(self.shift(arms_effect=0.0, trade_effect=0.0), 0.0)

    def test_only_simulated_states_move(self) -> None:
        assert np.allclose(self.shift()[:, 0], 0.0)


class TestDistantMilitaryPresence(_Shift):
    mechanism = world.DistantMilitaryPresence
    behaviour = (
        S("a presence binds its host (actor 2 full, 4 half): 002 'military backing of Syria'",
          "target_shift", -1, {}, None, np.s_[:, [2, 4]]),
        S("a show of force binds no one else: 002 'Warplanes and ships are used mainly for "
          "bluffing and provocations'", "target_shift", 0, {}, None, np.s_[:, [0, 1, 3]]),
    )

    def test_presence_binds_hosts_only(self) -> None:
        s = self.shift()
        assert (s[:, 2] < 0).all() and (s[:, 4] < 0).all()
        assert np.allclose(s[:, [0, 1, 3]], 0.0)
        assert (s[:, 2] < s[:, 4]).all()  # full presence binds more than half


class TestChosenBargains(_Shift):
    mechanism = world.ChosenBargains
    behaviour = (
        S("a bargain pulls a chosen partner (actor 3) towards Russia: 002 'bargain with "
          "certain countries in order to'", "target_shift", -1, {}, None, np.s_[:, 3]),
        S("... only part of the way: a partner that hedges less moves more: 004 'EAEU "
          "members play on the deterioration of relations between Russia'", "target_shift",
          -1, {"param.hedge": 0.0}, {}, np.s_[:, 3]),
    )

    def test_partner_moves_part_way(self) -> None:
        s = self.shift()
        assert (s[:, 3] < 0).all() and np.allclose(s[:, [0, 1, 2, 4]], 0.0)
        assert (self.shift(hedge=0.0)[:, 3] < s[:, 3]).all()  # a partner that does not hedge
        assert np.allclose(self.shift(**{"aims.multipolar_order": 0.0}), 0.0)


class TestWesternNormativePull(_Shift):
    mechanism = world.WesternNormativePull
    behaviour = (
        S("the West's rules draw those who live by them away from Russia: 002 'a standoff "
          "between two normative systems'", "target_shift", +1, {}, None, NB),
        S("a state the West's pull does not reach is not drawn (the answer to a breach of the "
          "rules is use_of_force's, not this term's)", "target_shift", 0,
          {"item.western_pull": np.zeros(5, F32)}),
    )

    def test_pulls_democracies_away_from_russia(self) -> None:
        s = self.shift()
        assert (s[:, 1:] >= 0).all() and (s[:, 1:].sum(axis=1) > 0).all()
        st = make_state(1)
        # per unit of Western pull, the more democratic state is pulled more
        per = s[:, 1:] / np.array([0.9, 0.3, 0.3, 0.7])
        dem = st.democracy[:, 1:]
        order = np.argsort(dem, axis=1)
        assert (np.diff(np.take_along_axis(per, order, axis=1), axis=1) >= -1e-6).all()
        assert np.allclose(self.shift(pull=0.0), 0.0)

    def test_a_use_of_force_is_not_answered_here(self) -> None:
        """The answer to a breach is use_of_force's: with it switched off nothing answers."""
        assert "use_of_force_since" not in self.mechanism.context
        assert "use_of_force" not in self.mechanism.context


class TestInterferenceBacklash(_Shift):
    mechanism = world.InterferenceBacklash
    behaviour = (
        S("democracies reached by Russia's networks turn away: 002 'accused of meddling in "
          "the U.S. elections'", "target_shift", +1, {"state.democracy": 0.9}, None,
          np.s_[:, [1, 3]]),
        S("an autocracy reached as far is not pushed (patronage_networks pulls it instead)",
          "target_shift", 0, {"state.democracy": 0.0}),
        S("a state the networks do not reach is not pushed", "target_shift", 0,
          {"item.patronage": np.zeros(5, F32)}),
    )

    def test_democracies_reached_by_russias_networks_turn_away(self) -> None:
        """002 (meddling, Montenegro): interference pushes the democracies it touches away."""
        s = self.shift()
        assert (s[:, 1:] >= 0).all()
        # the contract's patronage ties: actor 1 full, 3 half, 2 and 4 none
        assert np.allclose(s[:, [0, 2, 4]], 0.0) and (s[:, 1] > 0).all()
        st = make_state(1)
        per_tie = s[:, 3] / 0.5
        # a more democratic state reached as far is pushed further
        more = st.democracy[:, 1] > st.democracy[:, 3]
        assert (s[more, 1] > per_tie[more]).all() and (s[~more, 1] <= per_tie[~more] + 1e-7).all()
        assert np.allclose(self.shift(backlash=0.0), 0.0)

    def test_an_autocracy_is_not_pushed(self) -> None:
        st = make_state(1)
        st.democracy[:] = 0.0
        cx = self.context()
        before = st.target_shift.copy()
        self.mechanism().step(st, cx)
        assert np.allclose(st.target_shift, before)


class TestChinaBacking(_Shift):
    mechanism = world.ChinaBacking
    behaviour = (
        S("no passage has China's trade partners vote with Russia: 004 'support on the key "
          "issues of the global agenda' is China's own backing, so by default nothing moves",
          "target_shift", 0, {}),
        S("under the rival hypothesis china_votes_with_russia, more trade with China, more "
          "cover", "target_shift", -1,
          {"param.cover": 0.4, "item.china_trade_share": np.full(5, 0.3, F32)},
          {"param.cover": 0.4, "item.china_trade_share": np.full(5, 0.05, F32)}, NB),
    )

    def test_no_cover_by_default(self) -> None:
        """No passage says China's trade partners vote with Russia: the default does nothing."""
        assert np.allclose(self.shift(), 0.0)

    def test_the_hypothesis_cover_grows_with_china_trade(self) -> None:
        s = self.shift(cover=0.4)
        assert (s[:, 1:] < 0).all()
        assert (s[:, 3] < s[:, 2]).all() and (s[:, 2] < s[:, 1]).all()
        assert (self.shift(cover=-0.4)[:, 1:] > 0).all()  # the fit may find the other sign


class TestSovereigntyNorm(_Shift):
    mechanism = world.SovereigntyNorm
    behaviour = (
        S("states outside the blocs lean to the middle from Russia's end: 002 'each country, "
          "based on its sovereignty within the rules of international law'", "target_shift",
          +1, {"state.alignment": -0.5}, None, NB),
        S("... and from the US end (002, same passage)", "target_shift", -1,
          {"state.alignment": 1.0}, None, NB),
        S("a state fully held by the West does not hedge", "target_shift", 0,
          {"item.western_pull": np.ones(5, F32)}),
    )

    def test_hedgers_lean_to_the_centre(self) -> None:
        st: State = make_state(1)
        s = self.shift()
        centre = 0.3
        gap = centre - st.alignment
        assert (np.sign(s[:, 1:]) == np.sign(gap[:, 1:])).all()  # towards the centre
        # a state held by the West (pull 0.9) hedges less than one that is not (0.3)
        assert (np.abs(s[:, 1] / gap[:, 1]) < np.abs(s[:, 2] / gap[:, 2])).all()
