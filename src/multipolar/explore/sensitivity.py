"""Sensitivity analysis of design outcomes: Sobol and Morris via SALib, plus feature scores.

* Sobol first-order (``S1``) and total (``ST``) indices with confidence intervals
  (``S1_conf``, ``ST_conf``) from SALib's ``sobol.analyze`` on a Saltelli design
  (Saltelli 2002; Saltelli et al. 2010 estimators, as implemented by SALib).
* Morris screening (``mu``, ``mu_star``, ``sigma``, ``mu_star_conf``) from SALib's
  ``morris.analyze``; elementary effects are on the unit scale of each factor (per unit of
  quantile), so factors with different units are comparable.
* Feature scores from any design: Spearman's rank correlation (signed, monotone effects) and
  the correlation ratio ``eta2`` = Var(E[y | bin of x]) / Var(y) over equal-count bins of ``x``
  (a given-data estimate of the first-order index that also catches non-monotone effects).

Nothing is re-implemented from SALib; results carry the literature's names. Every analysis
also carries ``explain`` (what each measure means, in words: :data:`EXPLAIN`) and ``warnings``
(:func:`sample_warnings`: a sample too small for stable indices, and how to enlarge it).
Depends on NumPy, SciPy and SALib.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from multipolar.core.errors import MultipolarError
from multipolar.explore.design import Design

EXPLAIN: dict[str, str] = {
    "S1": "first-order Sobol index: share of the outcome's variance due to this factor alone "
          "(0 none, 1 all)",
    "ST": "total Sobol index: share of variance in which this factor plays any part, alone or "
          "through interactions (ST - S1 = interactions; ST near 0: the factor can be fixed)",
    "mu*": "Morris mu*: mean absolute change of the outcome when the factor moves across its "
           "range (importance, in outcome units)",
    "sigma": "Morris sigma: spread of those changes (large: non-linear or interacting)",
    "rho": "Spearman rank correlation of factor and outcome, -1..1 (sign: direction of a "
           "monotone effect; near 0: no monotone effect)",
    "eta2": "correlation ratio: share of variance explained by the factor's value bins "
            "(also catches non-monotone effects), 0..1",
    "±": "half-width of the 95% bootstrap interval of the index to its left",
}
"""What each sensitivity measure means (shown with every table and stored in summaries)."""

MIN_SOBOL_BASE = 512
"""Saltelli base samples below which Sobol indices are flagged as unstable."""
MIN_MORRIS_TRAJECTORIES = 10
"""Morris trajectories below which screening measures are flagged as unstable."""
MAX_CONF = 0.1
"""Widest acceptable 95% half-interval of a Sobol index."""


def sample_warnings(design: Design, result: dict[str, Any]) -> list[str]:
    """Warnings when the sample is too small for stable indices (empty when it is fine).

    Sobol: fewer than :data:`MIN_SOBOL_BASE` base samples, or a 95% half-interval wider than
    :data:`MAX_CONF`, or first-order indices summing well above 1 (estimation noise).
    Morris: fewer than :data:`MIN_MORRIS_TRAJECTORIES` trajectories. Correlations: below about
    ``2 / sqrt(n)`` they cannot be told from noise.
    """
    out: list[str] = []
    d = max(len(design.factors), 1)
    if "sobol" in result:
        so = result["sobol"]
        step = (2 * d + 2) if design.options.get("second_order", True) else (d + 2)
        base = design.rows // step
        if base < MIN_SOBOL_BASE:
            out.append(f"only {base} Sobol base samples ({design.rows:,} rows): indices are not "
                       f"stable below about {MIN_SOBOL_BASE}; raise -n to at least "
                       f"{MIN_SOBOL_BASE}")
        widest = max(so["S1_conf"] + so["ST_conf"], default=0.0)
        if widest > MAX_CONF:
            out.append(f"95% intervals up to ±{widest:.2f}: indices that differ by less cannot "
                       "be ranked; raise -n (intervals shrink with its square root)")
        if sum(max(v, 0.0) for v in so["S1"]) > 1.1:
            out.append("first-order indices sum above 1, which only estimation noise can do; "
                       "raise -n")
    elif "morris" in result:
        traj = design.rows // (d + 1)
        if traj < MIN_MORRIS_TRAJECTORIES:
            out.append(f"only {traj} Morris trajectories: screening is unstable below about "
                       f"{MIN_MORRIS_TRAJECTORIES}; raise -n")
    n = len(result.get("scores_rows", [])) or design.rows
    noise = 2.0 / float(np.sqrt(max(n - 1, 1)))
    if noise > 0.1:
        out.append(f"with {n:,} independent rows, rank correlations within ±{noise:.2f} of 0 "
                   "cannot be told from noise")
    return out


def _finite_or_fail(y: np.ndarray, what: str) -> np.ndarray:
    y = np.asarray(y, dtype=np.float64)
    if not np.all(np.isfinite(y)):
        bad = int(np.sum(~np.isfinite(y)))

        raise MultipolarError(f"the outcome '{what}' is not finite for {bad:,} rows",
                              field="--outcome",
                              fix="avoid dividing by values that can be zero")
    return y


def sobol_indices(design: Design, y: np.ndarray, seed: int = 0,
                  num_resamples: int = 200, conf_level: float = 0.95) -> dict[str, Any]:
    """Sobol indices of ``y`` on a Saltelli ``design`` (SALib ``sobol.analyze``)."""
    # lazy: keeps start-up fast (loads SALib)
    from SALib.analyze import sobol

    second = bool(design.options.get("second_order", True))
    res = sobol.analyze(design.problem(), np.asarray(y, dtype=np.float64),
                        calc_second_order=second, num_resamples=num_resamples,
                        conf_level=conf_level, seed=seed)
    out: dict[str, Any] = {"names": design.paths}
    for k in ("S1", "S1_conf", "ST", "ST_conf"):
        out[k] = [float(v) for v in res[k]]
    if second:
        out["S2"] = np.nan_to_num(np.asarray(res["S2"]), nan=0.0).tolist()
    return out


def morris_indices(design: Design, y: np.ndarray, seed: int = 0,
                   num_resamples: int = 200, conf_level: float = 0.95) -> dict[str, Any]:
    """Morris screening measures of ``y`` on a Morris ``design`` (SALib ``morris.analyze``)."""
    # lazy: keeps start-up fast (loads SALib)
    from SALib.analyze import morris

    res = morris.analyze(design.problem(), design.unit, np.asarray(y, dtype=np.float64),
                         num_resamples=num_resamples, conf_level=conf_level,
                         num_levels=int(design.options.get("levels", 4)), seed=seed)
    out: dict[str, Any] = {"names": design.paths}
    for k in ("mu", "mu_star", "sigma", "mu_star_conf"):
        out[k] = [float(v) for v in np.asarray(res[k], dtype=np.float64)]
    return out


def correlation_ratio(x: np.ndarray, y: np.ndarray, bins: int = 20) -> float:
    """``Var(E[y | bin(x)]) / Var(y)`` over ``bins`` equal-count bins of ``x`` (0 if y is flat).

    The between-bin variance is corrected for the noise of finite bins (the expected
    between-bin variance of an unrelated ``x``, ``(bins - 1) / (n - bins)`` of the within
    variance, is subtracted), so an unrelated factor scores about 0.
    """
    n = x.size
    vy = float(np.var(y))
    if n < 2 * bins or vy <= 0:
        return 0.0
    order = np.argsort(x, kind="stable")
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = np.arange(n)
    b = ranks * bins // n
    counts = np.bincount(b, minlength=bins).astype(np.float64)
    means = np.bincount(b, weights=y, minlength=bins) / np.maximum(counts, 1)
    between = float(np.sum(counts * (means - y.mean()) ** 2) / n)
    within = vy - between
    between -= within * (bins - 1) / max(n - bins, 1)
    return float(max(0.0, between / vy))


def feature_scores(x: np.ndarray, y: np.ndarray, names: list[str],
                   bins: int = 20) -> dict[str, Any]:
    """Spearman's rho and the correlation ratio of each column of ``x`` with ``y``."""
    y = np.asarray(y, dtype=np.float64)
    rho, eta = [], []
    for j in range(x.shape[1]):
        col = x[:, j]
        if np.ptp(col) == 0 or np.ptp(y) == 0:
            rho.append(0.0)
        else:
            r = stats.spearmanr(col, y).statistic
            rho.append(float(r) if np.isfinite(r) else 0.0)
        eta.append(correlation_ratio(col, y, bins))
    return {"names": list(names), "spearman": rho, "eta2": eta}


