"""Checking every citation of a scenario (or of a citations file) against an evidence corpus.

:func:`check_scenario` walks :func:`multipolar.scenario.semantics.all_citations` and resolves
each ``{doc, locator}`` with :class:`~multipolar.evidence.corpus.Corpus`; the
:class:`EvidenceReport` says for each citation where it was found (document, offset, line,
passage) or why it is missing and how to fix it, and warns about locators that occur more than
once. :func:`load_citations_file` reads a bare citations library (``id: {doc, locator, claim}``)
with located errors. Depends on the scenario package, the corpus and :mod:`multipolar.core.errors`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from multipolar.core.errors import InputError, Problem, ScenarioError
from multipolar.evidence.corpus import Corpus, missing_fix
from multipolar.evidence.text import normalise

if TYPE_CHECKING:  # the scenario schemas are built on first use (CLI start-up stays fast)
    from multipolar.scenario.schema import Citation, Scenario

SHORT_LOCATOR_CHARS = 12


@dataclass
class CitationResult:
    """The outcome of resolving one citation."""

    owner: str
    id: str | None
    doc: str
    locator: str
    claim: str
    found: bool
    document: str | None = None
    offset: int | None = None
    end: int | None = None
    line: int | None = None
    column: int | None = None
    occurrences: int = 0
    passage: str | None = None
    passage_match: tuple[int, int] | None = None
    problem: str | None = None
    fix: str | None = None
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form."""
        return asdict(self)


