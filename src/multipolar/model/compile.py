"""Compile a validated scenario into plain arrays the vectorised engine can run.

:func:`compile_model` resolves data references, membership histories, relations, levers,
drivers and dated events into NumPy arrays indexed by ``(year, actor[, institution])`` and
collects every parameter (fixed or uncertain) under a dotted path. It is a sequence of small
section compilers, one per part of the scenario (time, actors, institutions, relations,
levers, drivers, mechanisms and aims, parameter schedules, events). The result,
:class:`CompiledModel`, holds no pydantic objects, so it pickles small and fast for worker
processes and Dask.
Depends on NumPy, SciPy (distributions), the scenario schema and :mod:`multipolar.data`.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import ndtri

from multipolar.core.errors import ScenarioError
from multipolar.data import column_by_actor_year, yearly_column
from multipolar.model.mechanisms import check_mechanisms, clip_to_bounds, declared_params
from multipolar.scenario.schema import (
    INSTITUTION_EVENTS,
    FuturePath,
    Lever,
    Param,
    Scenario,
    Series,
    TargetPath,
)

if TYPE_CHECKING:
    from multipolar.model.mechanisms.base import Param as DeclaredParam
    from multipolar.scenario.loader import LoadedScenario

POLES = {"russia": 0, "west": 1, "china": 2, "mixed": 3}
SIMULATED_ROLES = ("neighbour", "member_state")
"""Roles of the actors whose alignment the model simulates."""
OBSERVED_ATTRIBUTES = ("democracy", "un_alignment", "trade_share_russia", "trade_share_china",
                       "population", "gdp", "capability")
STATIC_ATTRIBUTES = ("russian_share", "eu_eligibility", "china_proximity", "hydrocarbon_producer",
                     "un_alignment_nominal",
                     "western_pull", "russian_presence", "bargain_partner", "patronage_tie",
                     "near_russia")
EVENT_ARRAYS = ("use_of_force", "revolution", "elite_transition")
"""Event kinds compiled to ``(years, actors)`` indicator arrays (accession and exit force
memberships instead)."""


# scipy.stats' ppf formulas for u in (0, 1), written out: the same floating-point operations
# (so the same draws, bit for bit), without importing scipy.stats (about 0.3 s at start-up)
def _norm_ppf(u: np.ndarray, loc: float, scale: float) -> np.ndarray:
    """``scipy.stats.norm.ppf(u, loc, scale)``."""
    return np.asarray(ndtri(u) * scale + loc)


def _triang_ppf(u: np.ndarray, c: float, loc: float, scale: float) -> np.ndarray:
    """``scipy.stats.triang.ppf(u, c, loc, scale)``."""
    u = np.asarray(u, dtype=np.float64)
    core = np.where(u < c, np.sqrt(c * u), 1 - np.sqrt((1 - c) * (1 - u)))
    return np.asarray(core * scale + loc)


@dataclass(frozen=True)
class ParamSpec:
    """One scalar parameter: its nominal value and, if uncertain, its distribution."""

    path: str
    nominal: float
    dist: str | None = None
    a: float = 0.0
    b: float = 0.0
    c: float = 0.0
    values: tuple[float, ...] = ()
    probs: tuple[float, ...] = ()
    bounds: tuple[float, float] | None = None

    @property
    def stream(self) -> int:
        """Random stream id of this parameter: a stable hash of its path."""
        return 1_000_000 + zlib.crc32(self.path.encode()) % 1_000_000

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Inverse CDF: map uniforms ``u`` in (0, 1) to parameter draws."""
        d = self.dist
        if d is None:
            return np.full(u.shape, self.nominal)
        if d == "uniform":
            x = self.a + (self.b - self.a) * u
        elif d == "normal":
            x = _norm_ppf(u, self.a, self.b)
        elif d == "lognormal":
            x = np.exp(_norm_ppf(u, self.a, self.b))
        elif d == "triangular":
            lo, mode, hi = self.a, self.c, self.b
            x = _triang_ppf(u, (mode - lo) / (hi - lo), lo, hi - lo)
        else:  # discrete
            cdf = np.cumsum(self.probs)
            idx = np.minimum(np.searchsorted(cdf, u, side="right"), len(self.values) - 1)
            x = np.asarray(self.values)[idx]
        if self.bounds is not None:
            x = np.clip(x, self.bounds[0], self.bounds[1])
        return np.asarray(x, dtype=np.float64)