def analyse(design: Design, y: np.ndarray, outcome: str = "y", seed: int = 0,
            num_resamples: int = 200) -> dict[str, Any]:
    """All sensitivity measures the design supports, for one outcome column ``y``.

    Steps: (1) check ``y`` is finite; (2) Sobol indices for a Sobol design, Morris measures
    for a Morris design; (3) feature scores for every design (for Sobol, on the A and B
    matrices only, which are independent samples); (4) a ranking by the main measure.
    """
    y = _finite_or_fail(y, outcome)
    out: dict[str, Any] = {"outcome": outcome, "design": design.kind, "rows": design.rows,
                           "mean": float(np.mean(y)), "sd": float(np.std(y))}
    rows = np.arange(design.rows)
    if design.kind == "sobol":
        out["sobol"] = sobol_indices(design, y, seed, num_resamples)
        d = len(design.factors)
        step = (2 * d + 2) if design.options.get("second_order", True) else (d + 2)
        rows = np.concatenate([np.arange(0, design.rows, step),
                               np.arange(step - 1, design.rows, step)])
        key = out["sobol"]["ST"]
    elif design.kind == "morris":
        out["morris"] = morris_indices(design, y, seed, num_resamples)
        key = out["morris"]["mu_star"]
    scores = feature_scores(design.values[rows], y[rows], design.paths)
    out["scores"] = scores
    out["explain"] = dict(EXPLAIN)
    out["warnings"] = sample_warnings(design, {**out, "scores_rows": rows})
    if design.kind not in ("sobol", "morris"):
        key = [abs(r) for r in scores["spearman"]]
    order = np.argsort(-np.asarray(key, dtype=np.float64), kind="stable")
    out["ranking"] = [design.paths[i] for i in order]
    return out
