"""The vectorised engine: advance every ensemble member one year at a time.

State is a set of arrays shaped ``(members, actors)`` (plus ``(members,)`` for Russia's own
variables and ``(members, actors, institutions)`` for memberships). One year is one pass over
the enabled mechanisms of :mod:`multipolar.model.mechanisms`; the only Python loop is over
years. Parameters are drawn per member from counter-based streams (:mod:`multipolar.core.rng`), so
member ``i`` of seed ``s`` is the same whatever chunk it runs in.

The engine holds no model content: the state variables, their starting values and bounds,
the outcomes, the random streams and the context items a mechanism computes are declared by
the mechanisms (:mod:`multipolar.model.mechanisms.base`) and only assembled here. The engine
itself offers the scenario's data as context items and steps the scenario's drivers.
Depends on NumPy and the model's compile and mechanisms modules.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from multipolar.core import rng
from multipolar.core.seeding import SeedLike
from multipolar.model.compile import SIMULATED_ROLES, CompiledModel, InstitutionRules
from multipolar.model.mechanisms import MECHANISMS, STREAMS, Mechanism, resolve
from multipolar.model.mechanisms._maths import carried_forward
from multipolar.model.mechanisms.alignment import ideal_points
from multipolar.model.mechanisms.base import DRIVERS, Yearly
from multipolar.model.mechanisms.institutions import Institutions, eligible
from multipolar.model.mechanisms.world import world_series  # noqa: F401  (public: votes.coalition)
from multipolar.model.state import (
    F,
    ParamView,
    SharedYear,
    StartContext,
    State,
    StepContext,
    flow_names,
)


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
    drawn = [path for path, spec in model.params.items() if spec.dist is not None]
    u = rng.uniform_streams(keys, [model.params[k].stream for k in drawn], 0)  # in one pass
    column = {path: i for i, path in enumerate(drawn)}
    out: dict[str, np.ndarray] = {}
    for path, spec in model.params.items():
        if spec.dist is None:
            out[path] = np.full(n, spec.nominal)
        else:
            out[path] = spec.ppf(np.ascontiguousarray(u[:, column[path]]))
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


def _init_state(model: CompiledModel, init: StartContext) -> State:
    """Every declared state variable at its owner's starting value (drivers: the engine's)."""
    values: dict[str, np.ndarray] = {}
    for name, var in MECHANISMS.state_vars.items():
        owner = MECHANISMS.owners[name]
        if owner == "drivers":
            values[name] = init.drivers[name]
            continue
        cls = resolve(owner, model.implementation.get(owner, "default"))
        got = cls.start(var, init)
        arr = np.asarray(got)
        values[name] = arr if arr.shape == init.shape(var) and arr.dtype == var.dtype \
            else init.full(var, arr)
    return State(**values)


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
        rev = p[fut.reversion] if fut.reversion else fut.default_reversion
        new = np.exp(log_prev + rev * (level - log_prev) + shock)
    else:
        drift = p[fut.drift] if fut.drift else 0.0
        new = np.exp(log_prev + drift + shock)
    if fut.floor is not None or fut.cap is not None:
        new = np.clip(new, fut.floor if fut.floor is not None else -np.inf,
                      fut.cap if fut.cap is not None else np.inf)
    return np.asarray(new, dtype=np.float64)


def _eligible(model: CompiledModel, pole: int) -> np.ndarray:
    """Who may join a format of ``pole``: the ``institutions`` rule at its nominal threshold.

    For code that reproduces the engine's eligibility.
    """
    spec = model.params.get("institutions.china_eligibility")
    threshold = spec.nominal if spec is not None else \
        Institutions.defaults()["china_eligibility"]
    return eligible(model, pole, float(threshold))


def _gas(model: CompiledModel, p: dict[str, np.ndarray], n: int) -> np.ndarray:
    out = np.zeros((n, len(model.actors)))
    for j, a in enumerate(model.actors):
        key = f"actors.{a}.gas_dependence"
        if key in p:
            out[:, j] = p[key]
    return out


def _param_values(model: CompiledModel, p: dict[str, np.ndarray],
                  nominal: frozenset[str] = frozenset()) -> tuple[dict[str, Any], dict[str, Any]]:
    """Each parameter shaped for ``(members, actors)`` and for ``(members,)`` arithmetic.

    A parameter fixed for every member is a plain float (cheap to broadcast); a drawn one is a
    float32 array, ``(n, 1)`` and ``(n,)``. ``nominal`` may name parameters known to hold
    their nominal value for every member (not drawn, not given): they are not looked at.
    """
    row: dict[str, Any] = {}
    member: dict[str, Any] = {}
    for path, spec in model.params.items():
        if path in nominal:  # what the test below gives for np.full(n, spec.nominal)
            row[path] = member[path] = float(spec.nominal) if p[path].size else spec.nominal
        elif spec.dist is None and np.all(p[path] == p[path][:1]):
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


def _static_items(model: CompiledModel, init: StartContext) -> dict[str, Any]:
    """Context items that do not change over the years.

    The scenario's data, then what the mechanisms provide (a :class:`Yearly` item is
    stored as ``_name``, a row handed out each year).
    """
    nb_b = model.neighbours
    n, n_i = init.n, len(model.institutions)
    p = init.p
    static = {k: v.astype(F) for k, v in model.static.items()}
    items: dict[str, Any] = {
        "neighbours": nb_b.astype(F), "neighbour_mask": nb_b,
        "neighbour_index": np.flatnonzero(nb_b), "gas_dependence": init.gas,
        "patronage": model.patronage.astype(F),
        "alignment_reference": np.nan_to_num(model.static["un_alignment_ref"], nan=0.0)
        .astype(F),
        "institution_pole": model.inst_pole, "institution_exclusions": model.inst_excl,
        "west_institutions": np.flatnonzero(model.inst_pole == 1),
        "russia_institutions": np.flatnonzero(model.inst_pole == 0),
        "attractiveness": np.stack([p.get(f"institution.{i}.attractiveness", np.zeros(n))
                                    for i in model.institutions], axis=1).astype(F)
        if n_i else np.zeros((n, 0), dtype=F),
    }
    rules = _rules(model)
    items.update(institution_supersedes=rules.supersedes, path_years=rules.path_years,
                 conflict_scope=rules.conflict_scope)
    for k in ("russian_share", "eu_eligibility", "china_proximity", "hydrocarbon_producer",
              "western_pull", "russian_presence", "bargain_partner", "near_russia"):
        items[k] = static[k]
    shape = (model.n_years, len(model.actors))
    for k, series in YEARLY_DATA.items():
        items["_" + k] = carried_forward(model.obs.get(series), shape)
    pairs = getattr(model, "conflict_pairs", None)
    items["conflict_partners"] = (pairs if pairs is not None and pairs.size
                                  else np.zeros((nb_b.size, nb_b.size))).astype(F)
    init.items = items
    for cls in _providers(model):
        for k, v in cls.provide(init).items():
            if isinstance(v, Yearly):
                items["_" + k] = np.asarray(v.values)
            else:
                items[k] = v
    return items


YEARLY_DATA = {"trade_share_russia": "trade_share_russia",
               "china_trade_share": "trade_share_china"}
"""Context items that are data series carried forward (item: series); the row of the year is
the item."""


def _providers(model: CompiledModel) -> list[type[Mechanism]]:
    """The implementation of every registered mechanism that provides context items."""
    out = []
    for name in MECHANISMS.order:
        cls = resolve(name, model.implementation.get(name, "default"))
        if cls.provides:
            out.append(cls)
    return out


def _events(model: CompiledModel) -> dict[str, np.ndarray]:
    """The scenario's dated events as ``(years, actors)`` float32 arrays (zeros if none)."""
    shape = (model.n_years, len(model.actors))
    given = getattr(model, "event_arrays", None) or {}
    out = {k: np.asarray(given[k], dtype=F) if k in given else np.zeros(shape, dtype=F)
           for k in ("use_of_force", "revolution", "elite_transition")}
    out["use_of_force_since"] = np.maximum.accumulate(out["use_of_force"], axis=0)
    out["use_of_force_count"] = np.cumsum(out["use_of_force"], axis=0).astype(F)
    out["force_breaches"] = np.cumsum(out["use_of_force"].sum(axis=1)).astype(F)
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


