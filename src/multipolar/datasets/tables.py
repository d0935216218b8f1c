"""The tables of a data set in memory, written back the way the bundled files are written.

CSV tables are kept as text cell by cell (:class:`CsvTable`), so cells an import does not touch
keep their exact text; the global tables are pandas frames written as Parquet with the dtypes and
settings of ``scripts/build_global_data.py``. :func:`cut` empties the importable series after a
year (the round-trip test imports them again). Depends on pandas and pyarrow.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from multipolar.datasets.store import BUNDLED, DataSet

CY_FLOAT32_EXCEPT = ("gdp", "pop")
UNGA_VOTE_COLS = ("agree_russia", "agree_us", "agree_china")
"""country_year columns derived from the roll calls (with ``n_votes``)."""
IDEAL_COLS = ("idealpoint", "rel_pos_ru0_us1")
"""country_year columns derived from the ideal points."""
PANEL_VOTE_COLS = ("unga_n_votes", "unga_agree_ru")
PANEL_IDEAL_COLS = ("idealpointfp", "dist_to_russia", "dist_to_us", "rel_pos_ru0_us1")
VDEM_PANEL_COLS = ("v2x_polyarchy", "v2x_libdem", "v2x_regime")
VDEM_CY_COLS = ("v2x_polyarchy",)


@dataclass
class CsvTable:
    """A CSV file as text: header, rows of cells, and its line ending."""

    cols: list[str]
    rows: list[dict[str, str]]
    newline: str = "\r\n"

    @classmethod
    def read(cls, path: Path) -> CsvTable:
        """Read a CSV keeping every cell's text and the line ending."""
        raw = path.read_bytes().decode("utf-8")
        first = raw.split("\n", 1)[0]
        reader = csv.DictReader(io.StringIO(raw, newline=""))
        rows = [dict(r) for r in reader]
        return cls(list(reader.fieldnames or []), rows, "\r\n" if first.endswith("\r") else "\n")

    def write(self, path: Path) -> None:
        """Write the table back (quoting as the csv module does, the original line ending)."""
        buf = io.StringIO(newline="")
        w = csv.writer(buf, lineterminator=self.newline)
        w.writerow(self.cols)
        for r in self.rows:
            w.writerow([r.get(c, "") for c in self.cols])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(buf.getvalue().encode("utf-8"))

    def years(self) -> list[int]:
        """The ``year`` of every row."""
        return [int(float(r["year"])) for r in self.rows if r.get("year", "").strip()]


@dataclass
class Tables:
    """Every table of a data set (see :data:`multipolar.datasets.store.FILES`)."""

    panel: CsvTable
    ideal: CsvTable
    agree: CsvTable
    brent: CsvTable
    igo: CsvTable
    countries: pd.DataFrame
    cy: pd.DataFrame
    rollcalls: pd.DataFrame
    votes: pd.DataFrame
    events: list[dict[str, Any]] = field(default_factory=list)
    changed: set[str] = field(default_factory=set)

    def write(self, out: Path) -> None:
        """Write the changed tables under ``out`` (the others are copied by the caller)."""
        csvs = {"actor_year_panel.csv": self.panel, "unga_idealpoints.csv": self.ideal,
                "unga_agreement.csv": self.agree, "brent_annual.csv": self.brent,
                "igo_membership.csv": self.igo}
        for rel, tab in csvs.items():
            if rel in self.changed:
                tab.write(out / rel)
        if "global/country_year.parquet" in self.changed:
            _write_parquet(normalise_cy(self.cy), out / "global/country_year.parquet")
        if "global/unga_rollcalls.parquet" in self.changed:
            _write_parquet(normalise_rollcalls(self.rollcalls),
                           out / "global/unga_rollcalls.parquet")
        if "global/unga_votes.parquet" in self.changed:
            _write_parquet(normalise_votes(self.votes), out / "global/unga_votes.parquet")
        if "events.yaml" in self.changed:
            (out / "events.yaml").write_text(
                yaml.safe_dump({"events": self.events}, sort_keys=False, allow_unicode=True),
                encoding="utf-8")


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(df, preserve_index=False)
    pq.write_table(table, path, compression="zstd", compression_level=19, use_dictionary=True)


def normalise_cy(cy: pd.DataFrame) -> pd.DataFrame:
    """country_year sorted by state and year, with the bundled dtypes."""
    cy = cy.sort_values(["iso3", "year"], kind="stable").reset_index(drop=True)
    for c in cy.columns:
        if c in ("iso3", "fh_status"):
            continue
        if c in ("year", "ccode"):
            cy[c] = cy[c].astype("int16")
        elif c in ("n_votes", "in_unga_data"):
            cy[c] = cy[c].fillna(0).astype("int64")
        elif c in CY_FLOAT32_EXCEPT:
            cy[c] = cy[c].astype("float64")
        else:
            cy[c] = cy[c].astype("float32")
    return cy


def normalise_rollcalls(rc: pd.DataFrame) -> pd.DataFrame:
    """Roll calls sorted by id, with the bundled dtypes (no helper ``year`` column)."""
    rc = rc.drop(columns=[c for c in ("year",) if c in rc.columns])
    rc = rc.sort_values("rcid", kind="stable").reset_index(drop=True)
    rc["rcid"] = rc["rcid"].astype("int32")
    rc["session"] = rc["session"].astype("int16")
    rc["date"] = rc["date"].astype(str)
    for c in ("importantvote", "amend", "para", "me", "nu", "di", "hr", "co", "ec"):
        rc[c] = rc[c].astype("float32")
    return rc