@dataclass
class EvidenceReport:
    """Results for every citation, with per-document counts."""

    corpus: str
    corpus_documents: list[str]
    results: list[CitationResult]
    scenario: str | None = None

    @property
    def citations(self) -> int:
        """Number of citations checked."""
        return len(self.results)

    @property
    def found(self) -> int:
        """Number of citations whose locator was found."""
        return sum(r.found for r in self.results)

    @property
    def missing(self) -> list[CitationResult]:
        """Citations that could not be resolved."""
        return [r for r in self.results if not r.found]

    @property
    def ok(self) -> bool:
        """True when every citation resolved."""
        return not self.missing

    @property
    def warnings(self) -> list[str]:
        """Warnings (ambiguous or very short locators), each prefixed with its owner."""
        return [f"{r.owner}: {w}" for r in self.results for w in r.warnings]

    def documents(self) -> dict[str, dict[str, int]]:
        """Count citations, found and missing per document.

        Every corpus document is listed, so a document nobody cites shows zeros.
        """
        out: dict[str, dict[str, int]] = {
            n: {"citations": 0, "found": 0, "missing": 0} for n in self.corpus_documents}
        for r in self.results:
            key = r.document or r.doc
            row = out.setdefault(key, {"citations": 0, "found": 0, "missing": 0})
            row["citations"] += 1
            row["found" if r.found else "missing"] += 1
        return out

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON report: counts, missing entries, per-document counts, all results."""
        return {
            "scenario": self.scenario,
            "corpus": self.corpus,
            "citations": self.citations,
            "found": self.found,
            "missing": [{k: r.to_dict()[k] for k in
                         ("owner", "id", "doc", "locator", "problem", "fix")}
                        for r in self.missing],
            "documents": self.documents(),
            "warnings": self.warnings,
            "results": [r.to_dict() for r in self.results],
        }


def check_citation(owner: str, cit: Citation, corpus: Corpus) -> CitationResult:
    """Resolve one citation against ``corpus``."""
    cid = owner.removeprefix("citations.") if owner.startswith("citations.") else None
    res = CitationResult(owner, cid, cit.doc, cit.locator, cit.claim, found=False)
    try:
        name = corpus.resolve_name(cit.doc)
    except InputError as err:
        p = err.problems[0]
        res.problem, res.fix = p.message, p.fix
        return res
    res.document = name
    doc = corpus.documents[name]
    try:
        m = doc.find(cit.locator)
    except InputError as err:  # unreadable document
        p = err.problems[0]
        res.problem, res.fix = p.message, p.fix
        return res
    if m is None:
        res.problem = f"locator not found in {name}"
        res.fix = missing_fix(doc, cit.locator)
        return res
    res.found = True
    res.offset, res.end, res.line, res.column = m.offset, m.end, m.line, m.column
    res.occurrences = m.occurrences
    res.passage = m.passage.text
    b = len(m.passage.before)
    res.passage_match = (b, b + len(m.passage.match))
    if m.occurrences > 1:
        lines = ", ".join(str(doc.line_col(o)[0]) for o in m.offsets[:6])
        res.warnings.append(
            f"locator occurs {m.occurrences} times in {name} (lines {lines}); the first is "
            "reported: lengthen it so it points at one passage")
    if len(normalise(cit.locator).key) < SHORT_LOCATOR_CHARS:
        res.warnings.append(f"locator '{cit.locator}' is very short; a distinctive phrase of "
                            "several words is easier to verify")
    return res


def check_citations(
    citations: Mapping[str, Citation] | Iterable[tuple[str, Citation]],
    corpus: Corpus,
    *,
    scenario: str | None = None,
) -> EvidenceReport:
    """Resolve a batch of citations.

    ``citations`` is ``{id: Citation}`` (owners become ``citations.<id>``) or a sequence of
    ``(owner path, Citation)`` pairs.
    """
    if isinstance(citations, Mapping):
        items = [(f"citations.{k}", c) for k, c in citations.items()]
    else:
        items = list(citations)
    results = [check_citation(owner, c, corpus) for owner, c in items]
    return EvidenceReport(str(corpus.root), corpus.names, results, scenario)


def check_scenario(scenario: Scenario, corpus: Corpus) -> EvidenceReport:
    """Resolve every citation of ``scenario`` (library and inline) against ``corpus``."""
    # lazy: keeps start-up fast (loads numpy, the scenario schema)
    from multipolar.scenario.semantics import all_citations

    return check_citations(all_citations(scenario), corpus, scenario=scenario.name)


def is_citations_file(data: Any) -> bool:
    """Tell whether YAML data is a bare citations library rather than a scenario."""
    if isinstance(data, dict) and set(data) == {"citations"} and isinstance(
            data["citations"], dict):
        data = data["citations"]
    return (isinstance(data, dict) and bool(data) and "actors" not in data
            and all(isinstance(v, dict) and "doc" in v for v in data.values()))


def _citation_model() -> type[Citation]:
    # lazy: keeps start-up fast (loads pydantic)
    from multipolar.core.citation import Citation

    return Citation


def load_citations_file(path: str | Path) -> dict[str, Citation]:
    """Read a citations library (``id: {doc, locator, claim}``), every problem located."""
    # lazy: keeps start-up fast (loads yaml)
    from multipolar.core.yamlsource import SourceMap, read_yaml

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"cannot read citations file: {exc}", file=str(p),
                            fix="give a UTF-8 YAML file of id: {doc, locator, claim}") from None
    data, marks = read_yaml(text, str(p))
    src = SourceMap(marks, str(p))
    prefix: tuple[str, ...] = ()
    if isinstance(data, dict) and set(data) == {"citations"}:
        data, prefix = data["citations"], ("citations",)
    if not isinstance(data, dict):
        raise ScenarioError("a citations file must be a mapping id: {doc, locator, claim}",
                            file=str(p), line=1, fix="write one 'id:' block per citation")
    out: dict[str, Citation] = {}
    problems: list[Problem] = []
    for key, value in data.items():
        try:
            out[str(key)] = _citation_model().model_validate(value)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                loc = (*prefix, key, *err["loc"])
                msg = str(err["msg"]).removeprefix("Value error, ")
                problems.append(src.problem(loc, msg, "each citation needs doc, locator "
                                                      "(at most 12 words) and claim"))
    if problems:
        raise ScenarioError(problems=problems, title=f"{p} is not a valid citations file")
    return out