def _steps(model: CompiledModel) -> list[tuple[str, Mechanism]]:
    """The switched-on mechanisms in execution order (a switched-off one never runs)."""
    return [(name, resolve(name, model.implementation.get(name, "default"))())
            for name in MECHANISMS.order if model.enabled.get(name, False)]


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
    """Year-major output buffers: each year's write is contiguous; transposed once at the end.

    The outcomes are those the mechanisms declare (:meth:`MechanismRegistry.outcomes`).
    """

    def __init__(self, model: CompiledModel, n: int, constant: frozenset[str] = frozenset()
                 ) -> None:
        n_a, n_t, n_i = len(model.actors), model.n_years, len(model.institutions)
        outcomes = MECHANISMS.outcomes()
        self.outcomes = {o.name: o for o in outcomes}
        self.actor_names = [o.name for o in outcomes if o.kind == "actor"]
        self.derive_params = _derive_params(model)
        # an outcome no switched-on mechanism writes keeps its first value: stored once
        self.constant = {k: np.zeros((n, n_a), dtype=np.float32) for k in self.actor_names
                         if k in constant}
        # every year's row of these is written (:meth:`record`, years 0 to n_t - 1): made
        # empty rather than zeroed
        self.actor = {k: np.empty((n_t, n, n_a), dtype=np.float32) for k in self.actor_names
                      if k not in constant}
        self.core = {o.name: np.empty((n_t, n), dtype=np.float32) for o in outcomes
                     if o.kind == "russia"}
        self.mems = np.empty((n_t, n_i, n, n_a), dtype=bool)  # handed out as int8 (a view)
        self.n_t = n_t

    def record(self, st: State, t: int) -> None:
        """Copy year ``t`` of the state into the buffers."""
        if t == 0:
            self._record_into(self.constant, st)
        if self.actor:
            self._record_into(self.actor, st, t)
        for k, buf in self.core.items():
            buf[t] = getattr(st, self.outcomes[k].field)
        self.mems[t] = st.membership

    def _record_into(self, bufs: dict[str, np.ndarray], st: State, t: int | None = None
                     ) -> None:
        """Copy the state's outcomes named in ``bufs`` (into row ``t`` where given).

        A derived outcome's derivation runs once for all the outcomes that share it.
        """
        derived: dict[tuple[str, int], np.ndarray] = {}
        for k, buf in bufs.items():
            o = self.outcomes[k]
            if o.derive is None:
                v = getattr(st, o.field)
            else:
                key = (o.field, id(o.derive))
                if key not in derived:
                    derived[key] = o.derive(getattr(st, o.field), self.derive_params[k])
                v = derived[key][..., o.index]
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
                           {k: actor[k] for k in self.actor_names},
                           self.mems.view(np.int8).transpose(2, 0, 3, 1),
                           {k: v.T for k, v in self.core.items()},
                           {s.path: p[s.path] for s in model.uncertain()})