def param_spec(path: str, p: float | Param) -> ParamSpec:
    """A :class:`ParamSpec` for a scenario number or :class:`Param`."""
    if not isinstance(p, Param):
        return ParamSpec(path, float(p))
    nominal = p.nominal()
    if p.dist is None:
        return ParamSpec(path, nominal, bounds=p.bounds)
    if p.dist == "uniform":
        return ParamSpec(path, nominal, "uniform", float(p.low), float(p.high),  # type: ignore[arg-type]
                         bounds=p.bounds)
    if p.dist in ("normal", "lognormal"):
        return ParamSpec(path, nominal, p.dist, float(p.mean), float(p.sd),  # type: ignore[arg-type]
                         bounds=p.bounds)
    if p.dist == "triangular":
        return ParamSpec(path, nominal, "triangular", float(p.low), float(p.high),  # type: ignore[arg-type]
                         float(p.mode), bounds=p.bounds)  # type: ignore[arg-type]
    return ParamSpec(path, nominal, "discrete", values=tuple(p.values or ()),
                     probs=tuple(p.probs or ()), bounds=p.bounds)


@dataclass(frozen=True)
class FutureSpec:
    """How a driver continues after its observed years (parameters are paths in ``params``)."""

    model: str
    level: str | None
    drift: str
    volatility: str
    reversion: str
    floor: float | None
    cap: float | None
    default_reversion: float = FuturePath.model_fields["reversion"].default
    """The scenario language's default rate, for a mean-reverting path without its own."""


@dataclass
class InstitutionRules:
    """Lifetimes of the institutions and the scenario's constraints on accession.

    ``T = years``, ``A = actors``, ``I = institutions``:

    * ``open``: ``(T, I)`` bool, founded and not yet dissolved (only open formats take members).
    * ``founding``: ``(T, I)`` bool, the founding year (founders join then).
    * ``supersedes``: ``(I, I)`` bool, ``[k, m]``: joining k ends membership of m, and members
      of k do not join m.
    * ``blocked``: ``(T, A, I)`` bool, accession barred (neutrality, course and veto constraints;
      like conflicts and memberships, one that starts after observed_until is not given to
      the model, so a forecast from an earlier origin does not know it).
    * ``path_years``: ``(I,)`` int, years of candidacy a path constraint requires (0: none).
    * ``candidacy``: ``(T, A, I)`` int16, years held as candidate by the record (counted from
      the status's first year), 0 none, -1 after observed_until (then the model's outcome).
    * ``conflict_scope``: ``(I,)`` bool, institutions whose accession a frozen conflict holds
      back (``frozen_conflict`` constraints).
    * ``red_line``: ``(T, A, I)`` bool, accession held back by outside powers' tacit red lines
      (``red_line`` constraints; one that starts after observed_until is not given, as for
      ``blocked``).
    """

    open: np.ndarray
    founding: np.ndarray
    supersedes: np.ndarray
    blocked: np.ndarray
    path_years: np.ndarray
    candidacy: np.ndarray
    conflict_scope: np.ndarray
    red_line: np.ndarray

    @classmethod
    def free(cls, n_t: int, n_a: int, n_i: int) -> InstitutionRules:
        """No constraints: every format open in every year, no candidates."""
        return cls(np.ones((n_t, n_i), bool), np.zeros((n_t, n_i), bool),
                   np.zeros((n_i, n_i), bool), np.zeros((n_t, n_a, n_i), bool),
                   np.zeros(n_i, np.int64), np.zeros((n_t, n_a, n_i), np.int16),
                   np.zeros(n_i, bool), np.zeros((n_t, n_a, n_i), bool))


