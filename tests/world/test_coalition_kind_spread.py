"""A vote whose kind has few earlier forecast errors is at least as uncertain as all kinds' errors.

Before, such a vote drew the ridge prior's spread alone (the first displaced-persons vote after
2008, the 2014 condemnation): far narrower than the errors the forecasts of other kinds had
already made. Only votes up to the fit's ``--until`` may set the spread.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from multipolar.votes.coalition import CoalitionSettings, coalition_forecast
from multipolar.votes.fitting import fit_until, forward_shifts, training_rows
from multipolar.votes.levels import (
    MIN_KIND_SHIFTS,
    forward_levels,
    kind_covariance,
    shrunk_covariance,
)
from multipolar.votes.votemodel import RIDGE

PRIOR = np.eye(3) / RIDGE


def _shifts(spec: list[tuple[str, bool, float]]) -> pd.DataFrame:
    rows = [{"rcid": i, "date": pd.Timestamp(2010 + i, 6, 1), "kind": k, "known": known,
             "shift": np.array([s, 0.5 * s, -s])} for i, (k, known, s) in enumerate(spec)]
    return pd.DataFrame(rows, columns=["rcid", "date", "kind", "known", "shift"])


def _in_sample(kind_var: float = 0.5) -> dict:
    return {"vote_sd": [0.3] * 3, "vote_cov": (np.eye(3) * 0.09).tolist(),
            "kind_sd": [kind_var ** 0.5] * 3, "kind_cov": (np.eye(3) * kind_var).tolist()}


def test_a_kind_with_few_errors_of_its_own_draws_at_least_the_pooled_spread():
    """Kind ``a`` has four small known-kind errors, ``b`` one, ``c`` none (its only vote was new
    when cast, with a large error). ``a`` keeps the known kinds' spread; ``b`` and ``c`` draw
    at least the spread of every kind's errors, which the large new-kind error widens."""
    shifts = _shifts([("a", True, 0.3), ("a", True, -0.2), ("a", True, 0.25), ("a", True, 0.1),
                      ("b", True, 0.4), ("c", False, 3.0)])
    lv = forward_levels(_in_sample(), shifts, kinds=["a", "b", "c"])
    known = shrunk_covariance(list(shifts.loc[shifts["known"], "shift"]))
    pooled = shrunk_covariance(list(shifts["shift"]))
    assert MIN_KIND_SHIFTS == 3
    assert lv["by_kind"]["a"]["forward_shifts"] == 4 and not lv["by_kind"]["a"]["pooled"]
    assert np.allclose(kind_covariance(lv, "a"), known)
    for k, n in (("b", 1), ("c", 0)):
        assert lv["by_kind"][k]["forward_shifts"] == n and lv["by_kind"][k]["pooled"]
        assert np.allclose(kind_covariance(lv, k), pooled)
        assert np.trace(kind_covariance(lv, k)) > np.trace(known)
    # the known kinds' spread itself is what it was
    assert np.allclose(lv["vote_cov"], known)


def test_a_new_kind_without_earlier_new_kind_errors_is_not_the_prior_alone():
    """Under the old rule a new kind with no earlier new-kind error drew the prior (``I/RIDGE``)
    however large the known kinds' errors were; now at least their spread plus the kinds'."""
    shifts = _shifts([("a", True, 2.0), ("a", True, 0.5)])
    lv = forward_levels(_in_sample(), shifts, kinds=["a"])
    assert np.allclose(lv["new_kind_own_cov"], PRIOR) and lv["new_kind_pooled"]
    floor = shrunk_covariance(list(shifts["shift"])) + np.eye(3) * 0.5
    assert np.allclose(lv["new_kind_cov"], floor)
    assert np.trace(lv["new_kind_cov"]) > np.trace(PRIOR)
    # with K errors of new kinds, their own spread (however small) is used
    many = _shifts([("a", True, 2.0), *[(f"n{i}", False, 0.1) for i in range(MIN_KIND_SHIFTS)]])
    lv = forward_levels(_in_sample(), many, kinds=["a"])
    assert not lv["new_kind_pooled"]
    assert np.allclose(lv["new_kind_cov"],
                       shrunk_covariance(list(many.loc[~many["known"], "shift"])))


def test_the_2014_condemnation_from_a_2013_fit_is_wider_than_the_prior(world, groups):
    """From the votes through 2013 (the Abkhazia texts only), a condemnation is a new kind with
    no earlier new-kind error: its spread is the 2010-2011 forecast errors' plus the kinds',
    not the prior's, and the forecast says so."""
    model = fit_until(world, 2013, groups, with_record=True)
    lv = model.meta["levels"]
    assert lv["forward_new_kind_votes"] == [] and lv["new_kind_pooled"]
    assert np.trace(lv["new_kind_cov"]) > 2 * np.trace(PRIOR)
    # the Abkhazia texts have two forecast errors of their own (2010, 2011): fewer than K
    assert lv["by_kind"]["georgia_idp"]["forward_shifts"] == 2
    assert lv["by_kind"]["georgia_idp"]["pooled"]
    res = coalition_forecast(CoalitionSettings(events=("use_of_force:UKR@2014",), members=40,
                                               seed=1), world=world, model=model)
    note = res["resolution"]["level_spread"]
    assert note["pooled"] and res["resolution"]["recorded_as"] is None
    assert np.allclose(note["sd"], np.sqrt(np.diag(lv["new_kind_cov"])), atol=1e-3)


def test_votes_after_until_do_not_change_the_spread(world, groups):
    """A fit through 2013 reads the same spreads from a world whose later votes are all
    reversed; the forward errors it rests on are those of the votes up to 2013 only."""
    a = fit_until(world, 2013, groups, with_record=True).meta["levels"]
    changed = world.until(2019)
    v = changed.votes
    later = changed.rollcalls.loc[changed.rollcalls["year"] > 2013, "rcid"]
    v.loc[v["rcid"].isin(later), "vote"] = 3
    b = fit_until(changed, 2013, groups, with_record=True).meta["levels"]
    assert a == b
    x, rows, names = training_rows(world.until(2019), groups, with_record=True)
    late = set(forward_shifts(x, rows, names)["rcid"]) - set(a["forward_votes"])
    assert late and not late & set(a["forward_votes"] + a["forward_new_kind_votes"])


def test_forward_check_of_early_votes_ignores_later_ones(world, groups):
    """In the forward calibration check, each held-out vote's forecast and range come from the
    votes before it: checking through 2011 or through 2015 gives the 2010-2011 votes the same
    figures."""
    from multipolar.votes.reliability import check

    short = check(world, groups, until=2011, forward=True, members=60, seed=5)
    long = check(world, groups, until=2015, forward=True, members=60, seed=5)
    early = {v["date"]: v for v in long["per_vote"] if v["date"] < "2012"}
    assert set(early) == {v["date"] for v in short["per_vote"]}
    for v in short["per_vote"]:
        assert v["ensemble"] == early[v["date"]]["ensemble"]
