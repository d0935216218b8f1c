"""Issue 24: interrupted commands say so and leave nothing half-written; nothing is replaced
without --force; paths get exact messages; ``report`` and ``run`` check outputs first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from multipolar.cli.main import app

runner = CliRunner()


def _interrupt(*_: Any, **__: Any) -> Any:
    raise KeyboardInterrupt


def _never(*_: Any, **__: Any) -> Any:
    raise AssertionError("computed although the command should have stopped first")


def test_ctrl_c_in_explore_says_so_and_leaves_no_empty_out_folder(tmp_path: Path,
                                                                  monkeypatch: Any) -> None:
    monkeypatch.setattr("multipolar.explore.runner.explore", _interrupt)
    out = tmp_path / "new" / "run"
    res = runner.invoke(app, ["explore", "--n", "8", "--quiet", "--out", str(out)])
    assert res.exit_code == 130, res.output
    assert "interrupted" in res.output and "nothing was written" in res.output
    assert not out.exists() and not (tmp_path / "new").exists()


def test_ctrl_c_in_calibrate_keeps_the_earlier_file(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr("multipolar.calibrate.history.calibrate_forecast", _interrupt)
    f = tmp_path / "calib.yaml"
    f.write_text("good: 1\n")
    res = runner.invoke(app, ["calibrate", "--maxiter", "2", "--quiet", "--force",
                              "--out", str(f)])
    assert res.exit_code == 130, res.output
    assert "interrupted" in res.output and f"{f} is unchanged" in " ".join(res.output.split())
    assert f.read_text() == "good: 1\n"
    assert list(tmp_path.iterdir()) == [f]  # no temporary file left


@pytest.mark.parametrize("args", [
    ["coalition", "--event", "use_of_force:UKR@2022", "--members", "5"],
    ["forecast", "--members", "5", "--from", "2014", "--to", "2015"],
])
def test_ctrl_c_in_other_commands_says_what_stopped(args: list[str], monkeypatch: Any) -> None:
    monkeypatch.setattr("multipolar.votes.coalition.coalition_forecast", _interrupt)
    monkeypatch.setattr("multipolar.forecast.pipeline.forecast_ensemble", _interrupt)
    monkeypatch.setattr("multipolar.cli.calibrate_cmds.forecast_ensemble", _interrupt,
                        raising=False)
    res = runner.invoke(app, args)
    assert res.exit_code == 130, res.output
    assert "interrupted" in res.output and "stopped" in res.output


def test_calibrate_does_not_replace_a_calibration_without_force(tmp_path: Path,
                                                                monkeypatch: Any) -> None:
    monkeypatch.setattr("multipolar.calibrate.history.calibrate_forecast", _never)
    f = tmp_path / "calib.yaml"
    f.write_text("good: 1\n")
    res = runner.invoke(app, ["calibrate", "--maxiter", "2", "--out", str(f)])
    assert res.exit_code == 2, res.output
    assert "--force" in res.output and "nothing was computed" in " ".join(res.output.split())
    assert f.read_text() == "good: 1\n"


@pytest.mark.parametrize(("args", "name"), [
    (["explore", "--n", "8"], "summary.json"),
    (["explore", "--n", "8"], "design.parquet"),
    (["compare", "--perspectives", "all"], "summary.json"),
])
def test_explore_and_compare_do_not_replace_results_without_force(
        tmp_path: Path, monkeypatch: Any, args: list[str], name: str) -> None:
    monkeypatch.setattr("multipolar.explore.runner.explore", _never)
    monkeypatch.setattr("multipolar.explore.compare.compare", _never)
    (tmp_path / name).write_text("{}")
    res = runner.invoke(app, [*args, "--quiet", "--out", str(tmp_path)])
    assert res.exit_code == 2, res.output
    assert "--force" in res.output and (tmp_path / name).read_text() == "{}"


def test_calibrate_out_in_proc_says_exactly_what_is_wrong() -> None:
    res = runner.invoke(app, ["calibrate", "--maxiter", "2", "--out", "/proc/x.yaml"])
    assert res.exit_code == 2, res.output
    text = " ".join(res.output.split())
    assert "No such file or directory" not in text
    assert "/proc" in text and "virtual file system" in text


def test_report_checks_it_can_write_before_working(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr("multipolar.cli.explore_cmds.build_report", _never)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    res = runner.invoke(app, ["report", str(tmp_path), "--html",
                              str(blocker / "sub" / "report.html")])
    assert res.exit_code == 2, res.output
    assert "--html" in res.output and "is a file, not a folder" in " ".join(res.output.split())


def test_run_where_charts_cannot_be_written_still_prints_its_table(tmp_path: Path,
                                                                   monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "multipolar-output").write_text("not a folder")
    res = runner.invoke(app, ["run", "--members", "5", "--end", "2021"])
    assert res.exit_code == 0, res.output
    assert "charts will not be written" in " ".join(res.output.split())
    assert "Belarus" in res.output and "2021 median" in res.output
