"""How much the level of support moves from one vote to the next, learned from past votes.

The vote model gives every state's scores for a resolution of a recorded kind. Two votes of the
same kind still draw different support (the Abkhazia texts had 12 yes votes in 2008 and 79 in
2017): each vote has its own level. And a kind with no past vote (a suspension from a UN body,
reparations) has a level no vote has shown. Both are uncertainties of the *whole Assembly*, not
of single states, so they move every state's scores together and set the width of the count's
range far more than the coefficients do.

* **Vote-level spread** (:func:`vote_offsets`): for each past vote, the shift of all states'
  scores (one per outcome, yes the reference) that makes the fitted model best match that
  vote's outcomes. Only votes of kinds with at least two votes count (a kind with one vote has
  absorbed its whole shift into its kind effect). The kind effect was fitted on the same
  ``n`` votes and absorbed ``1/n`` of each shift, so each shift is scaled by ``sqrt(n/(n-1))``.
  The spread is the root mean square of the shifts.
* **Kind-level spread** (:func:`level_spreads`): the spread of the fitted kind effects around
  their mean, pooled with one pseudo-kind at the ridge prior's variance ``1/RIDGE`` (declared
  before any vote was looked at), so that two or three kinds do not pretend to pin it down:
  ``(sum of squared deviations + 1/RIDGE) / n_kinds`` (the ``n - 1`` degrees of freedom of the
  deviations plus one of the prior). With a single recorded kind it is the prior's spread.

Both are kept as covariances over the three outcomes: a vote's shifts are strongly correlated
(abstention, no and absence move together against yes).

The spreads a forecast draws are learned from forward errors (:func:`forward_levels`): each
vote's shift against a fit on the votes before it. A forecast of a recorded kind adds one draw
of the vote-level shift per ensemble member; a kind with no past vote takes the mean kind effect
plus a draw with the spread of votes whose kind was new when cast. A kind with fewer than
:data:`MIN_KIND_SHIFTS` forward errors of its own draws at least the spread of all kinds'
forward errors (a new kind, at least that or the recorded kinds' spread plus the kinds').
Depends on NumPy, SciPy and :mod:`multipolar.votes.votemodel`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from scipy.special import logsumexp

from multipolar.votes.votemodel import RIDGE, VoteModel

OFFSET_RIDGE = 1e-3
"""Tiny penalty on a vote's shift, so a vote with an empty outcome class has a finite shift."""


