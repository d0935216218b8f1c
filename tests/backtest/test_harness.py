"""Back-test harness, calibration without leakage, forecast JSON and CLI errors (small runs)."""

from __future__ import annotations

import copy
import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from multipolar.backtest import backtest
from multipolar.calibrate.history import calibrate_forecast, read_calibration_file
from multipolar.cli.main import app
from multipolar.core.errors import InputError
from multipolar.forecast.origin import load_panel, starting_state

runner = CliRunner()
FAST = {"members": 30, "calib_members": 8, "maxiter": 6, "window": 3, "seed": 5}


@pytest.fixture(scope="module")
def panel():
    return load_panel()


def _perturbed(panel, after: int):
    """A copy of ``panel`` whose values after ``after`` are changed."""
    p = copy.deepcopy(panel)
    for s in p.alignment.values():
        for y in s:
            if y > after:
                s[y] = s[y] + 0.5
    for table in p.memberships.values():
        for s in table.values():
            for y in s:
                if y > after:
                    s[y] = 1 - s[y]
    return p


def test_calibration_does_not_see_years_after_training(panel):
    kw = {"until": 2004, "members": 8, "maxiter": 6, "window": 3, "seed": 1}
    a, _ = calibrate_forecast("russia-neighbourhood", panel, **kw)
    b, _ = calibrate_forecast("russia-neighbourhood", _perturbed(panel, 2004), **kw)
    assert a.values == b.values and a.history == b.history and a.forecast == b.forecast
    # ... but it does see the training years
    c, _ = calibrate_forecast("russia-neighbourhood", _perturbed(panel, 2002), **kw)
    assert c.history != a.history


def test_prefit_starts_the_search_from_training_years_only(panel):
    """The start of the search comes from a history fit on years <= until, not the nominals
    (fitted on all the data); later years change nothing, earlier ones change the start."""
    kw = {"until": 2004, "members": 8, "maxiter": 4, "window": 3, "seed": 1, "prefit": 12}
    a, probe = calibrate_forecast("russia-neighbourhood", panel, **kw)
    nominal = {k: probe.params[k].nominal for k in a.start_values}
    assert a.start_values != nominal
    b, _ = calibrate_forecast("russia-neighbourhood", _perturbed(panel, 2004), **kw)
    assert a.start_values == b.start_values and a.values == b.values
    c, _ = calibrate_forecast("russia-neighbourhood", _perturbed(panel, 1998), **kw)
    assert c.start_values != a.start_values


def test_backtest_scores_test_years_only_and_model_is_finite(panel):
    res = backtest(panel, 2005, 2007, **FAST)
    f = res.forecasts[0]
    assert f.years.tolist() == [2006, 2007]
    assert np.isfinite(f.samples["model"]).all()
    assert len(f.actors) == 14
    scores = res.scores()
    assert set(scores) == {"model", "stacked", "persistence", "mean3", "trend"}
    assert scores["model"]["n"] == 28  # 14 neighbours x 2 test years
    for s in scores.values():
        assert math.isfinite(s["mae"]) and 0 <= s["coverage90"] <= 1 and s["crps"] >= 0
    assert 0 <= scores["model"]["brier"] <= 1
    # persistence's MAE is the mean |y_test - y_2005| (hand computation from the panel)
    errs = [abs(panel.value(a, y) - panel.value(a, 2005)) for a in f.actors for y in (2006, 2007)]
    assert scores["persistence"]["mae"] == pytest.approx(np.mean(errs))
    # changing years after the test window changes nothing; changing test years moves scores
    same = backtest(_perturbed(panel, 2007), 2005, 2007, **FAST).scores()
    assert same == scores
    moved = backtest(_perturbed(panel, 2005), 2005, 2007, **FAST)
    assert moved.calibration == res.calibration
    assert moved.stacking == res.stacking  # weights trained on outcomes up to 2005 only
    assert res.stacking[0]["trained_on_origins"] == [2000, 2001, 2002, 2003, 2004]
    assert moved.scores()["model"]["mae"] != scores["model"]["mae"]
    doc = res.to_dict()
    assert {"scores", "by_horizon", "by_actor", "paths", "skill_vs_persistence",
            "scores_shock_years", "pit_histogram", "directional", "stacking"} <= set(doc)
    assert {p["year"] for p in doc["paths"]} == {2006, 2007}
    json.dumps(doc, allow_nan=False)  # strict JSON
    assert sum(doc["pit_histogram"]["model"]["all"]) == pytest.approx(1.0)
    d = doc["directional"]["model"]["per_origin"]["2005"]
    assert d["horizon"] == 2 and d["direction_counted"] <= 14
    # the stacked forecast's median is persistence moved w_h of the way to the model's median
    w = res.stacking[0]["weights"]
    for k, h in enumerate((1, 2)):
        want = f.last + w[str(h)] * (np.median(f.samples["model"][:, k], axis=0) - f.last)
        got = np.median(f.samples["stacked"][:, k], axis=0)
        assert got == pytest.approx(want, abs=1e-9)


