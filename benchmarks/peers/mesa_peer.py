"""multipolar's model written the way a Mesa 3 user would write it: the benchmark peer.

One :class:`PeerModel` (a ``mesa.Model``) per ensemble member, one :class:`ActorAgent` (a
``mesa.Agent``) per actor, Russia's own variables on a :class:`RussiaAgent` (the actor whose
role is ``core``, as the engine finds it). Each year the model runs the switched-on
mechanisms in the engine's order, each as a staged activation over the agents
(``self.agents.do("mechanism")``); each agent updates its own scalar state with plain Python
arithmetic. Nothing is vectorised over members or actors. It runs both bundled scenarios:
the neighbourhood (``russia-neighbourhood``) and the world (``russia-world``, 193 states, with
the global mechanisms of ``mechanisms/world.py``), and dated uses of force, revolutions and
leadership changes (``--event``).

Inputs are shared with multipolar: the compiled scenario (data tables resolved by
``compile_model``) and the per-member random streams. Every random number is the scalar
counter-based draw of :mod:`multipolar.core.rng` (``uniform(key, stream, year, actor)``),
re-implemented here with Python integers, and every parameter is drawn from the same stream,
so a member's trajectory follows multipolar's member with the same index. The world's yearly
inputs (the Russian share of arms imports over a window, trade shares carried forward) are
derived from the data tables here, in plain Python.

Precision: multipolar's engine keeps its state in float32 (to halve memory traffic); this peer,
like a typical Mesa model, computes in Python floats (float64) from the same float32 inputs and
draws. Trajectories therefore agree to float32 rounding (about 1e-6) except where a discrete
event (joining or leaving an institution, a war, a revolution) is decided by a draw that
falls within that rounding of its threshold; from then on that member follows another, equally
valid path. The test compares the ensemble statistics (quantiles per actor and year) and counts
such members.

Mirrors ``src/multipolar/model/mechanisms/`` and ``engine.py``; if those change, this file
must follow (tests/ensemble/test_ensemble_mesa_peer.py and test_ensemble_mesa_peer_world.py
fail until it does). Depends on Mesa, NumPy, SciPy and multipolar.
"""

from __future__ import annotations

import math
from typing import Any

import mesa
import numpy as np
from scipy.special import ndtri

from multipolar.core import rng
from multipolar.model.mechanisms.base import STREAMS
from multipolar.model.mechanisms.sphere import (
    ARMS,
    CHINA,
    INVESTMENT,
    RUSSIA,
    SECURITY,
    SPHERE_WEIGHTS,
    TRADE,
    WEST,
)

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
    """The draw of ``multipolar.core.rng.uniform(keys, stream, year, n)[i, actor]`` for one key."""
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
    """``multipolar.core.rng.uniform32`` for one key and actor (23 random bits, exact)."""
    return ((_hash(key, stream, year, actor) >> 41) + 0.5) * INV23


def uniform32x2(key: int, stream: int, year: int, actor: int = 0) -> tuple[float, float]:
    """``multipolar.core.rng.uniform32x2``: two uniforms from bits 41-63 and 9-31 of one hash."""
    h = _hash(key, stream, year, actor)
    return ((h >> 41) + 0.5) * INV23, (((h >> 9) & 0x7FFFFF) + 0.5) * INV23


def normal32(key: int, stream: int, year: int, actor: int = 0) -> float:
    """``multipolar.core.rng.normal32``: the double-precision normal rounded to float32."""
    return float(np.float32(ndtri(uniform(key, stream, year, actor))))


def f32(a: Any) -> Any:
    """Values rounded to float32 (as the engine stores its inputs), as Python floats: a float
    for a scalar, nested lists for an array."""
    return np.asarray(a, dtype=np.float32).astype(np.float64).tolist()


def sigmoid(z: float) -> float:
    t = min(max(z * 0.2 + 0.5, 0.0), 1.0)
    return t * t * (3.0 - 2.0 * t)


def logistic(z: float) -> float:
    """The engine's hazard curve: ``1 / (1 + exp(-z))`` with ``z`` clipped to +-30."""
    return 1.0 / (1.0 + math.exp(-min(max(z, -30.0), 30.0)))


def unit_uniform(u: float) -> float:
    return (2.0 * u - 1.0) * SQRT3


def clip(v: float, lo: float, hi: float) -> float:
    return min(max(v, lo), hi)


W = f32(SPHERE_WEIGHTS)
FLOOR = 1e-3  # the sphere's floor (mechanisms.sphere._FLOOR)


