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
from tests.model.mechanisms.contract import MechanismContract, make_state


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

    def test_arms_and_trade_pull_towards_russia(self) -> None:
        s = self.shift()
        assert (s[:, 1:] <= 0).all() and (s[:, 2] < s[:, 1]).all()  # more arms, more pull
        assert np.allclose(self.shift(arms_effect=0.0, trade_effect=0.0), 0.0)

    def test_only_simulated_states_move(self) -> None:
        assert np.allclose(self.shift()[:, 0], 0.0)


class TestDistantMilitaryPresence(_Shift):
    mechanism = world.DistantMilitaryPresence

    def test_presence_binds_hosts_only(self) -> None:
        s = self.shift()
        assert (s[:, 2] < 0).all() and (s[:, 4] < 0).all()
        assert np.allclose(s[:, [0, 1, 3]], 0.0)
        assert (s[:, 2] < s[:, 4]).all()  # full presence binds more than half


class TestChosenBargains(_Shift):
    mechanism = world.ChosenBargains

    def test_partner_moves_part_way(self) -> None:
        s = self.shift()
        assert (s[:, 3] < 0).all() and np.allclose(s[:, [0, 1, 2, 4]], 0.0)
        assert (self.shift(hedge=0.0)[:, 3] < s[:, 3]).all()  # a partner that does not hedge
        assert np.allclose(self.shift(**{"aims.multipolar_order": 0.0}), 0.0)


class TestWesternNormativePull(_Shift):
    mechanism = world.WesternNormativePull

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

    def test_hedgers_lean_to_the_centre(self) -> None:
        st: State = make_state(1)
        s = self.shift()
        centre = 0.3
        gap = centre - st.alignment
        assert (np.sign(s[:, 1:]) == np.sign(gap[:, 1:])).all()  # towards the centre
        # a state held by the West (pull 0.9) hedges less than one that is not (0.3)
        assert (np.abs(s[:, 1] / gap[:, 1]) < np.abs(s[:, 2] / gap[:, 2])).all()
