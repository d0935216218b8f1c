"""Downstream follows the data set's last year without code changes.

No later data exist here, so a set cut at 2014 with the 2015 votes and ideal points imported
(last year 2015) stands in for a set that runs past 2019.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from multipolar.cli.main import app
from multipolar.core.errors import InputError
from multipolar.datasets import ops, publish, store

FIXTURES = Path(__file__).parent / "fixtures"
runner = CliRunner()


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("sets")
    pub = tmp_path_factory.mktemp("pub")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(store.ENV_DIR, str(root))
        mp.delenv(store.ENV_ACTIVE, raising=False)
        publish.write_undl(store.get(store.BUNDLED), pub / "undl.csv", 2015, 2015)
        ideal = pd.read_csv(io_bytes(FIXTURES / "voeten_idealpoints_2015_2019.csv.gz"))
        ideal[ideal["year"] == 2015].to_csv(pub / "ideal.csv", index=False)
        ops.cut(2014, "c2014", base=store.BUNDLED)
        ops.import_file("unga-votes", pub / "undl.csv", "v2015")
        ops.import_file("idealpoints", pub / "ideal.csv", "to2015")
        yield root


def io_bytes(path: Path) -> object:
    import io

    return io.BytesIO(gzip.decompress(path.read_bytes()))


@pytest.fixture
def active(root: Path, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv(store.ENV_DIR, str(root))
    monkeypatch.setenv(store.ENV_ACTIVE, "to2015")
    return monkeypatch


def test_observed_until_follows_the_data_set(active: pytest.MonkeyPatch) -> None:
    from multipolar.scenario import load_scenario

    assert load_scenario("russia-neighbourhood").scenario.time.observed_until == 2015
    active.setenv(store.ENV_ACTIVE, "c2014")
    assert load_scenario("russia-neighbourhood").scenario.time.observed_until == 2014
    active.setenv(store.ENV_ACTIVE, store.BUNDLED)
    assert load_scenario("russia-neighbourhood").scenario.time.observed_until == 2019


def test_forecast_starts_after_the_data_by_default(active: pytest.MonkeyPatch) -> None:
    active.setenv(store.ENV_ACTIVE, store.BUNDLED)  # --data after the command chooses it
    res = runner.invoke(app, ["forecast", "--members", "8", "--to", "2018", "--json",
                              "--data", "to2015"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["origin"] == 2015
    assert min(r["year"] for r in doc["forecasts"]) == 2016


def test_coalition_fit_until_follows_the_roll_calls(active: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    res = runner.invoke(app, ["calibrate-coalition", "--until", "2016", "--out",
                              str(tmp_path / "fit.json")])
    assert res.exit_code == 2 and "last roll call year 2015" in res.output
    res = runner.invoke(app, ["calibrate-coalition", "--out", str(tmp_path / "fit.json")])
    assert res.exit_code == 0, res.output
    fit = json.loads((tmp_path / "fit.json").read_text())
    assert fit["until"] == 2015
    # the 2015 Georgia vote (title from the imported file) is a training vote
    assert 2015 in {int(str(v["date"])[:4]) for v in fit["model"]["meta"]["votes"]}


def test_pooled_fit_years_follow_the_ideal_points(active: pytest.MonkeyPatch) -> None:
    from multipolar.calibrate.pooled import check_until, last_until

    assert last_until() == 2015
    check_until(2015)
    with pytest.raises(InputError, match="2005-2015"):
        check_until(2016)


def test_data_option_is_hoisted_before_the_command() -> None:
    from multipolar.cli.options import hoist_data

    assert hoist_data(["forecast", "--from", "2016", "--data", "x", "--json"]) == \
        ["--data", "x", "forecast", "--from", "2016", "--json"]
    assert hoist_data(["run", "--data=x"]) == ["--data=x", "run"]
    assert hoist_data(["run", "--", "--data", "x"]) == ["run", "--", "--data", "x"]
