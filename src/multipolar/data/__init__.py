"""Bundled reference data (see ``SOURCES.md`` beside this file) and loaders for it.

Files are resolved by bare name (``actor_year_panel.csv``) from the package, or as paths.
Depends on NumPy and the standard library only (pandas is used where callers want frames).
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources
from pathlib import Path

from multipolar.core.errors import InputError
from multipolar.datasets.store import resolve

POST_SOVIET = [
    "Belarus", "Ukraine", "Moldova", "Georgia", "Armenia", "Azerbaijan", "Kazakhstan",
    "Kyrgyzstan", "Tajikistan", "Uzbekistan", "Turkmenistan", "Estonia", "Latvia", "Lithuania",
]
"""The fourteen post-Soviet states other than Russia, as spelled in the data."""


def data_path(name: str, base: Path | None = None) -> Path:
    """Path of a data file: the active data set's, the bundled one, or relative to ``base``.

    The active data set (see :mod:`multipolar.datasets`) is asked first; then the package's
    data; then ``name`` relative to ``base`` / the cwd.
    """
    active = resolve(name)
    if active is not None:
        return active
    bundled = Path(str(resources.files("multipolar") / "data" / name))
    if bundled.is_file():
        return bundled
    for cand in ([base / name] if base else []) + [Path(name)]:
        if cand.is_file():
            return cand
    raise InputError(f"data file '{name}' not found", file=name,
                     fix="use a bundled file (actor_year_panel.csv, brent_annual.csv, ...) "
                         "or a path relative to the scenario")


@lru_cache(maxsize=32)
def _read_rows(path: str) -> tuple[list[str], list[dict[str, str]]]:
    if path.endswith(".parquet"):  # the bundled global tables (global/country_year.parquet)
        # lazy: keeps start-up fast (loads pandas)
        import pandas as pd

        frame = pd.read_parquet(path)
        cols = [str(c) for c in frame.columns]
        text = {c: ["" if pd.isna(v) else str(v) for v in frame[c]] for c in frame.columns}
        return cols, [dict(zip(cols, row, strict=True)) for row in zip(*text.values(),
                                                                      strict=True)]
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh, delimiter="\t" if path.endswith(".tsv") else ",")
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def read_table(name: str, base: Path | None = None) -> tuple[list[str], list[dict[str, str]]]:
    """Column names and rows (as strings) of a CSV/TSV (or bundled Parquet) data file."""
    return _read_rows(str(data_path(name, base)))


def column_by_actor_year(name: str, column: str, key: str = "country",
                         base: Path | None = None) -> dict[str, dict[int, float]]:
    """``{actor: {year: value}}`` for one numeric column; blanks are skipped.

    Cached by the resolved file (a generated actor set reads one column once for all its
    actors; another data set is another file): do not modify the result.
    """
    return _column(str(data_path(name, base)), name, column, key)


@lru_cache(maxsize=64)
def _column(path: str, name: str, column: str, key: str) -> dict[str, dict[int, float]]:
    cols, rows = _read_rows(path)
    for need in (column, key, "year"):
        if need not in cols:
            raise InputError(f"column '{need}' not in {name}", file=name,
                             fix=f"available columns: {', '.join(cols)}")
    out: dict[str, dict[int, float]] = {}
    for r in rows:
        v = r[column].strip()
        if v in ("", "NA", "nan"):
            continue
        try:
            out.setdefault(r[key], {})[int(float(r["year"]))] = float(v)
        except ValueError:
            continue
    return out


def yearly_column(name: str, column: str, base: Path | None = None) -> dict[int, float]:
    """``{year: value}`` of a file with one row per year (e.g. ``brent_annual.csv``)."""
    cols, rows = read_table(name, base)
    if column not in cols:
        raise InputError(f"column '{column}' not in {name}", file=name,
                         fix=f"available columns: {', '.join(cols)}")
    return {int(r["year"]): float(r[column]) for r in rows if r[column].strip()}
