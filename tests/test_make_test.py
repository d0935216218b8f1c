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
    assert lines[0].startswith("NOT RUN: 3 test(s)")
    assert "2 x no chromium binary on PATH" in text and "1 x something else" in text
    assert "bash scripts/install-browser.sh" in text
    assert skip_banner([]) == []


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
