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

import math
from functools import lru_cache
from typing import Any

from multipolar.core.errors import MultipolarError

OBSERVED_COLUMN = "rel_pos_ru0_us1"
"""Column of the bundled global table holding UN voting alignment (0 Russia, 1 the US)."""


@lru_cache(maxsize=1)
def map_svg() -> str:
    """The world outlines as one SVG (grey states, ``data-iso3`` on every path), cached."""
    from multipolar.figures.worldmap import svg_map

    return svg_map({}, width=960)


@lru_cache(maxsize=8)
def world_meta(scenario: str | None) -> dict[str, Any] | None:
    """``{groups, group_labels, names}`` of a scenario with ``actor_sets``, else ``None``."""
    if not scenario:
        return None
    from multipolar.data.global_tables import load_world
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


def _mean(xs: list[float | None]) -> float | None:
    vals = [x for x in xs if x is not None]
    return round(sum(vals) / len(vals), 4) if vals else None


def world_extras(view: dict[str, Any], scenario: str | None) -> dict[str, Any] | None:
    """What the world pages add to a run's view, or ``None`` for a non-world scenario.

    ``observed`` (per actor, aligned with ``years``), ``names``, ``groups``, ``group_labels``
    and ``group_means`` (per group: the mean of the members' median alignment and of the
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
    return {"kind": "world", "observed": observed,
            "names": {a: meta["names"].get(a, a) for a in actors}, "groups": groups,
            "group_labels": meta["group_labels"], "group_means": means}


def _round(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), 4)
