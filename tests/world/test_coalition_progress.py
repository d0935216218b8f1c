"""The coalition forecast's progress and cancel hooks (issue 24), and the CLI's progress line.

Progress counts the members simulated: it only grows, ends at every member, and the hooks
change no number. Cancelling stops the work between chunks: the chunks after it never run.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from functools import lru_cache
from typing import Any

import pytest

from multipolar.data.global_tables import load_world
from multipolar.votes import coalition as core
from multipolar.votes.coalition import (
    STAGE_DONE,
    STAGE_MEMBERS,
    STAGE_PREPARE,
    Cancelled,
    CoalitionSettings,
    coalition_forecast,
    load_fit,
    progress_chunk,
)

EVENT = ("use_of_force:UKR@2022",)  # a vote after the fit: the world is simulated


@lru_cache(maxsize=1)
def _inputs() -> tuple[Any, Any]:
    return load_world(), load_fit(None)


def _forecast(members: int, chunk: int | None, **hooks: Any) -> dict[str, Any]:
    world, model = _inputs()
    return coalition_forecast(CoalitionSettings(events=EVENT, members=members, seed=4,
                                                chunk=chunk), world=world, model=model, **hooks)


def test_progress_only_grows_reaches_every_member_and_changes_nothing() -> None:
    seen: list[tuple[str, int, int]] = []
    got = _forecast(90, 20, progress=lambda *a: seen.append(a))
    assert seen[0] == (STAGE_PREPARE, 0, 90)
    assert seen[-1] == (STAGE_DONE, 90, 90)
    members = [d for s, d, _ in seen if s == STAGE_MEMBERS]
    assert members == [0, 20, 40, 60, 80, 90]  # one report per chunk of 20, the last short
    done = [d for _, d, _ in seen]
    assert all(a <= b for a, b in itertools.pairwise(done))
    assert {t for _, _, t in seen} == {90}
    plain = _forecast(90, 45)  # no hooks, other chunks: the same numbers
    assert json.dumps(got, sort_keys=True) == json.dumps(plain, sort_keys=True)


def test_the_default_chunk_gives_twenty_steps_within_its_range() -> None:
    assert progress_chunk(5000) == 250 and progress_chunk(1000) == 50
    assert progress_chunk(60) == 50 and progress_chunk(200_000) == 1000
    seen: list[int] = []
    _forecast(1000, None, progress=lambda s, d, t: seen.append(d) if s == STAGE_MEMBERS else 0)
    assert seen == list(range(0, 1001, 50))


def test_cancel_stops_between_chunks_and_the_rest_never_runs(
        monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[tuple[int, int]] = []
    real = core._member_probs

    def counted(start: int, stop: int, **kw: Any) -> Any:
        ran.append((start, stop))
        return real(start, stop, **kw)

    monkeypatch.setattr(core, "_member_probs", counted)
    done: list[int] = []
    with pytest.raises(Cancelled) as err:
        _forecast(200, 20, progress=lambda s, d, t: done.append(d),
                  cancel=lambda: len(ran) >= 2)
    assert ran == [(0, 20), (20, 40)]  # 2 of 10 chunks
    assert (err.value.done, err.value.total) == (40, 200) and max(done) == 40
    ran.clear()
    with pytest.raises(Cancelled):  # asked before any work: no chunk runs
        _forecast(200, 20, cancel=lambda: True)
    assert ran == []


def test_the_cli_shows_the_members_done_as_a_percentage(tmp_path: Any) -> None:
    env = {**os.environ, "COLUMNS": "100"}
    res = subprocess.run([sys.executable, "-m", "multipolar.cli.main", "coalition", "--event",
                          "use_of_force:UKR@2022", "--members", "60", "--top", "3"],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert res.returncode == 0, res.stderr
    line = next(ln for ln in res.stderr.splitlines() if "coalition members" in ln)
    assert "60/60" in line and "100%" in line  # on stderr: the table alone on stdout
    assert "States most likely to side with Russia" in res.stdout
    assert "coalition members" not in res.stdout
