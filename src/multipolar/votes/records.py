"""The recorded General Assembly votes of the coalition kind: Russia's wars and annexations.

Two families of resolutions in the roll-call data ask states to take a side against Russian
force used on a neighbour: the yearly resolutions on the displaced persons and refugees from
Abkhazia and South Ossetia (Georgia; first recorded vote 2008), and the Ukraine resolutions
from 2014 (territorial integrity of Ukraine; human rights in Crimea; militarisation of Crimea,
the Black Sea and the Sea of Azov). :func:`russia_votes` finds them by description,
:func:`vote_rows` gives one row per member state and vote with the outcome yes / abstain / no /
absent. Depends on pandas and :mod:`multipolar.data.global_tables`.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from multipolar.data.global_tables import WorldData

CLASSES = ("yes", "abstain", "no", "absent")
"""Outcome classes, in the column order of every probability array."""

KINDS = {
    "georgia_idp": (r"displaced persons and refugees from Abkhazia", "GEO"),
    "territorial_integrity": (r"Territorial integrity of Ukraine", "UKR"),
    "crimea_human_rights": (r"human rights in the Autonomous Republic of Crimea", "UKR"),
    "crimea_militarization": (r"militarization of the Autonomous Republic of Crimea", "UKR"),
}
"""Kinds of Russia-related resolution: description pattern and the state defended."""

RESOLUTIONS = {
    "condemnation": "territorial_integrity",
    "humanitarian": "georgia_idp",
    "human_rights": "crimea_human_rights",
    "militarization": "crimea_militarization",
    "suspension": None,
    "reparations": None,
    "nuclear_safety": None,
}
"""Kinds of resolution a forecast may ask for, and the recorded kind each is read as.

``condemnation`` (of the use of force, for the victim's territorial integrity) is the March
2014 text on Ukraine; ``humanitarian`` (the displaced persons and refugees a war leaves) the
yearly Abkhazia and South Ossetia texts; ``human_rights`` (in territory Russia holds) the
Crimea texts; ``militarization`` the Crimea militarisation texts. ``suspension`` (from a UN
body), ``reparations`` and ``nuclear_safety`` have no Russia-related recorded vote: their level
is drawn from the spread of the recorded kinds (see :mod:`multipolar.votes.levels`)."""

DEFAULT_RESOLUTION = {"use_of_force": "condemnation"}
"""The resolution a vote on an event is taken to be unless ``--resolution`` says otherwise."""

EVENT_KIND = {k: str(RESOLUTIONS[v]) for k, v in DEFAULT_RESOLUTION.items()}
"""Which recorded kind an event of the scenario language resembles (its default resolution)."""


def russia_votes(world: WorldData) -> pd.DataFrame:
    """The coalition-kind roll calls in ``world`` (whole resolutions, not amendments).

    Columns: ``rcid``, ``date``, ``year``, ``session``, ``unres``, ``kind``, ``target``.
    """
    rc = world.rollcalls
    text = rc["short"].fillna("") + " " + rc["descr"].fillna("").str.slice(0, 400)
    rows = []
    for kind, (pattern, target) in KINDS.items():
        hit = rc[text.str.contains(pattern, flags=re.IGNORECASE, regex=True)
                 & rc["amend"].fillna(0).eq(0) & rc["para"].fillna(0).eq(0)]
        for r in hit.to_dict("records"):
            rows.append({"rcid": int(r["rcid"]), "date": r["date"], "year": int(r["year"]),
                         "session": int(r["session"]), "unres": r["unres"], "kind": kind,
                         "target": target})
    if "kind" in rc.columns:  # kinds given at import (`multipolar data import --vote-kind`)
        found = {r["rcid"] for r in rows}
        given = rc[rc["kind"].isin(list(KINDS)) & ~rc["rcid"].isin(found)]
        for r in given.to_dict("records"):
            rows.append({"rcid": int(r["rcid"]), "date": r["date"], "year": int(r["year"]),
                         "session": int(r["session"]), "unres": r["unres"], "kind": r["kind"],
                         "target": KINDS[r["kind"]][1]})
    cols = ["rcid", "date", "year", "session", "unres", "kind", "target"]
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["date", "rcid"]).reset_index(drop=True)


def session_members(world: WorldData, session: int) -> set[str]:
    """States that cast at least one recorded vote in a General Assembly session."""
    ids = world.rollcalls.loc[world.rollcalls["session"] == session, "rcid"]
    return set(world.votes.loc[world.votes["rcid"].isin(ids), "iso3"].astype(str))


def vote_rows(world: WorldData, resolutions: pd.DataFrame) -> pd.DataFrame:
    """One row per (resolution, member state) with ``outcome`` in 0..3 (see :data:`CLASSES`).

    The electorate of a vote is every state voting in that session; Russia and the state the
    resolution defends are left out (their votes are not in question).
    """
    code = {1: 0, 2: 1, 3: 2}
    frames = []
    for r in resolutions.to_dict("records"):
        members = session_members(world, int(r["session"])) - {"RUS", str(r["target"])}
        cast = world.votes[world.votes["rcid"] == r["rcid"]]
        got = dict(zip(cast["iso3"].astype(str), cast["vote"].astype(int), strict=True))
        iso = sorted(members)
        outcome = np.array([code.get(got.get(s, 0), 3) for s in iso], dtype=np.int64)
        frames.append(pd.DataFrame({"rcid": r["rcid"], "year": r["year"], "date": r["date"],
                                    "kind": r["kind"], "iso3": iso, "outcome": outcome}))
    if not frames:
        return pd.DataFrame(columns=["rcid", "year", "date", "kind", "iso3", "outcome"])
    return pd.concat(frames, ignore_index=True)
