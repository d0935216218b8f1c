"""The neighbourhood model written the way a Mesa 3 user would write it: the benchmark peer.

One :class:`NeighbourhoodModel` (a ``mesa.Model``) per ensemble member, one
:class:`ActorAgent` (a ``mesa.Agent``) per actor, Russia's own variables on a
:class:`RussiaAgent`. Each year the model runs the mechanisms in the engine's order, each as
a staged activation over the agents (``self.agents.do("mechanism")``); each agent updates its
own scalar state with plain Python arithmetic. Nothing is vectorised over members or actors.

Inputs are shared with multipolar: the compiled scenario (data tables resolved by
``compile_model``) and the per-member random streams. Every random number is the scalar
counter-based draw of :mod:`multipolar.rng` (``uniform(key, stream, year, actor)``),
re-implemented here with Python integers, and every parameter is drawn from the same stream,
so a member's trajectory follows multipolar's member with the same index.

Precision: multipolar's engine keeps its state in float32 (to halve memory traffic); this peer,
like a typical Mesa model, computes in Python floats (float64) from the same float32 inputs and
draws. Trajectories therefore agree to float32 rounding (about 1e-6) except where a discrete
event (joining or leaving an institution, a war, a revolution) is decided by a draw that
falls within that rounding of its threshold; from then on that member follows another, equally
valid path. The test compares the ensemble statistics (quantiles per actor and year) and counts
such members.

Mirrors ``src/multipolar/model/mechanisms/`` and ``engine.py``; if those change, this file
must follow (tests/ensemble/test_ensemble_mesa_peer.py fails until it does).
"""

from __future__ import annotations

import math
from typing import Any

import mesa
import numpy as np
from scipy.special import ndtri

from multipolar import rng
from multipolar.model.mechanisms.base import STREAMS

MASK = 0xFFFFFFFFFFFFFFFF
GOLDEN = 0x9E3779B97F4A7C15
SQRT3 = math.sqrt(3.0)


# ------------------------------------------------------------------ scalar random numbers

def splitmix64(x: int) -> int:
    z = (x + GOLDEN) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


S = STREAMS.id
"""Random stream ids by name (the engine's registry)."""


def uniform(key: int, stream: int, year: int, actor: int = 0) -> float:
    """The draw of ``multipolar.rng.uniform(keys, stream, year, n)[i, actor]`` for one key."""
    c = splitmix64(((stream << 40) & MASK) ^ ((year & 0xFFFF) << 20) ^ actor)
    h = splitmix64(key ^ c)
    return ((h >> 11) + 0.5) * (1.0 / float(1 << 53))


def normal(key: int, stream: int, year: int, actor: int = 0) -> float:
    return float(ndtri(uniform(key, stream, year, actor)))


def _hash(key: int, stream: int, year: int, actor: int) -> int:
    c = splitmix64(((stream << 40) & MASK) ^ ((year & 0xFFFF) << 20) ^ actor)
    return splitmix64(key ^ c)


INV23 = 1.0 / float(1 << 23)


def uniform32(key: int, stream: int, year: int, actor: int = 0) -> float:
    """``multipolar.rng.uniform32`` for one key and actor (23 random bits, exact in a float)."""
    return ((_hash(key, stream, year, actor) >> 41) + 0.5) * INV23


def uniform32x2(key: int, stream: int, year: int, actor: int = 0) -> tuple[float, float]:
    """``multipolar.rng.uniform32x2``: two uniforms from bits 41-63 and 9-31 of one hash."""
    h = _hash(key, stream, year, actor)
    return ((h >> 41) + 0.5) * INV23, (((h >> 9) & 0x7FFFFF) + 0.5) * INV23


def normal32(key: int, stream: int, year: int, actor: int = 0) -> float:
    """``multipolar.rng.normal32``: the double-precision normal rounded to float32."""
    return float(np.float32(ndtri(uniform(key, stream, year, actor))))


