"""One contract test class per mechanism: each inherits every check of the contract.

Each class gives the mechanism's behaviour table (``behaviour``: :class:`Situation` rows on the
contract's hand-made state; actor 0 is Russia, 1-4 neighbours) with the sign of the response
the cited seed passage leads us to expect. A row's ``says`` states the expectation in our own
words and names the seed file (by its number in ../shared/seeds) and a locator phrase. Extra
tests pin terms whose sign a table row cannot separate (a level at which a term vanishes).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from multipolar.model.mechanisms import (
    MECHANISMS,
    alignment,
    capacity,
    domestic,
    institutions,
    instruments,
    integration,
    outside,
    partners,
    policy,
    shocks,
    sphere,
)
from multipolar.model.mechanisms.sphere import (
    ARMS,
    CHINA,
    INVESTMENT,
    RUSSIA,
    SECURITY,
    TRADE,
    WEST,
)
from multipolar.model.state import ParamView, State
from tests.model.mechanisms.contract import (
    ZERO,
    MechanismContract,
    Situation,
    make_items,
    make_state,
)

S = Situation
NB = np.s_[:, 1:]  # the four neighbours
F32 = np.float32


def _members(k: int, on: bool = True) -> Any:
    """A change of ``state.membership``: every neighbour in (or out of) format ``k``."""
    def change(m: np.ndarray) -> np.ndarray:
        m = m.copy()
        m[k][:, 1:] = on
        return m
    return change


def _no_members(m: np.ndarray) -> np.ndarray:
    return np.zeros_like(m)


def _all_members(m: np.ndarray) -> np.ndarray:
    out = np.ones_like(m)
    out[:, :, 0] = False
    return out


class TestResourceRents(MechanismContract):
    mechanism = capacity.ResourceRents
    behaviour = (
        S("a windfall (oil far above the reference) builds capacity: 001 'significant "
          "financial resources due to the energy revenues windfall'", "capacity", +1,
          {"state.oil_price": 200.0}),
        S("a price collapse erodes it (001, same passage read the other way)", "capacity", -1,
          {"state.oil_price": 5.0}),
    )


class TestEliteInterests(MechanismContract):
    mechanism = capacity.EliteInterests
    behaviour = (
        S("assertion towards West-courted neighbours costs the energy elite its Western "
          "deals: 001 'Russia's energy companies are interested in cooperation with "
          "whomever'", "capacity", -1),
        S("without assertion nothing is lost (001, same passage)", "capacity", 0,
          {"state.assertion": 0.0}),
    )


class TestThreatPerception(MechanismContract):
    mechanism = policy.ThreatPerception
    behaviour = (
        S("drift West of where a neighbour started is read as a threat: 001 'sparsely "
          "populated country with porous borders'", "threat", +1,
          {"state.alignment": 0.8}, {"state.alignment": 0.2}, NB),
        S("Western alliances next door add to the threat (001, same passage)", "threat", +1,
          {"state.membership": _members(1, True)}, {"state.membership": _members(1, False)},
          NB),
        S("a neighbour where it started and outside Western formats threatens nothing",
          "threat", 0, {"item.alignment_reference": np.full(5, 0.5, F32),
                        "state.alignment": 0.5, "state.membership": _no_members}, ZERO),
    )


class TestStrategicPolicy(MechanismContract):
    mechanism = policy.StrategicPolicy
    behaviour = (
        S("threats to the regime raise assertion: 001 'create conditions for preserving and "
          "perpetuating the current political and economic regime'", "assertion", +1,
          {"state.threat": lambda t: t + 0.5}, {}, NB),
        S("the need of Western legitimation restrains: 001 'need of legitimation by the West "
          "acts as a certain restraint'", "assertion", -1,
          {"state.recognition": 0.0}, {"state.recognition": 1.0}, NB),
        S("unable to integrate a neighbour, Russia asserts itself: 001 'Being unable to "
          "integrate its neighbors, Russia seeks to aggressively'", "assertion", +1,
          {"state.integration_depth": 0.0, "state.membership": _no_members},
          {"state.integration_depth": 1.0, "state.membership": _no_members}, NB),
        S("windfalls embolden: 001 'significant financial resources due to the energy "
          "revenues windfall'", "assertion", +1,
          {"state.capacity": 2.0}, {"state.capacity": 0.5}, NB),
    )

    def test_at_capacity_one_rents_neither_embolden_nor_restrain(self) -> None:
        S("capacity 1 is the reference rent level", "assertion", 0, {"state.capacity": 1.0},
          {"state.capacity": 1.0, "param.capacity_gain": 0.0}).check(self)

    def test_neighbours_the_west_courts_get_less_pressure(self) -> None:
        # 001 'Russia's energy companies are interested in cooperation with whomever'
        S("shielded integration", "assertion", -1,
          {"item.eu_eligibility": np.ones(5, F32), "state.threat": 1.0},
          {"item.eu_eligibility": np.zeros(5, F32), "state.threat": 1.0}, NB).check(self)

    def test_lost_legitimacy_at_home_adds_to_the_wish_for_recognition(self) -> None:
        # 001 'domestic legitimacy appear to be closely intertwined and inter-dependent'
        S("less security, more restraint (rally off)", "assertion", -1,
          {"state.regime_security": 0.0, "param.rally_motive": 0.0, "state.threat": 1.0},
          {"state.regime_security": 1.0, "param.rally_motive": 0.0, "state.threat": 1.0},
          NB).check(self)

    def test_an_insecure_regime_rallies_by_assertion(self) -> None:
        # 002 'survival and reproduction of power in a permanent state of war'
        S("less security, more assertion (legitimacy term off)", "assertion", +1,
          {"state.regime_security": 0.0, "param.legitimacy_gain": 0.0},
          {"state.regime_security": 1.0, "param.legitimacy_gain": 0.0}, NB).check(self)

    def test_a_neighbour_in_western_formats_is_no_integration_gap(self) -> None:
        S("West-led members are no gap", "assertion", -1,
          {"state.integration_depth": 0.0, "state.membership": _members(1, True)},
          {"state.integration_depth": 0.0, "state.membership": _members(1, False)},
          NB).check(self)


class TestOpportunistPolicy(MechanismContract):
    mechanism = policy.OpportunistPolicy
    behaviour = (
        S("no strategy: threat does not enter the choice: 002 'Putin's foreign policy has "
          "been about ticking boxes'", "assertion", 0, {"state.threat": lambda t: t + 1.0},
          {}),
        S("the levers still scale the effort (002, same passage): none, no assertion",
          "assertion", 0, {"lever.russia_assertion": 0.0}, ZERO),
    )


class TestUseOfForce(MechanismContract):
    mechanism = policy.UseOfForce
    behaviour = (
        S("a use of force records a conflict with the target (actor 2): 000 'Nachbarschaft "
          "als Raufbold wahrgenommen'", "conflict", +1, {}, None, np.s_[:, 2]),
        S("the bullied state turns away from Russia (000, same passage)", "target_shift", +1,
          {}, None, np.s_[:, 2]),
        S("no force, nothing changes", "target_shift", 0,
          {"item.use_of_force": np.zeros(5, F32),
           "item.use_of_force_since": np.zeros(5, F32)}),
    )

    def _shift(self, since: np.ndarray | None = None, breaches: float | None = None,
               **params: float) -> np.ndarray:
        st = make_state(1)
        before = st.target_shift.copy()
        cx = self.context()
        if since is not None:
            cx.use_of_force_since = since.astype(np.float32)
            cx.use_of_force = np.zeros_like(cx.use_of_force_since)
            cx.force_breaches = np.float32(since.sum() if breaches is None else breaches)
            cx.use_of_force_count = since.astype(np.float32) * (
                1.0 if breaches is None else breaches)
        if params:
            values = {p.name: p.default for p in self.mechanism.params}
            values.update(params)
            cx.p = ParamView(self.mechanism.name, values, dict(values))
        self.mechanism().step(st, cx)
        return np.asarray(st.target_shift - before)

    def test_no_event_no_answer(self) -> None:
        assert np.allclose(self._shift(np.zeros(5), response_democracy=0.3), 0.0)

    def test_the_target_turns_away_and_democracies_answer(self) -> None:
        """D1: pressure makes the target stand up; a breach is what democracies condemn."""
        only = dict(response_democracy=0.2, response_alliance=0.0, response_ties=0.0,
                    response_near=0.0, alignment_shift=0.3)
        s = self._shift(None, **only)  # the contract's event: force against actor 2
        st = make_state(1)
        assert (s[:, 2] > 0.29).all() and np.allclose(s[:, 0], 0.0)
        others = [1, 3, 4]
        assert (s[:, others] > 0).all()
        dem = st.democracy[:, others]
        assert np.allclose(s[:, others], 0.2 * np.clip(dem, 0, 1), atol=1e-6)

    def test_clients_tied_to_russia_stand_by_it(self) -> None:
        """Ties to Russia (arms and trade) move a state towards it."""
        s = self._shift(None, response_democracy=0.0, response_alliance=0.0, response_ties=0.2,
                        response_near=0.0)
        assert (s[:, [1, 3, 4]] <= 0).all() and (s[:, 3] < 0).all()  # actor 3 buys arms

    def test_each_breach_adds_an_answer_and_nearness_counts(self) -> None:
        one = np.array([0, 0, 1, 0, 0])
        two = np.array([0, 0, 1, 1, 0])
        kw = dict(response_democracy=0.0, response_alliance=0.0, response_ties=0.0,
                  response_near=0.1)
        s1, s2 = self._shift(one, **kw), self._shift(two, **kw)
        assert np.allclose(s1[:, 1], 0.1) and np.allclose(s2[:, 1], 0.2)  # near (contract)
        assert np.allclose(s1[:, 4], 0.0)  # far
        again = self._shift(one, breaches=2.0, **kw)  # a second use of force on the same state
        assert np.allclose(again[:, 1], 0.2)
        shift = next(p.default for p in self.mechanism.params if p.name == "alignment_shift")
        assert np.allclose(again[:, 2], 2 * shift) and np.allclose(s1[:, 2], shift)


class TestSmallPartnerLeverage(MechanismContract):
    mechanism = instruments.SmallPartnerLeverage
    behaviour = (
        S("partners sell their importance: Russia pays part of their demand: 004 'subsidize "
          "integration partners directly or indirectly'", "subsidy", +1,
          {"state.alignment": 0.0, "state.capacity": 0.5}, None, NB),
        S("unmet demand prompts independence, in votes: 004 'intention to put an end to "
          "unlimited subsidizing exists'", "target_shift", +1,
          {"state.alignment": 0.0, "state.capacity": 0.5}, None, NB),
        S("... and out of Russia's sphere (004, same passage)", "sphere_push", -1,
          {"state.alignment": 0.0, "state.capacity": 0.5}, None, np.s_[:, 1:, :, RUSSIA]),
        S("a demand paid in full leaves no independence (004 'subsidize integration "
          "partners directly or indirectly')", "target_shift", 0,
          {"state.alignment": 0.0, "state.capacity": 4.0}),
    )

    def test_the_rest_goes_to_the_pole_of_the_partners_options(self) -> None:
        change = {"state.alignment": 0.0, "state.capacity": 0.5}
        S("China-close partners (3, 4) turn to China", "sphere_push", +1, change, None,
          np.s_[:, 3:, :, CHINA]).check(self)
        S("... not to the West", "sphere_push", 0, change, None,
          np.s_[:, 3:, :, WEST]).check(self)
        S("EU-eligible partners (1, 2) turn West", "sphere_push", +1, change, None,
          np.s_[:, 1:3, :, WEST]).check(self)

    def test_all_of_it_in_votes_leaves_the_sphere_alone(self) -> None:
        S("vote_share 1", "sphere_push", 0,
          {"state.alignment": 0.0, "state.capacity": 0.5, "param.vote_share": 1.0}).check(self)

    def test_a_partner_with_both_options_splits_the_rest(self) -> None:
        both = {"state.alignment": 0.0, "state.capacity": 0.5,
                "item.eu_eligibility": np.array([0, 0.5, 0, 0, 0], F32),
                "item.china_proximity": np.array([0, 0.5, 0, 1, 1], F32)}
        before, after = self.run_in(both)
        push = after.sphere_push[:, 1] - before.sphere_push[:, 1]
        assert np.allclose(push[..., CHINA], push[..., WEST]) and (push[..., CHINA] > 0).all()


class TestAttraction(MechanismContract):
    mechanism = instruments.Attraction
    behaviour = (
        S("subsidies pull neighbours towards Russia: 004 'subsidize integration partners "
          "directly or indirectly'", "target_shift", -1, {}, None, NB),
        S("coercion spoils the pull: 003 'hard, heavy-handed politicisation of the language "
          "question'", "target_shift", +1, {"state.coercion": 1.0}, {"state.coercion": 0.0},
          NB),
        S("dependence follows subsidies up (004, same passage)", "dependence", +1,
          {"state.dependence": 0.0}, None, NB),
        S("... and down where subsidies are small", "dependence", -1,
          {"state.dependence": 1.0, "state.attraction": 0.0}, None, NB),
    )

    def test_more_attraction_more_subsidy(self) -> None:
        S("attraction pays subsidies", "subsidy", +1, {"state.attraction": 1.0},
          {"state.attraction": 0.0}, NB).check(self)

    def test_dependence_alone_holds_a_neighbour(self) -> None:
        S("no subsidy, no soft power: dependence pulls", "target_shift", -1,
          {"state.subsidy": 0.0, "state.attraction": 0.0, "state.dependence": 0.5,
           "param.soft_effect": 0.0}, None, NB).check(self)

    def test_soft_power_reaches_russian_speakers(self) -> None:
        # 004 language and church reach Russian speakers (C1_language)
        S("soft power only", "target_shift", -1, {"param.effect": 0.0}, None,
          np.s_[:, [1, 2, 4]]).check(self)


class TestAssertion(MechanismContract):
    mechanism = instruments.Assertion
    behaviour = (
        S("a pressed democracy stands up to the bully and votes West: 000 'Nachbarschaft als "
          "Raufbold wahrgenommen'", "target_shift", +1, {"state.democracy": 0.9}, None, NB),
        S("a pressed autocracy is pushed away too (000, same passage)", "target_shift", +1,
          {"state.democracy": 0.1}, None, NB),
        S("... partly by manoeuvring out of Russia's sphere: 001 'sets the Belarusian "
          "leadership on a course of geopolitical maneuvering'", "sphere_push", -1,
          {"state.democracy": 0.1}, None, np.s_[:, 1:, :, RUSSIA]),
        S("gas dependence amplifies coercion: 001 'through the deployment of its energy and "
          "trade leverage'", "coercion", +1, {"item.gas_dependence": np.ones((6, 5), F32)},
          {"item.gas_dependence": np.zeros((6, 5), F32)}, NB),
    )

    def test_a_democracy_answers_in_its_votes_only(self) -> None:
        S("democracy 1: sphere untouched", "sphere_push", 0, {"state.democracy": 1.0}
          ).check(self)
        S("democracy 1: the manoeuvring share does not matter", "target_shift", 0,
          {"state.democracy": 1.0, "param.autocrat_vote_share": 1.0},
          {"state.democracy": 1.0, "param.autocrat_vote_share": 0.0}).check(self)

    def test_an_autocracy_with_all_its_push_in_votes_keeps_its_sphere(self) -> None:
        S("vote share 1", "sphere_push", 0,
          {"state.democracy": 0.0, "param.autocrat_vote_share": 1.0}).check(self)


class TestAssertionBandwagon(MechanismContract):
    mechanism = instruments.AssertionBandwagon
    behaviour = (
        S("democracies balance (000 'Nachbarschaft als Raufbold wahrgenommen')",
          "target_shift", +1, {"state.democracy": 0.9}, None, NB),
        S("the rival hypothesis: pressed autocracies move towards Russia (the opposite of "
          "000's claim, kept as a hypothesis)", "target_shift", -1, {"state.democracy": 0.1},
          None, NB),
        S("gas dependence amplifies coercion: 001 'through the deployment of its energy and "
          "trade leverage'", "coercion", +1, {"item.gas_dependence": np.ones((6, 5), F32)},
          {"item.gas_dependence": np.zeros((6, 5), F32)}, NB),
    )


class TestPropaganda(MechanismContract):
    mechanism = outside.Propaganda
    behaviour = (
        S("propaganda renders the West less attractive where Russian media reach: 002 "
          "'proactively render the West less attractive and less threatening'",
          "west_discount", +1, {}, None, np.s_[:, [1, 2, 4]]),
        S("no Russian speakers, no reach (002, same passage)", "west_discount", 0, {}, None,
          np.s_[:, 3]),
        S("the lever off, no discount", "west_discount", 0, {"lever.russia_propaganda": 0.0}),
    )


class TestSilkRoadLink(MechanismContract):
    mechanism = outside.SilkRoadLink
    behaviour = (
        S("linking the EAEU with the Silk Road co-opts China's presence: Russia's share "
          "keeps more: 004 'combine the EAEU and the Chinese Silk Road Economic Belt (SREB)'",
          "sphere_push", +1, {"state.membership": _all_members}, None,
          np.s_[:, 1:, [TRADE, INVESTMENT], RUSSIA]),
        S("... at the West's expense (004, same passage)", "sphere_push", -1,
          {"state.membership": _all_members}, None, np.s_[:, 1:, [TRADE, INVESTMENT], WEST]),
        S("no link, no effect", "sphere_push", 0, {"lever.eaeu_sreb_link": 0.0}),
    )


class TestSphere(MechanismContract):
    mechanism = sphere.Sphere
    behaviour = (
        S("Russia's formats raise its security share (001, locator 'the realms of security, "
          "finances, and ideas': Russia seeks control over security, money and ideas)", "sphere",
          +1,
          {"state.membership": _members(0, True)}, {"state.membership": _members(0, False)},
          np.s_[:, 1:, SECURITY, RUSSIA]),
        S("... and the West's formats the West's (001, same passage)", "sphere", +1,
          {"state.membership": _members(1, True)}, {"state.membership": _members(1, False)},
          np.s_[:, 1:, SECURITY, WEST]),
        S("coercion lowers Russia's arms share", "sphere", -1, {"state.coercion": 1.0},
          {"state.coercion": 0.0}, np.s_[:, 1:, ARMS, RUSSIA]),
        S("China's trade draws China's share up: 004 'preventing it from significantly "
          "spreading its presence in the post-Soviet space'", "sphere", +1,
          {"state.china_share": 0.9}, {"state.china_share": 0.0},
          np.s_[:, 1:, [TRADE, ARMS, INVESTMENT], CHINA]),
    )

    def test_russian_formats_raise_its_trade_share_and_the_west_its_own(self) -> None:
        S("trade R", "sphere", +1, {"state.membership": _members(0, True)},
          {"state.membership": _members(0, False)}, np.s_[:, 1:, TRADE, RUSSIA]).check(self)
        S("trade W", "sphere", +1, {"state.membership": _members(1, True)},
          {"state.membership": _members(1, False)}, np.s_[:, 1:, TRADE, WEST]).check(self)
        S("arms W", "sphere", +1, {"state.membership": _members(1, True)},
          {"state.membership": _members(1, False)}, np.s_[:, 1:, ARMS, WEST]).check(self)

    def test_subsidies_buy_investment_and_the_offer_draws_west(self) -> None:
        S("subsidy", "sphere", +1, {"state.subsidy": 1.0}, {"state.subsidy": 0.0},
          np.s_[:, 1:, INVESTMENT, RUSSIA]).check(self)
        S("offer", "sphere", +1, {"lever.eu_offer": 1.0}, {"lever.eu_offer": 0.0},
          np.s_[:, 1:3, [TRADE, INVESTMENT], WEST]).check(self)
        S("capacity", "sphere", +1, {"state.capacity": 1.4}, {"state.capacity": 0.5},
          np.s_[:, 1:, TRADE, RUSSIA]).check(self)

    def test_chinas_starting_arms_share_anchors_its_target(self) -> None:
        low, high = (make_items()["sphere_reference"].copy() for _ in range(2))
        low[:, ARMS, CHINA], high[:, ARMS, CHINA] = 0.05, 0.6
        S("reference", "sphere", +1, {"item.sphere_reference": high},
          {"item.sphere_reference": low}, np.s_[:, 1:, ARMS, CHINA]).check(self)

    def test_at_full_adjustment_the_sphere_is_its_target_wherever_it_starts(self) -> None:
        other = make_state(2).sphere
        S("adjustment 1", "sphere", 0, {"param.adjustment": 1.0},
          {"param.adjustment": 1.0, "state.sphere": other}).check(self)

    def test_a_push_moves_the_sphere_and_channels_move_towards_their_targets(self) -> None:
        push = np.zeros((6, 5, 4, 3), F32)
        push[..., RUSSIA] = 0.5
        S("push", "sphere", +1, {"state.sphere_push": push}, {}, np.s_[:, 1:, :, RUSSIA]
          ).check(self)
        S("adjustment 0: no move", "sphere", 0, {"param.adjustment": 0.0}).check(self)


class TestPatronageNetworks(MechanismContract):
    mechanism = instruments.PatronageNetworks
    behaviour = (
        S("kleptocracy pulls a weakly governed partner (actor 1, full tie) towards Russia: 002 "
          "'kleptocracy a vector of influence for Russia's imperial expansion'",
          "target_shift", -1, {"state.democracy": 0.3}, None, np.s_[:, 1]),
        S("... not a fully accountable one (002, same passage)", "target_shift", 0,
          {"state.democracy": 1.0}, None, np.s_[:, 1]),
        S("after the data it erodes governance: 002 'undermine good governance within its "
          "neighbors and beyond'", "democracy", -1, {"state.democracy": 0.5}, None,
          np.s_[:, 1]),
        S("in observed years governance is the data's", "democracy", 0, {"observed": True}),
    )


class TestKindredRegimes(MechanismContract):
    mechanism = instruments.KindredRegimes
    behaviour = (
        S("autocrats lean on Russia for regime stability: 004 'key value for their elites is "
          "the stability of their regimes'", "target_shift", -1, {"state.democracy": 0.1},
          None, NB),
        S("... and in their security channel (004, same passage)", "sphere_push", +1,
          {"state.democracy": 0.1}, None, np.s_[:, 1:, SECURITY, RUSSIA]),
        S("democracies get no such pull", "target_shift", 0, {"state.democracy": 0.9}),
    )


class TestEUPull(MechanismContract):
    mechanism = outside.EUPull
    behaviour = (
        S("the EU competes for the shared neighbourhood: an offer draws eligible states West: "
          "001 'Russia are also vigorously competing, not least in their shared "
          "neighborhood'", "target_shift", +1, {}, None, np.s_[:, 1:3]),
        S("more democratic, more drawn (named assumption eu_democracy_condition)",
          "target_shift", +1, {"state.democracy": 0.9}, {"state.democracy": 0.3},
          np.s_[:, 1:3]),
        S("propaganda that cancels the whole pull leaves none (002 'proactively render the "
          "West less attractive')", "target_shift", 0, {"state.west_discount": 1.0}),
    )


class TestChinaPull(MechanismContract):
    mechanism = outside.ChinaPull
    behaviour = (
        S("China's weight draws the trade of exposed neighbours (3, 4): 004 'dramatic "
          "imbalance of the financial and economic potential of the two countries'",
          "china_share", +1, {"state.china_share": 0.0}, None, np.s_[:, 3:]),
        S("... towards its level, not beyond (a share above it falls)", "china_share", -1,
          {"state.china_share": 0.9}, None, np.s_[:, 3:]),
        S("China's presence drains Russia's trade share: 004 'preventing it from "
          "significantly spreading its presence in the post-Soviet space'", "sphere_push",
          -1, {}, None, np.s_[:, 1:, TRADE, RUSSIA]),
        S("... and its investment share (004, same passage)", "sphere_push", -1, {}, None,
          np.s_[:, 1:, INVESTMENT, RUSSIA]),
    )

    def test_a_rising_china_share_loosens_dependence_a_falling_one_does_not(self) -> None:
        S("rising", "dependence", -1, {"state.china_share": 0.0, "state.dependence": 0.5},
          None, np.s_[:, 3:]).check(self)
        S("falling", "dependence", 0, {"state.china_share": 0.9}).check(self)

    def test_the_rival_hypothesis_moves_votes_towards_russia(self) -> None:
        S("china_votes_with_russia", "target_shift", -1, {"param.alignment_effect": 0.5},
          None, np.s_[:, 1:]).check(self)
        S("the seeds' default: votes do not move", "target_shift", 0).check(self)


class TestInstitutions(MechanismContract):
    mechanism = institutions.Institutions
    behaviour = (
        S("a neighbour leaning towards Russia joins and stays in the Russia-led format 0: 004 "
          "'consolidate and synchronize the existing formats of interaction'", "membership",
          +1, {"state.alignment": -3.0, "state.membership": _members(1, False)},
          {"state.alignment": 3.0, "param.exit_base_east": 30.0}, np.s_[0, :, [1, 3, 4]]),
        S("a neighbour leaning West leaves it and stays out (004, same passage)", "membership",
          0, {"state.alignment": 3.0, "param.exit_base_east": 5.0}, ZERO,
          np.s_[0, :, [1, 3, 4]]),
        S("each Russia-led membership anchors the vote towards Russia", "target_shift", -1,
          {"state.alignment": -3.0, "state.membership": _members(1, False),
           "item.forced_membership": np.full((5, 2), -1, np.int8)}, None,
          np.s_[:, [1, 3, 4]]),
    )

    def hazard(self, **change: Any) -> np.ndarray:
        """Memberships of format 0 after one step from no memberships, lean 0."""
        base = {"state.membership": _no_members, "state.alignment": 0.0,
                "param.join_base_east": -15.0}
        base.update(change)
        return np.asarray(self.run_in(base)[1].membership[0][:, [1, 3, 4]])

    def test_each_term_of_the_accession_hazard_points_its_way(self) -> None:
        assert not self.hazard().any()  # base -15: nobody joins
        assert self.hazard(**{"param.join_lean": 30.0, "state.alignment": -1.0}).all()
        founding = np.array([True, True])
        assert self.hazard(**{"param.join_founding": 30.0,
                              "item.institution_founding": founding}).all()
        assert self.hazard(**{"item.attractiveness": np.full((6, 2), 30.0, F32)}).all()

    def test_depth_in_the_same_poles_formats_counts(self) -> None:
        two_russian = {"item.institution_pole": np.array([0, 0], np.int8),
                       "item.institution_exclusions": np.zeros((2, 2), bool),
                       "item.institution_columns": [np.arange(1, 5), np.arange(1, 5)],
                       "item.institution_columns_in_neighbours": [np.arange(4), np.arange(4)],
                       "item.path_years": np.array([0, 0]),
                       "item.red_line_scope": np.zeros((5, 2), bool),
                       "item.conflict_scope": np.zeros(2, bool),
                       "param.join_depth": 30.0, "param.join_base_east": -15.0,
                       "state.alignment": 0.0}
        joined = self.run_in({**two_russian, "state.membership": _members(1, True)}
                             )[1].membership[0][:, [1, 3, 4]]
        alone = self.run_in({**two_russian, "state.membership": _no_members}
                            )[1].membership[0][:, [1, 3, 4]]
        assert joined.all() and not alone.any()

    def test_exit_changes_with_depth_by_its_declared_sign(self) -> None:
        """``exit_depth`` is the change of the exit log-odds per membership of the same pole's
        other formats: a positive value makes a member of both Russia-led formats leave."""
        both = {"item.institution_pole": np.array([0, 0], np.int8),
                "item.institution_exclusions": np.zeros((2, 2), bool),
                "item.institution_columns": [np.arange(1, 5), np.arange(1, 5)],
                "item.institution_columns_in_neighbours": [np.arange(4), np.arange(4)],
                "item.path_years": np.array([0, 0]),
                "item.red_line_scope": np.zeros((5, 2), bool),
                "item.conflict_scope": np.zeros(2, bool),
                "item.forced_membership": np.full((5, 2), -1, np.int8),
                "state.membership": _all_members, "state.alignment": 0.0,
                "param.exit_base_east": -15.0, "param.exit_lean": 0.0,
                "param.join_base_east": -15.0}
        leave = self.run_in({**both, "param.exit_depth": 30.0})[1].membership[:, :, 1:]
        stay = self.run_in({**both, "param.exit_depth": -30.0})[1].membership[:, :, 1:]
        assert not leave.any() and stay.all()

    def test_exit_rises_with_lean_away(self) -> None:
        stay = {"state.membership": _all_members, "param.exit_base_east": -15.0,
                "param.exit_lean": 30.0}
        assert self.run_in({**stay, "state.alignment": -1.0})[1].membership[0][:, 1:].all()
        assert not self.run_in({**stay, "state.alignment": 1.0}
                               )[1].membership[0][:, [1, 3, 4]].any()

    def test_red_lines_and_standing_conflicts_hold_accession_back(self) -> None:
        go = {"state.membership": _no_members, "state.alignment": 3.0,
              "state.red_line_hold": 0.0, "state.accession_barrier": 0.0,
              "state.candidacy": 0.0}
        west = 1
        free = self.run_in(go)[1].candidacy[west][:, [1, 2]]
        held = self.run_in({**go, "state.red_line_hold": 100.0})[1].candidacy[west][:, [1]]
        blocked = self.run_in({**go, "state.accession_barrier": 1.0}
                              )[1].candidacy[west][:, [1, 2]]
        assert (free > 0).all() and (held == 0).all() and (blocked == 0).all()

    def test_a_candidate_counts_its_years_and_joins_when_ready(self) -> None:
        cand = {"state.membership": _no_members, "state.alignment": 0.0,
                "param.completion": 0.0, "param.exit_base_west": -15.0,
                "state.candidacy": 1.0}
        after = self.run_in(cand)[1]
        assert (after.candidacy[1][:, 1:4] == 2.0).all()
        ready = self.run_in({**cand, "state.candidacy": 2.0, "param.completion": 1.0})[1]
        assert ready.membership[1][:, 1:4].all()


class TestInstitutionsObserved(MechanismContract):
    mechanism = institutions.Institutions
    behaviour = (
        S("in observed years the record's memberships anchor votes: West-led ones West",
          "target_shift", +1, {"item.membership_history": np.array(
              [[-1, -1], [0, 1], [0, 1], [0, 1], [0, 1]], np.int8)}, None, NB),
        S("... Russia-led ones towards Russia (004 'consolidate and synchronize the existing "
          "formats of interaction')", "target_shift", -1, {
              "item.membership_history": np.array(
                  [[-1, -1], [1, 0], [1, 0], [1, 0], [1, 0]], np.int8),
              "item.forced_membership": np.full((5, 2), -1, np.int8)}, None, NB),
    )
    observed = True

    def _anchor(self, **params: float) -> np.ndarray:
        cx = self.context()
        cx.institution_pole = np.array([2, 1], np.int8)  # a China-led format (the SCO) and a West-led one
        hist = np.full_like(cx.membership_history, -1)
        hist[[1, 2], 0] = 1  # actors 1 and 2 in the China-led format only
        cx.membership_history = cx.membership_history_previous = hist
        cx.forced_membership = np.full_like(hist, -1)  # no dated accession this year
        _with(cx, self.mechanism, **params)
        st = make_state(cx.keys.size)
        before = st.target_shift.copy()
        self.mechanism().step(st, cx)
        return np.asarray(st.target_shift - before)

    def test_the_sco_anchors_no_votes_by_default(self) -> None:
        """C6_sco: the SCO is a status prop for Russia, not a bloc that binds votes."""
        assert np.allclose(self._anchor(), 0.0)

    def test_the_rival_hypothesis_anchors_towards_russia(self) -> None:
        s = self._anchor(other_pole_anchor=0.5)
        assert (s[:, [1, 2]] < 0).all() and np.allclose(s[:, [3, 4]], 0.0)


class TestFrozenConflicts(MechanismContract):
    mechanism = institutions.FrozenConflicts
    behaviour = (
        S("a neighbour far West under full assertion risks a new conflict: 002 'frozen "
          "conflicts in Transnistria, Georgia, and now Ukraine'", "conflict", +1,
          {"param.war_prob": 1.0, "state.assertion": 1.0, "state.alignment": 0.9,
           "state.frozen": 0.0, "item.frozen_history": np.zeros(5, F32)}, None, NB),
        S("... and then sees Russia as the threat and jumps West (002, same passage)",
          "alignment_jump", +1,
          {"param.war_prob": 1.0, "state.assertion": 1.0, "state.alignment": 0.9,
           "state.frozen": 0.0, "item.frozen_history": np.zeros(5, F32)}, None, NB),
        S("in observed years no conflict is drawn", "conflict", 0,
          {"param.war_prob": 1.0, "state.assertion": 1.0, "state.alignment": 0.9,
           "observed": True}),
    )


class TestRedLines(MechanismContract):
    mechanism = institutions.RedLines
    behaviour = (
        S("outside powers' tacit red lines hold accession back where they run (actors 1, 3): "
          "004 'tacitly determined red lines and principles of interaction'", "red_line_hold",
          +1, {}, ZERO, np.s_[:, [1, 3]]),
        S("... and nowhere else", "red_line_hold", 0, {}, ZERO, np.s_[:, [0, 2, 4]]),
    )


class TestShocks(MechanismContract):
    mechanism = shocks.Shocks
    behaviour = (
        S("a revolution raises democracy: 002 'three conflicts - in Belarus, Kyrgyzstan and "
          "Nagorno-Karabakh'", "democracy", +1, {"param.revolution_prob": 1.0,
                                                 "param.democracy_sd": 0.0,
                                                 "state.democracy": 0.0}, None, NB),
        S("... and moves alignment West (002, same passage)", "alignment_jump", +1,
          {"param.revolution_prob": 1.0, "param.democracy_sd": 0.0, "state.democracy": 0.0,
           "param.leadership_prob": 0.0, "param.partner_conflict_prob": 0.0}, None, NB),
        S("a full democracy has no repression to overturn", "alignment_jump", 0,
          {"param.revolution_prob": 1.0, "param.democracy_sd": 0.0, "state.democracy": 1.0,
           "param.leadership_prob": 0.0, "param.partner_conflict_prob": 0.0}),
        S("a flare-up turns the embattled non-producer (actor 2) against Russia: 004 'The "
          "conflict between Armenia and Azerbaijan poses the greatest destructive potential'",
          "alignment_jump", +1, {"param.revolution_prob": 0.0, "param.leadership_prob": 0.0,
                                 "param.partner_conflict_prob": 1.0}, None, np.s_[:, 2]),
    )

    def test_a_flare_up_is_a_conflict_and_costs_russia_its_security_share(self) -> None:
        flare = {"param.revolution_prob": 0.0, "param.leadership_prob": 0.0,
                 "param.partner_conflict_prob": 1.0}
        S("conflict", "conflict", +1, flare, None, np.s_[:, 2]).check(self)
        S("security", "sphere_push", -1, flare, None, np.s_[:, 2, SECURITY, RUSSIA]
          ).check(self)

    def test_autocracies_change_leaders_more_often(self) -> None:
        # 004 D8_uzbekistan: autocracies without named successors
        quiet = {"param.revolution_prob": 0.0, "param.partner_conflict_prob": 0.0,
                 "param.democracy_sd": 0.0, "param.leadership_prob": 0.5}
        autoc = self.run_in({**quiet, "state.democracy": 0.0})
        demo = self.run_in({**quiet, "state.democracy": 1.0})
        moved_a = (autoc[1].alignment_jump != autoc[0].alignment_jump)[:, 1:]
        moved_d = (demo[1].alignment_jump != demo[0].alignment_jump)[:, 1:]
        assert moved_a.all() and moved_d.sum() < moved_a.sum()

    def test_flare_ups_hit_the_sides_of_a_partners_conflict_only(self) -> None:
        """D8_karabakh: the passages speak of the Armenia-Azerbaijan conflict, not of the
        conflicts on a state's territory where Russia is a party (actor 2 is frozen in the
        contract's items, and with actor 4 the non-producing side of a partners' conflict)."""
        cx = self.context()
        _with(cx, self.mechanism, partner_conflict_prob=1.0, revolution_prob=0.0,
              leadership_prob=0.0)
        st = make_state(cx.keys.size)
        st.conflict[:] = 0
        self.mechanism().step(st, cx)
        assert (st.conflict[:, [2, 4]] == 1).all() and (st.conflict[:, [0, 1, 3]] == 0).all()
        cx.conflict_partners = np.zeros_like(cx.conflict_partners)  # frozen, no partners
        st = make_state(cx.keys.size)
        st.conflict[:] = 0
        self.mechanism().step(st, cx)
        assert (st.conflict == 0).all()


class TestDatedEvents(MechanismContract):
    mechanism = shocks.DatedEvents
    behaviour = (
        S("a given revolution (actor 2) raises democracy: 002 'three conflicts - in Belarus, "
          "Kyrgyzstan and Nagorno-Karabakh'", "democracy", +1, {"state.democracy": 0.5},
          None, np.s_[:, 2]),
        S("... and moves alignment West (002, same passage)", "alignment_jump", +1,
          {"item.elite_transition_event": np.zeros(5, F32)}, None, np.s_[:, 2]),
        S("without events nothing happens", "alignment_jump", 0,
          {"item.revolution_event": np.zeros(5, F32),
           "item.elite_transition_event": np.zeros(5, F32)}),
    )


class TestAlignment(MechanismContract):
    mechanism = alignment.Alignment
    behaviour = (
        S("a target moved West by the other mechanisms draws alignment West: 004 'region of "
          "open competition among several influential players'", "alignment", +1,
          {"state.target_shift": 0.5, "param.noise": 0.0, "param.common_noise": 0.0},
          {"state.target_shift": 0.0, "param.noise": 0.0, "param.common_noise": 0.0}, NB),
        S("democracies vote more with the West: 001 'Russia are also vigorously competing, "
          "not least in their shared neighborhood'", "alignment", +1,
          {"state.democracy": 0.9, "param.noise": 0.0, "param.common_noise": 0.0},
          {"state.democracy": 0.1, "param.noise": 0.0, "param.common_noise": 0.0}, NB),
        S("at its target a neighbour stays put", "alignment", 0,
          {"state.alignment": 0.4, "state.target_shift": 0.4, "param.base": 0.0,
           "param.democracy_effect": 0.0, "param.noise": 0.0, "param.common_noise": 0.0,
           "state.alignment_jump": 0.0}, None, NB),
        S("a one-off jump moves it at once (a war, a revolution)", "alignment", +1,
          {"state.alignment_jump": 0.3, "param.noise": 0.0, "param.common_noise": 0.0},
          {"state.alignment_jump": 0.0, "param.noise": 0.0, "param.common_noise": 0.0}, NB),
    )


class TestDelegationLimit(MechanismContract):
    mechanism = integration.DelegationLimit
    behaviour = (
        S("an autocracy's integration stays capped however much it wants it: 001 "
          "'authoritarian power is indivisible; it cannot be transferred or delegated'",
          "integration_depth", -1,
          {"state.democracy": 0.0, "state.alignment": -1.0, "state.dependence": 1.0,
           "state.membership": _all_members, "state.integration_depth": 0.8}, None, NB),
        S("a democracy leaning towards Russia deepens integration (001, same passage, "
          "read the other way)", "integration_depth", +1,
          {"state.democracy": 0.9, "state.alignment": -0.7, "state.dependence": 0.0,
           "state.membership": _no_members, "state.integration_depth": 0.0}, None, NB),
        S("... as does one dependent on Russia", "integration_depth", +1,
          {"state.democracy": 0.9, "state.alignment": 1.0, "state.dependence": 1.0,
           "state.membership": _no_members, "state.integration_depth": 0.0}, None, NB),
        S("... and a member of Russia's formats", "integration_depth", +1,
          {"state.democracy": 0.9, "state.alignment": 1.0, "state.dependence": 0.0,
           "state.membership": _all_members, "state.integration_depth": 0.0}, None, NB),
    )

    def test_a_democracy_is_not_capped(self) -> None:
        S("democracy 0.9 with a full wish moves above the autocrats' cap",
          "integration_depth", +1,
          {"state.democracy": 0.9, "state.alignment": -1.0, "state.dependence": 1.0,
           "state.membership": _all_members, "state.integration_depth": 0.5}, None,
          NB).check(self)


class TestDomesticLinkage(MechanismContract):
    mechanism = domestic.DomesticLinkage
    behaviour = (
        S("rents above the reference secure the regime: 001 'significant financial resources "
          "due to the energy revenues windfall'", "regime_security", +1,
          {"state.capacity": 2.0}, {"state.capacity": 0.5}),
        S("neighbours drifting West are feared at home: 002 'Democracies on Russia's borders' "
          "threaten a regime of corruption", "regime_security", -1,
          {"state.alignment": 1.0}, {"state.alignment": 0.0}),
        S("assertion abroad rallies the regime: 002 'survival and reproduction of power in a "
          "permanent state of war'", "regime_security", +1, {"state.assertion": 1.0},
          {"state.assertion": 0.0}),
        S("recognition abroad and legitimacy at home are intertwined: 001 'domestic legitimacy "
          "appear to be closely intertwined and inter-dependent'", "regime_security", +1,
          {"state.recognition": 1.0}, {"state.recognition": 0.0}),
    )

    def test_terms_vanish_at_their_reference_levels(self) -> None:
        S("capacity 1", "regime_security", 0, {"state.capacity": 1.0},
          {"state.capacity": 1.0, "param.rent_gain": 0.0}).check(self)
        S("recognition at its norm", "regime_security", 0, {"state.recognition": 0.5},
          {"state.recognition": 0.5, "param.recognition_gain": 0.0}).check(self)

    def test_security_reverts_to_its_norm(self) -> None:
        calm = {"param.rent_gain": 0.0, "param.contagion": 0.0, "param.rally": 0.0,
                "param.recognition_gain": 0.0}
        S("above", "regime_security", -1, {**calm, "state.regime_security": 0.9}).check(self)
        S("below", "regime_security", +1, {**calm, "state.regime_security": 0.1}).check(self)

    def test_recognition_follows_loyalty_and_suffers_from_assertion(self) -> None:
        S("a loyal neighbourhood", "recognition", +1, {"state.alignment": -1.0},
          {"state.alignment": 1.0}).check(self)
        S("assertion costs recognition", "recognition", -1, {"state.assertion": 1.0},
          {"state.assertion": 0.0}).check(self)
        S("a secure regime is recognised", "recognition", +1,
          {"state.regime_security": 1.0, "param.security_reversion": 0.0},
          {"state.regime_security": 0.0, "param.security_reversion": 0.0}).check(self)
        S("recognition moves towards its level from below", "recognition", +1,
          {"state.recognition": 0.0}).check(self)
        S("... and from above", "recognition", -1, {"state.recognition": 1.0}).check(self)

    def _recognition(self, loyal: bool, **params: float) -> np.ndarray:
        cx = self.context()
        _with(cx, self.mechanism, contagion=0.0, **params)  # drift West also costs security
        st = make_state(cx.keys.size)
        st.alignment[:] = -0.5 if loyal else 0.9
        self.mechanism().step(st, cx)
        return np.asarray(st.recognition)

    def test_a_loyal_neighbourhood_adds_no_recognition_by_default(self) -> None:
        """E4_no_support: Russia's post-Soviet policy earns it almost no backing abroad."""
        assert np.allclose(self._recognition(True), self._recognition(False))

    def test_the_rival_hypothesis_adds_recognition_from_loyalty(self) -> None:
        assert (self._recognition(True, sphere_gain=0.5)
                > self._recognition(False, sphere_gain=0.5)).all()


