"""Factors and experimental designs on the unit hypercube.

A :class:`Factor` is something an exploration varies: an *uncertainty* (a scenario parameter
with a distribution, sampled through its inverse CDF) or a *lever* (a policy intensity, varied
uniformly over a range). A :class:`Design` holds the rows to run: their unit-cube coordinates,
the parameter values they map to, and a *noise group* per row. Rows of one group share the
model's random stream (same shocks), so that Sobol's A/B/AB matrices and Morris trajectories
differ only in the factors, not in luck; LHS and factorial rows each get their own stream.

Designs come from SALib (``sobol``: Saltelli's scheme via SALib's scrambled Sobol sampler;
``morris``: Morris trajectories; ``lhs``: Latin hypercube) or a full factorial grid.
Depends on NumPy, SALib, :mod:`multipolar.model.compile` (``ParamSpec``) and
:mod:`multipolar.core.errors`.
"""

from __future__ import annotations

import difflib
import fnmatch
import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from multipolar.core.errors import MultipolarError, suggest
from multipolar.model.compile import ParamSpec, lever_level

DESIGNS = ("lhs", "sobol", "morris", "factorial")
MAX_ROWS = 5_000_000
_EPS = 1e-9


@dataclass(frozen=True)
class Factor:
    """One varied quantity: its path, kind (``uncertainty`` or ``lever``) and distribution."""

    path: str
    kind: str
    spec: ParamSpec

    @property
    def name(self) -> str:
        """A short label (the path without the ``actors.``/``levers.`` prefix)."""
        return self.path

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Map unit-cube coordinates to values of this factor."""
        return self.spec.ppf(np.clip(u, _EPS, 1.0 - _EPS))

    def describe(self) -> dict[str, Any]:
        """What to record about this factor."""
        s = self.spec
        return {"path": self.path, "kind": self.kind, "dist": s.dist, "a": s.a, "b": s.b,
                "c": s.c, "nominal": s.nominal}


@dataclass
class Design:
    """Rows to evaluate: unit coordinates, parameter values and noise groups."""

    kind: str
    factors: list[Factor]
    unit: np.ndarray
    values: np.ndarray
    groups: np.ndarray
    n: int
    seed: int
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        """Number of rows (ensemble members) in the design."""
        return int(self.unit.shape[0])

    @property
    def paths(self) -> list[str]:
        """Factor paths in column order."""
        return [f.path for f in self.factors]

    def problem(self) -> dict[str, Any]:
        """The SALib problem on the unit hypercube."""
        return {"num_vars": len(self.factors), "names": self.paths,
                "bounds": [[0.0, 1.0]] * len(self.factors)}


def lever_factor(model: Any, name: str, low: float = 0.0, high: float = 1.0) -> Factor:
    """A lever of ``model`` as a factor varied uniformly between ``low`` and ``high``.

    The factor sets the lever's *level* (its mean over the years); a lever given as a year
    path keeps its shape (see :func:`multipolar.model.engine.simulate`).
    """
    path = f"levers.{name}"
    nominal = lever_level(model.levers[name])
    return Factor(path, "lever", ParamSpec(path, nominal, "uniform", float(low), float(high)))


def select_factors(model: Any, which: str = "ALL",
                   lever_range: tuple[float, float] = (0.0, 1.0)) -> list[Factor]:
    """The factors named by ``which`` (the ``--uncertainties`` option).

    ``which`` is a comma-separated list of: ``ALL`` (every uncertain parameter), ``levers``
    (every lever), a full path (``resource_rents.elasticity``), a lever name
    (``russia_assertion`` or ``levers.russia_assertion``), a unique path suffix
    (``elasticity``) or a glob (``actors.*.gas_dependence``). Order follows the list;
    duplicates are dropped.
    """
    uncertain = {p.path: p for p in model.uncertain()}
    levers = list(model.levers)
    chosen: dict[str, Factor] = {}

    def add_lever(name: str) -> None:
        f = lever_factor(model, name, *lever_range)
        chosen.setdefault(f.path, f)

    def add_param(path: str) -> None:
        if path.startswith("levers.") and path[7:] in levers:
            spec = uncertain[path]
            chosen.setdefault(path, Factor(path, "lever", spec))
        else:
            chosen.setdefault(path, Factor(path, "uncertainty", uncertain[path]))

    tokens = [t.strip() for t in (which or "").split(",") if t.strip()]
    if not tokens:
        raise MultipolarError("no uncertainties selected", field="--uncertainties",
                              fix="use ALL, levers, or a comma-separated list of names")
    for tok in tokens:
        if tok.upper() == "ALL":
            for path in uncertain:
                add_param(path)
        elif tok.lower() == "levers":
            for name in levers:
                add_lever(name)
        elif tok in uncertain:
            add_param(tok)
        elif tok in levers or (tok.startswith("levers.") and tok[7:] in levers):
            add_lever(tok.removeprefix("levers."))
        elif any(ch in tok for ch in "*?["):
            hits = [p for p in uncertain if fnmatch.fnmatchcase(p, tok)]
            hits += [f"levers.{n}" for n in levers if fnmatch.fnmatchcase(f"levers.{n}", tok)]
            if not hits:
                raise MultipolarError(f"'{tok}' matches no uncertain parameter or lever",
                                      field="--uncertainties",
                                      fix=suggest(tok, sorted(uncertain)))
            for h in hits:
                add_param(h) if h in uncertain else add_lever(h[7:])
        else:
            hits = [p for p in uncertain if p.endswith("." + tok)]
            if len(hits) == 1:
                add_param(hits[0])
            elif len(hits) > 1:
                shown = ", ".join(hits[:6]) + (" ..." if len(hits) > 6 else "")
                raise MultipolarError(f"'{tok}' is ambiguous: {shown}",
                                      field="--uncertainties",
                                      fix="give the full path, or a glob such as "
                                      f"'*.{tok}' to take them all")
            else:
                fixed = f" ('{tok}' is a fixed parameter: give it a distribution with --set)" \
                    if tok in model.params else ""
                raise MultipolarError(f"unknown uncertainty '{tok}'{fixed}",
                                      field="--uncertainties",
                                      fix=_suggest_factor(tok, sorted(uncertain), levers))
    return list(chosen.values())


def _suggest_factor(tok: str, uncertain: list[str], levers: list[str]) -> str:
    short = {p.rsplit(".", 1)[-1]: p for p in uncertain}
    close = difflib.get_close_matches(tok, [*uncertain, *levers, *short], n=1, cutoff=0.6)
    head = f"did you mean '{close[0]}'? " if close else ""
    return head + suggest(tok, [*uncertain, *levers]).split("known: ", 1)[-1].join(
        ("known: ", ""))


def _groups(kind: str, rows: int, d: int, second_order: bool) -> np.ndarray:
    idx = np.arange(rows, dtype=np.int64)
    if kind == "sobol":
        return idx // ((2 * d + 2) if second_order else (d + 2))
    if kind == "morris":
        return idx // (d + 1)
    return idx


def expected_rows(kind: str, n: int, d: int, second_order: bool = True,
                  levels: int = 4) -> int:
    """Rows a design of ``kind`` with ``n`` base samples and ``d`` factors will have."""
    if kind == "sobol":
        return n * ((2 * d + 2) if second_order else (d + 2))
    if kind == "morris":
        return n * (d + 1)
    if kind == "factorial":
        return int(levels) ** d
    return n


def make_design(kind: str, factors: list[Factor], n: int, seed: int = 0,
                second_order: bool = True, levels: int = 4) -> Design:
    """Build a design of ``kind`` (``lhs``, ``sobol``, ``morris``, ``factorial``).

    ``n`` is the number of rows for ``lhs``, base samples for ``sobol`` (a power of two;
    ``n * (2d + 2)`` rows with second-order indices, ``n * (d + 2)`` without), trajectories
    for ``morris`` (``n * (d + 1)`` rows on a ``levels`` grid); for ``factorial`` ``levels``
    values per factor (cell midpoints of the unit interval) give ``levels ** d`` rows.
    """
    # lazy: keeps start-up fast (loads SALib)
    from SALib.sample import latin

    # lazy: keeps start-up fast (loads SALib)
    from SALib.sample import morris as morris_sample

    # lazy: keeps start-up fast (loads SALib)
    from SALib.sample import sobol as sobol_sample

    if kind not in DESIGNS:
        raise MultipolarError(f"unknown design '{kind}'", field="--design",
                              fix=suggest(kind, DESIGNS))
    if not factors:
        raise MultipolarError("a design needs at least one factor", field="--uncertainties",
                              fix="select uncertainties with --uncertainties ALL")
    d = len(factors)
    if kind == "sobol" and d < 2:
        raise MultipolarError("Sobol indices need at least two factors",
                              field="--uncertainties", fix="select two or more")
    if n < 1 or (kind == "sobol" and n & (n - 1)):
        raise MultipolarError(f"--n {n} is not valid for the {kind} design", field="--n",
                              fix="use a power of two for sobol (e.g. 1024)" if kind == "sobol"
                              else "use a positive whole number")
    if kind == "morris" and levels % 2:
        raise MultipolarError(f"Morris needs an even number of levels, not {levels}",
                              field="--levels", fix="use --levels 4 (or 6, 8)")
    total = expected_rows(kind, n, d, second_order, levels)
    if total > MAX_ROWS:
        raise MultipolarError(f"the {kind} design would have {total:,} rows", field="--n",
                              fix=f"stay below {MAX_ROWS:,} rows: fewer factors, a smaller "
                              "--n or fewer --levels")
    problem = {"num_vars": d, "names": [f.path for f in factors], "bounds": [[0.0, 1.0]] * d}
    if kind == "sobol":
        unit = sobol_sample.sample(problem, n, calc_second_order=second_order, seed=seed)
    elif kind == "morris":
        unit = morris_sample.sample(problem, n, num_levels=levels, seed=seed)
    elif kind == "lhs":
        unit = latin.sample(problem, n, seed=seed)
    else:
        grid = (np.arange(levels) + 0.5) / levels
        unit = np.array(list(itertools.product(grid, repeat=d)), dtype=np.float64)
    unit = np.asarray(unit, dtype=np.float64)
    values = np.column_stack([f.ppf(unit[:, j]) for j, f in enumerate(factors)])
    return Design(kind, list(factors), unit, values, _groups(kind, unit.shape[0], d, second_order),
                  n, seed, {"second_order": second_order, "levels": levels})
