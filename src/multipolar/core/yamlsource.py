"""YAML with locations: read a YAML document and remember the file, line and column of every key.

:func:`read_yaml` parses YAML with the safe rules, refuses a repeated key, and returns the data
with a mark for every key and list item; :class:`SourceMap` turns a path in the data (a pydantic
error's location included: its union tags are skipped) into a located
:class:`~multipolar.core.errors.Problem`. The scenario language (:mod:`multipolar.scenario`),
the bargaining readers and the evidence check read their YAML through it.
Depends on PyYAML and :mod:`multipolar.core.errors`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from multipolar.core.errors import Problem, ScenarioError

Loc = tuple[str | int, ...]
Mark = tuple[str, int, int]  # file, line (1-based), column (1-based)

# the tags pydantic puts into an error's location for a union member (the scenario's types)
_UNION_TAGS = {
    "float", "int", "str", "bool", "Param", "Series", "Citation", "TargetPath", "dict[int,float]",
    "tuple[float, float]", "list[float]", "function-after[_check(), Param]",
}


@dataclass
class SourceMap:
    """Where each path of a loaded YAML document stands in its file(s)."""

    marks: dict[Loc, Mark] = field(default_factory=dict)
    default_file: str = "<scenario>"

    def locate(self, loc: Loc) -> tuple[Mark | None, Loc]:
        """The mark of the deepest known prefix of ``loc`` and that prefix."""
        clean = tuple(p for p in loc if not (isinstance(p, str) and is_tag(p)))
        for n in range(len(clean), -1, -1):
            m = self.marks.get(clean[:n])
            if m is not None:
                return m, clean[:n]
        return None, ()

    def problem(self, loc: Loc, message: str, fix: str | None = None) -> Problem:
        """A :class:`Problem` located at ``loc``."""
        mark, _ = self.locate(loc)
        clean = tuple(p for p in loc if not (isinstance(p, str) and is_tag(p)))
        fld = dotted_path(clean) or None
        if mark is None:
            return Problem(message, file=self.default_file, field=fld, fix=fix)
        return Problem(message, file=mark[0], line=mark[1], column=mark[2], field=fld, fix=fix)


def is_tag(p: str) -> bool:
    """True for a union tag of a pydantic error location (not a key of the document)."""
    return p in _UNION_TAGS or p.startswith(("function-", "dict[", "tuple[", "list["))


def dotted_path(loc: Loc) -> str:
    """``loc`` written as ``a.b[0].c``."""
    out = ""
    for p in loc:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _walk(node: yaml.Node, path: Loc, file: str, marks: dict[Loc, Mark],
          cons: yaml.constructor.SafeConstructor) -> Any:
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for knode, vnode in node.value:
            key = _scalar(knode, cons)
            sub = (*path, key)
            _refuse_duplicate_key(result, sub, knode, file, marks)
            marks[sub] = (file, knode.start_mark.line + 1, knode.start_mark.column + 1)
            result[key] = _walk(vnode, sub, file, marks, cons)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for i, item in enumerate(node.value):
            sub = (*path, i)
            marks[sub] = (file, item.start_mark.line + 1, item.start_mark.column + 1)
            items.append(_walk(item, sub, file, marks, cons))
        return items
    return _scalar(node, cons)


def _refuse_duplicate_key(seen: dict[Any, Any], loc: Loc, knode: yaml.Node, file: str,
                          marks: dict[Loc, Mark]) -> None:
    """Raise a located error when a mapping repeats a key (YAML would keep only the last)."""
    key = loc[-1]
    if key not in seen:
        return
    first = marks.get(loc)
    where = f" (first at line {first[1]})" if first else ""
    raise ScenarioError(f"duplicate key '{key}'{where}: only one value can count",
                        file=file, line=knode.start_mark.line + 1,
                        column=knode.start_mark.column + 1, field=dotted_path(loc) or None,
                        fix=f"keep one '{key}' and delete or merge the other")


_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available


def _scalar(node: yaml.Node, cons: yaml.constructor.SafeConstructor) -> Any:
    """Construct a scalar node with YAML's safe rules (ints, floats, bools, nulls)."""
    if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
        return cons.construct_object(node, deep=True)
    return cons.construct_object(node)


def read_yaml(text: str, file: str, prefix: Loc = ()) -> tuple[Any, dict[Loc, Mark]]:
    """Parse YAML text, returning the data and the line/column of every key and item."""
    marks: dict[Loc, Mark] = {}
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        m = exc.problem_mark
        line = m.line + 1 if m is not None else None
        col = m.column + 1 if m is not None else None
        what = (exc.problem or "invalid YAML").strip()
        ctx = f" ({exc.context.strip()})" if exc.context else ""
        raise ScenarioError(
            f"YAML syntax error: {what}{ctx}",
            file=file, line=line, column=col,
            fix="check indentation, colons and quotes around this line "
                "(a value containing ': ' or '#' needs quotes)",
        ) from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"YAML syntax error: {exc}", file=file,
                            fix="check that the file is valid YAML") from None
    if node is None:
        raise ScenarioError("the file is empty", file=file,
                            fix="start from: multipolar scenarios export russia-neighbourhood FILE")
    marks[prefix] = (file, node.start_mark.line + 1, node.start_mark.column + 1)
    # one constructor per document: it caches nodes, and documents may load in parallel threads
    try:
        data = _walk(node, prefix, file, marks, yaml.constructor.SafeConstructor())
    except yaml.MarkedYAMLError as exc:  # e.g. a bare '=' (YAML's reserved value tag)
        m = exc.problem_mark
        raise ScenarioError(f"YAML error: {(exc.problem or 'cannot read a value').strip()}",
                            file=file, line=m.line + 1 if m is not None else None,
                            column=m.column + 1 if m is not None else None,
                            fix="quote this value") from None
    return data, marks
