"""Training rows and the honest fit of the vote model ("calibrate-coalition --until Y").

:func:`fit_until` cuts the world data at year ``Y`` (:meth:`WorldData.until`) *before* anything
else, finds the Russia-related votes recorded up to ``Y``, describes each voting state by its
quantities of the year before the vote, and fits :func:`multipolar.votes.votemodel.fit`.
Nothing dated after ``Y`` can reach the parameters. Depends on NumPy, pandas and the other
``multipolar.votes`` modules.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from multipolar.core.errors import MultipolarError
from multipolar.data.global_tables import WorldData
from multipolar.votes.features import BINARY, CONTINUOUS, Panel, feature_panel
from multipolar.votes.levels import forward_levels, kind_rows, level_spreads, vote_shift
from multipolar.votes.records import KINDS, russia_votes, vote_rows
from multipolar.votes.votemodel import VoteModel, fit

REFERENCE_GROUP = "west"
"""Group without its own indicator (the others are measured against it)."""


RECORD = ("record_yes", "record_no", "record_absent")
"""Optional inputs of the ``with_record`` variant: a state's shares of yes, no and absence on
the earlier Russia-related votes (shrunk to the pooled shares by one pseudo-vote)."""


def is_scaled(name: str) -> bool:
    """Whether a design column is standardised (continuous quantities and record shares)."""
    return name in CONTINUOUS or name in RECORD


def feature_names(groups: dict[str, str], with_record: bool = False
                  ) -> tuple[list[str], list[bool]]:
    """Column names of the design and which of them are standardised."""
    gids = sorted({g for g in groups.values() if g not in (REFERENCE_GROUP, "russia")})
    names = [*CONTINUOUS, *BINARY, *(f"group_{g}" for g in gids),
             *(f"kind_{k}" for k in KINDS), *(RECORD if with_record else ())]
    return names, [is_scaled(n) for n in names]


def record_shares(rows: pd.DataFrame, before: Any, states: list[str]) -> np.ndarray:
    """``(len(states), 3)``: shares of yes / no / absent on the votes in ``rows`` before a date.

    Each state's counts get one pseudo-vote split by the pooled shares of those votes (uniform
    when there is none), so a state without a record gets the pooled shares.
    """
    k = 4
    past = rows[rows["date"] < before]
    pooled = (np.bincount(past["outcome"].astype(int), minlength=k) / len(past)
              if len(past) else np.full(k, 1.0 / k))
    counts = (pd.crosstab(past["iso3"], past["outcome"]).reindex(columns=range(k), fill_value=0)
              if len(past) else pd.DataFrame(0, index=[], columns=range(k)))
    c = counts.reindex(states).fillna(0.0).to_numpy(dtype=float)
    shares = (c + pooled[None, :]) / (c.sum(axis=1, keepdims=True) + 1.0)
    return np.asarray(shares[:, [0, 2, 3]])


def design(panel: Panel, states: list[str], year: int, groups: dict[str, str], kind: str,
           names: list[str], record: np.ndarray | None = None
           ) -> tuple[np.ndarray, pd.DataFrame]:
    """Design rows for ``states`` described as of ``year`` for a vote of ``kind``; and ages.

    ``record`` (from :func:`record_shares`) is needed when ``names`` include the record columns.
    """
    vals, ages = panel.at(year, states)
    cols = []
    for n in names:
        if n in RECORD:
            if record is None:
                raise ValueError("the design needs the states' voting record")
            cols.append(record[:, RECORD.index(n)])
        elif n.startswith("group_"):
            cols.append(np.array([groups.get(s) == n[6:] for s in states], dtype=float))
        elif n.startswith("kind_"):
            cols.append(np.full(len(states), float(n[5:] == kind)))
        else:
            cols.append(vals[n].to_numpy(dtype=float))
    return np.column_stack(cols), ages


def training_rows(world: WorldData, groups: dict[str, str],
                  resolutions: pd.DataFrame | None = None,
                  panel: Panel | None = None, with_record: bool = False
                  ) -> tuple[np.ndarray, pd.DataFrame, list[str]]:
    """``(x, rows, names)``: one design row per state and Russia-related vote in ``world``."""
    res = russia_votes(world) if resolutions is None else resolutions
    rows = vote_rows(world, res)
    panel = feature_panel(world) if panel is None else panel
    names, _ = feature_names(groups, with_record)
    blocks = []
    for _, sub in rows.groupby("rcid", sort=False):
        year = int(sub["year"].iloc[0]) - 1
        states = list(sub["iso3"])
        rec = record_shares(rows, sub["date"].iloc[0], states) if with_record else None
        x, _ = design(panel, states, year, groups, str(sub["kind"].iloc[0]), names, rec)
        blocks.append(x)
    x = np.vstack(blocks) if blocks else np.zeros((0, len(names)))
    return x, rows, names


def fit_rows(x: np.ndarray, rows: pd.DataFrame, names: list[str],
             meta: dict[str, Any] | None = None) -> VoteModel:
    """Fit on given rows (the intercepts unpenalised, everything else ridge-penalised)."""
    return fit(x, rows["outcome"].to_numpy(), names, [is_scaled(n) for n in names], meta=meta)


def fit_until(world: WorldData, until: int, groups: dict[str, str], *,
              with_record: bool = False) -> VoteModel:
    """The vote model fitted on every Russia-related vote recorded up to year ``until``.

    ``with_record`` adds each state's earlier record on such votes as an input (a variant).
    """
    cut = world.until(until)
    x, rows, names = training_rows(cut, groups, with_record=with_record)
    if len(rows) == 0:
        raise MultipolarError(f"no Russia-related General Assembly vote is recorded up to {until}",
                         field="--until", fix="use a year from 2008 (first Abkhazia vote) on")
    votes = rows.drop_duplicates("rcid")
    meta = {"until": until, "votes": [
        {"rcid": int(r["rcid"]), "date": str(pd.Timestamp(r["date"]).date()), "kind": r["kind"]}
        for r in votes.to_dict("records")], "groups": groups, "with_record": with_record}
    model = fit_rows(x, rows, names, meta)
    model.meta["levels"] = forward_levels(level_spreads(model, x, rows),
                                          forward_shifts(x, rows, names),
                                          kinds=sorted(set(rows["kind"])))
    return model


def _vote_meta(rows: pd.DataFrame) -> dict[str, Any]:
    votes = rows.drop_duplicates("rcid")
    return {"votes": [{"rcid": int(r["rcid"]), "kind": r["kind"]}
                      for r in votes.to_dict("records")]}


def forward_shifts(x: np.ndarray, rows: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """How far each vote's level fell from the forecast made before it (forward validation).

    For every vote with an earlier one, the model is fitted on the votes before it only and the
    vote is predicted as ``coalition`` predicts one: with its kind's effect where its kind had
    an earlier vote (``known``), else with the mean kind effect (a new kind). Its ``shift`` is
    the move of every state's scores (one per outcome, yes the reference) that best fits its
    recorded outcomes given that prediction (:func:`multipolar.votes.levels.vote_shift`): the
    error that all of the vote's states share. Only the votes in ``rows`` are read, so the
    shifts of a fit through ``Y`` rest on the votes up to ``Y``.
    """
    out = []
    dates = rows["date"].to_numpy()
    for rcid in rows["rcid"].unique():
        held = (rows["rcid"] == rcid).to_numpy()
        sub = rows[held]
        date = sub["date"].iloc[0]
        train = dates < date
        if not train.any():
            continue
        tr = rows[train].reset_index(drop=True)
        model = fit_rows(x[train], tr, names, _vote_meta(tr))
        kind = str(sub["kind"].iloc[0])
        known = kind in set(tr["kind"])
        xh = x[held].copy()
        centre = np.zeros(3)
        if not known:  # no earlier vote of its kind: no indicator, the mean kind effect
            for j, n in enumerate(names):
                if n.startswith("kind_"):
                    xh[:, j] = 0.0
            _, krows = kind_rows(model)
            centre = model.coef[krows, :].mean(axis=0) if krows else centre
        scores = model.design(xh) @ model.coef + centre[None, :]
        shift = vote_shift(scores, rows.loc[held, "outcome"].to_numpy(dtype=int))
        out.append({"rcid": int(rcid), "date": pd.Timestamp(date), "kind": kind,
                    "known": known, "shift": shift})
    return pd.DataFrame(out, columns=["rcid", "date", "kind", "known", "shift"])