def normalise(row: list[float]) -> list[float]:
    """A row rescaled to sum to 1 (a row of zeros stays zero), as the sphere does."""
    s = sum(row)
    return [v / max(s, 1e-12) for v in row] if s > 0 else [0.0 for _ in row]


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
        from multipolar.model.engine import _eligible, _last_finite_upto, _rules, _shares
        from multipolar.model.mechanisms.sphere import reference as _sphere_reference

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
        self.sphere_ref = f32(_sphere_reference(cm, nbf))  # (A, channels, poles)
        pairs = getattr(cm, "conflict_pairs", None)
        self.sides = [1.0 if pairs is not None and pairs.size and float(pairs[j].sum()) > 0
                      else 0.0 for j in range(self.n_a)]  # sides of a partners' conflict
        rules = _rules(cm)  # institutions' lifetimes and the scenario's constraints
        self.open = rules.open.tolist()  # (T, I)
        self.founding = rules.founding.tolist()  # (T, I)
        self.blocked = rules.blocked.tolist()  # (T, A, I)
        self.red_line = rules.red_line.tolist()  # (T, A, I): outside powers' red lines
        self.cand = rules.candidacy.tolist()  # (T, A, I), -1 after observed_until
        self.path_years = [int(v) for v in rules.path_years]
        self.conflict_scope = [bool(v) for v in rules.conflict_scope]
        self.supersedes = [(int(a), int(b)) for a, b in zip(*np.nonzero(rules.supersedes),
                                                             strict=True)]
        self.superseded_by = [[int(o) for o in np.flatnonzero(rules.supersedes[:, k])]
                              for k in range(self.n_i)]
        self.world_series(cm)
        self.dated_events(cm)
        self.poles(cm)

    def poles(self, cm: Any) -> None:
        """Russia's and the US's ideal points: the record by year, the reference (their last
        observed values: the units of the targets) and their columns (alignment.py)."""
        from multipolar.model.mechanisms.alignment import pole_columns, pole_record, pole_reference

        self.pole_record = pole_record(cm).tolist()  # (T, 2), NaN where none
        self.pole_ref = [float(v) for v in pole_reference(cm)]
        self.pole_cols = [int(c) for c in pole_columns(cm)]

    def world_series(self, cm: Any) -> None:
        """The world mechanisms' yearly inputs per actor (years, actors), in plain Python.

        The Russian share of a state's arms imports over the last ``arms_window`` years with
        a known total (summed directly here; the engine differences running sums), and its
        trade shares with Russia and China, each carried forward from the last known value
        (0 before any).
        """
        from multipolar.model.mechanisms.world import ArmsAndEnergy

        ARMS_WINDOW = round(ArmsAndEnergy.defaults()["arms_window"])

        obs, n_t = cm.obs, len(self.years)
        frm, tot = obs.get("arms_from_russia"), obs.get("arms_total")
        arms: list[list[float]] = [[0.0] * self.n_a for _ in range(n_t)]
        if frm is not None and tot is not None:
            frm_l, tot_l = frm.tolist(), tot.tolist()
            for j in range(self.n_a):
                last = 0.0
                for t in range(n_t):
                    if math.isfinite(tot_l[t][j]):
                        window = [s for s in range(max(t - ARMS_WINDOW + 1, 0), t + 1)
                                  if math.isfinite(tot_l[s][j])]
                        a = sum(frm_l[s][j] if math.isfinite(frm_l[s][j]) else 0.0
                                for s in window)
                        b = sum(tot_l[s][j] for s in window)
                        last = float(np.float32(clip(a / b, 0.0, 1.0) if b > 0 else 0.0))
                    arms[t][j] = last
        self.arms_share_russia = arms
        self.trade_russia = self.carried(obs.get("trade_share_russia"))
        self.trade_china = self.carried(obs.get("trade_share_china"))

    def carried(self, arr: np.ndarray | None) -> list[list[float]]:
        """Rows (years, actors) carried forward from the last finite value, float32."""
        out = [[0.0] * self.n_a for _ in self.years]
        if arr is None:
            return out
        rows = arr.tolist()
        for j in range(self.n_a):
            last = 0.0
            for t in range(len(self.years)):
                v = rows[t][j]
                if math.isfinite(v):  # a finite value starts (or renews) the carry
                    last = float(np.float32(v))
                out[t][j] = last
        return out

    def dated_events(self, cm: Any) -> None:
        """The scenario's dated events (years, actors): uses of force (and since when),
        revolutions and leadership changes, with a flag per year for "any this year"."""
        given = getattr(cm, "event_arrays", None) or {}
        zero = np.zeros((len(self.years), self.n_a))
        ev = {k: f32(given.get(k, zero)) for k in ("use_of_force", "revolution",
                                                   "elite_transition")}
        self.use_of_force, self.revolution = ev["use_of_force"], ev["revolution"]
        self.elite_transition = ev["elite_transition"]
        since = [0.0] * self.n_a
        self.use_of_force_since: list[list[float]] = []
        for row in self.use_of_force:
            since = [max(a, b) for a, b in zip(since, row, strict=True)]
            self.use_of_force_since.append(since)
        self.any_force = [any(v > 0 for v in row) for row in self.use_of_force_since]
        count, self.force_breaches = 0.0, []  # uses of force up to each year, all targets
        per = [0.0] * self.n_a
        self.use_of_force_count: list[list[float]] = []  # and against each state
        for row in self.use_of_force:
            count += sum(1.0 for v in row if v > 0)
            self.force_breaches.append(count)
            per = [a + b for a, b in zip(per, row, strict=True)]
            self.use_of_force_count.append(per)
        self.any_revolution = [any(v != 0 for v in row) for row in self.revolution]
        self.any_elite = [any(v != 0 for v in row) for row in self.elite_transition]


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

    def __init__(self, model: PeerModel, j: int) -> None:
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
        self.ip = f32(model.r + self.x * (model.u - model.r))  # ideal point (data's scale)
        self.dep = f32((0.5 * (min(2.0 * trs, 1.0) + self.gas)) * self.nbf)
        self.chn = f32(tch * self.nbf)
        self.depth = f32(depth0 * self.nbf)
        self.frozen = tb.frozen[0][j]
        self.mem = [h > 0 for h in hist0]
        self.cand = [float(max(c, 0)) for c in tb.cand[0][j]]  # years held as candidate
        self.friction = 0.0  # strain of a partners' quarrel left (bilateral_management)
        self.red_hold = 0.0  # accession log-odds withheld by red lines (red_lines)
        self.sphere = [list(row) for row in tb.sphere_ref[j]]  # (channels, poles)
        del p
        self.reset_year()

    def reset_year(self) -> None:
        self.force = self.jump = self.att = self.ass = 0.0
        self.subsidy = self.coercion = self.conflict = self.revolution = self.threat = 0.0
        self.discount = 0.0
        self.push = [[0.0, 0.0, 0.0] for _ in range(4)]  # (channels, poles) this year

    def push_pole(self, pole: int, v: float) -> None:
        """Add ``v`` to the push on ``pole`` in every channel."""
        for c in range(4):
            self.push[c][pole] += v

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
        q = "small_partner_leverage."
        cp, eu = st["china_proximity"][self.j], st["eu_eligibility"][self.j]
        options = p[q + "options_weight"] * (eu + cp) + p[q + "options_base"]
        demand = p[q + "demand"] * self.importance() * options * \
            (1.0 if self.x < p[q + "partner_threshold"] else 0.0)
        paid = min(demand, p[q + "payment_share"] * max(m.russia.capacity, 0.0) * demand)
        self.subsidy += paid
        free = p[q + "independence_effect"] * (demand - paid)
        self.force += p[q + "vote_share"] * free
        rest = (1.0 - p[q + "vote_share"]) * free
        to_china = cp / max(cp + eu, 1e-9)
        for c in range(4):
            self.push[c][RUSSIA] -= rest
            self.push[c][CHINA] += rest * to_china
            self.push[c][WEST] += rest * (1.0 - to_china)

    def assertion(self) -> None:
        p = self.model.p
        self.coercion = self.ass * (1.0 + p["assertion.energy_leverage"] * self.gas)
        bal = sigmoid((self.dem - p["assertion.balance_threshold"])
                      / p["assertion.balance_width"])
        if self.model.cm.implementation.get("assertion", "balancing") == "bandwagon":
            sign = bal - p["assertion.bandwagon_ratio"] * (1.0 - bal)
            self.force += p["assertion.effect"] * self.coercion * sign
            return
        push = p["assertion.effect"] * self.coercion
        vote = p["assertion.autocrat_vote_share"]
        self.force += push * (bal + vote * (1.0 - bal))
        self.push_pole(RUSSIA, -push * (1.0 - bal) * (1.0 - vote))

    def patronage_networks(self) -> None:
        m, p = self.model, self.model.p
        tie = max(m.tables.patronage[self.j], self.gas * self.sphere[TRADE][RUSSIA])
        weak = clip(1.0 - self.dem, 0.0, 1.0)
        cap = min(m.russia.capacity, p["patronage_networks.capacity_cap"])
        self.force -= p["patronage_networks.influence"] * tie * weak * cap * self.nbf
        if not m.observed:
            loss = p["patronage_networks.erosion"] * tie * self.dem * \
                p["aims.regime_persistence"]
            self.dem = clip(self.dem - loss * self.nbf, 0.0, 1.0)

    def kindred_regimes(self) -> None:
        p = self.model.p
        thr = p["kindred_regimes.autocracy_threshold"]
        autoc = clip((thr - self.dem) / thr, 0.0, 1.0)
        pull = p["kindred_regimes.support"] * autoc * self.nbf
        self.force -= pull
        self.push[SECURITY][RUSSIA] += p["kindred_regimes.security_weight"] * pull

    def free_riding(self) -> None:
        """Members of Russia's formats ask more and back it less while relations with the
        West are bad (the rift: recognition below its reference)."""
        m, p, tb = self.model, self.model.p, self.model.tables
        q = "free_riding."
        rift = clip(1.0 - m.russia.recognition / max(p[q + "recognition_ref"], 1e-9), 0.0, 1.0)
        formats = float(sum(self.mem[k] for k in tb.russia_inst)) * self.nbf
        extra = p[q + "gain"] * rift * self.importance() * (1.0 if formats > 0 else 0.0)
        self.subsidy += extra * clip(m.russia.capacity, 0.0, 1.0)
        self.force += p[q + "refusal"] * rift * formats

    def use_of_force(self) -> None:
        """A dated use of force: assertion that year, a conflict, the target frozen, and its
        target pushed away from Russia from then on."""
        m, p, tb = self.model, self.model.p, self.model.tables
        if not tb.any_force[m.t]:
            return
        q = "use_of_force."
        since = tb.use_of_force_since[m.t][self.j]
        now = tb.use_of_force[m.t][self.j]
        if now > 0:
            self.ass = max(self.ass, p[q + "assertion_level"])
        self.conflict += now
        self.frozen = max(self.frozen, since)
        self.force += p[q + "alignment_shift"] * tb.use_of_force_count[m.t][self.j] * self.nbf
        # every other state answers each use of force so far (breaches) by regime, alliance,
        # ties to Russia and nearness
        breaches = tb.force_breaches[m.t]
        west_f = (float(sum(self.mem[k] for k in tb.west_inst)) / len(tb.west_inst)
                  if tb.west_inst else 0.0)
        west = max(tb.static["western_pull"][self.j], west_f)
        ties = min(tb.arms_share_russia[m.t][self.j] + tb.trade_russia[m.t][self.j], 1.0)
        answer = breaches * (p[q + "response_democracy"] * clip(self.dem, 0.0, 1.0)
                             + p[q + "response_alliance"] * west
                             - p[q + "response_ties"] * ties
                             + p[q + "response_near"] * tb.static["near_russia"][self.j])
        self.force += answer * self.nbf * (1.0 - since)

    # --- the world's global instruments and the other states' answers (mechanisms/world.py)
    def arms_and_energy(self) -> None:
        """Arms deliveries and trade with Russia pull towards it, as far as capacity pays."""
        m, p, tb = self.model, self.model.p, self.model.tables
        q = "arms_and_energy."
        cap = clip(m.russia.capacity, 0.0, p[q + "capacity_cap"])
        tie = p[q + "arms_effect"] * tb.arms_share_russia[m.t][self.j] + \
            p[q + "trade_effect"] * tb.trade_russia[m.t][self.j]
        self.force -= tie * cap * self.nbf

    def distant_military_presence(self) -> None:
        """Russian bases or contractors bind the host."""
        p, st = self.model.p, self.model.tables.static
        self.force -= p["distant_military_presence.presence_effect"] * \
            st["russian_presence"][self.j] * self.nbf

    def chosen_bargains(self) -> None:
        """A chosen partner is pulled towards Russia, less the share it keeps to hedge."""
        p, st = self.model.p, self.model.tables.static
        q = "chosen_bargains."
        pull = p[q + "bargain_strength"] * p["aims.multipolar_order"] * (1.0 - p[q + "hedge"])
        self.force -= pull * st["bargain_partner"][self.j] * self.nbf

    def western_normative_pull(self) -> None:
        """The West's rules draw democracies under its pull away from Russia."""
        p, tb = self.model.p, self.model.tables
        q = "western_normative_pull."
        dem = clip(self.dem, 0.0, 1.0) ** p[q + "democracy_exponent"]
        weight = p[q + "effect"] * p[q + "pull"]
        self.force += weight * tb.static["western_pull"][self.j] * dem * self.nbf

    def interference_backlash(self) -> None:
        """Democracies reached by Russia's networks turn away from it."""
        m, p = self.model, self.model.p
        q = "interference_backlash."
        cap = clip(m.russia.capacity, 0.0, p[q + "capacity_cap"])
        self.force += p[q + "backlash"] * m.tables.patronage[self.j] * clip(self.dem, 0.0, 1.0) \
            * cap * self.nbf

    def china_backing(self) -> None:
        """Trade with China gives cover to side with Russia."""
        m, p, tb = self.model, self.model.p, self.model.tables
        q = "china_backing."
        share = min(tb.trade_china[m.t][self.j] / p[q + "full_share"], 1.0)
        self.force -= p[q + "cover"] * share * self.nbf

    def sovereignty_norm(self) -> None:
        """States outside the West's pull hedge towards the middle ground."""
        p, st = self.model.p, self.model.tables.static
        q = "sovereignty_norm."
        free = (1.0 - st["western_pull"][self.j]) * self.nbf
        self.force += p[q + "strength"] * free * (p[q + "centre"] - self.x)

    def propaganda(self) -> None:
        m, p = self.model, self.model.p
        add = p["propaganda.discount"] * m.lever("russia_propaganda", self.j) * \
            m.tables.static["russian_share"][self.j]
        self.discount = clip(self.discount + add * self.nbf, 0.0, 1.0)

    def eu_pull(self) -> None:
        m, p = self.model, self.model.p
        pull = m.lever("eu_offer", self.j) * m.tables.static["eu_eligibility"][self.j] * \
            clip(self.dem, 0.0, 1.0) ** p["eu_pull.democracy_exponent"]
        self.force += p["eu_pull.effect"] * pull * (1.0 - self.discount) * self.nbf

    def china_pull(self) -> None:
        m, p = self.model, self.model.p
        cw = m.russia.china_weight
        w = f32(cw / (1.0 + cw))
        target = p["china_pull.max_share"] * m.tables.static["china_proximity"][self.j] * w
        new = self.chn + p["china_pull.rate"] * (target - self.chn)
        if m.observed:
            oc = m.tables.obs_china[m.t][self.j]
            if math.isfinite(oc):
                new = oc
        gain = max(new - self.chn, 0.0)
        self.chn = clip(new, 0.0, 1.0) * self.nbf
        self.dep = max(self.dep - p["china_pull.dependence_effect"] * gain, 0.0)
        self.force -= p["china_pull.alignment_effect"] * self.chn
        drain = p["china_pull.drain"] * self.chn
        self.push[TRADE][RUSSIA] -= drain
        self.push[INVESTMENT][RUSSIA] -= drain

    def silk_road_link(self) -> None:
        m, p, tb = self.model, self.model.p, self.model.tables
        ri = tb.russia_inst
        if not ri:
            return
        member = sum(float(self.mem[k]) for k in ri) / len(ri)
        moved = p["silk_road_link.offset"] * m.lever("eaeu_sreb_link", self.j) * member * \
            self.chn * self.nbf
        for c in (TRADE, INVESTMENT):
            self.push[c][RUSSIA] += moved
            self.push[c][WEST] -= moved

    def institutions(self) -> None:
        """Memberships: the record in observed years, yearly hazards afterwards."""
        m, p, tb = self.model, self.model.p, self.model.tables
        if tb.n_i == 0:
            return
        other = p["institutions.other_pole_anchor"]
        sign = [1.0 if q == 1 else (-1.0 if q == 0 else -other) for q in tb.pole]
        hist = tb.hist[m.t][self.j]
        if m.observed:
            self.mem = [h > 0 for h in hist]
            self.cand = [float(max(c, 0)) for c in tb.cand[m.t][self.j]]
            s = npsum([float(self.mem[k]) * sign[k] for k in range(tb.n_i)])
            self.force += p["institutions.anchor"] * s * self.nbf
            return
        draws: list[float] = []
        for jj in range((tb.n_i + 1) // 2):  # two institutions per hash, keyed by actor
            draws.extend(uniform32x2(m.key, S("institutions.membership", jj), m.year, self.j))
        before = list(self.mem)  # depth and exits read last year's memberships
        open_ = tb.open[m.t]
        for k in range(tb.n_i):
            if self.j not in tb.candidate[k]:
                # not eligible: outside powers keep theirs (while the format is open)
                self.mem[k] = self.mem[k] and not self.neighbour and open_[k]
                continue
            self.mem[k] = self.decide(k, draws[k], before)
        for k, o in tb.supersedes:  # joining k ends membership of o (EU over association)
            if self.mem[k] and self.neighbour:
                self.mem[o] = False
        anchor = 0.0
        for k in range(tb.n_i):
            anchor += float(self.mem[k]) * sign[k]
        self.force += p["institutions.anchor"] * anchor * self.nbf

    def decide(self, k: int, u: float, before: list[bool]) -> bool:
        """Membership of format ``k`` after this year's accession and exit decisions."""
        m, p, tb = self.model, self.model.p, self.model.tables
        t, q = m.t, "institutions."
        pole = tb.pole[k]
        lean = self.x if pole == 1 else -self.x
        depth = float(sum(before[o] for o in range(tb.n_i)
                          if o != k and tb.pole[o] == pole and tb.open[t][o]))
        east = pole != 1
        attract = p.get(f"institution.{tb.cm.institutions[k]}.attractiveness", 0.0)
        z_join = (p[q + ("join_base_east" if east else "join_base_west")]
                  + p[q + "join_lean"] * lean + p[q + "join_depth"] * depth
                  + p[q + "join_founding"] * float(tb.founding[t][k]) + attract)
        if tb.red_line[t][self.j][k]:
            z_join -= self.red_hold
        p_join = logistic(z_join)
        barred = (tb.blocked[t][self.j][k] or not tb.open[t][k]
                  or any(self.mem[o] for o in tb.excl[k])
                  or any(self.mem[o] for o in tb.superseded_by[k]))
        if barred:
            p_join = 0.0
        if tb.conflict_scope[k] and m.frozen_on:
            p_join *= 1.0 - p["frozen_conflicts.accession_block"] * self.frozen
        p_exit = logistic(p[q + ("exit_base_east" if east else "exit_base_west")]
                          - p[q + "exit_lean"] * lean + p[q + "exit_depth"] * depth)
        member = before[k]
        if not tb.open[t][k]:
            return False
        need = tb.path_years[k]
        if need == 0:
            return (u >= p_exit) if member else (u < p_join)
        cand = self.cand[k]
        ready = cand >= need and u >= 1.0 - p[q + "completion"]
        drop = cand > 0 and u < p_exit
        start = cand == 0 and not member and u < p_join
        joined = (not member) and cand > 0 and ready and not drop
        self.cand[k] = 0.0 if (joined or drop or member) else (
            1.0 if start else cand + float(cand > 0))
        return (u >= p_exit) if member else joined

    def red_lines(self) -> None:
        """Accession log-odds withheld from a state that an outside powers' red line holds."""
        m = self.model
        held = any(m.tables.red_line[m.t][self.j])
        self.red_hold = m.p["red_lines.hold"] * float(held) * self.nbf

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
        self.dem = clip(self.dem + p["shocks.democracy_sd"] * unit_uniform(u_drift), 0.0, 1.0)
        repression = clip(1.0 - self.dem, 0.0, 1.0)
        if u_rev < p["shocks.revolution_prob"] * repression and self.neighbour:
            self.dem = clip(self.dem + p["shocks.revolution_democracy_jump"], 0.0, 1.0)
            self.jump += p["shocks.revolution_shift"]
            self.revolution += 1.0
        if not self.neighbour:
            return
        u_lead, u_size = uniform32x2(key, S("shocks.leadership"), year, j)
        if u_lead < p["shocks.leadership_prob"] * (1.0 + repression):
            self.jump += p["shocks.leadership_sd"] * unit_uniform(u_size)
        flare = (uniform32(key, S("shocks.flare_up"), year, j) < p["shocks.partner_conflict_prob"]
                 and m.tables.sides[j] > 0
                 and m.tables.static["hydrocarbon_producer"][j] == 0)
        if flare:
            self.jump += p["shocks.flare_shift"]
            self.push[SECURITY][RUSSIA] -= p["shocks.flare_shift"]
            self.conflict += 1.0

    def dated_events(self) -> None:
        """Given revolutions (democracy up, a jump West) and leadership changes (a random
        jump), in the year the scenario names."""
        m, p, tb = self.model, self.model.p, self.model.tables
        q = "dated_events."
        if tb.any_revolution[m.t]:
            rev = tb.revolution[m.t][self.j]
            self.dem = clip(self.dem + rev * p[q + "revolution_democracy_jump"], 0.0, 1.0)
            self.jump += rev * p[q + "revolution_shift"] * self.nbf
        if tb.any_elite[m.t]:
            u = uniform32(m.key, S("dated_events.elite_transition"), m.year, self.j)
            self.jump += tb.elite_transition[m.t][self.j] * p[q + "leadership_sd"] * \
                unit_uniform(u) * self.nbf

    def sphere_step(self) -> None:
        """The ``sphere`` mechanism: each channel moves towards its target plus the push."""
        if not self.neighbour:
            return
        m, p, tb = self.model, self.model.p, self.model.tables
        ref = tb.sphere_ref[self.j]
        ri, wi = tb.russia_inst, tb.west_inst
        rus = sum(float(self.mem[k]) for k in ri) / len(ri) if ri else 0.0
        west = sum(float(self.mem[k]) for k in wi) / len(wi) if wi else 0.0
        cap = min(m.russia.capacity, p["sphere.capacity_cap"])
        chn = self.chn
        offer = m.lever("eu_offer", self.j) * tb.static["eu_eligibility"][self.j]
        gain, ow = p["sphere.membership_gain"], p["sphere.offer_weight"]
        co = clip(self.coercion, 0.0, 1.0)
        target = [
            [ref[TRADE][RUSSIA] * cap * (1.0 + gain * rus), chn,
             ref[TRADE][WEST] + gain * west + ow * offer],
            [ref[ARMS][RUSSIA] * (1.0 - p["sphere.arms_coercion"] * co),
             p["sphere.arms_china"] * chn + ref[ARMS][CHINA], ref[ARMS][WEST] + west],
            [ref[SECURITY][RUSSIA] + gain * rus, ref[SECURITY][CHINA],
             ref[SECURITY][WEST] + gain * west],
            [ref[INVESTMENT][RUSSIA] + min(self.subsidy, 1.0), chn,
             ref[INVESTMENT][WEST] + ow * offer]]
        adj = p["sphere.adjustment"]
        for c in range(4):
            row = normalise([v + FLOOR for v in target[c]])
            row = normalise([max(v + d, FLOOR) for v, d in zip(row, self.push[c], strict=True)])
            new = [s + adj * (t - s) for s, t in zip(self.sphere[c], row, strict=True)]
            self.sphere[c] = normalise([max(v, 0.0) for v in new])

    def alignment(self) -> None:
        m, p = self.model, self.model.p
        target = p["alignment.base"] + p["alignment.democracy_effect"] * self.dem + self.force
        eps = p["alignment.noise"] * normal32(m.key, S("alignment.idiosyncratic"), m.year, self.j)
        common = p["alignment.common_noise"] * m.common_shock
        out = m.tables.x_outside[m.t][self.j]
        if not m.observed and m.poles_moved():
            # targets and outside powers stay put on the data's scale (alignment.py)
            ref = m.tables.pole_ref
            span = m.u - m.r
            a, b = (ref[0] - m.r) / span, (ref[1] - ref[0]) / span
            target = a + b * target
            out = a + b * out
            if self.j in m.tables.pole_cols:
                out = float(m.tables.pole_cols.index(self.j))
        x = self.x + p["alignment.adjustment"] * (target - self.x) + eps + common + self.jump
        self.x = f32(x if self.neighbour else out)
        self.ip = f32(m.r + self.x * (m.u - m.r))

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

    def sphere_shares(self) -> tuple[float, float, float]:
        """Per-pole share of the sphere (channel weights of the engine)."""
        return tuple(sum(W[c] * self.sphere[c][q] for c in range(4))
                     for q in range(3))


class RussiaAgent(ActorAgent):
    """Russia: also holds capacity, regime security, recognition and the oil and China
    drivers; chooses attraction and assertion towards each neighbour and pays subsidies."""

    def russia_standing(self) -> None:
        """After the record the poles move (a use of force: Russia away from the West, or the
        Assembly's median); every state's relative position is re-expressed, its ideal point
        kept."""
        m, p, tb = self.model, self.model.p, self.model.tables
        if m.observed:
            return
        q = "russia_standing."
        ips = sorted(a.ip for a in m.actor_list)
        k = len(ips)
        centre = ips[k // 2] if k % 2 else 0.5 * (ips[k // 2 - 1] + ips[k // 2])
        w = p[q + "from_assembly"]  # 0: away from the US (the West), 1: from the median
        away = 1.0 if m.r >= (1.0 - w) * m.u + w * centre else -1.0
        force = 1.0 if m.enabled("use_of_force") and any(v > 0 for v in tb.use_of_force[m.t]) \
            else 0.0  # the breach use_of_force writes
        r = m.r + p[q + "russia_drift"] + p[q + "isolation"] * force * away + \
            p[q + "russia_noise"] * normal(m.key, S(q + "russia"), m.year)
        u = m.u + p[q + "us_drift"] + p[q + "us_noise"] * normal(m.key, S(q + "us"), m.year)
        u = max(u, r + p[q + "min_span"])
        m.r, m.u = f32(r), f32(u)
        for a in m.actor_list:
            a.x = f32((a.ip - m.r) / (m.u - m.r))
        for k2, j in enumerate(tb.pole_cols):
            if j >= 0:
                m.actor_list[j].x = float(k2)

    def __init__(self, model: PeerModel, j: int) -> None:
        super().__init__(model, j)
        self.oil = model.driver_start("oil_price")
        self.china_weight = model.driver_start("china_weight")
        self.capacity = f32((max(self.oil, 1.0) / model.raw["resource_rents.ref_price"])
                            ** model.raw["resource_rents.elasticity"])
        self.security = 0.5
        self.recognition = 0.5

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
        q = {k: p[f"russia_policy.{k}"] for k in (
            "assertion_base", "threat_gain", "capacity_gain", "integration_gap_gain",
            "restraint_gain", "legitimacy_gain", "want_cap", "shield_gain", "rally_motive",
            "security_reference")}
        sphere_aim = p["aims.sphere"]
        want = p["aims.recognition"] * clip(
            (1.0 - self.recognition) + q["legitimacy_gain"] * (1.0 - self.security), 0.0,
            q["want_cap"])
        wi = m.tables.west_inst
        imps = [a.importance() for a in actors]
        top = max(max(imps), 1e-9)
        for a, imp in zip(actors, imps, strict=True):
            rel = imp / top
            a.att = clip(m.lever("russia_attraction", a.j) * sphere_aim * rel, 0.0, 1.0)
            west = sum(float(a.mem[k]) for k in wi) / len(wi) if wi else 0.0
            gap = sphere_aim * rel * (1.0 - a.depth) * (1.0 - west)
            z = (q["assertion_base"]
                 + p["aims.regime_persistence"] * q["threat_gain"] * a.threat
                 + q["capacity_gain"] * (self.capacity - 1.0)
                 + q["integration_gap_gain"] * gap
                 - q["restraint_gain"] * want
                 - p["aims.shielded_integration"] * q["shield_gain"]
                 * m.tables.static["eu_eligibility"][a.j]
                 + q["rally_motive"] * (q["security_reference"] - self.security))
            a.ass = m.lever("russia_assertion", a.j) * sigmoid(z) * a.nbf

    def bilateral_management(self) -> None:
        """Partners' quarrels strain Russia's formats; Russia manages them bilaterally."""
        m, p, tb = self.model, self.model.p, self.model.tables
        q = "bilateral_management."
        actors = m.actor_list
        flared = [(1.0 if a.conflict > 0 else 0.0) * tb.sides[a.j] for a in actors]
        hit = [False] * len(actors)
        exposed = [0.0] * len(actors)
        for k in tb.russia_inst:
            inside = [a.mem[k] for a in actors]
            any_flared = sum(f for i, f in zip(inside, flared, strict=True) if i) > 0
            any_side = sum(tb.sides[a.j] for a, i in zip(actors, inside, strict=True) if i) > 0
            for a, i in zip(actors, inside, strict=True):
                hit[a.j] = hit[a.j] or (i and any_flared)
                exposed[a.j] += float(i and any_side)
        for a in actors:
            a.friction = 1.0 if (hit[a.j] and a.neighbour) else \
                float(np.float32(a.friction * (1.0 - p[q + "recovery"])))
        managed = p[q + "effect"] * clip(self.capacity, 0.0, 1.0)
        for a in actors:
            a.force += p[q + "strain"] * a.friction * exposed[a.j] * a.nbf * (1.0 - managed)
        fresh = max(a.friction * float(exposed[a.j] > 0) * a.nbf for a in actors)
        kept = 1.0 - clip(p[q + "cost"] * managed * fresh, 0.0, 1.0)
        self.capacity *= kept
        for a in actors:
            a.subsidy *= kept

    def attraction(self) -> None:
        """Pay subsidies from one budget (scaled down pro rata when over it); coercion spoils
        the pull, which the normative deficit caps."""
        m, p = self.model, self.model.p
        cap = max(self.capacity, 0.0)
        actors = m.actor_list
        for a in actors:
            a.subsidy += p["attraction.subsidy_scale"] * a.att * cap
        budget = p["attraction.budget"] * cap
        total = npsum([a.subsidy for a in actors])
        scale = budget / max(total, 1e-12) if total > budget else 1.0
        rs = m.tables.static["russian_share"]
        for a in actors:
            a.subsidy *= scale
            a.dep += p["attraction.dependence_rate"] * (min(a.subsidy, 1.0) - a.dep) * a.nbf
            spoiled = 1.0 - p["attraction.spoil"] * clip(a.coercion, 0.0, 1.0)
            pull = (p["attraction.effect"] * (a.subsidy + a.dep)
                    + p["attraction.soft_effect"] * rs[a.j]) * spoiled
            a.force -= min(pull, p["attraction.normative_cap"]) * a.nbf

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
            "security_weight", "rent_gain", "contagion", "rally", "recognition_gain",
            "recognition_norm", "sphere_gain", "assertion_cost", "recognition_rate")}
        loyal = npsum([clip(q["loyal_threshold"] - a.x, 0.0, 1.0) * w[a.j] for a in actors])
        mean_ass = npsum([a.ass * w[a.j] for a in actors])
        self.security = clip(
            self.security + q["security_reversion"] * (q["security_norm"] - self.security)
            + q["rent_gain"] * (self.capacity - 1.0)
            - q["contagion"] * west
            + q["rally"] * mean_ass
            + q["recognition_gain"] * (self.recognition - q["recognition_norm"]), 0.0, 1.0)
        target = clip(q["recognition_base"] + q["sphere_gain"] * loyal
                      + q["security_weight"] * self.security
                      - q["assertion_cost"] * mean_ass, 0.0, 1.0)
        self.recognition += q["recognition_rate"] * (target - self.recognition)


