"""Load scenario files with errors that name file, line, field and fix.

``load_scenario`` reads YAML (a path or the name of a bundled scenario), remembers the line and
column of every key, validates with the pydantic models of :mod:`multipolar.scenario.schema`,
runs the cross-reference checks of :mod:`multipolar.scenario.semantics`, and applies overlays
(a perspective, a hypothesis, ``--set`` overrides). Every failure is a
:class:`~multipolar.core.errors.ScenarioError` listing all problems found, never a traceback.
Depends on PyYAML, pydantic and the scenario schema.
"""

from __future__ import annotations

import copy
import difflib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from multipolar.core.errors import Problem, ScenarioError

# the YAML-with-locations reader lives in the ground; re-exported here, where it was first
from multipolar.core.yamlsource import Loc, SourceMap, is_tag, read_yaml
from multipolar.core.yamlsource import Mark as Mark
from multipolar.datasets.follow import data_events, follow_data
from multipolar.scenario.driver_checks import check_driver_values
from multipolar.scenario.overrides import (
    apply_events,
    apply_overlay,
    apply_sets,
    event_item,
    parse_events,
    parse_sets,
)
from multipolar.scenario.schema import Event, Scenario
from multipolar.scenario.semantics import check_semantics

# ---------------------------------------------------------------------------------- bundled

def bundled_names() -> list[str]:
    """Names of the scenarios shipped inside the package."""
    root = resources.files("multipolar") / "scenarios"
    return sorted(p.name for p in root.iterdir()
                  if p.is_dir() and (p / "scenario.yaml").is_file())


def bundled_path(name: str) -> Path:
    """Path of a bundled scenario's main file."""
    return Path(str(resources.files("multipolar") / "scenarios" / name / "scenario.yaml"))


