"""Tests of the world package: data, actor sets, vote model, honesty, forecast, map, CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from multipolar.cli.main import app
from multipolar.core.errors import MultipolarError, ScenarioError
from multipolar.data.global_tables import load_map
from multipolar.scenario.tables import expand_actor_set, expand_actor_sets
from multipolar.votes.coalition import (
    CoalitionSettings,
    coalition_forecast,
    parse_event,
)
from multipolar.votes.evaluate import auc, brier
from multipolar.votes.fitting import fit_until
from multipolar.votes.records import russia_votes, vote_rows
from multipolar.votes.votemodel import fit


def test_bundled_tables_match_sources(world):
    assert len(world.countries) == 194
    assert world.country_year["year"].max() == 2019
    # the 2014 territorial-integrity vote: 100 yes, 11 no, 58 abstentions as recorded
    rc = world.rollcalls.loc[world.rollcalls["unres"] == "R/68/262", "rcid"].iloc[0]
    counts = world.votes.loc[world.votes["rcid"] == rc, "vote"].value_counts().to_dict()
    assert counts == {1: 100, 2: 58, 3: 11}


def test_until_drops_later_rows(world):
    cut = world.until(2012)
    assert cut.country_year["year"].max() == 2012
    assert cut.rollcalls["year"].max() == 2012
    assert set(cut.votes["rcid"]) <= set(cut.rollcalls["rcid"])


def test_actor_set_gives_193_members_in_groups(groups):
    assert len(groups) == 193
    assert groups["RUS"] == "russia"
    assert groups["UKR"] == "post_soviet" and groups["KAZ"] == "post_soviet"
    assert groups["SRB"] == "balkans" and groups["TUR"] == "west"
    assert groups["BRA"] == "latin_america" and groups["IRN"] == "middle_east"
    assert {"west", "balkans", "asia", "middle_east", "africa", "latin_america",
            "post_soviet"} <= set(groups.values())


def test_actor_set_defaults_then_group_then_actor_override():
    raw = {"table": "countries", "members_in": 2019, "group_by": "un_subregion",
           "default_group": "rest",
           "groups": {"na": {"match": ["Northern America"],
                             "defaults": {"attributes": {"pull": 1.0, "x": 2.0}}},
                      "rest": {}},
           "defaults": {"role": "member", "attributes": {"pull": 0.0}},
           "overrides": {"CAN": {"attributes": {"x": 5.0}}}}
    actors = {a["id"]: a for a in expand_actor_set(raw)}
    assert actors["USA"]["attributes"] == {"pull": 1.0, "x": 2.0}
    assert actors["CAN"]["attributes"] == {"pull": 1.0, "x": 5.0}
    assert actors["FRA"]["attributes"] == {"pull": 0.0} and actors["FRA"]["region"] == "rest"
    assert actors["USA"]["role"] == "member" and actors["USA"]["ccode"] == 2


def test_expanded_sets_are_copies_each_time():
    """The expansion of bundled-table sets is kept for the next load: never shared with it."""
    raw = [{"members_in": 2019, "groups": {"all": {"match": []}}, "default_group": "all",
            "defaults": {"attributes": {"western_pull": 0.5}}, "overrides": {"RUS": {"role": "core"}}}]
    first = expand_actor_sets(raw)
    first[0]["attributes"]["western_pull"] = 99.0
    first.append({"id": "XXX"})
    again = expand_actor_sets(raw)
    assert len(again) == len(first) - 1
    assert all(a["attributes"]["western_pull"] == 0.5 for a in again)
    other = expand_actor_sets(raw, until=2005)  # another key: computed afresh
    assert {a["id"] for a in other} <= {a["id"] for a in again}


def test_actor_set_errors_are_located():
    with pytest.raises(ScenarioError) as e:
        expand_actor_sets([{"groups": {"a": {"match": ["Caribbean"]}}}])
    assert "in no group" in str(e.value) and "actor_sets.0" in str(e.value)
    with pytest.raises(ScenarioError) as e:
        expand_actor_sets([{"groups": {"a": {}}, "default_group": "a",
                            "group_overrides": {"FRA": "b"}}])
    assert "unknown group 'b'" in str(e.value)


def test_russia_votes_found(world):
    res = russia_votes(world)
    assert len(res) == 13
    assert res["year"].min() == 2008 and set(res["target"]) == {"GEO", "UKR"}
    rows = vote_rows(world, res)
    assert not {"RUS"} & set(rows["iso3"])
    first = rows[rows["rcid"] == res["rcid"].iloc[0]]
    assert (first["outcome"] == 0).sum() == 12  # 13 yes minus Georgia


def test_vote_model_recovers_a_known_rule():
    g = np.random.default_rng(3)
    x = g.normal(size=(3000, 2))
    true = np.array([[0.0, -1.0, -2.0], [2.0, 0.0, -1.0], [0.0, 1.5, 0.0]])
    s = np.column_stack([np.zeros(3000), np.column_stack([np.ones(3000), x]) @ true])
    p = np.exp(s) / np.exp(s).sum(1, keepdims=True)
    y = np.array([g.choice(4, p=pi) for pi in p])
    m = fit(x, y, ["a", "b"], [False, False], penalised=[False, False])
    assert np.allclose(m.coef, true, atol=0.25)
    assert m.cov.shape == (9, 9) and np.all(np.diag(m.cov) > 0)


def test_fit_until_ignores_later_rows(world, groups):
    base = fit_until(world, 2012, groups)
    changed = world.until(2019)
    cy = changed.country_year
    late = cy["year"] > 2012
    cy.loc[late, "idealpoint"] = 9.0
    cy.loc[late, "agree_russia"] = 0.0
    v = changed.votes
    later = v["rcid"].isin(changed.rollcalls.loc[changed.rollcalls["year"] > 2012, "rcid"])
    v.loc[later, "vote"] = 3
    other = fit_until(changed, 2012, groups)
    assert np.array_equal(base.coef, other.coef)
    # the count spreads (forward errors of the votes up to 2012) see nothing later either
    assert base.meta["levels"] == other.meta["levels"]
    assert base.meta["levels"]["forward_votes"] == [5047, 5114]
    assert [v["rcid"] for v in base.meta["votes"]] == [4829, 5047, 5114]
    # and the data do matter: a fit through 2014 differs
    assert not np.allclose(fit_until(world, 2014, groups).coef[0], base.coef[0])


def test_forecast_probabilities_and_member_keys(world, groups):
    model = fit_until(world, 2019, groups)

    def run(seed: int, chunk: int = 1000) -> dict:
        return coalition_forecast(CoalitionSettings(events=("use_of_force:UKR@2022",),
                                                    members=40, seed=seed, chunk=chunk),
                                  world=world, model=model)

    a, b, c, d = run(5), run(5), run(6), run(5, chunk=7)
    assert a == b == d and a != c
    assert a["world"]["simulated"] and a["world"]["origin"] == 2019
    assert len(a["states"]) == 193
    by = {s["iso3"]: s for s in a["states"]}
    assert by["RUS"]["p_no"] == 1.0 and by["UKR"]["p_yes"] == 1.0
    for s in a["states"]:
        tot = s["p_yes"] + s["p_abstain"] + s["p_no"] + s["p_absent"]
        assert tot == pytest.approx(1.0, abs=2e-3)
        lo, hi = s["interval"]["no"]
        # p_no is the mean over members: with 40 members one far member can lift the mean of
        # a near-zero probability just above the 95th percentile (Kiribati: 0.0066 vs 0.0061)
        assert lo <= s["p_no"] + 1e-4 and s["p_no"] <= hi + 1e-3
    tot = a["totals"]
    assert sum(t["expected"] for t in tot.values()) == pytest.approx(193, abs=0.3)
    for c, t in tot.items():
        assert t["interval"][0] <= t["expected"] <= t["interval"][1], c
        assert t["interval"] == [int(v) for v in t["interval"]]  # counts
    assert tot["no"]["expected"] >= 1.0  # at least Russia
    # the Western allies condemn; Belarus and Syria side with Russia more than Germany does
    assert by["DEU"]["p_yes"] > 0.8 and by["POL"]["p_yes"] > 0.8
    assert by["BLR"]["p_no"] > 5 * by["DEU"]["p_no"]
    assert by["SYR"]["p_no"] > by["IND"]["p_no"]


def test_event_errors():
    with pytest.raises(MultipolarError, match="cannot read event"):
        parse_event("UKR2022", {"UKR"})
    with pytest.raises(MultipolarError, match="not a UN member"):
        parse_event("use_of_force:RUS@2022", {"RUS", "UKR"})
    assert parse_event("use_of_force:Ukraine@2022", {"RUS", "UKR"},
                       {"ukraine": "UKR"}).target == "UKR"


def test_scores():
    assert auc(np.array([0.1, 0.2, 0.8, 0.9]), np.array([0, 0, 1, 1])) == 1.0
    assert auc(np.array([0.9, 0.1]), np.array([0, 1])) == 0.0
    p = np.array([[1.0, 0, 0, 0], [0.25, 0.25, 0.25, 0.25]])
    assert brier(p, np.array([0, 1])) == pytest.approx((0 + 0.5625 + 3 * 0.0625) / 2)


def test_map_geometry_and_png(tmp_path):
    shapes = load_map()
    assert {"RUS", "USA", "BRA", "UKR", "IND"} <= set(shapes)
    lon = np.concatenate([np.array(r[1])[:, 0] for r in shapes["RUS"]])
    assert lon.min() < -160 and lon.max() > 170  # Chukotka on both sides of the antimeridian
    runner = CliRunner()
    png = tmp_path / "m.png"
    r = runner.invoke(app, ["coalition", "--event", "use_of_force:GEO@2021", "--members", "20",
                            "--map", str(png)])
    assert r.exit_code == 0, r.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 50_000


def test_cli_json_and_calibration_roundtrip(tmp_path):
    runner = CliRunner()
    fitfile = tmp_path / "fit.json"
    r = runner.invoke(app, ["calibrate-coalition", "--until", "2011", "--out", str(fitfile)])
    assert r.exit_code == 0, r.output
    assert json.loads(fitfile.read_text())["until"] == 2011
    r = runner.invoke(app, ["coalition", "--event", "use_of_force:GEO@2012", "--members", "10",
                            "--calibration", str(fitfile), "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["calibration"]["until"] == 2011 and doc["event"]["target"] == "GEO"
    assert {"iso3", "name", "p_yes", "p_abstain", "p_no", "p_absent", "interval"} <= set(
        doc["states"][0])
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    r = runner.invoke(app, ["coalition", "--event", "use_of_force:GEO@2012",
                            "--calibration", str(bad)])
    assert r.exit_code == 2 and "not a coalition calibration file" in r.output


def test_record_shares_use_only_earlier_votes():
    import pandas as pd

    from multipolar.votes.fitting import record_shares

    rows = pd.DataFrame({"date": pd.to_datetime(["2008-01-01", "2008-01-01", "2010-01-01",
                                                 "2010-01-01"]),
                         "iso3": ["AAA", "BBB", "AAA", "BBB"], "outcome": [0, 2, 2, 2]})
    got = record_shares(rows, pd.Timestamp("2009-01-01"), ["AAA", "BBB", "CCC"])
    # pooled shares before 2009: half yes, half no; AAA voted yes once, BBB no once
    assert got[0] == pytest.approx([(1 + 0.5) / 2, 0.5 / 2, 0.0])
    assert got[1] == pytest.approx([0.5 / 2, (1 + 0.5) / 2, 0.0])
    assert got[2] == pytest.approx([0.5, 0.5, 0.0])
    none = record_shares(rows, pd.Timestamp("2000-01-01"), ["AAA"])
    assert none[0] == pytest.approx([0.25, 0.25, 0.25])


def test_with_record_fit_is_honest_and_forecasts(world, groups):
    base = fit_until(world, 2012, groups, with_record=True)
    changed = world.until(2019)
    v = changed.votes
    later = v["rcid"].isin(changed.rollcalls.loc[changed.rollcalls["year"] > 2012, "rcid"])
    v.loc[later, "vote"] = 1
    assert np.array_equal(base.coef, fit_until(changed, 2012, groups, with_record=True).coef)
    assert base.names[-3:] == ["record_yes", "record_no", "record_absent"]
    res = coalition_forecast(CoalitionSettings(events=("use_of_force:GEO@2014",), members=20,
                                               seed=1), world=world, model=base)
    by = {s["iso3"]: s for s in res["states"]}
    assert by["NIC"]["p_no"] > by["FRA"]["p_no"]  # Nicaragua voted no on the Abkhazia texts


def test_cli_errors_exit_2():
    runner = CliRunner()
    r = runner.invoke(app, ["coalition", "russia-neighbourhood", "--event",
                            "use_of_force:UKR@2022"])
    assert r.exit_code == 2 and "actor_sets" in r.output
    r = runner.invoke(app, ["coalition", "--event", "use_of_force:XYZ@2022"])
    assert r.exit_code == 2 and "not a UN member state" in r.output
    r = runner.invoke(app, ["coalition", "--event", "use_of_force:UKR@2022", "--members", "5",
                            "--map", "/nonexistent-dir/m.png"])
    assert r.exit_code == 2 and "cannot write the map" in r.output


def test_svg_map_is_self_contained_and_coloured():
    from xml.etree import ElementTree

    from multipolar.figures.worldmap import svg_map

    svg = svg_map({"RUS": 1.0, "USA": 0.0}, titles={"RUS": "Russia <core>"})
    root = ElementTree.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    paths = {p.get("data-iso3"): p for p in root.iter(f"{ns}path")}
    assert len(paths) > 200
    assert paths["RUS"].get("fill") != paths["USA"].get("fill")
    assert paths["FRA"].get("fill") == "#e4e4e4" and paths["FRA"].get("data-value") is None
    assert paths["RUS"].find(f"{ns}title").text == "Russia <core>"
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")
