"""The vectorised engine: advance every ensemble member one year at a time.

State is a set of arrays shaped ``(members, actors)`` (plus ``(members,)`` for Russia's own
variables and ``(members, actors, institutions)`` for memberships). One year is one pass over
the enabled mechanisms of :mod:`multipolar.model.mechanisms`; the only Python loop is over
years. Parameters are drawn per member from counter-based streams (:mod:`multipolar.rng`), so
member ``i`` of seed ``s`` is the same whatever chunk it runs in.
Depends on NumPy and the model's compile and mechanisms modules.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from multipolar import rng
from multipolar.model._alloc import tune_allocator
from multipolar.model.compile import CompiledModel
from multipolar.model.mechanisms import ORDER, Mechanism, resolve
from multipolar.seeding import SeedLike

ACTOR_OUTCOMES = ("alignment", "china_share", "subsidy", "coercion", "conflict", "integration",
                  "democracy", "dependence", "attraction", "assertion")
CORE_OUTCOMES = ("capacity", "regime_security", "recognition", "oil_price", "china_weight")
ALWAYS_RUN = {"delegation_limit"}
F = np.float32
"""The engine's working precision: single, to halve memory traffic (outputs are float32)."""


@dataclass
class State:
    """The model's state for a chunk of members (see module docstring for shapes)."""

    x: np.ndarray
    dem: np.ndarray
    dep: np.ndarray
    chn: np.ndarray
    depth: np.ndarray
    frozen: np.ndarray
    mem: np.ndarray  # (institutions, n, actors) bool
    capacity: np.ndarray  # (n,)
    security: np.ndarray
    recognition: np.ndarray
    oil: np.ndarray
    china_weight: np.ndarray
    force: np.ndarray
    jump: np.ndarray
    att: np.ndarray
    ass: np.ndarray
    subsidy: np.ndarray
    coercion: np.ndarray
    conflict: np.ndarray
    revolution: np.ndarray
    threat: np.ndarray

    def reset_year(self) -> None:
        """Zero the per-year flows before a new year."""
        for name in ("force", "jump", "subsidy", "coercion", "conflict", "revolution", "threat",
                     "att", "ass"):
            getattr(self, name)[...] = 0.0


@dataclass
class Context:
    """What mechanisms read but do not change in a given year."""

    model: CompiledModel
    p: dict[str, np.ndarray]
    keys: np.ndarray
    q: dict[str, Any] = field(default_factory=dict)
    f: dict[str, Any] = field(default_factory=dict)
    year: int = 0
    t: int = 0
    observed: bool = False
    observed_members: bool = False
    nb: np.ndarray = field(default_factory=lambda: np.zeros(0))
    nb_b: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    nb_idx: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    static: dict[str, np.ndarray] = field(default_factory=dict)
    gas: np.ndarray = field(default_factory=lambda: np.zeros(0))
    pop_share: np.ndarray = field(default_factory=lambda: np.zeros(0))
    gdp_share: np.ndarray = field(default_factory=lambda: np.zeros(0))
    x_ref: np.ndarray = field(default_factory=lambda: np.zeros(0))
    x_outside: np.ndarray = field(default_factory=lambda: np.zeros(0))
    obs_china: np.ndarray | None = None
    west_inst: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    russia_inst: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    inst_pole: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))
    join_thr: np.ndarray = field(default_factory=lambda: np.zeros(0))
    exit_thr: np.ndarray = field(default_factory=lambda: np.zeros(0))
    member_hist_t: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int8))
    frozen_t: np.ndarray = field(default_factory=lambda: np.zeros(0))
    frozen_on: bool = True
    patronage: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    inst_sign: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    inst_cols: list[np.ndarray] = field(default_factory=list)
    inst_cols_nb: list[np.ndarray] = field(default_factory=list)  # positions in ``nb_idx``
    levers_t: dict[str, Any] = field(default_factory=dict)
    lever_scale: dict[str, np.ndarray] = field(default_factory=dict)
    lever_shift: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # fixed parameters as plain floats (cheap to broadcast); uncertain ones as arrays,
        # shaped (n, 1) in ``q`` to combine with (n, actors) and (n,) in ``f``
        for path, spec in self.model.params.items():
            if spec.dist is None and np.all(self.p[path] == self.p[path][:1]):
                v = float(self.p[path][0]) if self.p[path].size else spec.nominal
                self.q[path] = self.f[path] = v
            else:
                arr = self.p[path].astype(np.float32)
                self.q[path] = arr[:, None]
                self.f[path] = arr

    def lever(self, name: str) -> Any:
        """Value of lever ``name`` this year (0 if the scenario has no such lever).

        A float, or an ``(n, 1)`` array when the lever's level varies per member (a
        ``levers.<name>`` parameter that is uncertain or set by an exploration design).
        """
        v = self.levers_t.get(name, 0.0)
        if name in self.lever_scale:
            return v * self.lever_scale[name]
        if name in self.lever_shift:
            return v + self.lever_shift[name]
        return v

    def enabled(self, name: str) -> bool:
        """Whether mechanism ``name`` is switched on."""
        return self.model.enabled.get(name, False)