def _derive_params(model: CompiledModel) -> dict[str, dict[str, float]]:
    """For each derived outcome, the nominal parameters of the mechanism that declares it."""
    out: dict[str, dict[str, float]] = {}
    for name in MECHANISMS.order:
        cls = resolve(name, model.implementation.get(name, "default"))
        for o in cls.outcomes:
            if o.derive is not None:
                out[o.name] = {q.name: (float(model.params[f"{name}.{q.name}"].nominal)
                                        if f"{name}.{q.name}" in model.params else q.default)
                               for q in cls.params}
    return out


class _Run:
    """One chunk of members: state, context items and switched-on mechanisms, year by year."""

    def __init__(self, model: CompiledModel, p: dict[str, np.ndarray], keys: np.ndarray,
                 nominal: frozenset[str] = frozenset()) -> None:
        """``nominal``: parameters known to be at their nominal value (:func:`_param_values`)."""
        n = keys.shape[0]
        self.model, self.p, self.keys = model, p, keys
        nb = model.neighbours.astype(F)
        gas = (_gas(model, p, n) * nb).astype(F)
        drivers = {v.name: _driver_start(model, p, v.name, n) for v in DRIVERS}
        init = StartContext(model, p, n, nb, gas, drivers)
        init.rules = _rules(model)
        self.items = _static_items(model, init)
        self.yearly_items = _yearly_series(self.items)
        self.st = _init_state(model, init)
        self.row, member = _param_values(model, p, nominal)
        self.steps = _steps(model)
        self.flows = _flows_to_reset(self.steps)
        self.views = _views(self.steps, self.row, member)
        self.shared = SharedYear(keys=keys)
        _lever_scales(model, p, self.shared)
        self.contexts = _contexts(self.steps, self.items, self.views, self.shared)
        self.events = _events(model)
        forced = getattr(model, "forced_membership", None)
        self.forced = forced if forced is not None and forced.size else None
        self.core = model.roles.index("core") if "core" in model.roles else None
        self.yearly = _yearly_providers(model, self.steps, self.row, member)
        self.observed_vars = [(k, v.observed) for k, v in MECHANISMS.state_vars.items()
                              if v.observed is not None]
        # optional (actors,) shift of every neighbour's alignment target, set by code that
        # anchors the model's equilibrium at the forecast origin (multipolar.model.anchor)
        self.target_offset = model.static.get("alignment_offset")
        self.nominal = np.nan_to_num(model.static["un_alignment_nominal"], nan=0.0)
        self.follow = bool(getattr(model, "follow_record", False))
        first = model.obs["un_alignment"][0]
        self.x_last = np.where(np.isfinite(first), first,
                               self.st.alignment[0] if n else self.nominal)

    def initialise(self) -> None:
        """Year 0: context items, then each mechanism's own set-up."""
        _year_items(self.model, self.items, self.events, self.forced, 0, self.yearly_items)
        for (_, mech), cx in zip(self.steps, self.contexts, strict=True):
            mech.initialise(self.st, cx)

    def advance(self, t: int) -> None:
        """Advance the state to year index ``t``."""
        model, st, items, shared, obs = self.model, self.st, self.items, self.shared, \
            self.model.obs
        year = int(model.years[t])
        st.reset_year(self.flows)
        shared.year, shared.t = year, t
        shared.observed = year <= model.observed_until
        if self.target_offset is not None and not (self.follow and shared.observed):
            # a run that follows the record is anchored only where it projects
            st.target_shift += self.target_offset
        shared.levers = dict(_lever_rows(model)[t])  # a copy: the rows are kept
        _year_items(model, items, self.events, self.forced, t, self.yearly_items)
        self.x_last = np.where(np.isfinite(obs["un_alignment"][t]), obs["un_alignment"][t],
                               self.x_last)
        items["outside_alignment"] = np.where(np.isfinite(self.x_last), self.x_last,
                                              self.nominal).astype(F)
        items["observed_china_share"] = obs["trade_share_china"][t].astype(F) \
            if shared.observed else None
        _schedule_views(model, self.p, t, self.core, self.views)
        for cls, view in self.yearly:
            items.update(cls.provide_year(items, view))
        for var in DRIVERS:
            setattr(st, var.name, _driver_step(model, self.p, var.name, getattr(st, var.name),
                                               t, self.keys, STREAMS.id("drivers." + var.name)))
        if shared.observed:
            for name, series in self.observed_vars:
                d = obs[series][t].astype(F)
                setattr(st, name, np.where(np.isfinite(d)[None, :], d[None, :],
                                           getattr(st, name)))
        for (_, mech), cx in zip(self.steps, self.contexts, strict=True):
            mech.step(st, cx)
        if self.follow and shared.observed:  # the run follows the record (CompiledModel doc)
            seen = obs["un_alignment"][t]
            st.alignment = np.where(np.isfinite(seen)[None, :], seen[None, :].astype(F),
                                    st.alignment)
            st.ideal_point = ideal_points(st.alignment, st.russia_position, st.us_position)


