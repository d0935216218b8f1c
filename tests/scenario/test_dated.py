"""Levers and parameters by year and target, ``--set PATH[TARGET]=V@YEAR``, dated events.

Covers the scenario language (schema, located errors in files and on the command line), what
:func:`compile_model` makes of it (shapes and values of ``levers``, ``param_schedule``,
``event_arrays``, ``forced_membership``), and the engine contract that an override or an event
from year Y leaves every outcome of the years before Y bit-identical.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from multipolar.cli.main import app
from multipolar.core.errors import ScenarioError
from multipolar.ensemble.spec import RunSpec
from multipolar.model.compile import EVENT_ARRAYS, CompiledModel, compile_model
from multipolar.model.engine import ChunkResult, run
from multipolar.scenario import load_scenario
from multipolar.scenario.overrides import parse_events, parse_sets

runner = CliRunner()
FLAGSHIP = "russia-neighbourhood"


@pytest.fixture(scope="module")
def base() -> CompiledModel:
    return compile_model(load_scenario(FLAGSHIP))


def _model(sets: list[str] | None = None, events: list[str] | None = None) -> CompiledModel:
    return compile_model(load_scenario(FLAGSHIP, sets=sets, events=events))


def _outcomes(r: ChunkResult) -> dict[str, np.ndarray]:
    """Every outcome of a run as ``[member, year, ...]`` arrays, keyed by name."""
    out = {f"actor.{k}": v for k, v in r.actor_outcomes.items()}
    out.update({f"core.{k}": v for k, v in r.core_outcomes.items()})
    out["memberships"] = r.memberships
    return out


@pytest.fixture(scope="module")
def base_run(base: CompiledModel) -> dict[str, np.ndarray]:
    return _outcomes(run(base, 3, 60, chunk=60))


# ------------------------------------------------------------------------------ --set forms

def test_parse_sets_keeps_plain_forms_and_reads_dated_ones() -> None:
    got = parse_sets(["russia_assertion=0.7", "russia_assertion=0.9@2022",
                      "russia_assertion[Ukraine]=1@2014", "russia_attraction[UKR]=0.2",
                      "kindred_regimes.support[Belarus]=0.3@2020"])
    assert got == {"russia_assertion": 0.7, "russia_assertion@2022": 0.9,
                   "russia_assertion[Ukraine]@2014": 1.0, "russia_attraction[UKR]": 0.2,
                   "kindred_regimes.support[Belarus]@2020": 0.3}


@pytest.mark.parametrize(("item", "fragment"), [
    ("russia_assertion=0.9@20x2", "is not a year"),
    ("russia_assertion=high@2022", "is not a number"),
    ("russia_assertion[Ukraine=1@2014", "malformed target brackets"),
    ("russia_assertion]Ukraine[=1@2014", "malformed target brackets"),
    ("russia_assertion[]=1@2014", "malformed target brackets"),
    ("russia_assertion[Ukraine]=true", "is not a number"),
])
def test_bad_set_forms_name_the_item(item: str, fragment: str) -> None:
    with pytest.raises(ScenarioError) as err:
        parse_sets([item])
    (p,) = err.value.problems
    assert p.field == "--set" and item in p.message and fragment in p.message
    assert p.fix and p.file is None


@pytest.mark.parametrize(("item", "fragment", "fix"), [
    ("russia_assertion[Narnia]=1@2014", "unknown target 'Narnia'", "ISO3"),
    ("russia_assertion=0.9@2050", "outside the scenario's time span 1992-2035", "1992..2035"),
    ("russia_assertion=1.5@2022", "outside the bounds [0.0, 1.0]", "[0.0, 1.0]"),
    ("russia_assertion=1.5", "outside the lever's bounds", "[0.0, 1.0]"),
    ("oil_price[Ukraine]=30@2020", "cannot change by year or target", "only levers"),
    ("no_such_lever[Ukraine]=1@2014", "no 'no_such_lever'", "available"),
])
def test_bad_dated_sets_are_located_against_the_item(item: str, fragment: str,
                                                     fix: str) -> None:
    with pytest.raises(ScenarioError) as err:
        load_scenario(FLAGSHIP, sets=[item])
    (p,) = err.value.problems
    assert p.field == "--set" and fragment in p.message, p.render()
    assert p.file is None  # not against the bundled scenario file
    assert p.fix is not None and fix in p.fix


def test_dated_sets_write_from_and_by_target() -> None:
    sc = load_scenario(FLAGSHIP, sets=[
        "russia_assertion=0.9@2022", "russia_assertion[UKR]=1@2014",
        "russia_assertion[Georgia]=0.3", "kindred_regimes.support[Belarus]=0.3@2020",
    ]).scenario
    lev = sc.levers["russia_assertion"]
    assert lev.value == 0.5 and lev.from_ == {2022: 0.9}
    tp = lev.by_target["Ukraine"]
    assert not isinstance(tp, float) and tp.from_ == {2014: 1.0} and tp.value is None
    assert lev.by_target["Georgia"] == 0.3
    support = sc.mechanisms["kindred_regimes"].params["support"]
    assert not isinstance(support, float | int)
    assert support.dist == "uniform"  # the drawn value stays where the schedule is silent
    assert support.by_target["Belarus"].from_ == {2020: 0.3}  # type: ignore[union-attr]


# -------------------------------------------------------------------------------- compiled

def test_levers_compile_to_year_by_target(base: CompiledModel) -> None:
    m = _model(["russia_assertion=0.9@2022", "russia_assertion[Ukraine]=1@2014",
                "russia_assertion[Georgia]=0.2"])
    lev = m.levers["russia_assertion"]
    assert lev.shape == (m.n_years, len(m.actors)) and lev.dtype == np.float64
    y = m.years
    ukr, geo, blr = m.index("Ukraine"), m.index("Georgia"), m.index("Belarus")
    assert np.all(lev[y < 2022, blr] == 0.5) and np.all(lev[y >= 2022, blr] == 0.9)
    # a target's own values win over the general step, whatever their years
    assert np.all(lev[y < 2014, ukr] == 0.5) and np.all(lev[y >= 2014, ukr] == 1.0)
    assert np.all(lev[:, geo] == 0.2)
    # untouched levers: every column is the old 1-D path
    for arr in base.levers.values():
        assert arr.shape == (base.n_years, len(base.actors))
        assert np.all(arr == arr[:, :1])


def test_param_schedule_is_nan_where_the_draw_applies() -> None:
    m = _model(["kindred_regimes.support[Belarus]=0.3@2020", "aims.sphere.weight=0.9@2030"])
    assert set(m.param_schedule) == {"kindred_regimes.support", "aims.sphere"}
    s = m.param_schedule["kindred_regimes.support"]
    assert s.shape == (m.n_years, len(m.actors)) and s.dtype == np.float64
    blr = m.index("Belarus")
    after = m.years >= 2020
    assert np.all(s[after, blr] == 0.3)
    assert np.isnan(s[~after, blr]).all() and np.isnan(np.delete(s, blr, axis=1)).all()
    a = m.param_schedule["aims.sphere"]
    assert np.all(a[m.years >= 2030] == 0.9) and np.isnan(a[m.years < 2030]).all()
    assert "kindred_regimes.support" in m.params  # still drawn per member


def test_events_compile_to_indicators_and_forced_memberships(base: CompiledModel) -> None:
    m = _model(events=["use_of_force:UKR@2022", "revolution:Georgia@2003",
                       "elite_transition:arm@2018", "accession:ARM/eaeu@2015",
                       "exit:GEO/CIS@2009"])
    n = (m.n_years, len(m.actors))
    assert set(m.event_arrays) == set(EVENT_ARRAYS)
    for arr in m.event_arrays.values():
        assert arr.shape == n and arr.dtype == np.float32
    force = m.event_arrays["use_of_force"]  # the scenario's history (2008, 2014) and the new one
    assert force.sum() == 3.0 and force[m.years == 2022, m.index("Ukraine")] == 1.0
    assert force[m.years == 2008, m.index("Georgia")] == 1.0
    assert force[m.years == 2014, m.index("Ukraine")] == 1.0
    assert m.event_arrays["revolution"][m.years == 2003, m.index("Georgia")] == 1.0
    assert m.event_arrays["elite_transition"][m.years == 2018, m.index("Armenia")] == 1.0
    fm = m.forced_membership
    assert fm.shape == (*n, len(m.institutions)) and fm.dtype == np.int8
    eaeu, cis = m.institutions.index("EAEU"), m.institutions.index("CIS")
    arm, geo = m.index("Armenia"), m.index("Georgia")
    assert np.all(fm[m.years >= 2015, arm, eaeu] == 1) and np.all(fm[m.years < 2015, arm, eaeu] == -1)
    assert np.all(fm[m.years >= 2009, geo, cis] == 0)
    assert (fm != -1).sum() == (m.years >= 2015).sum() + (m.years >= 2009).sum()
    assert base.forced_membership.shape == (base.n_years, len(base.actors),
                                            len(base.institutions))
    assert np.all(base.forced_membership == -1)
    assert base.event_arrays["use_of_force"].sum() == 2.0  # the observed history of force
    assert all(not a.any() for k, a in base.event_arrays.items() if k != "use_of_force")
    assert m.applied["events"] == ["use_of_force:Ukraine@2022", "revolution:Georgia@2003",
                                   "elite_transition:Armenia@2018",
                                   "accession:Armenia/EAEU@2015", "exit:Georgia/CIS@2009"]


def test_later_event_wins_for_one_actor_and_institution() -> None:
    m = _model(events=["exit:Ukraine/CIS@2014", "accession:Ukraine/CIS@2020"])
    col = m.forced_membership[:, m.index("Ukraine"), m.institutions.index("CIS")]
    y = m.years
    assert np.all(col[y < 2014] == -1) and np.all(col[(y >= 2014) & (y < 2020)] == 0)
    assert np.all(col[y >= 2020] == 1)


def test_dead_code_is_gone(base: CompiledModel) -> None:
    import multipolar.model.compile as comp

    assert not hasattr(base, "bases") and not hasattr(comp, "finite_or")


# ---------------------------------------------------------------------------------- events

@pytest.mark.parametrize(("item", "fragment"), [
    ("invasion:UKR@2022", "unknown kind 'invasion'"),
    ("use_of_force:UKR", "not of the form KIND:TARGET@YEAR"),
    ("use_of_force:@2022", "no target"),
    ("use_of_force:UKR@twenty", "'twenty' is not a year"),
    ("accession:ARM@2015", "needs an institution"),
    ("revolution:GEO/EU@2003", "takes no institution"),
])
def test_parse_events_rejects_malformed_items(item: str, fragment: str) -> None:
    with pytest.raises(ScenarioError) as err:
        parse_events([item])
    (p,) = err.value.problems
    assert p.field == "--event" and item in p.message and fragment in p.message
    assert p.fix


def test_parse_events_reads_kinds_targets_and_institutions() -> None:
    a, b = parse_events(["use_of_force:UKR@2022", "accession:Armenia/EAEU@2015"])
    assert (a.kind, a.target, a.year, a.institution) == ("use_of_force", "UKR", 2022, None)
    assert (b.kind, b.target, b.year, b.institution) == ("accession", "Armenia", 2015, "EAEU")


def test_bad_events_against_the_scenario_are_all_reported() -> None:
    with pytest.raises(ScenarioError) as err:
        load_scenario(FLAGSHIP, events=["use_of_force:XYZ@2022", "use_of_force:UKR@2050",
                                        "exit:UKR/WTO@2015"])
    msgs = [p.message for p in err.value.problems]
    assert len(msgs) == 3 and all(p.field == "--event" for p in err.value.problems)
    assert "'use_of_force:XYZ@2022': unknown target 'XYZ'" in msgs[0]
    assert "outside the scenario's time span" in msgs[1]
    assert "unknown institution 'WTO'" in msgs[2]


SCENARIO = """\
name: dated
time: {start: 2000, end: 2010, observed_until: 2003}
actors:
  - {id: Russia, role: core}
  - {id: Ukraine, role: neighbour}
  - {id: Georgia, role: neighbour, iso3: GEO}
