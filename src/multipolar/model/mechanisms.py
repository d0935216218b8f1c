"""The mechanisms of the neighbourhood model: one small unit per idea of the seeds.

Each mechanism is a class with a ``name``, the THEORY.md items it implements (``theory``),
default parameters, a docstring saying in plain words what it does, and a ``step`` that updates
the vectorised :class:`~multipolar.model.engine.State` for one year. Every array is shaped
``(members, actors)`` (or ``(members,)`` for Russia's own variables), so one call advances the
whole ensemble; there is no loop over members or actors. The scenario carries the evidence
(citations) for each mechanism and may switch any of them off (``enabled: false``) or pick an
alternative implementation (``implementation: opportunist``).

Most mechanisms add a shift to ``state.force``, the *target* alignment of each neighbour; the
``alignment`` mechanism moves alignment part of the way to that target each year. A switched-off
mechanism simply contributes nothing, which is what "what if this did not hold?" means.

Random numbers come from :mod:`multipolar.rng` streams keyed by member, so results do not
depend on chunking. Depends on NumPy and :mod:`multipolar.rng`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from multipolar import rng
from multipolar.errors import Problem, ScenarioError, suggest

if TYPE_CHECKING:
    from multipolar.model.engine import Context, State
    from multipolar.scenario.loader import LoadedScenario


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """A smooth S-curve from 0 to 1: the cubic smoothstep of ``z`` over ``[-2.5, 2.5]``.

    It plays the role of the logistic function (same value and slope at 0 to within 7%, and
    exactly 0 or 1 beyond +-2.5, so there are no fat tails). Built from basic arithmetic only,
    it is cheap and gives bit-identical results however arrays are chunked.
    """
    t = np.clip(z * 0.2 + 0.5, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


_SQRT3 = math.sqrt(3.0)


def _unit_uniform(u: np.ndarray) -> np.ndarray:
    """Map uniforms on (0, 1) to a zero-mean, unit-variance uniform deviate."""
    return (2.0 * u - 1.0) * _SQRT3


class Mechanism:
    """Base class: a named, switchable step of the model."""

    name: ClassVar[str] = ""
    implementation: ClassVar[str] = "default"
    theory: ClassVar[tuple[str, ...]] = ()
    defaults: ClassVar[dict[str, float]] = {}

    def step(self, st: State, cx: Context) -> None:  # pragma: no cover - abstract
        """Advance ``st`` by one year."""
        raise NotImplementedError


REGISTRY: dict[tuple[str, str], type[Mechanism]] = {}
ORDER: list[str] = []


def register(cls: type[Mechanism]) -> type[Mechanism]:
    """Class decorator: add a mechanism implementation to the registry."""
    REGISTRY[(cls.name, cls.implementation)] = cls
    if cls.name not in ORDER:
        ORDER.append(cls.name)
    return cls


# --------------------------------------------------------------------------- capacity (B1)

@register
class ResourceRents(Mechanism):
    """Russia's capacity to spend abroad follows hydrocarbon rents (B1).

    Capacity moves each year part of the way (``smoothing``) towards
    ``(oil / ref_price) ** elasticity``, so a windfall builds capacity over a few years and a
    price collapse erodes it. Capacity 1 means the rent level of the reference price.
    """

    name = "resource_rents"
    theory = ("B1",)
    defaults = {"ref_price": 50.0, "elasticity": 0.7, "smoothing": 0.5}

    def step(self, st: State, cx: Context) -> None:
        """Update ``st.capacity`` from this year's oil price."""
        f = cx.f
        target = (np.maximum(st.oil, 1.0) / f["resource_rents.ref_price"]) ** \
            f["resource_rents.elasticity"]
        st.capacity += f["resource_rents.smoothing"] * (target - st.capacity)


# --------------------------------------------------------------------------- threat (B2, C5)

