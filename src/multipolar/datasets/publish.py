"""Write a data set's rows back out in the sources' published layouts.

Used to test the importers without later data (write the bundled 2015-2019 rows as the sources
publish them, import them onto a set cut at 2014, compare), and to hand rows to other tools.
Layouts: the UN Digital Library's General Assembly voting CSV (September 2024 data dictionary;
``undl_id`` holds the data's roll-call id), a V-Dem country-year CSV (the columns the model
uses), and an annual Brent CSV (``year,price``). Voeten's ideal points are not written here: the
bundled tables keep them rounded, so the published file itself is the test's input.
Depends on pandas.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from multipolar.datasets.store import DataSet
from multipolar.datasets.tables import load

UNDL_COLUMNS = ["undl_id", "ms_codes", "ms_names", "ms_votes", "resolutions", "title",
                "modality", "draft", "committee_report", "meeting", "agenda_titles", "subjects",
                "date", "yes", "no", "abstentions", "non-voting", "total-voting", "undl_link"]
"""Columns of the UN Digital Library's voting data (September 2024 release)."""
VDEM_COLUMNS = ["country_name", "country_text_id", "year", "v2x_polyarchy", "v2x_libdem",
                "v2x_regime"]


def write_undl(ds: DataSet, path: Path, first: int, last: int) -> int:
    """The roll calls of ``first``-``last`` as a UN Digital Library voting CSV; rows written.

    Each roll call lists every state that voted in its session, the absent ones with an empty
    vote (as the Library does).
    """
    t = load(ds)
    rc = t.rollcalls.assign(year=pd.to_datetime(t.rollcalls["date"]).dt.year)
    rc = rc[(rc["year"] >= first) & (rc["year"] <= last) & rc["rcid"].isin(t.votes["rcid"])]
    names = dict(zip(t.countries["iso3"].astype(str), t.countries["name"].astype(str),
                     strict=True))
    v = t.votes.merge(rc[["rcid", "session"]], on="rcid")
    members = v.groupby("session")["iso3"].agg(lambda s: sorted(set(map(str, s))))
    letter = {1: "Y", 2: "A", 3: "N"}
    n = 0
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(UNDL_COLUMNS)
        for r in rc.sort_values(["date", "rcid"], ascending=[False, True]).to_dict("records"):
            got = v[v["rcid"] == r["rcid"]]
            votes = dict(zip(got["iso3"].astype(str), got["vote"].astype(int), strict=True))
            counts = [sum(1 for x in votes.values() if x == k) for k in (1, 3, 2)]
            mem = members[r["session"]]
            # the roll-call data's `short` holds the Library's title where it has one, `descr`
            # then holds the agenda item; older rows have the title in `descr` only
            title = r["short"] if isinstance(r["short"], str) else (r["descr"] or "")
            for iso in mem:
                w.writerow([r["rcid"], iso, names.get(iso, iso).upper(),
                            letter.get(votes.get(iso, 0), ""), r["unres"] or "", title,
                            "Recorded Vote", "", "", "", "", "", r["date"], *counts,
                            len(mem) - sum(counts), len(mem), ""])
                n += 1
    return n


def write_vdem(ds: DataSet, path: Path, first: int, last: int, table: str = "both") -> int:
    """V-Dem indices of ``first``-``last`` as a country-year CSV; rows written.

    ``table``: where the values come from (``panel``: the 18 actors of
    ``actor_year_panel.csv``; ``global``: ``country_year``; ``both``: the panel's where it has
    them, else the global table's).
    """
    t = load(ds)
    names = dict(zip(t.countries["iso3"].astype(str), t.countries["name"].astype(str),
                     strict=True))
    rows: dict[tuple[str, int], list[str]] = {}
    if table in ("both", "global"):
        cy = t.cy[(t.cy["year"] >= first) & (t.cy["year"] <= last)
                  & t.cy["v2x_polyarchy"].notna()]
        for iso, y, val in zip(cy["iso3"].astype(str), cy["year"].astype(int),
                               cy["v2x_polyarchy"], strict=True):
            rows[iso, y] = [names.get(iso, iso), iso, str(y), str(np.float32(val)), "", ""]
    if table in ("both", "panel"):
        for r in t.panel.rows:
            y = int(float(r["year"]))
            if first <= y <= last and r["v2x_polyarchy"].strip():
                reg = r["v2x_regime"].strip()
                rows[r["iso3c"], y] = [r["country"], r["iso3c"], str(y), r["v2x_polyarchy"],
                                       r["v2x_libdem"], str(int(float(reg))) if reg else ""]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(VDEM_COLUMNS)
        for key in sorted(rows):
            w.writerow(rows[key])
    return len(rows)


def write_oil_annual(ds: DataSet, path: Path, first: int, last: int) -> int:
    """Annual Brent prices of ``first``-``last`` as ``year,price``; rows written."""
    t = load(ds)
    rows = [r for r in t.brent.rows if first <= int(r["year"]) <= last]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["year", "price"])
        for r in rows:
            w.writerow([r["year"], r["brent_usd_per_barrel"]])
    return len(rows)
