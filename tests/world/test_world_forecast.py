"""`multipolar forecast russia-world` and `multipolar backtest russia-world`.

The forecast covers every UN member from its observed state of the origin (or refuses, with a
located error, a panel that cannot cover the scenario's states); the back-test scores every
state against the baselines by group, and nothing after an origin reaches its forecast.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

import multipolar.data as data_mod
from multipolar.backtest.world import WorldForecast, score, world_backtest
from multipolar.cli.main import app
from multipolar.forecast.origin import world_panel
from tests.honesty import scramble_after

TINY: dict[str, Any] = {"members": 8, "calib_members": 4, "maxiter": 8, "seed": 5}


@lru_cache(maxsize=2)
def _forecast_json() -> dict[str, Any]:
    res = CliRunner().invoke(app, ["forecast", "russia-world", "--from", "2020", "--to", "2021",
                                   "--members", "24", "--json"])
    assert res.exit_code == 0, res.output
    return dict(json.loads(res.stdout))


def test_the_world_forecast_covers_every_state_from_its_observed_state() -> None:
    doc = _forecast_json()
    assert doc["origin"] == 2019
    recs = doc["forecasts"]
    states = {r["country"] for r in recs}
    assert len(states) == 193 and {"UKR", "ISR", "AUS", "EST", "BRA"} <= states
    assert {r["year"] for r in recs} == {2020, 2021}
    r0 = recs[0]
    # the neighbourhood's shape, plus the ideal point on the data's scale
    assert set(r0) == {"country", "year", "alignment", "memberships", "ideal_point"}
    assert set(r0["ideal_point"]) == {"median", "p05", "p95"}
    assert set(r0["alignment"]) == {"median", "p05", "p95"}
    assert doc["groups"]["DEU"] == "the West"
    panel = world_panel()
    gaps = [abs(r["alignment"]["median"] - panel.value(r["country"], 2019)) for r in recs
            if r["year"] == 2020]
    # one year after the observed start, not the free run's 0.13 average miss at 2019
    assert float(np.median(gaps)) < 0.03
    isr = next(r for r in recs if r["country"] == "ISR" and r["year"] == 2020)
    assert isr["alignment"]["median"] > 0.7  # the free run put Israel at 0.11 in 2019
    wide = [r["alignment"]["p95"] - r["alignment"]["p05"] for r in recs
            if r["country"] not in ("RUS", "USA", "CHN")]
    assert min(wide) > 0.0
    # stacked by default, its weights fitted on the anchor fit's forecasts before 2019
    assert doc["method"] == "stacked" and set(doc["stack_weights"]) == {"1", "2", "3", "4", "5"}
    assert "2009-2018" in doc["stack_source"]["fitted_on"]
    assert doc["interval_errors"]["calm_errors"]["1"] > 1000


def test_the_world_forecast_raw_is_the_model_alone() -> None:
    res = CliRunner().invoke(app, ["forecast", "russia-world", "--from", "2020", "--to", "2021",
                                   "--members", "24", "--json", "--raw"])
    assert res.exit_code == 0, res.output
    raw = json.loads(res.stdout)
    assert raw["method"] == "model" and raw["stack_weights"] is None
    stacked = {(r["country"], r["year"]): r["alignment"]["median"]
               for r in _forecast_json()["forecasts"]}
    moved = [abs(r["alignment"]["median"] - stacked[r["country"], r["year"]])
             for r in raw["forecasts"]]
    assert max(moved) > 0.01  # the model alone is not the stacked forecast


def test_a_panel_that_cannot_cover_the_states_is_a_located_error(tmp_path: Path) -> None:
    r = CliRunner()
    names = data_mod.data_path("actor_year_panel.csv")
    res = r.invoke(app, ["forecast", "russia-world", "--from", "2020", "--to", "2021",
                         "--members", "4", "--json", "--panel", str(names)])
    assert res.exit_code == 2
    assert "actor_year_panel.csv" in res.output and "--panel" in res.output
    assert "190 of the 190" in res.output and "none covered" in res.output
    assert '"forecasts"' not in res.output
    # a neighbourhood panel that lacks one neighbour is refused too, naming it
    lines = names.read_text().splitlines()
    partial = tmp_path / "partial.csv"
    partial.write_text("\n".join([lines[0], *[x for x in lines[1:] if "Kyrgyzstan" not in x]]))
    res = r.invoke(app, ["forecast", "--from", "2015", "--to", "2016", "--members", "4",
                         "--json", "--panel", str(partial)])
    assert res.exit_code == 2 and "Kyrgyzstan" in res.output and "1 of the 14" in res.output


def test_the_world_forecast_prints_groups_and_draws_the_map(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["forecast", "russia-world", "--from", "2020", "--to", "2025",
                                   "--members", "8", "--map", str(tmp_path / "m.png")],
                             env={"COLUMNS": "80"}, terminal_width=80)
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert max(len(x) for x in lines) <= 80
    assert any(x.startswith("│ the West ") for x in lines)
    assert any(x.startswith("closest to the US in 2025") for x in lines)
    assert (tmp_path / "m.png").stat().st_size > 10_000


def _forecasts(origin: int) -> tuple[WorldForecast, list[dict[str, Any]]]:
    res = world_backtest("russia-world", world_panel(), [origin], 2, conditional=False,
                         stack_window=2, **TINY)
    return res.forecasts[0], res.stacking


def test_a_world_backtest_from_2010_uses_nothing_after_2010(monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    clean, weights = _forecasts(2010)
    with monkeypatch.context() as m:
        scramble_after(m, 2010)
        altered, altered_weights = _forecasts(2010)
        earlier = scramble_after  # the same alteration from 2008 on reaches the forecast
        earlier(m, 2008)
        reached, _ = _forecasts(2010)
    assert altered.states == clean.states
    assert "stacked" in clean.quantiles and altered_weights == weights
    for meth, q in clean.quantiles.items():
        assert np.array_equal(q, altered.quantiles[meth]), meth
    assert clean.ideal is not None and altered.ideal is not None
    for meth, q in clean.ideal.quantiles.items():  # the data's scale, stacked included
        assert np.array_equal(q, altered.ideal.quantiles[meth]), meth
    assert not np.array_equal(np.nan_to_num(clean.observed), np.nan_to_num(altered.observed))
    assert not np.array_equal(clean.quantiles["model"], reached.quantiles["model"])


def test_world_backtest_scores_by_group_and_the_conditional_case() -> None:
    res = world_backtest("russia-world", world_panel(), [2013], 1, stack_window=2, **TINY)
    s = score(res.forecasts)
    assert set(s) == {"model", "stacked", "persistence", "mean3", "trend"}
    assert s["model"]["n"] == 190 and s["persistence"]["gain"] == 0.0
    west = score(res.forecasts, group="the West")
    from multipolar.backtest.world import group_labels

    n_west = sum(1 for a, g in group_labels("russia-world").items() if g == "the West")
    assert west["model"]["n"] == n_west - 1  # less the US, held at 1
    assert {"the West", "Sub-Saharan Africa", "the post-Soviet space"} <= set(res.groups)
    (plain, war), = res.conditional
    assert war.event == "use_of_force:UKR@2014" and plain.event is None
    ukr = war.states.index("UKR")
    assert war.quantiles["model"][1, 0, ukr] > plain.quantiles["model"][1, 0, ukr]
    # stacked: persistence moved w_h of the way to the model's median without the event, plus
    # the event's modelled effect in full (same seed and members), on both scales
    w = res.stacking[0]
    assert w["origin"] == 2013 and max(w["trained_on_origins"]) == 2012
    for scale, key in ((lambda f: f, "weights"), (lambda f: f.ideal, "ideal_point_weights")):
        p, e = scale(plain), scale(war)
        wh = w[key]["1"]
        m0, me = p.quantiles["model"][1, 0], e.quantiles["model"][1, 0]
        ok = np.isfinite(p.last)
        want = p.last + wh * (m0 - p.last) + (me - m0)
        assert np.allclose(e.quantiles["stacked"][1, 0, ok], want[ok], atol=1e-6)
        assert np.allclose(p.quantiles["stacked"][1, 0, ok],
                           (p.last + wh * (m0 - p.last))[ok], atol=1e-6)
    assert war.quantiles["stacked"][1, 0, ukr] > plain.quantiles["stacked"][1, 0, ukr] + 0.01
    doc = res.to_dict()
    assert doc["conditional"][0]["origin"] == 2013
    # the stacked interval widens for the war by the factor the record up to 2013 gives
    spread = doc["conditional"][0]["event_spread"]
    assert spread == war.event_spread and spread["learned_from"] == [2008]
    assert spread["until"] == 2013 and spread["factor"]["1"] >= 1.0
    assert doc["conditional"][0]["event_spread_ideal_point"]["learned_from"] == [2008]
    width = [f.quantiles["stacked"][2] - f.quantiles["stacked"][0] for f in (plain, war)]
    ok = np.isfinite(plain.last)
    assert np.all(width[1][:, ok] >= width[0][:, ok] - 1e-12)
    assert np.mean(width[1][:, ok] > width[0][:, ok]) > 0.5
    assert doc["stacking"][0]["weights"] == w["weights"]
    assert "the West" in doc["by_group"] and doc["calibration"][0]["origin"] == 2013


def test_the_world_weights_are_fitted_on_the_earlier_origins_own_forecasts() -> None:
    """Out of sample: the forecasts that train Y's weights are the ones scored at Y-2, Y-1."""
    from multipolar.backtest.world import STACK_WINDOW, stack_origins
    from multipolar.calibrate.anchor import STACK_BY_ORIGIN
    from multipolar.forecast.stacking import StackRecords

    assert stack_origins(2018) == list(range(2018 - STACK_WINDOW, 2018))
    assert stack_origins(2007) == [2005, 2006]  # none before the first pooled fit's year
    kw: dict[str, Any] = {**TINY, "members": 24}
    res = world_backtest("russia-world", world_panel(), [2009, 2010, 2011], 2,
                         conditional=False, stack_window=2, **kw)
    first, second, third = res.forecasts
    info = {s["origin"]: s for s in res.stacking}
    assert info[2011]["trained_on_origins"] == [2009, 2010]
    for scale, key in ((lambda f: f, "weights"), (lambda f: f.ideal, "ideal_point_weights")):
        recs = StackRecords()
        for f in (first, second):
            scale(f).stack_records(2011, recs)
        # every outcome known at 2011, none later
        assert max(o + h for o, h in zip(recs.origin, recs.horizon, strict=True)) == 2011
        assert recs.model[: len(scale(first).states)] == \
            scale(first).quantiles["model"][1, 0].tolist()
        want = recs.weights(2011, [1, 2], by_origin=STACK_BY_ORIGIN)
        assert {int(h): w for h, w in info[2011][key].items()} == want
        # the stacked forecast at 2011 moves persistence by those weights
        f = scale(third)
        ok = np.isfinite(f.last)
        m = f.quantiles["model"][1]
        for t, h in enumerate((1, 2)):
            assert np.allclose(f.quantiles["stacked"][1, t, ok],
                               (f.last + want[h] * (m[t] - f.last))[ok], atol=1e-6)


def test_world_backtest_cli_refuses_origins_outside_the_pooled_years() -> None:
    res = CliRunner().invoke(app, ["backtest", "russia-world", "--origins", "2003"])
    assert res.exit_code == 2 and "2005" in res.output


def test_an_anchored_forecast_keeps_the_effect_of_an_event() -> None:
    from multipolar.backtest.world import forecast_origin, group_labels

    kw: dict[str, Any] = {"members": 8, "seed": 5, "anchor": 1.0}
    groups = group_labels("russia-world")
    plain = forecast_origin("russia-world", world_panel(), 2013, 2014, {}, groups, **kw)
    war = forecast_origin("russia-world", world_panel(), 2013, 2014, {}, groups,
                          events=["use_of_force:UKR@2014"], **kw)
    ukr = war.states.index("UKR")
    # the anchor is measured without the event, so it does not cancel the target's turn
    assert war.quantiles["model"][1, 0, ukr] > plain.quantiles["model"][1, 0, ukr] + 0.01
