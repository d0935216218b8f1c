"""compare --score: views keep their claims, are scored on the same country-years, ranked."""

from __future__ import annotations

import math

import pytest
from typer.testing import CliRunner

from multipolar.backtest.compete import View, default_origins, free_parameters, score_views
from multipolar.calibrate.history import FREE_PARAMETERS
from multipolar.cli.main import app
from multipolar.forecast.origin import load_panel
from multipolar.scenario import load_scenario

TINY = {"members": 20, "calib_members": 4, "maxiter": 3, "window": 3, "assimilation": False}


def test_a_view_keeps_the_parameters_it_sets_out_of_the_fit():
    kremlin = load_scenario("russia-neighbourhood").scenario.perspectives["kremlin"].overrides
    free = free_parameters(dict(kremlin))
    assert "attraction.effect" not in free and "eu_pull.effect" not in free
    assert set(FREE_PARAMETERS) - set(free) == {"attraction.effect", "eu_pull.effect"}
    assert free_parameters({"mechanisms.russia_policy.implementation": "x"}) == FREE_PARAMETERS


def test_default_origins_end_before_the_last_year():
    p = load_panel()
    assert default_origins(p, 5) == [p.last_year() - 10, p.last_year() - 7,
                                      p.last_year() - 4, p.last_year() - 1]


def test_views_are_ranked_on_the_same_country_years():
    views = [View("base", "scenario"), View("hypothesis", "opportunist"),
             View("perspective", "kremlin")]
    s = score_views(load_panel(), views, [2008], 2, bootstrap=200, seed=3, **TINY)
    assert s["country_years"] == 28
    v = s["views"]
    assert list(v) == s["ranking"]
    maes = [v[k]["mae"] for k in s["ranking"]]
    assert maes == sorted(maes)
    assert sum(x["p_best"] for x in v.values()) == pytest.approx(1.0)
    for x in v.values():
        assert x["mae_p05"] <= x["mae"] <= x["mae_p95"]
    # the views differ (their forecasts are not the same)
    assert len({round(x["mae"], 8) for x in v.values()}) > 1
    assert s["reference"] == "scenario" and v["scenario"]["mae_minus_first"] == 0.0
    for x in v.values():
        assert x["minus_first_p05"] <= x["mae_minus_first"] + 1e-12
        assert x["mae_minus_first"] <= x["minus_first_p95"] + 1e-12


def test_ties_share_the_best_and_two_hypotheses_meet_head_to_head():
    views = [View("base", "scenario"), View("hypothesis", "strategic"),
             View("hypothesis", "opportunist")]
    s = score_views(load_panel(), views, [2008], 1, bootstrap=100, seed=3, **TINY)
    v = s["views"]
    # the scenario as written is the strategic hypothesis: identical forecasts share P(best)
    assert v["scenario"]["mae"] == v["hypothesis strategic"]["mae"]
    assert v["scenario"]["p_best"] == pytest.approx(v["hypothesis strategic"]["p_best"])
    h = s["head_to_head"]
    assert (h["first"], h["second"]) == ("hypothesis strategic", "hypothesis opportunist")
    assert h["p05"] <= h["mae_difference"] <= h["p95"]
    assert (h["mae_difference"] < 0) == (h["p_first_better"] > 0.5) or \
        h["p05"] < 0 < h["p95"]
    assert math.isfinite(s["persistence"]["mae"])


def test_compare_score_cli_rejects_unknown_views():
    res = CliRunner().invoke(app, ["compare", "--score", "--hypotheses", "gambler"])
    assert res.exit_code == 2 and "gambler" in res.output and "Traceback" not in res.output
