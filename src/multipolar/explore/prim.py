"""PRIM scenario discovery: which combinations of factors lead to an outcome of interest.

The Patient Rule Induction Method (Friedman & Fisher 1999; as used for scenario discovery by
Bryant & Lempert 2010 and the EMA Workbench) looks for a box - one interval per factor - in
which the cases of interest (``y == 1``) are dense. Steps:

1. Start from the box holding every row.
2. *Peel*: for every factor and each side, try removing the ``alpha`` share of the box's rows
   with the lowest (or highest) values; keep the candidate whose remaining box has the highest
   density (share of cases of interest). Record the box. Repeat until the box holds fewer than
   ``mass_min`` of all rows or no peel raises the density.
3. The recorded boxes form the *peeling trajectory*: coverage (share of all cases of interest
   inside the box) falls as density rises; the user picks the trade-off.
4. *Paste* the chosen box: widen any limit by ``paste_alpha`` of rows while density does not
   fall.
5. For every restricted factor, a quasi-p-value (one-sided binomial test of the box's cases
   against the density of the box without that restriction) says whether the restriction
   matters.

The default choice is the box with the highest coverage among those with density at least
``threshold``; if none reaches it, the box maximising coverage times density.
Depends on NumPy and SciPy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from multipolar.core.errors import MultipolarError


@dataclass
class PrimBox:
    """One box of the trajectory: limits per factor and its statistics."""

    lower: np.ndarray
    upper: np.ndarray
    coverage: float
    density: float
    mass: float
    n: int
    restricted: list[int]
    p_values: dict[int, float] = field(default_factory=dict)

    def to_dict(self, names: list[str], full_lo: np.ndarray,
                full_hi: np.ndarray) -> dict[str, Any]:
        """JSON-able form: restricted factors with their limits and p-values."""
        return {"coverage": self.coverage, "density": self.density, "mass": self.mass,
                "n": self.n,
                "limits": {names[j]: {"low": float(self.lower[j]), "high": float(self.upper[j]),
                                      "full_low": float(full_lo[j]),
                                      "full_high": float(full_hi[j]),
                                      "p_value": self.p_values.get(j)}
                           for j in self.restricted}}


@dataclass
class PrimResult:
    """The peeling trajectory, the chosen box and the data's overall statistics."""

    names: list[str]
    trajectory: list[PrimBox]
    chosen: int
    box: PrimBox
    base_density: float
    n_interest: int
    lo: np.ndarray
    hi: np.ndarray
    threshold: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary (trajectory statistics and the chosen, pasted box)."""
        return {"names": self.names, "threshold": self.threshold,
                "base_density": self.base_density, "cases_of_interest": self.n_interest,
                "trajectory": [{"coverage": b.coverage, "density": b.density, "mass": b.mass,
                                "restricted": len(b.restricted)} for b in self.trajectory],
                "chosen": self.chosen,
                "box": self.box.to_dict(self.names, self.lo, self.hi)}


def _stats(inside: np.ndarray, y: np.ndarray, total: float) -> tuple[float, float, float, int]:
    n_in = int(inside.sum())
    k = float(y[inside].sum())
    dens = k / n_in if n_in else 0.0
    cov = k / total if total else 0.0
    return cov, dens, n_in / y.size, n_in


def _restricted(lo: np.ndarray, hi: np.ndarray, full_lo: np.ndarray,
                full_hi: np.ndarray) -> list[int]:
    return [j for j in range(lo.size) if lo[j] > full_lo[j] or hi[j] < full_hi[j]]


def _in_box(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return np.all((x >= lo) & (x <= hi), axis=1)


def prim(x: np.ndarray, y: np.ndarray, names: list[str] | None = None, alpha: float = 0.05,
         paste_alpha: float = 0.05, mass_min: float = 0.05,
         threshold: float = 0.8) -> PrimResult:
    """Run PRIM on factors ``x`` (rows, d) and a 0/1 target ``y`` (see module docstring)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).ravel()
    if x.ndim != 2 or x.shape[0] != y.size:
        raise ValueError("x must be (rows, factors) with one y per row")
    if not np.all(np.isin(y, (0.0, 1.0))):
        raise MultipolarError("PRIM needs a yes/no target (0 or 1 per row)", field="--target",
                              fix="give a comparison, e.g. --target 'alignment[Belarus][2030] "
                              "< 0.3'")
    total = float(y.sum())
    if total == 0 or total == y.size:
        raise MultipolarError(
            f"the PRIM target is {'never' if total == 0 else 'always'} true in the design",
            field="--target", fix="choose a threshold that some but not all rows meet")
    names = names or [f"x{j}" for j in range(x.shape[1])]
    full_lo, full_hi = x.min(axis=0), x.max(axis=0)
    lo, hi = full_lo.copy(), full_hi.copy()
    inside = np.ones(y.size, dtype=bool)

    def box_of(lo_: np.ndarray, hi_: np.ndarray, ins: np.ndarray) -> PrimBox:
        cov, dens, mass, n_in = _stats(ins, y, total)
        return PrimBox(lo_.copy(), hi_.copy(), cov, dens, mass, n_in,
                       _restricted(lo_, hi_, full_lo, full_hi))

    traj = [box_of(lo, hi, inside)]
    while True:
        n_in = int(inside.sum())
        if n_in / y.size <= mass_min:
            break
        xb, yb = x[inside], y[inside]
        best: tuple[float, int, int, float] | None = None
        for j in range(x.shape[1]):
            col = xb[:, j]
            for side in (0, 1):
                cut = float(np.quantile(col, alpha if side == 0 else 1 - alpha,
                                        method="linear"))
                keep = col > cut if side == 0 else col < cut
                kept = int(keep.sum())
                if kept == col.size or kept == 0 or kept / y.size < mass_min * 0.5:
                    continue
                dens = float(yb[keep].mean())
                if best is None or dens > best[0] + 1e-12:
                    best = (dens, j, side, cut)
        if best is None or best[0] <= traj[-1].density + 1e-12:
            break
        _, j, side, cut = best
        col = x[:, j]
        if side == 0:
            lo[j] = float(np.min(x[inside & (col > cut), j]))
        else:
            hi[j] = float(np.max(x[inside & (col < cut), j]))
        inside = _in_box(x, lo, hi)
        traj.append(box_of(lo, hi, inside))

    ok = [i for i, b in enumerate(traj) if b.density >= threshold]
    if ok:
        chosen = max(ok, key=lambda i: (traj[i].coverage, -i))
    else:
        chosen = int(np.argmax([b.coverage * b.density for b in traj]))
    box = _paste(x, y, traj[chosen], full_lo, full_hi, paste_alpha, total)
    box.p_values = _quasi_p(x, y, box, full_lo, full_hi)
    return PrimResult(list(names), traj, chosen, box, total / y.size, int(total), full_lo,
                      full_hi, threshold)