@register
class ThreatPerception(Mechanism):
    """Russia reads drift West and Western alliances next door as threats (B2, C5).

    Threat to Russia from neighbour *i* grows with how far *i* has moved West of where it
    started, and with its membership of West-led institutions; a vast, thinly held territory
    (``vulnerability``) magnifies it.
    """

    name = "threat_perception"
    theory = ("B2", "C5")
    defaults = {"vulnerability": 1.0, "drift_weight": 2.0, "alliance_weight": 0.5}

    def step(self, st: State, cx: Context) -> None:
        """Set ``st.threat`` per neighbour."""
        q = cx.q
        drift = np.maximum(st.x - cx.x_ref, 0.0)
        west = st.mem[cx.west_inst].sum(axis=0, dtype=np.float32) if cx.west_inst.size else 0.0
        st.threat = q["threat_perception.vulnerability"] * (
            q["threat_perception.drift_weight"] * drift
            + q["threat_perception.alliance_weight"] * west) * cx.nb


# --------------------------------------------------------------------------- Russia's choice

def _importance(st: State, cx: Context) -> np.ndarray:
    q = cx.q
    w = q["russia_policy.importance_population"]
    imp = w * cx.pop_share + (1 - w) * cx.gdp_share
    imp = imp + q["russia_policy.russian_share_weight"] * cx.static["russian_share"]
    return np.asarray(imp * cx.nb)


@register
class StrategicPolicy(Mechanism):
    """Russia chooses attraction and assertion per neighbour by its aims (A1-A4).

    *Attraction* goes where the sphere aim (A4) says it matters most: to important neighbours
    (population, economy, Russian communities), scaled by the lever and by capacity.
    *Assertion* is a logistic response to perceived threat (regime persistence, A1) and to
    capacity (windfalls embolden), damped by the weight Russia puts on recognition (A2).
    """

    name = "russia_policy"
    implementation = "strategic"
    theory = ("A1", "A2", "A3", "A4")
    defaults = {"importance_population": 0.5, "russian_share_weight": 1.0,
                "assertion_base": -2.0, "threat_gain": 3.0, "capacity_gain": 1.0,
                "presence_prob": 0.5}

    def step(self, st: State, cx: Context) -> None:
        """Set ``st.att`` and ``st.ass`` (intensities in [0, 1])."""
        q = cx.q
        imp = _importance(st, cx)
        rel = imp / np.maximum(imp.max(axis=-1, keepdims=True), 1e-9)
        sphere = q["aims.sphere"]
        st.att = np.clip(cx.lever("russia_attraction") * sphere * rel, 0.0, 1.0)
        z = (q["russia_policy.assertion_base"]
             + q["russia_policy.threat_gain"] * st.threat
             + q["russia_policy.capacity_gain"] * (st.capacity[:, None] - 1.0)
             - q["aims.recognition"] * st.recognition[:, None])
        st.ass = cx.lever("russia_assertion") * _sigmoid(z) * cx.nb


@register
class OpportunistPolicy(Mechanism):
    """The rival hypothesis (D9): no coherent strategy, presence shown where chance allows.

    Each year Russia "ticks the box" in a random subset of neighbours (``presence_prob``),
    with random intensities of attraction and assertion unrelated to threat or importance.
    Levers and capacity still scale the effort.
    """

    name = "russia_policy"
    implementation = "opportunist"
    theory = ("D9",)
    defaults = StrategicPolicy.defaults

    def step(self, st: State, cx: Context) -> None:
        """Set ``st.att`` and ``st.ass`` at random."""
        n_a = st.x.shape[1]
        u, v = rng.uniform32x2(cx.keys, 101, cx.year, n_a)
        w = rng.uniform32(cx.keys, 103, cx.year, n_a)
        present = (u < cx.q["russia_policy.presence_prob"]) * cx.nb
        scale = np.minimum(st.capacity, 2.0)[:, None]
        st.att = np.clip(cx.lever("russia_attraction") * present * v * scale, 0.0, 1.0)
        st.ass = cx.lever("russia_assertion") * present * w


# --------------------------------------------------------------------------- instruments

