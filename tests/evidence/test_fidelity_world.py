"""The world scenario's citation audit stays true (docs/explanation/fidelity.md, section e).

Section (e) holds the audit of ``russia-world``'s citation library as a table with the columns
of section (a). These tests parse it and check the library against it: every entry has a row
whose seed and locator match; a row without an entry says it was dropped; the audit covers the
62 citations the library held before issue 23; every id the scenario cites is an entry; no
scenario element and no mechanism cites a dropped entry.

Depends on PyYAML and the bundled world scenario; no seed documents needed.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from multipolar.model.mechanisms import MECHANISMS

ROOT = Path(__file__).resolve().parents[2]
WORLD = Path(str(resources.files("multipolar") / "scenarios" / "russia-world"))
FIDELITY = ROOT / "docs" / "explanation" / "fidelity.md"
VERDICTS = {"faithful", "stretched", "wrong"}
USES = ("ok", "unused", "misused", "wrong", "new")


def _library() -> dict[str, dict[str, str]]:
    raw = yaml.safe_load((WORLD / "citations.yaml").read_text(encoding="utf-8"))
    assert isinstance(raw, dict)
    return raw


def _table() -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    text = FIDELITY.read_text(encoding="utf-8")
    section = text.split("## (e)", 1)[1]
    for line in section.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if len(cells) == 6 and cells[0].startswith("`W_"):
            key = cells[0].strip("`")
            assert key not in rows, f"fidelity.md lists {key} twice"
            rows[key] = cells
    return rows


def _evidence(node: Any) -> set[str]:
    if isinstance(node, dict):
        out: set[str] = set()
        for k, v in node.items():
            out |= {str(x) for x in v} if k == "evidence" and isinstance(v, list) else _evidence(v)
        return out
    if isinstance(node, list):
        return set().union(*(_evidence(v) for v in node)) if node else set()
    return set()


LIB = _library()
TABLE = _table()
SCENARIO = yaml.safe_load((WORLD / "scenario.yaml").read_text(encoding="utf-8"))


def test_every_entry_has_a_row_with_its_seed_and_locator() -> None:
    assert sorted(set(LIB) - set(TABLE)) == []
    for key, cit in LIB.items():
        assert TABLE[key][1] == cit["doc"][:3], key
        assert TABLE[key][2] == cit["locator"], key


def test_verdicts_uses_and_drops_are_well_formed() -> None:
    assert all(r[3] in VERDICTS for r in TABLE.values())
    assert all(r[4].startswith(USES) for r in TABLE.values())
    gone = {k: r[5] for k, r in TABLE.items() if k not in LIB}
    assert gone and all(done.startswith("dropped") for done in gone.values()), gone


def test_the_audit_covers_the_62_citations_before_issue_23() -> None:
    audited = [k for k, r in TABLE.items() if r[4] != "new"]
    assert len(audited) == 62
    assert all(r[5].startswith("added") for r in TABLE.values() if r[4] == "new")


def test_nothing_cites_a_dropped_or_missing_entry() -> None:
    cited = _evidence(SCENARIO)
    assert sorted(cited - set(LIB)) == []
    world_ids = {e for cls in MECHANISMS.classes.values() for e in cls.evidence
                 if e.startswith("W_")}
    assert sorted(world_ids - set(LIB)) == []