def _yearly_providers(model: CompiledModel, steps: list[tuple[str, Mechanism]],
                      row: dict[str, Any], member: dict[str, Any]
                      ) -> list[tuple[type[Mechanism], ParamView]]:
    """Mechanisms whose yearly items a switched-on mechanism reads, with their parameters."""
    wanted = {c for _, m in steps for c in m.context}
    out = []
    for name in MECHANISMS.order:
        cls = resolve(name, model.implementation.get(name, "default"))
        if wanted & set(cls.provides) and \
                cls.provide_year.__func__ is not Mechanism.provide_year.__func__:  # type: ignore[attr-defined]
            paths = {q.name: f"{name}.{q.name}" for q in cls.params}
            out.append((cls, ParamView(name, {k: row[v] for k, v in paths.items()},
                                       {k: member[v] for k, v in paths.items()})))
    return out


def _flows_to_reset(steps: list[tuple[str, Mechanism]]) -> tuple[str, ...]:
    """The flows zeroed at the start of every year.

    A flow no switched-on mechanism writes stays at its initial zeros. A flow that is written
    but never read is not zeroed either: read means by its owner (the mechanism that declares
    it), by a switched-on mechanism that reads it without writing it, by the engine
    (``target_shift``) or by the outputs (an outcome). The mechanisms that both read and write
    a flow add to it (``+=``, ``-=``) and do not use its value, so when the owner is switched
    off nothing reads what they add up (the sphere's pushes in the world, where the sphere is
    off: 12 numbers per member-actor zeroed every year for nothing).
    """
    on = {name for name, _ in steps}
    written = {f for _, mech in steps for f in mech.writes} | {"target_shift"}
    recorded = {o.field for o in MECHANISMS.outcomes()} | {"target_shift"}

    def read(f: str) -> bool:
        return f in recorded or MECHANISMS.owners[f] in on or \
            any(f in mech.reads and f not in mech.writes for _, mech in steps)

    return tuple(f for f in flow_names() if f in written and read(f))


