"""Score models against observed outcomes: MAE, baselines, and k-fold cross-validation.

Cross-validation splits the issues **by proposal** (DEU's ``prnr``; one issue per fold unit
when absent) into ``k`` folds with a seeded permutation, so issues of one proposal never sit on
both sides. A model with a ``grid`` class attribute is calibrated inside each training fold by
grid search on the mean absolute error; other models have nothing to fit and are scored as
they are. Depends on NumPy and the model registry.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from multipolar.bargaining.issues import IssueSet
from multipolar.bargaining.models import MODELS, BargainingModel, get_model
from multipolar.core.errors import InputError
from multipolar.core.seeding import SeedLike, as_generator

BASELINES = ("compromise", "median")


def scored(issues: IssueSet) -> IssueSet:
    """Keep the issues that have an observed outcome (error if none has)."""
    ok = np.flatnonzero(~np.isnan(issues.observed))
    if ok.size == 0:
        raise InputError("no issue has an observed outcome", file=issues.source, field="out",
                         fix="evaluation needs the 'out' column (DEU) or 'outcome' (YAML)")
    return issues.subset(ok)


def mae(predicted: np.ndarray, observed: np.ndarray) -> float:
    """Mean absolute error over issues where both are known."""
    ok = ~np.isnan(predicted) & ~np.isnan(observed)
    return float(np.mean(np.abs(predicted[ok] - observed[ok])))


def evaluate(issues: IssueSet, model: str, *, seed: SeedLike = 0,
             rounds: int | None = None) -> dict[str, Any]:
    """Per-issue predictions and MAE of ``model``, with the compromise and median baselines."""
    iss = scored(issues)
    pred = get_model(model).run(iss, rounds=rounds, seed=seed).predicted
    return {
        "model": model,
        "issues": iss.n_issues,
        "mae": mae(pred, iss.observed),
        "baselines": {b: mae(get_model(b).predict(iss), iss.observed) for b in BASELINES},
        "predictions": [{"issue": i, "predicted": float(p), "observed": float(o)}
                        for i, p, o in zip(iss.issue_ids, pred, iss.observed, strict=True)],
    }


def folds(issues: IssueSet, k: int, seed: SeedLike) -> list[np.ndarray]:
    """Test-issue indices of ``k`` folds grouped by proposal, from a seeded permutation."""
    groups = np.array(issues.meta.get("prnr") or issues.issue_ids)
    units = np.unique(groups)
    if k < 2 or k > len(units):
        raise InputError(f"cannot make {k} folds from {len(units)} proposals", field="k",
                         fix=f"use 2 <= k <= {len(units)}")
    perm = as_generator(seed).permutation(units)
    return [np.flatnonzero(np.isin(groups, part)) for part in np.array_split(perm, k)]


def _grid_models(cls: type[BargainingModel]) -> list[dict[str, Any]]:
    grid: dict[str, list[Any]] | None = getattr(cls, "grid", None)
    if not grid:
        return [{}]
    keys = list(grid)
    return [dict(zip(keys, vals, strict=True)) for vals in itertools.product(*grid.values())]


def cross_validate(issues: IssueSet, models: list[str] | None = None, *, k: int = 10,
                   seed: SeedLike = 0, repeats: int = 1) -> dict[str, Any]:
    """Cross-validated MAE of each model (mean over ``repeats`` seeded fold splits).

    Returns ``{"k", "repeats", "issues", "models": {name: {"cv_mae", "in_sample_mae",
    "params"}}}``; ``params`` are those chosen on all issues (for reporting only).
    """
    iss = scored(issues)
    names = models or list(MODELS)
    y = iss.observed
    seeds = as_generator(seed).integers(0, 2**32, size=repeats)
    out: dict[str, Any] = {"k": k, "repeats": repeats, "issues": iss.n_issues, "models": {}}
    for name in names:
        cls = MODELS[name]
        cands = _grid_models(cls)
        preds = [cls(**p).run(iss, seed=0).predicted for p in cands]
        errs = np.abs(np.stack(preds) - y[None])                     # (candidates, issues)
        cv = []
        for r in range(repeats):
            fold_err = np.zeros(iss.n_issues)
            for test in folds(iss, k, int(seeds[r])):
                train = np.setdiff1d(np.arange(iss.n_issues), test)
                best = int(np.argmin(errs[:, train].mean(axis=1)))
                fold_err[test] = errs[best, test]
            cv.append(float(fold_err.mean()))
        full = int(np.argmin(errs.mean(axis=1)))
        out["models"][name] = {"cv_mae": float(np.mean(cv)),
                               "in_sample_mae": float(errs[full].mean()),
                               "params": cands[full]}
    return out