def f32(a: Any) -> list[Any]:
    """Values rounded to float32 (as the engine stores its inputs), as Python floats."""
    return np.asarray(a, dtype=np.float32).astype(np.float64).tolist()  # type: ignore[no-any-return]


def sigmoid(z: float) -> float:
    t = min(max(z * 0.2 + 0.5, 0.0), 1.0)
    return t * t * (3.0 - 2.0 * t)


def unit_uniform(u: float) -> float:
    return (2.0 * u - 1.0) * SQRT3


def clip(v: float, lo: float, hi: float) -> float:
    return min(max(v, lo), hi)


def npsum(values: list[float]) -> float:
    """Sum in NumPy's order for a row reduction (its pairwise sum: eight running sums for
    eight or more elements, combined as a tree, then the remainder)."""
    n = len(values)
    if n < 8:
        s = 0.0
        for v in values:
            s += v
        return s
    r = list(values[:8])
    i = 8
    while i + 8 <= n:
        for j in range(8):
            r[j] += values[i + j]
        i += 8
    s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while i < n:
        s += values[i]
        i += 1
    return s


# ------------------------------------------------------------------ shared scenario tables

class Tables:
    """Member-independent inputs per year (data, levers, histories), computed once and
    rounded to float32 where the engine stores them so."""

    def __init__(self, cm: Any) -> None:
        from multipolar.model.engine import _eligible, _last_finite_upto, _shares

        self.cm = cm
        self.actors = list(cm.actors)
        self.n_a = len(self.actors)
        self.n_i = len(cm.institutions)
        self.nb = [bool(b) for b in cm.neighbours]
        nbf = cm.neighbours.astype(np.float32)
        obs = cm.obs
        nominal = np.nan_to_num(cm.static["un_alignment_nominal"], nan=0.0)
        self.x_ref = f32(np.nan_to_num(cm.static["un_alignment_ref"], nan=0.0))
        self.static = {k: f32(v) for k, v in cm.static.items()}
        self.offset = self.static.get("alignment_offset")
        self.patronage = f32(cm.patronage)
        self.w_sum = float(np.asarray(cm.static["eu_eligibility"], dtype=np.float32).sum())
        self.pole = [int(p) for p in cm.inst_pole]
        self.sign = [1.0 if p == 1 else (-1.0 if p == 0 else -0.5) for p in self.pole]
        self.excl = [[int(o) for o in np.flatnonzero(cm.inst_excl[k])] for k in range(self.n_i)]
        self.west_inst = [k for k, p in enumerate(self.pole) if p == 1]
        self.russia_inst = [k for k, p in enumerate(self.pole) if p == 0]
        self.candidate = [set(np.flatnonzero(cm.neighbours & _eligible(cm, p)).tolist())
                          for p in self.pole]
        self.years = [int(y) for y in cm.years]
        self.pop_share: list[list[float]] = []
        self.pop_weight: list[list[float]] = []
        self.gdp_share: list[list[float]] = []
        self.x_outside: list[list[float]] = []
        x_last = np.where(np.isfinite(obs["un_alignment"][0]), obs["un_alignment"][0],
                          np.where(np.isfinite(obs["un_alignment_first"]),
                                   obs["un_alignment_first"], nominal))
        for t in range(len(self.years)):
            ps = _shares(_last_finite_upto(obs["population"], t), nbf).astype(np.float32)
            self.pop_share.append(f32(ps))
            self.pop_weight.append(f32(ps / np.maximum(ps.sum(), 1e-9)))
            self.gdp_share.append(f32(_shares(_last_finite_upto(obs["gdp"], t), nbf)))
            x_last = np.where(np.isfinite(obs["un_alignment"][t]), obs["un_alignment"][t], x_last)
            self.x_outside.append(f32(np.where(np.isfinite(x_last), x_last, nominal)))
        self.dem_obs = f32(obs["democracy"])
        self.obs_china = f32(obs["trade_share_china"])
        self.hist = cm.member_hist.tolist()  # (T, A, I), -1 unknown
        self.frozen = f32(cm.frozen)  # (T, A)
        self.levers = {k: v.tolist() for k, v in cm.levers.items()}


