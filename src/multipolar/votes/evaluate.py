"""How well the vote model predicts recorded votes: leave-one-vote-out scores and baselines.

The recorded votes of the coalition kind (:func:`multipolar.votes.records.russia_votes`) are held
out one at a time. For each, three predictions are scored on every member state's outcome:

* ``model``: the full vote model fitted on the other votes;
* ``model_with_record``: the same plus each state's record on the earlier Russia-related votes
  as inputs (a variant, not the default);
* ``ideal_point``: the same multinomial form with one input, the distance of the state's ideal
  point to Russia's (a one-feature model);
* ``record``: the state's own outcome shares on the *earlier* Russia-related votes, shrunk to the
  pooled shares of those votes (one pseudo-vote); undefined for the first vote.

``forward`` mode fits the models only on votes before the held-out one (a true forecast).
Scores: AUC of yes against the rest, AUC of no ("sides with Russia") against the rest, and the
multiclass Brier score (sum over the four outcomes of the squared error, averaged over states).
Depends on NumPy, pandas, SciPy and the other ``multipolar.votes`` modules.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from multipolar.data.global_tables import WorldData
from multipolar.votes.fitting import RECORD, fit_rows, training_rows
from multipolar.votes.records import CLASSES

METHODS = ("model", "model_with_record", "ideal_point", "record")


def auc(score: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half); NaN if one class is empty."""
    pos = np.asarray(positive, dtype=bool)
    n1, n0 = int(pos.sum()), int((~pos).sum())
    if n1 == 0 or n0 == 0:
        return float("nan")
    r = rankdata(score)
    return float((r[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def brier(p: np.ndarray, y: np.ndarray) -> float:
    """Multiclass Brier score: mean over rows of the summed squared errors."""
    onehot = np.eye(p.shape[1])[np.asarray(y, dtype=int)]
    return float(np.mean(np.sum((p - onehot) ** 2, axis=1)))


def _record(rows: pd.DataFrame, held: int) -> np.ndarray | None:
    date = rows.loc[rows["rcid"] == held, "date"].iloc[0]
    past = rows[rows["date"] < date]
    if past.empty:
        return None
    k = len(CLASSES)
    pooled = np.bincount(past["outcome"], minlength=k) / len(past)
    counts = pd.crosstab(past["iso3"], past["outcome"]).reindex(columns=range(k), fill_value=0)
    target = rows.loc[rows["rcid"] == held, "iso3"]
    c = counts.reindex(target).fillna(0.0).to_numpy(dtype=float)
    return np.asarray((c + pooled[None, :]) / (c.sum(axis=1, keepdims=True) + 1.0))


def predictions(world: WorldData, groups: dict[str, str], *,
                forward: bool = False) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Held-out probabilities ``{method: (n, 4)}`` for every row (NaN where undefined)."""
    x_rec, rows, names_rec = training_rows(world, groups, with_record=True)
    names = [n for n in names_rec if n not in RECORD]
    x = x_rec[:, :len(names)]
    out = {m: np.full((len(rows), len(CLASSES)), np.nan) for m in METHODS}
    j_ip = [names.index("dist_russia")]
    for rcid in rows["rcid"].unique():
        held = (rows["rcid"] == rcid).to_numpy()
        date = rows.loc[held, "date"].iloc[0]
        train = ~held & ((rows["date"] < date).to_numpy() if forward else True)
        if train.sum() == 0:
            continue
        full = fit_rows(x[train], rows[train], names)
        out["model"][held] = full.probs(x[held])
        both = fit_rows(x_rec[train], rows[train], names_rec)
        out["model_with_record"][held] = both.probs(x_rec[held])
        ip = fit_rows(x[train][:, j_ip], rows[train], ["dist_russia"])
        out["ideal_point"][held] = ip.probs(x[held][:, j_ip])
        rec = _record(rows, int(rcid))
        if rec is not None:
            out["record"][held] = rec
    return rows, out


def scores(rows: pd.DataFrame, preds: dict[str, np.ndarray]) -> dict[str, Any]:
    """Pooled scores per method on the votes every method predicts, and per vote."""
    ok = np.all([np.isfinite(p[:, 0]) for p in preds.values()], axis=0)
    y = rows["outcome"].to_numpy()
    res: dict[str, Any] = {"n_votes": int(rows.loc[ok, "rcid"].nunique()),
                           "n_rows": int(ok.sum()), "methods": {}, "per_vote": []}
    for m, p in preds.items():
        res["methods"][m] = {"auc_yes": auc(p[ok, 0], y[ok] == 0),
                             "auc_no": auc(p[ok, 2], y[ok] == 2),
                             "brier": brier(p[ok], y[ok])}
    for _, sub in rows[ok].groupby("rcid", sort=False):
        idx = sub.index.to_numpy()
        entry: dict[str, Any] = {"rcid": int(sub["rcid"].iloc[0]), "date": str(pd.Timestamp(
            sub["date"].iloc[0]).date()), "kind": sub["kind"].iloc[0]}
        for m, p in preds.items():
            entry[m] = {"auc_yes": auc(p[idx, 0], y[idx] == 0),
                        "auc_no": auc(p[idx, 2], y[idx] == 2),
                        "brier": brier(p[idx], y[idx])}
        res["per_vote"].append(entry)
    return res


def evaluate(world: WorldData, groups: dict[str, str], *, until: int = 2019,
             forward: bool = False) -> dict[str, Any]:
    """Leave-one-vote-out (or forward) scores of the model and both baselines."""
    rows, preds = predictions(world.until(until), groups, forward=forward)
    out = scores(rows, preds)
    out["mode"] = "forward" if forward else "leave_one_vote_out"
    out["until"] = until
    return out