@register
class EliteInterests(Mechanism):
    """The ruling elite blends state and business: assertion costs it Western rents (B3, A3).

    Energy firms want Western markets and deals while defending the domestic status quo, so
    integration is shielded but not free: the more Russia asserts itself towards neighbours the
    West cares about (those with an EU offer), the more of its capacity is lost to sanctions
    and lost markets (``sanction_cost``). This ties the aim of shielded integration to the
    choice of instruments.
    """

    name = "elite_interests"
    theory = ("B3", "A3")
    defaults = {"sanction_cost": 0.1}

    def step(self, st: State, cx: Context) -> None:
        """Reduce capacity in proportion to assertion towards West-courted neighbours."""
        f = cx.f
        w = cx.static["eu_eligibility"]
        exposure = (st.ass * w).sum(axis=1) / max(float(w.sum()), 1e-9)
        st.capacity *= 1.0 - f["elite_interests.sanction_cost"] * np.clip(exposure, 0.0, 1.0)


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
    defaults = {"demand": 0.3, "independence_effect": 0.2}

    def step(self, st: State, cx: Context) -> None:
        """Add the paid demand to subsidies and the unmet part to the force."""
        q = cx.q
        options = 0.5 * (cx.static["eu_eligibility"] + cx.static["china_proximity"]) + 0.5
        demand = q["small_partner_leverage.demand"] * _importance(st, cx) * options * \
            (st.x < 0.3)
        paid = np.minimum(demand, 0.5 * np.maximum(st.capacity[:, None], 0.0) * demand)
        st.subsidy += paid
        st.force += q["small_partner_leverage.independence_effect"] * (demand - paid)


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
    defaults = {"effect": 0.25, "dependence_rate": 0.1, "subsidy_scale": 1.0, "budget": 3.0}

    def step(self, st: State, cx: Context) -> None:
        """Pay subsidies within the budget; update dependence and the force."""
        q, f = cx.q, cx.f
        cap = np.maximum(st.capacity, 0.0)
        st.subsidy += q["attraction.subsidy_scale"] * st.att * cap[:, None]
        budget = f["attraction.budget"] * cap
        total = st.subsidy.sum(axis=1)
        scale = np.where(total > budget, budget / np.maximum(total, 1e-12), 1.0)
        st.subsidy *= scale[:, None]
        st.dep += q["attraction.dependence_rate"] * (
            np.minimum(st.subsidy, 1.0) + cx.gas - st.dep) * cx.nb
        st.force -= q["attraction.effect"] * (st.subsidy + st.dep) * cx.nb


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
    defaults = {"effect": 0.25, "bandwagon_ratio": 0.5, "balance_threshold": 0.42,
                "balance_width": 0.08, "energy_leverage": 0.5}

    def step(self, st: State, cx: Context) -> None:
        """Apply coercion to the force."""
        q = cx.q
        st.coercion = st.ass * (1.0 + q["assertion.energy_leverage"] * cx.gas)
        bal = _sigmoid((st.dem - q["assertion.balance_threshold"])
                       / q["assertion.balance_width"])
        sign = bal - q["assertion.bandwagon_ratio"] * (1.0 - bal)
        st.force += q["assertion.effect"] * st.coercion * sign


@register
class PatronageNetworks(Mechanism):
    """Patronage and corruption networks abroad as a channel of influence (C4).

    Where institutions are weak (low democracy) and a patronage tie exists (the scenario's
    ``patronage`` relations: subsidised gas, loans, security guarantees), Russian influence
    pulls the neighbour's alignment target towards Russia, more so when Russia can pay
    (capacity).
    """

    name = "patronage_networks"
    theory = ("C4",)
    defaults = {"influence": 0.1}

    def step(self, st: State, cx: Context) -> None:
        """Add the patronage pull to the force."""
        q = cx.q
        weak = np.clip(1.0 - st.dem, 0.0, 1.0)
        tie = cx.patronage
        cap = np.minimum(st.capacity, 2.0)[:, None]
        st.force -= q["patronage_networks.influence"] * tie * weak * cap * cx.nb


@register
class KindredRegimes(Mechanism):
    """Russia backs fellow autocracies; they lean on it for regime security (C3).

    The pull towards Russia grows linearly as a neighbour's democracy score falls below
    ``autocracy_threshold``.
    """

    name = "kindred_regimes"
    theory = ("C3",)
    defaults = {"support": 0.15, "autocracy_threshold": 0.45}

    def step(self, st: State, cx: Context) -> None:
        """Add the kindred-regime pull to the force."""
        q = cx.q
        thr = q["kindred_regimes.autocracy_threshold"]
        autoc = np.clip((thr - st.dem) / thr, 0.0, 1.0)
        st.force -= q["kindred_regimes.support"] * autoc * cx.nb


