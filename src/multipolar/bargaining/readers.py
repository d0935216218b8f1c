"""Read bargaining inputs into an :class:`~multipolar.bargaining.issues.IssueSet`.

Four formats, detected from the file name and its first line:

* multipolar's own YAML issue file (actors with ``position``, ``salience``, ``capability``, a
  ``scale``, an optional ``reference`` point and ``evidence`` citations ``{doc, locator, claim}``
  as in scenarios);
* a KTAB SMP CSV (line 1: scenario name, description, number of actors, number of dimensions;
  line 2: ``Actor,Description,Power,Pstn1,Sal1,...``; positions on 0–100; an actor's saliences
  sum to at most 100);
* a simple CSV with the columns ``Actor,Capability,Position,Salience`` (positions on 0–100);
* a DEU-style tab-separated file (row 2 holds capability weights in the ``p<actor>`` columns;
  columns ``p<actor>``/``s<actor>`` hold positions and saliences; ``rp`` the reference point;
  ``out`` the outcome; a blank position means the actor was absent).

Every problem is raised as :class:`~multipolar.core.errors.InputError` naming the file, line, column
and field, with a fix. Depends on NumPy, PyYAML, pydantic and the ground (the citation and the
YAML reader of :mod:`multipolar.core`).
"""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from multipolar.bargaining.issues import IssueSet
from multipolar.core.citation import Citation
from multipolar.core.errors import InputError, MultipolarError, Problem
from multipolar.core.yamlsource import SourceMap, read_yaml

Cell = tuple[str, int]  # value, 1-based column where the field starts


def split_line(line: str, delim: str) -> list[Cell]:
    """Split one CSV/TSV line into ``(value, column)`` cells; double quotes are removed."""
    cells: list[Cell] = []
    buf: list[str] = []
    start, quoted, i = 1, False, 0
    while i < len(line):
        ch = line[i]
        if quoted:
            if ch == '"' and i + 1 < len(line) and line[i + 1] == '"':
                buf.append('"')
                i += 1
            elif ch == '"':
                quoted = False
            else:
                buf.append(ch)
        elif ch == '"':
            quoted = True
        elif ch == delim:
            cells.append(("".join(buf).strip(), start))
            buf, start = [], i + 2
        else:
            buf.append(ch)
        i += 1
    cells.append(("".join(buf).strip(), start))
    return cells


def _lines(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("file not found", file=str(path),
                         fix="check the path (bundled examples: `multipolar bargain examples`)"
                         ) from None
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", file=str(path),
                         fix="save the file as UTF-8 text") from None
    return text.splitlines()


