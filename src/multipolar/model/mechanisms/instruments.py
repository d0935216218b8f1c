"""Russia's instruments and how neighbours answer them.

Leverage of small partners (D3, D4), attraction (C1), assertion (C2, D1), patronage networks
(C4) and kindred regimes (C3).

Most of them add a shift to ``state.target_shift``, the target alignment of each neighbour
(negative: towards Russia). Depends on NumPy and :mod:`.base`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from multipolar.model.mechanisms._maths import sigmoid
from multipolar.model.mechanisms.base import Mechanism, Param, register

if TYPE_CHECKING:
    from multipolar.model.state import State, StepContext


@register
class SmallPartnerLeverage(Mechanism):
    """Partners sell their importance; unmet demands raise their independence (D3, D4).

    A neighbour asks for subsidies in proportion to its importance to Russia and its outside
    options (the EU's and China's pull). Russia pays what capacity allows; the unmet part of the
    demand pushes the partner's alignment away from Russia (Kazakhstan turning to China,
    Belarus bargaining). When rents fall, more demand goes unmet.
    """

    name = "small_partner_leverage"
    theory = ("D3", "D4")
    evidence = ("D3", "D3_belarus_armenia", "D3_kazakhstan", "D4", "D4_end_subsidies")
    params = (
        Param("demand", 0.3, "subsidy a partner asks for per unit of importance and outside "
              "options", "subsidy units", (0.0, 2.0)),
        Param("independence_effect", 0.513, "shift West of the alignment target per unit of "
              "unmet demand", "alignment units per subsidy unit", (0.0, 2.0)),
        Param("options_base", 0.5, "outside options of a state with neither an EU offer nor "
              "exposure to China", "-", (0.0, 2.0)),
        Param("options_weight", 0.5, "weight of EU eligibility plus China proximity in outside "
              "options", "-", (0.0, 2.0)),
        Param("partner_threshold", 0.3, "alignment below which a neighbour counts as a partner "
              "that bargains", "alignment", (-1.0, 1.0)),
        Param("payment_share", 0.5, "share of a demand Russia pays at capacity 1",
              "share per capacity unit", (0.0, 2.0)),
    )
    reads = ("alignment", "capacity")
    writes = ("subsidy", "target_shift")
    context = ("importance", "eu_eligibility", "china_proximity")

    def step(self, st: State, cx: StepContext) -> None:
        """Add the paid demand to subsidies and the unmet part to the target shift."""
        p = cx.p
        options = p["options_weight"] * (cx.eu_eligibility + cx.china_proximity) + \
            p["options_base"]
        demand = p["demand"] * cx.importance * options * \
            (st.alignment < p["partner_threshold"])
        paid = np.minimum(demand, p["payment_share"] * np.maximum(st.capacity[:, None], 0.0)
                          * demand)
        st.subsidy += paid
        st.target_shift += p["independence_effect"] * (demand - paid)


@register
class Attraction(Mechanism):
    """Subsidies, preferences and soft power pull neighbours towards Russia (C1).

    Subsidy to neighbour *i* is its attraction intensity times Russia's capacity. All subsidies
    (including what partners extract through leverage) share one budget, ``budget`` times
    capacity: when they would exceed it they are scaled down pro rata, so rents limit
    subsidies (B1). Subsidy lowers the alignment target (towards Russia) and raises the
    neighbour's dependence on Russia, which in turn lowers the target further.
    """

    name = "attraction"
    theory = ("C1", "B1")
    evidence = ("C1_subsidies", "C1", "C1_language", "C1_church", "C1_soft_power", "D1_abstract",
                "D1_coercion_spoils", "E2_language", "D1_normative_deficit", "D1_pushed_west")
    params = (
        Param("effect", 0.116, "shift of the alignment target per unit of subsidy",
              "alignment units per subsidy unit", (0.0, 2.0)),
        Param("dependence_rate", 0.1, "yearly adjustment of dependence towards subsidy level",
              "share per year", (0.0, 1.0)),
        Param("subsidy_scale", 1.0, "subsidy units per unit of attraction at capacity 1",
              "subsidy units", (0.0, 10.0)),
        Param("budget", 3.0, "all subsidies together per unit of capacity", "subsidy units",
              (0.0, 100.0)),
    )
    reads = ("attraction", "capacity")
    writes = ("subsidy", "dependence", "target_shift")
    context = ("gas_dependence", "neighbours")

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
        st.dependence += p["dependence_rate"] * (
            np.minimum(st.subsidy, 1.0) + cx.gas_dependence - st.dependence) * nb
        st.target_shift -= p["effect"] * (st.subsidy + st.dependence) * nb


@register
class Assertion(Mechanism):
    """Pressure and energy leverage: democracies balance, weak autocracies bandwagon (C2, D1).

    Coercion is assertion amplified by gas dependence. Whether it pushes a neighbour away from
    Russia (balancing) or pulls it closer (bandwagoning) depends on its democracy: a logistic
    switch around ``balance_threshold``. This is the attraction-assertion dilemma: pressure
    meant to hold neighbours drives the more democratic ones away.
    """

    name = "assertion"
    theory = ("C2", "D1")
    evidence = ("C2", "C2_energy_leverage", "D1", "D1_bully", "D1_balancers", "D1_maneuvering",
                "D1_losing_influence")
    params = (
        Param("effect", 0.201, "shift of the alignment target per unit of coercion",
              "alignment units per coercion unit", (0.0, 2.0)),
        Param("bandwagon_ratio", 0.5, "pull towards Russia of coerced autocracies, relative to "
              "the push on democracies", "-", (0.0, 2.0)),
        Param("balance_threshold", 0.42, "democracy score around which states switch from "
              "bandwagoning to balancing", "democracy score", (0.0, 1.0)),
        Param("balance_width", 0.08, "softness of that switch", "democracy score", (0.001, 1.0)),
        Param("energy_leverage", 0.5, "extra coercion from gas dependence",
              "coercion per dependence unit", (0.0, 5.0)),
    )
    reads = ("assertion", "democracy")
    writes = ("coercion", "target_shift")
    context = ("gas_dependence",)

    def step(self, st: State, cx: StepContext) -> None:
        """Apply coercion to the target shift."""
        p = cx.p
        st.coercion = st.assertion * (1.0 + p["energy_leverage"] * cx.gas_dependence)
        bal = sigmoid((st.democracy - p["balance_threshold"]) / p["balance_width"])
        sign = bal - p["bandwagon_ratio"] * (1.0 - bal)
        st.target_shift += p["effect"] * st.coercion * sign


@register
class PatronageNetworks(Mechanism):
    """Patronage and corruption networks abroad as a channel of influence (C4).

    Where institutions are weak (low democracy) and a patronage tie exists (the scenario's
    ``patronage`` relations: subsidised gas, loans, security guarantees), Russian influence
    pulls the neighbour's alignment target towards Russia, more so when Russia can pay
    (capacity, counted up to ``capacity_cap``).
    """

    name = "patronage_networks"
    theory = ("C4",)
    evidence = ("C4", "C4_kleptocracy", "C4_good_governance")
    params = (
        Param("influence", 0.1, "pull towards Russia of a full patronage tie to a full "
              "autocracy at capacity 1", "alignment units", (0.0, 2.0)),
        Param("capacity_cap", 2.0, "capacity above which patronage pays no more",
              "capacity", (0.0, 10.0)),
    )
    reads = ("democracy", "capacity")
    writes = ("target_shift",)
    context = ("patronage", "neighbours")

    def step(self, st: State, cx: StepContext) -> None:
        """Add the patronage pull to the target shift."""
        p = cx.p
        weak = np.clip(1.0 - st.democracy, 0.0, 1.0)
        cap = np.minimum(st.capacity, p.member("capacity_cap"))[:, None]
        st.target_shift -= p["influence"] * cx.patronage * weak * cap * cx.neighbours


@register
class KindredRegimes(Mechanism):
    """Russia backs fellow autocracies; they lean on it for regime security (C3).

    The pull towards Russia grows linearly as a neighbour's democracy score falls below
    ``autocracy_threshold``.
    """

    name = "kindred_regimes"
    theory = ("C3",)
    evidence = ("C3", "C3_same_type", "C3_stability", "D2")
    params = (
        Param("support", 0.5, "pull towards Russia of a fully autocratic neighbour",
              "alignment units", (0.0, 2.0)),
        Param("autocracy_threshold", 0.45, "democracy score below which a regime counts as "
              "kindred", "democracy score", (0.001, 1.0)),
    )
    reads = ("democracy",)
    writes = ("target_shift",)
    context = ("neighbours",)

    def step(self, st: State, cx: StepContext) -> None:
        """Add the kindred-regime pull to the target shift."""
        p = cx.p
        thr = p["autocracy_threshold"]
        autoc = np.clip((thr - st.democracy) / thr, 0.0, 1.0)
        st.target_shift -= p["support"] * autoc * cx.neighbours
