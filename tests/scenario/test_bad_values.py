"""Bad input that parses but cannot be meant: non-positive oil prices and duplicate YAML keys.

Each must give a located error (file, line or the --set item, and a fix) with exit code 2.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flagship_copy import copy_with
from typer.testing import CliRunner

from multipolar.cli.main import app
from multipolar.core.errors import ScenarioError
from multipolar.scenario import load_scenario

runner = CliRunner()


@pytest.mark.parametrize("item", ["oil_price=-5", "oil_price=0", "drivers.oil_price=-1"])
def test_set_of_a_non_positive_oil_price_is_reported_against_the_set(item: str) -> None:
    with pytest.raises(ScenarioError) as exc:
        load_scenario("russia-neighbourhood", sets=[item])
    prob = exc.value.problems[0]
    assert prob.file == "--set" and prob.field == item
    assert "must be above zero" in prob.message and "--set oil_price=30" in (prob.fix or "")
    res = runner.invoke(app, ["run", "--members", "5", "--set", item, "--no-plots", "--quiet"])
    assert res.exit_code == 2 and "must be above zero" in res.output
    assert "Traceback" not in res.output


def test_a_positive_oil_price_is_accepted() -> None:
    loaded = load_scenario("russia-neighbourhood", sets=["oil_price=30"])
    assert loaded.scenario.drivers["oil_price"].constant == 30


def test_non_positive_oil_price_in_a_scenario_file_is_located(tmp_path: Path) -> None:
    old = "  oil_price:\n    unit: USD per barrel\n"
    p, line = copy_with(tmp_path, old, old + "    constant: -5\n")
    text = p.read_text(encoding="utf-8").replace(
        "    past: {data: {file: brent_annual.csv, column: brent_usd_per_barrel, key: year}}\n",
        "", 1)
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(p)
    prob = exc.value.problems[0]
    assert prob.file == str(p) and prob.line == line + 2
    assert prob.field == "drivers.oil_price.constant" and "got -5" in prob.message
    res = runner.invoke(app, ["validate", str(p)])
    assert res.exit_code == 2 and f"{p}:{line + 2}" in res.output


def test_uncertain_future_level_reaching_zero_is_refused(tmp_path: Path) -> None:
    old = "level: {dist: triangular, low: 40, mode: 70, high: 110}"
    p, line = copy_with(tmp_path, old, "level: {dist: triangular, low: -10, mode: 70, high: 110}")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(p)
    prob = exc.value.problems[0]
    assert prob.line == line and "lowest value is -10" in prob.message


def test_duplicate_yaml_key_is_located(tmp_path: Path) -> None:
    old = "core: Russia\n"
    p, line = copy_with(tmp_path, old, old + "core: Belarus\n")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(p)
    prob = exc.value.problems[0]
    assert prob.file == str(p) and prob.line == line + 1 and prob.column == 1
    assert "duplicate key 'core'" in prob.message and f"first at line {line}" in prob.message
    res = runner.invoke(app, ["run", str(p), "--members", "5", "--no-plots", "--quiet"])
    assert res.exit_code == 2 and "duplicate key 'core'" in res.output
    assert "Traceback" not in res.output


def test_duplicate_key_deep_inside_is_located(tmp_path: Path) -> None:
    old = "      war_prob: {dist: uniform, low: 0.02, high: 0.15}"
    p, line = copy_with(tmp_path, old, old.replace("low: 0.02,", "low: 0.02, low: 0.01,"))
    with pytest.raises(ScenarioError) as exc:
        load_scenario(p)
    prob = exc.value.problems[0]
    assert prob.line == line and "duplicate key 'low'" in prob.message
    assert prob.field == "mechanisms.frozen_conflicts.params.war_prob.low"


def test_duplicate_key_in_a_bargaining_issue(tmp_path: Path) -> None:
    p = tmp_path / "i.yaml"
    p.write_text("issue: t\nscale: {low: 0, high: 10}\nissue: u\nactors:\n"
                 "  - {name: A, position: 2, salience: 50, capability: 1}\n", encoding="utf-8")
    res = runner.invoke(app, ["bargain", "run", str(p)])
    assert res.exit_code == 2 and "duplicate key 'issue'" in res.output and ":3:" in res.output