def _constant_outcomes(steps: list[tuple[str, Mechanism]]) -> frozenset[str]:
    """Actor outcomes that no switched-on mechanism writes and no data set.

    They keep their first value.
    """
    written = {f for _, mech in steps for f in mech.writes}
    return frozenset(o.name for o in MECHANISMS.outcomes() if o.kind == "actor"
                     and o.field not in written
                     and MECHANISMS.state_vars[o.field].observed is None)


DEFAULT_STOP = 1000
"""Members a bare :func:`simulate` call runs (a size of work: results do not depend on it)."""
DEFAULT_CHUNK = 5000
"""Members per chunk in :func:`run` (memory, not results: members are keyed, not chunked)."""


def simulate(model: CompiledModel, seed: SeedLike, start: int = 0, stop: int = DEFAULT_STOP,
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
    run_ = _Run(model, p, keys, frozenset(path for path, spec in model.params.items()
                                          if spec.dist is None and path not in (params or {})))
    out = _Outputs(model, n, _constant_outcomes(run_.steps))
    run_.initialise()
    out.record(run_.st, 0)
    for t in range(1, model.n_years):
        run_.advance(t)
        out.record(run_.st, t)
    return out.result(model, start, stop, p)


SHARE_SERIES = {"population_share": "population", "gdp_share": "gdp"}
"""Context items that are each neighbour's share of the neighbours' total of a series (item:
series), from the last observed value up to the year."""

_DATA_CACHE: dict[tuple[Any, ...], tuple[tuple[Any, ...], Any]] = {}
_DATA_CACHE_SIZE = 16


def _from_data(what: str, inputs: tuple[Any, ...], make: Callable[[], Any]) -> Any:
    """``make()``, kept for the next chunk while ``inputs`` are the same objects.

    For what depends on a model's data alone, not on the members: made once per set of data
    rather than once per year of every chunk. Keyed by ``what`` and the identity of
    ``inputs`` (held, so that their ids stay theirs); the last few are kept. What is kept is
    shared by every chunk of every run of those data, so it must not be changed.
    """
    key = (what, *(id(a) for a in inputs))
    got = _DATA_CACHE.get(key)
    if got is not None and all(a is b for a, b in zip(got[0], inputs, strict=True)):
        return got[1]
    value = make()
    if len(_DATA_CACHE) >= _DATA_CACHE_SIZE:
        del _DATA_CACHE[next(iter(_DATA_CACHE))]
    _DATA_CACHE[key] = (inputs, value)
    return value


def _share_rows(model: CompiledModel) -> dict[str, list[np.ndarray]]:
    """:data:`SHARE_SERIES` for every year: ``{item: [(actors,) float32 per year]}``.

    Each row is what the yearly computation gave (made once per data, :func:`_from_data`).
    """
    roles = tuple(model.roles)

    def make() -> dict[str, list[np.ndarray]]:
        nb = np.array([r in SIMULATED_ROLES for r in roles]).astype(F)  # item "neighbours"
        rows = {k: [_shares(_last_finite_upto(model.obs[s], t), nb).astype(F)
                    for t in range(model.n_years)] for k, s in SHARE_SERIES.items()}
        for row in (r for rs in rows.values() for r in rs):
            row.flags.writeable = False
        return rows

    got: dict[str, list[np.ndarray]] = _from_data(
        f"shares {model.n_years} " + "|".join(roles),
        tuple(model.obs[s] for s in SHARE_SERIES.values()), make)
    return got


def _lever_rows(model: CompiledModel) -> list[dict[str, Any]]:
    """Every year's lever values (:func:`_lever_row`), made once per data (:func:`_from_data`)."""
    names = tuple(model.levers)

    def make() -> list[dict[str, Any]]:
        return [{k: _lever_row(model.levers[k], t) for k in names}
                for t in range(model.n_years)]

    got: list[dict[str, Any]] = _from_data(f"levers {model.n_years} " + "|".join(names),
                                           tuple(model.levers[k] for k in names), make)
    return got


def _year_items(model: CompiledModel, items: dict[str, Any], events: dict[str, np.ndarray],
                forced: np.ndarray | None, t: int, yearly: list[str] | None = None) -> None:
    """Update the context items that change every year.

    ``yearly`` names the items that are a yearly series' row (stored as ``_name``; found in
    ``items`` when not given).
    """
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
    for k, rows in _share_rows(model).items():
        items[k] = rows[t]
    items["use_of_force"] = events["use_of_force"][t]
    items["use_of_force_since"] = events["use_of_force_since"][t]
    items["force_breaches"] = events["force_breaches"][t]
    items["use_of_force_count"] = events["use_of_force_count"][t]
    items["revolution_event"] = events["revolution"][t]
    items["elite_transition_event"] = events["elite_transition"][t]
    if yearly is None:
        yearly = _yearly_series(items)
    for k in yearly:  # yearly series: this year's row
        items[k] = items["_" + k][t]


def _yearly_series(items: dict[str, Any]) -> list[str]:
    """The context items that are a row of a yearly series (stored as ``_name``)."""
    return [k[1:] for k in items if k.startswith("_")]


def _schedule_views(model: CompiledModel, p: dict[str, np.ndarray], t: int, core: int | None,
                    views: list[tuple[ParamView, dict[str, Any]]]) -> None:
    """Point each mechanism's view at this year's scheduled parameter values (if any)."""
    if not getattr(model, "param_schedule", None):
        return
    rows, members = _scheduled(model, p, t, core)
    for view, paths in views:
        view.set_schedule({k: rows[v] for k, v in paths.items() if v in rows},
                          {k: members[v] for k, v in paths.items() if v in members})


def run(model: CompiledModel, seed: SeedLike, members: int, chunk: int = DEFAULT_CHUNK,
        **kw: Any) -> ChunkResult:
    """Simulate ``members`` members in chunks in this process and join them."""
    parts = [simulate(model, seed, s, min(s + chunk, members), **kw)
             for s in range(0, members, chunk)]
    return ChunkResult.concat(parts)
