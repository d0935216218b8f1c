"""The package installs whole: data, scenarios, issues and the dashboard's files are in it.

The first test reads them through ``importlib.resources`` from wherever ``multipolar`` is
imported (CI runs the suite against the installed wheel, ``make test-wheel``). The second, in a
source checkout, checks that pyproject's package-data patterns cover every non-Python file
git tracks under ``src/multipolar``, so a new kind of file cannot be left out of the wheel.
"""

from __future__ import annotations

import subprocess
import tomllib
from importlib import resources
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_runtime_files_are_in_the_package() -> None:
    pkg = resources.files("multipolar")
    for rel in ("web/static/index.html", "web/static/app.js", "web/static/style.css",
                "scenarios/russia-neighbourhood/scenario.yaml",
                "data/issues/belarus-gas-price.yaml", "data/unga_idealpoints.csv", "py.typed"):
        assert pkg.joinpath(rel).is_file(), f"{rel} is missing from the installed package"
    assert "<html" in pkg.joinpath("web/static/index.html").read_text(encoding="utf-8").lower()


@pytest.mark.skipif(not (ROOT / ".git").exists() and not (ROOT / "pyproject.toml").is_file(),
                    reason="not a source checkout")
def test_package_data_patterns_cover_every_tracked_file() -> None:
    try:
        listed = subprocess.run(["git", "ls-files", "src/multipolar"], cwd=ROOT, check=True,
                                capture_output=True, text=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("git is not available here")
    base = ROOT / "src" / "multipolar"
    tracked = {Path(p).relative_to("src/multipolar") for p in listed if not p.endswith(".py")}
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "tool"]["setuptools"]["package-data"]["multipolar"]
    covered = {p.relative_to(base) for pat in patterns for p in base.glob(pat) if p.is_file()}
    assert sorted(map(str, tracked - covered)) == []


@pytest.mark.skipif(not (ROOT / "scripts" / "check_wheel.py").is_file(),
                    reason="not a source checkout")
def test_check_wheel_reports_a_missing_static_file(tmp_path: Path) -> None:
    import importlib.util
    import zipfile

    spec = importlib.util.spec_from_file_location("check_wheel", ROOT / "scripts" /
                                                  "check_wheel.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    try:
        tracked = mod.tracked_package_files()
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("git is not available here")
    wheel = tmp_path / "multipolar-0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for name in sorted(tracked):
            if not name.startswith("multipolar/web/static/"):
                zf.writestr(name, "")
    missing = mod.missing_from(wheel)
    assert missing and all(m.startswith("multipolar/web/static/") for m in missing)
    assert "multipolar/web/static/index.html" in missing
    assert mod.main([str(tmp_path)]) == 1
