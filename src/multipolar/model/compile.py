"""Compile a validated scenario into plain arrays the vectorised engine can run.

:func:`compile_model` resolves data references, membership histories, relations, levers and
drivers into NumPy arrays indexed by ``(year, actor[, institution])`` and collects every
parameter (fixed or uncertain) under a dotted path. The result, :class:`CompiledModel`, holds
no pydantic objects, so it pickles small and fast for worker processes and Dask.
Depends on NumPy, the scenario schema and :mod:`multipolar.data`.
"""

from __future__ import annotations

import hashlib
import json
import math
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.special import ndtri

from multipolar.data import column_by_actor_year, yearly_column
from multipolar.errors import ScenarioError
from multipolar.scenario.schema import Param, Scenario, Series

if TYPE_CHECKING:
    from multipolar.scenario.loader import LoadedScenario

POLES = {"russia": 0, "west": 1, "china": 2, "mixed": 3}
OBSERVED_ATTRIBUTES = ("democracy", "un_alignment", "trade_share_russia", "trade_share_china",
                       "population", "gdp", "capability")


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


@dataclass
class CompiledModel:
    """A scenario resolved into arrays: all that :func:`~multipolar.model.engine.simulate` needs."""

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
    bases: np.ndarray
    patronage: np.ndarray
    levers: dict[str, np.ndarray]
    drivers_past: dict[str, np.ndarray]
    drivers_future: dict[str, FutureSpec]
    params: dict[str, ParamSpec]
    enabled: dict[str, bool]
    implementation: dict[str, str]
    applied: dict[str, Any] = field(default_factory=dict)

    @property
    def n_years(self) -> int:
        """Number of simulated years."""
        return int(self.years.size)

    @property
    def neighbours(self) -> np.ndarray:
        """Boolean mask of the actors whose alignment the model simulates."""
        return np.array([r == "neighbour" for r in self.roles])

    def index(self, actor: str) -> int:
        """Column of ``actor``."""
        return self.actors.index(actor)

    def uncertain(self) -> list[ParamSpec]:
        """The parameters drawn per member, sorted by path."""
        return [p for _, p in sorted(self.params.items()) if p.dist is not None]

    def nominal(self, path: str) -> float:
        """Nominal value of parameter ``path``."""
        return self.params[path].nominal


