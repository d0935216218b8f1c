"""Convert the world-wide reference tables (CSV) into compact bundled Parquet files.

The output goes to ``src/multipolar/data/global/``.

Usage: ``python scripts/build_global_data.py /work/shared/data/global``. Reproducible: the same
input gives the same files. Depends on pandas and pyarrow.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

OUT = Path(__file__).resolve().parents[1] / "src" / "multipolar" / "data" / "global"


def _write(df: pd.DataFrame, name: str) -> None:
    table = pa.Table.from_pandas(df, preserve_index=False)
    pq.write_table(table, OUT / name, compression="zstd", compression_level=19,
                   use_dictionary=True)
    print(f"{name}: {len(df)} rows, {(OUT / name).stat().st_size / 1e3:.0f} kB")


def main(src: Path) -> None:
    """Read the four CSV tables under ``src`` and write them as Parquet."""
    OUT.mkdir(parents=True, exist_ok=True)
    countries = pd.read_csv(src / "countries.csv", keep_default_na=False, na_values=[""])
    _write(countries, "countries.parquet")
    cy = pd.read_csv(src / "country_year.csv")
    for c in cy.columns:
        if cy[c].dtype == "float64" and c not in ("gdp", "pop"):
            cy[c] = cy[c].astype("float32")
    cy["year"] = cy["year"].astype("int16")
    cy["ccode"] = cy["ccode"].astype("int16")
    _write(cy, "country_year.parquet")
    rc = pd.read_csv(src / "unga_rollcalls.csv")
    rc["rcid"] = rc["rcid"].astype("int32")
    rc["session"] = rc["session"].astype("int16")
    for c in ("importantvote", "amend", "para", "me", "nu", "di", "hr", "co", "ec"):
        rc[c] = rc[c].astype("float32")
    _write(rc, "unga_rollcalls.parquet")
    v = pd.read_csv(src / "unga_votes.csv")
    v["rcid"] = v["rcid"].astype("int32")
    v["iso3"] = v["iso3"].astype("category")
    v["vote"] = v["vote"].map({"yes": 1, "abstain": 2, "no": 3}).astype("int8")
    v = v.sort_values(["rcid", "iso3"], kind="stable")
    _write(v, "unga_votes.parquet")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data/global"))