def member_key(seed: int, i: int) -> int:
    return int(rng.member_keys(seed, i, i + 1)[0])


def draw_params(cm: Any, key: int) -> dict[str, float]:
    """Each parameter for this member: fixed, or drawn from its own stream (draw 0).

    Uncertain parameters are rounded to float32, as the engine holds them.
    """
    out = {}
    for path, spec in cm.params.items():
        if spec.dist is None:
            out[path] = float(spec.nominal)
        else:
            v = spec.ppf(np.array([uniform(key, spec.stream, 0)]))[0]
            out[path] = float(np.float32(v))
    return out


def raw_params(cm: Any, key: int) -> dict[str, float]:
    """Parameters in double precision (the engine's drivers and lever levels use these)."""
    return {path: float(spec.ppf(np.array([uniform(key, spec.stream, 0)]))[0])
            if spec.dist is not None else float(spec.nominal) for path, spec in cm.params.items()}


# ------------------------------------------------------------------ agents

class ActorAgent(mesa.Agent):
    """A state or bloc: its alignment, democracy, dependence, China share, memberships."""

    def __init__(self, model: NeighbourhoodModel, j: int) -> None:
        super().__init__(model)
        tb, p, cm = model.tables, model.p, model.cm
        self.j = j
        self.name = tb.actors[j]
        self.neighbour = tb.nb[j]
        self.nbf = 1.0 if self.neighbour else 0.0
        obs = cm.obs

        def first(name: str, default: float) -> float:
            v = float(obs[name + "_first"][j]) if name + "_first" in obs else math.nan
            return v if math.isfinite(v) else default

        nominal = float(np.nan_to_num(cm.static["un_alignment_nominal"][j], nan=0.0))
        ua = float(obs["un_alignment_first"][j]) if "un_alignment_first" in obs else math.nan
        x0 = first("un_alignment", 0.0) if math.isfinite(ua) else nominal
        dem0 = first("democracy", 0.5)
        dn = cm.static.get("democracy_nominal")
        if dn is not None and math.isfinite(float(dn[j])):
            dem0 = float(dn[j])
        self.gas = f32(model.raw.get(f"actors.{self.name}.gas_dependence", 0.0) * self.nbf)
        trs, tch = first("trade_share_russia", 0.0), first("trade_share_china", 0.0)
        hist0 = [max(h, 0) for h in tb.hist[0][j]]
        ri = tb.russia_inst
        depth0 = float(np.mean([hist0[k] for k in ri])) * 0.5 if ri else 0.0
        self.x, self.dem = f32(x0), f32(dem0)
        self.dep = f32((0.5 * (min(2.0 * trs, 1.0) + self.gas)) * self.nbf)
        self.chn = f32(tch * self.nbf)
        self.depth = f32(depth0 * self.nbf)
        self.frozen = tb.frozen[0][j]
        self.mem = [h > 0 for h in hist0]
        del p
        self.reset_year()

    def reset_year(self) -> None:
        self.force = self.jump = self.att = self.ass = 0.0
        self.subsidy = self.coercion = self.conflict = self.revolution = self.threat = 0.0

    # --- mechanisms, in the engine's order (Russia-wide steps live on RussiaAgent)
    def threat_perception(self) -> None:
        m, p = self.model, self.model.p
        drift = max(self.x - m.tables.x_ref[self.j], 0.0)
        west = float(sum(self.mem[k] for k in m.tables.west_inst))
        self.threat = p["threat_perception.vulnerability"] * (
            p["threat_perception.drift_weight"] * drift
            + p["threat_perception.alliance_weight"] * west) * self.nbf

    def importance(self) -> float:
        m, p, tb = self.model, self.model.p, self.model.tables
        w = p["russia_policy.importance_population"]
        imp = w * tb.pop_share[m.t][self.j] + (1 - w) * tb.gdp_share[m.t][self.j]
        imp = imp + p["russia_policy.russian_share_weight"] * tb.static["russian_share"][self.j]
        return imp * self.nbf

    def small_partner_leverage(self) -> None:
        m, p = self.model, self.model.p
        st = m.tables.static
        options = p["small_partner_leverage.options_weight"] * (
            st["eu_eligibility"][self.j] + st["china_proximity"][self.j]) + \
            p["small_partner_leverage.options_base"]
        demand = p["small_partner_leverage.demand"] * self.importance() * options * \
            (1.0 if self.x < p["small_partner_leverage.partner_threshold"] else 0.0)
        paid = min(demand, p["small_partner_leverage.payment_share"]
                   * max(m.russia.capacity, 0.0) * demand)
        self.subsidy += paid
        self.force += p["small_partner_leverage.independence_effect"] * (demand - paid)

    def assertion(self) -> None:
        p = self.model.p
        self.coercion = self.ass * (1.0 + p["assertion.energy_leverage"] * self.gas)
        bal = sigmoid((self.dem - p["assertion.balance_threshold"])
                      / p["assertion.balance_width"])
        sign = bal - p["assertion.bandwagon_ratio"] * (1.0 - bal)
        self.force += p["assertion.effect"] * self.coercion * sign

    def patronage_networks(self) -> None:
        m, p = self.model, self.model.p
        weak = clip(1.0 - self.dem, 0.0, 1.0)
        cap = min(m.russia.capacity, p["patronage_networks.capacity_cap"])
        self.force -= p["patronage_networks.influence"] * m.tables.patronage[self.j] * weak * \
            cap * self.nbf

    def kindred_regimes(self) -> None:
        p = self.model.p
        thr = p["kindred_regimes.autocracy_threshold"]
        autoc = clip((thr - self.dem) / thr, 0.0, 1.0)
        self.force -= p["kindred_regimes.support"] * autoc * self.nbf

    def eu_pull(self) -> None:
        m, p = self.model, self.model.p
        pull = m.lever("eu_offer", self.j) * m.tables.static["eu_eligibility"][self.j] * \
            clip(self.dem, 0.0, 1.0) ** p["eu_pull.democracy_exponent"]
        self.force += p["eu_pull.effect"] * pull * self.nbf

    def china_pull(self) -> None:
        m, p = self.model, self.model.p
        cw = m.russia.china_weight
        w = f32(cw / (1.0 + cw))
        target = p["china_pull.max_share"] * m.tables.static["china_proximity"][self.j] * w
        step = self.chn + p["china_pull.rate"] * (target - self.chn)
        new = step
        if m.observed:
            oc = m.tables.obs_china[m.t][self.j]
            if math.isfinite(oc):
                new = oc
        gain = max(new - self.chn, 0.0)
        self.chn = clip(new, 0.0, 1.0) * self.nbf
        self.dep = max(self.dep - p["china_pull.dependence_effect"] * gain, 0.0)
        self.force -= p["china_pull.alignment_effect"] * self.chn

    def institutions(self) -> None:
        m, p, tb = self.model, self.model.p, self.model.tables
        if tb.n_i == 0:
            return
        hist = tb.hist[m.t][self.j]
        if m.observed:
            self.mem = [h > 0 for h in hist]
            s = npsum([float(self.mem[k]) * tb.sign[k] for k in range(tb.n_i)])
            self.force += p["institutions.anchor"] * s * self.nbf
            return
        anchor = 0.0
        sharp = p["institutions.sharpness"]
        draws: list[float] = []
        for jj in range((tb.n_i + 1) // 2):  # two institutions per hash, keyed by actor
            draws.extend(uniform32x2(m.key, S("institutions.membership", jj), m.year, self.j))
        for k in range(tb.n_i):
            if self.j not in tb.candidate[k]:
                # not a candidate: outside powers keep theirs, neighbours only their history
                self.mem[k] = (self.mem[k] and not self.neighbour) or hist[k] == 1
                continue
            west = tb.pole[k] == 1
            inst = tb.cm.institutions[k]
            jt = p.get(f"institution.{inst}.join_threshold", 0.0)
            et = p.get(f"institution.{inst}.exit_threshold", 0.0)
            towards = (self.x - jt) if west else (jt - self.x)
            away = (et - self.x) if west else (self.x - et)
            p_join = p["institutions.join_rate"] * sigmoid(towards / sharp)
            if west and m.frozen_on:
                p_join = p_join * (1.0 - p["frozen_conflicts.accession_block"] * self.frozen)
            for other in tb.excl[k]:
                if self.mem[other]:
                    p_join = 0.0
            p_exit = p["institutions.exit_rate"] * sigmoid(away / sharp)
            u = draws[k]
            now = (u >= p_exit) if self.mem[k] else (u < p_join)
            now = now or hist[k] == 1
            self.mem[k] = now
            anchor += tb.sign[k] * now
        self.force += p["institutions.anchor"] * anchor * self.nbf

    def frozen_conflicts(self) -> None:
        m, p = self.model, self.model.p
        self.frozen = max(self.frozen, m.tables.frozen[m.t][self.j])
        if m.observed:
            return
        risk = p["frozen_conflicts.war_prob"] * self.ass * \
            (1.0 if self.x > p["frozen_conflicts.war_threshold"] else 0.0) * \
            (1.0 if self.frozen < 1 else 0.0) * self.nbf
        war = uniform32(m.key, S("frozen_conflicts.war"), m.year, self.j) < risk
        if war:
            self.conflict += 1.0
            self.frozen = 1.0
            self.jump += p["frozen_conflicts.war_shift"]

    def shocks(self) -> None:
        m, p = self.model, self.model.p
        if m.observed:
            return
        j, key, year = self.j, m.key, m.year
        u_drift, u_rev = uniform32x2(key, S("shocks.regime"), year, j)
        u_lead, u_size = uniform32x2(key, S("shocks.leadership"), year, j)
        self.dem = clip(self.dem + p["shocks.democracy_sd"] * unit_uniform(u_drift), 0.0, 1.0)
        hybrid = p["shocks.hybrid_low"] < self.dem < p["shocks.hybrid_high"]
        rev = u_rev < p["shocks.revolution_prob"] * hybrid and self.neighbour
        if rev:
            self.dem = clip(self.dem + p["shocks.revolution_democracy_jump"], 0.0, 1.0)
            self.jump += p["shocks.revolution_shift"]
            self.revolution += 1.0
        if u_lead < p["shocks.leadership_prob"] and self.neighbour:
            self.jump += p["shocks.leadership_sd"] * unit_uniform(u_size)
        flare = (uniform32(key, S("shocks.flare_up"), year, j) < p["shocks.partner_conflict_prob"]
                 and m.tables.frozen[m.t][j] > 0
                 and m.tables.static["hydrocarbon_producer"][j] == 0 and self.neighbour)
        if flare:
            self.dep = min(self.dep + p["shocks.flare_dependence"], p["shocks.dependence_cap"])
            self.conflict += 1.0

    def alignment(self) -> None:
        m, p = self.model, self.model.p
        target = p["alignment.base"] + p["alignment.democracy_effect"] * self.dem + self.force
        eps = p["alignment.noise"] * normal32(m.key, S("alignment.idiosyncratic"), m.year, self.j)
        common = p["alignment.common_noise"] * m.common_shock
        x = self.x + p["alignment.adjustment"] * (target - self.x) + eps + common + self.jump
        self.x = x if self.neighbour else m.tables.x_outside[m.t][self.j]

    def delegation_limit(self) -> None:
        p, tb = self.model.p, self.model.tables
        ri = tb.russia_inst
        rmem = sum(self.mem[k] for k in ri) / len(ri) if ri else 0.0
        q = {k: p[f"delegation_limit.{k}"] for k in (
            "membership_weight", "alignment_weight", "dependence_weight", "loyal_threshold",
            "autocracy_threshold", "strength")}
        desire = clip(q["membership_weight"] * rmem
                      + q["alignment_weight"] * clip(q["loyal_threshold"] - self.x, 0.0, 1.0)
                      + q["dependence_weight"] * min(self.dep, 1.0), 0.0, 1.0)
        thr = q["autocracy_threshold"]
        autoc = clip((thr - self.dem) / thr, 0.0, 1.0)
        cap = 1.0 - q["strength"] * autoc
        self.depth += p["delegation_limit.adjustment"] * (min(desire, cap) - self.depth)
        self.depth *= self.nbf


class RussiaAgent(ActorAgent):
    """Russia: also holds capacity, regime security, recognition and the oil and China
    drivers; chooses attraction and assertion towards each neighbour and pays subsidies."""

    def __init__(self, model: NeighbourhoodModel, j: int) -> None:
        super().__init__(model, j)
        p = model.p
        self.oil = model.driver_start("oil_price")
        self.china_weight = model.driver_start("china_weight")
        self.capacity = f32((max(self.oil, 1.0) / model.raw["resource_rents.ref_price"])
                            ** model.raw["resource_rents.elasticity"])
        self.security = 0.5
        self.recognition = 0.5
        del p

    def resource_rents(self) -> None:
        p = self.model.p
        target = (max(self.oil, 1.0) / p["resource_rents.ref_price"]) ** \
            p["resource_rents.elasticity"]
        self.capacity += p["resource_rents.smoothing"] * (target - self.capacity)

    def russia_policy(self) -> None:
        m, p = self.model, self.model.p
        actors = m.actor_list
        if m.cm.implementation.get("russia_policy", "strategic") == "opportunist":
            scale = min(self.capacity, p["russia_policy.capacity_cap"])
            for a in actors:
                u, v = uniform32x2(m.key, S("russia_policy.presence"), m.year, a.j)
                w = uniform32(m.key, S("russia_policy.intensity"), m.year, a.j)
                present = (1.0 if u < p["russia_policy.presence_prob"] else 0.0) * a.nbf
                a.att = clip(m.lever("russia_attraction", a.j) * present * v * scale, 0.0, 1.0)
                a.ass = m.lever("russia_assertion", a.j) * present * w
            return
        imps = [a.importance() for a in actors]
        top = max(max(imps), 1e-9)
        for a, imp in zip(actors, imps, strict=True):
            a.att = clip(m.lever("russia_attraction", a.j) * p["aims.sphere"] * (imp / top),
                         0.0, 1.0)
            z = (p["russia_policy.assertion_base"]
                 + p["russia_policy.threat_gain"] * a.threat
                 + p["russia_policy.capacity_gain"] * (self.capacity - 1.0)
                 - p["aims.recognition"] * self.recognition)
            a.ass = m.lever("russia_assertion", a.j) * sigmoid(z) * a.nbf

    def attraction(self) -> None:
        """Pay subsidies from one budget (scaled down pro rata when over it)."""
        m, p = self.model, self.model.p
        cap = max(self.capacity, 0.0)
        actors = m.actor_list
        for a in actors:
            a.subsidy += p["attraction.subsidy_scale"] * a.att * cap
        budget = p["attraction.budget"] * cap
        total = npsum([a.subsidy for a in actors])
        scale = budget / max(total, 1e-12) if total > budget else 1.0
        for a in actors:
            a.subsidy *= scale
            a.dep += p["attraction.dependence_rate"] * (
                min(a.subsidy, 1.0) + a.gas - a.dep) * a.nbf
            a.force -= p["attraction.effect"] * (a.subsidy + a.dep) * a.nbf

    def elite_interests(self) -> None:
        """Lose capacity to sanctions in proportion to assertion towards West-courted states."""
        m, p = self.model, self.model.p
        w = m.tables.static["eu_eligibility"]
        exposure = npsum([a.ass * w[a.j] for a in m.actor_list]) / max(m.tables.w_sum, 1e-9)
        self.capacity *= 1.0 - p["elite_interests.sanction_cost"] * clip(exposure, 0.0, 1.0)

    def domestic_linkage(self) -> None:
        m, p = self.model, self.model.p
        w = m.tables.pop_weight[m.t]
        actors = m.actor_list
        west = npsum([clip(a.x, 0.0, 1.0) * w[a.j] for a in actors])
        q = {k: p[f"domestic_linkage.{k}"] for k in (
            "loyal_threshold", "security_reversion", "security_norm", "recognition_base",
            "security_weight")}
        loyal = npsum([clip(q["loyal_threshold"] - a.x, 0.0, 1.0) * w[a.j] for a in actors])
        mean_ass = npsum([a.ass * w[a.j] for a in actors])
        self.security = clip(
            self.security + q["security_reversion"] * (q["security_norm"] - self.security)
            + p["domestic_linkage.rent_gain"] * (self.capacity - 1.0)
            - p["domestic_linkage.contagion"] * west
            + p["domestic_linkage.rally"] * mean_ass, 0.0, 1.0)
        target = clip(q["recognition_base"] + p["domestic_linkage.sphere_gain"] * loyal
                      + q["security_weight"] * self.security
                      - p["domestic_linkage.assertion_cost"] * mean_ass, 0.0, 1.0)
        self.recognition += p["domestic_linkage.recognition_rate"] * (target - self.recognition)


# ------------------------------------------------------------------ the model

RUSSIA_STAGES = ("resource_rents", "russia_policy", "attraction", "elite_interests",
                 "domestic_linkage")
# the engine's order of mechanisms (names only); each must have a method here
from multipolar.model.mechanisms import ORDER as STAGES  # noqa: E402

EVENT_STAGES = {"use_of_force", "dated_events"}  # act only on dated events (none in the peer)



class NeighbourhoodModel(mesa.Model):
    """One ensemble member: the neighbourhood advanced year by year."""

    def __init__(self, tables: Tables, seed: int, member: int) -> None:
        super().__init__(seed=seed)
        self.tables, self.cm = tables, tables.cm
        self.key = member_key(seed, member)
        self.raw = raw_params(self.cm, self.key)
        self.p = draw_params(self.cm, self.key)
        self.t, self.year = 0, tables.years[0]
        self.observed = True
        self.common_shock = 0.0
        self.frozen_on = self.cm.enabled.get("frozen_conflicts", False)
        self.lever_factor: dict[str, tuple[str, float]] = {}
        for name in tables.levers:
            spec = self.cm.params.get(f"levers.{name}")
            if spec is None:
                continue
            level = self.raw[spec.path]
            if spec.dist is None and level == spec.nominal:
                continue
            self.lever_factor[name] = (("scale", f32(level / spec.nominal)) if spec.nominal != 0
                                       else ("shift", f32(level)))
        core = self.cm.actors.index("Russia")
        self.actor_list: list[ActorAgent] = [
            RussiaAgent(self, j) if j == core else ActorAgent(self, j)
            for j in range(tables.n_a)]
        self.russia: RussiaAgent = self.actor_list[core]  # type: ignore[assignment]
        self.stages = [s for s in STAGES  # a switched-off mechanism never runs
                       if self.cm.enabled.get(s, False) and s not in EVENT_STAGES]
        if any(np.any(v) for v in (getattr(self.cm, "event_arrays", None) or {}).values()):
            raise NotImplementedError("the Mesa peer does not implement dated events")
        missing = [s for s in self.stages if not hasattr(RussiaAgent, s)]
        if missing:
            raise NotImplementedError(f"the Mesa peer lacks mechanisms {missing}")
        self.history: list[list[tuple[float, ...]]] = []
        self.core_history: list[tuple[float, ...]] = []
        self.record()

    def enabled(self, name: str) -> bool:
        return bool(self.cm.enabled.get(name, False))

    def lever(self, name: str, j: int) -> float:
        """Lever ``name`` this year towards actor ``j`` (levers are ``(years, actors)``)."""
        v = self.tables.levers[name][self.t][j] if name in self.tables.levers else 0.0
        how = self.lever_factor.get(name)
        if how is None:
            return v
        return v * how[1] if how[0] == "scale" else v + how[1]

    def driver_start(self, name: str) -> float:
        cm = self.cm
        if name not in cm.drivers_past:
            return 1.0
        past = cm.drivers_past[name]
        if math.isfinite(past[0]):
            return float(past[0])
        fut = cm.drivers_future[name]
        return self.raw[fut.level] if fut.level else 1.0

    def driver_step(self, name: str, prev: float, stream: int) -> float:
        cm = self.cm
        if name not in cm.drivers_past:
            return prev
        past = cm.drivers_past[name]
        if math.isfinite(past[self.t]):
            return float(past[self.t])
        fut, p = cm.drivers_future[name], self.raw
        log_prev = math.log(max(prev, 1e-9))
        vol = p[fut.volatility] if fut.volatility else 0.0
        shock = vol * normal(self.key, stream, self.year)
        if fut.model == "constant":
            new = p[fut.level] if fut.level else prev
        elif fut.model == "mean_reverting":
            level = math.log(max(p[fut.level], 1e-9)) if fut.level else log_prev
            rev = p[fut.reversion] if fut.reversion else 0.3
            new = math.exp(log_prev + rev * (level - log_prev) + shock)
        else:
            drift = p[fut.drift] if fut.drift else 0.0
            new = math.exp(log_prev + drift + shock)
        if fut.floor is not None:
            new = max(new, fut.floor)
        if fut.cap is not None:
            new = min(new, fut.cap)
        return new

    def step(self) -> None:
        """Advance one year: drivers, observed data, then each mechanism over the agents."""
        tb = self.tables
        self.t += 1
        self.year = tb.years[self.t]
        self.observed = self.year <= self.cm.observed_until
        for a in self.actor_list:
            a.reset_year()
            if tb.offset is not None:
                a.force += tb.offset[a.j]
        r = self.russia
        r.oil = self.driver_step("oil_price", r.oil, S("drivers.oil_price"))
        r.china_weight = self.driver_step("china_weight", r.china_weight,
                                          S("drivers.china_weight"))
        if self.observed:
            for a in self.actor_list:
                d = tb.dem_obs[self.t][a.j]
                if math.isfinite(d):
                    a.dem = d
        self.common_shock = normal32(self.key, S("alignment.common"), self.year)
        for stage in self.stages:
            if stage in RUSSIA_STAGES:
                getattr(r, stage)()
            else:
                self.agents.do(stage)
        self.record()

    def record(self) -> None:
        self.history.append([(a.x, a.chn, a.subsidy, a.coercion, a.conflict, a.depth, a.dem,
                              a.dep) for a in self.actor_list])
        r = self.russia
        self.core_history.append((r.capacity, r.security, r.recognition, r.oil,
                                  r.china_weight))


OUTCOMES = ("alignment", "china_share", "subsidy", "coercion", "conflict", "integration",
            "democracy", "dependence")
CORE = ("capacity", "regime_security", "recognition", "oil_price", "china_weight")

_TABLES: dict[int, Tables] = {}


def run_member(cm: Any, seed: int, member: int) -> dict[str, Any]:
    """Run one member to the end; return its trajectories as arrays (years, actors)."""
    tables = _TABLES.get(id(cm))
    if tables is None or tables.cm is not cm:
        tables = _TABLES[id(cm)] = Tables(cm)
    model = NeighbourhoodModel(tables, seed, member)
    for _ in range(len(tables.years) - 1):
        model.step()
    h = np.asarray(model.history)  # (T, A, outcomes)
    c = np.asarray(model.core_history)
    return {"years": tables.years,
            **{k: h[:, :, i] for i, k in enumerate(OUTCOMES)},
            **{k: c[:, i] for i, k in enumerate(CORE)}}


def run_ensemble(cm: Any, seed: int, start: int, stop: int) -> dict[str, np.ndarray]:
    """Members ``[start, stop)``: outcome arrays shaped (members, years, actors)."""
    runs = [run_member(cm, seed, i) for i in range(start, stop)]
    return {k: np.stack([r[k] for r in runs]) for k in (*OUTCOMES, *CORE)}