@dataclass
class ChunkResult:
    """Outcomes of global members ``[start, stop)`` for every year and actor.

    Arrays are indexed ``[member, year, actor(, institution)]``; they may be strided views of
    year-major buffers (use ``np.ascontiguousarray`` before handing them to C code).
    """

    start: int
    stop: int
    years: np.ndarray
    actors: list[str]
    institutions: list[str]
    actor_outcomes: dict[str, np.ndarray]
    memberships: np.ndarray
    core_outcomes: dict[str, np.ndarray]
    params: dict[str, np.ndarray]

    @property
    def n(self) -> int:
        """Number of members."""
        return self.stop - self.start

    @staticmethod
    def concat(parts: list[ChunkResult]) -> ChunkResult:
        """Join consecutive chunks (sorted by ``start``) into one result."""
        if not parts:
            raise ValueError("no chunks to concatenate")
        parts = sorted(parts, key=lambda r: r.start)
        for a, b in itertools.pairwise(parts):
            if a.stop != b.start:
                raise ValueError(f"chunks are not consecutive: {a.stop} != {b.start}")
        first = parts[0]
        return ChunkResult(
            first.start, parts[-1].stop, first.years, first.actors, first.institutions,
            {k: np.concatenate([r.actor_outcomes[k] for r in parts]) for k in first.actor_outcomes},
            np.concatenate([r.memberships for r in parts]),
            {k: np.concatenate([r.core_outcomes[k] for r in parts]) for k in first.core_outcomes},
            {k: np.concatenate([r.params[k] for r in parts]) for k in first.params},
        )


def sample_params(model: CompiledModel, keys: np.ndarray) -> dict[str, np.ndarray]:
    """Per-member parameter values ``{path: (n,) array}``; uncertain ones drawn from ``keys``."""
    n = keys.shape[0]
    out: dict[str, np.ndarray] = {}
    for path, spec in model.params.items():
        if spec.dist is None:
            out[path] = np.full(n, spec.nominal)
        else:
            out[path] = spec.ppf(rng.uniform(keys, spec.stream, 0))
    return out


def _first_finite(col: np.ndarray, default: float) -> float:
    f = col[np.isfinite(col)]
    return float(f[0]) if f.size else default


def _last_finite_upto(arr: np.ndarray, t: int) -> np.ndarray:
    """Per column, the last finite value of ``arr[:t+1]`` (NaN if none)."""
    sub = arr[: t + 1]
    ok = np.isfinite(sub)
    idx = np.where(ok, np.arange(sub.shape[0])[:, None], -1).max(axis=0)
    out = np.full(sub.shape[1], np.nan)
    has = idx >= 0
    out[has] = sub[idx[has], np.arange(sub.shape[1])[has]]
    return out


def _shares(v: np.ndarray, nb: np.ndarray) -> np.ndarray:
    v = np.where(np.isfinite(v), v, 0.0) * nb
    total = v.sum()
    return v / total if total > 0 else v