class TestBilateralManagement(MechanismContract):
    """C6_bilateral, C6_csto: a partner quarrel strains Russia's formats; managed or not."""

    mechanism = partners.BilateralManagement
    behaviour = (
        S("a quarrel between partners strains the format they share: 004 'creates "
          "additional animosities between partner states in multilateral formats'",
          "friction", +1, {"state.membership": _all_members, "state.friction": 0.0,
                           "state.conflict": lambda c: c + np.array([0, 0, 1, 0, 0], F32)},
          None, np.s_[:, 1:]),
        S("... and the strained formats anchor their members less (004, same passage)",
          "target_shift", +1,
          {"state.membership": _all_members, "state.friction": 0.0,
           "state.conflict": lambda c: c + np.array([0, 0, 1, 0, 0], F32)}, None, NB),
    )

    def flare(self, effect: float | None = None, side_inside: bool = True
              ) -> tuple[State, State]:
        """One step before and after a flare-up on neighbour 2 (its partner is neighbour 4).

        Neighbours 1, 2 (if ``side_inside``) and 4 belong to the Russia-led format 0,
        neighbour 3 does not; friction starts at 0.
        """
        st = make_state(1)
        st.membership[0][:, [1, 4]] = True
        st.membership[0][:, 2] = side_inside
        st.membership[0][:, 3] = False
        st.friction[...] = 0.0
        st.conflict[:, 2] = 1.0
        before = copy.deepcopy(st)
        cx = self.context()
        if effect is not None:
            cx.p._row["effect"] = cx.p._member["effect"] = effect
        self.mechanism().step(st, cx)
        return before, st

    def test_a_flare_up_strains_the_sides_formats_and_nobody_outside(self) -> None:
        before, st = self.flare()
        assert (st.friction[:, [1, 2, 4]] == 1.0).all()
        assert (st.friction[:, [0, 3]] == 0.0).all()
        moved = st.target_shift - before.target_shift
        assert (moved[:, [1, 2, 4]] > 0).all()  # the format's members drift West
        assert np.allclose(moved[:, [0, 3]], 0.0)

    def test_management_cancels_part_of_the_strain_at_a_cost(self) -> None:
        b0, none = self.flare(effect=0.0)
        b1, managed = self.flare()
        loss_none = (none.target_shift - b0.target_shift)[:, [1, 2, 4]]
        loss_managed = (managed.target_shift - b1.target_shift)[:, [1, 2, 4]]
        assert (loss_managed < loss_none).all()
        assert np.array_equal(none.capacity, b0.capacity)  # nothing managed, nothing spent
        assert (managed.capacity < b1.capacity).all()
        assert (managed.subsidy.sum(axis=1) < b1.subsidy.sum(axis=1)).all()

    def test_friction_fades_without_new_flare_ups(self) -> None:
        st = make_state(1)
        st.conflict[...] = 0.0
        start = st.friction.copy()
        self.mechanism().step(st, self.context())
        assert np.allclose(st.friction, start * (1.0 - 0.35))

    def test_a_side_outside_russias_formats_strains_nobody(self) -> None:
        before, st = self.flare(side_inside=False)
        # neighbour 4, the other side, is inside, but it did not flare up this year
        assert (st.friction == 0.0).all()
        assert np.array_equal(st.target_shift, before.target_shift)


