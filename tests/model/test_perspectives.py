"""Each perspective moves its outcomes the way the seed describes that group (fidelity.md).

A perspective's overrides are stated relative to the calibrated values (quantiles of the
scenario's distributions, or multiples), so it says "stronger" or "weaker" than the baseline,
never an absolute number that might lie on the wrong side of it. Each test compares the
perspective's run with the baseline run of the same seed.
"""

from __future__ import annotations

import numpy as np
import pytest

from multipolar.core.errors import ScenarioError
from multipolar.model.api import compile_model
from multipolar.scenario import load_scenario

from .conftest import mean_over, run

FUTURE = range(2020, 2031)
CONTESTED = ["Ukraine", "Moldova", "Georgia"]
CENTRAL_ASIA = ["Kazakhstan", "Kyrgyzstan", "Tajikistan", "Uzbekistan", "Turkmenistan"]
NEIGHBOURS = ["Belarus", "Ukraine", "Moldova", "Georgia", "Armenia", "Azerbaijan", *CENTRAL_ASIA]
PARTNERS = ["Belarus", "Armenia", "Kyrgyzstan", "Tajikistan", "Kazakhstan"]


def test_kremlin_view_russia_holds_its_sphere() -> None:
    """E1 (003, 'triumphalist narrative'), E1_cis_priority: attraction works, China no rival."""
    base, view = run(), run(perspective="kremlin")
    assert mean_over(view, NEIGHBOURS, FUTURE, "sphere_russia") > \
        mean_over(base, NEIGHBOURS, FUTURE, "sphere_russia") + 0.005
    assert mean_over(view, CONTESTED, FUTURE) < mean_over(base, CONTESTED, FUTURE) - 0.01


def test_young_experts_view_cis_policy_costly_and_unrewarding() -> None:
    """E2_neo_imperial, E2_coercion, E2_china (003): coercion backfires; China a threat."""
    base, view = run(), run(perspective="young_experts")
    assert mean_over(view, CONTESTED, FUTURE) > mean_over(base, CONTESTED, FUTURE) + 0.01
    assert mean_over(view, CENTRAL_ASIA, FUTURE, "sphere_china") > \
        mean_over(base, CENTRAL_ASIA, FUTURE, "sphere_china") + 0.005


def test_western_analysts_view_hostility_from_domestic_politics() -> None:
    """E3_domestic (002, 'driven, first and foremost, by domestic politics').

    Assertion is higher than baseline with the assertion lever unchanged, and it rises more
    in members whose regime security is low (the rally motive). The baseline holds the three
    parameters the view overrides at their medians, so each member's rise measures the
    overlay's direction and not how high that member's own draws happened to be (with the
    draws left free the difference between the groups is within their noise).
    """
    medians = tuple((f"mechanisms.russia_policy.params.{k}", v) for k, v in (
        ("rally_motive", 0.75), ("threat_gain", 3.5), ("restraint_gain", 1.25)))
    base, view = run(medians), run(perspective="western_analysts")
    ass_b = base.actor_outcomes["assertion"][:, -10:].mean(axis=(1, 2))
    ass_v = view.actor_outcomes["assertion"][:, -10:].mean(axis=(1, 2))
    assert ass_v.mean() > ass_b.mean() + 0.01
    security = base.core_outcomes["regime_security"][:, -10:].mean(axis=1)
    low = security < np.median(security)
    rise = ass_v - ass_b
    assert rise[low].mean() > rise[~low].mean()


def test_post_soviet_specialists_view_diminished_resources() -> None:
    """E4_resources (004, 'use its diminished resources'), E4_not_intimate: partners drift."""
    base, view = run(), run(perspective="post_soviet_specialists")
    t = slice(-10, None)
    assert np.median(view.core_outcomes["capacity"][:, t]) < \
        np.median(base.core_outcomes["capacity"][:, t]) - 0.05
    assert mean_over(view, PARTNERS, FUTURE, "sphere_russia") < \
        mean_over(base, PARTNERS, FUTURE, "sphere_russia") - 0.005
    assert mean_over(view, PARTNERS, FUTURE) > mean_over(base, PARTNERS, FUTURE) + 0.01


def test_post_soviet_specialists_view_partners_free_ride() -> None:
    """E4_not_intimate, D4_members_refuse (004): partners play on Russia's rift with the West.

    The overlay's free riding (``free_riding.gain`` and ``refusal`` at quantile 0.9) makes
    the partners extract more and back Russia less than the same view with free riding at
    its calibrated medians.
    """
    ranges = load_scenario("russia-neighbourhood").scenario.mechanisms["free_riding"].params
    mid = {k: (ranges[k].low + ranges[k].high) / 2 for k in ("gain", "refusal")}
    view = run(perspective="post_soviet_specialists")
    median = run((("mechanisms.free_riding.params.gain", mid["gain"]),
                  ("mechanisms.free_riding.params.refusal", mid["refusal"])),
                 perspective="post_soviet_specialists")
    assert mean_over(view, PARTNERS, FUTURE, "subsidy") > \
        mean_over(median, PARTNERS, FUTURE, "subsidy") + 0.004
    assert mean_over(view, PARTNERS, FUTURE) > mean_over(median, PARTNERS, FUTURE) + 0.003


def test_post_soviet_specialists_view_red_lines_held() -> None:
    """E4_red_lines (004): the specialists see the outside powers' red lines as firmly kept.

    The overlay's ``red_lines.hold`` at quantile 0.9 of its range keeps Ukraine and Georgia
    out of NATO more often than the same view with the hold at its range's middle.
    """
    rng = load_scenario("russia-neighbourhood").scenario.mechanisms["red_lines"].params["hold"]
    view = run(perspective="post_soviet_specialists", end=2035)
    mid = run((("mechanisms.red_lines.params.hold", (rng.low + rng.high) / 2),),
              perspective="post_soviet_specialists", end=2035)
    k, t = view.institutions.index("NATO"), list(view.years).index(2035)
    for actor in ("Ukraine", "Georgia"):
        j = view.actors.index(actor)
        assert view.memberships[:, t, j, k].mean() < mid.memberships[:, t, j, k].mean() - 0.02


def test_overrides_are_relative_to_the_calibrated_ranges() -> None:
    """A quantile override lands inside the scenario's range, on the side it names."""
    base = load_scenario("russia-neighbourhood").scenario.mechanisms["attraction"]
    rng = base.params["effect"]  # the calibrated range (uniform)
    assert rng.dist == "uniform" and rng.high > rng.low
    sc = load_scenario("russia-neighbourhood", perspective="kremlin").scenario
    effect = sc.mechanisms["attraction"].params["effect"]
    assert effect.value == pytest.approx(rng.low + 0.9 * (rng.high - rng.low))
    assert effect.value > (rng.low + rng.high) / 2
    ld = load_scenario("russia-neighbourhood", perspective="post_soviet_specialists")
    sc = ld.scenario
    # ref_price is left at its declared default (50): {scale: 1.3} is resolved when compiling
    assert sc.mechanisms["resource_rents"].params["ref_price"].relative_to == "default"
    assert compile_model(ld, end=2000).nominal("resource_rents.ref_price") == pytest.approx(65.0)
    assert sc.mechanisms["free_riding"].params["gain"].value == pytest.approx(0.9)


def test_quantile_of_a_fixed_parameter_is_a_located_error() -> None:
    with pytest.raises(ScenarioError, match="quantile"):
        load_scenario("russia-neighbourhood",
                      sets={"mechanisms.alignment.params.base": {"quantile": 0.5}})
