"""One contract test class per mechanism: each inherits every check of the contract."""

from __future__ import annotations

from multipolar.model.mechanisms import (
    MECHANISMS,
    alignment,
    capacity,
    domestic,
    institutions,
    instruments,
    integration,
    outside,
    policy,
    shocks,
    sphere,
)
from tests.model.mechanisms.contract import MechanismContract


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


def test_every_registered_mechanism_has_a_contract_test_class() -> None:
    def walk(cls: type) -> list[type]:
        return [c for sub in cls.__subclasses__() for c in (sub, *walk(sub))]

    # the world mechanisms' classes live in test_world_mechanisms.py
    import tests.model.mechanisms.test_world_mechanisms  # noqa: F401

    tested = {c.mechanism for c in walk(MechanismContract) if hasattr(c, "mechanism")}
    assert set(MECHANISMS.classes.values()) <= tested, \
        set(MECHANISMS.classes.values()) - tested
