"""What ``multipolar run`` shows for a run with many actors (the world scenario).

193 rows and 193 fan charts are not readable, so a run with more than :data:`MANY` actors gets
a table by the scenario's actor groups (seed 002's blocks for ``russia-world``: the median over
members of each group's mean alignment, against the observed mean), the states the run puts
closest to Russia and to the US at the end, fan charts for a few states of every group and a
world map of the median alignment (:func:`world_map`).
Depends on Rich, :mod:`multipolar.scenario` (groups) and :mod:`multipolar.data`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from rich.table import Table

from multipolar.data import column_by_actor_year

MANY = 30
"""Above this many actors a run is shown by group."""
SHOWCASE = ("DEU", "POL", "TUR", "SRB", "UKR", "BLR", "KAZ", "IND", "BRA", "SYR", "IRN",
            "VEN", "CUB", "NGA", "ZAF", "EGY")
"""States drawn as fan charts in a world run (a few per seed-002 group)."""


def is_world(summary: dict[str, Any]) -> bool:
    """Whether the run has so many actors that it is shown by group."""
    return len(summary.get("actors", [])) > MANY


def observed_world() -> dict[str, dict[int, float]]:
    """Observed alignment (0 like Russia, 1 like the US) by ISO3 code and year (global table)."""
    return column_by_actor_year("global/country_year.parquet", "rel_pos_ru0_us1", "iso3")


SCALE_ENDS = frozenset({"Russia", "RUS", "United States", "USA"})
"""The states that are the alignment scale's 0 and 1 by definition (left out of group means and
of the extremes)."""


def groups_of(scenario: str) -> dict[str, str]:
    """``{actor: group label}`` of the scenario's actors ('' where none).

    The label is the actor set's ``label`` of the actor's group (its ``region``), else the
    group id.
    """
    # lazy: keeps start-up fast (loads numpy, the scenario schema)
    from multipolar.scenario import load_scenario
    from multipolar.scenario.tables import actor_group_labels

    ld = load_scenario(scenario)
    return actor_group_labels(ld.scenario.actors, ld.raw.get("actor_sets"))


def _median(summary: dict[str, Any], actor: str, year: int) -> float | None:
    q = (summary.get("alignment", {}).get(actor) or {}).get(str(year))
    return None if q is None else float(q["median"])


def _mean(xs: list[float]) -> float:
    return sum(xs) / len(xs) if xs else math.nan


def world_table(summary: dict[str, Any], observed: dict[str, dict[int, float]],
                groups: dict[str, str], observed_year: int) -> Table:
    """Mean alignment by group at the last observed year and at the end.

    A run that follows the record shows the data of the last observed year (the run's own
    values there are the observations) and the projection at the end; a free run
    (``run --free``) shows its own value beside the data at the last observed year, as a
    check of the model.
    """
    from multipolar.core.labels import free_run_label

    years = [int(y) for y in summary.get("years", [])]
    end = years[-1]
    mid = observed_year if observed_year in years else years[0]
    free = free_run_label(summary)
    t = Table(title=f"alignment by group (0 = votes like Russia, 1 = like the US; mean over "
                    f"the group's n states of their member medians), "
                    f"{summary.get('members', 0):,} members, seed {summary.get('seed')}"
                    + (f"; {free}" if free else ""))
    t.caption = (f"free run: the model's own path from {years[0]}, the observed history not "
                 "imposed" if free else
                 f"observed alignment followed until {mid}; {end} is projected from there")
    t.caption_justify = "left"
    t.add_column("group", no_wrap=True)
    cols = ("n", f"{mid} model", f"{mid} data", f"{end} model") if free else \
        ("n", f"{mid} observed", f"{end} model")
    for col in cols:
        t.add_column(col, justify="right", no_wrap=True)
    by: dict[str, list[str]] = {}
    for a in summary.get("actors", []):
        if a in summary.get("alignment", {}) and a not in SCALE_ENDS:
            by.setdefault(groups.get(a, ""), []).append(a)
    for g, members in sorted(by.items(), key=lambda kv: kv[0].removeprefix("the ").lower()):
        sim = [v for a in members if (v := _median(summary, a, mid)) is not None]
        obs = [v for a in members if (v := (observed.get(a) or {}).get(mid)) is not None]
        fin = [v for a in members if (v := _median(summary, a, end)) is not None]
        row = [g or "-", str(len(members))] + ([f"{_mean(sim):.2f}"] if free else []) + \
            [f"{_mean(obs):.2f}", f"{_mean(fin):.2f}"]
        t.add_row(*row)
    return t


def extremes(summary: dict[str, Any], k: int = 6) -> tuple[list[str], list[str]]:
    """The ``k`` states the run puts closest to Russia and to the US in its last year."""
    end = int(summary["years"][-1])
    vals = {a: v for a in summary.get("alignment", {})
            if a not in SCALE_ENDS and (v := _median(summary, a, end)) is not None}
    order = sorted(vals, key=lambda a: vals[a])
    return ([f"{a} {vals[a]:.2f}" for a in order[:k]],
            [f"{a} {vals[a]:.2f}" for a in order[::-1][:k]])


def world_map(summary: dict[str, Any], path: Path, observed_year: int) -> Path:
    """A choropleth of the median alignment at the last observed year and at the end (PNG)."""
    # lazy: keeps start-up fast (loads pandas, pyarrow)
    from multipolar.core.labels import free_run_label
    from multipolar.figures.worldmap import Panel, draw_panels

    years = [int(y) for y in summary["years"]]
    mid = observed_year if observed_year in years else years[0]
    free = free_run_label(summary)
    label = ("median UN voting alignment: Russia (0) to the US (1); below 0: farther from "
             "the US than Russia is")
    panels = [Panel({a: v for a in summary["alignment"] if (v := _median(summary, a, y))
                     is not None},
                  f"{tag}. {y}{' (simulated)' if y > mid or free else ' (observed)'}", "RdBu",
                    label, vmin=-0.6, vmax=1.0)
              for tag, y in (("a", mid), ("b", years[-1]))]
    how = (f"a {free}: the model follows its own path from {years[0]} (data until {mid} are "
           "not imposed)" if free else
           f"the run follows the observed alignment until {mid} and projects from there")
    note = (f"Ensemble of {summary.get('members', 0):,} members, seed {summary.get('seed')}; "
            f"{how}. Grey: not simulated. Shapes: Natural Earth 1:50m (public domain).")
    title = "The world model: who votes with Russia" + (f" ({free})" if free else "")
    return draw_panels(panels, path, suptitle=title, note=note)


# ------------------------------------------------------------------ the world's forecast

def _by_key(records: list[dict[str, Any]]) -> dict[tuple[str, int], dict[str, Any]]:
    return {(r["country"], int(r["year"])): r for r in records}


def forecast_group_table(records: list[dict[str, Any]], panel: Any, groups: dict[str, str],
                         from_: int, to: int, origin: int, members: int, seed: int,
                         caption: str) -> Table:
    """``multipolar forecast russia-world`` by group (fits 80 columns).

    Per group: the observed mean at the origin, the mean of the states' forecast medians in
    up to three years, and the means of their 90% bounds in the last year.
    """
    by = _by_key(records)
    shown = sorted({from_, min(from_ + 4, to), to})
    t = Table(title=f"alignment forecast by group (0 = votes like Russia, 1 = like the US): "
                    f"observed at the origin {origin}, then the mean of the n states' forecast "
                    f"medians; {members:,} members, seed {seed}", caption=caption,
              caption_justify="left")
    t.add_column("group", min_width=16, max_width=24, overflow="fold")
    t.add_column("n", justify="right", no_wrap=True)
    t.add_column(f"obs. {origin}", justify="right", no_wrap=True)
    for y in shown:
        t.add_column(f"{y}", justify="right", no_wrap=True)
    t.add_column(f"{to} 90%", justify="right", no_wrap=True)
    states = sorted({r["country"] for r in records})
    by_group: dict[str, list[str]] = {}
    for a in states:
        by_group.setdefault(groups.get(a, ""), []).append(a)
    for g, members_ in sorted(by_group.items(),
                              key=lambda kv: kv[0].removeprefix("the ").lower()):
        obs = [v for a in members_ if math.isfinite(v := panel.value(a, origin))]
        row = [g or "-", str(len(members_)), f"{_mean(obs):.2f}"]
        for y in shown:
            cells = [by[(a, y)]["alignment"] for a in members_ if (a, y) in by]
            row.append(f"{_mean([c['median'] for c in cells]):.2f}")
        row.append(f"{_mean([c['p05'] for c in cells]):.2f}–"
                   f"{_mean([c['p95'] for c in cells]):.2f}")
        t.add_row(*row)
    return t


def forecast_extremes(records: list[dict[str, Any]], year: int, k: int = 6
                      ) -> tuple[list[str], list[str]]:
    """The ``k`` states the forecast puts closest to Russia and to the US in ``year``."""
    vals = {r["country"]: float(r["alignment"]["median"]) for r in records
            if int(r["year"]) == year and r["country"] not in ("RUS", "USA")}
    order = sorted(vals, key=lambda a: vals[a])
    return ([f"{a} {vals[a]:.2f}" for a in order[:k]],
            [f"{a} {vals[a]:.2f}" for a in order[::-1][:k]])


def forecast_map(records: list[dict[str, Any]], panel: Any, origin: int, to: int, path: Path,
                 members: int, seed: int) -> Path:
    """A world map of the observed alignment at the origin and the forecast median at ``to``."""
    from multipolar.figures.worldmap import Panel, draw_panels

    label = ("median UN voting alignment: Russia (0) to the US (1); below 0: farther from "
             "the US than Russia is")
    states = sorted({r["country"] for r in records})
    observed = {a: v for a in states if math.isfinite(v := panel.value(a, origin))}
    median = {r["country"]: float(r["alignment"]["median"]) for r in records
              if int(r["year"]) == to}
    panels = [Panel(observed, f"a. {origin} (observed: the forecast's starting state)", "RdBu",
                    label, vmin=-0.6, vmax=1.0),
              Panel(median, f"b. {to} (forecast median)", "RdBu", label, vmin=-0.6, vmax=1.0)]
    note = (f"Forecast from the observed state of {origin}: ensemble of {members:,} members, "
            f"seed {seed}. Grey: not forecast. Shapes: Natural Earth 1:50m (public domain).")
    return draw_panels(panels, Path(path), suptitle="The world forecast: who votes with Russia",
                       note=note)
