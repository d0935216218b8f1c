"""Broken scenarios give clean, located errors; the flagship validates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from flagship_copy import copy_with
from typer.testing import CliRunner

from multipolar.cli.main import app
from multipolar.core.errors import ScenarioError
from multipolar.model.compile import compile_model
from multipolar.scenario import load_scenario, load_scenario_text

runner = CliRunner()

GOOD = """\
name: tiny
actors:
  - id: Russia
  - id: Belarus
    attributes:
      democracy: {dist: discrete, values: [0.1, 0.3], probs: [0.5, 0.5]}
relations:
  - {from: Russia, to: Belarus, kind: energy}
levers:
  russia_attraction: {value: 0.5}
drivers:
  oil_price: {past: {series: {1992: 19.0, 1993: 17.0}}}
perspectives:
  kremlin:
    overrides:
      levers.russia_attraction: 0.9
"""

# (name, text, expected line, fragment of message, fragment of fix)
BROKEN = [
    ("unknown actor in a relation", GOOD.replace("to: Belarus, kind: energy", "to: Belarus2, kind: energy"),
     8, "unknown actor 'Belarus2'", "did you mean 'Belarus'"),
    ("probabilities do not sum to one", GOOD.replace("probs: [0.5, 0.5]", "probs: [0.5, 0.4]"),
     6, "sum to 0.9", "rescale"),
    ("negative sd", GOOD.replace("{dist: discrete, values: [0.1, 0.3], probs: [0.5, 0.5]}",
                                  "{dist: normal, mean: 0.2, sd: -1}"),
     6, "sd > 0", None),
    ("time series with a gap", GOOD.replace("1993: 17.0", "1995: 17.0"),
     12, "gap", "missing years"),
    ("YAML syntax error", GOOD.replace("  - id: Belarus\n", "  - id: Belarus\n   bad: [\n"),
     5, "YAML syntax error", "indentation"),
    ("perspective overrides a missing parameter",
     GOOD.replace("levers.russia_attraction: 0.9", "levers.russia_atraction: 0.9"),
     16, "does not exist", "did you mean 'russia_attraction'"),
    ("misspelt field", GOOD.replace("relations:", "relashuns:"), 7, "Extra inputs", "spelling"),
    ("lever outside bounds", GOOD.replace("russia_attraction: {value: 0.5}",
                                           "russia_attraction: {value: 1.5}"),
     10, "outside its bounds", None),
    ("text where a number belongs", GOOD.replace("1992: 19.0", "1992: cheap"),
     12, "valid number", "plain number"),
    ("unknown citation id", GOOD.replace("  - id: Russia\n", "  - id: Russia\n    evidence: [nope]\n"),
     4, "unknown citation id 'nope'", "citations"),
    ("locator too long", GOOD.replace(
        "  - id: Russia\n",
        "  - id: Russia\n    evidence: [{doc: '001', claim: c c c, locator: "
        "'one two three four five six seven eight nine ten eleven twelve thirteen'}]\n"),
     4, "13 words", None),
    ("empty file", "", None, "empty", None),
    ("not a mapping", "- a\n- b\n", 1, "mapping", None),
]


@pytest.mark.parametrize(("name", "text", "line", "msg", "fix"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_scenarios_give_located_errors(tmp_path: Path, name: str, text: str,
                                              line: int | None, msg: str, fix: str | None) -> None:
    f = tmp_path / "s.yaml"
    f.write_text(text)
    with pytest.raises(ScenarioError) as info:
        load_scenario(f)
    problems = info.value.problems
    assert any(msg in p.message for p in problems), info.value.render()
    hit = next(p for p in problems if msg in p.message)
    assert hit.file == str(f)
    if line is not None:
        assert hit.line == line, info.value.render()
    if fix is not None:
        assert hit.fix is not None and fix in hit.fix, info.value.render()
    # the CLI prints the same without a traceback and exits 2
    res = runner.invoke(app, ["validate", str(f)])
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    assert msg.split("'")[0].strip() in res.output


def test_good_scenario_validates_and_overlays() -> None:
    sc = load_scenario_text(GOOD)
    assert sc.actor_ids() == ["Russia", "Belarus"]


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    bad = GOOD.replace("to: Belarus,", "to: Minsk,").replace("from: Russia,", "from: Moscow,")
    f = tmp_path / "s.yaml"
    f.write_text(bad)
    with pytest.raises(ScenarioError) as info:
        load_scenario(f)
    names = {re.search(r"'(\w+)'", p.message).group(1) for p in info.value.problems}  # type: ignore[union-attr]
    assert {"Minsk", "Moscow"} <= names


def test_flagship_validates_with_every_overlay() -> None:
    ld = load_scenario("russia-neighbourhood")
    sc = ld.scenario
    assert len(sc.actors) == 19
    assert {i.id for i in sc.institutions} == {"CIS", "CSTO", "EurAsEC", "EAEU", "SCO", "EU",
                                             "EU_association", "NATO"}
    assert set(sc.perspectives) == {"kremlin", "young_experts", "western_analysts",
                                    "post_soviet_specialists"}
    for p in sc.perspectives:
        assert load_scenario("russia-neighbourhood", perspective=p).applied["perspective"] == p
    for h in ("strategic", "opportunist"):
        ld = load_scenario("russia-neighbourhood", hypothesis=h)
        assert ld.scenario.mechanisms["russia_policy"].implementation == h
    # the rivals to the seeds' claims (fidelity.md): the old behaviours, as hypotheses
    ld = load_scenario("russia-neighbourhood", hypothesis="bandwagoning")
    assert ld.scenario.mechanisms["assertion"].implementation == "bandwagon"
    ld = load_scenario("russia-neighbourhood", hypothesis="china_votes_with_russia")
    assert ld.scenario.mechanisms["china_pull"].params["alignment_effect"].high == 0.263
    for h, mech, param in (("loyal_neighbourhood_recognition", "domestic_linkage", "sphere_gain"),
                           ("sco_anchors_votes", "institutions", "other_pole_anchor")):
        ld = load_scenario("russia-neighbourhood", hypothesis=h)
        assert ld.scenario.mechanisms[mech].params[param].high == 1.0  # on only as the rival
    assert set(sc.hypotheses) == {"strategic", "opportunist", "bandwagoning",
                                  "china_votes_with_russia", "conflict_blocks_accession",
                                  "loyal_neighbourhood_recognition", "sco_anchors_votes"}


def test_flagship_covers_theory_items() -> None:
    sc = load_scenario("russia-neighbourhood").scenario
    covered = set()
    for m in sc.mechanisms.values():
        covered |= set(m.theory)
    for a in sc.aims.values():
        covered |= set(a.theory)
    for o in sc.perspectives.values():
        covered |= set(o.theory)
    items = {f"A{i}" for i in range(1, 5)} | {f"B{i}" for i in range(1, 4)} | \
        {f"C{i}" for i in range(1, 7)} | {f"D{i}" for i in range(1, 10)} | \
        {f"E{i}" for i in range(1, 5)}
    assert items <= covered, items - covered
    # every item of sections A-D is implemented by a registered mechanism of the model
    from multipolar.model.mechanisms import catalogue

    implemented = {t for m in catalogue() for t in m.theory}
    assert {i for i in items if i[0] in "ABCD"} <= implemented


def test_set_overrides_and_bad_paths() -> None:
    ld = load_scenario("russia-neighbourhood", sets=["russia_assertion=0.9", "oil_price=30",
                                                     "delegation_limit.enabled=false"])
    sc = ld.scenario
    assert sc.levers["russia_assertion"].value == 0.9
    assert sc.drivers["oil_price"].constant == 30
    assert sc.mechanisms["delegation_limit"].enabled is False
    with pytest.raises(ScenarioError) as info:
        load_scenario("russia-neighbourhood", sets=["russia_asertion=0.9"])
    assert "did you mean 'russia_assertion'" in (info.value.problems[0].fix or "")
    with pytest.raises(ScenarioError):
        load_scenario("russia-neighbourhood", sets=["russia_assertion=7"])  # outside bounds
    with pytest.raises(ScenarioError):
        load_scenario("russia-neighbourhood", sets=["noequals"])


def test_unknown_bundled_name_suggests() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario("russia-neighbourhod")
    assert "did you mean 'russia-neighbourhood'" in (info.value.problems[0].fix or "")


def test_export_roundtrip(tmp_path: Path) -> None:
    out = tmp_path / "mine.yaml"
    res = runner.invoke(app, ["scenarios", "export", "russia-neighbourhood", str(out)])
    assert res.exit_code == 0, res.output
    data = yaml.safe_load(out.read_text())
    assert isinstance(data["citations"], dict) and len(data["citations"]) >= 60
    sc = load_scenario(out).scenario
    assert sc.name == "russia-neighbourhood"
    res = runner.invoke(app, ["scenarios", "export", "russia-neighbourhood", str(out)])
    assert res.exit_code == 2  # exists, no --force
    res = runner.invoke(app, ["scenarios", "list", "--json"])
    assert '"russia-neighbourhood"' in res.output


def test_mechanisms_command_lists_the_registry() -> None:
    import json

    res = runner.invoke(app, ["mechanisms", "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.output)
    names = {r["name"] for r in rows}
    assert {"resource_rents", "delegation_limit", "russia_policy", "patronage_networks"} <= names
    opp = next(r for r in rows if r["implementation"] == "opportunist")
    assert opp["selected"] is False and "D9" in opp["theory"]


@pytest.mark.parametrize("args", [
    ["--set", "mechanisms.red_lines.params.hold=-1"],
    ["--set", "mechanisms.institutions.params.completion=2"],
    ["--set", "aims.sphere.weight=-0.5"],
])
def test_values_outside_declared_bounds_are_refused(args: list[str]) -> None:
    """A parameter set outside its declared bounds is a clean error (run and validate alike)."""
    for cmd in (["validate", "russia-neighbourhood"], ["run", "--members", "10", "--quiet"]):
        res = runner.invoke(app, [*cmd, *args])
        assert res.exit_code == 2, res.output
        assert "outside the declared bounds" in res.output and "Traceback" not in res.output


def test_a_range_centred_outside_declared_bounds_is_located(tmp_path: Path) -> None:
    old = "      hold: {dist: uniform, low: 0.0, high: 6.97"
    p, line = copy_with(tmp_path, old, old.replace("low: 0.0, high: 6.97",
                                                   "low: -3.0, high: -1.0"))
    with pytest.raises(ScenarioError) as exc:
        compile_model(load_scenario(p))
    prob = exc.value.problems[0]
    assert prob.line == line and "centre -2" in prob.message and "[0, 30]" in prob.message
    assert prob.fix is not None and "between 0 and 30" in prob.fix


def test_draws_of_a_range_past_a_bound_are_clipped_to_it(tmp_path: Path) -> None:
    """A range re-centred near a bound (as calibration does) keeps its centre; draws clip."""
    import numpy as np

    old = "      hold: {dist: uniform, low: 0.0, high: 6.97"
    p, _ = copy_with(tmp_path, old, old.replace("low: 0.0, high: 6.97", "low: -2.0, high: 4.0"))
    spec = compile_model(load_scenario(p)).params["red_lines.hold"]
    assert spec.nominal == 1.0 and spec.bounds == (0.0, 30.0)
    draws = spec.ppf(np.linspace(0.001, 0.999, 999))
    assert draws.min() == 0.0 and draws.max() == pytest.approx(4.0, abs=0.01)
    assert (draws == 0.0).mean() == pytest.approx(1 / 3, abs=0.01)
