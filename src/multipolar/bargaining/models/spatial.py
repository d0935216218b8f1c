"""Static spatial models: compromise (weighted mean), weighted median voter, Nash solution.

Each predicts in one step, vectorised over issues.

Depends on NumPy and the model contract.
"""

from __future__ import annotations

import numpy as np

from multipolar.bargaining.issues import IssueSet, weighted_mean
from multipolar.bargaining.models.base import BargainingModel, Outcome, register
from multipolar.core.seeding import SeedLike


@register
class Compromise(BargainingModel):
    r"""Compromise model: the capability × salience weighted mean of positions.

    .. math:: \hat x = \frac{\sum_i c_i s_i x_i}{\sum_i c_i s_i}

    Van den Bos (1991) and Achen (2006, "Evaluating political decision-making models", in
    Thomson, Stokman, Achen & König, *The European Union Decides*, CUP) show it is the best
    simple predictor of EU legislative outcomes; on DEU it is the baseline to beat. Where all
    present actors have zero salience the plain mean is used.
    """

    name = "compromise"
    summary = "capability x salience weighted mean of positions"

    def run(self, issues: IssueSet, *, rounds: int | None = None,
            seed: SeedLike = None) -> Outcome:
        """Weighted mean per issue."""
        return self.static(issues, weighted_mean(issues.position, issues.weight, issues.mask))


def weighted_median(position: np.ndarray, weight: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Weighted median over the last axis: the lowest position holding half the weight.

    Positions are sorted per issue; the median is the first position at which the cumulative
    weight reaches half the total (Black 1958's median voter with weighted votes). Where every
    present actor has zero weight, each present actor counts once.
    """
    w = np.where(mask, weight, 0.0)
    w = np.where((w.sum(axis=-1, keepdims=True) > 0), w, mask.astype(float))
    x = np.where(mask, position, np.inf)
    order = np.argsort(x, axis=-1, kind="stable")
    xs = np.take_along_axis(x, order, axis=-1)
    cw = np.cumsum(np.take_along_axis(w, order, axis=-1), axis=-1)
    half = cw[..., -1:] / 2.0
    k = np.argmax(cw >= half * (1 - 1e-12), axis=-1)
    return np.take_along_axis(xs, k[..., None], axis=-1)[..., 0]


@register
class Median(BargainingModel):
    r"""Weighted median voter: the position where capability × salience weight splits in half.

    .. math:: \hat x = \min\{x_k : \sum_{i: x_i \le x_k} c_i s_i \ge \tfrac12 \sum_i c_i s_i\}

    Black (1958), *The Theory of Committees and Elections*; with weights as in Bueno de
    Mesquita (1994) and the DEU comparisons (Thomson et al. 2006). The median is the point no
    weighted majority can beat on a single dimension with single-peaked preferences.
    """

    name = "median"
    summary = "weighted median voter (capability x salience votes)"

    def run(self, issues: IssueSet, *, rounds: int | None = None,
            seed: SeedLike = None) -> Outcome:
        """Weighted median per issue."""
        return self.static(issues, weighted_median(issues.position, issues.weight, issues.mask))


@register
class Nash(BargainingModel):
    r"""Asymmetric Nash bargaining solution over the actors' utilities.

    Actor *i* has utility :math:`u_i(x) = 1 - |x - x_i| / (H - L)` on the scale
    :math:`[L, H]`; the disagreement point *d* is either the reference point (status quo) of the
    issue, or, by default, each actor's worst point on the scale (breakdown is the worst
    outcome). The solution maximises the weighted Nash product

    .. math:: \hat x = \arg\max_x \sum_i c_i s_i \log\bigl(u_i(x) - u_i(d)\bigr)

    over the points where every weighted actor gains (Nash 1950; Harsanyi & Selten 1972 for
    the weights; Achen 2006 and Schneider, Finke & Bailer 2010 for its use on EU decisions).
    With the reference point as disagreement and actors on both sides of it, no point makes all
    gain and the prediction stays at the reference point (gridlock). Solved on a grid of
    ``grid`` points per issue, vectorised over issues, then refined by a golden-section
    search on the bracketing cell (the objective is concave).
    """

    name = "nash"
    summary = "asymmetric Nash bargaining solution (weights capability x salience)"

    def __init__(self, disagreement: str = "worst", grid: int = 401) -> None:
        if disagreement not in ("worst", "reference"):
            raise ValueError("disagreement must be 'worst' or 'reference'")
        self.disagreement = disagreement
        self.grid = grid

    def _objective(self, xs: np.ndarray, iss: IssueSet, dval: np.ndarray) -> np.ndarray:
        span = (iss.high - iss.low)[:, None, None]
        u = 1.0 - np.abs(xs[:, :, None] - iss.position[:, None, :]) / span
        gain = u - dval[:, None, :]
        w = np.where(iss.mask, iss.weight, 0.0)[:, None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(w > 0, w * np.log(np.maximum(gain, 0.0)), 0.0)
        return terms.sum(axis=-1)

    def run(self, issues: IssueSet, *, rounds: int | None = None,
            seed: SeedLike = None) -> Outcome:
        """Nash solution per issue."""
        iss = issues
        lo, hi = iss.low, iss.high
        span = hi - lo
        x = np.where(iss.mask, iss.position, 0.0)
        if self.disagreement == "reference":
            d = np.where(np.isnan(iss.reference), np.nan, iss.reference)
            dval = 1.0 - np.abs(d[:, None] - x) / span[:, None]
            # Without a reference point fall back on the worst point.
            worst = 1.0 - np.maximum(x - lo[:, None], hi[:, None] - x) / span[:, None]
            dval = np.where(np.isnan(dval), worst, dval)
        else:
            dval = 1.0 - np.maximum(x - lo[:, None], hi[:, None] - x) / span[:, None]
        t = np.linspace(0.0, 1.0, self.grid)
        xs = lo[:, None] + span[:, None] * t[None, :]
        obj = self._objective(xs, iss, dval)
        k = np.argmax(obj, axis=1)
        best = xs[np.arange(iss.n_issues), k]
        feasible = np.isfinite(obj[np.arange(iss.n_issues), k])
        step = span / (self.grid - 1)
        a = np.maximum(best - step, lo)
        b = np.minimum(best + step, hi)
        g = (np.sqrt(5) - 1) / 2
        for _ in range(40):
            c1 = b - g * (b - a)
            c2 = a + g * (b - a)
            f = self._objective(np.stack([c1, c2], axis=1), iss, dval)
            left = f[:, 0] >= f[:, 1]
            b = np.where(left, c2, b)
            a = np.where(left, a, c1)
        refined = (a + b) / 2
        fr = self._objective(refined[:, None], iss, dval)[:, 0]
        fb = obj[np.arange(iss.n_issues), k]
        sol = np.where(fr >= fb, refined, best)
        fallback = np.where(np.isnan(iss.reference), weighted_mean(iss.position, iss.weight,
                                                                   iss.mask), iss.reference)
        pred = np.where(feasible, sol, fallback)
        return self.static(iss, pred, disagreement=self.disagreement,
                           no_agreement=np.flatnonzero(~feasible).tolist())
