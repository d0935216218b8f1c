"""What ``multipolar data`` does: import a file, cut a set, compare two sets.

Each import starts from a base data set (default: the active one), applies one importer to a
copy of its tables and writes a new named version atomically (:func:`store.commit`).
Depends on pandas.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from multipolar.core.errors import InputError
from multipolar.datasets import store
from multipolar.datasets.importers import IMPORTERS
from multipolar.datasets.tables import cut as cut_tables
from multipolar.datasets.tables import last_years, load

SOURCE_NAMES = {
    "unga-votes": "UN Digital Library, General Assembly Voting Data (CSV)",
    "idealpoints": "Erik Voeten, UNGA ideal points (Harvard Dataverse hdl:1902.1/12379)",
    "vdem": "V-Dem country-year data (CC BY-SA 4.0)",
    "oil": "U.S. EIA, Europe Brent spot price (public domain)",
    "events": "dated events (each entry names its source)",
}


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def import_file(kind: str, file: Path, name: str | None = None, base: str | None = None,
                allow_gap: bool = False, kinds: dict[str, str] | None = None,
                note: str = "", tables: str = "both") -> store.DataSet:
    """Import ``file`` of ``kind`` onto ``base`` as the new data set ``name``."""
    if kind not in IMPORTERS:
        raise InputError(f"unknown kind '{kind}'", field="KIND",
                         fix=f"one of: {', '.join(IMPORTERS)}")
    parent = store.get(base or store.active_name())
    tabs = load(parent)
    extra: dict[str, Any] = {"kinds": kinds} if kind == "unga-votes" and kinds else {}
    if kind == "vdem":
        extra["tables"] = tables
    summary = IMPORTERS[kind](tabs, Path(file), allow_gap, **extra)
    digest = store.sha256(Path(file))
    seq = store.next_seq()
    name = name or f"{seq:03d}-{kind}-{summary['years'][1]}"
    series = last_years(tabs)
    entry = (f"## {name} (from {parent.name}, {_now()})\n\n"
             f"Imported `{kind}` from `{Path(file).name}` (SHA-256 {digest}): "
             f"{SOURCE_NAMES[kind]}; years {summary['years'][0]}-{summary['years'][1]}."
             + (f" {note}" if note else ""))

    def build(tmp: Path) -> dict[str, Any]:
        tabs.write(tmp)
        return {"created": _now(), "series": series,
                "import": {"kind": kind, "file": str(Path(file).resolve()), "sha256": digest,
                           "summary": summary, "note": note}}

    return store.commit(name, build, entry, parent)


def cut(until: int, name: str, base: str | None = None,
        series: tuple[str, ...] = store.SERIES) -> store.DataSet:
    """A copy of ``base`` with the importable ``series`` emptied after ``until``."""
    bad = [s for s in series if s not in store.SERIES]
    if bad:
        raise InputError(f"unknown series {', '.join(bad)}", field="--series",
                         fix=f"one of: {', '.join(store.SERIES)}")
    parent = store.get(base or store.active_name())
    tables = load(parent)
    cut_tables(tables, until, series)
    last = last_years(tables)
    entry = (f"## {name} (from {parent.name}, {_now()})\n\n"
             f"Cut: {', '.join(series)} emptied after {until}.")

    def build(tmp: Path) -> dict[str, Any]:
        tables.write(tmp)
        return {"created": _now(), "series": last,
                "import": {"kind": "cut", "until": until, "series": list(series)}}

    return store.commit(name, build, entry, parent)


def diff(a: str, b: str) -> list[dict[str, Any]]:
    """Per file of two data sets: same or not, and for tables rows added / removed / changed."""
    da, db = store.get(a), store.get(b)
    out = []
    for rel in store.FILES:
        pa, pb = da.file(rel), db.file(rel)
        if not pa.is_file() and not pb.is_file():
            continue
        if pa.is_file() and pb.is_file() and store.sha256(pa) == store.sha256(pb):
            out.append({"file": rel, "same": True})
            continue
        row: dict[str, Any] = {"file": rel, "same": False}
        if rel.endswith((".csv", ".parquet")) and pa.is_file() and pb.is_file():
            fa, fb = _frame(pa), _frame(pb)
            key = [c for c in ("rcid", "iso3", "country", "year") if c in fa.columns]
            if key:
                ka = fa.set_index(key)
                kb = fb.set_index(key)
                added = kb.index.difference(ka.index)
                removed = ka.index.difference(kb.index)
                common = ka.index.intersection(kb.index)
                cols = [c for c in ka.columns if c in kb.columns]
                x, y = ka.loc[common, cols], kb.loc[common, cols]
                differs = np.zeros(len(common), dtype=bool)
                for c in cols:
                    xa, ya = x[c].to_numpy(dtype=object), y[c].to_numpy(dtype=object)
                    both_na = pd.isna(x[c]).to_numpy() & pd.isna(y[c]).to_numpy()
                    differs |= (xa != ya) & ~both_na
                changed = int(differs.sum())
                row.update(added=len(added), removed=len(removed), changed=changed,
                           years_added=_years(added, key), years_removed=_years(removed, key))
        out.append(row)
    return out


def _frame(p: Path) -> pd.DataFrame:
    if p.suffix == ".parquet":
        df = pd.read_parquet(p)
        return df.assign(iso3=df["iso3"].astype(str)) if "iso3" in df.columns else df
    return pd.read_csv(p, dtype=str, keep_default_na=False)


def _years(idx: pd.Index, key: list[str]) -> list[int]:
    if "year" not in key or len(idx) == 0:
        return []
    ys = sorted({int(float(v)) for v in idx.get_level_values("year")})
    return [ys[0], ys[-1]]
