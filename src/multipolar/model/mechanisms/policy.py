"""Russia's reading of threats and its yearly choice of instruments.

Threat perception (B2, C5), the yearly choice of attraction and assertion (A1-A4; the
opportunist rule, D9), and the dated use of force given by the scenario (D1, C2).

Depends on NumPy, :mod:`multipolar.core.rng` and :mod:`.base`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from multipolar.core import rng
from multipolar.model.mechanisms._maths import clip, count_true, share_true, sigmoid
from multipolar.model.mechanisms.base import (
    INF,
    Mechanism,
    Outcome,
    Param,
    StateVar,
    Stream,
    register,
)

if TYPE_CHECKING:
    from multipolar.model.state import ParamView, State, StepContext


@register
class ThreatPerception(Mechanism):
    """Russia reads drift West and Western alliances next door as threats (B2, C5).

    Threat to Russia from neighbour *i* grows with how far *i* has moved West of where it
    started, and with its membership of West-led institutions; a vast, thinly held territory
    (``vulnerability``) magnifies it.
    """

    name = "threat_perception"
    theory = ("B2", "C5")
    evidence = ("B2", "B2_porous_borders", "D7_domestic_foreign")
    params = (
        Param("vulnerability", 1.0, "multiplier of perceived threat", "-", (0.0, 5.0)),
        Param("drift_weight", 2.0, "threat per unit of alignment West of the actor's 1990s "
              "position", "threat per alignment unit", (0.0, 10.0)),
        Param("alliance_weight", 0.5, "threat from membership of West-led institutions",
              "threat per membership", (0.0, 5.0)),
    )
    reads = ("alignment", "membership")
    writes = ("threat",)
    context = ("alignment_reference", "west_institutions", "neighbours")
    state = (StateVar("threat", "this year's threat Russia perceives from each neighbour",
                      (0.0, INF), flow=True),)

    def step(self, st: State, cx: StepContext) -> None:
        """Set ``st.threat`` per neighbour."""
        p = cx.p
        drift = np.maximum(st.alignment - cx.alignment_reference, 0.0)
        wi = cx.west_institutions
        west = count_true(st.membership[wi]) if wi.size else 0.0
        st.threat = p["vulnerability"] * (
            p["drift_weight"] * drift + p["alliance_weight"] * west) * cx.neighbours


_POLICY_PARAMS = (
    Param("importance_population", 0.5, "weight of population (against GDP) in a neighbour's "
          "importance to Russia", "-", (0.0, 1.0)),
    Param("russian_share_weight", 1.0, "extra importance of states with large Russian "
          "communities", "importance per share", (0.0, 5.0)),
    Param("assertion_base", -2.0, "log-odds of assertion with no threat", "log-odds",
          (-10.0, 10.0)),
    Param("threat_gain", 3.5, "how strongly assertion rises with perceived threat",
          "log-odds per threat unit", (0.0, 10.0)),
    Param("capacity_gain", 1.25, "how strongly rents embolden assertion",
          "log-odds per capacity unit", (0.0, 10.0)),
    Param("restraint_gain", 1.25, "log-odds of assertion lost per unit of the wish for Western "
          "legitimation", "log-odds", (0.0, 10.0)),
    Param("legitimacy_gain", 0.5, "how much lost legitimacy at home (1 - regime security) adds "
          "to the wish for recognition", "-", (0.0, 5.0)),
    Param("shield_gain", 1.0, "log-odds of assertion lost towards neighbours the West courts, "
          "per unit of the shielded-integration aim", "log-odds", (0.0, 10.0)),
    Param("integration_gap_gain", 1.75, "log-odds of assertion gained per unit of failed "
          "integration of an important neighbour (the attraction-assertion dilemma)",
          "log-odds", (0.0, 10.0)),
    Param("rally_motive", 0.75, "log-odds of assertion gained per unit of regime security "
          "below security_reference (assertion as a rally at home)", "log-odds", (0.0, 10.0)),
    Param("security_reference", 0.5, "regime security below which the rally motive pushes "
          "assertion up", "security", (0.0, 1.0)),
    Param("want_cap", 2.0, "largest wish for recognition (lost recognition plus lost "
          "legitimacy)", "-", (0.0, 10.0)),
    Param("presence_prob", 0.5, "opportunist rule: chance of showing presence in a given state "
          "and year", "probability", (0.0, 1.0)),
    Param("capacity_cap", 2.0, "opportunist rule: capacity above which effort no longer grows",
          "capacity", (0.0, 10.0)),
)


class _Policy(Mechanism):
    """What both implementations of ``russia_policy`` declare.

    The yearly attraction and assertion, and each neighbour's importance to Russia
    (``importance``: population against GDP by ``importance_population``, plus
    ``russian_share_weight`` times the share of Russian speakers).
    """

    name = "russia_policy"
    params = _POLICY_PARAMS
    state = (StateVar("attraction", "this year's attraction intensity", (0.0, 1.0), flow=True),
             StateVar("assertion", "this year's assertion intensity", (0.0, 1.0), flow=True))
    outcomes = (Outcome("attraction", "attraction"), Outcome("assertion", "assertion"))
    provides = {"importance": "(members, actors) or (actors,): the neighbour's importance to "
                              "Russia this year (population, economy, Russian communities)"}

    @classmethod
    def provide_year(cls, items: dict[str, Any], p: ParamView) -> dict[str, Any]:
        """Each neighbour's importance to Russia this year."""
        w = p["importance_population"]
        imp = w * items["population_share"] + (1 - w) * items["gdp_share"]
        imp = imp + p["russian_share_weight"] * items["russian_share"]
        return {"importance": np.asarray(imp * items["neighbours"])}


