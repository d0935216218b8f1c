"""Session-wide test settings: where `multipolar` comes from, and a loud list of skips.

With ``MULTIPOLAR_EXPECT_INSTALLED=1`` (``make test-wheel``, which CI runs) the session stops
at once if ``multipolar`` would be imported from the source tree instead of the installed wheel.
At the end, every skipped test is listed with its reason and how to get what it needs (the
browser test needs Chromium: ``bash scripts/install-browser.sh``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

# what a skip reason mentions -> how to get it
REMEDIES = {
    "chromium": "install Chromium: bash scripts/install-browser.sh",
    "seed": "point MULTIPOLAR_CORPUS at the seed documents (../shared/seeds)",
    "mesa": "install the test extra: pip install -e '.[test]'",
}


def pytest_configure(config: pytest.Config) -> None:
    """Stop the session if the installed wheel is expected but the source tree would be used."""
    if os.environ.get("MULTIPOLAR_EXPECT_INSTALLED") != "1":
        return
    import multipolar

    where = Path(multipolar.__file__).resolve()
    if SRC in where.parents:
        raise pytest.UsageError(f"multipolar is imported from the source tree ({where}), not "
                                "from the installed wheel; unset PYTHONPATH and run "
                                "`make test-wheel`")


def skip_banner(reasons: list[str]) -> list[str]:
    """Lines that say loudly which tests were skipped, why, and how to run them."""
    if not reasons:
        return []
    lines = [f"NOT RUN: {len(reasons)} test(s) were skipped, so this is less than CI runs:"]
    for reason in sorted(set(reasons)):
        n = reasons.count(reason)
        lines.append(f"  {n} x {reason}")
        fix = next((f for k, f in REMEDIES.items() if k in reason.lower()), None)
        if fix:
            lines.append(f"      to run: {fix}")
    return lines


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the skip banner at the end of the run."""
    reasons = []
    for rep in terminalreporter.stats.get("skipped", []):
        longrepr = rep.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reasons.append(reason.removeprefix("Skipped: "))
    lines = skip_banner(reasons)
    if lines:
        terminalreporter.write_sep("!", "skipped tests", yellow=True, bold=True)
        for line in lines:
            terminalreporter.write_line(line, yellow=True, bold=True)


@pytest.fixture(autouse=True, scope="session")
def _own_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Tests see the bundled data only: data sets imported by the user (``multipolar data
    import``) live elsewhere, and tests that import data use their own folders."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MULTIPOLAR_DATA_DIR", str(tmp_path_factory.mktemp("datasets")))
        mp.delenv("MULTIPOLAR_DATA", raising=False)
        yield