def _series_values(s: Series, actor: str | None, base: Path) -> dict[int, float]:
    if s.series is not None:
        return {int(k): float(v) for k, v in s.series.items()}
    assert s.data is not None
    ref = s.data
    if ref.key == "year":
        vals = yearly_column(ref.file, ref.column, base)
    else:
        table = column_by_actor_year(ref.file, ref.column, ref.key, base)
        vals = table.get(actor or "", {})
    return {y: v * ref.scale for y, v in vals.items()}


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
    base = loaded.base_dir
    start = sc.time.start if start is None else int(start)
    end = sc.time.end if end is None else int(end)
    if end < start:
        raise ScenarioError(f"end year {end} is before start year {start}", field="--end",
                            fix="choose --end after --start")
    if end - start > 500:
        raise ScenarioError(f"{end - start + 1} years is too long a run", field="--end",
                            fix="simulate at most 500 years")
    years = np.arange(start, end + 1)
    obs_until = sc.time.observed_until
    actors = sc.actor_ids()
    n_a, n_t = len(actors), years.size
    params: dict[str, ParamSpec] = {}

    obs: dict[str, np.ndarray] = {k: np.full((n_t, n_a), np.nan) for k in OBSERVED_ATTRIBUTES}
    static_names = ("russian_share", "eu_eligibility", "china_proximity", "hydrocarbon_producer",
                    "un_alignment_nominal")
    static = {k: np.zeros(n_a) for k in static_names}
    static["un_alignment_nominal"][:] = np.nan
    static["un_alignment_ref"] = np.full(n_a, np.nan)
    for j, a in enumerate(sc.actors):
        for name, attr in a.attributes.items():
            if isinstance(attr, Series):
                vals = _series_values(attr, a.id, base)
                obs.setdefault(name, np.full((n_t, n_a), np.nan))
                # observed attributes stop at observed_until (beyond it the model takes over)
                obs[name][:, j] = _fill(vals, years, obs_until)
                obs.setdefault(name + "_first", np.full(n_a, np.nan))
                if name == "un_alignment" and vals:
                    static["un_alignment_ref"][j] = float(np.mean([vals[y]
                                                                   for y in sorted(vals)[:4]]))
                if vals:
                    later = [y for y in sorted(vals) if y >= start]
                    obs[name + "_first"][j] = vals[later[0]] if later else vals[max(vals)]
            else:
                spec = param_spec(f"actors.{a.id}.{name}", attr)
                params[spec.path] = spec
                if name in static:
                    static[name][j] = spec.nominal
                elif name == "democracy":
                    static.setdefault("democracy_nominal", np.full(n_a, np.nan))[j] = spec.nominal

    insts = [i.id for i in sc.institutions]
    hist = np.full((n_t, n_a, len(insts)), -1, dtype=np.int8)
    hist[years <= obs_until] = 0
    for k, inst in enumerate(sc.institutions):
        for m in inst.members:
            j = actors.index(m.actor)
            if m.status in ("observer", "candidate", "partner", "suspended"):
                continue
            to = m.to if m.to is not None else 10_000
            sel = (years >= m.from_) & (years <= to)
            # history is known up to observed_until; later known events stay as scenario facts
            hist[sel, j, k] = 1
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

    frozen = np.zeros((n_t, n_a))
    bases = np.zeros((n_t, n_a))
    patronage = np.zeros(n_a)
    for rel in sc.relations:
        j = actors.index(rel.target)
        v = param_spec("_", rel.value).nominal if not isinstance(rel.value, Series) else 1.0
        y0, y1 = rel.years if rel.years is not None else (years[0], None)
        sel = (years >= y0) & (years <= (y1 if y1 is not None else 10_000))
        if rel.kind in ("frozen_conflict", "conflict"):
            frozen[sel, j] = 1.0
            if rel.source != sc.core:
                frozen[sel, actors.index(rel.source)] = 1.0
        elif rel.kind == "base":
            bases[sel, j] = 1.0
        elif rel.kind == "patronage":
            patronage[j] = v

    # conflicts and bases standing at observed_until persist; new ones are model outcomes
    after = years > obs_until
    if after.any() and (~after).any():
        frozen[after] = frozen[~after][-1]
        bases[after] = bases[~after][-1]
    elif after.all():
        frozen[:] = 0.0
        bases[:] = 0.0

    levers: dict[str, np.ndarray] = {}
    for name, lev in sc.levers.items():
        if isinstance(lev.value, dict):
            pts = {int(k): float(v) for k, v in lev.value.items()}
            ks = sorted(pts)
            levers[name] = np.interp(years, ks, [pts[k] for k in ks])
        elif isinstance(lev.value, Param):
            spec = param_spec(f"levers.{name}", lev.value)
            params[spec.path] = spec
            levers[name] = np.full(n_t, spec.nominal)
        else:
            levers[name] = np.full(n_t, float(lev.value))

    past: dict[str, np.ndarray] = {}
    future: dict[str, FutureSpec] = {}
    for name, drv in sc.drivers.items():
        if drv.constant is not None:
            past[name] = np.full(n_t, float(drv.constant))
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

    enabled: dict[str, bool] = {}
    impl: dict[str, str] = {}
    for mname, mech in sc.mechanisms.items():
        enabled[mname] = mech.enabled
        impl[mname] = mech.implementation or "default"
        for pname, pval in mech.params.items():
            if isinstance(pval, Series):
                continue
            spec = param_spec(f"{mname}.{pname}", pval)
            params[spec.path] = spec
    for aname, aim in sc.aims.items():
        if not isinstance(aim.weight, Series):
            spec = param_spec(f"aims.{aname}", aim.weight)
            params[spec.path] = spec

    from multipolar.model.mechanisms import check_mechanisms

    check_mechanisms(enabled, impl, params, loaded)
    return CompiledModel(
        name=sc.name, scenario_hash=scenario_hash(loaded.raw), years=years,
        observed_until=obs_until, actors=actors, roles=[a.role or a.kind for a in sc.actors],
        institutions=insts, inst_pole=inst_pole, inst_excl=inst_excl, obs=obs, static=static,
        member_hist=hist,
        frozen=frozen, bases=bases, patronage=patronage, levers=levers, drivers_past=past,
        drivers_future=future, params=params, enabled=enabled, implementation=impl,
        applied=dict(loaded.applied),
    )


def finite_or(x: float, default: float) -> float:
    """``x`` if finite, else ``default``."""
    return x if math.isfinite(x) else default
