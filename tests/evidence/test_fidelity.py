"""The citation audit stays true: every id referred to resolves, nothing in the library is idle.

``docs/explanation/fidelity.md`` holds the audit of the flagship's citation library as a table
(key, seed, locator, verdict, use before the audit, what was done). These tests parse that
table and check the project against it:

- every citation id that the scenario, the tests, the docs or the model's code refers to is an
  entry of the library;
- every library entry has a row, with a seed and locator that match the library;
- an entry that no scenario element and no test uses is marked ``planned`` there, with the
  mechanism that will use it;
- every locator is at most twelve words, counted both by whitespace and as the seed-copy
  checker counts words.

Depends on PyYAML and the bundled flagship scenario; no seed documents needed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = Path(str(resources.files("multipolar") / "scenarios" / "russia-neighbourhood"))
FIDELITY = ROOT / "docs" / "explanation" / "fidelity.md"
SEED_WORD = re.compile(r"[a-z0-9]+")  # the tokenisation of the seed-copy checker
# a citation id: a theory item (A1 ... E4) with an optional lower-case or digit suffix
CITATION_ID = re.compile(r"\b([A-E][1-9](?:_[A-Za-z0-9]+)+)\b")
CITES_CALL = re.compile(r"""cites\(\s*["']([A-Za-z0-9_]+)["']\s*\)""")
VERDICTS = {"faithful", "stretched", "wrong"}


def _library() -> dict[str, dict[str, str]]:
    raw = yaml.safe_load((FLAGSHIP / "citations.yaml").read_text(encoding="utf-8"))
    assert isinstance(raw, dict)
    return raw


def _scenario() -> dict[str, Any]:
    raw = yaml.safe_load((FLAGSHIP / "scenario.yaml").read_text(encoding="utf-8"))
    assert isinstance(raw, dict)
    return raw


def _evidence_refs(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Yield ``(place, id)`` for every entry of every ``evidence:`` list in a scenario."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{path}/{key}"
            if key == "evidence" and isinstance(value, list):
                yield from ((here, str(v)) for v in value)
            else:
                yield from _evidence_refs(value, here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _evidence_refs(value, f"{path}/{i}")


def _test_cites() -> dict[str, list[str]]:
    """Ids passed to ``cites(...)`` in the test suite, with the files that do it."""
    found: dict[str, list[str]] = {}
    for f in sorted((ROOT / "tests").rglob("*.py")):
        for cid in CITES_CALL.findall(f.read_text(encoding="utf-8")):
            found.setdefault(cid, []).append(str(f.relative_to(ROOT)))
    return found


def _table() -> dict[str, list[str]]:
    """The rows of fidelity.md's citation table: key -> its cells."""
    rows: dict[str, list[str]] = {}
    text = FIDELITY.read_text(encoding="utf-8")
    section = text.split("## (a)", 1)[1].split("\n## ", 1)[0]
    for line in section.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if len(cells) == 6 and cells[0].startswith("`"):
            key = cells[0].strip("`")
            assert key not in rows, f"fidelity.md lists {key} twice"
            rows[key] = [c.replace("\\|", "|") for c in cells]
    return rows


LIB = _library()
TABLE = _table()


def test_table_parses() -> None:
    """The table is where the other tests look; an empty parse would make them vacuous."""
    assert len(TABLE) >= len(LIB)
    assert all(row[3] in VERDICTS for row in TABLE.values()), \
        {k: r[3] for k, r in TABLE.items() if r[3] not in VERDICTS}


def test_every_library_entry_has_a_matching_row() -> None:
    missing = sorted(set(LIB) - set(TABLE))
    assert missing == [], f"add these to the table of docs/explanation/fidelity.md: {missing}"
    for key, cit in LIB.items():
        row = TABLE[key]
        assert row[1] == cit["doc"][:3], (key, row[1], cit["doc"])
        assert row[2] == cit["locator"], (key, row[2], cit["locator"])


def test_rows_without_an_entry_say_it_was_dropped() -> None:
    gone = {k: r[5] for k, r in TABLE.items() if k not in LIB}
    assert all(done.startswith("dropped") for done in gone.values()), gone


def test_scenario_evidence_resolves() -> None:
    bad = [(place, cid) for place, cid in _evidence_refs(_scenario()) if cid not in LIB]
    assert bad == []


def test_cited_ids_in_tests_resolve() -> None:
    cites = _test_cites()
    assert cites, "no cites(...) found: the pattern tests moved; update this test"
    bad = {cid: files for cid, files in cites.items() if cid not in LIB}
    assert bad == {}


@pytest.mark.parametrize("folder", ["docs", "src/multipolar/model", "tests/model"])
def test_ids_named_in_docs_and_code_resolve(folder: str) -> None:
    """An id such as ``D6_china_imbalance`` written anywhere must exist in the library.

    fidelity.md's table is exempt: it records the dropped entries on purpose.
    """
    bad: list[str] = []
    for f in sorted((ROOT / folder).rglob("*")):
        if f.suffix not in {".md", ".py"} or not f.is_file():
            continue
        text = f.read_text(encoding="utf-8")
        if f == FIDELITY:
            text = text.split("## (a)", 1)[0] + text.split("## (b)", 1)[1]
        for n, line in enumerate(text.splitlines(), 1):
            bad += [f"{f.relative_to(ROOT)}:{n}: {cid}" for cid in CITATION_ID.findall(line)
                    if cid not in LIB]
    assert bad == []


def test_unused_entries_are_planned_for_a_named_mechanism() -> None:
    used = {cid for _, cid in _evidence_refs(_scenario())} | set(_test_cites())
    idle = {k: TABLE[k][5] for k in LIB if k not in used}
    bad = {k: done for k, done in idle.items()
           if not re.search(r"planned: mechanism `[a-z_]+`", done)}
    assert bad == {}, "use these in the scenario, drop them, or mark them planned in fidelity.md"
    # and a planned mechanism is one that section (c) specifies
    spec = FIDELITY.read_text(encoding="utf-8").split("## (c)", 1)[1]
    for done in idle.values():
        name = re.search(r"planned: mechanism `([a-z_]+)`", done)
        assert name and f"`{name.group(1)}`" in spec, done


def test_locators_are_at_most_twelve_words() -> None:
    long = {k: c["locator"] for k, c in LIB.items()
            if len(c["locator"].split()) > 12
            or len(SEED_WORD.findall(c["locator"].lower())) > 12}
    assert long == {}
