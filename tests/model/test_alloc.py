"""The allocator setting is applied once per process and can be switched off."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

CODE = "from multipolar.model._alloc import tune_allocator as t; print(t(), t())"


def _run(env_value: str | None) -> str:
    env = dict(os.environ)
    env.pop("MULTIPOLAR_MALLOC_TUNE", None)
    if env_value is not None:
        env["MULTIPOLAR_MALLOC_TUNE"] = env_value
    return subprocess.run([sys.executable, "-c", CODE], env=env, capture_output=True,
                          text=True, check=True).stdout.split()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's")
def test_glibc_accepts_the_settings_and_the_switch_turns_them_off() -> None:
    assert _run(None) == ["True", "True"]
    # switched off: nothing applied, and the answer stays the same on a second call
    assert _run("0") == ["False", "False"]
