"""``compare --score`` on the world scenario: its hypotheses scored on every UN member.

A hypothesis runs the world back-test under its claim (China's cover fitted on the years up
to each origin), so its score differs from the scenario's; and nothing after ``--until`` is
read: altering every datum after it leaves the scores as they were, while the same alteration
one year earlier changes them (so the check can fail).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from tests.honesty import scramble_after
from typer.testing import CliRunner

from multipolar.backtest.compete import View, score_views, world_free
from multipolar.cli.main import app
from multipolar.forecast.origin import world_panel

SMALL: dict[str, Any] = {"members": 10, "calib_members": 4, "maxiter": 10, "bootstrap": 50}
VIEWS = [View("base", "scenario"), View("hypothesis", "china_votes_with_russia")]


def _score(views: list[View], until: int = 2010) -> dict[str, Any]:
    return score_views(world_panel().truncated(until), views, [2008], 2,
                       scenario="russia-world", seed=3, **SMALL)


def test_a_world_hypothesis_is_scored_and_reads_nothing_after_until(
        monkeypatch: pytest.MonkeyPatch) -> None:
    clean = _score(VIEWS)
    base, china = (clean["views"][v.label] for v in VIEWS)
    assert clean["country_years"] > 300  # every UN member, two years
    assert china["mae"] != base["mae"]  # the hypothesis changes the forecast it is scored on
    assert clean["persistence"]["mae"] > 0
    with monkeypatch.context() as m:
        scramble_after(m, 2010)
        assert _score(VIEWS) == clean
    scramble_after(monkeypatch, 2009)  # the same alteration from 2009 reaches the scores
    assert _score(VIEWS[:1])["views"]["scenario"]["mae"] != base["mae"]


def test_a_world_view_keeps_its_claims_but_fits_its_own_effect() -> None:
    over = {"mechanisms.china_backing.params.cover": 0.373,
            "mechanisms.sovereignty_norm.params.strength": 0.0}
    free = world_free(over, "china_votes_with_russia")
    assert "china_backing.cover" in free  # fitted on the years up to each origin
    assert "sovereignty_norm.strength" not in free  # the view sets it: kept
    assert "china_backing.cover" not in world_free({}, None)


def test_cli_scores_world_hypotheses_up_to_until() -> None:
    args = ["compare", "russia-world", "--score", "--hypotheses", "china_votes_with_russia",
            "--origins", "2008", "--horizon", "2", "--members", "8", "--until", "2010"]
    res = CliRunner().invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert set(doc["views"]) == {"scenario", "hypothesis china_votes_with_russia"}
    assert doc["origins"] == [2008]
    late = CliRunner().invoke(app, [*args[:6], "2010", *args[7:]])
    assert late.exit_code == 2 and "--origins" in late.output