class _Num:
    """Parses numbers out of cells, collecting problems with their place."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def add(self, message: str, line: int, col: int | None, fld: str, fix: str) -> None:
        self.problems.append(Problem(message, file=self.file, line=line, column=col, field=fld,
                                     fix=fix))

    def number(self, cell: Cell, line: int, fld: str, *, lo: float | None = None,
               hi: float | None = None, what: str = "number", blank_ok: bool = False,
               fix: str | None = None) -> float:
        text, col = cell
        if text == "":
            if blank_ok:
                return math.nan
            self.add(f"missing {what}", line, col, fld, fix or f"write the {what} as a number")
            return math.nan
        try:
            v = float(text)
        except ValueError:
            self.add(f"{what} '{text}' is not a number", line, col, fld,
                     fix or f"write the {what} as a plain number such as 0.25")
            return math.nan
        if not math.isfinite(v):
            self.add(f"{what} '{text}' is not finite", line, col, fld, "write a finite number")
            return math.nan
        if lo is not None and v < lo:
            self.add(f"{what} {v:g} is below {lo:g}", line, col, fld,
                     fix or f"use a value between {lo:g} and {hi:g}" if hi is not None
                     else f"use a value of at least {lo:g}")
        elif hi is not None and v > hi:
            self.add(f"{what} {v:g} is above {hi:g}", line, col, fld,
                     fix or f"use a value between {lo:g} and {hi:g}")
        return v

    def raise_if_any(self, title: str) -> None:
        if self.problems:
            raise InputError(problems=self.problems, title=title)


# ----------------------------------------------------------------------------- simple CSV
def read_simple_csv(path: Path) -> IssueSet:
    """``Actor,Capability,Position,Salience`` rows: one issue on a 0–100 scale."""
    file = str(path)
    lines = _lines(path)
    if not lines or not lines[0].strip():
        raise InputError("the file is empty", file=file, line=1,
                         fix="start with the header Actor,Capability,Position,Salience")
    header = split_line(lines[0], ",")
    names = [h.lower() for h, _ in header]
    need = ["actor", "capability", "position", "salience"]
    missing = [n for n in need if n not in names]
    if missing:
        raise InputError(f"header lacks column(s) {', '.join(missing)}", file=file, line=1,
                         column=1, fix="the header must name Actor,Capability,Position,Salience")
    idx = {n: names.index(n) for n in need}
    num = _Num(file)
    actors: list[str] = []
    cap, pos, sal = [], [], []
    for ln, raw in enumerate(lines[1:], start=2):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        cells = split_line(raw, ",")
        if len(cells) < len(header):
            num.add(f"row has {len(cells)} fields, the header has {len(header)}", ln,
                    len(raw) + 1, "row", "give every column a value (the file may be truncated)")
            continue
        name = cells[idx["actor"]][0]
        if not name:
            num.add("missing actor name", ln, cells[idx["actor"]][1], "Actor", "name the actor")
        elif name in actors:
            num.add(f"actor '{name}' appears twice", ln, cells[idx["actor"]][1], "Actor",
                    "give each actor one row")
        actors.append(name)
        cap.append(num.number(cells[idx["capability"]], ln, "Capability", lo=0.0,
                              what="capability",
                              fix="write the capability as a non-negative number"))
        pos.append(num.number(cells[idx["position"]], ln, "Position", lo=0.0, hi=100.0,
                              what="position", fix="positions lie on the scale 0..100"))
        sal.append(num.number(cells[idx["salience"]], ln, "Salience", lo=0.0, hi=100.0,
                              what="salience", fix="salience lies between 0 and 100"))
    if not actors and not num.problems:
        num.add("no actor rows", len(lines) + 1, None, "row",
                "add one row per actor below the header (the file may be truncated)")
    num.raise_if_any("invalid bargaining CSV")
    return _finish(IssueSet.single(actors, pos, sal, cap, issue_id=path.stem), file, path.stem)


def _finish(iss: IssueSet, file: str, title: str) -> IssueSet:
    iss.source = file
    iss.title = title
    return iss


# ------------------------------------------------------------------------------- KTAB CSV
def read_ktab_csv(path: Path) -> IssueSet:
    """KTAB SMP CSV: each dimension becomes one issue over the same actors (scale 0–100)."""
    file = str(path)
    lines = _lines(path)
    if not lines:
        raise InputError("the file is empty", file=file, line=1,
                         fix="line 1: name,description,actors,dimensions")
    num = _Num(file)
    head = split_line(lines[0], ",")
    if len(head) < 4:
        raise InputError(f"line 1 has {len(head)} fields, expected 4", file=file, line=1,
                         fix="line 1: scenario name, description, number of actors, "
                             "number of dimensions")
    n_act = num.number(head[2], 1, "number of actors", lo=1, what="number of actors")
    n_dim = num.number(head[3], 1, "number of dimensions", lo=1, what="number of dimensions")
    num.raise_if_any("invalid KTAB CSV")
    if n_act != int(n_act) or n_dim != int(n_dim):
        raise InputError("the numbers of actors and dimensions must be whole numbers", file=file,
                         line=1, column=head[2][1], fix="write e.g. 13,2")
    na, nd = int(n_act), int(n_dim)
    if len(lines) < 2:
        raise InputError("the header line (line 2) is missing", file=file, line=2,
                         fix="line 2: Actor,Description,Power,Pstn1,Sal1,...")
    hdr = split_line(lines[1], ",")
    if len(hdr) < 3 + 2 * nd:
        raise InputError(f"line 2 has {len(hdr)} columns; {nd} dimension(s) need {3 + 2 * nd}",
                         file=file, line=2, column=len(lines[1]) + 1,
                         fix="line 2: Actor,Description,Power, then a position and a salience "
                             "column per dimension")
    dims = [hdr[3 + 2 * d][0] or f"dim{d + 1}" for d in range(nd)]
    rows = [(ln, raw) for ln, raw in enumerate(lines[2:], start=3) if raw.strip()]
    if len(rows) < na:
        raise InputError(f"line 1 announces {na} actors but the file has {len(rows)} actor "
                         "rows", file=file, line=len(lines) + 1,
                         fix="add the missing actor rows or correct line 1 (the file may be "
                             "truncated)")
    actors: list[str] = []
    power = np.zeros(na)
    pos = np.zeros((nd, na))
    sal = np.zeros((nd, na))
    for a, (ln, raw) in enumerate(rows[:na]):
        cells = split_line(raw, ",")
        if len(cells) < 3 + 2 * nd:
            num.add(f"row has {len(cells)} fields, expected {3 + 2 * nd}", ln, len(raw) + 1,
                    "row", "give the actor a power and a position and salience per dimension")
            continue
        actors.append(cells[0][0])
        power[a] = num.number(cells[2], ln, "Power", lo=0.0, what="power (capability)",
                              fix="write the power as a non-negative number")
        total, any_bad = 0.0, False
        for d in range(nd):
            pos[d, a] = num.number(cells[3 + 2 * d], ln, hdr[3 + 2 * d][0], lo=0.0, hi=100.0,
                                   what="position", fix="positions lie on 0..100")
            s = num.number(cells[4 + 2 * d], ln, hdr[4 + 2 * d][0], lo=0.0, hi=100.0,
                           what="salience", fix="saliences lie on 0..100")
            any_bad |= math.isnan(s)
            sal[d, a] = s
            total += 0.0 if math.isnan(s) else s
        if not any_bad and total > 100.0 + 1e-9:
            num.add(f"the actor's saliences sum to {total:g}, above 100", ln,
                    cells[4][1], "salience", "scale this actor's saliences to sum to at most 100")
    num.raise_if_any("invalid KTAB CSV")
    iss = IssueSet(
        issue_ids=dims, actors=actors, position=pos, salience=sal / 100.0,
        capability=np.broadcast_to(power, (nd, na)).copy(), mask=np.ones((nd, na), bool),
        low=np.zeros(nd), high=np.full(nd, 100.0), reference=np.full(nd, np.nan),
        observed=np.full(nd, np.nan),
    )
    return _finish(iss, file, head[0][0])


# ------------------------------------------------------------------------------- DEU TSV
DEU_META = ("prnr", "prname", "type", "council", "proc", "counvte")
DEU_DEFAULT_SALIENCE = 50.0
"""Salience used where DEU gives a position but no salience (the data set's own convention)."""


DEU_SCALE = ("0..100 policy scale of the DEU III data set (its ends are the most extreme "
             "positions taken on the proposal; the reference point is the status quo)")
"""What DEU III positions mean."""


def read_deu(path: Path) -> IssueSet:
    """Read a DEU-style TSV: one issue per row from line 3, capability weights on line 2."""
    file = str(path)
    lines = _lines(path)
    if len(lines) < 3:
        raise InputError(f"the file has {len(lines)} line(s); a DEU file needs a header, a "
                         "capability row and at least one issue", file=file,
                         line=len(lines) + 1, fix="check that the file is complete")
    header = split_line(lines[0], "\t")
    names = [h for h, _ in header]
    col = {n: i for i, n in enumerate(names)}
    for need in ("isnr", "rp", "out"):
        if need not in col:
            raise InputError(f"column '{need}' is missing", file=file, line=1,
                             fix="a DEU file has the columns isnr, p<actor>, s<actor>, rp, out")
    actors = [n[1:] for n in names if n.startswith("s") and "p" + n[1:] in col]
    if not actors:
        raise InputError("no pair of p<actor>/s<actor> columns found", file=file, line=1,
                         fix="name position columns p<actor> and salience columns s<actor>")
    num = _Num(file)
    caprow = split_line(lines[1], "\t")
    if len(caprow) < len(header):
        raise InputError(f"the capability row has {len(caprow)} fields, the header "
                         f"{len(header)}", file=file, line=2, column=len(lines[1]) + 1,
                         fix="line 2 holds the capability weight of each actor in its p column")
    cap = np.array([num.number(caprow[col["p" + a]], 2, "p" + a, lo=0.0,
                               what="capability weight",
                               fix="write the actor's capability weight (e.g. its votes)")
                    for a in actors])
    num.raise_if_any("invalid DEU file")
    rows = [(ln, raw) for ln, raw in enumerate(lines[2:], start=3) if raw.strip()]
    ni, na = len(rows), len(actors)
    pos = np.full((ni, na), np.nan)
    sal = np.zeros((ni, na))
    rp = np.full(ni, np.nan)
    out = np.full(ni, np.nan)
    ids: list[str] = []
    meta: dict[str, list[str]] = {k: [] for k in DEU_META if k in col}
    for i, (ln, raw) in enumerate(rows):
        cells = split_line(raw, "\t")
        if len(cells) < len(header):
            num.add(f"row has {len(cells)} fields, the header {len(header)}", ln,
                    len(raw) + 1, "row", "the row is truncated: complete it or delete it")
            ids.append(f"row{ln}")
            for k in meta:
                meta[k].append("")
            continue
        ids.append(cells[col["isnr"]][0] or f"row{ln}")
        for k in meta:
            meta[k].append(cells[col[k]][0])
        for a, name in enumerate(actors):
            p = num.number(cells[col["p" + name]], ln, "p" + name, lo=0.0, hi=100.0,
                           what="position", blank_ok=True, fix="positions lie on 0..100")
            s = num.number(cells[col["s" + name]], ln, "s" + name, lo=0.0, hi=100.0,
                           what="salience", blank_ok=True, fix="saliences lie on 0..100")
            pos[i, a] = p
            sal[i, a] = DEU_DEFAULT_SALIENCE if math.isnan(s) else s
        rp[i] = num.number(cells[col["rp"]], ln, "rp", lo=0.0, hi=100.0,
                           what="reference point", blank_ok=True)
        out[i] = num.number(cells[col["out"]], ln, "out", lo=0.0, hi=100.0, what="outcome",
                            blank_ok=True)
    num.raise_if_any("invalid DEU file")
    mask = ~np.isnan(pos)
    empty = np.flatnonzero(mask.sum(axis=1) == 0)
    if empty.size:
        ln = rows[int(empty[0])][0]
        raise InputError("no actor has a position on this issue", file=file, line=ln,
                         fix="give at least one p<actor> value or delete the row")
    iss = IssueSet(
        issue_ids=ids, actors=actors, position=np.nan_to_num(pos), salience=sal / 100.0,
        capability=np.broadcast_to(cap, (ni, na)).copy(), mask=mask,
        low=np.zeros(ni), high=np.full(ni, 100.0), reference=rp, observed=out,
        meta={**meta, "scale": [DEU_SCALE] * ni},
    )
    return _finish(iss, file, path.name)


# ---------------------------------------------------------------------------------- YAML
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ActorSpec(_Strict):
    """One actor of a YAML issue."""

    name: str = Field(min_length=1)
    position: float
    salience: float = Field(ge=0, le=100)
    capability: float = Field(ge=0)
    note: str | None = None
    evidence: list[Citation] = Field(default_factory=list)


class ScaleSpec(_Strict):
    """The issue scale: numeric ends and what they mean."""

    low: float = 0.0
    high: float = 100.0
    low_label: str = ""
    high_label: str = ""
    unit: str = ""
    description: str = ""

    def text(self) -> str:
        """One line: the ends and what they mean, the unit, and any description."""
        ends = (f"{self.low:g} = {self.low_label or '(low end)'} ... "
                f"{self.high:g} = {self.high_label or '(high end)'}")
        extra = "; ".join(x for x in (self.unit, self.description) if x)
        return f"{ends} ({extra})" if extra else ends


class IssueSpec(_Strict):
    """A multipolar YAML issue file."""

    issue: str = Field(min_length=1)
    title: str = ""
    question: str = ""
    scale: ScaleSpec = Field(default_factory=ScaleSpec)
    reference: float | None = None
    outcome: float | None = None
    actors: list[ActorSpec] = Field(min_length=1)
    evidence: list[Citation] = Field(default_factory=list)
    notes: str = ""


def read_yaml_issue(path: Path) -> IssueSet:
    """Read a multipolar YAML issue file (see ``docs/how-to/bargaining.md``)."""
    file = str(path)
    text = "\n".join(_lines(path))
    try:
        raw, marks = read_yaml(text, file)
    except MultipolarError as exc:
        raise InputError(problems=exc.problems, title="invalid issue file") from None
    src = SourceMap(marks=marks, default_file=file)
    if not isinstance(raw, dict):
        raise InputError("the file must be a mapping with 'issue', 'scale' and 'actors'",
                         file=file, line=1, fix="see docs/how-to/bargaining.md for an example")
    try:
        spec = IssueSpec.model_validate(raw)
    except ValidationError as exc:
        probs = []
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            msg = str(err["msg"]).removeprefix("Value error, ")
            fix = {"missing": f"add the field '{loc[-1] if loc else ''}'",
                   "extra_forbidden": "remove this field or fix its spelling",
                   "float_parsing": "write a plain number"}.get(
                       err["type"], "change the value to lie in the allowed range")
            probs.append(src.problem(loc, msg, fix))
        raise InputError(problems=probs, title="invalid issue file") from None
    probs = []
    sc = spec.scale
    if not sc.low < sc.high:
        probs.append(src.problem(("scale",), "scale needs low < high", "swap or fix the ends"))
    seen: set[str] = set()
    for k, a in enumerate(spec.actors):
        if not sc.low <= a.position <= sc.high:
            probs.append(src.problem(("actors", k, "position"),
                                     f"position {a.position:g} is outside the scale "
                                     f"[{sc.low:g}, {sc.high:g}]", "move it onto the scale"))
        if a.name in seen:
            probs.append(src.problem(("actors", k, "name"), f"actor '{a.name}' appears twice",
                                     "give each actor one entry"))
        seen.add(a.name)
    for key in ("reference", "outcome"):
        v = getattr(spec, key)
        if v is not None and not sc.low <= v <= sc.high:
            probs.append(src.problem((key,), f"{key} {v:g} is outside the scale",
                                     "move it onto the scale"))
    if probs:
        raise InputError(problems=probs, title="invalid issue file")
    iss = IssueSet.single([a.name for a in spec.actors], [a.position for a in spec.actors],
                          [a.salience for a in spec.actors], [a.capability for a in spec.actors],
                          low=sc.low, high=sc.high,
                          reference=math.nan if spec.reference is None else spec.reference,
                          issue_id=spec.issue)
    if spec.outcome is not None:
        iss.observed[0] = spec.outcome
    iss.meta["scale"] = [sc.text()]
    iss.evidence = [c.model_dump() for c in spec.evidence]
    for a in spec.actors:
        iss.evidence += [{**c.model_dump(), "actor": a.name} for c in a.evidence]
    return _finish(iss, file, spec.title or spec.issue)


# ------------------------------------------------------------------------------ dispatch
def detect_format(path: Path) -> str:
    """``yaml``, ``deu``, ``ktab`` or ``csv`` from the suffix and the first line."""
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return "yaml"
    if suffix in (".tsv", ".tab"):
        return "deu"
    first = _lines(path)[:1]
    if first and "\t" in first[0]:
        return "deu"
    if first and [c.lower() for c, _ in split_line(first[0], ",")][:1] == ["actor"]:
        return "csv"
    return "ktab"


READERS = {"yaml": read_yaml_issue, "deu": read_deu, "ktab": read_ktab_csv,
           "csv": read_simple_csv}


def bundled_issue(name: str) -> Path | None:
    """Path of a bundled example issue (``eaeu-integration``) or reference file, if any."""
    base = Path(str(resources.files("multipolar") / "data"))
    for cand in (base / "issues" / name, base / "issues" / f"{name}.yaml",
                 base / "reference" / name, base / name):
        if cand.is_file():
            return cand
    return None


def load_issues(ref: str | Path, fmt: str | None = None) -> IssueSet:
    """Read ``ref`` (a path or a bundled example name) in format ``fmt`` (auto if None)."""
    path = Path(ref)
    if not path.is_file():
        found = bundled_issue(str(ref))
        if found is None:
            raise InputError("file not found", file=str(ref),
                             fix="give a path, or a bundled example "
                                 "(see `multipolar bargain examples`)")
        path = found
    kind = fmt or detect_format(path)
    if kind not in READERS:
        raise InputError(f"unknown input format '{kind}'", file=str(path),
                         fix=f"use one of {', '.join(READERS)}")
    return READERS[kind](path)
