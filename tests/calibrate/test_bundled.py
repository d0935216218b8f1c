"""The calibration shipped beside a scenario: used by `forecast` only when its fit ends by the
origin, and never from an earlier origin (hindsight)."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from multipolar.calibrate.bundled import BUNDLED_FILE, choose, fit_until
from multipolar.cli.main import app
from multipolar.scenario import load_scenario

runner = CliRunner()


def _scenario_dir(tmp_path: Path, until: int | None) -> Path:
    scen = tmp_path / "scenario.yaml"
    scen.write_text("name: x\n", encoding="utf-8")
    if until is not None:
        doc = {"calibration": {"until": until}, "forecast": {"stack_weights": {1: 0.5}}}
        (tmp_path / BUNDLED_FILE).write_text(yaml.safe_dump(doc), encoding="utf-8")
    return scen


def test_choose_takes_a_fit_only_when_it_ends_by_the_origin(tmp_path):
    scen = _scenario_dir(tmp_path, 2019)
    assert choose(scen, 2019).path == tmp_path / BUNDLED_FILE
    assert choose(scen, 2023).until == 2019 and choose(scen, 2023).path is not None
    early = choose(scen, 2018)
    assert early.path is None and early.until == 2019 and "not used" in early.note


def test_choose_without_a_file_or_without_its_years(tmp_path):
    assert choose(_scenario_dir(tmp_path, None), 2019).path is None
    (tmp_path / BUNDLED_FILE).write_text("calibration: {}\n", encoding="utf-8")
    got = choose(tmp_path / "scenario.yaml", 2030)
    assert got.path is None and "calibration.until" in got.note


def test_the_bundled_neighbourhood_fit_uses_years_up_to_its_scenarios_last_observed_year():
    loaded = load_scenario("russia-neighbourhood")
    path = loaded.path.parent / BUNDLED_FILE
    until = fit_until(path)
    assert until is not None and until <= loaded.scenario.time.observed_until
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    fc = doc["forecast"]
    assert max(fc["origins"]) < until  # every training origin's outcome lies inside the fit
    assert set(map(int, fc["stack_weights"])) == set(range(1, fc["horizon"] + 1))
    assert all(0.0 <= float(w) <= 1.0 for w in fc["stack_weights"].values())


def test_forecast_takes_the_bundled_fit_after_it_and_says_so_before_it():
    after = json.loads(runner.invoke(app, ["forecast", "--members", "8", "--from", "2020",
                                           "--to", "2021", "--json"]).stdout)
    assert after["calibration_source"] == "bundled" and after["method"] == "stacked"
    assert "fitted on the years up to 2019" in after["method_note"]
    assert after["stack_weights"] is not None
    off = json.loads(runner.invoke(app, ["forecast", "--members", "8", "--from", "2020",
                                         "--to", "2021", "--json", "--no-bundled"]).stdout)
    assert off["calibration_source"] == "declared values" and off["method"] == "model"
    # the combined forecast of year 1 moves a share w1 from the last observation (2019) to
    # the model's median
    w1 = float(after["stack_weights"]["1"])
    panel = pd.read_csv(files("multipolar.data") / "actor_year_panel.csv")
    last = panel[panel.year == 2019].set_index("country")["rel_pos_ru0_us1"]
    med = {r["country"]: r["alignment"]["median"] for r in after["forecasts"]
           if r["year"] == 2020}
    raw = {r["country"]: r["alignment"]["median"] for r in off["forecasts"] if r["year"] == 2020}
    for c in ("Belarus", "Ukraine", "Kyrgyzstan", "Estonia"):
        want = last[c] + w1 * (raw[c] - last[c])
        assert abs(med[c] - want) < 0.02 + 0.5 * w1, (c, med[c], want)
        if w1 == 0.0:
            assert med[c] == pytest.approx(last[c], abs=1e-4)
    before = json.loads(runner.invoke(app, ["forecast", "--members", "8", "--from", "2015",
                                            "--to", "2016", "--json"]).stdout)
    assert before["calibration_source"] == "declared values" and before["method"] == "model"
    assert "not used" in before["method_note"] and "after the origin 2014" in \
        before["method_note"]
