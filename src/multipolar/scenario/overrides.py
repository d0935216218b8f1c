"""Overrides of scenario paths: ``--set PATH=VALUE``, perspectives and hypotheses.

A path is dotted. Lists of things with an ``id`` (actors, institutions) are indexed by id, so
``actors.Belarus.attributes.democracy`` works. Two shorthands: a bare lever or driver name
(``russia_attraction=0.8``, ``oil_price=30``), and a bare mechanism name with ``enabled``
(``delegation_limit.enabled=false``). Setting a number on a parameter fixes it (drops its
distribution); setting a number on a driver makes a constant path; setting a number or a
``{year: value}`` mapping on a lever replaces its value. Two relative forms (used by
perspectives, so that a view is stated against the calibrated values, not the code's):
``{quantile: Q}`` fixes a parameter at quantile Q of its distribution in the scenario, and
``{scale: M}`` multiplies it (a number times M; a distribution's draws times M, so each member
keeps its own draw). A mechanism parameter the scenario does not write stands at the model's
declared default: ``{scale: M}`` on it writes ``{value: M, relative_to: default}``, which the
compiler resolves against the declaration (this module knows no model; a parameter the model
does not declare is refused when the scenario is compiled). Overrides act on the raw data, which
is validated again afterwards, so a bad value gets the same clean error as in a file.

Dated and targeted forms act on levers, mechanism parameters and aim weights:
``russia_assertion=0.9@2022`` (from 2022 on, towards every target), ``russia_assertion[UKR]=1``
(towards Ukraine over the whole span) and ``kindred_regimes.support[Belarus]=0.3@2020``. They
are kept as keys ``PATH[TARGET]@YEAR`` with a number as value, and written into the lever's or
parameter's ``from`` and ``by_target`` mappings. ``--event KIND:TARGET[/INSTITUTION]@YEAR``
items are read by :func:`parse_events`. Every bad item gets an error that names it.
Depends on PyYAML, NumPy, SciPy (quantiles) and the scenario schema.
"""

from __future__ import annotations

import copy
import difflib
import math
import re
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml
from pydantic import ValidationError

from multipolar.core.errors import Problem, ScenarioError, suggest
from multipolar.scenario.schema import (
    EVENT_KINDS,
    INSTITUTION_EVENTS,
    Event,
    TimeSpec,
    resolve_actor_ref,
)

if TYPE_CHECKING:
    from multipolar.core.yamlsource import SourceMap
    from multipolar.scenario.schema import Scenario

_ID_LISTS = ("actors", "institutions")
_MECHANISM_FIELDS = ("enabled", "implementation", "description", "theory", "params", "evidence")
_KEY = re.compile(r"^(?P<path>[^\[\]@=]+?)\s*(?:\[(?P<target>[^\[\]@=]+)\])?"
                  r"(?:@(?P<year>-?\d+))?$")
_DATED_FIX = ("write PATH[TARGET]=NUMBER@YEAR, e.g. --set 'russia_assertion[Ukraine]=1@2014' "
              "or --set russia_assertion=0.9@2022")


def split_key(key: str) -> tuple[str, str | None, int | None]:
    """``(path, target, year)`` of an override key such as ``russia_assertion[UKR]@2014``."""
    m = _KEY.match(key.strip())
    if m is None:
        raise ValueError(key)
    year = m.group("year")
    target = m.group("target")
    return m.group("path").strip(), target.strip() if target else None, \
        int(year) if year is not None else None


