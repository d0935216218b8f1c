"""How well a fit identifies each parameter: the objective's profile along it.

A fitted value says little unless the data pin it down. For every fitted parameter the
objective (the fit's mean absolute error, with its common random numbers) is evaluated on a
grid across the parameter's search range, through the fitted value:

* ``fixed`` (the default): the other parameters stay at their fitted values. It costs one
  evaluation per grid point, but it can make a parameter look better identified than it is
  where another parameter could make up for it (a ridge in the objective).
* ``refit``: at every grid point the other parameters are searched again (bounded
  Nelder-Mead from the fit, :data:`REFIT_MAXITER` evaluations): the profile proper, which
  follows such ridges, at ``REFIT_MAXITER`` times the cost.

The profile's rise above the optimum is read against a tolerance: the larger of
:data:`PROFILE_TOLERANCE` of the optimum and the objective's own Monte Carlo noise (its
standard deviation over :data:`NOISE_DRAWS` other ensembles at the fitted values, drawn from
the named stream :data:`NOISE_STREAM`): a rise below it is indistinguishable from drawing the
members again. A parameter whose profile stays within the tolerance over its whole range is
**not identified** (flat: the data say nothing of it, and its fitted value is where the search
happened to stop); one whose values within the tolerance cover at least :data:`WEAK_SHARE` of
its range is **weakly identified**; the others are **identified**, with the values within the
tolerance as their plausible range. Separately, a fitted value within :data:`BOUND_TOLERANCE`
of either end of its range is **decided by the bound**: the search range, not the data, set
it (the data would go further).

Depends on NumPy and SciPy.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from scipy import optimize

from multipolar.core.specs import PROFILE_POINTS

BOUND_TOLERANCE = 1e-3
"""A fitted value within this share of its search range from an end is decided by the bound."""

PROFILE_TOLERANCE = 0.005
"""Relative rise of the objective (0.5% of the optimum) below which a profile counts as flat,
unless the objective's Monte Carlo noise is larger."""

NOISE_DRAWS = 4
"""Other ensembles (seeds) the objective is evaluated with at the fitted values, for its
Monte Carlo noise."""

NOISE_STREAM = 0x1D3E
"""Name (spawn key) of the random stream that draws the seeds of those ensembles."""

WEAK_SHARE = 0.5
"""A parameter whose values within the tolerance cover at least this share of its search
range is weakly identified."""

REFIT_MAXITER = 60
"""Evaluations of the other parameters' search at each grid point of a ``refit`` profile."""

METHODS = ("fixed", "refit")
"""How the other parameters are treated along a profile (module docstring)."""

NOT_IDENTIFIED, WEAK, IDENTIFIED = "not identified", "weakly identified", "identified"


class Objective(Protocol):
    """What a profile needs of a fit's objective.

    The parameters' names and bounds, the objective and its seed
    (:class:`multipolar.calibrate.history.HistoryObjective` has them).
    """

    names: list[str]
    lo: np.ndarray
    hi: np.ndarray
    seed: int

    def mae(self, theta: np.ndarray) -> float:
        """The objective at ``theta``."""
        ...

    def reseeded(self, seed: int) -> Objective:
        """The same objective with another ensemble (seed)."""
        ...


@dataclass
class ParameterProfile:
    """The profile of one parameter and what it says (module docstring)."""

    name: str
    fitted: float
    low: float
    high: float
    grid: list[float]
    objective: list[float]
    rise_low: float
    rise_high: float
    plausible: tuple[float, float] | None
    status: str
    at_bound: str | None
    below_optimum: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """A JSON- and YAML-ready record (values rounded to 6 digits)."""
        return {
            "fitted": _r(self.fitted), "range": [_r(self.low), _r(self.high)],
            "status": self.status, "decided_by_bound": self.at_bound,
            "rise_at_low": _r(self.rise_low), "rise_at_high": _r(self.rise_high),
            "plausible": None if self.plausible is None else [_r(v) for v in self.plausible],
            "below_optimum": _r(self.below_optimum),
            "profile": [[_r(x), _r(y)] for x, y in zip(self.grid, self.objective, strict=True)],
        }


@dataclass
class Identification:
    """Every fitted parameter's profile, with the method and the tolerance used."""

    method: str
    optimum: float
    noise: float
    tolerance: float
    evaluations: int
    relative: float = PROFILE_TOLERANCE
    parameters: dict[str, ParameterProfile] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """A JSON- and YAML-ready record."""
        return {"method": self.method, "optimum": _r(self.optimum), "noise": _r(self.noise),
                "tolerance": _r(self.tolerance), "relative_tolerance": self.relative,
                "evaluations": self.evaluations,
                "parameters": {k: p.to_dict() for k, p in self.parameters.items()}}


def _r(v: float) -> float:
    return round(float(v), 6)


def at_bound(value: float, low: float, high: float) -> str | None:
    """Which end of its search range decided ``value``, if any.

    ``"lower"`` or ``"upper"`` when ``value`` is within :data:`BOUND_TOLERANCE` of that end of
    its search range (the bound decided it), else ``None``.
    """
    tol = BOUND_TOLERANCE * (high - low) if math.isfinite(high - low) else 0.0
    if value <= low + tol:
        return "lower"
    if value >= high - tol:
        return "upper"
    return None