class TestFreeRiding(MechanismContract):
    """D4_members_refuse, E4_not_intimate: partners profit from Russia's rift with the West."""

    mechanism = partners.FreeRiding
    behaviour = (
        S("members profit from Russia's rift with the West: they ask more (004, locator "
          "'play on the deterioration of relations': partners exploit the rift)", "subsidy",
          +1, {"state.membership": _all_members, "state.recognition": 0.1}, None, NB),
        S("... and back it less (004, same passage)", "target_shift", +1,
          {"state.membership": _all_members, "state.recognition": 0.1}, None, NB),
        S("no rift, no free riding", "subsidy", 0,
          {"state.membership": _all_members, "state.recognition": 0.6}),
    )

    def step_at(self, recognition: float) -> tuple[State, State]:
        st = make_state(1)
        st.membership[0][:, 1:] = True  # every neighbour in the Russia-led format 0
        st.recognition[...] = recognition
        before = copy.deepcopy(st)
        self.mechanism().step(st, self.context())
        return before, st

    def test_no_rift_no_free_riding(self) -> None:
        before, st = self.step_at(0.6)
        assert np.array_equal(st.subsidy, before.subsidy)
        assert np.array_equal(st.target_shift, before.target_shift)

    def test_a_rift_raises_demands_and_lowers_backing(self) -> None:
        b_mild, mild = self.step_at(0.3)
        b_deep, deep = self.step_at(0.1)
        extra_mild = (mild.subsidy - b_mild.subsidy)[:, 1:]
        extra_deep = (deep.subsidy - b_deep.subsidy)[:, 1:]
        assert (extra_mild > 0).all() and (extra_deep > extra_mild).all()
        west_mild = (mild.target_shift - b_mild.target_shift)[:, 1:]
        west_deep = (deep.target_shift - b_deep.target_shift)[:, 1:]
        assert (west_mild > 0).all() and (west_deep > west_mild).all()
        assert np.array_equal(deep.subsidy[:, 0], b_deep.subsidy[:, 0])  # Russia itself

    def test_only_members_of_russia_led_formats_free_ride(self) -> None:
        st = make_state(1)
        st.membership[0][:, 3] = False
        st.recognition[...] = 0.1
        before = copy.deepcopy(st)
        self.mechanism().step(st, self.context())
        assert np.array_equal(st.subsidy[:, 3], before.subsidy[:, 3])
        assert np.array_equal(st.target_shift[:, 3], before.target_shift[:, 3])


