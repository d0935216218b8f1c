"""The module paths before the issue-22 layout still import: the same module, with a warning.

Every old path of ``multipolar._moved.MOVED`` must give the very module object at its new place
(so monkeypatching either name patches both) and warn with the new place, except the
documented entry point ``multipolar.calibration``, which imports silently. No file may exist at
an old path (git follows the moves only if the old files are gone).
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import multipolar
from multipolar._moved import MOVED, QUIET, SPLIT_PACKAGES

SRC = Path(multipolar.__file__).resolve().parent


@pytest.mark.parametrize("old", sorted(MOVED))
def test_an_old_path_is_the_module_at_its_new_place(old: str) -> None:
    new = importlib.import_module(MOVED[old])
    sys.modules.pop(old, None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mod = importlib.import_module(old)
    assert mod is new
    messages = [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]
    if old in QUIET:
        assert not messages
    else:
        assert any(MOVED[old] in m for m in messages), messages


@pytest.mark.parametrize("old", sorted(set(MOVED) | set(SPLIT_PACKAGES)))
def test_no_file_is_left_at_an_old_path(old: str) -> None:
    rel = Path(*old.split(".")[1:])
    assert not (SRC / rel).with_suffix(".py").exists()
    if old in SPLIT_PACKAGES:
        assert not (SRC / rel).exists()


def test_the_new_places_do_not_import_the_old_paths() -> None:
    # a fresh interpreter that turns the old paths' warnings into errors imports every new module
    new = sorted(set(MOVED.values()))
    code = ("import importlib, warnings\nwarnings.simplefilter('error', DeprecationWarning)\n"
            f"for m in {new!r}:\n    importlib.import_module(m)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


def test_an_unknown_name_under_a_split_package_is_still_an_import_error() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(ImportError):
            importlib.import_module("multipolar.world.no_such_module")
