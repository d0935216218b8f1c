"""Actor sets generated from a data table: "all UN member states, grouped, with defaults".

A scenario may list ``actor_sets`` beside (or instead of) hand-written ``actors``. Each set names
a table (the bundled ``countries`` table of all states with General Assembly data, or a CSV file
with the same kind of columns), which rows to keep, how to put each row in a group (by a column
such as ``un_subregion`` with per-actor exceptions), attribute **defaults per group**, and
**overrides per actor**. :func:`expand_actor_sets` turns the sets into ordinary actor mappings
that the scenario schema validates like hand-written ones::

    actor_sets:
      - table: countries
        members_in: 2019          # states that cast a recorded UNGA vote that year
        group_by: un_subregion
        groups:
          west: {label: the West, match: [Northern America, Western Europe],
                 defaults: {attributes: {western_pull: 1.0}}}
          asia: {label: Asia, match: [Eastern Asia]}
        group_overrides: {TUR: west}
        overrides:
          RUS: {role: core}

Actor ids are the ISO 3166 alpha-3 codes. Depends on pandas and the bundled world data
(:mod:`multipolar.data.global_tables`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from multipolar.core.errors import ScenarioError
from multipolar.data.global_tables import load_world


class GroupSpec(BaseModel):
    """One group of an actor set: its label, which values of ``group_by`` fall in it, defaults."""

    model_config = ConfigDict(extra="forbid")
    label: str | None = None
    match: list[str] = Field(default_factory=list)
    defaults: dict[str, Any] = Field(default_factory=dict)
    evidence: list[Any] = Field(default_factory=list)


class ActorSet(BaseModel):
    """Rows of a table made into actors (see the module docstring)."""

    model_config = ConfigDict(extra="forbid")
    table: str = "countries"
    members_in: int | None = Field(default=None, ge=1946, le=2019)
    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    group_by: str = "un_subregion"
    groups: dict[str, GroupSpec] = Field(min_length=1)
    default_group: str | None = None
    group_overrides: dict[str, str] = Field(default_factory=dict)
    defaults: dict[str, Any] = Field(default_factory=dict)
    overrides: dict[str, dict[str, Any]] = Field(default_factory=dict)


def _table(name: str, base: Path | None) -> pd.DataFrame:
    if name == "countries":
        return load_world().countries
    path = (base / name) if base is not None else Path(name)
    try:
        return pd.read_csv(path, keep_default_na=False, na_values=[""])
    except OSError as exc:
        raise ScenarioError(f"cannot read actor table '{name}' ({exc.strerror or exc})",
                            field="actor_sets.table",
                            fix="use the bundled table 'countries' or a CSV path "
                                "relative to the scenario") from None


def _members(year: int) -> set[str]:
    cy = load_world().country_year
    hit = cy[(cy["year"] == year) & (cy["n_votes"].fillna(0) > 0)]
    return set(hit["iso3"].astype(str))


def _copy(value: Any) -> Any:
    """A copy of parsed YAML (mappings and lists copied, scalars shared: they are immutable)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge ``extra`` over ``base`` (mappings merged, everything else replaced)."""
    out = _copy(base)
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = _copy(v)
    return out


def _group_of(spec: ActorSet, iso3: str, key: str, where: str) -> str:
    if iso3 in spec.group_overrides:
        return spec.group_overrides[iso3]
    for gid, g in spec.groups.items():
        if key in g.match:
            return gid
    if spec.default_group is not None:
        return spec.default_group
    raise ScenarioError(f"{iso3}: its {spec.group_by} '{key}' is in no group", field=where,
                        fix=f"add '{key}' to a group's match list, add {iso3} to "
                            "group_overrides, or set default_group")


def _parse(raw: Any, where: str) -> ActorSet:
    try:
        spec = ActorSet.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        raise ScenarioError(f"{err['msg']}", field=f"{where}.{loc}" if loc else where,
                            fix="see the actor_sets example in docs/explanation/world.md"
                            ) from None
    for iso3, gid in spec.group_overrides.items():
        if gid not in spec.groups:
            raise ScenarioError(f"group_overrides: {iso3} is put in unknown group '{gid}'",
                                field=f"{where}.group_overrides.{iso3}",
                                fix=f"known groups: {', '.join(spec.groups)}")
    return spec


def expand_actor_set(raw: Any, index: int = 0, base: Path | None = None,
                     until: int | None = None) -> list[dict[str, Any]]:
    """The actor mappings of one actor set (``raw`` as written in the scenario).

    ``until`` (the scenario's ``observed_until``) caps ``members_in``: a scenario blind after
    a year cannot know which states join later, so it takes the members of that year (and
    drops the overrides of states that were not members then).
    """
    where = f"actor_sets.{index}"
    spec = _parse(raw, where)
    df = _table(spec.table, base)
    for col in ("iso3", spec.group_by):
        if col not in df.columns:
            raise ScenarioError(f"column '{col}' not in table '{spec.table}'",
                                field=f"{where}.group_by",
                                fix=f"columns: {', '.join(map(str, df.columns))}")
    keep = set(df["iso3"].astype(str))
    year = spec.members_in
    capped = year is not None and until is not None and until < year
    if year is not None:
        keep &= _members(min(year, until) if capped and until is not None else year)
    keep |= set(spec.include)
    keep -= set(spec.exclude)
    # capped at an earlier year: overrides of states that joined later do not apply
    unknown = [] if capped else sorted(set(spec.overrides) - keep)
    if unknown:
        raise ScenarioError(f"overrides name actors not in the set: {', '.join(unknown)}",
                            field=f"{where}.overrides",
                            fix="use ISO3 codes of states in the table (and in members_in)")
    actors = []
    for row in df.to_dict("records"):
        iso3 = str(row["iso3"])
        if iso3 not in keep:
            continue
        gid = _group_of(spec, iso3, str(row[spec.group_by]), where)
        actor: dict[str, Any] = {"id": iso3, "kind": "state", "iso3": iso3, "region": gid}
        if "name" in row and isinstance(row["name"], str):
            actor["name"] = row["name"]
        if "ccode" in row and pd.notna(row["ccode"]):
            actor["ccode"] = int(row["ccode"])
        actor = _merge(actor, spec.defaults)
        actor = _merge(actor, spec.groups[gid].defaults)
        actor = _merge(actor, spec.overrides.get(iso3, {}))
        actors.append(actor)
    return actors


def expand_actor_sets(raw_sets: Any, base: Path | None = None,
                      until: int | None = None) -> list[dict[str, Any]]:
    """The actor mappings of every actor set, in order (``until``: see expand_actor_set)."""
    if not isinstance(raw_sets, list):
        raise ScenarioError("actor_sets must be a list of sets", field="actor_sets",
                            fix="write `actor_sets:` followed by `- table: countries ...`")
    bundled = all(isinstance(r, dict) and r.get("table", "countries") == "countries"
                  for r in raw_sets)
    from multipolar.datasets.store import active_name

    key = (json.dumps([raw_sets, until, active_name()], sort_keys=True, default=str)
           if bundled else None)
    if key is not None and key in _EXPANDED:  # a data set's table never changes
        return _copy(_EXPANDED[key])
    out: list[dict[str, Any]] = []
    for i, raw in enumerate(raw_sets):
        out += expand_actor_set(raw, i, base, until)
    if key is not None:
        _EXPANDED.clear()  # one scenario's sets at a time: loading it validates them twice
        _EXPANDED[key] = _copy(out)
    return out


_EXPANDED: dict[str, list[dict[str, Any]]] = {}
"""The last expansion of actor sets that only use the bundled table, by their text."""


def group_table(raw_sets: Any, base: Path | None = None) -> dict[str, str]:
    """``{iso3: group id}`` of every generated actor."""
    return {a["id"]: a["region"] for a in expand_actor_sets(raw_sets, base)}


def actor_group_labels(actors: Any, raw_sets: Any) -> dict[str, str]:
    """``{actor id: group label}`` of validated actors (their ``region``; '' where none).

    The label is the actor set's ``label`` of the actor's group, else the group id.
    """
    labels = group_labels(raw_sets)
    return {a.id: labels.get(a.region or "", a.region or "") for a in actors}


def group_labels(raw_sets: Any) -> dict[str, str]:
    """``{group id: label}`` over all sets."""
    out: dict[str, str] = {}
    for i, raw in enumerate(raw_sets if isinstance(raw_sets, list) else []):
        for gid, g in _parse(raw, f"actor_sets.{i}").groups.items():
            out[gid] = g.label or gid
    return out