def _dated_key(item: str, path: str, text: str) -> tuple[str, float]:
    """The key and number of a ``PATH[TARGET]=NUMBER@YEAR`` item (either part optional)."""
    value_text, at, year_text = text.rpartition("@") if "@" in text else (text, "", "")
    if at and not re.fullmatch(r"\s*-?\d{1,4}\s*", year_text):
        raise ScenarioError(f"--set '{item}': '{year_text.strip()}' after '@' is not a year",
                            field="--set", fix=_DATED_FIX)
    try:
        path_, target, key_year = split_key(path)  # the key form PATH[T]@YEAR=V works too
    except ValueError:
        raise ScenarioError(f"--set '{item}': malformed target brackets in '{path}'",
                            field="--set", fix=_DATED_FIX) from None
    if target is None and "[" in path:
        raise ScenarioError(f"--set '{item}': malformed target brackets in '{path}'",
                            field="--set", fix=_DATED_FIX)
    try:
        value = yaml.safe_load(value_text) if value_text.strip() else None
    except yaml.YAMLError:
        value = value_text
    if isinstance(value, bool) or not isinstance(value, int | float) \
            or not math.isfinite(value):
        raise ScenarioError(f"--set '{item}': value '{value_text.strip()}' is not a number",
                            field="--set",
                            fix="a value by year or target is a plain number, "
                                "e.g. --set 'russia_assertion[Ukraine]=1@2014'")
    year = int(year_text) if at else key_year
    key = path_ + (f"[{target}]" if target else "") + (f"@{year}" if year is not None else "")
    return key, float(value)

# the word for one item of an overlay section (not section[:-1]: "hypothese")
SINGULAR = {"perspectives": "perspective", "hypotheses": "hypothesis"}


def parse_sets(items: list[str]) -> dict[str, Any]:
    """Parse ``["path=value", ...]``; values are read as YAML (numbers, booleans, mappings).

    ``PATH[TARGET]=NUMBER@YEAR`` items (target and year each optional) become keys
    ``PATH[TARGET]@YEAR`` with a float value; see the module docstring.
    """
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise ScenarioError(f"--set '{item}' has no '='", field="--set",
                                fix="write --set PATH=VALUE, e.g. --set russia_assertion=0.7")
        path, _, text = item.partition("=")
        path = path.strip()
        if not path:
            raise ScenarioError(f"--set '{item}' has an empty path", field="--set",
                                fix="write --set PATH=VALUE")
        if "[" in path or "]" in path or "@" in path or "@" in text:
            key, number = _dated_key(item, path, text)
            out[key] = number
            continue
        try:
            out[path] = yaml.safe_load(text) if text.strip() else None
        except yaml.YAMLError:
            raise ScenarioError(f"--set {path}: cannot read value '{text}'", field="--set",
                                fix="give a number, true/false, or a YAML mapping "
                                    "like '{2014: 0.8, 2015: 0.9}'") from None
        if out[path] is None:
            raise ScenarioError(f"--set {path}: empty value", field="--set",
                                fix="give a value after '='")
    return out


def is_dated_key(key: str) -> bool:
    """True for an override key with a target or a year (``PATH[TARGET]@YEAR``)."""
    return "[" in key or "@" in key


def _expand(raw: dict[str, Any], path: str) -> list[str]:
    parts = path.split(".")
    head = parts[0]
    if head in raw or head in ("mechanisms", "levers", "drivers"):
        return _with_params(parts)
    for section in ("levers", "drivers", "mechanisms", "aims"):
        if isinstance(raw.get(section), dict) and head in raw[section]:
            return _with_params([section, *parts])
    return parts


def _with_params(parts: list[str]) -> list[str]:
    """``mechanisms.M.P`` as ``mechanisms.M.params.P`` when ``P`` is no mechanism field."""
    if len(parts) == 3 and parts[0] == "mechanisms" and parts[2] not in _MECHANISM_FIELDS:
        return [*parts[:2], "params", parts[2]]
    return parts


def _step(cur: Any, key: str, trail: list[str]) -> tuple[Any, Any]:
    """Return (container, key) for ``key`` in ``cur`` or raise KeyError with candidates."""
    if isinstance(cur, list):
        for i, item in enumerate(cur):
            if isinstance(item, dict) and str(item.get("id")) == key:
                return cur, i
        ids = [str(it.get("id")) for it in cur if isinstance(it, dict)]
        raise KeyError((key, ids))
    if isinstance(cur, dict):
        for k in cur:
            if str(k) == key:
                return cur, k
        raise KeyError((key, [str(k) for k in cur]))
    raise KeyError((key, []))


