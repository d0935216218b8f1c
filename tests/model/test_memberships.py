"""Memberships as political decisions: plausibility of the ensemble, the constraints, the fit.

Issue 13 found a neutral Turkmenistan joining the CSTO and the EAEU, Ukraine in Russia-led
formats and the Baltic states in the CIS. These tests assert on ensemble output to 2035 that
the constraints stated in the flagship (neutrality, Ukraine's constitutional course, the EU
path, the institutions' exclusions) keep such outcomes rare, and that each constraint is what
does it (the same run without it differs). The hazards' declared defaults must be what the
maximum-likelihood fit gives, and score better than the base rate on held-out years.
"""

from __future__ import annotations

import numpy as np
import pytest

from multipolar.calibrate.memberships import brier, fit, trials
from multipolar.model.api import ChunkResult
from multipolar.model.mechanisms.institutions import FITTED, Institutions, RedLines

from .conftest import compiled, run

END = 2035
BALTIC = ("Estonia", "Latvia", "Lithuania")
PERSPECTIVES = (None, "kremlin", "young_experts", "western_analysts",
                "post_soviet_specialists")


def share(res: ChunkResult, actor: str, insts: tuple[str, ...], year: int = END) -> float:
    """Share of ensemble members in which ``actor`` belongs to any of ``insts`` in ``year``."""
    t = list(res.years).index(year)
    ks = [res.institutions.index(i) for i in insts]
    return float(res.memberships[:, t, res.actors.index(actor)][:, ks].any(axis=1).mean())


def ever(res: ChunkResult, actor: str, inst: str, after: int = 2019) -> float:
    """Share of members in which ``actor`` belongs to ``inst`` in some year after ``after``."""
    ts = np.array(res.years) > after
    m = res.memberships[:, ts, res.actors.index(actor), res.institutions.index(inst)]
    return float(m.any(axis=1).mean())


# ----------------------------------------------------------------------------- plausibility

def test_neutral_turkmenistan_stays_out_of_the_csto_and_the_eaeu() -> None:
    res = run(end=END)
    assert share(res, "Turkmenistan", ("CSTO",)) < 0.10
    assert share(res, "Turkmenistan", ("EAEU",)) < 0.10
    # the neutrality constraint is what keeps it out: without it the hazards take it in
    free = run((("constraints.turkmen_neutrality.enabled", False),), end=END)
    assert share(free, "Turkmenistan", ("CSTO", "EAEU")) > \
        share(res, "Turkmenistan", ("CSTO", "EAEU")) + 0.05


@pytest.mark.parametrize("perspective", PERSPECTIVES)
def test_no_baltic_state_joins_the_cis_in_any_perspective(perspective: str | None) -> None:
    res = run(perspective=perspective, end=END)
    for actor in BALTIC:
        assert ever(res, actor, "CIS") < 0.01, (perspective, actor)
        assert ever(res, actor, "CSTO") < 0.01, (perspective, actor)


def test_ukraine_stays_out_of_the_csto_and_the_eaeu_given_its_history() -> None:
    res = run(end=END)
    assert share(res, "Ukraine", ("CSTO", "EAEU")) < 0.05
    assert share(res, "Ukraine", ("CIS",)) < 0.05  # it left the CIS bodies in 2018


def test_eu_membership_takes_candidacy_and_years_of_negotiation() -> None:
    """No candidate in 2019: Ukraine cannot be an EU member before 2020 + 4 years."""
    res = run(end=END)
    k, j = res.institutions.index("EU"), res.actors.index("Ukraine")
    years = np.array(res.years)
    early = res.memberships[:, (years > 2019) & (years < 2024), j, k]
    assert not early.any()
    assert share(res, "Ukraine", ("EU",)) > 0.05  # a path, not a wall
    # without the path, membership comes sooner
    direct = run((("constraints.eu_path.enabled", False),), end=END)
    assert direct.memberships[:, (years > 2019) & (years < 2024), j, k].any()


def test_association_agreements_do_not_make_eu_members() -> None:
    res = run(end=END)
    t = list(res.years).index(2019)
    for actor in ("Ukraine", "Moldova", "Georgia"):
        j = res.actors.index(actor)
        assert res.memberships[:, t, j, res.institutions.index("EU_association")].all()
        assert not res.memberships[:, t, j, res.institutions.index("EU")].any()
    # EU membership supersedes the agreement: never both in the same year, and it happens
    eu = res.memberships[..., res.institutions.index("EU")]
    assoc = res.memberships[..., res.institutions.index("EU_association")]
    assert not (eu & assoc).any()
    j = res.actors.index("Ukraine")
    assert (eu[:, -1, j] & ~assoc[:, -1, j]).mean() > 0.05


def test_frozen_conflicts_block_accession_only_under_the_named_hypothesis() -> None:
    base = run(end=END)
    blocked = run(hypothesis="conflict_blocks_accession", end=END)
    for actor in ("Georgia", "Ukraine"):  # Moldova's neutrality keeps it out of NATO anyway
        assert share(blocked, actor, ("NATO",)) < share(base, actor, ("NATO",)) - 0.04, actor


