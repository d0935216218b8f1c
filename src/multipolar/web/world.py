"""The world part of the dashboard's backend: map outlines, world views, group means.

A *world* run is a run of a scenario whose actors come from ``actor_sets`` (every UN member
state, e.g. ``russia-world``). For such runs the page draws an offline choropleth: the outlines
come once from :func:`map_svg` (``multipolar.figures.worldmap.svg_map`` of the bundled Natural
Earth shapes, no values, every state a ``<path data-iso3=...>``) and the page colours them from
the run's view. :func:`world_extras` adds to a run's view what the world pages need: names,
the seed-002 groups, observed UN alignment from the bundled global table (cut at the scenario's
last observed year) and the group means of model and data.
Depends on :mod:`multipolar.votes`, :mod:`multipolar.data.global_tables` and
:mod:`multipolar.figures.worldmap` (pandas; matplotlib for the colours of the SVG writer).
"""

from __future__ import annotations

import gzip
import math
import re
import threading
from functools import lru_cache
from typing import Any

from multipolar.core.errors import MultipolarError

OBSERVED_COLUMN = "rel_pos_ru0_us1"
"""Column of the bundled global table holding UN voting alignment (0 Russia, 1 the US)."""


MAP_WIDTH = 960
"""Width of the map's SVG coordinates (pixels at 100%)."""
MAP_GRID = 0.5
"""Outline points are rounded to this many SVG units and repeated points dropped: half a
pixel at full width, which halves the file without a visible change."""


@lru_cache(maxsize=1)
def map_svg() -> str:
    """The world outlines as one SVG (grey states, ``data-iso3`` on every path), cached.

    ``multipolar.figures.worldmap.svg_map`` without values, its points put on a grid of
    :data:`MAP_GRID` units (about 570 kB instead of 1.2 MB; 130 kB gzipped).
    """
    # lazy: keeps start-up fast (loads pandas, pyarrow)
    from multipolar.figures.worldmap import svg_map

    full = svg_map({}, width=MAP_WIDTH)
    return re.sub(r' d="([^"]*)"', lambda m: f' d="{_compact(m.group(1))}"', full)


_MAP_LOCK = threading.Lock()


def map_bytes() -> tuple[bytes, bytes]:
    """The outlines as bytes, plain and gzipped, made once (at start-up by ``backend.warm``).

    The lock keeps a crowd of first requests from making them two hundred times over.
    """
    with _MAP_LOCK:
        return _map_bytes()


@lru_cache(maxsize=1)
def _map_bytes() -> tuple[bytes, bytes]:
    plain = map_svg().encode("utf-8")
    return plain, gzip.compress(plain, compresslevel=9, mtime=0)


def _compact(d: str) -> str:
    """An SVG path of ``M x,y L x,y ... Z`` rings on the :data:`MAP_GRID`, repeats dropped.

    A ring left with fewer than three points is dropped, unless it is the path's only one.
    """
    rings = []
    for ring in d.split("M")[1:]:
        keep: list[tuple[float, float]] = []
        for p in ring.rstrip("Z").split("L"):
            x, y = p.split(",")
            q = (round(float(x) / MAP_GRID) * MAP_GRID, round(float(y) / MAP_GRID) * MAP_GRID)
            if not keep or q != keep[-1]:
                keep.append(q)
        rings.append(keep)
    good = [r for r in rings if len(r) >= 3] or rings[:1]
    return "".join("M" + "L".join(f"{x:g},{y:g}" for x, y in r) + "Z" for r in good)


@lru_cache(maxsize=8)
def world_meta(scenario: str | None) -> dict[str, Any] | None:
    """``{groups, group_labels, names}`` of a scenario with ``actor_sets``, else ``None``."""
    if not scenario:
        return None
    # lazy: keeps start-up fast (loads pandas, pyarrow)
    from multipolar.data.global_tables import load_world

    # lazy: keeps start-up fast (loads pandas, pyarrow)
    from multipolar.votes.coalition import scenario_groups

    try:
        groups, labels = scenario_groups(scenario)
    except MultipolarError:
        return None
    world = load_world()
    return {"groups": groups, "group_labels": labels,
            "names": {iso: world.name_of(iso) for iso in groups}}


