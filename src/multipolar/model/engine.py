"""The vectorised engine: advance every ensemble member one year at a time.

State is a set of arrays shaped ``(members, actors)`` (plus ``(members,)`` for Russia's own
variables and ``(members, actors, institutions)`` for memberships). One year is one pass over
the enabled mechanisms of :mod:`multipolar.model.mechanisms`; the only Python loop is over
years. Parameters are drawn per member from counter-based streams (:mod:`multipolar.core.rng`), so
member ``i`` of seed ``s`` is the same whatever chunk it runs in.
Depends on NumPy and the model's compile and mechanisms modules.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from multipolar.core import rng
from multipolar.core.seeding import SeedLike
from multipolar.model.compile import CompiledModel, InstitutionRules
from multipolar.model.mechanisms import ORDER, STREAMS, Mechanism, resolve
from multipolar.model.mechanisms.sphere import initial_sphere, sphere_shares
from multipolar.model.state import FLOWS, F, ParamView, SharedYear, State, StepContext

ACTOR_OUTCOMES = ("alignment", "china_share", "subsidy", "coercion", "conflict", "integration",
                  "democracy", "dependence", "attraction", "assertion", "sphere_russia",
                  "sphere_china", "sphere_west")
SPHERE_OUTCOMES = ("sphere_russia", "sphere_china", "sphere_west")  # per pole, in POLES order
CORE_OUTCOMES = ("capacity", "regime_security", "recognition", "oil_price", "china_weight")
_RECORD_ACTOR = {"integration": "integration_depth"}  # outcome -> State field, where they differ


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


def _sphere_reference(model: CompiledModel, nb: np.ndarray) -> np.ndarray:
    """The sphere's starting shares ``(actors, channels, poles)`` from the first year's data."""
    n_a = len(model.actors)
    obs = model.obs

    def first(name: str) -> np.ndarray:
        arr = obs.get(name + "_first", np.full(n_a, np.nan))
        return np.where(np.isfinite(arr), arr, 0.0)

    hist0 = np.maximum(model.member_hist[0], 0).astype(np.float32)

    def share(pole: int) -> np.ndarray:
        cols = np.flatnonzero(model.inst_pole == pole)
        return hist0[:, cols].mean(axis=1) if cols.size else np.zeros(n_a)

    return initial_sphere(first("trade_share_russia"), first("trade_share_china"), share(0),
                          share(1), share(2), model.static.get("russian_base", np.zeros(n_a)),
                          model.patronage, nb)


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
        alignment=full(x0), democracy=full(dem0),
        dependence=full((0.5 * (np.minimum(2.0 * trs, 1.0) + gas)) * nb),
        china_share=full(tch * nb), integration_depth=full(depth0 * nb),
        frozen=full(model.frozen[0]),
        membership=np.broadcast_to(hist0.T[:, None, :] > 0, (n_i, n, n_a)).copy(),
        capacity=np.asarray(cap0, dtype=F), regime_security=np.full(n, 0.5, dtype=F),
        recognition=np.full(n, 0.5, dtype=F), oil_price=oil0, china_weight=cw0,
        accession_barrier=z.copy(), red_line_hold=z.copy(), target_shift=z.copy(),
        alignment_jump=z.copy(),
        attraction=z.copy(), assertion=z.copy(), subsidy=z.copy(), coercion=z.copy(),
        conflict=z.copy(), threat=z.copy(),
        sphere=np.broadcast_to(_sphere_reference(model, nb), (n, n_a, 4, 3)).copy(),
        sphere_push=np.zeros((n, n_a, 4, 3), dtype=F), west_discount=z.copy(),
        candidacy=np.broadcast_to(np.maximum(_rules(model).candidacy[0], 0).T[:, None, :],
                                  (n_i, n, n_a)).astype(F),
        friction=z.copy(),
    )


def _rules(model: CompiledModel) -> InstitutionRules:
    """The model's institution rules (none stated: every format open, no constraints)."""
    rules = getattr(model, "rules", None)
    if rules is None:
        return InstitutionRules.free(model.n_years, len(model.actors), len(model.institutions))
    return rules


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