def test_every_registered_mechanism_has_a_contract_test_class() -> None:
    def walk(cls: type) -> list[type]:
        return [c for sub in cls.__subclasses__() for c in (sub, *walk(sub))]

    # the world mechanisms' classes live in test_world_mechanisms.py
    import tests.model.mechanisms.test_world_mechanisms  # noqa: F401

    tested = {c.mechanism for c in walk(MechanismContract) if hasattr(c, "mechanism")}
    assert set(MECHANISMS.classes.values()) <= tested, \
        set(MECHANISMS.classes.values()) - tested


def test_every_registered_mechanism_has_a_behaviour_table() -> None:
    def walk(cls: type) -> list[type]:
        return [c for sub in cls.__subclasses__() for c in (sub, *walk(sub))]

    import tests.model.mechanisms.test_world_mechanisms  # noqa: F401

    rows: dict[type, int] = {}
    for c in walk(MechanismContract):
        if hasattr(c, "mechanism"):
            rows[c.mechanism] = rows.get(c.mechanism, 0) + len(c.behaviour)
    thin = {m.__name__: n for m, n in rows.items() if n < 2}
    assert thin == {}, f"give these mechanisms a behaviour table of 2-4 rows: {thin}"
    assert set(MECHANISMS.classes.values()) <= set(rows)


def _with(cx: object, mech: type, **params: float) -> None:
    """Point ``cx.p`` at ``mech``'s defaults with ``params`` changed (all members alike)."""
    values = {p.name: p.default for p in mech.params}
    values.update({k: 0.65 for k in getattr(mech, "shared", ())})
    values.update(params)
    cx.p = ParamView(mech.name, values, dict(values))  # type: ignore[attr-defined]
