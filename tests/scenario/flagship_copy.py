"""A copy of the flagship scenario with one line changed, for tests of located errors."""

from __future__ import annotations

from pathlib import Path

from multipolar.scenario.loader import bundled_path

FLAGSHIP = bundled_path("russia-neighbourhood")


def copy_with(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    """The flagship (with its citations) with ``old`` replaced once; the 1-based line of it."""
    text = FLAGSHIP.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    line = text[: text.index(old)].count("\n") + 1
    (tmp_path / "citations.yaml").write_text(
        (FLAGSHIP.parent / "citations.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    p = tmp_path / "scenario.yaml"
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    return p, line
