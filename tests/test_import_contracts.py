"""The architecture's import contracts (pyproject.toml) can fail: a forbidden import breaks them.

Each case copies the source tree, adds one import that the architecture forbids and checks that
import-linter reports the contract that names the rule as broken (the unchanged tree keeps them
all: ``make lint-imports``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).parent / "lint-imports"


@pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed")
@pytest.mark.parametrize(("module", "line", "contract"), [
    # scenario -> model, while the model imports the scenario: a cycle, and the engine
    ("scenario/tables.py", "from multipolar.model import api as _api",
     "no two packages import each other"),
    ("scenario/tables.py", "from multipolar.model import api as _api",
     "the scenario language knows no engine"),
    # inside a function counts too
    ("forecast/stacking.py", "def _f() -> None:\n    import multipolar.backtest.harness",
     "no two packages import each other"),
    ("bargaining/issues.py", "from multipolar.scenario import schema as _schema",
     "bargaining stands alone"),
    # the dashboard's modules: the backend importing the coalition jobs closes a cycle
    ("web/backend.py", "def _g() -> None:\n    import multipolar.web.coalition",
     "the dashboard's own modules form layers"),
])
def test_a_forbidden_import_breaks_its_contract(tmp_path: Path, module: str, line: str,
                                               contract: str) -> None:
    shutil.copytree(ROOT / "src" / "multipolar", tmp_path / "src" / "multipolar",
                    ignore=shutil.ignore_patterns("__pycache__", "*.csv", "*.tsv", "*.parquet"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "src" / "multipolar" / module
    target.write_text(target.read_text(encoding="utf-8") + "\n\n" + line + "\n",
                      encoding="utf-8")
    res = subprocess.run([str(LINT), "--no-cache"], cwd=tmp_path, capture_output=True,
                         text=True, env={"PYTHONPATH": str(tmp_path / "src"), "PATH": ""},
                         check=False)
    broken = [ln for ln in res.stdout.splitlines() if ln.endswith(" BROKEN")]
    assert res.returncode != 0 and any(ln.startswith(contract) for ln in broken), res.stdout
    assert len(broken) <= 2, broken  # only the rules the one import breaks
