"""What follows the active data set's last years: ``observed_until`` and the latest fit years.

The bundled scenarios declare ``time.observed_until: 2019``, the bundled data's last year. With
an imported data set active, a scenario that declares the bundled last year follows the data
set instead: its ``observed_until`` becomes the data set's last observed year (the latest of
the country-year series: ideal points, roll calls, V-Dem; each series still ends at its own
last year, later years of it are missing, as trade after 2014 is in the bundled data). A
scenario that declares another year keeps it. With the bundled set nothing changes.
Depends on :mod:`multipolar.datasets.store`.
"""

from __future__ import annotations

from typing import Any

from multipolar.core.errors import InputError
from multipolar.datasets import store

OBSERVED_SERIES = ("idealpoints", "unga-votes", "vdem")
"""The series whose last year is the data's "today" (oil is an exogenous driver: it runs on)."""


def last_year(series: tuple[str, ...] = OBSERVED_SERIES, name: str | None = None) -> int:
    """Latest last year of ``series`` in data set ``name`` (default: the active one)."""
    ds = store.get(name or store.active_name())
    years = [y for s in series if (y := ds.series.get(s)) is not None]
    if not years:
        raise InputError(f"data set '{ds.name}' has no rows of {', '.join(series)}",
                         field="--data", fix="choose another data set (multipolar data list)")
    return max(years)


def follow_data(raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` scenario data with ``time.observed_until`` following the active data set."""
    label = store.active_label()
    time = raw.get("time")
    if label is None or not isinstance(time, dict):
        return raw
    declared = time.get("observed_until")
    if declared != last_year(name=store.BUNDLED):
        return raw
    new = last_year()
    end = time.get("end")
    if isinstance(end, int):
        new = min(new, end)
    if new == declared:
        return raw
    return {**raw, "time": {**time, "observed_until": new}}


def data_events(scenario: Any) -> list[dict[str, Any]]:
    """The active data set's events that apply to ``scenario``, as scenario ``events`` items.

    An event applies when its target is an actor of the scenario, its institution (accession,
    exit) one of the scenario's, its year inside the scenario's span, and the scenario does not
    list it already. Each carries its source in ``description``.
    """
    if store.active_label() is None:
        return []
    # lazy: keeps start-up fast (loads pandas, pyarrow)
    from multipolar.datasets.tables import load

    ds = store.get(store.active_name())
    if not ds.file("events.yaml").is_file() or ds.path is None:
        return []
    events = load(ds).events
    insts = {i.id.casefold(): i.id for i in scenario.institutions}
    have = {(e.kind, e.target, e.year, e.institution) for e in scenario.events}
    out = []
    for e in events:
        year = int(str(e["date"])[:4])
        actor = scenario.resolve_actor(e["target"])
        if actor is None or not scenario.time.start <= year <= scenario.time.end:
            continue
        inst = None
        if e.get("institution"):
            inst = insts.get(str(e["institution"]).casefold())
            if inst is None:
                continue
        key = (e["kind"], actor, year, inst)
        if key in have:
            continue
        item: dict[str, Any] = {"kind": e["kind"], "target": actor, "year": year,
                                "description": f"{e.get('description') or e['kind']} "
                                               f"({e['date']}; source: {e['source']}; data set "
                                               f"{ds.name})"}
        if inst is not None:
            item["institution"] = inst
        out.append(item)
    return out
