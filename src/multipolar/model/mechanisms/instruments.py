"""Russia's instruments and how neighbours answer them.

Leverage of small partners (D3, D4), attraction (C1), assertion (C2, D1), patronage networks
(C4) and kindred regimes (C3).

Most of them add a shift to ``state.target_shift``, the target alignment of each neighbour
(negative: towards Russia). Depends on NumPy and :mod:`.base`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from multipolar.model.mechanisms._maths import clip, mean_of_two, sigmoid
from multipolar.model.mechanisms.base import INF, Mechanism, Outcome, Param, StateVar, register
from multipolar.model.mechanisms.sphere import CHINA, RUSSIA, SECURITY, TRADE, WEST

if TYPE_CHECKING:
    from multipolar.model.state import StartContext, State, StepContext


@register
class SmallPartnerLeverage(Mechanism):
    """Partners sell their importance; unmet demands raise their independence (D3, D4).

    A neighbour asks for subsidies in proportion to its importance to Russia and its outside
    options (the EU's and China's pull). Russia pays what capacity allows; the unmet part of the
    demand makes the partner more independent (``D4``, ``D4_end_subsidies``): a share
    ``vote_share`` of it moves its UN votes West, the rest moves it out of Russia's sphere
    towards China (by its China proximity) and the West (by its EU eligibility), as Kazakhstan
    turns to Central Asia and China (``D3_kazakhstan``). When rents fall, more demand goes
    unmet.
    """

    name = "small_partner_leverage"
    theory = ("D3", "D4")
    evidence = ("D3", "D3_belarus_armenia", "D3_kazakhstan", "D4", "D4_end_subsidies")
    params = (
        Param("demand", 0.3, "subsidy a partner asks for per unit of importance and outside "
              "options", "subsidy units", (0.0, 2.0)),
        Param("independence_effect", 0.588, "shift West of the alignment target per unit of "
              "unmet demand", "alignment units per subsidy unit", (0.0, 2.0),
              search={"history": (0.02, 0.6)}),
        Param("options_base", 0.5, "outside options of a state with neither an EU offer nor "
              "exposure to China", "-", (0.0, 2.0)),
        Param("options_weight", 0.5, "weight of EU eligibility plus China proximity in outside "
              "options", "-", (0.0, 2.0)),
        Param("partner_threshold", 0.3, "alignment below which a neighbour counts as a partner "
              "that bargains", "alignment", (-1.0, 1.0)),
        Param("payment_share", 0.5, "share of a demand Russia pays at capacity 1",
              "share per capacity unit", (0.0, 2.0)),
        Param("vote_share", 0.3, "share of the independence from unmet demand that shows in "
              "UN votes (the rest leaves Russia's sphere; named assumption "
              "independence_to_votes)", "share", (0.0, 1.0)),
    )
    reads = ("alignment", "capacity", "sphere_push")
    writes = ("subsidy", "target_shift", "sphere_push")
    context = ("importance", "eu_eligibility", "china_proximity")

    def step(self, st: State, cx: StepContext) -> None:
        """Add the paid demand to subsidies and the unmet part to the target shift."""
        p = cx.p
        options = p["options_weight"] * (cx.eu_eligibility + cx.china_proximity) + \
            p["options_base"]
        demand = p["demand"] * cx.importance * options * \
            (st.alignment < p["partner_threshold"]).astype(np.float32)  # cast once (0/1)
        paid = np.minimum(demand, p["payment_share"] * np.maximum(st.capacity[:, None], 0.0)
                          * demand)
        st.subsidy += paid
        free = p["independence_effect"] * (demand - paid)
        st.target_shift += p["vote_share"] * free
        rest = ((1.0 - p["vote_share"]) * free)[..., None]
        cp, eu = cx.china_proximity, cx.eu_eligibility
        to_china = (cp / np.maximum(cp + eu, 1e-9))[:, None]
        st.sphere_push[..., RUSSIA] -= rest
        st.sphere_push[..., CHINA] += rest * to_china
        st.sphere_push[..., WEST] += rest * (1.0 - to_china)


@register
class Attraction(Mechanism):
    """Subsidies and soft power pull neighbours towards Russia, within limits (C1).

    *Material pull*: subsidy to neighbour *i* is its attraction intensity times Russia's
    capacity (``C1_subsidies``). All subsidies (including what partners extract through
    leverage) share one budget, ``budget`` times capacity, so rents limit subsidies (B1).
    Subsidy raises the neighbour's dependence on Russia; gas imports alone do not: energy
    dependence is a lever of pressure (``C2_energy_leverage``), not a pull. *Soft power*: the
    language, culture and church reach Russian speakers (``C1_language``, ``C1_church``),
    ``soft_effect`` times the Russian-speaking share. *Coercion spoils both*: tougher policies
    contradict the wish to attract (``D1_abstract``) and heavy-handed politics of language
    spoils the pull of culture (``D1_coercion_spoils``, ``E2_language``), so the pull is
    multiplied by ``1 - spoil * coercion``. *Normative deficit*: without values of its own
    Russia can hold neighbours but not act as a magnet (``C1``, ``D1_normative_deficit``), so
    the whole pull is capped at ``normative_cap``. Dependence starts as the mean of trade
    dependence (``trade_dependence_scale`` times the trade share with Russia, at most 1) and
    gas dependence.
    """

    name = "attraction"
    theory = ("C1", "B1")
    evidence = ("C1_subsidies", "C1", "C1_language", "C1_church", "C1_soft_power",
                "D1_abstract", "D1_coercion_spoils", "E2_language", "D1_normative_deficit",
                "D1_pushed_west")
    params = (
        Param("effect", 0.081, "shift of the alignment target per unit of subsidy",
              "alignment units per subsidy unit", (0.0, 2.0),
              search={"history": (0.08, 0.6)}),
        Param("dependence_rate", 0.1, "yearly adjustment of dependence towards subsidy level",
              "share per year", (0.0, 1.0)),
        Param("subsidy_scale", 1.0, "subsidy units per unit of attraction at capacity 1",
              "subsidy units", (0.0, 10.0)),
        Param("budget", 3.0, "all subsidies together per unit of capacity", "subsidy units",
              (0.0, 100.0)),
        Param("spoil", 0.55, "share of the pull lost at full coercion", "share", (0.0, 1.0)),
        Param("soft_effect", 0.05, "shift of the alignment target towards Russia from soft "
              "power per unit of Russian-speaking share", "alignment units", (0.0, 1.0)),
        Param("normative_cap", 0.3, "largest shift towards Russia attraction can give",
              "alignment units", (0.0, 10.0)),
        Param("trade_dependence_scale", 2.0, "starting trade dependence per unit of trade "
              "share with Russia (at most 1)", "dependence per trade share", (0.0, 10.0)),
    )
    reads = ("attraction", "capacity", "coercion")
    writes = ("subsidy", "dependence", "target_shift")
    context = ("russian_share", "neighbours")
    state = (StateVar("subsidy", "this year's subsidies from Russia", (0.0, INF), flow=True),
             StateVar("dependence", "dependence on Russia", (0.0, 3.0)))
    outcomes = (Outcome("subsidy", "subsidy"), Outcome("dependence", "dependence"))

    @classmethod
    def start(cls, var: StateVar, init: StartContext) -> Any:
        """Dependence: the mean of trade and gas dependence in the first year; subsidy zero."""
        if var.name != "dependence":
            return init.zeros(var)
        trs = init.first("trade_share_russia", 0.0)
        scale = init.param(cls, "trade_dependence_scale")[:, None]
        trade = np.minimum(scale * trs, 1.0)
        return init.full(var, mean_of_two(trade, init.gas) * init.neighbours)

    def step(self, st: State, cx: StepContext) -> None:
        """Pay subsidies within the budget; update dependence and the target shift."""
        p = cx.p
        nb = cx.neighbours
        cap = np.maximum(st.capacity, 0.0)
        st.subsidy += p["subsidy_scale"] * st.attraction * cap[:, None]
        budget = p.member("budget") * cap
        total = st.subsidy.sum(axis=1)
        scale = np.where(total > budget, budget / np.maximum(total, 1e-12), 1.0)
        st.subsidy *= scale[:, None]
        st.dependence += p["dependence_rate"] * (np.minimum(st.subsidy, 1.0)
                                                 - st.dependence) * nb
        spoiled = 1.0 - p["spoil"] * clip(st.coercion, 0.0, 1.0)
        pull = (p["effect"] * (st.subsidy + st.dependence)
                + p["soft_effect"] * cx.russian_share) * spoiled
        st.target_shift -= np.minimum(pull, p["normative_cap"]) * nb


_ASSERTION_PARAMS = (
    Param("effect", 0.151, "shift of the alignment target per unit of coercion",
          "alignment units per coercion unit", (0.0, 2.0),
          search={"history": (0.15, 0.6)}),
    Param("balance_threshold", 0.42, "democracy score around which a pressed state turns from "
          "manoeuvring between powers to voting with the West", "democracy score", (0.0, 1.0)),
    Param("balance_width", 0.08, "softness of that switch", "democracy score", (0.001, 1.0)),
    Param("energy_leverage", 0.5, "extra coercion from gas dependence",
          "coercion per dependence unit", (0.0, 5.0)),
)


@register
class Assertion(Mechanism):
    """Pressure pushes every neighbour away from Russia, kindred autocracies included (C2, D1).

    Coercion is assertion amplified by gas dependence (``C2_energy_leverage``). Pressed
    neighbours stand up to the bully (``D1_bully``, ``D1_balancers``): the push
    ``effect * coercion`` always points away from Russia. Democracies answer by voting with the
    West; autocracies (a logistic switch around ``balance_threshold``) answer partly by
    manoeuvring between powers, as Minsk did (``D1_maneuvering``): the share
    ``autocrat_vote_share`` of their push moves their UN votes, the rest lowers Russia's share
    of their sphere (named assumption ``autocrats_manoeuvre``). Regime security, the reason
    autocracies lean on Russia *without* pressure, is ``kindred_regimes``. The rival
    hypothesis ``bandwagoning`` (implementation ``bandwagon``) lets pressed autocracies move
    towards Russia instead.
    """

    name = "assertion"
    implementation = "balancing"
    is_default = True
    theory = ("C2", "D1")
    evidence = ("C2", "C2_energy_leverage", "D1", "D1_bully", "D1_balancers", "D1_maneuvering",
                "D1_losing_influence")
    params = (*_ASSERTION_PARAMS,
              Param("autocrat_vote_share", 0.5, "share of a pressed autocracy's push that moves "
                    "its UN votes (the rest lowers Russia's share of its sphere)", "share",
                    (0.0, 1.0)))
    reads = ("assertion", "democracy", "sphere_push")
    writes = ("coercion", "target_shift", "sphere_push")
    context = ("gas_dependence",)
    state = (StateVar("coercion", "this year's coercion", (0.0, INF), flow=True),)
    outcomes = (Outcome("coercion", "coercion"),)

    def step(self, st: State, cx: StepContext) -> None:
        """Push every pressed neighbour away: in its votes and in its sphere."""
        p = cx.p
        st.coercion = st.assertion * (1.0 + p["energy_leverage"] * cx.gas_dependence)
        bal = sigmoid((st.democracy - p["balance_threshold"]) / p["balance_width"])
        push = p["effect"] * st.coercion
        vote = p["autocrat_vote_share"]
        st.target_shift += push * (bal + vote * (1.0 - bal))
        st.sphere_push[..., RUSSIA] -= (push * (1.0 - bal) * (1.0 - vote))[..., None]


@register
class AssertionBandwagon(Mechanism):
    """Rival hypothesis ``bandwagoning``: pressed autocracies move towards Russia (C2).

    The behaviour of the model before the fidelity audit, kept so that it can compete with the
    seeds' claim on forecasts (Armenia's turn to the EAEU in 2013 is the case that seems to
    favour it). Democracies balance; below ``balance_threshold`` a coerced state is pulled
    towards Russia by ``bandwagon_ratio`` times the push. The seeds say the opposite
    (``D1_bully``), so this is never the default.
    """

    name = "assertion"
    implementation = "bandwagon"
    theory = ("C2",)
    evidence = ("C2", "C2_energy_leverage")
    params = (*_ASSERTION_PARAMS,
              Param("bandwagon_ratio", 0.5, "pull towards Russia of coerced autocracies, "
                    "relative to the push on democracies", "-", (0.0, 2.0)))
    reads = ("assertion", "democracy")
    writes = ("coercion", "target_shift")
    context = ("gas_dependence",)
    state = Assertion.state
    outcomes = Assertion.outcomes

    def step(self, st: State, cx: StepContext) -> None:
        """Apply coercion to the target shift: balancing or bandwagoning by democracy."""
        p = cx.p
        st.coercion = st.assertion * (1.0 + p["energy_leverage"] * cx.gas_dependence)
        bal = sigmoid((st.democracy - p["balance_threshold"]) / p["balance_width"])
        sign = bal - p["bandwagon_ratio"] * (1.0 - bal)
        st.target_shift += p["effect"] * st.coercion * sign


@register
class PatronageNetworks(Mechanism):
    """Corruption flows abroad as a channel of influence and a solvent of governance (C4).

    The tie to neighbour *i* is Russia's monopoly presence there: the scenario's ``patronage``
    relations, or gas dependence times Russia's trade share (monopolistic gas exports and
    preferential trade carry the corruption, ``C4``). Where institutions are weak (named
    assumption ``weak_institutions_capture``: the factor ``1 - democracy``) the tie pulls the
    alignment target towards Russia, more so when Russia can pay (capacity up to
    ``capacity_cap``): kleptocracy as a vector of influence (``C4_kleptocracy``). After the
    observed years it also erodes the neighbour's governance: democracy falls by ``erosion``
    times the tie times democracy, in proportion to how much Russia's rulers care about their
    regime (accountable democracies next door are the danger, ``C4_good_governance``,
    ``D5_eu_democracies``).
    """

    name = "patronage_networks"
    theory = ("C4",)
    evidence = ("C4", "C4_kleptocracy", "C4_good_governance")
    params = (
        Param("influence", 0.1, "pull towards Russia of a full patronage tie to a full "
              "autocracy at capacity 1", "alignment units", (0.0, 2.0),
              search={"pooled": (0.01, 0.6)}),
        Param("capacity_cap", 2.0, "capacity above which patronage pays no more",
              "capacity", (0.0, 10.0)),
        Param("erosion", 0.005, "yearly loss of democracy per unit of tie and of democracy",
              "democracy score per year", (0.0, 0.1)),
    )
    reads = ("democracy", "capacity", "sphere")
    writes = ("target_shift", "democracy")
    context = ("patronage", "gas_dependence", "neighbours")
    shared = ("aims.regime_persistence",)

    def step(self, st: State, cx: StepContext) -> None:
        """Add the patronage pull to the target shift; erode governance after the data."""
        p = cx.p
        tie = np.maximum(cx.patronage, cx.gas_dependence * st.sphere[..., TRADE, RUSSIA])
        weak = clip(1.0 - st.democracy, 0.0, 1.0)
        cap = np.minimum(st.capacity, p.member("capacity_cap"))[:, None]
        st.target_shift -= p["influence"] * tie * weak * cap * cx.neighbours
        if not cx.observed:
            loss = p["erosion"] * tie * st.democracy * p["aims.regime_persistence"]
            st.democracy = clip(st.democracy - loss * cx.neighbours, 0.0, 1.0)


@register
class KindredRegimes(Mechanism):
    """Russia backs fellow autocracies; they lean on it for regime security (C3).

    This is the regime-security channel, separate from pressure: for most post-Soviet rulers
    the stability of their regimes comes first, which makes Russia their beacon
    (``C3_stability``), and Moscow counters Western attempts to undermine kindred regimes
    (``C3``, ``C3_same_type``). The pull towards Russia grows linearly as a neighbour's
    democracy score falls below ``autocracy_threshold``; it moves UN votes and raises Russia's
    share of the neighbour's security channel (``security_weight``), but it never deepens
    integration: ``delegation_limit`` caps that (``D2``).
    """

    name = "kindred_regimes"
    theory = ("C3",)
    evidence = ("C3", "C3_same_type", "C3_stability", "D2")
    params = (
        Param("support", 0.489, "pull towards Russia of a fully autocratic neighbour",
              "alignment units", (0.0, 2.0),
              search={"history": (0.02, 0.5), "pooled": (0.02, 1.0)}),
        Param("autocracy_threshold", 0.45, "democracy score below which a regime counts as "
              "kindred", "democracy score", (0.001, 1.0)),
        Param("security_weight", 0.5, "push on Russia's share of the security channel per "
              "unit of pull", "share per alignment unit", (0.0, 2.0)),
    )
    reads = ("democracy", "sphere_push")
    writes = ("target_shift", "sphere_push")
    context = ("neighbours",)

    def step(self, st: State, cx: StepContext) -> None:
        """Add the kindred-regime pull to the target shift."""
        p = cx.p
        thr = p["autocracy_threshold"]
        autoc = clip((thr - st.democracy) / thr, 0.0, 1.0)
        pull = p["support"] * autoc * cx.neighbours
        st.target_shift -= pull
        st.sphere_push[..., SECURITY, RUSSIA] += p["security_weight"] * pull