def _param_values(model: CompiledModel, p: dict[str, np.ndarray]
                  ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Each parameter shaped for ``(members, actors)`` and for ``(members,)`` arithmetic.

    A parameter fixed for every member is a plain float (cheap to broadcast); a drawn one is a
    float32 array, ``(n, 1)`` and ``(n,)``.
    """
    row: dict[str, Any] = {}
    member: dict[str, Any] = {}
    for path, spec in model.params.items():
        if spec.dist is None and np.all(p[path] == p[path][:1]):
            v = float(p[path][0]) if p[path].size else spec.nominal
            row[path] = member[path] = v
        else:
            arr = p[path].astype(F)
            row[path] = arr[:, None]
            member[path] = arr
    return row, member


def _views(steps: list[tuple[str, Mechanism]], row: dict[str, Any], member: dict[str, Any]
           ) -> list[tuple[ParamView, dict[str, Any]]]:
    """A :class:`ParamView` per mechanism over its own (and its declared shared) parameters."""
    out = []
    for name, mech in steps:
        paths = {q.name: f"{name}.{q.name}" for q in mech.params}
        paths.update({s: s for s in mech.shared})
        out.append((ParamView(name, {k: row[v] for k, v in paths.items()},
                              {k: member[v] for k, v in paths.items()}), paths))
    return out


def _static_items(model: CompiledModel, p: dict[str, np.ndarray], n: int,
                  gas: np.ndarray) -> dict[str, Any]:
    """Context items that do not change over the years."""
    nb_b = model.neighbours
    n_i = len(model.institutions)
    static = {k: v.astype(F) for k, v in model.static.items()}
    items: dict[str, Any] = {
        "neighbours": nb_b.astype(F), "neighbour_mask": nb_b,
        "neighbour_index": np.flatnonzero(nb_b), "gas_dependence": gas,
        "patronage": model.patronage.astype(F),
        "alignment_reference": np.nan_to_num(model.static["un_alignment_ref"], nan=0.0)
        .astype(F),
        "institution_pole": model.inst_pole, "institution_exclusions": model.inst_excl,
        "west_institutions": np.flatnonzero(model.inst_pole == 1),
        "russia_institutions": np.flatnonzero(model.inst_pole == 0),
        "institution_columns": [np.flatnonzero(nb_b & _eligible(model, int(pole)))
                                for pole in model.inst_pole],
        "attractiveness": np.stack([p.get(f"institution.{i}.attractiveness", np.zeros(n))
                                    for i in model.institutions], axis=1).astype(F)
        if n_i else np.zeros((n, 0), dtype=F),
    }
    rules = _rules(model)
    items.update(institution_supersedes=rules.supersedes, path_years=rules.path_years,
                 conflict_scope=rules.conflict_scope)
    for k in ("russian_share", "eu_eligibility", "china_proximity", "hydrocarbon_producer",
              "western_pull", "russian_presence", "bargain_partner"):
        items[k] = static[k]
    items.update(_world_series(model))
    items["sphere_reference"] = _sphere_reference(model, nb_b.astype(F))
    pairs = getattr(model, "conflict_pairs", None)
    items["conflict_partners"] = (pairs if pairs is not None and pairs.size
                                  else np.zeros((nb_b.size, nb_b.size))).astype(F)
    items["institution_columns_in_neighbours"] = [
        np.searchsorted(items["neighbour_index"], cols) for cols in items["institution_columns"]]
    return items


def _carried(arr: np.ndarray | None, shape: tuple[int, int]) -> np.ndarray:
    """``(years, actors)`` values carried forward from the last finite one (0 before any)."""
    if arr is None:
        return np.zeros(shape, dtype=F)
    ok = np.isfinite(arr)
    idx = np.where(ok, np.arange(arr.shape[0])[:, None], -1)
    idx = np.maximum.accumulate(idx, axis=0)
    out = np.take_along_axis(np.nan_to_num(arr, nan=0.0), np.maximum(idx, 0), axis=0)
    return np.where(idx >= 0, out, 0.0).astype(F)


ARMS_WINDOW = 5
"""Years of arms deliveries summed for a state's Russian share of arms imports (lumpy data)."""


ARMS_LEVER = "russia_arms_deliveries"
"""Lever scaling Russia's arms deliveries (1 = as recorded, carried forward after the data)."""


def scaled_arms_share(share: np.ndarray, scale: np.ndarray | None) -> np.ndarray:
    """Russia's share of arms imports when its deliveries are ``scale`` times those recorded.

    The other suppliers' deliveries stay as they were: ``k s / (1 - s + k s)``. A state that
    buys no Russian arms keeps a share of 0, so the lever reaches Russia's arms clients only.
    """
    if scale is None:
        return share
    k = np.asarray(scale, dtype=np.float64)
    s = share.astype(np.float64)
    den = 1.0 - s + k * s
    return np.where(den > 0, k * s / np.where(den > 0, den, 1.0), 0.0).astype(share.dtype)


def world_series(model: CompiledModel) -> dict[str, np.ndarray]:
    """Public name of :func:`_world_series` (the coalition forecast reads the arms share)."""
    return _world_series(model)


def _world_series(model: CompiledModel) -> dict[str, np.ndarray]:
    """Yearly world context rows ``(years, actors)`` (zeros where the scenario has no data).

    The Russian share of a state's arms imports over the last :data:`ARMS_WINDOW` observed
    years, and its trade shares with Russia and China, each carried forward after its data.
    """
    shape = (model.n_years, len(model.actors))
    obs = model.obs
    frm, tot = obs.get("arms_from_russia"), obs.get("arms_total")
    share = np.zeros(shape, dtype=F)
    if frm is not None and tot is not None:
        known = np.isfinite(tot)
        a = np.cumsum(np.where(known, np.nan_to_num(frm, nan=0.0), 0.0), axis=0)
        b = np.cumsum(np.where(known, tot, 0.0), axis=0)
        a[ARMS_WINDOW:] -= a[:-ARMS_WINDOW].copy()
        b[ARMS_WINDOW:] -= b[:-ARMS_WINDOW].copy()
        raw = np.where(b > 0, a / np.maximum(b, 1e-12), 0.0)
        share = _carried(np.where(known, np.clip(raw, 0.0, 1.0), np.nan), shape)
    share = scaled_arms_share(share, model.levers.get(ARMS_LEVER))
    return {"_arms_share_russia": share,
            "_trade_share_russia": _carried(obs.get("trade_share_russia"), shape),
            "_china_trade_share": _carried(obs.get("trade_share_china"), shape)}


def _events(model: CompiledModel) -> dict[str, np.ndarray]:
    """The scenario's dated events as ``(years, actors)`` float32 arrays (zeros if none)."""
    shape = (model.n_years, len(model.actors))
    given = getattr(model, "event_arrays", None) or {}
    out = {k: np.asarray(given[k], dtype=F) if k in given else np.zeros(shape, dtype=F)
           for k in ("use_of_force", "revolution", "elite_transition")}
    out["use_of_force_since"] = np.maximum.accumulate(out["use_of_force"], axis=0)
    return out


def _lever_scales(model: CompiledModel, p: dict[str, np.ndarray], shared: SharedYear) -> None:
    """Per-member scale (or shift) of levers whose level is a drawn or designed parameter."""
    for name in model.levers:
        spec = model.params.get(f"levers.{name}")
        if spec is None:
            continue
        level = p[spec.path]
        if spec.dist is None and np.all(level == spec.nominal):
            continue
        if spec.nominal != 0:
            shared.lever_scale[name] = (level / spec.nominal).astype(F)[:, None]
        else:
            shared.lever_shift[name] = level.astype(F)[:, None]


def _lever_row(v: np.ndarray, t: int) -> Any:
    """Return lever ``v``'s value in year ``t`` (``v`` is ``(years,)`` or ``(years, actors)``).

    A float when it is the same towards every target, else a float32 ``(actors,)`` row.
    """
    if v.ndim == 1:
        return float(v[t])
    row = v[t]
    return float(row[0]) if (row == row[0]).all() else np.asarray(row, dtype=F)


def _scheduled(model: CompiledModel, p: dict[str, np.ndarray], t: int, core: int | None
               ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Parameters the scenario schedules for year ``t``: ``(members, actors)`` and ``(members,)``.

    Where the schedule is NaN the member's drawn value holds; Russia-level (``(members,)``)
    use takes the core actor's column.
    """
    rows: dict[str, np.ndarray] = {}
    members: dict[str, np.ndarray] = {}
    for path, sched in (getattr(model, "param_schedule", None) or {}).items():
        r = np.asarray(sched[t], dtype=np.float64)
        if not np.isfinite(r).any():
            continue
        drawn = p[path]
        rows[path] = np.where(np.isnan(r)[None, :], drawn[:, None], r[None, :]).astype(F)
        if core is not None and np.isfinite(r[core]):
            members[path] = np.full(drawn.shape, r[core], dtype=F)
    return rows, members


def _importance(row: dict[str, Any], items: dict[str, Any]) -> np.ndarray:
    """Each neighbour's importance to Russia (population, economy, Russian communities)."""
    w = row["russia_policy.importance_population"]
    imp = w * items["population_share"] + (1 - w) * items["gdp_share"]
    imp = imp + row["russia_policy.russian_share_weight"] * items["russian_share"]
    return np.asarray(imp * items["neighbours"])


def _steps(model: CompiledModel) -> list[tuple[str, Mechanism]]:
    """The switched-on mechanisms in execution order (a switched-off one never runs)."""
    return [(name, resolve(name, model.implementation.get(name, "default"))())
            for name in ORDER if model.enabled.get(name, False)]


def _contexts(steps: list[tuple[str, Mechanism]], items: dict[str, Any],
              views: list[tuple[ParamView, dict[str, Any]]], shared: SharedYear
              ) -> list[StepContext]:
    return [StepContext(name, items, frozenset(mech.context), {s: 0 for s in mech.streams},
                        frozenset(mech.levers), view, shared)
            for (name, mech), (view, _) in zip(steps, views, strict=True)]


def _member_params(model: CompiledModel, keys: np.ndarray,
                   params: dict[str, np.ndarray] | None) -> dict[str, np.ndarray]:
    """Sampled parameters per member, with the given arrays in place of sampled ones."""
    n = keys.shape[0]
    p = sample_params(model, keys)
    for k, v in (params or {}).items():
        if k not in p:
            raise KeyError(k)
        p[k] = np.asarray(v, dtype=np.float64).reshape(n)
    return p


class _Outputs:
    """Year-major output buffers: each year's write is contiguous; transposed once at the end."""

    def __init__(self, model: CompiledModel, n: int, constant: frozenset[str] = frozenset()
                 ) -> None:
        n_a, n_t, n_i = len(model.actors), model.n_years, len(model.institutions)
        # an outcome no switched-on mechanism writes keeps its first value: stored once
        self.constant = {k: np.zeros((n, n_a), dtype=np.float32) for k in ACTOR_OUTCOMES
                         if k in constant}
        self.actor = {k: np.zeros((n_t, n, n_a), dtype=np.float32) for k in ACTOR_OUTCOMES
                      if k not in constant}
        self.core = {k: np.zeros((n_t, n), dtype=np.float32) for k in CORE_OUTCOMES}
        self.mems = np.zeros((n_t, n_i, n, n_a), dtype=bool)  # handed out as int8 (a view)
        self.n_t = n_t

    def record(self, st: State, t: int) -> None:
        """Copy year ``t`` of the state into the buffers."""
        if t == 0:
            self._record_into(self.constant, st)
        if self.actor:
            self._record_into(self.actor, st, t)
        for k in CORE_OUTCOMES:
            self.core[k][t] = getattr(st, k)
        self.mems[t] = st.membership

    @staticmethod
    def _record_into(bufs: dict[str, np.ndarray], st: State, t: int | None = None) -> None:
        """Copy the state's outcomes named in ``bufs`` (into row ``t`` where given)."""
        shares = sphere_shares(st.sphere) if any(k in bufs for k in SPHERE_OUTCOMES) else None
        for k, buf in bufs.items():
            if k in SPHERE_OUTCOMES:
                assert shares is not None
                v = shares[..., SPHERE_OUTCOMES.index(k)]
            else:
                v = getattr(st, _RECORD_ACTOR.get(k, k))
            if t is None:
                buf[...] = v
            else:
                buf[t] = v

    def result(self, model: CompiledModel, start: int, stop: int,
               p: dict[str, np.ndarray]) -> ChunkResult:
        """The chunk's :class:`ChunkResult`, indexed ``[member, year, actor(, institution)]``."""
        actor = {k: v.transpose(1, 0, 2) for k, v in self.actor.items()}
        for k, v in self.constant.items():  # a read-only view: the first year, every year
            actor[k] = np.broadcast_to(v[:, None, :], (v.shape[0], self.n_t, v.shape[1]))
        return ChunkResult(start, stop, model.years.copy(), list(model.actors),
                           list(model.institutions),
                           {k: actor[k] for k in ACTOR_OUTCOMES},
                           self.mems.view(np.int8).transpose(2, 0, 3, 1),
                           {k: v.T for k, v in self.core.items()},
                           {s.path: p[s.path] for s in model.uncertain()})


class _Run:
    """One chunk of members: state, context items and switched-on mechanisms, year by year."""

    def __init__(self, model: CompiledModel, p: dict[str, np.ndarray], keys: np.ndarray) -> None:
        n = keys.shape[0]
        self.model, self.p, self.keys = model, p, keys
        nb = model.neighbours.astype(F)
        gas = (_gas(model, p, n) * nb).astype(F)
        self.st = _init_state(model, p, n, nb, gas)
        self.items = _static_items(model, p, n, gas)
        self.row, member = _param_values(model, p)
        self.steps = _steps(model)
        # flows no switched-on mechanism writes stay zero: no need to zero them every year
        written = {f for _, mech in self.steps for f in mech.writes} | {"target_shift"}
        self.flows = tuple(f for f in FLOWS if f in written)
        self.views = _views(self.steps, self.row, member)
        self.shared = SharedYear(keys=keys)
        _lever_scales(model, p, self.shared)
        self.contexts = _contexts(self.steps, self.items, self.views, self.shared)
        self.events = _events(model)
        forced = getattr(model, "forced_membership", None)
        self.forced = forced if forced is not None and forced.size else None
        self.core = model.roles.index("core") if "core" in model.roles else None
        self.need_importance = any("importance" in m.context for _, m in self.steps)
        # optional (actors,) shift of every neighbour's alignment target, set by forecasting
        # code that anchors the model's equilibrium at the forecast origin (multipolar.forecast)
        self.target_offset = model.static.get("alignment_offset")
        self.nominal = np.nan_to_num(model.static["un_alignment_nominal"], nan=0.0)
        self.follow = bool(getattr(model, "follow_record", False))
        first = model.obs["un_alignment"][0]
        self.x_last = np.where(np.isfinite(first), first,
                               self.st.alignment[0] if n else self.nominal)

    def initialise(self) -> None:
        """Year 0: context items, then each mechanism's own set-up."""
        _year_items(self.model, self.items, self.events, self.forced, 0)
        for (_, mech), cx in zip(self.steps, self.contexts, strict=True):
            mech.initialise(self.st, cx)

    def advance(self, t: int) -> None:
        """Advance the state to year index ``t``."""
        model, st, items, shared, obs = self.model, self.st, self.items, self.shared, \
            self.model.obs
        year = int(model.years[t])
        st.reset_year(self.flows)
        if self.target_offset is not None:
            st.target_shift += self.target_offset
        shared.year, shared.t = year, t
        shared.observed = year <= model.observed_until
        shared.levers = {k: _lever_row(v, t) for k, v in model.levers.items()}
        _year_items(model, items, self.events, self.forced, t)
        self.x_last = np.where(np.isfinite(obs["un_alignment"][t]), obs["un_alignment"][t],
                               self.x_last)
        items["outside_alignment"] = np.where(np.isfinite(self.x_last), self.x_last,
                                              self.nominal).astype(F)
        items["observed_china_share"] = obs["trade_share_china"][t].astype(F) \
            if shared.observed else None
        _schedule_views(model, self.p, t, self.core, self.views)
        if self.need_importance:
            items["importance"] = _importance(self.row, items)
        st.oil_price = _driver_step(model, self.p, "oil_price", st.oil_price, t, self.keys,
                                    STREAMS.id("drivers.oil_price"))
        st.china_weight = _driver_step(model, self.p, "china_weight", st.china_weight, t,
                                       self.keys, STREAMS.id("drivers.china_weight"))
        if shared.observed:
            d = obs["democracy"][t].astype(F)
            st.democracy = np.where(np.isfinite(d)[None, :], d[None, :], st.democracy)
        for (_, mech), cx in zip(self.steps, self.contexts, strict=True):
            mech.step(st, cx)
        if self.follow and shared.observed:  # the run follows the record (CompiledModel doc)
            seen = obs["un_alignment"][t]
            st.alignment = np.where(np.isfinite(seen)[None, :], seen[None, :].astype(F),
                                    st.alignment)


ALWAYS_RECORDED = frozenset({"alignment", "democracy"})
"""Outcomes recorded every year whatever the mechanisms (the engine itself sets them)."""


def _constant_outcomes(steps: list[tuple[str, Mechanism]]) -> frozenset[str]:
    """Actor outcomes that no switched-on mechanism writes (they keep their first value)."""
    written = {f for _, mech in steps for f in mech.writes}
    return frozenset(k for k in ACTOR_OUTCOMES if k not in ALWAYS_RECORDED
                     and _state_field(k) not in written)


def _state_field(outcome: str) -> str:
    """The :class:`State` field an actor outcome is read from."""
    return "sphere" if outcome in SPHERE_OUTCOMES else _RECORD_ACTOR.get(outcome, outcome)


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
    n = stop - start
    if keys is None:
        keys = rng.member_keys(seed, start, stop)
    elif keys.shape != (n,):
        raise ValueError(f"keys must have shape ({n},), not {keys.shape}")
    p = _member_params(model, keys, params)
    run_ = _Run(model, p, keys)
    out = _Outputs(model, n, _constant_outcomes(run_.steps))
    run_.initialise()
    out.record(run_.st, 0)
    for t in range(1, model.n_years):
        run_.advance(t)
        out.record(run_.st, t)
    return out.result(model, start, stop, p)


def _year_items(model: CompiledModel, items: dict[str, Any], events: dict[str, np.ndarray],
                forced: np.ndarray | None, t: int) -> None:
    """Update the context items that change every year."""
    nb = items["neighbours"]
    items["membership_history"] = model.member_hist[t]
    items["membership_history_previous"] = model.member_hist[max(t - 1, 0)]
    items["forced_membership"] = forced[t] if forced is not None else None
    rules = _rules(model)
    items["institution_open"] = rules.open[t]
    items["institution_founding"] = rules.founding[t]
    items["accession_blocked"] = rules.blocked[t]
    items["red_line_scope"] = rules.red_line[t]
    items["candidacy_history"] = rules.candidacy[t]
    items["frozen_history"] = model.frozen[t].astype(F)
    items["population_share"] = _shares(_last_finite_upto(model.obs["population"], t),
                                        nb).astype(F)
    items["gdp_share"] = _shares(_last_finite_upto(model.obs["gdp"], t), nb).astype(F)
    items["use_of_force"] = events["use_of_force"][t]
    items["use_of_force_since"] = events["use_of_force_since"][t]
    items["revolution_event"] = events["revolution"][t]
    items["elite_transition_event"] = events["elite_transition"][t]
    for k in ("arms_share_russia", "trade_share_russia", "china_trade_share"):
        items[k] = items["_" + k][t]


def _schedule_views(model: CompiledModel, p: dict[str, np.ndarray], t: int, core: int | None,
                    views: list[tuple[ParamView, dict[str, Any]]]) -> None:
    """Point each mechanism's view at this year's scheduled parameter values (if any)."""
    if not getattr(model, "param_schedule", None):
        return
    rows, members = _scheduled(model, p, t, core)
    for view, paths in views:
        view.set_schedule({k: rows[v] for k, v in paths.items() if v in rows},
                          {k: members[v] for k, v in paths.items() if v in members})


def run(model: CompiledModel, seed: SeedLike, members: int, chunk: int = 5000,
        **kw: Any) -> ChunkResult:
    """Simulate ``members`` members in chunks in this process and join them."""
    parts = [simulate(model, seed, s, min(s + chunk, members), **kw)
             for s in range(0, members, chunk)]
    return ChunkResult.concat(parts)
