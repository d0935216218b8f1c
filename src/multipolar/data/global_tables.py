"""Loaders for the bundled world-wide tables (``multipolar/data/global/``, see SOURCES.md there).

Four Parquet tables converted from the project's reference data (``scripts/build_global_data.py``):
``countries`` (194 states), ``country_year`` (one row per state and year, 1991-2019),
``unga_rollcalls`` and ``unga_votes`` (every recorded General Assembly roll call and vote), plus
the map geometry ``world_map.json.gz`` (Natural Earth 1:50m, public domain).

:class:`WorldData` holds them and :meth:`WorldData.until` cuts everything after a year, so a fit
"through year Y" cannot see later rows. Depends on pandas and pyarrow.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from multipolar.core.errors import InputError
from multipolar.datasets.store import resolve

VOTE_CODES = {1: "yes", 2: "abstain", 3: "no"}
"""Codes of ``unga_votes.vote`` (absences are not recorded)."""


def global_dir() -> Path:
    """The folder of the bundled global data."""
    return Path(str(resources.files("multipolar") / "data" / "global"))


def _path(name: str) -> Path:
    """The active data set's copy of a global table (see :mod:`multipolar.datasets`)."""
    return resolve(f"global/{name}") or global_dir() / name


def _read(name: str) -> pd.DataFrame:
    path = _path(name)
    if not path.is_file():
        raise InputError(f"bundled data file '{name}' is missing", file=str(path),
                         fix="reinstall multipolar, or rebuild with scripts/build_global_data.py")
    return pd.read_parquet(path)


def _cached() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return _cached_at(tuple(str(_path(n)) for n in _TABLES))


_TABLES = ("countries.parquet", "country_year.parquet", "unga_rollcalls.parquet",
           "unga_votes.parquet")


@lru_cache(maxsize=2)
def _cached_at(paths: tuple[str, ...]
               ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    del paths  # the cache key: the active data set's files
    countries = _read("countries.parquet")
    cy = _read("country_year.parquet")
    rc = _read("unga_rollcalls.parquet")
    rc["date"] = pd.to_datetime(rc["date"])
    rc["year"] = rc["date"].dt.year.astype(int)
    votes = _read("unga_votes.parquet")
    votes["iso3"] = votes["iso3"].astype(str)
    return countries, cy, rc, votes


@dataclass(frozen=True)
class WorldData:
    """The global tables; build with :func:`load_world` and cut with :meth:`until`."""

    countries: pd.DataFrame
    country_year: pd.DataFrame
    rollcalls: pd.DataFrame
    votes: pd.DataFrame
    last_year: int

    def until(self, year: int) -> WorldData:
        """A copy holding nothing dated after ``year`` (state-years, roll calls, votes)."""
        cy = self.country_year[self.country_year["year"] <= year]
        rc = self.rollcalls[self.rollcalls["year"] <= year]
        votes = self.votes[self.votes["rcid"].isin(rc["rcid"])]
        return WorldData(self.countries, cy.copy(), rc.copy(), votes.copy(),
                         min(year, self.last_year))

    def name_of(self, iso3: str) -> str:
        """English name of a state (the code itself if unknown)."""
        hit = self.countries.loc[self.countries["iso3"] == iso3, "name"]
        return str(hit.iloc[0]) if len(hit) else iso3


def load_world() -> WorldData:
    """All bundled global tables (copies: callers may modify them)."""
    countries, cy, rc, votes = _cached()
    return WorldData(countries.copy(), cy.copy(), rc.copy(), votes.copy(),
                     int(cy["year"].max()))


def load_map() -> dict[str, list[tuple[bool, list[tuple[float, float]]]]]:
    """Country shapes ``{iso3: [(is_hole, [(lon, lat), ...]), ...]}`` (Natural Earth 1:50m)."""
    return _decode_map(str(global_dir() / "world_map.json.gz"))


@lru_cache(maxsize=1)
def _decode_map(path: str) -> dict[str, list[tuple[bool, list[tuple[float, float]]]]]:
    try:
        raw = json.loads(gzip.decompress(Path(path).read_bytes()))
    except OSError as exc:
        raise InputError(f"cannot read the bundled map ({exc})", file=path,
                         fix="reinstall multipolar or rebuild with scripts/build_world_map.py"
                         ) from None
    out: dict[str, list[tuple[bool, list[tuple[float, float]]]]] = {}
    for code, rings in raw.items():
        for ring in rings:
            x = y = 0
            pts = []
            for i in range(1, len(ring), 2):
                x += ring[i]
                y += ring[i + 1]
                pts.append((x / 100.0, y / 100.0))
            out.setdefault(code, []).append((bool(ring[0]), pts))
    return out
