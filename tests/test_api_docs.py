"""The generated Python API page (docs/reference/api.md) is up to date with the docstrings."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "gen_api_docs.py"
PAGE = ROOT / "docs" / "reference" / "api.md"


def _generator():
    spec = importlib.util.spec_from_file_location("gen_api_docs", SCRIPT)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.skipif(not SCRIPT.is_file(), reason="not a source checkout (no scripts/)")
def test_api_page_is_up_to_date() -> None:
    text = _generator().render()
    assert PAGE.is_file(), "run: make docs (or python scripts/gen_api_docs.py docs/reference/api.md)"
    assert PAGE.read_text(encoding="utf-8") == text, (
        "docs/reference/api.md is out of date; run: python scripts/gen_api_docs.py "
        "docs/reference/api.md")


@pytest.mark.skipif(not SCRIPT.is_file(), reason="not a source checkout (no scripts/)")
def test_api_page_documents_the_entry_points() -> None:
    text = _generator().render()
    for name in ("load_scenario", "run_ensemble", "RunSpec", "load_issues", "create_app",
                 "MultipolarError"):
        assert f"`{name}(" in text or f"class `{name}(" in text, name
    assert "\nParameters\n---" not in text  # no stray Markdown headings from numpy docstrings