def _init_state(model: CompiledModel, p: dict[str, np.ndarray], n: int,
                nb: np.ndarray, gas: np.ndarray) -> State:
    n_a = len(model.actors)
    n_i = len(model.institutions)
    obs = model.obs
    def first(name: str, default: float) -> np.ndarray:
        arr = obs.get(name + "_first", np.full(n_a, np.nan))
        return np.where(np.isfinite(arr), arr, default)

    nominal = model.static["un_alignment_nominal"]
    x0 = np.where(np.isfinite(obs.get("un_alignment_first", np.full(n_a, np.nan))),
                  first("un_alignment", 0.0), np.nan_to_num(nominal, nan=0.0))
    dem0 = first("democracy", 0.5)
    if "democracy_nominal" in model.static:
        dn = model.static["democracy_nominal"]
        dem0 = np.where(np.isfinite(dn), dn, dem0)
    trs = first("trade_share_russia", 0.0)
    tch = first("trade_share_china", 0.0)
    hist0 = np.maximum(model.member_hist[0], 0).astype(np.int8)
    russia = np.flatnonzero(model.inst_pole == 0)
    depth0 = hist0[:, russia].mean(axis=1) * 0.5 if russia.size else np.zeros(n_a)
    oil0 = _driver_start(model, p, "oil_price", n)
    cw0 = _driver_start(model, p, "china_weight", n)
    z = np.zeros((n, n_a), dtype=F)
    cap0 = (np.maximum(oil0, 1.0) / p["resource_rents.ref_price"]) ** p["resource_rents.elasticity"]
    def full(v: np.ndarray) -> np.ndarray:
        return np.broadcast_to(np.asarray(v, dtype=F), (n, n_a)).copy()

    return State(
        x=full(x0), dem=full(dem0), dep=full((0.5 * (np.minimum(2.0 * trs, 1.0) + gas)) * nb),
        chn=full(tch * nb), depth=full(depth0 * nb), frozen=full(model.frozen[0]),
        mem=np.broadcast_to(hist0.T[:, None, :] > 0, (n_i, n, n_a)).copy(),
        capacity=np.asarray(cap0, dtype=F), security=np.full(n, 0.5, dtype=F),
        recognition=np.full(n, 0.5, dtype=F), oil=oil0, china_weight=cw0,
        force=z.copy(), jump=z.copy(), att=z.copy(), ass=z.copy(), subsidy=z.copy(),
        coercion=z.copy(), conflict=z.copy(), revolution=z.copy(), threat=z.copy(),
    )


def _driver_start(model: CompiledModel, p: dict[str, np.ndarray], name: str, n: int) -> np.ndarray:
    if name not in model.drivers_past:
        return np.ones(n)
    past = model.drivers_past[name]
    if np.isfinite(past[0]):
        return np.full(n, float(past[0]))
    fut = model.drivers_future[name]
    if fut.level:
        return p[fut.level].copy()
    return np.ones(n)


def _driver_step(model: CompiledModel, p: dict[str, np.ndarray], name: str, prev: np.ndarray,
                 t: int, keys: np.ndarray, stream: int) -> np.ndarray:
    if name not in model.drivers_past:
        return prev
    past = model.drivers_past[name]
    if np.isfinite(past[t]):
        return np.full(prev.shape, float(past[t]))
    fut = model.drivers_future[name]
    year = int(model.years[t])
    log_prev = np.log(np.maximum(prev, 1e-9))
    vol = p[fut.volatility] if fut.volatility else 0.0
    shock = vol * rng.normal(keys, stream, year)
    if fut.model == "constant":
        new = p[fut.level] if fut.level else prev
    elif fut.model == "mean_reverting":
        level = np.log(np.maximum(p[fut.level], 1e-9)) if fut.level else log_prev
        rev = p[fut.reversion] if fut.reversion else 0.3
        new = np.exp(log_prev + rev * (level - log_prev) + shock)
    else:
        drift = p[fut.drift] if fut.drift else 0.0
        new = np.exp(log_prev + drift + shock)
    if fut.floor is not None or fut.cap is not None:
        new = np.clip(new, fut.floor if fut.floor is not None else -np.inf,
                      fut.cap if fut.cap is not None else np.inf)
    return np.asarray(new, dtype=np.float64)


