"""The scenario language's constraints on accession and the institutions' new fields.

Constraints (neutrality, course, path, frozen_conflict, red_line) must carry their evidence and name
known actors and institutions; institutions may be ``dissolved`` and ``supersede`` others; the
old threshold parameters are refused. Each bad input gets a located error (file, line, field,
fix) and exit code 2 from the CLI. The compiled rules are checked on the flagship.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from flagship_copy import copy_with
from typer.testing import CliRunner

from multipolar.cli.main import app
from multipolar.core.errors import ScenarioError
from multipolar.forecast.origin import load_for_origin
from multipolar.model.compile import compile_model
from multipolar.scenario import load_scenario

runner = CliRunner()
NEUTRAL = "    blocks: [security, economic]\n    institutions: [SCO]\n"
SOURCE = ('    source: "UN General Assembly resolution 50/80 A of 12 December 1995, which '
          'recognised and supported Turkmenistan\'s permanent neutrality"\n')


def _problem(p: Path) -> tuple[str, str, int | None, str]:
    with pytest.raises(ScenarioError) as exc:
        load_scenario(p)
    prob = exc.value.problems[0]
    res = runner.invoke(app, ["validate", str(p)])
    assert res.exit_code == 2 and "Traceback" not in res.output
    return prob.message, prob.field or "", prob.line, prob.fix or ""


@pytest.mark.parametrize(("old", "new", "field", "words"), [
    (SOURCE, "", "constraints.turkmen_neutrality", "needs its evidence"),
    (NEUTRAL, "", "constraints.turkmen_neutrality", "needs 'blocks'"),
    ("    actors: [Turkmenistan]\n    years: [1995",
     "    actors: [Turkmenia]\n    years: [1995",
     "constraints.turkmen_neutrality.actors[0]", "unknown actor 'Turkmenia'"),
    ("    institution: EU\n    requires: candidate\n",
     "    institution: EUU\n    requires: candidate\n",
     "constraints.eu_path.institution", "unknown institution 'EUU'"),
    ("    min_years: 4\n", "    min_years: 0\n", "constraints.eu_path", "min_years"),
    ("    kind: red_line\n    actors: [Ukraine, Georgia]\n    years: [2008, null]\n"
     "    institutions: [NATO]\n",
     "    kind: red_line\n    actors: [Ukraine, Georgia]\n    years: [2008, null]\n",
     "constraints.nato_red_line", "needs 'institutions'"),
    ("    kind: neutrality\n    actors: [Turkmenistan]\n",
     "    kind: neutral\n    actors: [Turkmenistan]\n", "constraints.turkmen_neutrality.kind",
     "neutrality"),
])
def test_bad_constraints_get_located_errors(tmp_path: Path, old: str, new: str, field: str,
                                            words: str) -> None:
    p, line = copy_with(tmp_path, old, new)
    message, got_field, got_line, fix = _problem(p)
    assert got_field.startswith(field), (got_field, message)
    assert words in message or words in fix, (message, fix)
    assert got_line is not None and abs(got_line - line) <= 8


def test_old_threshold_parameters_are_refused_with_their_line(tmp_path: Path) -> None:
    old = "    founded: 2001\n"
    p, line = copy_with(tmp_path, old, old + "    params:\n      join_threshold: 0.0\n")
    message, field, got_line, fix = _problem(p)
    assert "unknown institution parameter 'join_threshold'" in message
    assert field == "institutions[4].params.join_threshold" and got_line == line + 2
    assert "attractiveness" in fix and "hazards" in fix


def test_dissolved_must_follow_founded(tmp_path: Path) -> None:
    p, _ = copy_with(tmp_path, "    dissolved: 2015", "    dissolved: 1999")
    message, field, _, _ = _problem(p)
    assert "dissolved (1999) must come after founded (2000)" in message
    assert field.startswith("institutions[2]")


def test_supersedes_names_another_institution(tmp_path: Path) -> None:
    p, line = copy_with(tmp_path, "    supersedes: [EU_association]",
                         "    supersedes: [EU_asociation]")
    message, field, got_line, fix = _problem(p)
    assert "EU_asociation" in message and "did you mean 'EU_association'" in fix
    assert field == "institutions[5].supersedes[0]" and got_line == line


def test_the_flagship_rules_compile_as_stated() -> None:
    model = compile_model(load_scenario("russia-neighbourhood"))
    rules = model.rules
    assert rules is not None
    y, a, k = list(model.years), model.actors.index, model.institutions.index
    # neutrality from 1995: CSTO, EAEU, EurAsEC and the SCO barred; the CIS (political) is not
    for inst in ("CSTO", "EAEU", "EurAsEC", "SCO"):
        assert rules.blocked[y.index(1995), a("Turkmenistan"), k(inst)]
        assert not rules.blocked[y.index(1994), a("Turkmenistan"), k(inst)]
    assert not rules.blocked[:, a("Turkmenistan"), k("CIS")].any()
    # Uzbekistan's non-alignment from 2012 closes the CSTO, not the economic formats
    assert rules.blocked[y.index(2012), a("Uzbekistan"), k("CSTO")]
    assert not rules.blocked[y.index(2011), a("Uzbekistan"), k("CSTO")]
    assert not rules.blocked[:, a("Uzbekistan"), k("EAEU")].any()
    # Ukraine's course from 2019 bars the formats that exclude the EU or NATO
    for inst in ("CIS", "CSTO", "EAEU", "EurAsEC"):
        assert rules.blocked[y.index(2019), a("Ukraine"), k(inst)]
        assert not rules.blocked[y.index(2018), a("Ukraine"), k(inst)]
    assert not rules.blocked[:, a("Ukraine"), k("SCO")].any()
    # EurAsEC lives 2000-2014; the EU path takes four years; candidacy years are counted
    assert rules.open[y.index(2014), k("EurAsEC")] and not rules.open[y.index(2015), k("EurAsEC")]
    assert rules.founding[y.index(2015), k("EAEU")]
    assert rules.path_years[k("EU")] == 4 and rules.path_years[k("NATO")] == 0
    assert rules.candidacy[y.index(2003), a("Estonia"), k("EU")] == 6
    assert rules.candidacy[y.index(2004), a("Estonia"), k("EU")] == 0
    assert (rules.candidacy[y.index(2020):] == -1).all()
    assert rules.supersedes[k("EU"), k("EU_association")]
    assert not rules.supersedes[k("EU_association"), k("EU")]
    # the conflict block is scoped to Western formats; its strength is the hypothesis's
    assert np.array_equal(np.flatnonzero(rules.conflict_scope),
                          sorted(k(i) for i in ("EU", "EU_association", "NATO")))
    assert model.params["frozen_conflicts.accession_block"].nominal == 0.0
    named = compile_model(load_scenario("russia-neighbourhood",
                                        hypothesis="conflict_blocks_accession"))
    assert named.params["frozen_conflicts.accession_block"].nominal == 0.75


def test_the_red_line_holds_ukraine_and_georgia_from_nato_since_2008() -> None:
    """E4_red_lines: the flagship's red line covers the pair it names, from its year."""
    model = compile_model(load_scenario("russia-neighbourhood"))
    rules = model.rules
    assert rules is not None
    y, a, k = list(model.years), model.actors.index, model.institutions.index
    for actor in ("Ukraine", "Georgia"):
        assert rules.red_line[y.index(2008), a(actor), k("NATO")]
        assert not rules.red_line[y.index(2007), a(actor), k("NATO")]
        assert not rules.red_line[:, a(actor), k("EU")].any()
    assert rules.red_line.sum() == 2 * (y[-1] - 2008 + 1)  # nothing else is held back
    early = compile_model(load_for_origin("russia-neighbourhood", 2005)).rules
    assert early is not None and not early.red_line.any()  # not yet drawn in 2005


def test_a_disabled_constraint_is_stated_but_not_applied() -> None:
    ld = load_scenario("russia-neighbourhood",
                       sets={"constraints.turkmen_neutrality.enabled": False})
    rules = compile_model(ld).rules
    assert rules is not None and not rules.blocked[:, ld.scenario.actor_ids().index(
        "Turkmenistan")].any()


def test_a_constraint_after_the_origin_is_not_given_to_a_forecast() -> None:
    """Honest forecasting: from origin 2013 the model does not know Ukraine's 2019 course."""
    from multipolar.forecast.origin import load_for_origin

    model = compile_model(load_for_origin("russia-neighbourhood", 2013))
    rules = model.rules
    assert rules is not None
    j = model.actors.index("Ukraine")
    assert not rules.blocked[:, j].any()
    assert rules.blocked[:, model.actors.index("Turkmenistan")].any()  # 1995: known