@register
class StrategicPolicy(_Policy):
    """Russia chooses attraction and assertion per neighbour by its aims (A1-A4, D1).

    *Attraction* goes where the sphere aim (A4) says it matters most: to important neighbours
    (population, economy, Russian communities), scaled by the lever. *Assertion* is a
    logistic response with these terms in its log-odds:

    * perceived threat, weighted by the aim of regime persistence (threats matter because they
      threaten the regime, ``A1``);
    * capacity (windfalls embolden, ``B1_windfall``);
    * the dilemma: failed integration of an important neighbour not already in the West's
      formats, ``aims.sphere * importance * (1 - depth) * (1 - West-led memberships)``: being
      unable to integrate its neighbours, Russia asserts itself (``D1_unable_to_integrate``,
      ``C2``); the delegation limit keeps autocracies' depth low (D2 -> D1);
    * minus the restraint of the *wish* for Western legitimation,
      ``aims.recognition * ((1 - recognition) + legitimacy_gain * (1 - regime security))``:
      the need of legitimation restrains (``A2_restraint``, ``A2_supreme_league``) and it grows
      as legitimacy at home is lost (``A2_legitimacy_loss``);
    * minus ``aims.shielded_integration * shield_gain`` towards neighbours the West courts
      (pressure there endangers the Western business the elite wants, ``A3``);
    * plus ``rally_motive * (security_reference - regime security)``: assertion abroad as a
      rally at home (``C5``, the Western analysts' reading).
    """

    implementation = "strategic"
    is_default = True
    theory = ("A1", "A2", "A3", "A4", "D1")
    evidence = ("A4", "C1_subsidies", "C2", "D1_unable_to_integrate", "A2_supreme_league",
                "A2_restraint", "A2_legitimacy_loss", "A3")
    reads = ("threat", "capacity", "recognition", "regime_security", "integration_depth",
             "membership")
    writes = ("attraction", "assertion")
    context = ("importance", "neighbours", "eu_eligibility", "west_institutions")
    levers = ("russia_attraction", "russia_assertion")
    shared = ("aims.sphere", "aims.recognition", "aims.regime_persistence",
              "aims.shielded_integration")

    def step(self, st: State, cx: StepContext) -> None:
        """Set ``st.attraction`` and ``st.assertion`` (intensities in [0, 1])."""
        p = cx.p
        imp = cx.importance
        rel = imp / np.maximum(imp.max(axis=-1, keepdims=True), 1e-9)
        st.attraction = clip(cx.lever("russia_attraction") * p["aims.sphere"] * rel, 0.0, 1.0)
        wi = cx.west_institutions
        west = (share_true(st.membership[wi]) if wi.size
                else np.zeros_like(st.threat))
        gap = p["aims.sphere"] * rel * (1.0 - st.integration_depth) * (1.0 - west)
        security = st.regime_security[:, None]
        want = p["aims.recognition"] * clip(
            (1.0 - st.recognition[:, None]) + p["legitimacy_gain"] * (1.0 - security), 0.0,
            p["want_cap"])
        z = (p["assertion_base"] + p["aims.regime_persistence"] * p["threat_gain"] * st.threat
             + p["capacity_gain"] * (st.capacity[:, None] - 1.0)
             + p["integration_gap_gain"] * gap
             - p["restraint_gain"] * want
             - p["aims.shielded_integration"] * p["shield_gain"] * cx.eu_eligibility
             + p["rally_motive"] * (p["security_reference"] - security))
        st.assertion = cx.lever("russia_assertion") * sigmoid(z) * cx.neighbours