def test_backtest_rejects_bad_years(panel):
    with pytest.raises(InputError, match="not after"):
        backtest(panel, 2005, 2005, **FAST)
    with pytest.raises(InputError, match="no years after"):
        backtest(panel, panel.last_year(), panel.last_year() + 2, **FAST)


def test_forecast_json_has_the_issue_shape(tmp_path):
    res = runner.invoke(app, ["forecast", "--from", "2014", "--to", "2015", "--members", "20",
                              "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    recs = doc["forecasts"]
    belarus = [r for r in recs if r["country"] == "Belarus"]
    assert [r["year"] for r in belarus] == [2014, 2015]
    q = belarus[0]["alignment"]
    assert q["p05"] <= q["median"] <= q["p95"]
    assert set(belarus[0]["memberships"]) == {"EAEU", "CSTO", "CIS", "EU", "NATO", "SCO"}
    assert all(0 <= v <= 1 for v in belarus[0]["memberships"].values())
    assert {r["country"] for r in recs} >= {"Ukraine", "Kazakhstan", "Estonia"}


def test_calibrate_cli_writes_a_file_forecast_reads(tmp_path):
    cal = tmp_path / "cal.yaml"
    res = runner.invoke(app, ["calibrate", "--until", "2006", "--members", "6", "--maxiter",
                              "4", "--out", str(cal), "--quiet"])
    assert res.exit_code == 0, res.output
    cf = read_calibration_file(cal)
    assert cf.meta["until"] == 2006 and "spread" in cf.forecast
    assert any(k.startswith("mechanisms.alignment") for k in cf.overrides)
    res = runner.invoke(app, ["forecast", "--calibration", str(cal), "--from", "2014",
                              "--to", "2014", "--members", "10", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["settings"]["spread"] == cf.forecast["spread"]


@pytest.mark.parametrize("content, needle", [
    ("country,year\nBelarus,2000\n", "rel_pos_ru0_us1"),
    ("country,year,rel_pos_ru0_us1\nBelarus,abc,0.1\n", "panel.csv:2"),
    ("country,year,rel_pos_ru0_us1\nBelarus,2000,high\n", "not a number"),
])
def test_cli_reports_bad_panels_cleanly(tmp_path, content, needle):
    p = tmp_path / "panel.csv"
    p.write_text(content)
    res = runner.invoke(app, ["backtest", "--panel", str(p), "--train-until", "2003"])
    assert res.exit_code == 2
    assert needle in res.output and str(p) in res.output
    assert "Traceback" not in res.output


def test_cli_reports_other_errors_cleanly(tmp_path):
    cases = [
        (["backtest", "--panel", str(tmp_path / "none.csv"), "--train-until", "2003"],
         "not found"),
        (["backtest", "--train-until", "2008", "--test-until", "2006"], "not after"),
        (["backtest", "--origins", "2003,x"], "--origins"),
        (["forecast", "unknown-scenario", "--members", "5"], "unknown-scenario"),
        (["calibrate", "--executor", "spark"], "executor"),
        (["forecast", "--calibration", str(tmp_path / "missing.yaml")], "calibration"),
    ]
    for args, needle in cases:
        res = runner.invoke(app, args)
        assert res.exit_code == 2, (args, res.output)
        assert needle in res.output, (args, res.output)


def test_backtest_cli_prints_the_new_scores_and_writes_both_pictures(tmp_path):
    png = tmp_path / "bt.png"
    res = runner.invoke(app, ["backtest", "--train-until", "2006", "--test-until", "2008",
                              "--members", "20", "--calib-members", "4", "--maxiter", "3",
                              "--warmup", "1", "--png", str(png), "--quiet",
                              "--event", "use_of_force:GEO@2008"])
    assert res.exit_code == 0, res.output
    for needle in ("stacked", "cov90 shock", "rank corr.", "use_of_force:GEO@2008"):
        assert needle in res.output, needle
    scores_png = tmp_path / "bt-scores.png"
    assert png.stat().st_size > 10_000 and scores_png.stat().st_size > 10_000
    assert scores_png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_forecast_beyond_the_data_says_where_its_state_comes_from():
    last = load_panel().last_year()
    res = runner.invoke(app, ["forecast", "--from", str(last + 4), "--to", str(last + 4),
                              "--members", "10", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["origin"] == last and doc["observed_until"] == last
    start = doc["starting_state"]
    assert start["year"] == last and start["projected_before_first"] == 3
    assert f"observed state of {last}" in start["note"] and f"{last + 1}-{last + 3}" in start["note"]
    table = runner.invoke(app, ["forecast", "--from", str(last + 4), "--to", str(last + 4),
                                "--members", "10"])
    assert table.exit_code == 0, table.output
    assert f"observed state of {last}" in " ".join(table.stdout.split())
    # from the year right after the data nothing in between is projected
    assert starting_state(last + 1, last)["projected_before_first"] == 0


@pytest.mark.parametrize("until", [2005, 2012, 2019])
def test_calibrate_until_uses_nothing_after_until(until):
    """Any --until from 2005 to 2019 works, and data after it cannot change the fit."""
    panel = load_panel()
    a, _ = calibrate_forecast("russia-neighbourhood", panel, until=until, members=4, maxiter=3)
    b, _ = calibrate_forecast("russia-neighbourhood", _perturbed(panel, until), until=until,
                              members=4, maxiter=3)
    assert a.values == b.values and a.mae == b.mae
    moved, _ = calibrate_forecast("russia-neighbourhood", _perturbed(panel, until - 3),
                                  until=until, members=4, maxiter=3)
    assert moved.mae != a.mae


def test_calibrate_cli_defaults_to_the_last_year_of_data():
    res = runner.invoke(app, ["calibrate", "--members", "3", "--maxiter", "2", "--quiet",
                              "--objective", "history", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["until"] == load_panel().last_year() == 2019


def test_the_stacked_backtest_keeps_a_dated_events_effect_in_full():
    """Given an event the stacked point is p + w_h (m0 - p) + (m_event - m0) (forecast.stacking)."""
    from multipolar.forecast.conditional import parse_event

    panel = load_panel()
    kw = {**FAST, "warmup": 1, "members": 40}
    quiet = backtest(panel, 2006, 2008, **kw)
    war = backtest(panel, 2006, 2008, events=[parse_event("use_of_force:GEO@2008")], **kw)
    fq, fw = quiet.forecasts[0], war.forecasts[0]
    # the weights act on the model without the event: the same as without it
    assert war.stacking[0]["weights"] == quiet.stacking[0]["weights"]
    m0 = np.median(fq.samples["model"], axis=0)
    effect = np.median(fw.samples["model"], axis=0) - m0
    geo = fw.actors.index("Georgia")
    assert abs(effect[-1, geo]) > 0.01  # the model's event effect is real
    for k, h in enumerate(fw.years - fw.origin):
        w = war.stacking[0]["weights"][str(int(h))]
        want = fw.last + w * (m0[k] - fw.last) + effect[k]
        assert np.allclose(np.median(fw.samples["stacked"][:, k], axis=0), want, atol=1e-9)
        # without the event the stacked forecast is persistence moved w of the way, as before
        assert np.allclose(np.median(fq.samples["stacked"][:, k], axis=0),
                           fq.last + w * (m0[k] - fq.last), atol=1e-9)
    # the interval: without the event persistence's errors, bit for bit as before; given it,
    # no narrower anywhere and wider from the war's year (2008) on. The record up to 2006 holds
    # no use of force, so only the members' spread of the event's effect widens it
    from multipolar.forecast.stacking import error_model

    train = panel.truncated(2006)
    errors = error_model({a: train.alignment.get(a, {}) for a in fq.actors}, 2006, 2)
    n = fq.samples["stacked"].shape[0]
    for k, h in enumerate(fq.years - fq.origin):
        w = quiet.stacking[0]["weights"][str(int(h))]
        want = (fq.last + w * (m0[k] - fq.last))[None, :] + \
            errors.quantiles(int(h), n)[:, None]
        ok = np.isfinite(fq.last)
        assert np.array_equal(fq.samples["stacked"][:, k][:, ok], want[:, ok])
    spread = war.stacking[0]["event_spread"]
    assert spread["learned_from"] == [] and set(spread["factor"].values()) == {1.0}
    assert "event_spread" not in quiet.stacking[0]
    width = [np.ptp(np.percentile(f.samples["stacked"], [5, 95], axis=0), axis=0)
             for f in (fq, fw)]
    assert np.all(width[1] >= width[0] - 1e-12)
    assert width[1][-1, geo] > width[0][-1, geo]
