"""COW's 1992-1993 zeros for trade between former Soviet republics are gaps, not observations.

The neighbourhood's trade channel starts from each neighbour's first recorded trade share with
Russia (``leading_zeros: missing`` on the data column), so Ukraine, Kazakhstan and the others
whose trade with Russia the source counts only from 1993 or 1994 do not start, and stay, at the
sphere's floor.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from multipolar.core.errors import ScenarioError
from multipolar.data import column_by_actor_year
from multipolar.model.compile import drop_leading_zeros
from multipolar.scenario import load_scenario_text

from .conftest import compiled, run

LATE = ("Ukraine", "Kazakhstan", "Georgia", "Armenia", "Uzbekistan", "Estonia", "Lithuania")


def _first_positive(actor: str) -> float:
    vals = column_by_actor_year("actor_year_panel.csv", "trade_share_russia")[actor]
    return next(vals[y] for y in sorted(vals) if vals[y] > 0)


def test_the_source_has_leading_zeros_for_these_states() -> None:
    vals = column_by_actor_year("actor_year_panel.csv", "trade_share_russia")
    for a in LATE:
        assert vals[a][1992] == 0.0 and _first_positive(a) > 0.1, a


def test_starting_trade_share_is_the_first_recorded_one() -> None:
    model = compiled()
    first = model.obs["trade_share_russia_first"]
    for a in LATE:
        assert first[model.actors.index(a)] == pytest.approx(_first_positive(a), abs=1e-9), a
    # a state with trade in 1992 keeps its 1992 value
    vals = column_by_actor_year("actor_year_panel.csv", "trade_share_russia")
    assert first[model.actors.index("Belarus")] == pytest.approx(vals["Belarus"][1992])
    # the yearly series: 1992 takes the first recorded value, later years are the data
    t92, t95 = list(model.years).index(1992), list(model.years).index(1995)
    j = model.actors.index("Ukraine")
    obs = model.obs["trade_share_russia"]
    assert obs[t92, j] == pytest.approx(_first_positive("Ukraine"))
    assert obs[t95, j] == pytest.approx(vals["Ukraine"][1995])


def test_russia_trade_share_of_the_sphere_is_off_the_floor() -> None:
    res = run()
    t = list(res.years).index(2019)
    trade = res.actor_outcomes["sphere_russia_trade"]
    for a in LATE:
        med = float(np.median(trade[:, t, res.actors.index(a)]))
        assert med > 0.1, (a, med)


@given(st.dictionaries(st.integers(1990, 2020), st.floats(0, 1), max_size=12))
def test_drop_leading_zeros_keeps_everything_from_the_first_positive(vals: dict[int, float]) -> None:
    out = drop_leading_zeros(vals)
    pos = [y for y in sorted(vals) if vals[y] > 0]
    if not pos:
        assert out == vals
        return
    assert {y: v for y, v in vals.items() if y >= pos[0]} == {y: v for y, v in out.items()
                                                            if y >= pos[0]}
    assert all(v != 0 for y, v in out.items() if y < pos[0])


@given(st.dictionaries(st.integers(1990, 2020), st.floats(0, 1), max_size=12),
       st.integers(1990, 2020), st.dictionaries(st.integers(1990, 2020), st.floats(0, 1)))
def test_what_is_kept_up_to_until_ignores_later_years(vals: dict[int, float], until: int,
                                                      later: dict[int, float]) -> None:
    changed = {**vals, **{y: v for y, v in later.items() if y > until}}
    a = {y: v for y, v in drop_leading_zeros(vals, until).items() if y <= until}
    b = {y: v for y, v in drop_leading_zeros(changed, until).items() if y <= until}
    assert a == b


def test_a_wrong_leading_zeros_value_is_a_located_error() -> None:
    path = "src/multipolar/scenarios/russia-neighbourhood/scenario.yaml"
    text = open(path, encoding="utf-8").read()
    assert "leading_zeros: missing" in text
    bad = text.replace("leading_zeros: missing", "leading_zeros: drop", 1)
    with pytest.raises(ScenarioError) as err:
        load_scenario_text(bad, file="scenario.yaml")
    msg = str(err.value)
    assert "leading_zeros" in msg and "scenario.yaml" in msg


def test_the_bundled_table_agrees_with_the_panel() -> None:
    # the panel's column is COW's share (trade_shares.csv) for the years both hold
    with open(_data("trade_shares.csv"), encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["country"] == "Ukraine"]
    by_year = {int(float(r["year"])): float(r["share_russia"]) for r in rows if r["share_russia"]}
    panel = column_by_actor_year("actor_year_panel.csv", "trade_share_russia")["Ukraine"]
    assert by_year[1992] == panel[1992] == 0.0 and by_year[1994] == pytest.approx(panel[1994])


def _data(name: str) -> str:
    from importlib.resources import files

    return str(files("multipolar.data") / name)


def test_leading_zeros_are_judged_on_the_years_up_to_the_cut() -> None:
    """Whether a zero up to the last observed year is a gap must not depend on later data."""
    series = {1992: 0.0, 1993: 0.0, 2009: 0.0, 2012: 0.4}
    assert drop_leading_zeros(series) == {2012: 0.4}
    assert drop_leading_zeros(series, until=2010) == series  # no positive value up to 2010
    assert drop_leading_zeros(series, until=2012) == {2012: 0.4}
