"""`multipolar run` follows the observed record up to `observed_until`; `run --free` does not.

A run of either scenario imposes each state's observed UN voting alignment in every year up to
the scenario's last observed year and projects from there, so its values in observed years
are the observations (the flagship's Kyrgyzstan, the world's Israel, Australia, Ukraine and
the Baltic states in 2019). `run --free` keeps the model's own path from 1992, labelled so.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from multipolar.cli.main import app
from multipolar.cli.run_cmds import observed_alignment
from multipolar.cli.world_view import observed_world
from multipolar.ensemble import RunSpec, run_ensemble
from multipolar.model.api import compile_model, follow_record, simulate
from multipolar.scenario import load_scenario


@lru_cache(maxsize=4)
def _summary(scenario: str, free: bool) -> dict[str, Any]:
    spec = RunSpec(scenario=scenario, members=24, seed=3, free=free)
    return run_ensemble(spec, keep="summary").summary


def _observed(scenario: str) -> dict[str, dict[int, float]]:
    return observed_world() if scenario == "russia-world" else observed_alignment()


def _flat(text: str) -> str:
    """The text with table borders and line breaks folded to single spaces."""
    return " ".join(text.replace("│", " ").split())


@pytest.mark.parametrize("scenario", ["russia-neighbourhood", "russia-world"])
def test_a_run_shows_every_observed_year_as_observed(scenario: str) -> None:
    s = _summary(scenario, False)
    assert s["history"] == "observed" and s["observed_until"] == 2019
    obs = _observed(scenario)
    checked = 0
    for actor, table in s["alignment"].items():
        for y, v in (obs.get(actor) or {}).items():
            if str(y) not in table or y > 2019:
                continue
            q = table[str(y)]
            assert q["median"] == pytest.approx(v, abs=1e-5), (actor, y)
            assert q["p95"] - q["p05"] < 1e-5, (actor, y)
            checked += 1
    assert checked > 400
    # the projection after the last observed year spreads out
    later = [t["2030"]["p95"] - t["2030"]["p05"] for a, t in s["alignment"].items()
             if a in obs and "2030" in t]
    assert max(later) > 0.1


def test_the_flagship_and_world_2019_medians_are_the_observed_ones() -> None:
    neigh = _summary("russia-neighbourhood", False)["alignment"]
    assert neigh["Kyrgyzstan"]["2019"]["median"] == pytest.approx(
        observed_alignment()["Kyrgyzstan"][2019], abs=1e-5)
    world = _summary("russia-world", False)["alignment"]
    free = _summary("russia-world", True)["alignment"]
    ow = observed_world()
    for iso in ("ISR", "AUS", "UKR", "EST", "LVA", "LTU"):
        assert world[iso]["2019"]["median"] == pytest.approx(ow[iso][2019], abs=1e-5), iso
    # the free run misses Israel by far: it is a check of the model, not the record
    assert abs(free["ISR"]["2019"]["median"] - ow["ISR"][2019]) > 0.3


def test_following_the_record_changes_only_what_the_observations_pin() -> None:
    m = compile_model(load_scenario("russia-neighbourhood"))
    x_free = simulate(m, 5, 0, 8).actor_outcomes["alignment"]
    x_follow = simulate(follow_record(m), 5, 0, 8).actor_outcomes["alignment"]
    ua = m.obs["un_alignment"]
    hist = m.years <= m.observed_until
    seen = np.isfinite(ua) & hist[:, None]
    assert np.allclose(x_follow[:, seen], ua[seen].astype(np.float32)[None, :], atol=1e-6)
    assert m.follow_record is False
    # the first year starts from the same observed state either way
    assert np.array_equal(x_free[:, 0], x_follow[:, 0])
    # after the record the two runs part: the projection starts from the observed state
    last = int(np.flatnonzero(hist)[-1])
    assert not np.allclose(x_free[:, last + 1], x_follow[:, last + 1])


def test_run_free_is_labelled_in_table_json_and_default_is_not(tmp_path: Any) -> None:
    r = CliRunner()
    free = r.invoke(app, ["run", "--free", "--members", "16", "--seed", "3", "--no-plots"],
                    env={"COLUMNS": "100"}, terminal_width=100)
    assert free.exit_code == 0, free.output
    assert "free run from 1992 (a check of the model)" in _flat(free.stdout)
    default = r.invoke(app, ["run", "--members", "16", "--seed", "3", "--no-plots"],
                       env={"COLUMNS": "100"}, terminal_width=100)
    assert default.exit_code == 0, default.output
    assert "free run" not in default.stdout
    assert "observed alignment followed until 2019" in _flat(default.stdout)
    js = r.invoke(app, ["run", "--free", "--members", "16", "--seed", "3", "--no-plots",
                        "--json"])
    assert json.loads(js.stdout)["history"] == "free"
    world = r.invoke(app, ["run", "russia-world", "--free", "--members", "8", "--seed", "3",
                           "--no-plots"], env={"COLUMNS": "80"}, terminal_width=80)
    assert world.exit_code == 0, world.output
    assert "2019 model" in world.stdout and "(a check of the model)" in _flat(world.stdout)
    world = r.invoke(app, ["run", "russia-world", "--members", "8", "--seed", "3",
                           "--no-plots"], env={"COLUMNS": "80"}, terminal_width=80)
    assert "2019 observed" in world.stdout and "2019 model" not in world.stdout