def institution_rules(sc: Scenario, years: np.ndarray) -> InstitutionRules:
    """The :class:`InstitutionRules` of ``sc`` over ``years``."""
    actors, insts = sc.actor_ids(), [i.id for i in sc.institutions]
    n_t, n_a, n_i = years.size, len(actors), len(insts)
    open_ = np.ones((n_t, n_i), dtype=bool)
    founding = np.zeros((n_t, n_i), dtype=bool)
    supersedes = np.zeros((n_i, n_i), dtype=bool)
    for k, inst in enumerate(sc.institutions):
        if inst.founded is not None:
            open_[:, k] &= years >= inst.founded
            founding[:, k] = years == inst.founded
        if inst.dissolved is not None:
            open_[:, k] &= years < inst.dissolved
        for other in inst.supersedes:
            supersedes[k, insts.index(other)] = True
    blocked = np.zeros((n_t, n_a, n_i), dtype=bool)
    red_line = np.zeros((n_t, n_a, n_i), dtype=bool)
    path_years = np.zeros(n_i, dtype=np.int64)
    scope = np.zeros(n_i, dtype=bool)
    kinds = np.array([i.kind for i in sc.institutions])
    for c in sc.constraints.values():
        if not c.enabled:
            continue
        if c.kind in ("neutrality", "course", "red_line", "veto"):
            lo, hi = c.years if c.years is not None else (years[0], None)
            if lo > sc.time.observed_until:  # not yet known at the last observed year
                continue
            when = (years >= lo) & (years <= (hi if hi is not None else 10_000))
            cols = np.array([actors.index(a) for a in c.actors], dtype=np.int64)
            named = np.isin(insts, c.institutions)
            if c.kind == "red_line":
                red_line[np.ix_(when, cols, np.flatnonzero(named))] = True
                continue
            if c.kind == "neutrality":
                inst_mask = np.isin(kinds, c.blocks) | named
            elif c.kind == "veto":  # a member that would block them by consensus
                inst_mask = named
            else:  # formats that exclude one the actors are committed to join
                excl = {(i.id, o) for i in sc.institutions for o in i.excludes}
                inst_mask = np.array([any((i, o) in excl or (o, i) in excl
                                          for o in c.institutions) for i in insts], dtype=bool)
            blocked[np.ix_(when, cols, np.flatnonzero(inst_mask))] = True
        elif c.kind == "path" and c.institution is not None:
            path_years[insts.index(c.institution)] = c.min_years
        elif c.kind == "frozen_conflict":
            scope[[insts.index(i) for i in c.institutions]] = True
    candidacy = np.zeros((n_t, n_a, n_i), dtype=np.int16)
    for k, inst in enumerate(sc.institutions):
        for m in inst.members:
            if m.status == "candidate":
                to = m.to if m.to is not None else 10_000
                when = (years >= m.from_) & (years <= to)
                candidacy[when, actors.index(m.actor), k] = years[when] - m.from_ + 1
    candidacy[years > sc.time.observed_until] = -1
    return InstitutionRules(open_, founding, supersedes, blocked, path_years, candidacy, scope,
                            red_line)


