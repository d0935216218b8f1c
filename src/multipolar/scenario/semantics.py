"""Cross-reference checks on a structurally valid scenario.

Pydantic checks each field on its own; this module checks what ties fields together: actors
named in memberships, relations, aims and levers exist; citation ids resolve; explicit series
have no gaps; perspectives and hypotheses override paths that exist; data files and columns
are there. Every problem is located with the scenario's :class:`SourceMap`.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from multipolar.core.errors import Problem
from multipolar.scenario.overrides import check_path, event_problem, is_dated_key, split_key
from multipolar.scenario.schema import (
    INSTITUTION_PARAMS,
    Citation,
    Param,
    Scenario,
    Series,
    TargetPath,
)

if TYPE_CHECKING:
    from multipolar.core.yamlsource import Loc, SourceMap

# the word for one item of an overlay section (not section[:-1]: "hypothese")
SINGULAR = {"perspectives": "perspective", "hypotheses": "hypothesis"}


def _suggest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    head = f"did you mean '{close[0]}'? " if close else ""
    listing = ", ".join(known[:25]) + (" ..." if len(known) > 25 else "")
    return f"{head}known: {listing}"


def check_semantics(sc: Scenario, raw: dict[str, Any], src: SourceMap) -> list[Problem]:
    """All cross-reference problems of ``sc`` (empty list when it is sound)."""
    out: list[Problem] = []
    actors = sc.actor_ids()
    actor_set = set(actors)

    def need_actor(name: str | None, loc: Loc, what: str) -> None:
        if name is not None and name not in actor_set:
            out.append(src.problem(loc, f"unknown actor '{name}' in {what}",
                                   f"{_suggest(name, actors)}; or add it under 'actors'"))

    seen: dict[str, int] = {}
    for i, a in enumerate(sc.actors):
        if a.id in seen:
            out.append(src.problem(("actors", i, "id"), f"actor '{a.id}' is defined twice",
                                   f"rename or remove one (first at actors[{seen[a.id]}])"))
        seen[a.id] = i
    need_actor(sc.core, ("core",), "'core'")

    inst_ids = [i.id for i in sc.institutions]
    for i, inst in enumerate(sc.institutions):
        for j, other in enumerate(inst.excludes):
            if other not in inst_ids:
                out.append(src.problem(("institutions", i, "excludes", j),
                                       f"unknown institution '{other}' in excludes",
                                       _suggest(other, inst_ids)))
    inst_seen: set[str] = set()
    for i, inst in enumerate(sc.institutions):
        if inst.id in inst_seen:
            out.append(src.problem(("institutions", i, "id"),
                                   f"institution '{inst.id}' is defined twice", "remove one"))
        inst_seen.add(inst.id)
        need_actor(inst.leader, ("institutions", i, "leader"), f"leader of {inst.id}")
        for j, m in enumerate(inst.members):
            need_actor(m.actor, ("institutions", i, "members", j, "actor"),
                       f"membership of {inst.id}")
        for j, other in enumerate(inst.supersedes):
            if other not in inst_ids or other == inst.id:
                out.append(src.problem(("institutions", i, "supersedes", j),
                                       f"'{other}' in supersedes of {inst.id} is not another "
                                       "institution", _suggest(other, inst_ids)))
        for pname in inst.params:
            if pname not in INSTITUTION_PARAMS:
                out.append(src.problem(
                    ("institutions", i, "params", pname),
                    f"unknown institution parameter '{pname}'",
                    f"{_suggest(pname, list(INSTITUTION_PARAMS))}; accession and exit are "
                    "hazards of the institutions mechanism (multipolar mechanisms), not "
                    "thresholds"))
    out += _constraint_problems(sc, src, need_actor, inst_ids)

    for i, rel in enumerate(sc.relations):
        need_actor(rel.source, ("relations", i, "from"), f"relation ({rel.kind})")
        need_actor(rel.target, ("relations", i, "to"), f"relation ({rel.kind})")
        if rel.source == rel.target:
            out.append(src.problem(("relations", i), f"relation from '{rel.source}' to itself",
                                   "a relation links two different actors"))

    for name, aim in sc.aims.items():
        need_actor(aim.actor, ("aims", name, "actor"), f"aim '{name}'")
    for name, lever in sc.levers.items():
        need_actor(lever.actor, ("levers", name, "actor"), f"lever '{name}'")
        if isinstance(lever.value, dict):
            _gap_check(sorted(lever.value), ("levers", name, "value"), src, out)
        out += _dated_problems(sc, lever.from_, lever.by_target, ("levers", name), src)
    out += _param_schedule_problems(sc, src)
    out += _event_problems(sc, src)
    out += _relative_problems(raw, src)

    for loc, s in _iter_series(raw, sc):
        if s.series is not None:
            _gap_check(sorted(s.series), (*loc, "series"), src, out)

    cits = sc.citations
    for loc, ref in _iter_evidence(raw):
        if isinstance(ref, str) and ref not in cits:
            out.append(src.problem(loc, f"unknown citation id '{ref}'",
                                   _suggest(ref, sorted(cits))
                                   + "; or define it under 'citations'"))

    for section in ("perspectives", "hypotheses"):
        for name, ov in getattr(sc, section).items():
            for path in ov.overrides:
                try:
                    plain = split_key(path)[0] if is_dated_key(path) else path
                except ValueError:
                    plain = path
                msg = check_path(raw, plain)
                if msg is not None:
                    out.append(src.problem((section, name, "overrides", path),
                                           f"{SINGULAR[section]} '{name}' overrides '{path}', "
                                           f"which does not exist: {msg[0]}", msg[1]))
    if sc.default_hypothesis is not None and sc.default_hypothesis not in sc.hypotheses:
        out.append(src.problem(("default_hypothesis",),
                               f"unknown hypothesis '{sc.default_hypothesis}'",
                               _suggest(sc.default_hypothesis, sorted(sc.hypotheses))))
    return out


def _constraint_problems(sc: Scenario, src: SourceMap,
                         need_actor: Callable[[str | None, Loc, str], None],
                         inst_ids: list[str]) -> list[Problem]:
    """Constraints name known actors and institutions; one path per institution."""
    out: list[Problem] = []
    paths: dict[str, str] = {}
    for cid, c in sc.constraints.items():
        for j, a in enumerate(c.actors):
            need_actor(a, ("constraints", cid, "actors", j), f"constraint '{cid}'")
        named: list[tuple[Loc, str]] = \
            [(("constraints", cid, "institution"), c.institution)] if c.institution else []
        named += [(("constraints", cid, "institutions", j), i)
                  for j, i in enumerate(c.institutions)]
        for loc, inst in named:
            if inst not in inst_ids:
                out.append(src.problem(loc, f"unknown institution '{inst}' in constraint "
                                            f"'{cid}'", _suggest(inst, inst_ids)))
        if c.kind == "path" and c.institution in paths:
            out.append(src.problem(("constraints", cid, "institution"),
                                   f"institution '{c.institution}' has two path constraints "
                                   f"('{paths[c.institution]}' and '{cid}')", "keep one"))
        if c.kind == "path" and c.institution:
            paths[c.institution] = cid
    return out


def _dated_problems(sc: Scenario, from_: dict[int, float],
                    by_target: dict[str, float | TargetPath], loc: Loc,
                    src: SourceMap) -> list[Problem]:
    """Years of ``from`` steps inside the time span; ``by_target`` keys naming actors."""
    out: list[Problem] = []
    lo, hi = sc.time.start, sc.time.end

    def years(steps: dict[int, float], where: Loc) -> None:
        for y in steps:
            if not lo <= y <= hi:
                out.append(src.problem((*where, "from", y), f"year {y} lies outside the "
                                       f"scenario's time span {lo}-{hi}",
                                       f"choose a year in {lo}..{hi}"))

    years(from_, loc)
    for target, tp in by_target.items():
        if sc.resolve_actor(target) is None:
            out.append(src.problem((*loc, "by_target", target), f"unknown target '{target}'",
                                   _suggest(target, sc.actor_ids())
                                   + "; or use an actor's ISO3 code"))
        if isinstance(tp, TargetPath):
            years(tp.from_, (*loc, "by_target", target))
    return out


def _param_schedule_problems(sc: Scenario, src: SourceMap) -> list[Problem]:
    """Dated parameters are checked; they are allowed only in mechanisms and aims."""
    out: list[Problem] = []
    for mname, mech in sc.mechanisms.items():
        for pname, pval in mech.params.items():
            if isinstance(pval, Param) and pval.is_dated:
                out += _dated_problems(sc, pval.from_, pval.by_target,
                                       ("mechanisms", mname, "params", pname), src)
    for aname, aim in sc.aims.items():
        if isinstance(aim.weight, Param) and aim.weight.is_dated:
            out += _dated_problems(sc, aim.weight.from_, aim.weight.by_target,
                                   ("aims", aname, "weight"), src)
    elsewhere: list[tuple[Loc, Any]] = [
        *((("actors", i, "attributes", k), v) for i, a in enumerate(sc.actors)
          for k, v in a.attributes.items()),
        *((("institutions", i, "params", k), v) for i, inst in enumerate(sc.institutions)
          for k, v in inst.params.items()),
        *((("levers", k, "value"), lev.value) for k, lev in sc.levers.items()),
        *((("relations", i, "value"), r.value) for i, r in enumerate(sc.relations)),
    ]
    for loc, v in elsewhere:
        if isinstance(v, Param) and v.is_dated:
            out.append(src.problem(loc, "only mechanism parameters, aim weights and levers "
                                        "may change by year or target",
                                   "remove 'from' and 'by_target' here (a lever takes them "
                                   "beside its 'value', not inside it)"))
    return out


def _event_problems(sc: Scenario, src: SourceMap) -> list[Problem]:
    """Events name known actors and institutions, in years inside the time span."""
    out: list[Problem] = []
    insts = [i.id for i in sc.institutions]
    for i, ev in enumerate(sc.events):
        msg = event_problem(sc, ev.target, ev.year, ev.institution, insts)
        if msg is not None:
            out.append(src.problem(("events", i, msg[2]), msg[0], msg[1]))
    return out


def _relative_problems(node: Any, src: SourceMap, loc: Loc = ()) -> list[Problem]:
    """``relative_to: default`` outside a mechanism's parameter or an aim's weight.

    Only those have a declared default in the model (the overlays' own overrides are checked
    once they are applied).
    """
    out: list[Problem] = []
    if isinstance(node, dict):
        if "relative_to" in node and not (
                (len(loc) == 4 and loc[0] == "mechanisms" and loc[2] == "params")
                or (len(loc) == 3 and loc[0] == "aims" and loc[2] == "weight")):
            out.append(src.problem((*loc, "relative_to"),
                                   "'relative_to: default' is allowed only on a mechanism's "
                                   "parameter or an aim's weight (they have a declared default)",
                                   "write the value in absolute terms"))
        for k, v in node.items():
            if not loc and k in ("perspectives", "hypotheses"):
                continue
            out += _relative_problems(v, src, (*loc, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _relative_problems(v, src, (*loc, i))
    return out


def _gap_check(years: list[int], loc: Loc, src: SourceMap, out: list[Problem]) -> None:
    missing = sorted(set(range(years[0], years[-1] + 1)) - set(years))
    if missing:
        shown = ", ".join(map(str, missing[:8])) + (" ..." if len(missing) > 8 else "")
        out.append(src.problem(loc, f"time series has a gap: no value for {shown}",
                               "add the missing years (interpolate explicitly if you must)"))


def _iter_series(raw: dict[str, Any], sc: Scenario) -> list[tuple[Loc, Series]]:
    found: list[tuple[Loc, Series]] = []
    for i, a in enumerate(sc.actors):
        for k, v in a.attributes.items():
            if isinstance(v, Series):
                found.append((("actors", i, "attributes", k), v))
    for name, d in sc.drivers.items():
        if d.past is not None:
            found.append((("drivers", name, "past"), d.past))
    return found


def _iter_evidence(node: Any, loc: Loc = ()) -> list[tuple[Loc, Citation | str]]:
    found: list[tuple[Loc, Citation | str]] = []
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "evidence" and isinstance(v, list):
                for i, ref in enumerate(v):
                    if isinstance(ref, str):
                        found.append(((*loc, k, i), ref))
            elif k != "citations" or loc:
                found.extend(_iter_evidence(v, (*loc, k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found.extend(_iter_evidence(v, (*loc, i)))
    return found


def all_citations(sc: Scenario) -> list[tuple[str, Citation]]:
    """Every citation used or defined in ``sc`` as ``(owner path, citation)``.

    Library citations are listed once under ``citations.<id>``; inline citations under the
    path of what they support. Library citations referenced by id are not repeated.
    """
    out: list[tuple[str, Citation]] = [(f"citations.{k}", c) for k, c in sc.citations.items()]

    def visit(obj: Any, path: str) -> None:
        if isinstance(obj, Citation):
            if not path.startswith("citations."):
                out.append((path, obj))
            return
        if isinstance(obj, BaseModel):
            for name in type(obj).model_fields:
                visit(getattr(obj, name), f"{path}.{name}" if path else name)
        elif isinstance(obj, dict):
            for k, v in obj.items():
                visit(v, f"{path}.{k}" if path else str(k))
        elif isinstance(obj, list):
            for i, v in enumerate(obj):
                key = getattr(v, "id", None)
                visit(v, f"{path}.{key}" if key else f"{path}[{i}]")

    for name in Scenario.model_fields:
        if name != "citations":
            visit(getattr(sc, name), name)
    return out


def evidence_for(sc: Scenario, name: str) -> list[Citation]:
    """Citations supporting the scenario element called ``name``.

    ``name`` may be a mechanism, lever, driver, aim, perspective, hypothesis, institution or
    actor id, a citation id, or a dotted path (``mechanisms.resource_rents.params.elasticity``).
    Citations of an element's parameters count as citations of the element.
    """
    cits = sc.citations

    def resolve(refs: list[Citation | str]) -> list[Citation]:
        return [cits[r] if isinstance(r, str) else r for r in refs if not isinstance(r, str)
                or r in cits]

    def collect(obj: Any) -> list[Citation]:
        got: list[Citation] = []
        if hasattr(obj, "evidence"):
            got += resolve(obj.evidence)
        for sub in ("params", "attributes"):
            for v in (getattr(obj, sub, None) or {}).values():
                if hasattr(v, "evidence"):
                    got += resolve(v.evidence)
        return got

    if name in cits:
        return [cits[name]]
    parts = name.split(".")
    for section in ("mechanisms", "levers", "drivers", "aims", "perspectives", "hypotheses"):
        table = getattr(sc, section)
        rest = parts[1:] if parts[0] == section and len(parts) > 1 else parts
        if rest[0] in table:
            obj: Any = table[rest[0]]
            for p in rest[1:]:
                obj = obj.get(p) if isinstance(obj, dict) else getattr(obj, p, None)
                if obj is None:
                    return []
            return collect(obj)
    for inst in sc.institutions:
        if inst.id == name:
            return collect(inst)
    for a in sc.actors:
        if a.id == name:
            return collect(a)
    return []