class _Absent(dict[str, Any]):
    """Stands for a mechanism's ``params`` where a parameter is not written (yet)."""

    def __init__(self, mechanism: dict[str, Any]) -> None:
        super().__init__()
        self.mechanism = mechanism


def _absent_param(raw: dict[str, Any], parts: list[str]) -> _Absent | None:
    """A mechanism parameter the scenario does not write (None otherwise).

    The scenario language knows no model: whether the model declares the parameter is
    checked when the scenario is compiled (an unknown one is a located error there, with the
    declared names as the fix).
    """
    if len(parts) != 4 or parts[0] != "mechanisms" or parts[2] != "params":
        return None
    mech = (raw.get("mechanisms") or {}).get(parts[1])
    if not isinstance(mech, dict) or parts[3] in (mech.get("params") or {}):
        return None
    return _Absent(mech)


def _locate(raw: dict[str, Any], path: str) -> tuple[Any, Any, list[str]]:
    parts = _expand(raw, path)
    absent = _absent_param(raw, parts)
    if absent is not None:
        return absent, parts[3], parts
    cur: Any = raw
    container: Any = None
    key: Any = None
    for n, p in enumerate(parts):
        try:
            container, key = _step(cur, p, parts[:n])
        except KeyError as exc:
            name, options = exc.args[0]
            # a mechanism section present in the schema but absent here: allow new keys for
            # known leaf fields ("enabled", "implementation") and params
            if isinstance(cur, dict) and n == len(parts) - 1 and parts[n - 1:n] and \
                    name in ("enabled", "implementation", "value", "constant"):
                return cur, name, parts
            raise LookupError(name, options, ".".join(parts[:n]) or "<top>") from None
        cur = container[key]
    return container, key, parts


def settable_paths(raw: dict[str, Any]) -> list[str]:
    """The paths an override typically sets in ``raw``.

    Levers, drivers, declared mechanism parameters and switches, aim weights, constraint
    switches and the time span.
    """
    out: list[str] = []

    def section(name: str) -> dict[str, Any]:
        v = raw.get(name)
        return v if isinstance(v, dict) else {}

    out += [f"levers.{k}" for k in section("levers")]
    out += [f"drivers.{k}" for k in section("drivers")]
    for m, spec in section("mechanisms").items():
        out.append(f"mechanisms.{m}.enabled")
        params = spec.get("params") if isinstance(spec, dict) else None
        out += [f"mechanisms.{m}.params.{p}" for p in (params or {})]
    out += [f"aims.{k}.weight" for k in section("aims")]
    out += [f"constraints.{k}.enabled" for k in section("constraints")]
    out += [f"time.{k}" for k in ("start", "end", "observed_until") if k in section("time")]
    return out


def _top_level_miss(raw: dict[str, Any], name: str) -> tuple[str, str]:
    """Message and fix for an override path whose first name is unknown."""
    paths = settable_paths(raw)
    by_name: dict[str, str] = {}
    for p in paths:  # a bare lever, driver, aim or parameter name stands for its path
        for part in p.split(".")[1:]:
            if part not in ("enabled", "params", "weight"):
                by_name.setdefault(part, p)
    close = difflib.get_close_matches(name, [*by_name, *paths], n=3)
    shown: dict[str, str] = {}  # one mention per path
    for c in close:
        path = by_name.get(c, c)
        shown.setdefault(path, f"'{c}' ({path})" if c in by_name else f"'{c}'")
    hits = list(shown.values())
    hint = f"did you mean {' or '.join(hits)}? " if hits else ""
    return (f"no '{name}' in the scenario",
            f"{hint}available: levers.NAME, drivers.NAME, mechanisms.NAME.params.PARAM, "
            "aims.NAME.weight, constraints.ID.enabled (every mechanism parameter: "
            "multipolar mechanisms)")


