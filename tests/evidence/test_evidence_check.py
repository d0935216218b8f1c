"""check_scenario / check_citations over a small scenario and a synthetic corpus."""

from __future__ import annotations

from pathlib import Path

import pytest
from evidence_helpers import ALPHA, SCENARIO, make_corpus

from multipolar.core.errors import ScenarioError
from multipolar.evidence import (
    Corpus,
    check_citations,
    check_scenario,
    is_citations_file,
    load_citations_file,
)
from multipolar.scenario import Citation, load_scenario_text


@pytest.fixture()
def corpus(tmp_path: Path) -> Corpus:
    return Corpus.from_dir(make_corpus(tmp_path / "corpus"))


def test_check_scenario_reports_found_and_missing(corpus: Corpus) -> None:
    sc = load_scenario_text(SCENARIO)
    rep = check_scenario(sc, corpus)
    by_owner = {r.owner: r for r in rep.results}
    assert set(by_owner) == {
        "citations.integ", "citations.balance", "citations.gone", "citations.nodoc",
        "mechanisms.delegation_limit.params.cap.evidence[0]",
    }
    assert rep.citations == 5 and rep.found == 3 and not rep.ok

    integ = by_owner["citations.integ"]
    assert integ.found and integ.id == "integ" and integ.document == "001_alpha.txt"
    assert integ.offset == ALPHA.index("inte-\ngration")
    assert integ.passage is not None and integ.passage_match is not None
    s, e = integ.passage_match
    assert integ.passage[s:e] == "integration stalled"

    inline = by_owner["mechanisms.delegation_limit.params.cap.evidence[0]"]
    assert inline.found and inline.id is None
    assert inline.offset == ALPHA.index("The ﬁnancial")

    gone = by_owner["citations.gone"]
    assert not gone.found and gone.document == "002_beta.txt"
    assert gone.problem is not None and "not found" in gone.problem and gone.fix

    nodoc = by_owner["citations.nodoc"]
    assert not nodoc.found and nodoc.document is None
    assert nodoc.problem is not None and "not in the corpus" in nodoc.problem
    assert nodoc.fix is not None and "001_alpha.txt" in nodoc.fix


def test_report_json_shape(corpus: Corpus) -> None:
    rep = check_scenario(load_scenario_text(SCENARIO), corpus).to_dict()
    assert rep["citations"] == 5 and rep["found"] == 3
    assert {m["id"] for m in rep["missing"]} == {"gone", "nodoc"}
    assert all(m["fix"] for m in rep["missing"])
    assert rep["documents"]["001_alpha.txt"] == {"citations": 3, "found": 3, "missing": 0}
    assert rep["documents"]["002_beta.txt"] == {"citations": 1, "found": 0, "missing": 1}
    assert rep["documents"]["009_absent.txt"] == {"citations": 1, "found": 0, "missing": 1}
    assert len(rep["results"]) == 5


def test_ambiguous_locator_warns(corpus: Corpus) -> None:
    cits = {"twice": Citation(doc="002", locator="the windfall ended", claim="x y z")}
    rep = check_citations(cits, corpus)
    assert rep.ok and rep.results[0].occurrences == 2
    assert any("occurs 2 times" in w for w in rep.warnings)


def test_path_traversal_in_a_citation_is_a_missing_entry(corpus: Corpus,
                                                           tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("classified words here", encoding="utf-8")
    cits = {"evil": Citation(doc="../secret.txt", locator="classified words here",
                             claim="x y z")}
    rep = check_citations(cits, corpus)
    r = rep.results[0]
    assert not r.found and r.passage is None
    assert r.problem is not None and "not a document name" in r.problem


def test_load_citations_file(tmp_path: Path) -> None:
    p = tmp_path / "c.yaml"
    p.write_text("a:\n  doc: '001'\n  locator: integration stalled\n  claim: It stopped.\n",
                 encoding="utf-8")
    cits = load_citations_file(p)
    assert cits["a"].locator == "integration stalled"


def test_load_citations_file_locates_problems(tmp_path: Path) -> None:
    p = tmp_path / "c.yaml"
    long = " ".join(["word"] * 13)
    p.write_text(f"a:\n  doc: '001'\n  locator: {long}\n  claim: ok claim\n"
                 "b:\n  doc: '001'\n  claim: no locator\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as e:
        load_citations_file(p)
    probs = e.value.problems
    assert len(probs) == 2
    assert probs[0].line == 3 and probs[0].field == "a.locator" and "13 words" in probs[0].message
    assert probs[1].field == "b.locator" and probs[1].line is not None


def test_is_citations_file() -> None:
    assert is_citations_file({"a": {"doc": "001", "locator": "x", "claim": "y"}})
    assert is_citations_file({"citations": {"a": {"doc": "001"}}})
    assert not is_citations_file({"name": "s", "actors": [{"id": "Russia"}]})
    assert not is_citations_file(None)