# ------------------------------------------------------------------ the model

RUSSIA_STAGES = ("resource_rents", "russia_policy", "attraction", "elite_interests",
                 "domestic_linkage", "bilateral_management", "russia_standing")
# the engine's order of mechanisms (names only, a mechanism of its own module included);
# each must have a method here
from multipolar.model.mechanisms import MECHANISMS  # noqa: E402

STAGES = list(MECHANISMS.order)

METHOD = {"sphere": "sphere_step"}  # stage name -> agent method, where they differ
NOT_PORTED: tuple[str, ...] = ()
"""Mechanisms not (yet) in the peer: it refuses a scenario that switches them on."""


class PeerModel(mesa.Model):
    """One ensemble member of any scenario the peer implements (the neighbourhood, the
    world), advanced year by year."""

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
        if "core" not in self.cm.roles:  # the engine's Russia: the actor with role `core`
            raise NotImplementedError("the Mesa peer needs a core actor (role: core)")
        core = self.cm.roles.index("core")
        rec0, ref = tables.pole_record[0], tables.pole_ref
        self.r = f32(rec0[0] if math.isfinite(rec0[0]) else ref[0])  # Russia's ideal point
        self.u = f32(rec0[1] if math.isfinite(rec0[1]) else ref[1])  # the US's
        self.actor_list: list[ActorAgent] = [
            RussiaAgent(self, j) if j == core else ActorAgent(self, j)
            for j in range(tables.n_a)]
        self.russia: RussiaAgent = self.actor_list[core]
        self.stages = [s for s in STAGES  # a switched-off mechanism never runs
                       if self.cm.enabled.get(s, False)]
        forced = getattr(self.cm, "forced_membership", None)
        if forced is not None and forced.size and (forced >= 0).any():
            raise NotImplementedError("the Mesa peer does not implement forced memberships")
        if getattr(self.cm, "param_schedule", None):
            raise NotImplementedError("the Mesa peer does not implement dated parameters")
        missing = [s for s in self.stages if not hasattr(RussiaAgent, METHOD.get(s, s))]
        if missing:
            raise NotImplementedError(f"the Mesa peer lacks mechanisms {missing}")
        self.history: list[list[tuple[float, ...]]] = []
        self.mem_history: list[list[list[bool]]] = []
        self.core_history: list[tuple[float, ...]] = []
        self.record()

    def enabled(self, name: str) -> bool:
        return bool(self.cm.enabled.get(name, False))

    def poles_moved(self) -> bool:
        """Whether Russia or the US has left the position the record left it in."""
        ref = self.tables.pole_ref
        return self.r != f32(ref[0]) or self.u != f32(ref[1])

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
            rec = tb.pole_record[self.t]  # the poles follow the record (alignment.py)
            self.r = f32(rec[0]) if math.isfinite(rec[0]) else self.r
            self.u = f32(rec[1]) if math.isfinite(rec[1]) else self.u
        self.common_shock = normal32(self.key, S("alignment.common"), self.year)
        for stage in self.stages:
            if stage in RUSSIA_STAGES:
                getattr(r, stage)()
            else:
                self.agents.do(METHOD.get(stage, stage))
        self.record()

    def record(self) -> None:
        self.history.append([(a.x, a.chn, a.subsidy, a.coercion, a.conflict, a.depth, a.dem,
                              a.dep, a.att, a.ass, *a.sphere_shares())
                             for a in self.actor_list])
        self.mem_history.append([list(a.mem) for a in self.actor_list])
        r = self.russia
        self.core_history.append((r.capacity, r.security, r.recognition, r.oil,
                                  r.china_weight, self.r, self.u))


