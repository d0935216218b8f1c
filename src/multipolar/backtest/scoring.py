"""Forecast scores: MAE of the median, interval coverage, ensemble CRPS, Brier score.

All functions are pure and vectorised; missing outcomes (NaN) are left out.

* CRPS (continuous ranked probability score) of an ensemble ``x_1..x_m`` for outcome ``y``:
  ``mean|x_i - y| - 0.5 * mean|x_i - x_j|`` (Gneiting & Raftery 2007, eq. 21, the "energy"
  form; the ``1/m^2`` version, which is the exact CRPS of the empirical distribution). For
  one member it equals the absolute error; lower is better.
* Brier score: mean squared difference of a probability and the 0/1 outcome.
* PIT (probability integral transform) and its histogram: calibration at a glance.
* Directional skill: Spearman rank correlation of forecast and observed changes, and
  the count of forecasts whose change has the observed sign.

Depends on NumPy only.
"""

from __future__ import annotations

import numpy as np


def mae(pred: np.ndarray, obs: np.ndarray) -> float:
    """Mean absolute error over finite pairs (NaN if none)."""
    p, o = np.asarray(pred, float), np.asarray(obs, float)
    ok = np.isfinite(p) & np.isfinite(o)
    return float(np.mean(np.abs(p[ok] - o[ok]))) if ok.any() else float("nan")


def crps_ensemble(samples: np.ndarray, obs: np.ndarray) -> np.ndarray:
    """CRPS of ensembles ``samples`` (members on axis 0) for outcomes ``obs`` (the rest).

    Uses the sorted-sample identity ``mean|X - X'| = 2/m^2 * sum_i (2i - m - 1) x_(i)``, so it
    costs ``O(m log m)`` per outcome. NaN where the outcome is NaN.
    """
    x = np.sort(np.asarray(samples, float), axis=0)
    y = np.asarray(obs, float)
    m = x.shape[0]
    term1 = np.mean(np.abs(x - y[None, ...]), axis=0)
    w = (2.0 * np.arange(1, m + 1) - m - 1).reshape((m,) + (1,) * (x.ndim - 1))
    spread = 2.0 * np.sum(w * x, axis=0) / (m * m)
    return np.asarray(term1 - 0.5 * spread)


def coverage(lo: np.ndarray, hi: np.ndarray, obs: np.ndarray) -> float:
    """Share of finite outcomes inside ``[lo, hi]`` (NaN if none)."""
    lo, hi, o = (np.asarray(a, float) for a in (lo, hi, obs))
    ok = np.isfinite(o) & np.isfinite(lo) & np.isfinite(hi)
    return float(np.mean((o[ok] >= lo[ok]) & (o[ok] <= hi[ok]))) if ok.any() else float("nan")


def brier(prob: np.ndarray, outcome: np.ndarray) -> float:
    """Brier score of probabilities ``prob`` for 0/1 outcomes (NaN outcomes skipped)."""
    p, o = np.asarray(prob, float), np.asarray(outcome, float)
    ok = np.isfinite(p) & np.isfinite(o)
    return float(np.mean((p[ok] - o[ok]) ** 2)) if ok.any() else float("nan")


def pit(samples: np.ndarray, obs: np.ndarray) -> np.ndarray:
    """Probability integral transform: the share of members below each outcome.

    Ties count half (the mid-rank), so an outcome equal to every member gets 0.5. A calibrated
    ensemble gives PIT values spread evenly over [0, 1]; a U shape means intervals that are too
    narrow, a hump intervals that are too wide. NaN where the outcome is NaN.
    """
    x = np.asarray(samples, float)
    y = np.asarray(obs, float)[None, ...]
    below = np.mean(x < y, axis=0)
    equal = np.mean(x == y, axis=0)
    out = below + 0.5 * equal
    return np.where(np.isfinite(y[0]), out, np.nan)


def pit_histogram(values: np.ndarray, bins: int = 10) -> list[float]:
    """Share of finite PIT values in each of ``bins`` equal bins of [0, 1] (sums to 1)."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return [float("nan")] * bins
    counts, _ = np.histogram(np.clip(v, 0.0, 1.0), bins=bins, range=(0.0, 1.0))
    return [float(c) / v.size for c in counts]


def _ranks(a: np.ndarray) -> np.ndarray:
    """Ranks 1..n with ties given their mean rank."""
    order = np.argsort(a, kind="mergesort")
    ranks = np.empty(a.size, float)
    ranks[order] = np.arange(1, a.size + 1)
    vals, inv = np.unique(a, return_inverse=True)
    if vals.size < a.size:  # average the ranks of ties
        sums = np.bincount(inv, weights=ranks)
        ranks = (sums / np.bincount(inv))[inv]
    return ranks


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman rank correlation of the finite pairs (NaN with fewer than 3 or no spread)."""
    x, y = np.asarray(a, float).ravel(), np.asarray(b, float).ravel()
    ok = np.isfinite(x) & np.isfinite(y)
    if ok.sum() < 3:
        return float("nan")
    rx, ry = _ranks(x[ok]), _ranks(y[ok])
    sx, sy = rx.std(), ry.std()
    if sx == 0 or sy == 0:
        return float("nan")
    return float(np.mean((rx - rx.mean()) * (ry - ry.mean())) / (sx * sy))


def direction_hits(forecast_change: np.ndarray, observed_change: np.ndarray) -> tuple[int, int]:
    """How many forecast changes have the sign of the observed change, out of how many.

    Pairs where either change is exactly zero or missing are not counted.
    """
    f, o = np.asarray(forecast_change, float), np.asarray(observed_change, float)
    ok = np.isfinite(f) & np.isfinite(o) & (f != 0) & (o != 0)
    return int(np.sum(np.sign(f[ok]) == np.sign(o[ok]))), int(ok.sum())