@register
class EUPull(Mechanism):
    """The EU's offer draws neighbours in, more strongly the more democratic they are (D5)."""

    name = "eu_pull"
    theory = ("D5",)
    defaults = {"effect": 0.25, "democracy_exponent": 2.0}

    def step(self, st: State, cx: Context) -> None:
        """Add the EU's pull to the force."""
        q = cx.q
        pull = cx.lever("eu_offer") * cx.static["eu_eligibility"] * \
            np.clip(st.dem, 0.0, 1.0) ** q["eu_pull.democracy_exponent"]
        st.force += q["eu_pull.effect"] * pull * cx.nb


@register
class ChinaPull(Mechanism):
    """China's growing economic weight draws exposed neighbours (D6).

    A neighbour's China trade share moves towards ``max_share * exposure * w / (1 + w)``,
    where ``w`` is China's economy relative to Russia's (a driver that keeps growing). A higher
    China share loosens dependence on Russia and shifts UN voting slightly away from the West.
    """

    name = "china_pull"
    theory = ("D6",)
    defaults = {"rate": 0.08, "max_share": 0.45, "alignment_effect": 0.1,
                "dependence_effect": 0.5}

    def step(self, st: State, cx: Context) -> None:
        """Update China shares, dependence and the force."""
        q = cx.q
        w = (st.china_weight / (1.0 + st.china_weight)).astype(np.float32)[:, None]
        target = q["china_pull.max_share"] * cx.static["china_proximity"] * w
        if cx.observed and cx.obs_china is not None:
            new = np.where(np.isfinite(cx.obs_china), cx.obs_china,
                           st.chn + q["china_pull.rate"] * (target - st.chn))
        else:
            new = st.chn + q["china_pull.rate"] * (target - st.chn)
        gain = np.maximum(new - st.chn, 0.0)
        st.chn = np.clip(new, 0.0, 1.0) * cx.nb
        st.dep = np.maximum(st.dep - q["china_pull.dependence_effect"] * gain, 0.0)
        st.force -= q["china_pull.alignment_effect"] * st.chn


