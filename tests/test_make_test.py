"""`make test` is what CI runs, against the installed wheel, and skips are reported loudly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import skip_banner

ROOT = Path(__file__).resolve().parents[1]


def test_skips_are_listed_with_how_to_run_them() -> None:
    lines = skip_banner(["no chromium binary on PATH", "no chromium binary on PATH",
                         "something else"])
    text = "\n".join(lines)
    assert lines[0].startswith("NOT RUN: 2 test(s)") and "less than CI runs" in lines[0]
    assert "2 x no chromium binary on PATH" in text and "1 x something else" in text
    assert "bash scripts/install-browser.sh" in text
    assert skip_banner([]) == []


def test_a_skip_that_ci_has_too_is_not_called_less_than_ci() -> None:
    """Issue 24: a test skipped by design (in CI too) made the banner say 'less than CI'."""
    lines = skip_banner(["attraction (which holds the budget) is switched off here"])
    text = "\n".join(lines)
    assert "less than CI" not in text and "NOT RUN" not in text
    assert lines[0].startswith("skipped here and in CI alike: 1 test(s)")


@pytest.mark.skipif(not (ROOT / "Makefile").is_file(), reason="not a source checkout")
def test_ci_runs_make_test_which_tests_the_installed_wheel() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, flags=re.M)
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    target = re.search(r"^test:(.*)$", make, flags=re.M)
    assert target is not None and "test-wheel" in target.group(1).split()
    wheel = make[make.index("\ntest-wheel:"):]
    wheel = wheel[:wheel.index("\n\n")]
    assert "-m venv" in wheel and "[test]" in wheel and "env -u PYTHONPATH" in wheel
    assert "MULTIPOLAR_EXPECT_INSTALLED=1" in wheel and "check_wheel.py" in make