# ------------------------------------------------------------------- the hazards' switch

OFF = (("mechanisms.institutions.params.join_base_east", -15.0),
       ("mechanisms.institutions.params.join_base_west", -15.0),
       ("mechanisms.institutions.params.exit_base_east", -15.0),
       ("mechanisms.institutions.params.exit_base_west", -15.0),
       ("mechanisms.institutions.params.join_lean", 0.0),
       ("mechanisms.institutions.params.exit_lean", 0.0),
       ("mechanisms.institutions.params.join_founding", 0.0),
       ("mechanisms.institutions.params.join_depth", 0.0),
       ("mechanisms.institutions.params.exit_depth", 0.0),
       ("mechanisms.institutions.params.completion", 0.0))


def test_switched_off_hazards_change_nothing_after_the_observed_years() -> None:
    res = run(OFF, end=END)
    years = np.array(res.years)
    t19 = int(np.flatnonzero(years == 2019)[0])
    later = res.memberships[:, t19 + 1:]
    assert (later == res.memberships[:, t19:t19 + 1]).all()
    # and the hazards act only after 2019: the record years are the same with them on
    on = run(end=END)
    assert np.array_equal(on.memberships[:, :t19 + 1], res.memberships[:, :t19 + 1])
    assert (on.memberships[:, t19 + 1:] != on.memberships[:, t19:t19 + 1]).any()


# -------------------------------------------------------------------------------- the fit

def test_declared_defaults_are_the_fit() -> None:
    """One source of truth: the mechanism's defaults are the fit of the bundled record."""
    got = fit(compiled(end=END)).values
    params = (*Institutions.params, *(p for p in RedLines.params if p.name == "hold"))
    declared = {("red_line_hold" if p.name == "hold" else p.name): p.default for p in params}
    for name, value in got.items():
        assert declared[name] == FITTED[name]
        assert abs(FITTED[name] - value) < 6e-4, (name, FITTED[name], value)
    bounds = {("red_line_hold" if p.name == "hold" else p.name): p.bounds for p in params}
    for name, value in FITTED.items():
        lo, hi = bounds[name] or (-np.inf, np.inf)
        assert lo <= value <= hi, name


def test_red_line_trials_are_the_ones_the_line_holds_back() -> None:
    """E4_red_lines: the hold is estimated only on country-years a red line covers."""
    tr = trials(compiled(end=END)).arrays("join")
    red = {str(lab) for lab, r in zip(tr["label"], tr["red_line"], strict=True) if r}
    assert "Georgia NATO 2009" in red and "Ukraine NATO 2019" in red
    assert all(lab.split()[0] in ("Ukraine", "Georgia") and " NATO " in lab for lab in red)
    assert "Georgia NATO 2007" not in red
    assert not tr["event"][tr["red_line"] > 0].any()  # no state across the line was admitted
    assert fit(compiled(end=END)).values["red_line_hold"] > 1.0
    # before the line was drawn there is nothing to estimate: the hold stays at the prior's 0
    assert fit(compiled(end=END), until=2007).values["red_line_hold"] == pytest.approx(0.0)


def test_the_fit_uses_nothing_after_until() -> None:
    model = compiled(end=END)
    early = trials(model, until=2012)
    assert max(early.year) == 2012
    assert fit(model, until=2012).values != fit(model).values


def test_hazards_beat_the_base_rate_on_held_out_years() -> None:
    scores = brier(compiled(end=END), until=2012)
    assert scores["join"]["events"] >= 5  # the EAEU accessions, the association agreements
    assert scores["join"]["brier"] < scores["join"]["base_rate_brier"]
    assert scores["exit"]["brier"] <= scores["exit"]["base_rate_brier"]


def test_calibrate_command_reproduces_the_fit(tmp_path) -> None:
    """``multipolar calibrate --objective memberships`` gives the declared defaults."""
    import json

    import yaml
    from typer.testing import CliRunner

    from multipolar.cli.main import app

    runner = CliRunner()
    res = runner.invoke(app, ["calibrate", "--objective", "memberships", "--json"])
    assert res.exit_code == 0, res.output
    got = json.loads(res.output)
    assert got["until"] == 2019 and got["trials"]["exit"]["events"] == 7
    for name, value in got["values"].items():
        assert abs(value - FITTED[name]) < 6e-4, name
    out = tmp_path / "memberships.yaml"
    res = runner.invoke(app, ["calibrate", "--objective", "memberships", "--until", "2012",
                              "--out", str(out), "--quiet"])
    assert res.exit_code == 0, res.output
    doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert doc["calibration"]["until"] == 2012
    assert doc["overrides"]["mechanisms.institutions.params.join_lean"] != \
        pytest.approx(FITTED["join_lean"], abs=1e-3)
    res = runner.invoke(app, ["calibrate", "--objective", "membership"])
    assert res.exit_code == 2 and "memberships" in res.output
