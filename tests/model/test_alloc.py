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


def test_a_model_call_never_tunes_the_allocator(monkeypatch) -> None:
    from multipolar.model import _alloc
    from multipolar.model.api import compile_model, simulate
    from multipolar.scenario import load_scenario

    def refuse() -> bool:
        raise AssertionError("simulate tuned the allocator")

    monkeypatch.setattr(_alloc, "_apply", refuse)
    monkeypatch.setattr(_alloc, "_result", None)
    simulate(compile_model(load_scenario("russia-neighbourhood"), end=1995), 1, 0, 3)


def test_the_cli_entry_point_tunes_it_once_at_start(monkeypatch) -> None:
    from multipolar.cli import main as cli_main

    calls: list[int] = []
    monkeypatch.setattr(cli_main, "tune_allocator", lambda: calls.append(1) or True)
    monkeypatch.setattr(sys, "argv", ["multipolar", "--version"])
    with pytest.raises(SystemExit):
        cli_main.main()
    assert calls == [1]
