"""One contract test class per mechanism: each inherits every check of the contract."""

from __future__ import annotations

import copy

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
from multipolar.model.state import ParamView, State
from tests.model.mechanisms.contract import MechanismContract, make_state


class TestResourceRents(MechanismContract):
    mechanism = capacity.ResourceRents


class TestEliteInterests(MechanismContract):
    mechanism = capacity.EliteInterests


class TestThreatPerception(MechanismContract):
    mechanism = policy.ThreatPerception


class TestStrategicPolicy(MechanismContract):
    mechanism = policy.StrategicPolicy


class TestOpportunistPolicy(MechanismContract):
    mechanism = policy.OpportunistPolicy


class TestUseOfForce(MechanismContract):
    mechanism = policy.UseOfForce

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


class TestAttraction(MechanismContract):
    mechanism = instruments.Attraction


class TestAssertion(MechanismContract):
    mechanism = instruments.Assertion


class TestAssertionBandwagon(MechanismContract):
    mechanism = instruments.AssertionBandwagon


class TestPropaganda(MechanismContract):
    mechanism = outside.Propaganda


class TestSilkRoadLink(MechanismContract):
    mechanism = outside.SilkRoadLink


class TestSphere(MechanismContract):
    mechanism = sphere.Sphere


class TestPatronageNetworks(MechanismContract):
    mechanism = instruments.PatronageNetworks


class TestKindredRegimes(MechanismContract):
    mechanism = instruments.KindredRegimes


class TestEUPull(MechanismContract):
    mechanism = outside.EUPull


class TestChinaPull(MechanismContract):
    mechanism = outside.ChinaPull


class TestInstitutions(MechanismContract):
    mechanism = institutions.Institutions


class TestInstitutionsObserved(MechanismContract):
    mechanism = institutions.Institutions
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


class TestRedLines(MechanismContract):
    mechanism = institutions.RedLines


class TestShocks(MechanismContract):
    mechanism = shocks.Shocks

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


class TestAlignment(MechanismContract):
    mechanism = alignment.Alignment


class TestDelegationLimit(MechanismContract):
    mechanism = integration.DelegationLimit


class TestDomesticLinkage(MechanismContract):
    mechanism = domestic.DomesticLinkage

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


def _with(cx: object, mech: type, **params: float) -> None:
    """Point ``cx.p`` at ``mech``'s defaults with ``params`` changed (all members alike)."""
    values = {p.name: p.default for p in mech.params}
    values.update({k: 0.65 for k in getattr(mech, "shared", ())})
    values.update(params)
    cx.p = ParamView(mech.name, values, dict(values))  # type: ignore[attr-defined]
