"""The coalition forecast runs on the simulated world: overlays, levers, kinds, hindsight."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from multipolar.cli.main import app
from multipolar.core.errors import MultipolarError
from multipolar.votes.coalition import (
    CoalitionSettings,
    coalition_forecast,
)
from multipolar.votes.features import feature_panel
from multipolar.votes.fitting import fit_until, training_rows
from multipolar.votes.levels import level_spreads, vote_offsets
from multipolar.votes.votemodel import RIDGE

EVENT = ("use_of_force:UKR@2022",)


@pytest.fixture(scope="module")
def model(world, groups):
    return fit_until(world, 2019, groups, with_record=True)


def _run(world, model, **kw):
    settings = CoalitionSettings(**{"events": EVENT, "members": 120, "seed": 3, **kw})
    return coalition_forecast(settings, world=world, model=model)


def _by(result):
    return {s["iso3"]: s for s in result["states"]}


def test_perspectives_move_the_counts_apart_as_described(world, model, groups):
    """Western view: the democracies close ranks against Russia; Kremlin view: they do not."""
    west = _run(world, model, perspective="western")
    kremlin = _run(world, model, perspective="kremlin")
    assert west["world"]["applied"] != kremlin["world"]["applied"]
    tw, tk = west["totals"], kremlin["totals"]
    assert tw["yes"]["expected"] > tk["yes"]["expected"] + 0.3
    assert tw["no"]["expected"] + tw["abstain"]["expected"] < \
        tk["no"]["expected"] + tk["abstain"]["expected"] - 0.3
    # the West's pull acts on the states under it: Korea and Japan move more than Belarus
    bw, bk = _by(west), _by(kremlin)
    gain = {s: bw[s]["p_yes"] - bk[s]["p_yes"] for s in bw}
    assert gain["KOR"] > 0.005 and gain["JPN"] > 0.0
    assert abs(gain["BLR"]) < gain["KOR"] / 5


def test_arms_lever_raises_p_no_of_arms_clients_only(world, model):
    base = _by(_run(world, model))
    more = _by(_run(world, model, sets=("russia_arms_deliveries=3@2020",)))
    share = feature_panel(world.until(2019)).values["arms_russia_share"][2019]
    d = {s: more[s]["p_no"] - base[s]["p_no"] for s in base if not base[s].get("fixed")}
    clients = [s for s in d if share.get(s, 0.0) > 0.3]
    none = [s for s in d if share.get(s, 0.0) == 0.0]
    assert len(clients) >= 10 and len(none) >= 50
    assert np.mean([d[s] for s in clients]) > 0.002
    assert max(abs(d[s]) for s in none) < 1e-9
    assert min(d[s] for s in clients) > -1e-4
    top = max(d, key=lambda s: d[s])
    assert share.get(top, 0.0) > 0.3


def test_kinds_of_resolution(world, model):
    cond = _run(world, model)
    assert cond["resolution"]["kind"] == "condemnation"
    assert cond["resolution"]["recorded_as"] == "territorial_integrity"
    hum = _run(world, model, resolution="humanitarian")
    assert hum["resolution"]["recorded_as"] == "georgia_idp"
    assert hum["resolution"]["past_votes_of_kind"] == 6
    sus = _run(world, model, resolution="suspension")
    assert sus["resolution"]["recorded_as"] is None
    assert "no past vote" in sus["resolution"]["level"]
    # a kind with no past vote carries the kinds' spread: a wider range than a recorded kind
    width = {n: r["totals"]["yes"]["interval"][1] - r["totals"]["yes"]["interval"][0]
             for n, r in (("hum", hum), ("sus", sus))}
    assert width["sus"] > 1.3 * width["hum"]
    # the Abkhazia texts drew fewer yes votes than the 2014 condemnation
    assert hum["totals"]["yes"]["expected"] < cond["totals"]["yes"]["expected"] - 10
    with pytest.raises(MultipolarError, match="unknown kind of resolution"):
        _run(world, model, resolution="sanctions")


def test_hindsight_is_refused_or_labelled(world, groups):
    late = fit_until(world, 2019, groups)
    with pytest.raises(MultipolarError, match="hindsight"):
        coalition_forecast(CoalitionSettings(events=("use_of_force:GEO@2008",), members=5),
                           world=world, model=late)
    res = coalition_forecast(CoalitionSettings(events=("use_of_force:GEO@2008",), members=5,
                                               hindsight=True), world=world, model=late)
    assert res["hindsight"] is True and res["world"]["simulated"] is False
    early = fit_until(world, 2013, groups)
    ok = coalition_forecast(CoalitionSettings(events=("use_of_force:UKR@2014",), members=5),
                            world=world, model=early)
    assert ok["hindsight"] is False
    # 2014's condemnation has no earlier vote of its kind in a fit through 2013: pooled
    assert ok["resolution"]["recorded_as"] is None


def test_vote_year_after_event_simulates_the_years_between(world, model):
    res = _run(world, model, vote_year=2024, resolution="reparations")
    assert res["world"] == {**res["world"], "simulated": True, "origin": 2019, "to": 2023}
    assert res["resolution"]["vote_year"] == 2024
    with pytest.raises(MultipolarError, match="before the event"):
        _run(world, model, vote_year=2021)
    with pytest.raises(MultipolarError, match="scenario's last year 2035"):
        _run(world, model, vote_year=2037)


def test_arms_share_scaling():
    from multipolar.model.mechanisms.world import scaled_arms_share

    s = np.array([[0.0, 0.5, 1.0, 0.2]])
    assert np.allclose(scaled_arms_share(s, np.ones_like(s)), s)
    assert np.allclose(scaled_arms_share(s, np.full_like(s, 2.0)), [[0.0, 2 / 3, 1.0, 0.4 / 1.2]])
    assert np.allclose(scaled_arms_share(s, np.zeros_like(s)), [[0.0, 0.0, 0.0, 0.0]])
    assert scaled_arms_share(s, None) is s


def test_vote_level_spread_from_past_votes(world, groups, model):
    x, rows, _ = training_rows(world.until(2019), groups, with_record=True)
    offs = vote_offsets(model, x, rows)
    # the single 2014 condemnation has no spread of its own; every other vote does
    assert offs.loc[offs["kind"] == "territorial_integrity", "n_kind"].tolist() == [1]
    lv = level_spreads(model, x, rows)
    assert 5309 not in lv["votes_used"] and len(lv["votes_used"]) == 12
    assert all(0.1 < v < 2.0 for v in lv["vote_sd"])
    cov = np.asarray(lv["vote_cov"])
    assert np.allclose(cov, cov.T) and np.linalg.eigvalsh(cov).min() > -1e-12
    assert np.allclose(np.sqrt(np.diag(cov)), lv["vote_sd"])
    # one pseudo-kind at the prior: with one recorded kind the kinds' spread is the prior's
    early = fit_until(world, 2012, groups)
    assert early.meta["levels"]["kinds"] == 1
    assert np.allclose(early.meta["levels"]["kind_cov"], np.eye(3) / RIDGE)
    stored = model.meta["levels"]
    assert stored["method"] == "forward" and stored["in_sample_vote_sd"] == lv["vote_sd"]
    assert stored["kind_cov"] == lv["kind_cov"]


def test_the_count_spread_is_learned_from_forward_errors_of_earlier_votes(world, groups, model):
    """Each vote's shift is measured against a fit on the votes before it only: later votes do
    not change it, and the spreads a forecast draws are the shrunk covariances of those
    shifts (votes of a recorded kind, and votes of a kind new when cast)."""
    from multipolar.votes.fitting import forward_shifts
    from multipolar.votes.levels import shrunk_covariance

    x, rows, names = training_rows(world.until(2019), groups, with_record=True)
    full = forward_shifts(x, rows, names)
    early = rows["date"] < "2015-01-01"
    part = forward_shifts(x[early.to_numpy()], rows[early].reset_index(drop=True), names)
    assert len(full) == 12 and len(part) == 4  # every vote but the first (2008)
    for a, b in zip(part.to_dict("records"), full.to_dict("records"), strict=False):
        assert a["rcid"] == b["rcid"] and np.allclose(a["shift"], b["shift"])
    new = dict(zip(full["date"].dt.year.astype(str) + " " + full["kind"],
                   ~full["known"], strict=True))
    assert new["2014 territorial_integrity"] and new["2016 crimea_human_rights"]
    assert not new["2015 georgia_idp"]
    lv = model.meta["levels"]
    assert np.allclose(lv["vote_cov"], shrunk_covariance(list(full.loc[full["known"], "shift"])))
    assert np.allclose(lv["new_kind_cov"],
                       shrunk_covariance(list(full.loc[~full["known"], "shift"])))
    assert sorted(lv["forward_new_kind_votes"]) == sorted(full.loc[~full["known"], "rcid"])
    # forecast errors are larger than in-sample ones: the spread the forecast draws is wider
    assert all(f > i for f, i in zip(lv["vote_sd"], lv["in_sample_vote_sd"], strict=True))
    # no vote yet: the prior's spread (declared before any vote was looked at)
    assert np.allclose(shrunk_covariance([]), np.eye(3) / RIDGE)


def test_forward_spreads_widen_the_count_range_and_cover_more(world, groups, monkeypatch):
    """On the votes through 2015 (forward), the count range with the forward spread is wider
    and holds the recorded yes count at least as often as with the in-sample spread."""
    import multipolar.votes.reliability as rel

    forward = rel.check(world, groups, until=2015, forward=True, members=120, seed=2)
    monkeypatch.setattr(rel, "forward_levels", lambda in_sample, _shifts, **_kw: in_sample)
    in_sample = rel.check(world, groups, until=2015, forward=True, members=120, seed=2)
    f, i = forward["methods"]["ensemble"], in_sample["methods"]["ensemble"]
    assert f["width_yes"] > i["width_yes"]
    assert f["coverage_yes"] >= i["coverage_yes"]
    # the probabilities' ranking barely moves: the spread is the Assembly's, not a state's
    assert abs(f["auc_not_yes"] - i["auc_not_yes"]) < 0.02


def test_cli_takes_the_scenario_options_and_names(tmp_path):
    runner = CliRunner()
    args = ["coalition", "--event", "use_of_force:Ukraine@2022", "--members", "30", "--json"]
    plain = runner.invoke(app, args)
    assert plain.exit_code == 0, plain.output
    doc = json.loads(plain.stdout)
    assert doc["event"]["target"] == "UKR"
    west = runner.invoke(app, [*args, "--perspective", "western", "--set",
                               "russia_arms_deliveries=2@2020", "--event",
                               "use_of_force:GEO@2021", "--resolution", "human_rights"])
    assert west.exit_code == 0, west.output
    wd = json.loads(west.stdout)
    assert wd["resolution"]["recorded_as"] == "crimea_human_rights"
    assert wd["world"]["applied"]
    r = runner.invoke(app, ["coalition", "--event", "use_of_force:GEO@2015", "--members", "5"])
    assert r.exit_code == 2 and "hindsight" in r.output
    r = runner.invoke(app, ["coalition", "--event", "use_of_force:GEO@2015", "--members", "5",
                            "--hindsight"])
    assert r.exit_code == 0 and "HINDSIGHT" in r.output
    r = runner.invoke(app, ["coalition", "--event", EVENT[0], "--members", "5", "--perspective",
                            "nobody"])
    assert r.exit_code == 2 and "nobody" in r.output


def test_calibration_check_on_past_votes(world, groups, tmp_path):
    from multipolar.votes.evaluate import evaluate
    from multipolar.votes.reliability import check, reliability_png

    res = check(world, groups, until=2014, members=60, seed=2)
    assert res["n_votes"] == 4 and res["mode"] == "leave_one_vote_out"
    m = res["methods"]
    # the record baseline scored here is the one of the evaluation module
    ev = evaluate(world, groups, until=2014)
    assert m["record"]["brier"] == pytest.approx(ev["methods"]["record"]["brier"])
    # the vote-level term widens the count range; the probabilities stay nearly the same
    assert m["ensemble"]["width_yes"] > m["parameters_only"]["width_yes"]
    assert m["ensemble"]["brier"] == pytest.approx(m["parameters_only"]["brier"], abs=0.02)
    for name in ("ensemble", "record"):
        rel = m[name]["reliability"]
        for c in ("yes", "no"):
            assert sum(r["n"] for r in rel if r["outcome"] == c) == res["n_rows"]
        assert 0.0 <= m[name]["coverage_yes"] <= 1.0
    per = {v["date"]: v for v in res["per_vote"]}
    assert per["2014-03-27"]["yes"] == 99
    png = reliability_png(res, tmp_path / "rel.png")
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_cli_calibration_check_writes_diagram_and_figures(tmp_path):
    runner = CliRunner()
    png, fit = tmp_path / "rel.png", tmp_path / "fit.json"
    r = runner.invoke(app, ["calibrate-coalition", "--until", "2011", "--calibration-check",
                            str(png), "--out", str(fit)])
    assert r.exit_code == 0, r.output
    assert "calibration check, forward" in r.output
    doc = json.loads(fit.read_text())
    assert set(doc["calibration_check"]) == {"leave_one_vote_out", "forward"}
    assert doc["model"]["meta"]["levels"]["kinds"] == 1
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_forecast_from_a_2013_fit_reads_nothing_later(world, groups):
    """Changing every datum after 2013 leaves a forecast from a fit through 2013 as it was."""
    model = fit_until(world, 2013, groups, with_record=True)
    settings = CoalitionSettings(events=("use_of_force:UKR@2015",), members=20, seed=4,
                                 perspective="western")
    a = coalition_forecast(settings, world=world, model=model)
    changed = world.until(2019)
    cy = changed.country_year
    later = cy["year"] > 2013
    cy.loc[later, "rel_pos_ru0_us1"] = 1.0 - cy.loc[later, "rel_pos_ru0_us1"]
    cy.loc[later, "idealpoint"] = -cy.loc[later, "idealpoint"]
    cy.loc[later, "v2x_polyarchy"] = 0.0
    v = changed.votes
    v.loc[v["rcid"].isin(changed.rollcalls.loc[changed.rollcalls["year"] > 2013, "rcid"]),
          "vote"] = 3
    b = coalition_forecast(settings, world=changed, model=model)
    assert a == b
    assert a["world"]["simulated"] and a["world"]["origin"] == 2013


def test_a_file_without_spreads_gets_the_forward_ones(world, groups, model):
    """An older calibration file without ``levels``: the forecast computes them from its votes
    the same way ``calibrate-coalition`` does (forward errors), not the in-sample way."""
    import copy

    from multipolar.votes.coalition import _levels

    old = copy.deepcopy(model)
    del old.meta["levels"]
    got = _levels(world, old, groups)
    assert got["method"] == "forward"
    assert np.allclose(got["vote_cov"], model.meta["levels"]["vote_cov"])
    assert np.allclose(got["new_kind_cov"], model.meta["levels"]["new_kind_cov"])