def check_path(raw: dict[str, Any], path: str) -> tuple[str, str] | None:
    """``None`` if ``path`` names something in ``raw``, else ``(message, fix)``."""
    try:
        _locate(raw, path)
    except LookupError as exc:
        name, options, where = exc.args
        if where == "<top>":  # a top-level typo: suggest settable paths, not section names
            return _top_level_miss(raw, str(name))
        close = difflib.get_close_matches(str(name), options, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        shown = ", ".join(options[:20]) + (" ..." if len(options) > 20 else "")
        return (f"no '{name}' under {where}",
                f"{hint}available there: {shown}" if options else "check the path")
    return None


def _quantile(spec: dict[str, Any], q: float, path: str) -> float:
    """Quantile ``q`` of the distribution ``spec`` (a scenario parameter's mapping)."""
    # lazy: keeps start-up fast (loads scipy)
    from scipy import stats

    dist = spec.get("dist")
    if dist == "uniform":
        return float(spec["low"]) + q * (float(spec["high"]) - float(spec["low"]))
    if dist == "normal":
        return float(stats.norm.ppf(q, float(spec["mean"]), float(spec["sd"])))
    if dist == "lognormal":
        return float(np.exp(stats.norm.ppf(q, float(spec["mean"]), float(spec["sd"]))))
    if dist == "triangular":
        lo, mode, hi = float(spec["low"]), float(spec["mode"]), float(spec["high"])
        return float(stats.triang.ppf(q, (mode - lo) / max(hi - lo, 1e-12), lo, hi - lo))
    raise ScenarioError(f"{path}: {{quantile: {q}}} needs a parameter with a distribution",
                        field=path, fix="give the parameter a 'dist' in the scenario, or set a "
                                        "number")


# a declared parameter the scenario leaves at its default: one times the declared default
_DEFAULT = {"value": 1.0, "relative_to": "default"}


def _relative_to(current: dict[str, Any]) -> dict[str, Any]:
    """``{relative_to: ...}`` of ``current`` when it is written relative to the default."""
    return {"relative_to": current["relative_to"]} if "relative_to" in current else {}


def _relative(current: Any, value: dict[str, Any], path: str) -> Any:
    """Resolve ``{quantile: Q}`` or ``{scale: M}`` against the parameter's present value."""
    if "quantile" in value:
        q = float(value["quantile"])
        if not 0.0 <= q <= 1.0:
            raise ScenarioError(f"{path}: quantile {q} lies outside [0, 1]", field=path,
                                fix="choose a quantile between 0 and 1")
        if not isinstance(current, dict) or current is _DEFAULT:
            raise ScenarioError(f"{path}: {{quantile: {q}}} needs a parameter with a "
                                "distribution", field=path,
                                fix="give the parameter a 'dist' in the scenario")
        return {"value": _quantile(current, q, path), **_relative_to(current)}
    m = float(value["scale"])
    if not isinstance(current, dict):
        return float(current) * m
    if "value" in current:
        return {"value": float(current["value"]) * m, **_relative_to(current)}
    out = dict(current)
    keys = {"uniform": ("low", "high"), "triangular": ("low", "mode", "high"),
            "normal": ("mean", "sd")}.get(str(current.get("dist")))
    if keys is None:
        raise ScenarioError(f"{path}: {{scale: {m}}} is not defined for a "
                            f"'{current.get('dist')}' distribution", field=path,
                            fix="use {quantile: Q} or a number")
    for k in keys:
        out[k] = float(current[k]) * m
    out.pop("bounds", None)
    return out


def set_path(raw: dict[str, Any], path: str, value: Any) -> None:
    """Set ``path`` to ``value`` in ``raw`` (in place), with the semantics in the module doc."""
    container, key, parts = _locate(raw, path)
    if isinstance(value, dict) and set(value) in ({"quantile"}, {"scale"}):
        if isinstance(container, _Absent):  # at its declared default (a number), resolved
            current: Any = _DEFAULT      # when the scenario is compiled
        else:
            current = container.get(key) if isinstance(container, dict) else container[key]
        value = _relative(current, value, path)
    if isinstance(container, _Absent):  # a declared parameter left at its default so far
        if container.mechanism.get("params") is None:
            container.mechanism["params"] = {}
        container.mechanism["params"][key] = value
        return
    current = container.get(key) if isinstance(container, dict) else container[key]
    section = parts[0]
    if section == "drivers" and len(parts) == 2 and not isinstance(value, dict) \
            and isinstance(current, dict):
        drv = current
        drv["constant"] = value
        drv.pop("past", None)
        drv["future"] = {"model": "constant", "level": value}
        return
    if section == "levers" and len(parts) == 2 and isinstance(current, dict):
        lo, hi = current.get("bounds") or (0.0, 1.0)
        if isinstance(value, int | float) and not isinstance(value, bool) \
                and not lo <= value <= hi:
            raise ScenarioError(f"--set {path}={value}: lies outside the lever's bounds "
                                f"[{lo}, {hi}]", field="--set",
                                fix=f"choose a value in [{lo}, {hi}]")
        current["value"] = value
        return
    if section == "mechanisms" and len(parts) == 2 and isinstance(value, bool) \
            and isinstance(current, dict):
        current["enabled"] = value
        return
    if isinstance(current, dict) and ("value" in current or "dist" in current) \
            and not isinstance(value, dict):
        keep = {k: v for k, v in current.items()
                if k in ("unit", "description", "source", "evidence", "bounds")}
        keep["value"] = value
        if "bounds" in keep:
            lo, hi = keep["bounds"]
            if isinstance(value, int | float) and not lo <= value <= hi:
                keep.pop("bounds")
                keep["value"] = value
                raise ScenarioError(f"{path}={value} lies outside the bounds [{lo}, {hi}]",
                                    field=path, fix=f"choose a value in [{lo}, {hi}]")
        container[key] = keep
        return
    if isinstance(current, dict) and isinstance(value, dict) and \
            ("value" in current or "dist" in current) and ("value" in value or "dist" in value):
        keep = {k: v for k, v in current.items()
                if k in ("unit", "description", "source", "evidence")}
        keep.update(value)
        container[key] = keep
        return
    container[key] = value


def apply_sets(raw: dict[str, Any], pairs: dict[str, Any], src: SourceMap | None = None,
               origin: str = "--set") -> dict[str, Any]:
    """A copy of ``raw`` with every override applied; all bad paths reported together."""
    out = copy.deepcopy(raw)
    problems: list[Problem] = []
    for path, value in pairs.items():
        if is_dated_key(path):
            problems.extend(apply_dated(out, path, value, origin))
            continue
        msg = check_path(out, path)
        if msg is not None:
            problems.append(Problem(f"{origin} {path}: {msg[0]}", field=path, fix=msg[1]))
            continue
        try:
            set_path(out, path, value)
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems=problems, title=f"cannot apply {origin}")
    return out


