"""Russia's and the US's standing in what users see: `run` and `forecast`, and `--anchor`.

The poles (Russia's and the US's ideal points on the data's scale) and every state's ideal
point are model outcomes (``alignment``, ``russia_standing``); the run's summary, its tables,
the forecast's JSON and its human output show them. ``--anchor`` sets the strength of the
anchored target of the projection (:data:`multipolar.model.anchor.ANCHOR`), is checked against
its declared bounds and is recorded with the run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from multipolar.cli.main import app
from multipolar.cli.run_cmds import chart_folder, observed_alignment
from multipolar.data import column_by_actor_year
from multipolar.ensemble import RunSpec
from multipolar.ensemble.runner import load_and_compile
from multipolar.model.anchor import ANCHOR
from multipolar.model.api import simulate

runner = CliRunner()
WORLD = ["russia-world", "--members", "16", "--seed", "3", "--end", "2024", "--quiet",
         "--no-plots"]


def _ok(args: list[str]) -> Any:
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    return res


@lru_cache(maxsize=1)
def _world_run() -> dict[str, Any]:
    return dict(json.loads(_ok(["run", *WORLD, "--json"]).stdout))


def test_the_runs_poles_and_ideal_points_are_the_models_outcomes() -> None:
    s = _world_run()
    _, model, _ = load_and_compile(RunSpec(scenario="russia-world", members=16, seed=3,
                                           end=2024))
    res = simulate(model, 3, 0, 16)
    years = [int(y) for y in res.years]
    assert years == s["years"]
    for pole, out in (("russia", "russia_position"), ("us", "us_position")):
        arr = res.core_outcomes[out].astype(np.float64)
        for t, y in enumerate(years):
            q = s["poles"][pole][str(y)]
            for k, pc in (("p05", 5), ("median", 50), ("p95", 95)):
                assert q[k] == pytest.approx(float(np.percentile(arr[:, t], pc)), abs=1e-5)
    ip = res.actor_outcomes["ideal_point"].astype(np.float64)
    for a in ("DEU", "IND", "UKR", "RUS"):
        j = list(res.actors).index(a)
        for t, y in enumerate(years):
            assert s["ideal_point"][a][str(y)]["median"] == pytest.approx(
                float(np.median(ip[:, t, j])), abs=1e-5)
    # up to the last observed year the poles are the record, after it they move
    rec = column_by_actor_year("global/country_year.parquet", "idealpoint", "iso3")
    last = s["observed_until"]
    assert s["poles"]["russia"][str(last)]["median"] == pytest.approx(rec["RUS"][last],
                                                                       abs=1e-4)
    assert s["poles"]["us"][str(last)]["median"] == pytest.approx(rec["USA"][last], abs=1e-4)
    end = s["poles"]["russia"]["2024"]
    assert end["p95"] - end["p05"] > 0.05
    # the same numbers as Russia's outcomes, under a name a user finds
    assert s["poles"]["russia"] == s["russia"]["russia_position"]


def test_a_run_records_its_anchor_and_shows_the_standing_table() -> None:
    s = _world_run()
    assert s["anchor"] == ANCHOR.default  # recorded though it is the default
    env = {**os.environ, "COLUMNS": "80"}
    res = subprocess.run([sys.executable, "-m", "multipolar.cli.main", "run", *WORLD,
                          "--anchor", "0.5"], capture_output=True, text=True, env=env,
                         timeout=300)
    assert res.returncode == 0, res.stderr
    assert max(len(line) for line in res.stdout.splitlines()) <= 80
    text = " ".join(res.stdout.split())
    assert "standing on the data's scale" in text and "anchor: 0.5" in text
    row = next(line for line in res.stdout.splitlines() if "│ Russia " in line)
    assert f"{s['poles']['russia']['2019']['median']:.2f}" in row
    # a scenario without ideal-point data has no such table, and no ideal points
    nb = json.loads(_ok(["run", "--members", "8", "--end", "2022", "--quiet", "--no-plots",
                         "--json"]).stdout)
    assert "ideal_point" not in nb and nb["anchor"] == ANCHOR.default
    assert {q["median"] for q in nb["poles"]["russia"].values()} == {0.0}
    free = json.loads(_ok(["run", "--members", "8", "--end", "2022", "--quiet", "--no-plots",
                           "--json", "--free"]).stdout)
    assert free["anchor"] is None


def _distance_to_record(anchor: str) -> tuple[float, dict[str, Any]]:
    s = json.loads(_ok(["run", "--members", "40", "--seed", "3", "--end", "2030", "--quiet",
                        "--no-plots", "--json", "--anchor", anchor]).stdout)
    obs = observed_alignment()
    last = s["observed_until"]
    gaps = [abs(s["alignment"][a]["2030"]["median"] - obs[a][last])
            for a in s["actors"] if last in obs.get(a, {}) and a not in ("Russia", "USA")]
    return float(np.mean(gaps)), s


def test_anchor_one_keeps_the_projection_nearer_the_record_than_anchor_zero() -> None:
    far0, s0 = _distance_to_record("0")
    far1, s1 = _distance_to_record("1")
    assert s0["anchor"] == 0.0 and s1["anchor"] == 1.0
    assert far1 < far0  # 1: the target at the observed state; 0: the model's formula
    # the observed years are the record either way
    assert s0["alignment"]["Belarus"]["2019"] == s1["alignment"]["Belarus"]["2019"]


@pytest.mark.parametrize("args", [
    ["run", "--members", "5", "--quiet", "--no-plots", "--anchor", "1.5"],
    ["run", "--members", "5", "--quiet", "--no-plots", "--anchor", "-0.1"],
    ["run", "--members", "5", "--quiet", "--no-plots", "--anchor", "nan"],
    ["run", "--members", "5", "--quiet", "--no-plots", "--anchor", "0.5", "--free"],
    ["forecast", "--members", "5", "--from", "2014", "--to", "2015", "--anchor", "2"],
    ["backtest", "russia-world", "--anchor", "1.01"],
])
def test_a_bad_anchor_is_a_located_error(args: list[str]) -> None:
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    assert "--anchor" in res.output and "Traceback" not in res.output
    assert "fix:" in res.output


def test_the_anchor_names_its_own_chart_folder() -> None:
    base = chart_folder(None, "russia-world", 7, 100, None, None, [], [])
    assert base == chart_folder(None, "russia-world", 7, 100, None, None, [], [], None)
    assert base.name == "russia-world-n100-seed7"  # runs without --anchor keep their names
    half = chart_folder(None, "russia-world", 7, 100, None, None, [], [], 0.5)
    assert half != base and half != chart_folder(None, "russia-world", 7, 100, None, None,
                                                 [], [], 0.25)


def _forecast(*extra: str, scenario: str = "russia-world") -> dict[str, Any]:
    res = _ok(["forecast", scenario, "--members", "24", "--seed", "3", "--from", "2015",
               "--to", "2018", "--json", *extra])
    return dict(json.loads(res.stdout))


def test_the_forecast_shows_ideal_points_and_the_poles() -> None:
    d = _forecast()
    assert d["data_scale"] is True and d["settings"]["anchor"] == ANCHOR.default
    years = [str(y) for y in range(2015, 2019)]
    assert sorted(d["poles"]["russia"]) == years and sorted(d["poles"]["us"]) == years
    by = {(r["country"], r["year"]): r for r in d["forecasts"]}
    for y in range(2015, 2019):
        # Russia's and the US's own ideal points are the poles, member by member
        assert by[("RUS", y)]["ideal_point"] == d["poles"]["russia"][str(y)]
        assert by[("USA", y)]["ideal_point"] == d["poles"]["us"][str(y)]
        ru, us = d["poles"]["russia"][str(y)]["median"], d["poles"]["us"][str(y)]["median"]
        assert ru < us
        for c in ("DEU", "IND"):
            q = by[(c, y)]["ideal_point"]
            assert q["p05"] <= q["median"] <= q["p95"]
    # the poles move after the origin (russia_standing): their interval widens
    first, last = d["poles"]["russia"]["2015"], d["poles"]["russia"]["2018"]
    assert last["p95"] - last["p05"] > first["p95"] - first["p05"] > 0
    # keys added, none renamed
    assert {"country", "year", "alignment", "memberships"} <= set(d["forecasts"][0])
    nb = _forecast(scenario="russia-neighbourhood")
    assert nb["data_scale"] is False and "ideal_point" not in nb["forecasts"][0]
    assert {q["median"] for q in nb["poles"]["us"].values()} == {1.0}


def test_forecast_anchor_moves_the_medians_towards_the_origin_state() -> None:
    # the model alone: stacked with weights of 0 (the world's from 2014) both are persistence
    d0, d1 = _forecast("--anchor", "0", "--raw"), _forecast("--anchor", "1", "--raw")
    assert d0["settings"]["anchor"] == 0.0 and d1["settings"]["anchor"] == 1.0
    obs = column_by_actor_year("global/country_year.parquet", "rel_pos_ru0_us1", "iso3")

    def far(d: dict[str, Any]) -> float:
        return float(np.mean([abs(r["alignment"]["median"] - obs[r["country"]][2014])
                              for r in d["forecasts"] if r["year"] == 2018
                              and 2014 in obs.get(r["country"], {})]))

    assert far(d1) < far(d0)


def test_forecast_prints_the_standing_line(tmp_path: Path) -> None:
    env = {**os.environ, "COLUMNS": "80"}
    res = subprocess.run([sys.executable, "-m", "multipolar.cli.main", "forecast",
                          "russia-world", "--members", "16", "--from", "2015", "--to", "2016",
                          "--anchor", "0.5"], capture_output=True, text=True, env=env,
                         cwd=tmp_path, timeout=300)
    assert res.returncode == 0, res.stderr
    text = " ".join(res.stdout.split())
    assert "standing on the data's scale" in text and "anchor: 0.5" in text


def test_forecast_anchor_overrides_the_shipped_calibrations() -> None:
    def doc(*extra: str) -> dict[str, Any]:
        return dict(json.loads(_ok(["forecast", "--members", "8", "--from", "2020", "--to",
                                    "2024", "--json", *extra]).stdout))

    shipped, own = doc(), doc("--anchor", "1")
    assert shipped["calibration_source"] == own["calibration_source"] == "bundled"
    assert shipped["settings"]["anchor"] != 1.0 and own["settings"]["anchor"] == 1.0
    # the rest of the calibration stays the shipped one
    assert own["settings"]["spread"] == shipped["settings"]["spread"]
    # the stacked forecast: horizons with a weight on the model (4 and 5) feel the anchor
    med = {(r["country"], r["year"]): r["alignment"]["median"] for r in shipped["forecasts"]}
    assert any(abs(r["alignment"]["median"] - med[(r["country"], r["year"])]) > 1e-3
               for r in own["forecasts"] if r["year"] == 2024)


def test_the_anchor_is_in_the_manifest_and_a_resume_must_match_it(tmp_path: Path) -> None:
    rd = str(tmp_path / "r")
    args = ["run", "--members", "6", "--end", "2021", "--quiet", "--no-plots"]
    _ok([*args, "--anchor", "0.5", "--out", rd])
    info = json.loads(_ok(["runs", "show", rd, "--json"]).stdout)
    assert info["anchor"] == 0.5 and info["spec"]["anchor"] == 0.5
    assert "anchor" in _ok(["runs", "show", rd]).stdout
    res = runner.invoke(app, [*args, "--anchor", "0.25", "--out", rd, "--resume"])
    assert res.exit_code == 2 and "anchor" in res.output and "Traceback" not in res.output
    # the default is recorded as the strength used, not as an override
    _ok([*args, "--out", str(tmp_path / "d")])
    info = json.loads(_ok(["runs", "show", str(tmp_path / "d"), "--json"]).stdout)
    assert info["anchor"] == ANCHOR.default and "anchor" not in info["spec"]