def noise_seeds(seed: int, draws: int = NOISE_DRAWS) -> list[int]:
    """The seeds of the ensembles that measure the objective's noise, keyed by ``seed``."""
    ss = np.random.SeedSequence(seed, spawn_key=(NOISE_STREAM,))
    return [int(s) for s in ss.generate_state(draws, dtype=np.uint32)]


def profile(fit: Objective, best: np.ndarray, *, method: str = "fixed",
            points: int = PROFILE_POINTS, refit_maxiter: int = REFIT_MAXITER,
            progress: Callable[[int], None] | None = None) -> Identification:
    """The profile of every parameter of ``fit`` around its fitted values ``best``.

    ``progress`` is called with the number of evaluations so far.
    """
    if method not in METHODS:
        raise ValueError(f"unknown profile method {method!r}")
    best = np.asarray(best, dtype=np.float64)
    count = [0]

    def f(theta: np.ndarray, objective: Objective = fit) -> float:
        count[0] += 1
        if progress is not None:
            progress(count[0])
        v = objective.mae(theta)
        return v if math.isfinite(v) else 1e6

    optimum = f(best)
    others = [f(best, fit.reseeded(s)) for s in noise_seeds(fit.seed)]
    noise = float(np.std([optimum, *others], ddof=1)) if others else 0.0
    tolerance = max(PROFILE_TOLERANCE * optimum, noise)
    out = Identification(method, optimum, noise, tolerance, 0)
    for i, name in enumerate(fit.names):
        lo, hi = float(fit.lo[i]), float(fit.hi[i])
        near = 1e-9 * (hi - lo)
        grid = sorted({*(x for x in np.linspace(lo, hi, max(points, 2)).tolist()
                         if abs(x - best[i]) > near), float(best[i])})
        values = [optimum if x == best[i] else
                  (_refit(f, fit, best, i, x, refit_maxiter) if method == "refit"
                   else f(_with(best, i, x)))
                  for x in grid]
        out.parameters[name] = _judge(name, float(best[i]), lo, hi, grid, values, optimum,
                                      tolerance)
    out.evaluations = count[0]
    return out


def _with(x: np.ndarray, i: int, v: float) -> np.ndarray:
    y = x.copy()
    y[i] = v
    return y


def _refit(f: Callable[[np.ndarray], float], fit: Objective, best: np.ndarray, i: int,
           v: float, maxiter: int) -> float:
    """The objective with parameter ``i`` at ``v`` and the others searched again."""
    rest = [j for j in range(best.size) if j != i]
    if not rest:
        return f(_with(best, i, v))
    lo, hi = fit.lo[rest], fit.hi[rest]

    def g(z: np.ndarray) -> float:
        theta = best.copy()
        theta[rest] = np.clip(z, lo, hi)
        theta[i] = v
        return f(theta)

    x0 = best[rest]
    simplex = [x0.copy()]
    for k in range(x0.size):  # 15% of each range, inwards at a bound (as the fit's own)
        step = 0.15 * (hi[k] - lo[k])
        y = x0.copy()
        y[k] = y[k] + step if y[k] + step <= hi[k] else y[k] - step
        simplex.append(y)
    start = g(x0)
    res = optimize.minimize(g, x0, method="Nelder-Mead", bounds=list(zip(lo, hi, strict=True)),
                            options={"maxfev": maxiter, "xatol": 1e-3, "fatol": 1e-5,
                                     "initial_simplex": np.array(simplex)})
    return float(min(start, res.fun))


def _judge(name: str, fitted: float, lo: float, hi: float, grid: list[float],
           values: list[float], optimum: float, tolerance: float) -> ParameterProfile:
    """What the profile says of one parameter (module docstring)."""
    rise = [v - optimum for v in values]
    flat = max(rise) <= tolerance
    k = grid.index(fitted)
    j = k
    while j > 0 and rise[j - 1] <= tolerance:
        j -= 1
    a_lo = grid[0] if j == 0 else _cross(grid, rise, j - 1, j, tolerance)
    j = k
    while j < len(grid) - 1 and rise[j + 1] <= tolerance:
        j += 1
    a_hi = grid[-1] if j == len(grid) - 1 else _cross(grid, rise, j + 1, j, tolerance)
    share = (a_hi - a_lo) / (hi - lo) if hi > lo else 1.0
    status = NOT_IDENTIFIED if flat else WEAK if share >= WEAK_SHARE else IDENTIFIED
    return ParameterProfile(
        name, fitted, lo, hi, grid, values, rise[0], rise[-1],
        None if flat else (a_lo, a_hi), status, at_bound(fitted, lo, hi),
        max(0.0, -min(rise)))


def _cross(grid: list[float], rise: list[float], out: int, inside: int,
           tolerance: float) -> float:
    """Where the rise crosses the tolerance between grid points ``inside`` and ``out``."""
    r_in, r_out = rise[inside], rise[out]
    if r_out == r_in:
        return grid[inside]
    t = (tolerance - r_in) / (r_out - r_in)
    return grid[inside] + min(max(t, 0.0), 1.0) * (grid[out] - grid[inside])