def apply_overlay(raw: dict[str, Any], src: SourceMap, section: str, name: str,
                  scenario: Scenario) -> dict[str, Any]:
    """Apply the perspective or hypothesis ``name`` (from ``section``) to ``raw``."""
    table = getattr(scenario, section)
    if name not in table:
        known = sorted(table)
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise ScenarioError(f"the scenario has no {SINGULAR[section]} '{name}'",
                            file=src.default_file, field=section,
                            fix=f"{hint}available: {', '.join(known) or '(none)'}")
    return apply_sets(raw, dict(table[name].overrides), src,
                      origin=f"{SINGULAR[section]} '{name}'")


# ------------------------------------------------------------------------- dated overrides

def _span(raw: dict[str, Any]) -> tuple[int, int]:
    t = raw.get("time") if isinstance(raw.get("time"), dict) else {}
    spec = TimeSpec.model_construct(**{k: v for k, v in (t or {}).items()
                                       if k in ("start", "end")})
    return int(spec.start), int(spec.end)


def _actor_refs(raw: dict[str, Any]) -> list[tuple[str, str | None, str | None]]:
    return [(str(a.get("id")), a.get("name"), a.get("iso3"))
            for a in raw.get("actors") or [] if isinstance(a, dict)]


def apply_dated(raw: dict[str, Any], key: str, value: Any, origin: str = "--set") -> list[Problem]:
    """Write the dated or targeted override ``key=value`` into ``raw``; problems found."""
    shown = f"{origin} '{key.split('@')[0]}={value}" + \
        (f"@{key.rpartition('@')[2]}'" if "@" in key else "'")
    try:
        path, target, year = split_key(key)
    except ValueError:
        return [Problem(f"{shown}: malformed target brackets", field=origin, fix=_DATED_FIX)]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return [Problem(f"{shown}: value is not a number", field=origin, fix=_DATED_FIX)]
    msg = check_path(raw, path)
    if msg is not None:
        return [Problem(f"{shown}: {msg[0]}", field=origin, fix=msg[1])]
    container, name, parts = _locate(raw, path)
    node = container[name]
    is_lever = parts[0] == "levers" and len(parts) == 2
    is_param = (parts[0] == "mechanisms" and len(parts) == 4 and parts[2] == "params") or \
        (parts[0] == "aims" and parts[2:] == ["weight"])
    if not (is_lever or is_param) or (isinstance(node, dict) and
                                      ("series" in node or "data" in node)):
        return [Problem(f"{shown}: '{'.'.join(parts)}' cannot change by year or target",
                        field=origin,
                        fix="only levers, mechanism parameters (MECHANISM.PARAM) and aim "
                            "weights can; drop the [TARGET] and @YEAR parts for others")]
    lo, hi = _span(raw)
    if year is not None and not lo <= year <= hi:
        return [Problem(f"{shown}: year {year} lies outside the scenario's time span "
                        f"{lo}-{hi}", field=origin, fix=f"choose a year in {lo}..{hi}")]
    actor = None
    if target is not None:
        actor = resolve_actor_ref(_actor_refs(raw), target)
        if actor is None:
            return [Problem(f"{shown}: unknown target '{target}'", field=origin,
                            fix=suggest(target, [a for a, _, _ in _actor_refs(raw)])
                            + "; or use an ISO3 code such as UKR")]
    if not isinstance(node, dict):
        node = container[name] = {"value": node}
    bounds = node.get("bounds") or ((0.0, 1.0) if is_lever else None)
    if bounds is not None and not bounds[0] <= value <= bounds[1]:
        return [Problem(f"{shown}: {value} lies outside the bounds [{bounds[0]}, {bounds[1]}]",
                        field=origin, fix=f"choose a value in [{bounds[0]}, {bounds[1]}]")]
    _write_dated(node, actor, year, float(value))
    return []