NeighbourhoodModel = WorldModel = PeerModel
"""The same class serves both bundled scenarios (names kept for readers and older tests)."""

OUTCOMES = ("alignment", "china_share", "subsidy", "coercion", "conflict", "integration",
            "democracy", "dependence", "attraction", "assertion", "sphere_russia",
            "sphere_china", "sphere_west")
CORE = ("capacity", "regime_security", "recognition", "oil_price", "china_weight",
        "russia_position", "us_position")

_TABLES: dict[int, Tables] = {}


def run_member(cm: Any, seed: int, member: int) -> dict[str, Any]:
    """Run one member to the end; return its trajectories as arrays (years, actors)."""
    tables = _TABLES.get(id(cm))
    if tables is None or tables.cm is not cm:
        tables = _TABLES[id(cm)] = Tables(cm)
    model = PeerModel(tables, seed, member)
    for _ in range(len(tables.years) - 1):
        model.step()
    h = np.asarray(model.history)  # (T, A, outcomes)
    c = np.asarray(model.core_history)
    return {"years": tables.years, "memberships": np.asarray(model.mem_history, dtype=np.int8),
            **{k: h[:, :, i] for i, k in enumerate(OUTCOMES)},
            **{k: c[:, i] for i, k in enumerate(CORE)}}


def run_ensemble(cm: Any, seed: int, start: int, stop: int) -> dict[str, np.ndarray]:
    """Members ``[start, stop)``: outcome arrays shaped (members, years, actors)."""
    runs = [run_member(cm, seed, i) for i in range(start, stop)]
    return {k: np.stack([r[k] for r in runs]) for k in (*OUTCOMES, *CORE, "memberships")}