def _paste(x: np.ndarray, y: np.ndarray, box: PrimBox, full_lo: np.ndarray,
           full_hi: np.ndarray, paste_alpha: float, total: float) -> PrimBox:
    """Widen limits while density does not fall (step 4)."""
    lo, hi = box.lower.copy(), box.upper.copy()
    inside = _in_box(x, lo, hi)
    dens = float(y[inside].mean())
    improved = True
    while improved:
        improved = False
        for j in range(x.shape[1]):
            for side in (0, 1):
                if (side == 0 and lo[j] <= full_lo[j]) or (side == 1 and hi[j] >= full_hi[j]):
                    continue
                # rows that are inside the box on every other factor but outside on this side
                others = np.all(np.delete((x >= lo) & (x <= hi), j, axis=1), axis=1)
                cand = others & ((x[:, j] < lo[j]) if side == 0 else (x[:, j] > hi[j]))
                if not cand.any():
                    continue
                n_add = max(1, round(paste_alpha * inside.sum()))
                vals = np.sort(x[cand, j])
                new = vals[-n_add] if side == 0 else vals[min(n_add, vals.size) - 1]
                nlo, nhi = lo.copy(), hi.copy()
                if side == 0:
                    nlo[j] = max(new, full_lo[j]) if n_add <= vals.size else full_lo[j]
                else:
                    nhi[j] = min(new, full_hi[j]) if n_add <= vals.size else full_hi[j]
                ins = _in_box(x, nlo, nhi)
                d = float(y[ins].mean())
                if d >= dens and ins.sum() > inside.sum():
                    lo, hi, inside, dens, improved = nlo, nhi, ins, d, True
    cov, dens, mass, n_in = _stats(inside, y, total)
    return PrimBox(lo, hi, cov, dens, mass, n_in, _restricted(lo, hi, full_lo, full_hi))


def _quasi_p(x: np.ndarray, y: np.ndarray, box: PrimBox, full_lo: np.ndarray,
             full_hi: np.ndarray) -> dict[int, float]:
    """Step 5: one-sided binomial test per restricted factor."""
    out: dict[int, float] = {}
    inside = _in_box(x, box.lower, box.upper)
    k, n = int(y[inside].sum()), int(inside.sum())
    for j in box.restricted:
        lo, hi = box.lower.copy(), box.upper.copy()
        lo[j], hi[j] = full_lo[j], full_hi[j]
        wider = _in_box(x, lo, hi)
        p0 = float(y[wider].mean())
        if n == 0 or p0 >= 1.0:
            out[j] = 1.0
            continue
        out[j] = float(stats.binomtest(k, n, p0, alternative="greater").pvalue)
    return out