@register
class OpportunistPolicy(_Policy):
    """The rival hypothesis (D9): no coherent strategy, presence shown where chance allows.

    Each year Russia "ticks the box" in a random subset of neighbours (``presence_prob``),
    with random intensities of attraction and assertion unrelated to threat or importance.
    Levers and capacity still scale the effort.
    """

    implementation = "opportunist"
    theory = ("D9",)
    evidence = ("D9",)
    reads = ("capacity", "alignment")
    writes = ("attraction", "assertion")
    context = ("neighbours",)
    levers = ("russia_attraction", "russia_assertion")
    streams = {"russia_policy.presence": Stream(101), "russia_policy.intensity": Stream(103)}

    def step(self, st: State, cx: StepContext) -> None:
        """Set ``st.attraction`` and ``st.assertion`` at random."""
        n_a = st.alignment.shape[1]
        u, v = rng.uniform32x2(cx.keys, cx.stream("russia_policy.presence"), cx.year, n_a)
        w = rng.uniform32(cx.keys, cx.stream("russia_policy.intensity"), cx.year, n_a)
        present = (u < cx.p["presence_prob"]) * cx.neighbours
        scale = np.minimum(st.capacity, cx.p.member("capacity_cap"))[:, None]
        st.attraction = clip(cx.lever("russia_attraction") * present * v * scale, 0.0, 1.0)
        st.assertion = cx.lever("russia_assertion") * present * w