@register
class Institutions(Mechanism):
    """Accession, suspension and exit with hysteresis; memberships anchor alignment (C6).

    Up to the last observed year memberships follow history. Afterwards a non-member joins a
    Russia-led format with a probability that rises as its alignment falls below the format's
    ``join_threshold``; a member leaves only once alignment passes the higher
    ``exit_threshold`` (hysteresis). West-led formats work the other way round, need an
    eligible candidate (``eu_eligibility`` above 0), and are blocked by frozen conflicts; the
    China-led SCO takes states close to China (``china_proximity`` of 0.5 or more). A state
    cannot join a format that ``excludes`` one it belongs to (the EAEU's customs union and the
    EU's deep trade area; the CSTO and NATO). Each Russia-led membership lowers the alignment
    target by ``anchor``;
    each West-led one raises it.
    """

    name = "institutions"
    theory = ("C6",)
    defaults = {"join_rate": 0.15, "exit_rate": 0.1, "sharpness": 0.08, "anchor": 0.05}

    def step(self, st: State, cx: Context) -> None:
        """Update memberships and add their anchoring to the force."""
        q = cx.q
        hist = cx.member_hist_t  # (A, I), -1 unknown
        n_i = hist.shape[1]
        if n_i == 0:
            return
        signs = cx.inst_sign
        if cx.observed_members:  # history: the same for every member, cheap to apply
            known = hist > 0
            if cx.t == 1 or not np.array_equal(known, cx.model.member_hist[cx.t - 1] > 0):
                st.mem[...] = known.T[:, None, :]
            st.force += q["institutions.anchor"] * (known * signs).sum(axis=1) * cx.nb
            return
        anchor = np.zeros_like(st.x)
        sharp = q["institutions.sharpness"]
        draws: list[np.ndarray] = []
        for j in range((n_i + 1) // 2):  # two institutions per hash, keyed by actor column;
            # only neighbours can join or leave, so only their columns are drawn
            draws.extend(rng.uniform32x2(cx.keys, 200 + j, cx.year, columns=cx.nb_idx))
        for k in range(n_i):  # a handful of institutions; members and actors stay vectorised
            pole = int(cx.inst_pole[k])
            west = pole == 1
            cols = cx.inst_cols[k]
            x = st.x[:, cols]
            jt, et = cx.join_thr[:, k:k + 1], cx.exit_thr[:, k:k + 1]
            towards = (x - jt) if west else (jt - x)  # > 0: wants in
            away = (et - x) if west else (x - et)  # > 0: wants out
            p_join = q["institutions.join_rate"] * _sigmoid(towards / sharp)
            if west and cx.frozen_on:
                p_join = p_join * (1.0 - q["frozen_conflicts.accession_block"]
                                   * st.frozen[:, cols])
            for other in np.flatnonzero(cx.model.inst_excl[k]):  # e.g. EAEU and EU
                p_join = p_join * ~st.mem[other][:, cols]
            p_exit = q["institutions.exit_rate"] * _sigmoid(away / sharp)
            u = draws[k][:, cx.inst_cols_nb[k]]
            now = np.where(st.mem[k][:, cols], u >= p_exit, u < p_join)
            now |= hist[cols, k] == 1
            row = st.mem[k] & ~cx.nb_b  # outside powers keep their memberships
            row[:, cols] = now
            row |= hist[:, k] == 1
            st.mem[k] = row
            anchor[:, cols] += signs[k] * now
        st.force += q["institutions.anchor"] * anchor * cx.nb


@register
class FrozenConflicts(Mechanism):
    """Unresolved conflicts as levers: they block Western accession; new ones can start (C2).

    A neighbour that has moved far West (``war_threshold``) while under strong assertion risks
    a new conflict each year (probability ``war_prob`` times assertion). A conflict event is
    recorded, the conflict stays frozen afterwards, and the neighbour's alignment jumps West
    (it now sees Russia as the threat) while Russia's recognition in the West suffers via
    assertion's costs.
    """

    name = "frozen_conflicts"
    theory = ("C2", "D8")
    defaults = {"accession_block": 0.9, "war_prob": 0.05, "war_threshold": 0.3}

    def step(self, st: State, cx: Context) -> None:
        """Draw new conflicts and keep existing ones."""
        q = cx.q
        st.frozen = np.maximum(st.frozen, cx.frozen_t[None, :])
        if cx.observed:
            return
        risk = q["frozen_conflicts.war_prob"] * st.ass * \
            (st.x > q["frozen_conflicts.war_threshold"]) * (st.frozen < 1) * cx.nb
        war = np.zeros(st.x.shape, dtype=bool)  # only neighbours are at risk: draw for them
        nbi = cx.nb_idx
        war[:, nbi] = rng.uniform32(cx.keys, 300, cx.year, columns=nbi) < risk[:, nbi]
        st.conflict += war
        st.frozen = np.where(war, 1.0, st.frozen)
        st.jump += war * 0.1


@register
class Shocks(Mechanism):
    """Leadership transitions, revolutions, partner conflicts, regime drift (D8).

    After the observed years: democracy drifts (``democracy_sd``); hybrid regimes (democracy
    0.25-0.55) may have a revolution that raises democracy and moves alignment West; any
    regime may change leader, which moves alignment at random; a flare-up between partners
    (such as Armenia and Azerbaijan) raises the embattled side's dependence on Russia.
    """

    name = "shocks"
    theory = ("D8",)
    defaults = {"leadership_prob": 0.05, "leadership_sd": 0.08, "revolution_prob": 0.03,
                "revolution_democracy_jump": 0.12, "revolution_shift": 0.1,
                "partner_conflict_prob": 0.04, "democracy_sd": 0.02}

    def step(self, st: State, cx: Context) -> None:
        """Draw this year's shocks."""
        if cx.observed:
            return
        q = cx.q
        n_a = st.x.shape[1]
        u_drift, u_rev = rng.uniform32x2(cx.keys, 400, cx.year, n_a)
        st.dem = np.clip(st.dem + q["shocks.democracy_sd"] * _unit_uniform(u_drift), 0.0, 1.0)
        hybrid = (st.dem > 0.25) & (st.dem < 0.55)
        rev = (u_rev
               < q["shocks.revolution_prob"] * hybrid) & cx.nb_b
        st.dem = np.clip(st.dem + rev.astype(np.float32) * q["shocks.revolution_democracy_jump"],
                         0, 1)
        st.jump += rev * q["shocks.revolution_shift"]
        st.revolution += rev
        nbi = cx.nb_idx  # leadership changes and flare-ups: drawn for neighbours only
        u_lead, u_size = rng.uniform32x2(cx.keys, 402, cx.year, columns=nbi)
        lead = u_lead < q["shocks.leadership_prob"]
        st.jump[:, nbi] += lead * q["shocks.leadership_sd"] * _unit_uniform(u_size)
        flare = np.zeros(st.x.shape, dtype=bool)
        flare[:, nbi] = (rng.uniform32(cx.keys, 404, cx.year, columns=nbi)
                         < q["shocks.partner_conflict_prob"]) & (cx.frozen_t[nbi] > 0) \
            & (cx.static["hydrocarbon_producer"][nbi] == 0)
        st.dep = np.where(flare, np.minimum(st.dep + 0.1, 1.5), st.dep)
        st.conflict += flare


@register
class Alignment(Mechanism):
    """Each neighbour's UN voting alignment moves part way towards its target (D1, D5, D7).

    Target = ``base + democracy_effect * democracy + force`` where ``force`` sums the shifts of
    all other mechanisms. Alignment closes ``adjustment`` of the gap each year and takes an
    idiosyncratic shock plus a shock common to all neighbours (agenda effects of the UN year).
    Outside powers keep their observed (or nominal) alignment.
    """

    name = "alignment"
    theory = ("D1", "D5", "D7")
    defaults = {"base": -0.35, "democracy_effect": 0.8, "adjustment": 0.35, "noise": 0.05,
                "common_noise": 0.07}

    def step(self, st: State, cx: Context) -> None:
        """Advance alignment one year."""
        q = cx.q
        n_a = st.x.shape[1]
        target = q["alignment.base"] + q["alignment.democracy_effect"] * \
            st.dem + st.force
        eps = np.zeros_like(st.x)  # outside powers draw no noise: they keep their alignment
        eps[:, cx.nb_idx] = rng.normal32(cx.keys, 500, cx.year, n_a, columns=cx.nb_idx)
        eps *= q["alignment.noise"]
        common = q["alignment.common_noise"] * rng.normal32(cx.keys, 501, cx.year)[:, None]
        x = st.x + q["alignment.adjustment"] * (target - st.x) + eps + common + st.jump
        st.x = np.where(cx.nb_b[None, :], x, cx.x_outside[None, :])


@register
class DelegationLimit(Mechanism):
    """Autocrats will not delegate authority upward: integration depth is capped (D2).

    A neighbour's integration with Russia (0-1) moves towards how Russia-aligned and dependent
    it is, but never above ``1 - strength * autocracy``: kindred autocracies stay aligned
    without deepening integration. Switched off, depth follows alignment alone.
    """

    name = "delegation_limit"
    theory = ("D2",)
    defaults = {"strength": 0.7, "adjustment": 0.25}

    def step(self, st: State, cx: Context) -> None:
        """Update integration depth."""
        q = cx.q
        n_r = cx.russia_inst.size
        russia_members = (st.mem[cx.russia_inst].sum(axis=0, dtype=np.float32) / n_r
                          if n_r else 0.0)
        desire = np.clip(0.5 * russia_members + 0.5 * np.clip(0.3 - st.x, 0.0, 1.0)
                         + 0.25 * np.minimum(st.dep, 1.0), 0.0, 1.0)
        autoc = np.clip((0.6 - st.dem) / 0.6, 0.0, 1.0)
        cap = 1.0 - q["delegation_limit.strength"] * autoc if cx.enabled(self.name) \
            else 1.0
        target = np.minimum(desire, cap)
        st.depth += q["delegation_limit.adjustment"] * (target - st.depth)
        st.depth *= cx.nb


@register
class DomesticLinkage(Mechanism):
    """Regime security and recognition at home and abroad feed each other (A1, A2, D7, C5).

    Regime security rises with rents above the reference level and with a rally effect of
    assertion abroad (threat narratives), and falls as important neighbours drift West (the
    fear of contagion). Recognition moves towards a level set by a loyal neighbourhood and
    regime security, minus the cost of assertion in Western eyes.
    """

    name = "domestic_linkage"
    theory = ("A1", "A2", "D7", "C5")
    defaults = {"rent_gain": 0.2, "contagion": 0.3, "rally": 0.1, "recognition_rate": 0.2,
                "sphere_gain": 0.5, "assertion_cost": 0.5}

    def step(self, st: State, cx: Context) -> None:
        """Update Russia's regime security and recognition."""
        f = cx.f
        w = cx.pop_share / np.maximum(cx.pop_share.sum(), 1e-9)
        west = (np.clip(st.x, 0.0, 1.0) * w).sum(axis=1)
        loyal = (np.clip(0.3 - st.x, 0.0, 1.0) * w).sum(axis=1)
        mean_ass = (st.ass * w).sum(axis=1)
        st.security = np.clip(
            st.security + 0.2 * (0.5 - st.security)
            + f["domestic_linkage.rent_gain"] * (st.capacity - 1.0)
            - f["domestic_linkage.contagion"] * west
            + f["domestic_linkage.rally"] * mean_ass, 0.0, 1.0)
        target = np.clip(0.3 + f["domestic_linkage.sphere_gain"] * loyal
                         + 0.3 * st.security
                         - f["domestic_linkage.assertion_cost"] * mean_ass, 0.0, 1.0)
        st.recognition += f["domestic_linkage.recognition_rate"] * (target - st.recognition)


# ------------------------------------------------------------------------------ validation

@dataclass(frozen=True)
class MechanismInfo:
    """Public description of a registered mechanism (for docs, CLI and the dashboard)."""

    name: str
    implementation: str
    theory: tuple[str, ...]
    defaults: dict[str, float]
    doc: str


def catalogue() -> list[MechanismInfo]:
    """Every registered mechanism implementation, in execution order."""
    out = []
    for name in ORDER:
        for (n, impl), cls in REGISTRY.items():
            if n == name:
                out.append(MechanismInfo(n, impl, cls.theory, dict(cls.defaults),
                                         (cls.__doc__ or "").strip()))
    return out


def implementations(name: str) -> list[str]:
    """Implementations registered for mechanism ``name``."""
    return [impl for (n, impl) in REGISTRY if n == name]


def resolve(name: str, impl: str) -> type[Mechanism]:
    """The class implementing ``name`` (``default`` picks the first registered)."""
    if (name, impl) in REGISTRY:
        return REGISTRY[(name, impl)]
    if impl == "default":
        return REGISTRY[(name, implementations(name)[0])]
    raise KeyError((name, impl))


def check_mechanisms(enabled: dict[str, bool], impl: dict[str, str], params: dict[str, Any],
                     loaded: LoadedScenario) -> None:
    """Check the scenario's mechanisms against the registry; fill in default parameters."""
    problems: list[Problem] = []
    src = loaded.source
    for name in enabled:
        if name not in ORDER:
            problems.append(src.problem(("mechanisms", name), f"unknown mechanism '{name}'",
                                        suggest(name, ORDER)))
            continue
        choices = implementations(name)
        if impl[name] != "default" and impl[name] not in choices:
            problems.append(src.problem(
                ("mechanisms", name, "implementation"),
                f"mechanism '{name}' has no implementation '{impl[name]}'",
                f"choose one of: {', '.join(choices)}"))
            continue
        cls = resolve(name, impl[name])
        allowed = set().union(*(set(c.defaults) for (n, _), c in REGISTRY.items() if n == name))
        for path in [k for k in params if k.startswith(name + ".")]:
            pname = path[len(name) + 1:]
            if pname not in allowed:
                problems.append(src.problem(
                    ("mechanisms", name, "params", pname),
                    f"mechanism '{name}' has no parameter '{pname}'",
                    suggest(pname, sorted(allowed))))
        del cls
    if problems:
        raise ScenarioError(problems=problems,
                            title="the scenario's mechanisms do not match the model")
    from multipolar.model.compile import ParamSpec

    for name in ORDER:
        for (n, _), cls in REGISTRY.items():
            if n != name:
                continue
            for pname, val in cls.defaults.items():
                params.setdefault(f"{name}.{pname}", ParamSpec(f"{name}.{pname}", float(val)))
    for aim, val in (("aims.sphere", 1.0), ("aims.recognition", 0.5)):
        params.setdefault(aim, ParamSpec(aim, val))