def normalise_votes(v: pd.DataFrame) -> pd.DataFrame:
    """Votes sorted by roll call and state, codes int8, states categorical."""
    v = v[["rcid", "iso3", "vote"]].copy()
    v["rcid"] = v["rcid"].astype("int32")
    v["iso3"] = v["iso3"].astype(str).astype("category")
    v["vote"] = v["vote"].astype("int8")
    return v.sort_values(["rcid", "iso3"], kind="stable").reset_index(drop=True)


def load(ds: DataSet) -> Tables:
    """Every table of data set ``ds`` (copies; the caller may change them)."""
    ev_path = ds.file("events.yaml")
    events: list[dict[str, Any]] = []
    if ev_path.is_file():
        events = list((yaml.safe_load(ev_path.read_text(encoding="utf-8")) or {})
                      .get("events", []))
    rc = pd.read_parquet(ds.file("global/unga_rollcalls.parquet"))
    votes = pd.read_parquet(ds.file("global/unga_votes.parquet"))
    votes["iso3"] = votes["iso3"].astype(str)
    return Tables(
        panel=CsvTable.read(ds.file("actor_year_panel.csv")),
        ideal=CsvTable.read(ds.file("unga_idealpoints.csv")),
        agree=CsvTable.read(ds.file("unga_agreement.csv")),
        brent=CsvTable.read(ds.file("brent_annual.csv")),
        igo=CsvTable.read(ds.file("igo_membership.csv")),
        countries=pd.read_parquet(ds.file("global/countries.parquet")),
        cy=pd.read_parquet(ds.file("global/country_year.parquet")),
        rollcalls=rc, votes=votes, events=events)


def _last(years: list[int] | np.ndarray | pd.Series) -> int | None:
    ys = [int(y) for y in years]
    return max(ys) if ys else None


def last_years(t: Tables) -> dict[str, int | None]:
    """Last year with data of each importable series."""
    rc_years = pd.to_datetime(t.rollcalls["date"]).dt.year
    panel_v = [int(float(r["year"])) for r in t.panel.rows if r.get("v2x_polyarchy", "").strip()]
    return {
        "unga-votes": _last(rc_years[t.rollcalls["rcid"].isin(t.votes["rcid"])]),
        "idealpoints": _last(t.cy.loc[t.cy["idealpoint"].notna(), "year"]),
        "vdem": _last(list(t.cy.loc[t.cy["v2x_polyarchy"].notna(), "year"]) + panel_v),
        "vdem-panel": _last(panel_v),
        "vdem-global": _last(t.cy.loc[t.cy["v2x_polyarchy"].notna(), "year"]),
        "oil": _last([int(r["year"]) for r in t.brent.rows
                      if r.get("brent_usd_per_barrel", "").strip()]),
        "events": _last([int(str(e["date"])[:4]) for e in t.events]),
    }


@lru_cache(maxsize=1)
def _bundled_series() -> tuple[tuple[str, int | None], ...]:
    return tuple(last_years(load(DataSet(BUNDLED, None, {}))).items())


def series_last_years(ds: DataSet | None) -> dict[str, int | None]:
    """Last year of each series of a data set (None: the bundled set)."""
    if ds is None:
        return dict(_bundled_series())
    return last_years(load(ds))


def cut(t: Tables, year: int, series: tuple[str, ...]) -> None:
    """Empty the given series after ``year`` (rows that only they hold are dropped)."""
    if "unga-votes" in series:
        rc_year = pd.to_datetime(t.rollcalls["date"]).dt.year
        keep = t.rollcalls[rc_year <= year]
        t.votes = t.votes[t.votes["rcid"].isin(keep["rcid"])].copy()
        t.rollcalls = keep.copy()
        late = t.cy["year"] > year
        t.cy.loc[late, list(UNGA_VOTE_COLS)] = np.nan
        t.cy.loc[late, "n_votes"] = 0
        t.agree.rows = [r for r in t.agree.rows if int(float(r["year"])) <= year]
        _blank(t.panel, year, PANEL_VOTE_COLS)
        t.changed |= {"global/unga_rollcalls.parquet", "global/unga_votes.parquet",
                      "global/country_year.parquet", "unga_agreement.csv",
                      "actor_year_panel.csv"}
    if "idealpoints" in series:
        t.cy.loc[t.cy["year"] > year, list(IDEAL_COLS)] = np.nan
        t.ideal.rows = [r for r in t.ideal.rows if int(float(r["year"])) <= year]
        _blank(t.panel, year, PANEL_IDEAL_COLS)
        t.changed |= {"global/country_year.parquet", "unga_idealpoints.csv",
                      "actor_year_panel.csv"}
    if "vdem" in series:
        t.cy.loc[t.cy["year"] > year, list(VDEM_CY_COLS)] = np.nan
        _blank(t.panel, year, VDEM_PANEL_COLS)
        t.changed |= {"global/country_year.parquet", "actor_year_panel.csv"}
    if "oil" in series:
        t.brent.rows = [r for r in t.brent.rows if int(r["year"]) <= year]
        t.changed.add("brent_annual.csv")
    if "events" in series:
        t.events = [e for e in t.events if int(str(e["date"])[:4]) <= year]
        t.changed.add("events.yaml")
    if {"unga-votes", "idealpoints"} & set(series):
        update_in_unga(t, year + 1)


def _blank(tab: CsvTable, year: int, cols: tuple[str, ...]) -> None:
    for r in tab.rows:
        if int(float(r["year"])) > year:
            for c in cols:
                r[c] = ""


def update_in_unga(t: Tables, first_year: int) -> None:
    """``in_unga_data`` from ``first_year`` on: 1 with an ideal point or a recorded vote."""
    late = t.cy["year"] >= first_year
    has = t.cy["idealpoint"].notna() | (t.cy["n_votes"].fillna(0) > 0)
    t.cy.loc[late, "in_unga_data"] = has[late].astype("int64")