@register
class UseOfForce(Mechanism):
    """Russia's use of force against a named state, and how every state answers it (D1, C2).

    The scenario (its observed history: Georgia 2008, Ukraine 2014 in ``russia-world``) or
    ``--event use_of_force:TARGET@YEAR`` says when. That year Russia's assertion towards the
    target is at ``assertion_level``; a conflict is recorded and the target counts as frozen
    from then on; and from then on the target's alignment target is pushed away from Russia by
    ``alignment_shift`` for each use of force against it so far: pressure makes even partners
    stand up to the bully (``D1_bully``, ``D1_balancers``).

    Every other simulated state answers each use of force so far (``breaches``: the number of
    uses of force up to this year, a second one against the same state included) with a shift
    of its alignment target

        breaches * (response_democracy * democracy + response_alliance * west
                    - response_ties * ties + response_near * near)

    where ``west`` is the larger of the state's Western pull (``western_pull``) and its share of
    West-led formats, ``ties`` its ties to Russia (the Russian share of its arms imports plus
    its trade share with Russia, at most 1: the same data in both scenarios) and ``near``
    1 for states near Russia (``near_russia``: the former Soviet states). A breach of the rules
    is what the rule-abiding condemn and it risks isolating Russia (002: ``W_R_rule_book``,
    ``W_R_isolation`` in ``russia-world``; ``D1_balancers`` here), while clients tied to Moscow
    may stand by it. The four response coefficients are fitted by the pooled calibration
    (``multipolar calibrate russia-world --until Y``) from the years after 2008 and 2014, and
    both scenarios carry the same values. Events in observed years act too. Without events, or
    with this mechanism switched off, nothing answers: no other mechanism reads the events.
    """

    name = "use_of_force"
    theory = ("D1", "C2")
    evidence = ("D1_bully", "D1_balancers")
    params = (
        Param("assertion_level", 1.0, "Russia's assertion towards the target in the year of "
              "the use of force", "intensity", (0.0, 1.0)),
        Param("alignment_shift", 0.2, "shift of the target's alignment target away from Russia "
              "from the year of the use of force on", "alignment units", (0.0, 2.0)),
        Param("response_democracy", 0.022, "shift away from Russia of a full democracy per use "
              "of force so far (default: russia-world's pooled fit through 2019, at its lower "
              "bound)", "alignment units per breach",
              (-1.0, 1.0), search={"pooled": (0.02, 0.5)}),
        Param("response_alliance", 0.021, "shift away from Russia of a state fully under the "
              "West's pull or in all West-led formats, per use of force so far (pooled fit)",
              "alignment units per breach", (-1.0, 1.0), search={"pooled": (0.02, 0.5)}),
        Param("response_ties", 0.127, "shift towards Russia of a state fully tied to it (arms "
              "and trade), per use of force so far (pooled fit)",
              "alignment units per breach", (-1.0, 1.0), search={"pooled": (-0.5, 0.5)}),
        Param("response_near", 0.142, "shift away from Russia of a state near it (a former "
              "Soviet state), per use of force so far (pooled fit)", "alignment units per breach",
              (-1.0, 1.0), search={"pooled": (-0.5, 0.5)}),
    )
    reads = ("democracy", "membership")
    writes = ("assertion", "conflict", "frozen", "target_shift", "breach")
    context = ("use_of_force", "use_of_force_since", "use_of_force_count", "force_breaches",
               "neighbours",
               "western_pull",
               "arms_share_russia", "trade_share_russia", "near_russia",
               "west_institutions")

    def step(self, st: State, cx: StepContext) -> None:
        """Apply this year's and earlier uses of force, and the others' answer to them."""
        since = cx.use_of_force_since
        if not since.any():
            return
        now = cx.use_of_force
        p = cx.p
        st.assertion = np.where(now > 0, np.maximum(st.assertion, p["assertion_level"]),
                             st.assertion)
        st.conflict += now
        st.breach += np.float32(now.max() > 0)  # Russia's own standing reads it (standing.py)
        st.frozen = np.maximum(st.frozen, since)
        st.target_shift += p["alignment_shift"] * cx.use_of_force_count * cx.neighbours
        st.target_shift += force_response(st, cx) * cx.neighbours * (1.0 - since)


def force_response(st: State, cx: StepContext) -> np.ndarray:
    """``(members, actors)`` shift of every state's target in answer to the uses of force.

    The formula of :class:`UseOfForce` (its docstring), for the states that were not
    themselves attacked (the caller masks the targets out).
    """
    p = cx.p
    breaches = np.float32(cx.force_breaches)
    west = np.maximum(cx.western_pull, _share(st.membership, cx.west_institutions))
    ties = np.minimum(cx.arms_share_russia + cx.trade_share_russia, 1.0)
    dem = clip(st.democracy, 0.0, 1.0)
    return np.asarray(breaches * (p["response_democracy"] * dem + p["response_alliance"] * west
                                  - p["response_ties"] * ties + p["response_near"]
                                  * cx.near_russia), dtype=np.float32)


def _share(membership: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Share of the formats ``cols`` each member-actor belongs to (0 without such formats)."""
    if not cols.size:
        return np.zeros(membership.shape[1:], dtype=np.float32)
    return (count_true(membership[cols]) / cols.size).astype(np.float32)
