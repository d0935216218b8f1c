"""`multipolar run`, `runs list|show` and `query` end to end (real model, small ensembles)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from multipolar.cli.main import app

runner = CliRunner()
SMALL = ["--members", "40", "--seed", "3", "--end", "2015", "--quiet"]


def _ok(args):
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    return res


def test_json_has_the_issue_shape_and_only_json_on_stdout(tmp_path):
    res = _ok(["run", *SMALL, "--json", "--no-plots", "--out", str(tmp_path / "r")])
    s = json.loads(res.stdout)
    assert s["members"] == 40 and s["seed"] == 3
    # where observation ends: the flagship's time.observed_until (and a --set moves it)
    assert s["observed_until"] == 2019
    assert s["years"][0] == 1992 and s["years"][-1] == 2015
    assert "Belarus" in s["actors"] and "Ukraine" in s["actors"]
    q = s["alignment"]["Belarus"]["2013"]
    assert set(q) == {"p05", "p25", "median", "p75", "p95"}
    assert q["p05"] <= q["p25"] <= q["median"] <= q["p75"] <= q["p95"]


def test_executors_give_identical_summaries(tmp_path):
    outs = []
    for i, extra in enumerate([[], ["--executor", "processes", "--workers", "2",
                                    "--chunk-size", "7"],
                               ["--executor", "dask", "--workers", "2", "--chunk-size", "13"]]):
        res = _ok(["run", *SMALL, "--end", "2000", "--json", "--no-plots",
                   "--out", str(tmp_path / str(i)), *extra])
        outs.append(json.loads(res.stdout))
    for o in outs[1:]:
        assert o["alignment"] == outs[0]["alignment"]
        assert o["memberships"] == outs[0]["memberships"]


def _run_files(rundir: Path) -> dict[str, bytes]:
    """Every stored chunk file and chart of a run folder, and its summary without the folder."""
    files = {p.relative_to(rundir).as_posix(): p.read_bytes()
             for p in sorted([*rundir.glob("chunks/*"), *rundir.glob("*.png")])}
    summary = json.loads((rundir / "run-summary.json").read_text())
    summary["run"].pop("rundir")
    files["run-summary.json"] = json.dumps(summary, sort_keys=True).encode()
    return files


def _executor_of(rundir: Path) -> dict:
    from multipolar.ensemble.store import connect, read_manifest

    con = connect(rundir, read_only=True)
    try:
        return read_manifest(con)["executor"]
    finally:
        con.close()


def test_auto_and_processes_store_and_draw_what_local_does(tmp_path, monkeypatch):
    """The default (auto) on two cores simulates in worker processes that then draw the charts:
    summary, stored chunks and every PNG are byte-identical to a run in this process."""
    from multipolar.ensemble import evaluators

    monkeypatch.setattr(evaluators, "usable_cores", lambda: 2)
    monkeypatch.setattr(evaluators, "AUTO_PROCESSES_MEMBERS", 50)
    args = ["run", "--members", "120", "--seed", "3", "--quiet", "--chunk-size", "25",
            "--keep", "members"]
    runs = {"local": ["--executor", "local"], "auto": [],
            "processes": ["--executor", "processes", "--workers", "3"]}
    files = {}
    for name, extra in runs.items():
        _ok([*args, *extra, "--out", str(tmp_path / name)])
        files[name] = _run_files(tmp_path / name)
    assert sum(k.endswith(".png") for k in files["local"]) >= 10  # fans and overviews
    assert sum(k.startswith("chunks/actors-") for k in files["local"]) == 5
    assert files["auto"] == files["local"]
    assert files["processes"] == files["local"]
    assert _executor_of(tmp_path / "auto") == {"executor": "processes", "workers": 2,
                                               "requested": "auto"}
    assert _executor_of(tmp_path / "local") == {"executor": "local", "workers": 1}
    # below the threshold auto stays in this process
    monkeypatch.setattr(evaluators, "AUTO_PROCESSES_MEMBERS", 1000)
    _ok([*args, "--no-plots", "--out", str(tmp_path / "small")])
    assert _executor_of(tmp_path / "small") == {"executor": "local", "workers": 1,
                                                "requested": "auto"}


def test_a_chart_that_fails_in_a_worker_is_a_located_warning(tmp_path):
    """A chart the worker processes cannot write: the table is printed, the error is located."""
    rundir = tmp_path / "r"
    (rundir / "fan_belarus.png").mkdir(parents=True)  # a folder where a PNG must go
    res = _ok(["run", "--members", "60", "--seed", "3", "--executor", "processes",
               "--workers", "2", "--out", str(rundir)])
    text = " ".join(res.output.split())
    assert "cannot write the charts" in text and str(rundir) in text
    assert "choose a writable folder with --out" in text
    assert "Belarus" in res.stdout and "Traceback" not in res.output
    assert (rundir / "run-summary.json").is_file()


def test_table_runs_and_query(tmp_path):
    rd = tmp_path / "run"
    res = _ok(["run", *SMALL, "--no-plots", "--out", str(rd)])
    assert "Belarus" in res.stdout and "observed until 2019" in res.stdout
    lst = json.loads(_ok(["runs", "list", str(tmp_path), "--json"]).stdout)
    assert [r["rundir"] for r in lst] == [str(rd)] and lst[0]["status"] == "complete"
    show = json.loads(_ok(["runs", "show", str(rd), "--json"]).stdout)
    assert show["members"] == 40 and show["chunks_done"] == show["chunks_total"]
    rows = json.loads(_ok(["query", str(rd), "select count(distinct member) n from actors",
                           "--json"]).stdout)
    assert rows == [{"n": 40}]
    assert "Belarus" in _ok(["query", str(rd), "select distinct actor from actors"]).stdout


@pytest.mark.parametrize(("args", "needle"), [
    (["--executor", "nope"], "unknown executor"),
    (["--members", "0"], "--members"),
    (["--resume"], "--resume needs"),
    (["--set", "levers.no_such_lever=0.5"], "no_such_lever"),
    (["--scheduler", "tcp://127.0.0.1:1"], "--scheduler only applies"),
    (["no-such-scenario"], "no scenario"),
    (["--hypothesis", "nope"], "has no hypothesis 'nope'"),
])
def test_bad_input_is_a_clean_error(args, needle):
    res = runner.invoke(app, ["run", "--members", "5", "--quiet", "--no-plots", *args])
    assert res.exit_code == 2, res.output
    assert needle in res.output and "Traceback" not in res.output


def test_query_and_show_errors_are_clean(tmp_path):
    res = runner.invoke(app, ["runs", "show", str(tmp_path)])
    assert res.exit_code == 2 and "no multipolar run" in res.output
    res = runner.invoke(app, ["query", str(tmp_path), "select 1"])
    assert res.exit_code == 2


def test_no_arguments_runs_the_flagship_and_writes_charts(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["run"])
    assert res.exit_code == 0, res.output
    assert "Belarus" in res.stdout and "2,000 members" in res.stdout
    try:
        import multipolar.figures.plots  # noqa: F401
    except ModuleNotFoundError:
        return  # the chart helpers are not part of this checkout yet
    pngs = sorted((tmp_path / "multipolar-output").glob("*/*.png"))
    assert len(pngs) >= 2 and "charts:" in res.output
    # a folder named after the run's choices, so another run does not overwrite these
    assert {p.parent.name for p in pngs} == {"russia-neighbourhood-n2000-seed7"}



def _cli(out: Path, members: int, executor: str = "local") -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "multipolar.cli.main", "run", "--members", str(members),
           "--seed", "5", "--chunk-size", "20", "--end", "2005", "--quiet", "--no-plots", "--out", str(out),
           "--resume", "--executor", executor]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.mark.parametrize(("sig", "executor"), [(signal.SIGTERM, "local"),
                                               (signal.SIGINT, "local"),
                                               (signal.SIGINT, "processes")])
def test_signal_then_resume_equals_uninterrupted(tmp_path, sig, executor):
    members = 600 if executor == "local" else 1200  # worker processes: the run is quicker
    killed = tmp_path / "killed"
    p = _cli(killed, members, executor)
    deadline = time.time() + 60
    while time.time() < deadline and p.poll() is None:
        if len(list((killed / "chunks").glob("core-*.parquet"))) >= 2:
            break
        time.sleep(0.005)
    assert p.poll() is None, "the run finished before it could be interrupted"
    p.send_signal(sig)
    rc = p.wait(60)
    err = p.stderr.read().decode() if p.stderr else ""
    assert rc == 130, err
    assert "--resume" in err and "Traceback" not in err
    assert _ok(["runs", "show", str(killed), "--json"]) and json.loads(
        _ok(["runs", "show", str(killed), "--json"]).stdout)["status"] == "interrupted"
    p = _cli(killed, members, executor)
    assert p.wait(120) == 0
    # the uninterrupted reference, in-process (the CLI is a thin layer over run_ensemble)
    from multipolar.ensemble import RunSpec, run_ensemble

    full = tmp_path / "full"
    run_ensemble(RunSpec(members=members, seed=5, chunk_size=20, end=2005), out=full,
                 summary=False, keep="auto")  # as the CLI keeps: the first 1,000 members
    from multipolar.ensemble import query_arrow

    for t in ("actors", "core", "params"):
        pd.testing.assert_frame_equal(
            query_arrow(killed, f"select * from {t} order by all").to_pandas(),
            query_arrow(full, f"select * from {t} order by all").to_pandas(), check_exact=True)


def test_observed_until_follows_the_scenario_and_set(tmp_path):
    res = _ok(["run", "--members", "10", "--seed", "3", "--end", "2012", "--quiet", "--json",
               "--no-plots", "--set", "time.observed_until=2008", "--out", str(tmp_path / "r")])
    assert json.loads(res.stdout)["observed_until"] == 2008
    table = _ok(["run", "--members", "10", "--seed", "3", "--end", "2012", "--quiet",
                 "--no-plots", "--set", "time.observed_until=2008", "--out", str(tmp_path / "t")])
    assert "observed alignment followed until 2008; later years are projections" in \
        " ".join(table.stdout.split())


def test_charts_go_to_run_named_folders_and_replacing_them_is_announced(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = ["run", "--members", "20", "--end", "1994"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "replacing" not in first.output
    other = runner.invoke(app, [*args, "--hypothesis", "opportunist"])
    assert other.exit_code == 0, other.output
    assert "replacing" not in other.output  # another choice, another folder
    folders = sorted(p.name for p in (tmp_path / "multipolar-output").iterdir())
    assert folders == ["russia-neighbourhood-n20-seed7",
                       "russia-neighbourhood-n20-seed7-h-opportunist"]
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "replacing" in again.output


def test_unwritable_out_is_found_before_computing_with_the_right_advice(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    res = runner.invoke(app, ["run", "--members", "20000000", "--quiet", "--out",
                              str(blocker / "run")])
    assert res.exit_code == 2, res.output
    assert "--out" in res.output and "cannot write" in res.output
    assert "--resume" not in res.output and "nothing was computed" in res.output


def test_a_bad_set_value_is_reported_against_the_set():
    res = runner.invoke(app, ["run", "--members", "5", "--quiet", "--no-plots",
                              "--set", "levers.russia_assertion=abc"])
    assert res.exit_code == 2, res.output
    assert "--set" in res.output and "levers.russia_assertion=abc" in res.output
    assert "scenario.yaml" not in res.output and "Traceback" not in res.output


def test_table_fits_80_columns_and_says_what_produced_it(tmp_path):
    env = {**os.environ, "COLUMNS": "80"}
    cmd = [sys.executable, "-m", "multipolar.cli.main", "run", "--members", "20", "--quiet",
           "--no-plots", "--perspective", "kremlin", "--set", "levers.russia_assertion=0.9"]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, max(lines, key=len)
    text = " ".join(line.strip() for line in lines)
    assert "Belarus" in text
    assert "overrides: levers.russia_assertion=0.9" in text
    assert "perspective: kremlin" in text and "hypothesis: default" in text
    assert "events: none" in text


@pytest.mark.parametrize("args", [["forecast", "--members", "30", "--from", "2014", "--to", "2018"],
                                  ["mechanisms"], ["bargain", "belarus-gas-price"]])
def test_other_tables_fit_80_columns(tmp_path, args):
    env = {**os.environ, "COLUMNS": "80"}
    res = subprocess.run([sys.executable, "-m", "multipolar.cli.main", *args],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert lines and max(len(line) for line in lines) <= 80, max(lines, key=len)
    if args[0] == "forecast":
        text = " ".join(line.strip() for line in lines)
        assert "overrides: none" in text and "hypothesis: default" in text
        assert "rel_pos_ru0_us1" not in text  # the scale in words, not the column name


@pytest.mark.parametrize("args", [["calibrate", "--maxiter", "100000"],
                                  ["explore", "--n", "100000"],
                                  ["compare", "--perspectives", "all"]])
def test_every_out_is_checked_before_computing(tmp_path, args):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    res = runner.invoke(app, [*args, "--quiet", "--out", str(blocker / "sub" / "out.yaml")])
    assert res.exit_code == 2, res.output
    assert "cannot write" in res.output and "--out" in res.output
    assert "--resume" not in res.output


def _rows(text: str, title: str) -> dict[str, list[str]]:
    """Rows of the table under ``title`` as actor -> cells (wrapped lines joined)."""
    rows: dict[str, list[str]] = {}
    last = None
    for line in text.split(title, 1)[1].splitlines():
        if line.startswith("└"):  # the table's end: the next table is another's
            break
        if not line.startswith("│"):
            continue
        cells = [c.strip() for c in line.strip("│").split("│")]
        if cells[0]:
            last = cells[0]
            rows[last] = cells[1:]
        elif last is not None:
            rows[last] = [f"{a} {b}".strip() for a, b in zip(rows[last], cells[1:], strict=True)]
    return rows


def test_membership_table_says_who_is_a_member_and_never_wraps_inside_a_name(tmp_path):
    """Issue 24: members in the last observed year (staying) apart from joiners."""
    env = {**os.environ, "COLUMNS": "80"}
    cmd = [sys.executable, "-m", "multipolar.cli.main", "run", "--members", "40", "--quiet",
           "--no-plots"]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert res.returncode == 0, res.stderr
    assert max(len(line) for line in res.stdout.splitlines()) <= 80
    assert "member in 2019: P(stays) 2035" in " ".join(res.stdout.split())
    rows = _rows(res.stdout, "memberships:")
    stay, join = rows["Azerbaijan"]
    assert "CIS" in stay and "CSTO" not in stay and "EAEU" not in stay
    assert "CSTO" not in join and "EAEU" not in join  # its non-alignment and Armenia's veto
    assert "NATO" in rows["Estonia"][0] and "NATO" not in rows["Estonia"][1]
    assert "EU_association" in rows["Ukraine"][0]
    for line in res.stdout.splitlines():  # no name cut in two at the column edge
        assert not line.rstrip(" │").endswith(("EU_associati", "EU_", "CST", "EAE"))


def test_forecast_says_its_method_and_shows_nato_and_the_sco(tmp_path):
    env = {**os.environ, "COLUMNS": "80"}
    cmd = [sys.executable, "-m", "multipolar.cli.main", "forecast", "--members", "30",
           "--from", "2014", "--to", "2018"]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert res.returncode == 0, res.stderr
    text = " ".join(res.stdout.split())
    # the bundled calibration is fitted through 2019: from an origin of 2013 it is hindsight
    assert "method: the model alone (the bundled calibration (fitted through 2019) is not " \
        "used: it ends after the origin 2013" in text
    rows = _rows(res.stdout, "memberships:")
    assert "NATO" in rows["Latvia"][0] and "SCO" in rows["Kazakhstan"][0]
    js = runner.invoke(app, ["forecast", "--members", "10", "--from", "2014", "--to", "2015",
                             "--json"])
    doc = json.loads(js.stdout)
    assert doc["method"] == "model" and "model alone" in doc["method_note"]
    assert doc["memberships_at_origin"]["Latvia"]["NATO"] is True
    assert {"SCO", "NATO"} <= set(doc["forecasts"][0]["memberships"])


def test_mechanisms_at_80_columns_never_cut_a_name(tmp_path):
    env = {**os.environ, "COLUMNS": "80"}
    cmd = [sys.executable, "-m", "multipolar.cli.main", "mechanisms"]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert res.returncode == 0, res.stderr
    rows = json.loads(runner.invoke(app, ["mechanisms", "--json"]).stdout)
    words = set(res.stdout.replace(",", " ").replace("[", " ").split())
    for r in rows:
        assert r["name"] in words, r["name"]
        for p in r["params"]:
            assert p["name"] in words, p["name"]


def test_sphere_table_shows_russias_share_per_channel_as_stored(tmp_path):
    """Russia's share of each sphere, in all and per channel, as the run's summary keeps it."""
    env = {**os.environ, "COLUMNS": "80"}
    cmd = [sys.executable, "-m", "multipolar.cli.main", "run", "--members", "30", "--end",
           "2020", "--quiet", "--no-plots", "--out", str(tmp_path / "r")]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert res.returncode == 0, res.stderr
    assert max(len(line) for line in res.stdout.splitlines()) <= 80
    summary = json.loads((tmp_path / "r" / "run-summary.json").read_text())
    rows = _rows(res.stdout, "Russia's share of each state's sphere")
    assert set(rows) == set(summary["sphere_channels"])
    for actor in ("Belarus", "Georgia"):
        whole, *channels = rows[actor]
        want = summary["sphere_channels"][actor]["2020"]
        assert channels == [f"{want[c]['median']:.2f}" for c in
                            ("trade", "arms", "security", "investment")]
        assert whole.startswith(f"{summary['sphere'][actor]['2020']['russia']['median']:.2f} [")
