"""Check that a built wheel holds every file the package needs at run time.

Usage: ``python scripts/check_wheel.py DIST_FOLDER`` (the newest ``multipolar-*.whl`` there).
Every file under ``src/multipolar`` that git tracks (Python or not: data, scenarios, issues,
the dashboard's static files) must be in the wheel; exits 1 and lists what is missing.
Depends on the standard library and ``git``.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def tracked_package_files() -> set[str]:
    """Paths (relative to ``src``) of the files git tracks under ``src/multipolar``."""
    text = subprocess.run(["git", "ls-files", "src/multipolar"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout
    return {line.removeprefix("src/") for line in text.splitlines() if line.strip()}


def missing_from(wheel: Path) -> list[str]:
    """Tracked package files that ``wheel`` lacks."""
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    return sorted(tracked_package_files() - names)


def main(argv: list[str]) -> int:
    """Check the newest wheel in ``argv[0]``; print what is missing."""
    folder = Path(argv[0] if argv else "dist")
    wheels = sorted(folder.glob("multipolar-*.whl"), key=lambda p: p.stat().st_mtime)
    if not wheels:
        print(f"error: no multipolar wheel in {folder}", file=sys.stderr)
        return 2
    missing = missing_from(wheels[-1])
    if missing:
        print(f"error: {wheels[-1].name} lacks {len(missing)} package files:", file=sys.stderr)
        for m in missing:
            print(f"  {m}", file=sys.stderr)
        print("    fix: add their patterns to [tool.setuptools.package-data] in pyproject.toml",
              file=sys.stderr)
        return 1
    print(f"{wheels[-1].name}: all {len(tracked_package_files())} package files present")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