def resolve_scenario_path(ref: str | Path) -> Path:
    """A scenario reference (path or bundled name) as a path, or a clean error."""
    p = Path(ref)
    if p.is_dir() and (p / "scenario.yaml").is_file():
        return p / "scenario.yaml"
    if p.is_file():
        return p
    names = bundled_names()
    if str(ref) in names:
        return bundled_path(str(ref))
    close = difflib.get_close_matches(str(ref), names, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    raise ScenarioError(
        f"no scenario file or bundled scenario called '{ref}'",
        file=str(ref),
        fix=f"{hint}give a path to a YAML file or one of: {', '.join(names)}",
    )


# ---------------------------------------------------------------------------------- loading

@dataclass
class LoadedScenario:
    """A validated scenario with the raw data and source map it came from."""

    scenario: Scenario
    raw: dict[str, Any]
    source: SourceMap
    path: Path
    applied: dict[str, Any] = field(default_factory=dict)

    @property
    def base_dir(self) -> Path:
        """Folder that relative data paths are resolved against."""
        return self.path.parent


def read_raw(path: Path) -> tuple[dict[str, Any], SourceMap]:
    """Read a scenario file and any citations file it names, with a source map."""
    fname = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(f"not a UTF-8 text file ({exc.reason} at byte {exc.start})",
                            file=fname, fix="save the scenario as UTF-8 YAML") from None
    except OSError as exc:
        raise ScenarioError(f"cannot read file: {exc.strerror}", file=fname,
                            fix="check the path and its permissions") from None
    data, marks = read_yaml(text, fname)
    src = SourceMap(marks, fname)
    if not isinstance(data, dict):
        raise ScenarioError(
            f"a scenario must be a mapping of sections, not a {type(data).__name__}",
            file=fname, line=1, fix="start the file with `name: my-scenario` and `actors:`")
    cit = data.get("citations")
    if isinstance(cit, str):
        cpath = (path.parent / cit).resolve()
        if not cpath.is_file():
            raise ScenarioError(
                f"citations file '{cit}' not found", file=fname,
                line=marks.get(("citations",), (fname, None, None))[1],
                field="citations", fix=f"create {cpath} or inline the citations mapping")
        cdata, cmarks = read_yaml(cpath.read_text(encoding="utf-8"), str(cpath), ("citations",))
        if isinstance(cdata, dict) and "citations" in cdata and len(cdata) == 1:
            cdata = cdata["citations"]
            cmarks = {(k[0], *k[2:]) if len(k) > 1 and k[1] == "citations" else k: v
                      for k, v in cmarks.items()}
        data["citations"] = cdata
        marks.update({k: v for k, v in cmarks.items() if k != ("citations",)})
    return data, src


def validate_raw(raw: dict[str, Any], src: SourceMap) -> Scenario:
    """Validate raw data; raise :class:`ScenarioError` with every problem located."""
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        problems = _pydantic_problems(exc, raw, src)
        problems += [p for p in _semantics_around(exc, raw, src) if p not in problems]
        raise ScenarioError(problems=problems,
                            title=f"{src.default_file} is not a valid scenario") from None
    problems = check_semantics(scenario, raw, src)
    if problems:
        raise ScenarioError(problems=problems,
                            title=f"{src.default_file} is not a valid scenario")
    return scenario


def load_scenario(
    ref: str | Path = "russia-neighbourhood",
    *,
    perspective: str | None = None,
    hypothesis: str | None = None,
    sets: dict[str, Any] | list[str] | None = None,
    events: list[str] | list[Event] | None = None,
) -> LoadedScenario:
    """Load, validate and overlay a scenario.

    Parameters
    ----------
    ref
        A path to a YAML file, a folder holding ``scenario.yaml``, or a bundled name.
    perspective, hypothesis
        Names of overlays defined in the scenario, applied in that order.
    sets
        Overrides ``{path: value}`` or ``["path=value", ...]`` applied after the overlays
        (as ``--set``; ``PATH[TARGET]=NUMBER@YEAR`` forms included).
    events
        Dated events added to the scenario's ``events``, as ``--event`` items
        (``"use_of_force:UKR@2022"``, ``"accession:ARM/EAEU@2015"``) or as :class:`Event` objects.

    """
    path = resolve_scenario_path(ref)
    raw, src = read_raw(path)

    raw = follow_data(raw)  # observed_until follows an imported data set (--data)
    scenario = validate_raw(raw, src)
    imported = data_events(scenario)  # and its dated events reach the model
    if imported:
        raw = {**raw, "events": [*(raw.get("events") or []), *imported]}
        scenario = validate_raw(raw, src)
    applied: dict[str, Any] = {}
    if hypothesis is None and scenario.default_hypothesis:
        hypothesis = scenario.default_hypothesis
    if perspective is not None:
        raw = apply_overlay(raw, src, "perspectives", perspective, scenario)
        applied["perspective"] = perspective
    if hypothesis is not None:
        raw = apply_overlay(raw, src, "hypotheses", hypothesis, scenario)
        applied["hypothesis"] = hypothesis
    if sets:
        pairs = parse_sets(sets) if isinstance(sets, list) else dict(sets)
        raw = apply_sets(raw, pairs, src)
        applied["sets"] = pairs
    if events:
        evs = [e if isinstance(e, Event) else parse_events([e])[0] for e in events]
        items = [e if isinstance(e, str) else event_item(e) for e in events]
        current = validate_raw(raw, src) if applied else scenario
        raw, applied["events"] = apply_events(raw, current, evs, items)
    if applied:
        scenario = validate_raw(raw, src)
    check_driver_values(scenario, src, applied.get("sets"))
    return LoadedScenario(scenario, raw, src, path, applied)


def load_scenario_text(text: str, file: str = "<string>") -> Scenario:
    """Validate a scenario given as YAML text (used by tests and the dashboard)."""
    data, marks = read_yaml(text, file)
    src = SourceMap(marks, file)
    if not isinstance(data, dict):
        raise ScenarioError("a scenario must be a mapping of sections", file=file, line=1,
                            fix="start the file with `name: my-scenario` and `actors:`")
    return validate_raw(data, src)


REPAIR_ROUNDS = 5
"""How many times :func:`_semantics_around` leaves out what the schema refused."""


def _semantics_around(exc: ValidationError, raw: dict[str, Any], src: SourceMap
                      ) -> list[Problem]:
    """The semantic problems of the rest of a file the schema refused.

    A misspelled key must not hide an unknown actor elsewhere: the entries the schema refused
    are left out of a copy (keys of mappings only, so that every other entry keeps its place
    and line) until the copy validates, and the copy's semantic problems are reported too.
    Nothing when the copy cannot be made valid that way.
    """
    fixed = deepcopy_raw(raw)
    errors = exc.errors(include_url=False)
    for _ in range(REPAIR_ROUNDS):
        for err in errors:
            loc = [p for p in err["loc"] if not (isinstance(p, str) and is_tag(p))]
            if err["type"] == "missing":
                loc = loc[:-1]  # an entry without a required field goes as a whole
            if not loc:
                return []  # the file itself
            parent = _value_at(fixed, tuple(loc[:-1]))
            if isinstance(parent, list):
                return []  # a list item: leaving it out would move the items after it
            if isinstance(parent, dict) and loc[-1] in parent:
                del parent[loc[-1]]  # (else already left out with an enclosing entry)
        try:
            scenario = Scenario.model_validate(fixed)
        except ValidationError as again:
            errors = again.errors(include_url=False)
            continue
        except Exception:  # a validator that needs what was left out
            return []
        try:
            return check_semantics(scenario, fixed, src)
        except Exception:  # the copy is a guess: its checks must not mask the first problems
            return []
    return []


def deepcopy_raw(raw: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of raw scenario data (overlays never mutate the original)."""
    return copy.deepcopy(raw)


# ---------------------------------------------------------------------------------- pydantic

def _value_at(raw: Any, loc: Loc) -> Any:
    cur = raw
    for p in loc:
        if isinstance(p, str) and is_tag(p):
            continue
        if isinstance(cur, dict) and p in cur:
            cur = cur[p]
        elif isinstance(cur, list) and isinstance(p, int) and 0 <= p < len(cur):
            cur = cur[p]
        else:
            return None
    return cur


def _tag_fits(tag: str, value: Any) -> bool:
    if tag.startswith("function-"):
        tag = tag.rsplit(",", 1)[-1].strip(" ]")
    is_map = isinstance(value, dict)
    if tag == "Series":
        return is_map and ("series" in value or "data" in value)
    if tag == "Param":
        return is_map and "series" not in value and "data" not in value
    if tag in ("Citation", "TargetPath") or tag.startswith(("dict[", "function-")):
        return is_map
    if tag.startswith(("tuple[", "list[")):
        return isinstance(value, list)
    if tag == "str":
        return isinstance(value, str)
    return not is_map and not isinstance(value, list)


def _pydantic_problems(exc: ValidationError, raw: Any, src: SourceMap) -> list[Problem]:
    errors: list[dict[str, Any]] = [dict(e) for e in exc.errors(include_url=False)]
    kept: list[dict[str, Any]] = []
    for err in errors:
        loc = tuple(err["loc"])
        ok = True
        for i, p in enumerate(loc):
            if isinstance(p, str) and is_tag(p):
                if not _tag_fits(p, _value_at(raw, loc[:i])):
                    ok = False
                    break
        if ok:
            kept.append(err)
    if not kept:
        kept = errors[:1]
    problems: list[Problem] = []
    seen: set[tuple[Loc, str]] = set()
    for err in kept:
        loc = tuple(err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        key = (tuple(p for p in loc if not (isinstance(p, str) and is_tag(p))), msg)
        if key in seen:
            continue
        seen.add(key)
        fix = _fix_for(err, raw)
        if fix is None and "; " in msg:  # our validators say "what is wrong; how to fix it"
            msg, _, fix = msg.rpartition("; ")
        problems.append(src.problem(loc, msg, fix))
    return problems


def _fix_for(err: dict[str, Any], raw: Any) -> str | None:
    kind = err["type"]
    loc = [p for p in err["loc"] if not (isinstance(p, str) and is_tag(p))]
    last = loc[-1] if loc else ""
    if kind == "extra_forbidden":
        return (f"'{last}' is not a field here: remove it or fix its spelling "
                "(see docs/reference/scenario-language.md)")
    if kind == "missing":
        return f"add the field '{last}'"
    if kind in ("float_parsing", "float_type", "int_parsing", "int_type"):
        return "write a plain number here, e.g. 0.5"
    if kind.startswith("literal_error") or kind == "enum":
        return "use one of the values listed"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return "change the value to lie in the allowed range"
    if kind == "string_too_short":
        return "write a non-empty value"
    if kind == "model_type" or kind == "dict_type":
        return "write a mapping (key: value lines) here"
    if kind == "list_type":
        return "write a list ('- item' lines) here"
    if kind == "value_error":
        return None
    return None
