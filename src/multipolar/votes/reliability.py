"""Are the coalition forecast's probabilities and count ranges calibrated? Judged on past votes.

Each recorded Russia-related vote up to ``until`` is held out in turn (``leave_one_vote_out``:
fit on all the others; ``forward``: fit only on the votes before it, a true forecast). The
held-out vote is forecast as :mod:`multipolar.votes.coalition` does, from its states' observed
inputs of the year before: an ensemble of ``members`` draws of the coefficients and of the
vote's level (a kind with no other vote is pooled), each member drawing every state's vote for
the counts. Three forecasts are scored, and the record baseline:

* ``ensemble``: coefficients and the vote-level term (what ``coalition`` does), its spread
  learned from the forward shifts (:func:`multipolar.votes.fitting.forward_shifts`) of the
  votes that fit may see: forward, the votes before the held-out one; left out, all the others
  (whose own forward fits may include the held-out vote: the left-out check is the looser one);
* ``parameters_only``: coefficients only (no vote-level term; what ``coalition`` did before);
* ``record``: each state's outcome shares on the earlier votes (shrunk by one pseudo-vote to
  the pooled shares), used as its probability; its count range has only the chance in single
  votes.

Scores, pooled over the votes every method predicts (the record needs an earlier vote): the
multiclass Brier score of the mean probabilities, the AUC of "not yes" (ranking), the share of
held-out votes whose yes count (and no count) lies inside the 90% range, the mean width of that
range, and reliability tables (predicted probability in ten bins against the observed share) for
the reliability diagram (:func:`reliability_png`). Depends on NumPy, pandas, matplotlib (the
figure only) and the other ``multipolar.votes`` modules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from multipolar.core import rng
from multipolar.data.global_tables import WorldData
from multipolar.votes.coalition import sampled_counts, vote_probs
from multipolar.votes.evaluate import _record, auc, brier
from multipolar.votes.fitting import RECORD, fit_rows, forward_shifts, training_rows
from multipolar.votes.levels import forward_levels, level_spreads
from multipolar.votes.records import CLASSES

METHODS = ("ensemble", "parameters_only", "record")
BINS = 10
"""Bins of predicted probability in the reliability tables."""


def _held_out(x: np.ndarray, rows: pd.DataFrame, names: list[str], rcid: int, forward: bool,
              members: int, seed: int, shifts: pd.DataFrame) -> dict[str, np.ndarray] | None:
    held = (rows["rcid"] == rcid).to_numpy()
    date = rows.loc[held, "date"].iloc[0]
    kind = str(rows.loc[held, "kind"].iloc[0])
    train = ~held & ((rows["date"] < date).to_numpy() if forward else True)
    if train.sum() == 0:
        return None
    tr = rows[train].reset_index(drop=True)
    votes = tr.drop_duplicates("rcid")
    meta = {"until": int(pd.Timestamp(date).year), "votes": [
        {"rcid": int(r["rcid"]), "kind": r["kind"]} for r in votes.to_dict("records")]}
    model = fit_rows(x[train], tr, names, meta)
    # the spreads from the forward shifts of the votes the fit may see (forward: the earlier
    # ones, each measured against a fit on the votes before it; left out: all the others)
    seen = shifts[shifts["date"] < date] if forward else shifts[shifts["rcid"] != rcid]
    model.meta["levels"] = forward_levels(level_spreads(model, x[train], tr), seen,
                                          kinds=sorted(set(votes["kind"])))
    known = kind in set(votes["kind"])
    xh = x[held].copy()
    if not known:  # no other vote of its kind: no kind indicator, the pooled level
        for j, n in enumerate(names):
            if n.startswith("kind_"):
                xh[:, j] = 0.0
    keys = rng.member_keys(seed, 0, members)
    xs = np.repeat(xh[None, :, :], members, axis=0)
    year = int(pd.Timestamp(date).year)
    out = {"ensemble": vote_probs(model, xs, keys, year, known, kind=kind),
           "parameters_only": vote_probs(model, xs, keys, year, known, vote_level=False,
                                         kind=kind)}
    return out


def holdout(world: WorldData, groups: dict[str, str], *, until: int = 2019,
            forward: bool = False, with_record: bool = True, members: int = 400,
            seed: int = 0) -> tuple[pd.DataFrame, dict[str, np.ndarray],
                                    dict[str, dict[int, np.ndarray]]]:
    """Held-out mean probabilities and sampled counts for every recorded vote up to ``until``.

    Returns ``(rows, probs, counts)``: ``probs[method]`` is ``(rows, 4)`` (NaN where undefined)
    and ``counts[method][rcid]`` is ``(members, 4)``.
    """
    x, rows, names = training_rows(world.until(until), groups, with_record=with_record)
    if not with_record:
        names = [n for n in names if n not in RECORD]
        x = x[:, :len(names)]
    probs = {m: np.full((len(rows), len(CLASSES)), np.nan) for m in METHODS}
    counts: dict[str, dict[int, np.ndarray]] = {m: {} for m in METHODS}
    shifts = forward_shifts(x, rows, names)
    for rcid in rows["rcid"].unique():
        held = (rows["rcid"] == rcid).to_numpy()
        year = int(rows.loc[held, "year"].iloc[0])
        got = _held_out(x, rows, names, int(rcid), forward, members, seed, shifts)
        rec = _record(rows, int(rcid))
        if got is None or rec is None:
            continue
        got["record"] = np.repeat(rec[None, :, :], members, axis=0)
        for m, p in got.items():
            probs[m][held] = p.mean(axis=0)
            counts[m][int(rcid)] = sampled_counts(p, seed, year, members)
    return rows, probs, counts


def _reliability(p: np.ndarray, y: np.ndarray) -> list[dict[str, Any]]:
    """Per outcome and bin: mean predicted probability, observed share and number of rows."""
    out = []
    edges = np.linspace(0.0, 1.0, BINS + 1)
    for k, c in enumerate(CLASSES):
        b = np.clip(np.digitize(p[:, k], edges) - 1, 0, BINS - 1)
        for i in range(BINS):
            sel = b == i
            if sel.any():
                out.append({"outcome": c, "bin": i, "n": int(sel.sum()),
                            "predicted": float(p[sel, k].mean()),
                            "observed": float(np.mean(y[sel] == k))})
    return out


def check(world: WorldData, groups: dict[str, str], *, until: int = 2019,
          forward: bool = False, with_record: bool = True, members: int = 400,
          seed: int = 0) -> dict[str, Any]:
    """Scores of the held-out forecasts (module doc), per method and per vote."""
    rows, probs, counts = holdout(world, groups, until=until, forward=forward,
                                  with_record=with_record, members=members, seed=seed)
    ok = np.all([np.isfinite(p[:, 0]) for p in probs.values()], axis=0)
    y = rows["outcome"].to_numpy()
    res: dict[str, Any] = {"mode": "forward" if forward else "leave_one_vote_out",
                           "until": until, "with_record": with_record, "members": members,
                           "n_votes": int(rows.loc[ok, "rcid"].nunique()),
                           "n_rows": int(ok.sum()), "methods": {}, "per_vote": []}
    votes = [int(r) for r in rows.loc[ok, "rcid"].unique()]
    for m, p in probs.items():
        inside: dict[str, list[bool]] = {"yes": [], "no": []}
        width: dict[str, list[float]] = {"yes": [], "no": []}
        for r in votes:
            sel = (rows["rcid"] == r).to_numpy()
            for c in ("yes", "no"):
                k = CLASSES.index(c)
                lo, hi = np.quantile(counts[m][r][:, k], [0.05, 0.95], method="inverted_cdf")
                actual = int(np.sum(y[sel] == k))
                inside[c].append(bool(lo <= actual <= hi))
                width[c].append(float(hi - lo))
        res["methods"][m] = {
            "brier": brier(p[ok], y[ok]), "auc_not_yes": auc(1.0 - p[ok, 0], y[ok] != 0),
            "auc_no": auc(p[ok, 2], y[ok] == 2),
            "coverage_yes": float(np.mean(inside["yes"])),
            "coverage_no": float(np.mean(inside["no"])),
            "width_yes": float(np.mean(width["yes"])), "width_no": float(np.mean(width["no"])),
            "reliability": _reliability(p[ok], y[ok])}
    for r in votes:
        sel = (rows["rcid"] == r).to_numpy()
        k0 = CLASSES.index("yes")
        entry: dict[str, Any] = {"rcid": r, "date": str(pd.Timestamp(
            rows.loc[sel, "date"].iloc[0]).date()), "kind": str(rows.loc[sel, "kind"].iloc[0]),
            "yes": int(np.sum(y[sel] == k0))}
        for m in METHODS:
            lo, hi = np.quantile(counts[m][r][:, k0], [0.05, 0.95], method="inverted_cdf")
            entry[m] = {"brier": brier(probs[m][sel], y[sel]),
                        "expected_yes": float(probs[m][sel, k0].sum()),
                        "yes_range": [float(lo), float(hi)]}
        res["per_vote"].append(entry)
    return res


def reliability_png(result: dict[str, Any], path: Path) -> Path:
    """The reliability diagram: per outcome, predicted probability against observed share."""
    # lazy: keeps start-up fast (loads matplotlib)
    import matplotlib

    matplotlib.use("Agg")
    # lazy: keeps start-up fast (loads matplotlib)
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(13, 3.6), sharey=True)
    style = {"ensemble": ("C0", "o", "vote model (ensemble)"),
             "parameters_only": ("C2", "^", "vote model, parameters only"),
             "record": ("C3", "s", "record of earlier votes")}
    for ax, c in zip(axes, CLASSES, strict=True):
        ax.plot([0, 1], [0, 1], color="0.6", lw=0.8, ls="--")
        for m, (col, mk, label) in style.items():
            pts = [r for r in result["methods"][m]["reliability"] if r["outcome"] == c]
            ax.plot([r["predicted"] for r in pts], [r["observed"] for r in pts], marker=mk,
                    color=col, lw=1, ms=4, label=label)
        ax.set_title(c)
        ax.set_xlabel("predicted probability")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
    axes[0].set_ylabel("observed share")
    axes[0].legend(fontsize=7, loc="upper left")
    mode = result["mode"].replace("_", " ")
    fig.suptitle(f"Reliability of the coalition vote model on {result['n_votes']} past votes "
                 f"({mode}, through {result['until']}, {result['n_rows']} state votes)",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=150)
    plt.close(fig)
    return path
