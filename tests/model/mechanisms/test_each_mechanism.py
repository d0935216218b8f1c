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
from multipolar.model.state import State
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


class TestFrozenConflicts(MechanismContract):
    mechanism = institutions.FrozenConflicts


class TestRedLines(MechanismContract):
    mechanism = institutions.RedLines


class TestShocks(MechanismContract):
    mechanism = shocks.Shocks


class TestDatedEvents(MechanismContract):
    mechanism = shocks.DatedEvents


class TestAlignment(MechanismContract):
    mechanism = alignment.Alignment


class TestDelegationLimit(MechanismContract):
    mechanism = integration.DelegationLimit


class TestDomesticLinkage(MechanismContract):
    mechanism = domestic.DomesticLinkage


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