@dataclass
class CompiledModel:
    """A scenario resolved into arrays: all that :func:`~multipolar.model.engine.simulate` needs.

    Time-varying inputs, ``T = n_years``, ``A = n_actors``, ``I = n_institutions``:

    * ``levers[name]``: ``(T, A)`` float64, the lever's value in each year towards each target.
    * ``param_schedule[path]``: ``(T, A)`` float64 for parameters that change from a year on or
      by target; NaN where the member's drawn value applies.
    * ``event_arrays[kind]`` for ``use_of_force``, ``revolution``, ``elite_transition``:
      ``(T, A)`` float32, 1.0 in an event's year in its target's column.
    * ``conflict_pairs``: ``(A, A)`` float64, 1.0 where two actors other than the core are the
      sides of a frozen conflict standing in the last observed year (Armenia and Azerbaijan).
    * ``forced_membership``: ``(T, A, I)`` int8, -1 free, 1 forced in (accession) and 0 forced
      out (exit) from the event's year on.
    * ``rules``: the institutions' lifetimes and the scenario's constraints on accession
      (:class:`InstitutionRules`); None for a model built by hand (no constraints).
    * ``follow_record``: when True, every actor's UN voting alignment is set to its observation
      in each year up to ``observed_until`` where the data have one (the run follows the
      record and projects from the last observed year); False (the default) lets the model
      run free from its first year, as calibration and back-tests need.
    """

    name: str
    scenario_hash: str
    years: np.ndarray
    observed_until: int
    actors: list[str]
    roles: list[str]
    institutions: list[str]
    inst_pole: np.ndarray
    inst_excl: np.ndarray
    obs: dict[str, np.ndarray]
    static: dict[str, np.ndarray]
    member_hist: np.ndarray
    frozen: np.ndarray
    patronage: np.ndarray
    levers: dict[str, np.ndarray]
    drivers_past: dict[str, np.ndarray]
    drivers_future: dict[str, FutureSpec]
    params: dict[str, ParamSpec]
    enabled: dict[str, bool]
    implementation: dict[str, str]
    applied: dict[str, Any] = field(default_factory=dict)
    param_schedule: dict[str, np.ndarray] = field(default_factory=dict)
    event_arrays: dict[str, np.ndarray] = field(default_factory=dict)
    forced_membership: np.ndarray = field(
        default_factory=lambda: np.zeros((0, 0, 0), dtype=np.int8))
    rules: InstitutionRules | None = None
    conflict_pairs: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    follow_record: bool = False

    @property
    def n_years(self) -> int:
        """Number of simulated years."""
        return int(self.years.size)

    @property
    def neighbours(self) -> np.ndarray:
        """Boolean mask of the actors whose alignment the model simulates.

        The neighbourhood's ``neighbour`` actors, or the world's ``member_state`` actors; the
        core and outside (great) powers keep their observed alignment.
        """
        return np.array([r in SIMULATED_ROLES for r in self.roles])

    def index(self, actor: str) -> int:
        """Column of ``actor``."""
        return self.actors.index(actor)

    def uncertain(self) -> list[ParamSpec]:
        """The parameters drawn per member, sorted by path."""
        return [p for _, p in sorted(self.params.items()) if p.dist is not None]

    def nominal(self, path: str) -> float:
        """Nominal value of parameter ``path``."""
        return self.params[path].nominal


def _series_values(s: Series, actor: str | None, base: Path,
                   until: int | None = None) -> dict[int, float]:
    if s.series is not None:
        return {int(k): float(v) for k, v in s.series.items()}
    assert s.data is not None
    ref = s.data
    if ref.key == "year":
        vals = yearly_column(ref.file, ref.column, base)
    else:
        table = column_by_actor_year(ref.file, ref.column, ref.key, base)
        vals = table.get(actor or "", {})
    if ref.leading_zeros == "missing":
        vals = drop_leading_zeros(vals, until)
    return {y: v * ref.scale for y, v in vals.items()}


def drop_leading_zeros(vals: dict[int, float], until: int | None = None) -> dict[int, float]:
    """``vals`` without the zeros before its first positive value (all kept if none is).

    Only years up to ``until`` are looked at for that first positive value, so what the series
    holds up to ``until`` never depends on later data (a fit with ``--until`` sees nothing after
    it).
    """
    first = next((y for y in sorted(vals) if vals[y] > 0 and (until is None or y <= until)),
                 None)
    if first is None:
        return dict(vals)
    return {y: v for y, v in vals.items() if y >= first or v != 0}


def _fill(values: dict[int, float], years: np.ndarray, until: int | None) -> np.ndarray:
    """Values of a sparse series at ``years``.

    NaN outside the data or after ``until``; interior gaps are filled by linear
    interpolation, and years before the first point take the first value.
    """
    out = np.full(years.size, np.nan)
    if not values:
        return out
    ks = np.array(sorted(values))
    vs = np.array([values[k] for k in ks])
    last = ks[-1] if until is None else min(ks[-1], until)
    inside = years <= last
    out[inside] = np.interp(years[inside], ks, vs)
    return out


def lever_level(path: np.ndarray) -> float:
    """A lever's level: the mean of its path over the years.

    ``path`` is ``(T,)`` or ``(T, A)``; a lever that is the same towards every target is
    averaged over its years only (as when levers had no targets), a targeted one over all.
    """
    arr = np.asarray(path, dtype=np.float64)
    if arr.ndim == 2 and arr.shape[1] and bool((arr == arr[:, :1]).all()):
        arr = arr[:, 0]
    return float(np.mean(arr))