@lru_cache(maxsize=4)
def world_observed(until: int | None) -> dict[str, dict[int, float]]:
    """Observed alignment ``{iso3: {year: value}}`` from the bundled table, years <= ``until``."""
    # lazy: keeps start-up fast (loads pandas, pyarrow)
    from multipolar.data.global_tables import load_world

    cy = load_world().country_year
    if until is not None:
        cy = cy[cy["year"] <= until]
    out: dict[str, dict[int, float]] = {}
    for iso, year, v in zip(cy["iso3"].astype(str), cy["year"].astype(int),
                            cy[OBSERVED_COLUMN].astype(float), strict=True):
        if math.isfinite(v):
            out.setdefault(iso, {})[int(year)] = float(v)
    return out


ARMS_YEARS = 5
"""Arms imports are summed over this many last years with data (deliveries are lumpy)."""


@lru_cache(maxsize=4)
def observed_channels(until: int | None) -> dict[str, dict[str, Any]]:
    """Observed channels of each state's sphere from the bundled table, years <= ``until``.

    ``trade``: shares of the state's trade with Russia, China and the West (US + EU27) in the
    last year with data; ``arms``: shares of its arms imports (SIPRI TIV) from Russia, China
    and the US over the last :data:`ARMS_YEARS` years with any import. Security ties and
    investment have no bundled series and are left out.
    """
    # lazy: keeps start-up fast (loads pandas, pyarrow)
    from multipolar.data.global_tables import load_world

    cy = load_world().country_year
    if until is not None:
        cy = cy[cy["year"] <= until]
    out: dict[str, dict[str, Any]] = {}
    for iso, g in cy.groupby("iso3"):
        g = g.sort_values("year")
        entry: dict[str, Any] = {}
        t = g.dropna(subset=["trade_share_russia", "trade_share_china", "trade_share_us",
                             "trade_share_eu27"])
        if len(t):
            r = t.iloc[-1]
            entry["trade"] = {"year": int(r["year"]), "russia": _round(r["trade_share_russia"]),
                              "china": _round(r["trade_share_china"]),
                              "west": _round(r["trade_share_us"] + r["trade_share_eu27"])}
        a = g[g["arms_tiv_total"].fillna(0) > 0].tail(ARMS_YEARS)
        if len(a):
            tot = float(a["arms_tiv_total"].sum())
            entry["arms"] = {"years": [int(a["year"].min()), int(a["year"].max())],
                             "russia": _round(a["arms_tiv_from_russia"].fillna(0).sum() / tot),
                             "china": _round(a["arms_tiv_from_china"].fillna(0).sum() / tot),
                             "west": _round(a["arms_tiv_from_us"].fillna(0).sum() / tot)}
        if entry:
            out[str(iso)] = entry
    return out


def _mean(xs: list[float | None]) -> float | None:
    vals = [x for x in xs if x is not None]
    return round(sum(vals) / len(vals), 4) if vals else None


def world_extras(view: dict[str, Any], scenario: str | None) -> dict[str, Any] | None:
    """What the world pages add to a run's view, or ``None`` for a non-world scenario.

    ``observed`` (per actor, aligned with ``years``), ``channels`` (observed trade and arms
    shares, :func:`observed_channels`), ``names``, ``groups``, ``group_labels`` and
    ``group_means`` (per group: the mean of the members' median alignment and of the
    observed values, year by year; a year without any observed value is ``None``).
    """
    meta = world_meta(scenario)
    if meta is None:
        return None
    years = view["years"]
    obs = world_observed(view.get("observed_until"))
    actors = view["actors"]
    observed = {a: [_round(obs[a].get(y)) for y in years] for a in actors if a in obs}
    groups = {a: meta["groups"].get(a) for a in actors}
    means: dict[str, dict[str, Any]] = {}
    for g in meta["group_labels"]:
        members = [a for a in actors if groups[a] == g]
        if not members:
            continue
        means[g] = {
            "model": [_mean([view["alignment"][a]["median"][t] for a in members])
                      for t in range(len(years))],
            "observed": [_mean([observed[a][t] for a in members if a in observed])
                         for t in range(len(years))],
            "states": len(members),
        }
    channels = observed_channels(view.get("observed_until"))
    return {"kind": "world", "observed": observed,
            "channels": {a: channels[a] for a in actors if a in channels},
            "names": {a: meta["names"].get(a, a) for a in actors}, "groups": groups,
            "group_labels": meta["group_labels"], "group_means": means}


def _round(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), 4)