def vote_shift(scores: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The shift (3,) of every row's non-reference scores that maximises the likelihood."""
    onehot = np.eye(4)[y]

    def f(d: np.ndarray) -> tuple[float, np.ndarray]:
        full = np.column_stack([np.zeros(len(scores)), scores + d[None, :]])
        lse = logsumexp(full, axis=1, keepdims=True)
        p = np.exp(full - lse)
        nll = float(np.sum(lse[:, 0] - np.sum(full * onehot, axis=1)))
        grad = (p - onehot)[:, 1:].sum(axis=0)
        return nll + 0.5 * OFFSET_RIDGE * float(d @ d), grad + OFFSET_RIDGE * d

    res = minimize(f, np.zeros(3), jac=True, method="L-BFGS-B")
    return np.asarray(res.x)


def vote_offsets(model: VoteModel, x: np.ndarray, rows: pd.DataFrame) -> pd.DataFrame:
    """Per past vote: its kind, the number of votes of that kind and its corrected shift."""
    scores = model.design(x) @ model.coef
    kinds = {int(r): str(k) for r, k in zip(rows["rcid"], rows["kind"], strict=True)}
    n_kind = {k: sum(v == k for v in kinds.values()) for k in set(kinds.values())}
    out = []
    pos = np.arange(len(rows))
    for rcid in kinds:
        idx = pos[(rows["rcid"] == rcid).to_numpy()]
        d = vote_shift(scores[idx], rows["outcome"].to_numpy(dtype=int)[idx])
        n = n_kind[kinds[rcid]]
        corr = np.sqrt(n / (n - 1)) if n > 1 else np.nan
        out.append({"rcid": rcid, "kind": kinds[rcid], "n_kind": n,
                    "shift": d * corr})
    return pd.DataFrame(out)


def kind_rows(model: VoteModel) -> tuple[list[str], list[int]]:
    """The recorded kinds with votes in the fit and their coefficient rows (1 + column)."""
    kinds = sorted({v["kind"] for v in model.meta.get("votes", [])})
    rows = [model.names.index(f"kind_{k}") + 1 for k in kinds if f"kind_{k}" in model.names]
    return [k for k in kinds if f"kind_{k}" in model.names], rows


def level_spreads(model: VoteModel, x: np.ndarray, rows: pd.DataFrame) -> dict[str, Any]:
    """Vote- and kind-level covariances (three outcomes) and what they rest on (module doc).

    The shifts of one vote are strongly correlated across outcomes (a vote that rallies the
    Assembly moves abstention, no and absence together against yes), so the full covariance is
    kept (``vote_cov``, ``kind_cov``); ``vote_sd`` and ``kind_sd`` are their diagonals' roots.
    """
    prior = 1.0 / RIDGE
    offs = vote_offsets(model, x, rows)
    used = offs[offs["n_kind"] > 1]
    if len(used):
        shifts = np.vstack(used["shift"].to_list())
        vote_cov = shifts.T @ shifts / len(shifts)
    else:  # no kind with two votes: the prior's spread
        vote_cov = np.eye(3) * prior
    _, krows = kind_rows(model)
    eff = model.coef[krows, :] if krows else np.zeros((0, 3))
    dev = eff - eff.mean(axis=0) if len(eff) else np.zeros((0, 3))
    kind_cov = (dev.T @ dev + np.eye(3) * prior) / max(len(eff), 1)
    return {"vote_sd": [float(v) for v in np.sqrt(np.diag(vote_cov))],
            "kind_sd": [float(v) for v in np.sqrt(np.diag(kind_cov))],
            "vote_cov": vote_cov.tolist(), "kind_cov": kind_cov.tolist(),
            "votes_used": [int(r) for r in used["rcid"]],
            "kinds": len(eff)}


def shrunk_covariance(shifts: list[np.ndarray]) -> np.ndarray:
    """The shifts' mean outer product, pooled with one pseudo-vote at the prior (``I/RIDGE``).

    ``(sum of d d^T + I/RIDGE) / (n + 1)``: a handful of votes do not pretend to pin the
    spread down, and with none it is the prior's (declared before any vote was looked at).
    """
    total = np.eye(3) / RIDGE
    for d in shifts:
        d = np.asarray(d, dtype=float)
        total = total + np.outer(d, d)
    return np.asarray(total / (len(shifts) + 1))


MIN_KIND_SHIFTS = 3
"""K: the forward shifts of its own kind a forecast needs before its spread may rest on its
type's shifts alone (:func:`forward_levels`). A shift has three components (abstain, no,
absent against yes); fewer than three shifts cannot span them, so their covariance is the
prior's in the directions they miss. Below K, a kind's vote is taken to be at least as uncertain
as the forward shifts of all kinds seen before it. Fixed from that argument, not from coverage."""


def _larger(*covs: np.ndarray) -> np.ndarray:
    """The covariance with the largest total variance (trace); the first among equals."""
    return max(covs, key=lambda c: float(np.trace(c)))


def forward_levels(in_sample: dict[str, Any], shifts: pd.DataFrame,
                   kinds: list[str] | None = None) -> dict[str, Any]:
    """The spreads a forecast draws, learned from forward shifts.

    The shifts are :func:`multipolar.votes.fitting.forward_shifts` (only votes the fit may see:
    up to its ``--until``); the in-sample spreads (``in_sample``, from :func:`level_spreads`)
    are kept for reference. ``kinds`` are the recorded kinds of the fit.

    * ``vote_cov``: the forward shifts of votes whose kind had an earlier vote;
    * ``all_cov``: the forward shifts of every vote, of any kind;
    * ``by_kind``: per recorded kind, the covariance a forecast of that kind draws: ``vote_cov``
      once the kind has :data:`MIN_KIND_SHIFTS` forward shifts of its own (votes of the kind
      after its first), else the larger (by total variance) of ``vote_cov`` and ``all_cov``;
    * ``new_kind_cov``: a kind with no past vote: the forward shifts of votes whose kind was new
      when cast; while there are fewer than :data:`MIN_KIND_SHIFTS` of them, the larger of that,
      ``all_cov`` and ``vote_cov + kind_cov`` (a vote's own error plus its kind's deviation
      from the mean kind, the kinds' spread of :func:`level_spreads`).

    Each is a :func:`shrunk_covariance`. The in-sample shifts (:func:`level_spreads`) understate
    the error of a forecast: each vote was part of the fit it is measured against. Before the
    floor, a vote of a kind without earlier forecast errors drew the ridge prior's spread alone.
    """
    empty = len(shifts) == 0
    known = shifts if empty else shifts[shifts["known"]]
    new = shifts if empty else shifts[~shifts["known"]]
    vote_cov = shrunk_covariance(list(known["shift"]))
    new_own = shrunk_covariance(list(new["shift"]))
    all_cov = shrunk_covariance(list(shifts["shift"]))
    kind_cov = covariance(in_sample, "kind")
    new_cov = (new_own if len(new) >= MIN_KIND_SHIFTS
               else _larger(new_own, all_cov, vote_cov + kind_cov))
    recorded = sorted(set(kinds if kinds is not None else known["kind"]))
    by_kind: dict[str, Any] = {}
    for k in recorded:
        n = int((known["kind"] == k).sum()) if len(known) else 0
        cov = vote_cov if n >= MIN_KIND_SHIFTS else _larger(vote_cov, all_cov)
        by_kind[k] = {"forward_shifts": n, "pooled": n < MIN_KIND_SHIFTS,
                      "cov": cov.tolist(), "sd": [float(v) for v in np.sqrt(np.diag(cov))]}
    return {**in_sample, "method": "forward", "min_kind_shifts": MIN_KIND_SHIFTS,
            "in_sample_vote_sd": in_sample["vote_sd"], "in_sample_vote_cov": in_sample["vote_cov"],
            "vote_cov": vote_cov.tolist(),
            "vote_sd": [float(v) for v in np.sqrt(np.diag(vote_cov))],
            "all_cov": all_cov.tolist(),
            "all_sd": [float(v) for v in np.sqrt(np.diag(all_cov))],
            "by_kind": by_kind,
            "new_kind_own_cov": new_own.tolist(),
            "new_kind_pooled": len(new) < MIN_KIND_SHIFTS,
            "new_kind_cov": new_cov.tolist(),
            "new_kind_sd": [float(v) for v in np.sqrt(np.diag(new_cov))],
            "forward_votes": [int(r) for r in known["rcid"]],
            "forward_new_kind_votes": [int(r) for r in new["rcid"]]}


def kind_covariance(levels: dict[str, Any], kind: str | None) -> np.ndarray:
    """The vote-level covariance a forecast of recorded ``kind`` draws (:func:`forward_levels`).

    A file without per-kind spreads, or a kind it does not list, gets ``vote_cov``.
    """
    entry = levels.get("by_kind", {}).get(kind) if kind is not None else None
    if entry is not None:
        return np.asarray(entry["cov"], dtype=float)
    return covariance(levels, "vote")


def covariance(levels: dict[str, Any], name: str) -> np.ndarray:
    """``vote`` or ``kind`` covariance (3, 3) of stored levels (diagonal from older files)."""
    cov = levels.get(f"{name}_cov")
    if cov is not None:
        return np.asarray(cov, dtype=float)
    return np.diag(np.asarray(levels[f"{name}_sd"], dtype=float) ** 2)


def root(cov: np.ndarray) -> np.ndarray:
    """A matrix ``L`` with ``L @ L.T == cov`` (eigen-decomposition; tolerates a singular one)."""
    vals, vecs = np.linalg.eigh(0.5 * (cov + cov.T))
    return np.asarray(vecs * np.sqrt(np.clip(vals, 0.0, None)))