def _write_dated(node: dict[str, Any], actor: str | None, year: int | None,
                 value: float) -> None:
    """Put ``value`` into ``node``'s ``from``/``by_target`` for ``actor`` from ``year``."""
    if actor is None:
        assert year is not None
        node.setdefault("from", {})[year] = value
        return
    table = node.setdefault("by_target", {})
    cur = table.get(actor)
    if year is None:
        if isinstance(cur, dict):
            cur["value"] = value
        else:
            table[actor] = value
        return
    if isinstance(cur, dict):
        cur.setdefault("from", {})[year] = value
    elif cur is not None:
        table[actor] = {"value": cur, "from": {year: value}}
    else:
        table[actor] = {"from": {year: value}}


# ---------------------------------------------------------------------------------- events

_EVENT = re.compile(r"^(?P<kind>[^:]*):(?P<target>[^/@]*)(?:/(?P<inst>[^@]*))?@(?P<year>.*)$")
_EVENT_FIX = ("write --event KIND:TARGET@YEAR (e.g. use_of_force:UKR@2022) or, for accession "
              "and exit, KIND:TARGET/INSTITUTION@YEAR (e.g. accession:ARM/EAEU@2015)")


def parse_event(item: str) -> Event:
    """One ``KIND:TARGET[/INSTITUTION]@YEAR`` item as an :class:`Event` (target unresolved)."""
    m = _EVENT.match(item.strip())
    if m is None:
        raise ScenarioError(f"--event '{item}' is not of the form KIND:TARGET@YEAR",
                            field="--event", fix=_EVENT_FIX)
    kind, target = m.group("kind").strip(), m.group("target").strip()
    inst = (m.group("inst") or "").strip() or None
    if kind not in EVENT_KINDS:
        close = difflib.get_close_matches(kind, EVENT_KINDS, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise ScenarioError(f"--event '{item}': unknown kind '{kind}'", field="--event",
                            fix=f"{hint}kinds: {', '.join(EVENT_KINDS)}")
    if not target:
        raise ScenarioError(f"--event '{item}': no target", field="--event", fix=_EVENT_FIX)
    year_text = m.group("year").strip()
    if not re.fullmatch(r"-?\d{1,4}", year_text):
        raise ScenarioError(f"--event '{item}': '{year_text}' is not a year", field="--event",
                            fix=_EVENT_FIX)
    if kind in INSTITUTION_EVENTS and inst is None:
        raise ScenarioError(f"--event '{item}': an {kind} event needs an institution",
                            field="--event",
                            fix=f"write {kind}:{target}/INSTITUTION@{year_text}, "
                                f"e.g. {kind}:{target}/EAEU@{year_text}")
    if kind not in INSTITUTION_EVENTS and inst is not None:
        raise ScenarioError(f"--event '{item}': a {kind} event takes no institution",
                            field="--event", fix=f"write {kind}:{target}@{year_text}")
    try:
        return Event.model_validate({"kind": kind, "target": target, "year": int(year_text),
                                     "institution": inst,
                                     "description": f"--event {item.strip()}"})
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ScenarioError(f"--event '{item}': {where}: {first['msg']}", field="--event",
                            fix=_EVENT_FIX) from None


def parse_events(items: list[str]) -> list[Event]:
    """Parse ``--event`` items; the first malformed one raises a located error naming it."""
    return [parse_event(item) for item in items]


def event_problem(sc: Scenario, target: str, year: int, institution: str | None,
                  insts: list[str]) -> tuple[str, str, str] | None:
    """``(message, fix, field)`` for what is wrong with an event, or None when it is sound."""
    if sc.resolve_actor(target) is None:
        return (f"unknown target '{target}'",
                suggest(target, sc.actor_ids()) + "; or use an ISO3 code such as UKR",
                "target")
    if not sc.time.start <= year <= sc.time.end:
        return (f"year {year} lies outside the scenario's time span "
                f"{sc.time.start}-{sc.time.end}",
                f"choose a year in {sc.time.start}..{sc.time.end}", "year")
    if institution is not None and institution not in insts:
        return (f"unknown institution '{institution}'", suggest(institution, insts),
                "institution")
    return None


def event_item(ev: Event) -> str:
    """The ``--event`` form of ``ev``."""
    inst = f"/{ev.institution}" if ev.institution else ""
    return f"{ev.kind}:{ev.target}{inst}@{ev.year}"


def apply_events(raw: dict[str, Any], scenario: Scenario, events: list[Event],
                 items: list[str]) -> tuple[dict[str, Any], list[str]]:
    """A copy of ``raw`` with ``events`` appended, and their canonical ``--event`` items.

    Targets are resolved to actor ids and institutions to their ids; every bad item is
    reported at once, each naming the ``--event`` item.
    """
    insts = [i.id for i in scenario.institutions]
    by_fold = {i.casefold(): i for i in insts}
    out = copy.deepcopy(raw)
    added = list(out.get("events") or [])
    canonical: list[str] = []
    problems: list[Problem] = []
    for ev, item in zip(events, items, strict=True):
        inst = by_fold.get(ev.institution.casefold(), ev.institution) \
            if ev.institution else None
        msg = event_problem(scenario, ev.target, ev.year, inst, insts)
        if msg is not None:
            problems.append(Problem(f"--event '{item}': {msg[0]}", field="--event", fix=msg[1]))
            continue
        entry: dict[str, Any] = {"kind": ev.kind, "target": scenario.resolve_actor(ev.target),
                                 "year": ev.year,
                                 "description": ev.description or f"--event {item}"}
        if inst is not None:
            entry["institution"] = inst
        added.append(entry)
        canonical.append(event_item(Event.model_construct(**entry)))
    if problems:
        raise ScenarioError(problems=problems, title="cannot apply --event")
    out["events"] = added
    return out, canonical