def scenario_hash(raw: dict[str, Any]) -> str:
    """A short stable hash of the (overlaid) raw scenario."""
    blob = json.dumps(raw, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def compile_model(loaded: LoadedScenario, start: int | None = None,
                  end: int | None = None) -> CompiledModel:
    """Resolve ``loaded`` into a :class:`CompiledModel` for years ``start..end``.

    The state at ``start`` is initialised from observed data for that year (or the nearest
    later observed year), so ``start=2013`` gives a forecast from the 2013 observations.
    """
    sc: Scenario = loaded.scenario
    years = _years(sc, start, end)
    actors = sc.actor_ids()
    params: dict[str, ParamSpec] = {}
    obs, static = _actor_arrays(sc, years, loaded.base_dir, params)
    insts, hist, inst_pole, inst_excl = _institutions(sc, years, params)
    frozen, patronage = _relations(sc, years)
    # a generated actor set may give patronage ties as an attribute instead of relations
    patronage = np.maximum(patronage, static["patronage_tie"])
    static["russian_base"] = _bases_first_year(sc, years)
    levers = _levers(sc, years, params)
    past, future = _drivers(sc, years, loaded.base_dir, params)
    enabled, impl = _mechanisms_and_aims(sc, params)
    event_arrays, forced = _events(sc, years, insts)
    rules = institution_rules(sc, years)

    check_mechanisms(enabled, impl, params, loaded)
    for path, p in declared_params().items():  # the declared defaults of what is not written
        params.setdefault(path, ParamSpec(path, float(p.default)))
    clip_to_bounds(params)
    return CompiledModel(
        name=sc.name, scenario_hash=scenario_hash(loaded.raw), years=years,
        observed_until=sc.time.observed_until, actors=actors,
        roles=[a.role or a.kind for a in sc.actors], institutions=insts, inst_pole=inst_pole,
        inst_excl=inst_excl, obs=obs, static=static, member_hist=hist, frozen=frozen,
        patronage=patronage, levers=levers, drivers_past=past, drivers_future=future,
        params=params, enabled=enabled, implementation=impl, applied=dict(loaded.applied),
        param_schedule=_param_schedule(sc, years), event_arrays=event_arrays,
        forced_membership=forced, rules=rules, conflict_pairs=_conflict_pairs(sc),
    )


# --------------------------------------------------------------------------------- sections

def _years(sc: Scenario, start: int | None, end: int | None) -> np.ndarray:
    """The simulated years ``start..end`` (defaults: the scenario's time span)."""
    start = sc.time.start if start is None else int(start)
    end = sc.time.end if end is None else int(end)
    if end < start:
        raise ScenarioError(f"end year {end} is before start year {start}", field="--end",
                            fix="choose --end after --start")
    if end - start > 500:
        raise ScenarioError(f"{end - start + 1} years is too long a run", field="--end",
                            fix="simulate at most 500 years")
    return np.arange(start, end + 1)


def _actor_arrays(sc: Scenario, years: np.ndarray, base: Path,
                  params: dict[str, ParamSpec]) -> tuple[dict[str, np.ndarray],
                                                         dict[str, np.ndarray]]:
    """Observed attribute series ``(T, A)`` and static attributes ``(A,)``.

    Fixed or uncertain attributes become parameters ``actors.<id>.<name>``.
    """
    n_a, n_t, start = len(sc.actors), years.size, int(years[0])
    obs_until = sc.time.observed_until
    obs: dict[str, np.ndarray] = {k: np.full((n_t, n_a), np.nan) for k in OBSERVED_ATTRIBUTES}
    static = {k: np.zeros(n_a) for k in STATIC_ATTRIBUTES}
    static["un_alignment_nominal"][:] = np.nan
    static["un_alignment_ref"] = np.full(n_a, np.nan)
    for j, a in enumerate(sc.actors):
        for name, attr in a.attributes.items():
            if isinstance(attr, Series):
                # a table keyed by ISO3 code is read at the actor's code (ids may be names)
                by_code = attr.data is not None and attr.data.key == "iso3" and a.iso3
                vals = _series_values(attr, a.iso3 if by_code else a.id, base, obs_until)
                obs.setdefault(name, np.full((n_t, n_a), np.nan))
                # observed attributes stop at observed_until (beyond it the model takes over)
                obs[name][:, j] = _fill(vals, years, obs_until)
                obs.setdefault(name + "_first", np.full(n_a, np.nan))
                if name == "un_alignment" and vals:
                    static["un_alignment_ref"][j] = float(np.mean([vals[y]
                                                                   for y in sorted(vals)[:4]]))
                # the starting value: the first from the start year on, never after
                # observed_until (the last one before the start if none)
                known = [y for y in sorted(vals) if y <= obs_until]
                later = [y for y in known if y >= start]
                if later or known:
                    obs[name + "_first"][j] = vals[later[0]] if later else vals[known[-1]]
            else:
                spec = param_spec(f"actors.{a.id}.{name}", attr)
                params[spec.path] = spec
                if name in static:
                    static[name][j] = spec.nominal
                elif name == "democracy":
                    static.setdefault("democracy_nominal", np.full(n_a, np.nan))[j] = spec.nominal
    return obs, static


def _institutions(sc: Scenario, years: np.ndarray, params: dict[str, ParamSpec]
                  ) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Institutions: ids, membership history, poles and the mutual-exclusion matrix.

    The history is ``(T, A, I)`` int8, -1 (not given) after observed_until; institution
    parameters go to ``params``.
    """
    actors = sc.actor_ids()
    obs_until = sc.time.observed_until
    insts = [i.id for i in sc.institutions]
    hist = np.full((years.size, len(actors), len(insts)), -1, dtype=np.int8)
    hist[years <= obs_until] = 0
    for k, inst in enumerate(sc.institutions):
        for m in inst.members:
            if m.status in ("observer", "candidate", "partner", "suspended"):
                continue
            to = m.to if m.to is not None else 10_000
            hist[(years >= m.from_) & (years <= to), actors.index(m.actor), k] = 1
        for pname, pval in inst.params.items():
            if not isinstance(pval, Series):
                spec = param_spec(f"institution.{inst.id}.{pname}", pval)
                params[spec.path] = spec
    # Facts after observed_until (e.g. Armenia joining the EAEU in 2015) document what
    # happened but are not given to the model: from then on memberships are its outcomes.
    hist[years > obs_until] = -1
    inst_pole = np.array([POLES[i.pole] for i in sc.institutions], dtype=np.int8)
    inst_excl = np.zeros((len(insts), len(insts)), dtype=bool)
    for k, inst in enumerate(sc.institutions):
        for other in inst.excludes:
            inst_excl[k, insts.index(other)] = inst_excl[insts.index(other), k] = True
    return insts, hist, inst_pole, inst_excl


def _relations(sc: Scenario, years: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Frozen conflicts ``(T, A)`` and patronage ``(A,)``.

    Conflicts standing at observed_until persist; new ones are model outcomes.
    """
    actors = sc.actor_ids()
    frozen = np.zeros((years.size, len(actors)))
    patronage = np.zeros(len(actors))
    for rel in sc.relations:
        j = actors.index(rel.target)
        y0, y1 = rel.years if rel.years is not None else (years[0], None)
        sel = (years >= y0) & (years <= (y1 if y1 is not None else 10_000))
        if rel.kind in ("frozen_conflict", "conflict"):
            frozen[sel, j] = 1.0
            if rel.source != sc.core:
                frozen[sel, actors.index(rel.source)] = 1.0
        elif rel.kind == "patronage":
            patronage[j] = param_spec("_", rel.value).nominal \
                if not isinstance(rel.value, Series) else 1.0
    after = years > sc.time.observed_until
    if after.any() and (~after).any():
        frozen[after] = frozen[~after][-1]
    elif after.all():
        frozen[:] = 0.0
    return frozen, patronage


def _conflict_pairs(sc: Scenario) -> np.ndarray:
    """``(A, A)``: 1 for the two sides of a frozen conflict between actors other than the core.

    Only conflicts standing in the last observed year count (an honest forecast knows nothing
    later); the matrix is symmetric.
    """
    actors = sc.actor_ids()
    pairs = np.zeros((len(actors), len(actors)))
    until = sc.time.observed_until
    for rel in sc.relations:
        if rel.kind not in ("frozen_conflict", "conflict") or sc.core in (rel.source, rel.target):
            continue
        y0, y1 = rel.years if rel.years is not None else (None, None)
        if (y0 is not None and y0 > until) or (y1 is not None and y1 < until):
            continue
        i, j = actors.index(rel.source), actors.index(rel.target)
        pairs[i, j] = pairs[j, i] = 1.0
    return pairs


def _bases_first_year(sc: Scenario, years: np.ndarray) -> np.ndarray:
    """``(A,)``: 1 where the core actor keeps a military base in the first simulated year."""
    actors = sc.actor_ids()
    out = np.zeros(len(actors))
    for rel in sc.relations:
        if rel.kind != "base":
            continue
        y0, y1 = rel.years if rel.years is not None else (years[0], None)
        if y0 <= years[0] <= (y1 if y1 is not None else 10_000):
            out[actors.index(rel.target)] = 1.0
    return out


def _levers(sc: Scenario, years: np.ndarray,
            params: dict[str, ParamSpec]) -> dict[str, np.ndarray]:
    """Each lever as ``(T, A)``: its default path, then ``from`` steps, then by-target values.

    An uncertain lever level becomes the parameter ``levers.<name>``.
    """
    levers: dict[str, np.ndarray] = {}
    for name, lev in sc.levers.items():
        if isinstance(lev.value, dict):
            pts = {int(k): float(v) for k, v in lev.value.items()}
            ks = sorted(pts)
            path = np.interp(years, ks, [pts[k] for k in ks])
        elif isinstance(lev.value, Param):
            spec = param_spec(f"levers.{name}", lev.value)
            params[spec.path] = spec
            path = np.full(years.size, spec.nominal)
        else:
            path = np.full(years.size, float(lev.value))
        levers[name] = _dated(sc, years, np.repeat(path[:, None], len(sc.actors), axis=1), lev)
    return levers


def _dated(sc: Scenario, years: np.ndarray, arr: np.ndarray, src: Lever | Param) -> np.ndarray:
    """Write ``src``'s dated values into ``arr`` ``(T, A)`` in place and return it.

    First the ``from`` steps (every target), then the ``by_target`` values, so a target's
    own values win over the general ones whatever their years.
    """
    for y0, v in sorted(src.from_.items()):
        arr[years >= y0] = v
    for target, tp in src.by_target.items():
        aid = sc.resolve_actor(target)
        assert aid is not None  # checked by the scenario's semantics
        col = arr[:, sc.actor_ids().index(aid)]
        if not isinstance(tp, TargetPath):
            col[:] = float(tp)
            continue
        if tp.value is not None:
            col[:] = tp.value
        for y0, v in sorted(tp.from_.items()):
            col[years >= y0] = v
    return arr


def _param_schedule(sc: Scenario, years: np.ndarray) -> dict[str, np.ndarray]:
    """Schedules ``(T, A)`` of the parameters that change from a year on or by target.

    Only mechanism parameters and aim weights may; NaN where the member's drawn value applies.
    """
    dated: list[tuple[str, Param]] = [
        (f"{m}.{p}", v) for m, mech in sc.mechanisms.items() for p, v in mech.params.items()
        if isinstance(v, Param) and v.is_dated]
    dated += [(f"aims.{a}", aim.weight) for a, aim in sc.aims.items()
              if isinstance(aim.weight, Param) and aim.weight.is_dated]
    return {path: _dated(sc, years, np.full((years.size, len(sc.actors)), np.nan), p)
            for path, p in dated}


def _drivers(sc: Scenario, years: np.ndarray, base: Path, params: dict[str, ParamSpec]
             ) -> tuple[dict[str, np.ndarray], dict[str, FutureSpec]]:
    """Observed driver paths ``(T,)`` (NaN after their data) and how each continues."""
    past: dict[str, np.ndarray] = {}
    future: dict[str, FutureSpec] = {}
    for name, drv in sc.drivers.items():
        if drv.constant is not None:
            past[name] = np.full(years.size, float(drv.constant))
        else:
            assert drv.past is not None
            past[name] = _fill(_series_values(drv.past, None, base), years, None)
        fp = drv.future
        names: dict[str, str | None] = {}
        for pname in ("level", "drift", "volatility", "reversion"):
            pval = getattr(fp, pname)
            if pval is None or isinstance(pval, Series):
                names[pname] = None
                continue
            spec = param_spec(f"drivers.{name}.{pname}", pval)
            params[spec.path] = spec
            names[pname] = spec.path
        future[name] = FutureSpec(fp.model, names["level"], names["drift"] or "",
                                  names["volatility"] or "", names["reversion"] or "",
                                  fp.floor, fp.cap)
    return past, future


def _mechanisms_and_aims(sc: Scenario, params: dict[str, ParamSpec]
                         ) -> tuple[dict[str, bool], dict[str, str]]:
    """Which mechanisms run and in which implementation.

    Their parameters and the aims' weights go to ``params`` (``<mechanism>.<param>``,
    ``aims.<aim>``).
    """
    enabled: dict[str, bool] = {}
    impl: dict[str, str] = {}
    declared = declared_params()
    for mname, mech in sc.mechanisms.items():
        enabled[mname] = mech.enabled
        impl[mname] = mech.implementation or "default"
        for pname, pval in mech.params.items():
            if not isinstance(pval, Series):
                path = f"{mname}.{pname}"
                spec = param_spec(path, _of_default(pval, declared.get(path)))
                params[spec.path] = spec
    for aname, aim in sc.aims.items():
        if not isinstance(aim.weight, Series):
            path = f"aims.{aname}"
            spec = param_spec(path, _of_default(aim.weight, declared.get(path)))
            params[spec.path] = spec
    return enabled, impl


def _of_default(p: float | Param, declared: DeclaredParam | None) -> float | Param:
    """``p`` with ``relative_to: default`` resolved: its numbers times the declared default.

    An undeclared parameter is left as written (the check of the mechanisms refuses it).
    """
    if not isinstance(p, Param) or p.relative_to is None or declared is None:
        return p
    d = float(declared.default)
    if d == 0.0 and p.dist is not None:
        raise ScenarioError("a range relative to a declared default of 0 is a single point",
                            field="relative_to", fix="write the range in absolute terms")
    new: dict[str, Any] = {"relative_to": None}
    for k in ("value", "mean", "mode"):
        if getattr(p, k) is not None:
            new[k] = getattr(p, k) * d
    if p.sd is not None:
        new["sd"] = p.sd * abs(d)
    if p.low is not None and p.high is not None:  # a negative default turns the ends round
        ends = sorted((p.low * d, p.high * d))
        new["low"], new["high"] = ends[0], ends[1]
    if p.values is not None:
        new["values"] = [v * d for v in p.values]
    if p.bounds is not None:
        b = sorted((p.bounds[0] * d, p.bounds[1] * d))
        new["bounds"] = (b[0], b[1])
    return p.model_copy(update=new)


def _events(sc: Scenario, years: np.ndarray, insts: list[str]
            ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Dated events as indicator arrays (:data:`EVENT_ARRAYS`) and forced memberships.

    Accession forces membership (1) and exit forces non-membership (0) from the event's year
    on; of several events for one actor and institution, the later one wins from its year.
    """
    actors = sc.actor_ids()
    arrays = {k: np.zeros((years.size, len(actors)), dtype=np.float32) for k in EVENT_ARRAYS}
    forced = np.full((years.size, len(actors), len(insts)), -1, dtype=np.int8)
    for ev in sorted(sc.events, key=lambda e: e.year):
        aid = sc.resolve_actor(ev.target)
        assert aid is not None  # checked by the scenario's semantics
        j = actors.index(aid)
        if ev.kind in INSTITUTION_EVENTS:
            assert ev.institution is not None
            forced[years >= ev.year, j, insts.index(ev.institution)] = \
                1 if ev.kind == "accession" else 0
        else:
            arrays[ev.kind][years == ev.year, j] = 1.0
    return arrays, forced