institutions:
  - {id: CIS, kind: political}
levers:
  russia_assertion:
    value: 0.5
    from: {2008: 0.9}
    by_target:
      UKR: {from: {2004: 1.0}}
events:
  - {kind: use_of_force, target: Georgia, year: 2008, description: the August war}
  - {kind: exit, target: GEO, institution: CIS, year: 2009}
"""


def _load_text(tmp_path: Path, text: str) -> CompiledModel:
    f = tmp_path / "s.yaml"
    f.write_text(text)
    return compile_model(load_scenario(f))


def test_scenario_file_with_dated_levers_and_events(tmp_path: Path) -> None:
    m = _load_text(tmp_path, SCENARIO)
    lev = m.levers["russia_assertion"]
    assert lev[:, 0].tolist() == [0.5] * 8 + [0.9] * 3
    assert lev[:, 1].tolist() == [0.5] * 4 + [1.0] * 7
    assert m.event_arrays["use_of_force"][:, 2].tolist() == [0] * 8 + [1] + [0] * 2
    assert m.forced_membership[:, 2, 0].tolist() == [-1] * 9 + [0] * 2


@pytest.mark.parametrize(("old", "new", "line", "fragment"), [
    ("UKR: {from: {2004: 1.0}}", "Narnia: {from: {2004: 1.0}}", 14, "unknown target 'Narnia'"),
    ("UKR: {from: {2004: 1.0}}", "UKR: {from: {1990: 1.0}}", 14, "outside the scenario's time"),
    ("from: {2008: 0.9}", "from: {2008: 1.9}", 10, "outside its bounds"),
    ("target: Georgia, year: 2008", "target: Gorgia, year: 2008", 16, "unknown target"),
    ("institution: CIS, year: 2009", "institution: CSTO, year: 2009", 17,
     "unknown institution 'CSTO'"),
    ("kind: exit, target: GEO, institution: CIS,", "kind: exit, target: GEO,", 17,
     "needs 'institution'"),
    ("kind: use_of_force", "kind: nuke", 16, "use_of_force"),
    ("{id: Ukraine, role: neighbour}",
     "{id: Ukraine, role: neighbour, attributes: {democracy: {value: 0.5, from: {2005: 0.6}}}}",
     5, "only mechanism parameters, aim weights and levers"),
])
def test_dated_mistakes_in_a_file_are_located(tmp_path: Path, old: str, new: str, line: int,
                                             fragment: str) -> None:
    assert old in SCENARIO
    with pytest.raises(ScenarioError) as err:
        _load_text(tmp_path, SCENARIO.replace(old, new))
    hits = [p for p in err.value.problems if fragment in p.message]
    assert hits, err.value.render()
    assert hits[0].file is not None and hits[0].file.endswith("s.yaml") and hits[0].line == line
    assert hits[0].fix


# ------------------------------------------------------------------------- engine contract

def _assert_before_identical(a: dict[str, np.ndarray], b: dict[str, np.ndarray],
                             years: np.ndarray, year: int) -> None:
    before = years < year
    for k in a:
        assert np.array_equal(a[k][:, before], b[k][:, before]), k


def test_override_from_a_year_leaves_earlier_years_bit_identical(
        base: CompiledModel, base_run: dict[str, np.ndarray]) -> None:
    got = _outcomes(run(_model(["russia_assertion=0.9@2016"]), 3, 60, chunk=25))
    _assert_before_identical(base_run, got, base.years, 2016)
    at = base.years == 2016
    assert not np.array_equal(base_run["actor.assertion"][:, at], got["actor.assertion"][:, at])


def test_targeted_override_changes_only_the_targets_column_at_first(
        base: CompiledModel, base_run: dict[str, np.ndarray]) -> None:
    # 2013: in 2014 the scenario's use of force already sets Ukraine's assertion to its maximum
    got = _outcomes(run(_model(["russia_assertion[Ukraine]=1@2013"]), 3, 60, chunk=60))
    _assert_before_identical(base_run, got, base.years, 2013)
    at = base.years == 2013
    ukr = base.index("Ukraine")
    diff = base_run["actor.assertion"][:, at] != got["actor.assertion"][:, at]
    assert diff[..., ukr].any()
    assert not np.delete(diff, ukr, axis=-1).any()  # other targets' assertion is untouched
    assert np.array_equal(base_run["actor.attraction"][:, at], got["actor.attraction"][:, at])


def test_targeted_value_equal_to_the_default_changes_nothing(
        base_run: dict[str, np.ndarray]) -> None:
    got = _outcomes(run(_model(["russia_assertion[Ukraine]=0.5@2014"]), 3, 60, chunk=60))
    for k in base_run:
        assert np.array_equal(base_run[k], got[k]), k


def test_event_leaves_earlier_years_bit_identical(
        base: CompiledModel, base_run: dict[str, np.ndarray]) -> None:
    m = _model(events=["use_of_force:UKR@2020", "accession:UKR/NATO@2020",
                       "revolution:Belarus@2020", "elite_transition:Armenia@2020"])
    got = _outcomes(run(m, 3, 60, chunk=60))
    _assert_before_identical(base_run, got, base.years, 2020)


# ------------------------------------------------------------------------------------ CLI

def test_cli_run_with_event_and_dated_set() -> None:
    res = runner.invoke(app, ["run", "--members", "40", "--no-plots", "--json", "-q",
                              "--event", "use_of_force:UKR@2022",
                              "--set", "russia_assertion[Ukraine]=1@2014",
                              "--set", "russia_assertion=0.8@2020"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["members"] == 40 and 2022 in summary["years"]


@pytest.mark.parametrize(("args", "fragment"), [
    (["--event", "use_of_force:Atlantis@2022"], "--event 'use_of_force:Atlantis@2022': unknown"),
    (["--event", "accession:ARM@2015"], "needs an institution"),
    (["--set", "russia_assertion=0.9@1950"], "--set 'russia_assertion=0.9@1950': year 1950"),
    (["--set", "russia_assertion[Ukraine]=x@2014"], "is not a number"),
])
def test_cli_run_rejects_bad_items_with_exit_2(args: list[str], fragment: str) -> None:
    res = runner.invoke(app, ["run", "--members", "10", "--no-plots", "-q", *args])
    assert res.exit_code == 2, res.output
    assert fragment in res.output and "fix:" in res.output
    assert "Traceback" not in res.output


def test_cli_forecast_and_compare_take_events() -> None:
    res = runner.invoke(app, ["forecast", "--members", "20", "--from", "2014", "--to", "2016",
                              "--json", "--event", "accession:Ukraine/NATO@2015"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["applied"]["events"] == ["accession:Ukraine/NATO@2015"]
    bad = runner.invoke(app, ["forecast", "--members", "20", "--from", "2014", "--to", "2016",
                              "--event", "exit:UKR@2015"])
    assert bad.exit_code == 2 and "--event 'exit:UKR@2015'" in bad.output
    res = runner.invoke(app, ["compare", "--hypotheses", "strategic,opportunist", "-n", "20",
                              "--no-drivers", "--json", "-q", "--end", "2016",
                              "--event", "revolution:GEO@2003"])
    assert res.exit_code == 0, res.output
    bad = runner.invoke(app, ["compare", "--hypotheses", "strategic,opportunist", "-n", "20",
                              "--no-drivers", "-q", "--event", "coup:GEO@2003"])
    assert bad.exit_code == 2 and "unknown kind 'coup'" in bad.output


def test_run_spec_records_events_only_when_given() -> None:
    assert "events" not in RunSpec().to_dict()
    assert RunSpec(events=["use_of_force:UKR@2022"]).to_dict()["events"] == \
        ["use_of_force:UKR@2022"]  # type: ignore[arg-type]


def test_overlays_take_dated_keys_and_the_key_form_parses(tmp_path: Path) -> None:
    text = SCENARIO.replace("events:", """hypotheses:
  hawkish:
    overrides:
      "russia_assertion[Georgia]@2006": 0.95
events:""")
    f = tmp_path / "s.yaml"
    f.write_text(text)
    m = compile_model(load_scenario(f, hypothesis="hawkish"))
    assert m.levers["russia_assertion"][:, 2].tolist() == [0.5] * 6 + [0.95] * 5
    assert parse_sets(["russia_assertion[Georgia]@2006=0.95"]) == \
        {"russia_assertion[Georgia]@2006": 0.95}
    with pytest.raises(ScenarioError, match="does not exist"):
        f.write_text(text.replace("russia_assertion[Georgia]", "russia_asertion[Georgia]"))
        load_scenario(f)