def _eligible(model: CompiledModel, pole: int) -> np.ndarray:
    """Actors that may join an institution of ``pole`` (West: EU-eligible; China: close)."""
    if pole == 1:
        return model.static["eu_eligibility"] > 0
    if pole == 2:
        return model.static["china_proximity"] >= 0.5
    return np.ones(len(model.actors), dtype=bool)


def _gas(model: CompiledModel, p: dict[str, np.ndarray], n: int) -> np.ndarray:
    out = np.zeros((n, len(model.actors)))
    for j, a in enumerate(model.actors):
        key = f"actors.{a}.gas_dependence"
        if key in p:
            out[:, j] = p[key]
    return out


def simulate(model: CompiledModel, seed: SeedLike, start: int = 0, stop: int = 1000,
             params: dict[str, np.ndarray] | None = None,
             keys: np.ndarray | None = None) -> ChunkResult:
    """Simulate global members ``[start, stop)`` of the ensemble of ``seed``.

    ``params`` may supply per-member parameter arrays (``{path: (n,)}``) that replace the
    sampled ones, as exploration designs do; unlisted parameters are sampled as usual. A
    ``levers.<name>`` parameter sets the lever's level per member (a year path keeps its
    shape, scaled to that level). ``keys`` may supply the members' random keys (``(n,)``
    uint64), e.g. to share one noise stream across the rows of a design group; by default
    they are those of global members ``start .. stop-1``.
    """
    if stop < start:
        raise ValueError("stop must be >= start")
    tune_allocator()
    n = stop - start
    if keys is None:
        keys = rng.member_keys(seed, start, stop)
    elif keys.shape != (n,):
        raise ValueError(f"keys must have shape ({n},), not {keys.shape}")
    p = sample_params(model, keys)
    if params:
        for k, v in params.items():
            if k not in p:
                raise KeyError(k)
            p[k] = np.asarray(v, dtype=np.float64).reshape(n)
    n_a, n_t, n_i = len(model.actors), model.n_years, len(model.institutions)
    nb_b = model.neighbours
    nb = nb_b.astype(F)
    gas = (_gas(model, p, n) * nb).astype(F)
    st = _init_state(model, p, n, nb, gas)
    # optional (actors,) shift of every neighbour's alignment target, set by forecasting code
    # that anchors the model's equilibrium at the forecast origin (multipolar.forecast)
    target_offset = model.static.get("alignment_offset")

    obs = model.obs
    pop = obs["population"]
    gdp = obs["gdp"]
    align_obs = obs["un_alignment"]
    nominal = np.nan_to_num(model.static["un_alignment_nominal"], nan=0.0)
    x_ref = np.nan_to_num(model.static["un_alignment_ref"], nan=0.0).astype(F)
    cx = Context(
        model=model, p=p, keys=keys, nb=nb, nb_b=nb_b, nb_idx=np.flatnonzero(nb_b),
        static={k: v.astype(F) for k, v in model.static.items()}, gas=gas,
        patronage=model.patronage.astype(F),
        x_ref=x_ref, inst_pole=model.inst_pole,
        west_inst=np.flatnonzero(model.inst_pole == 1),
        russia_inst=np.flatnonzero(model.inst_pole == 0),
        join_thr=np.stack([p.get(f"institution.{i}.join_threshold", np.zeros(n))
                           for i in model.institutions], axis=1) if n_i else np.zeros((n, 0)),
        exit_thr=np.stack([p.get(f"institution.{i}.exit_threshold", np.zeros(n))
                           for i in model.institutions], axis=1) if n_i else np.zeros((n, 0)),
        frozen_on=model.enabled.get("frozen_conflicts", False),
        inst_sign=np.where(model.inst_pole == 1, 1.0,
                           np.where(model.inst_pole == 0, -1.0, -0.5)).astype(F),
        inst_cols=[np.flatnonzero(nb_b & _eligible(model, int(pole)))
                   for pole in model.inst_pole],
    )
    cx.inst_cols_nb = [np.searchsorted(cx.nb_idx, cols) for cols in cx.inst_cols]
    for name in model.levers:
        spec = model.params.get(f"levers.{name}")
        if spec is None:
            continue
        level = p[spec.path]
        if spec.dist is None and np.all(level == spec.nominal):
            continue
        if spec.nominal != 0:
            cx.lever_scale[name] = (level / spec.nominal).astype(F)[:, None]
        else:
            cx.lever_shift[name] = level.astype(F)[:, None]
    steps: list[tuple[str, Mechanism]] = []
    for name in ORDER:
        if name in model.enabled and (model.enabled[name] or name in ALWAYS_RUN):
            steps.append((name, resolve(name, model.implementation.get(name, "default"))()))

    # year-major buffers: each year's write is contiguous; transposed once at the end
    out_a = {k: np.zeros((n_t, n, n_a), dtype=np.float32) for k in ACTOR_OUTCOMES}
    out_c = {k: np.zeros((n_t, n), dtype=np.float32) for k in CORE_OUTCOMES}
    mems = np.zeros((n_t, n_i, n, n_a), dtype=bool)  # handed out as int8 (a free view)

    def record(t: int) -> None:
        for k, v in (("alignment", st.x), ("china_share", st.chn), ("subsidy", st.subsidy),
                     ("coercion", st.coercion), ("conflict", st.conflict),
                     ("integration", st.depth), ("democracy", st.dem), ("dependence", st.dep),
                     ("attraction", st.att), ("assertion", st.ass)):
            out_a[k][t] = v
        for k, c in (("capacity", st.capacity), ("regime_security", st.security),
                     ("recognition", st.recognition), ("oil_price", st.oil),
                     ("china_weight", st.china_weight)):
            out_c[k][t] = c
        mems[t] = st.mem

    x_last = np.where(np.isfinite(align_obs[0]), align_obs[0], st.x[0] if n else nominal)
    record(0)
    for t in range(1, n_t):
        year = int(model.years[t])
        st.reset_year()
        if target_offset is not None:
            st.force += target_offset
        cx.year, cx.t = year, t
        cx.observed = year <= model.observed_until
        cx.observed_members = cx.observed
        cx.levers_t = {k: float(v[t, 0]) if (v[t] == v[t, 0]).all() else v[t].astype(F)
                       for k, v in model.levers.items()}  # (T, A): a row varies by target
        cx.member_hist_t = model.member_hist[t]
        cx.frozen_t = model.frozen[t].astype(F)
        cx.pop_share = _shares(_last_finite_upto(pop, t), nb).astype(F)
        cx.gdp_share = _shares(_last_finite_upto(gdp, t), nb).astype(F)
        x_last = np.where(np.isfinite(align_obs[t]), align_obs[t], x_last)
        cx.x_outside = np.where(np.isfinite(x_last), x_last, nominal).astype(F)
        cx.obs_china = obs["trade_share_china"][t].astype(F) if cx.observed else None
        st.oil = _driver_step(model, p, "oil_price", st.oil, t, keys, 601)
        st.china_weight = _driver_step(model, p, "china_weight", st.china_weight, t, keys, 602)
        if cx.observed:
            d = obs["democracy"][t].astype(F)
            st.dem = np.where(np.isfinite(d)[None, :], d[None, :], st.dem)
        for _, mech in steps:
            mech.step(st, cx)
        record(t)
    return ChunkResult(start, stop, model.years.copy(), list(model.actors),
                       list(model.institutions),
                       {k: v.transpose(1, 0, 2) for k, v in out_a.items()},
                       mems.view(np.int8).transpose(2, 0, 3, 1),
                       {k: v.T for k, v in out_c.items()},
                       {s.path: p[s.path] for s in model.uncertain()})


def run(model: CompiledModel, seed: SeedLike, members: int, chunk: int = 5000,
        **kw: Any) -> ChunkResult:
    """Simulate ``members`` members in chunks in this process and join them."""
    parts = [simulate(model, seed, s, min(s + chunk, members), **kw)
             for s in range(0, members, chunk)]
    return ChunkResult.concat(parts)
