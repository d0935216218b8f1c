"""The russia-world scenario through the shared engine: what the world model produces.

Runs small ensembles of the bundled world scenario (193 states, 1992-2035) and checks the
directions of the seed-002 mechanisms on the outcomes, that switching one off changes the
states it should and only those, that overlays apply, and that chunking does not matter.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pytest

from multipolar.model.api import compile_model, simulate
from multipolar.model.compile import CompiledModel
from multipolar.scenario import load_scenario

N = 24


@lru_cache(maxsize=8)
def _model(perspective: str | None = None, hypothesis: str | None = None,
           off: str | None = None) -> CompiledModel:
    sets = (f"mechanisms.{off}.enabled=false",) if off else ()
    ld = load_scenario("russia-world", perspective=perspective, hypothesis=hypothesis,
                       sets=list(sets))
    return compile_model(ld)


@lru_cache(maxsize=8)
def _alignment(perspective: str | None = None, hypothesis: str | None = None,
               off: str | None = None) -> np.ndarray:
    """Alignment ``(members, years, actors)`` of ``N`` members, seed 3."""
    return simulate(_model(perspective, hypothesis, off), 3, 0, N).actor_outcomes["alignment"]


def _cols(codes: list[str]) -> list[int]:
    m = _model()
    return [m.actors.index(c) for c in codes]


def _year(y: int) -> int:
    return int(np.flatnonzero(_model().years == y)[0])


def test_world_runs_every_state_and_keeps_great_powers_observed() -> None:
    m = _model()
    assert len(m.actors) == 193 and int(m.neighbours.sum()) == 190  # less RUS, USA, CHN
    x = _alignment()
    assert x.shape == (N, m.n_years, 193) and np.isfinite(x).all()
    usa = m.actors.index("USA")
    assert np.allclose(x[:, _year(2030), usa], x[0, _year(2030), usa])  # outside power


def test_arms_clients_and_autocracies_sit_closer_to_russia_than_western_democracies() -> None:
    m = _model()
    t = _year(2030)
    arms = m.obs["arms_from_russia"]
    total = m.obs["arms_total"]
    dem = m.obs["democracy"][_year(2019)]
    share = np.nansum(arms[_year(2010):_year(2019) + 1], axis=0) / np.maximum(
        np.nansum(total[_year(2010):_year(2019) + 1], axis=0), 1e-9)
    clients = np.flatnonzero(m.neighbours & (share > 0.5) & (dem < 0.4))
    west = [j for j in _cols(["DEU", "FRA", "GBR", "SWE", "NLD", "CAN", "AUS", "NOR"])]
    assert len(clients) >= 8
    x = np.median(_alignment(), axis=0)[t]
    assert x[clients].mean() < x[west].mean() - 0.3


def test_switching_off_presence_moves_the_hosts_and_only_them() -> None:
    hosts = _cols(["SYR", "CAF", "SDN", "VEN"])  # Libya: no passage puts Russians there
    on, off = _alignment(), _alignment(off="distant_military_presence")
    t = _year(2030)
    assert (off[:, t, hosts].mean(axis=0) > on[:, t, hosts].mean(axis=0) + 0.05).all()
    others = [j for j in range(on.shape[2]) if j not in hosts]
    assert np.array_equal(on[:, :, others], off[:, :, others])


def test_switching_off_the_western_pull_moves_the_west_towards_russia() -> None:
    on, off = _alignment(), _alignment(off="western_normative_pull")
    t = _year(2030)
    west = _cols(["DEU", "FRA", "POL", "SWE", "CAN"])
    assert (off[:, t, west].mean(axis=0) < on[:, t, west].mean(axis=0) - 0.05).all()


def test_perspectives_and_hypotheses_change_what_they_should() -> None:
    t = _year(2030)
    west = _cols(["DEU", "FRA", "POL", "SWE", "CAN", "JPN"])
    assert _alignment("western")[:, t, west].mean() > _alignment("kremlin")[:, t, west].mean()
    partners = _cols(["IND", "BRA", "SRB"])
    strat, opp = _alignment(None, "strategic"), _alignment(None, "opportunist")
    assert (strat[:, t, partners].mean(axis=0) < opp[:, t, partners].mean(axis=0)).all()
    others = [j for j in range(strat.shape[2]) if j not in partners]
    assert np.array_equal(strat[:, :, others], opp[:, :, others])


@pytest.mark.parametrize("cut", [1, 11])
def test_results_do_not_depend_on_chunking(cut: int) -> None:
    m = _model()
    whole = simulate(m, 5, 0, 16).actor_outcomes
    a, b = simulate(m, 5, 0, cut).actor_outcomes, simulate(m, 5, cut, 16).actor_outcomes
    for k in ("alignment", "democracy"):
        assert np.array_equal(whole[k], np.concatenate([a[k], b[k]]))


def test_nothing_after_the_observed_years_reaches_the_run() -> None:
    m = _model()
    late = m.years > m.observed_until
    for name in ("un_alignment", "democracy", "trade_share_russia", "arms_from_russia"):
        assert np.isnan(m.obs[name][late]).all(), name


@lru_cache(maxsize=4)
def _with_event(event: str | None) -> np.ndarray:
    """Alignment with ``event``, Russia's and the US's positions held where the record left
    them (``russia_standing`` off): the states' own answers, without Russia's isolation, which
    moves every relative position at once (tests/world/test_world_standing.py)."""
    ld = load_scenario("russia-world", events=[event] if event else None,
                       sets=["russia_standing.enabled=false"])
    return simulate(compile_model(ld), 3, 0, N).actor_outcomes["alignment"]


def test_a_use_of_force_is_answered_by_regime_ties_and_nearness() -> None:
    """002: a breach of the rules is what the rule-abiding condemn, clients stand by Moscow,
    and the target turns away (with the answers fitted on 2008 and 2014; the poles held)."""
    base, force = _with_event(None), _with_event("use_of_force:UKR@2022")
    before = int(np.flatnonzero(_model().years < 2022)[-1]) + 1
    assert np.array_equal(base[:, :before], force[:, :before])  # nothing moves before the event
    t = _year(2030)
    move = force[:, t].mean(axis=0) - base[:, t].mean(axis=0)  # > 0: away from Russia
    west = _cols(["DEU", "FRA", "SWE", "NLD", "CAN", "AUS", "JPN"])
    clients = _cols(["SYR", "VEN", "CUB", "VNM", "DZA"])  # far from Russia, its arms clients
    near = _cols(["MDA", "EST", "LVA", "LTU", "KAZ"])  # not Georgia: a target already
    ukr = _cols(["UKR"])[0]
    assert (move[west] > 0).all()  # the democracies' answer, at the seeds' sign
    assert move[west].min() > move[clients].max()
    assert move[clients].mean() < 0  # arms and trade clients stand by Moscow
    assert move[near].mean() > move[west].mean()  # states near Russia answer most
    assert move[ukr] > max(0.05, 3 * move[clients].max())  # the target itself turns away
    assert move[_cols(["USA", "CHN"])].tolist() == [0.0, 0.0]  # outside powers keep their path


def test_china_moves_no_votes_by_default_and_its_partners_under_the_hypothesis() -> None:
    """004: Moscow wants China's own backing and keeps China out of its neighbourhood; no
    passage has China's trade partners vote with Russia. That is the rival hypothesis."""
    on, off = _alignment(), _alignment(off="china_backing")
    assert np.array_equal(on, off)  # cover 0 by default: the mechanism does nothing
    rival = _alignment(None, "china_votes_with_russia")
    t = _year(2030)
    m = _model()
    share = np.nan_to_num(m.obs["trade_share_china"][_year(2014)])
    gap = on[:, t].mean(axis=0) \
        - rival[:, t].mean(axis=0)  # > 0: the rival is closer to Russia
    high = np.flatnonzero(m.neighbours & (share > 0.2))
    low = np.flatnonzero(m.neighbours & (share < 0.05))
    assert len(high) >= 5 and len(low) >= 5
    assert gap[high].mean() > 2 * abs(gap[low].mean())


def test_hedging_is_a_named_assumption_that_can_be_switched_off() -> None:
    """hedging_outside_the_blocs: those the West does not hold lean to the middle; the
    hypothesis no_hedging removes it (the fitted strength is small, so a strong hedge is set
    to see the direction)."""
    off = _alignment(None, "no_hedging")
    ld = load_scenario("russia-world", hypothesis="no_hedging",
                       sets=["mechanisms.sovereignty_norm.params.strength=0.5"])
    strong = simulate(compile_model(ld), 3, 0, N).actor_outcomes["alignment"]
    t = _year(2030)
    m = _model()
    assert m.nominal("sovereignty_norm.strength") > 0  # on by default, as an assumption
    assert _model(None, "no_hedging").nominal("sovereignty_norm.strength") == 0.0
    pull = m.static["western_pull"]
    centre = m.nominal("sovereignty_norm.centre")
    free = np.flatnonzero(m.neighbours & (pull < 0.5))
    spread_on = np.abs(np.median(strong[:, t], axis=0)[free] - centre).mean()
    spread_off = np.abs(np.median(off[:, t], axis=0)[free] - centre).mean()
    assert spread_on < spread_off - 0.03
    held = np.flatnonzero(m.neighbours & (pull >= 0.9))  # the West's pull holds: no hedging
    assert np.abs(strong[:, t, held] - off[:, t, held]).max() < \
        np.abs(strong[:, t, free] - off[:, t, free]).mean()


def _force_off(events: list[str] | None, history: bool) -> np.ndarray:
    ld = load_scenario("russia-world", events=events,
                       sets=["mechanisms.use_of_force.enabled=false"])
    if not history:
        ld.scenario.events = [e for e in ld.scenario.events
                              if e.description and e.description.startswith("--event")]
    return simulate(compile_model(ld), 3, 0, 8).actor_outcomes["alignment"]


def test_a_switched_off_use_of_force_contributes_nothing_anywhere() -> None:
    """With use_of_force off, neither the history of force nor a new event moves any state
    (before issue 23 the West's pull answered a breach even with use_of_force off)."""
    bare = _force_off(None, history=False)
    assert np.array_equal(_force_off(None, history=True), bare)
    assert np.array_equal(_force_off(["use_of_force:UKR@2022"], history=True), bare)


def test_the_history_of_force_is_answered_from_2008_on() -> None:
    """The observed uses of force (Georgia 2008, Ukraine 2014) move states from their year."""
    ld = load_scenario("russia-world")
    assert [(e.target, e.year) for e in ld.scenario.events] == [("GEO", 2008), ("UKR", 2014)]
    with_history = _alignment()
    bare = _force_off(None, history=False)  # same seed, 8 members, no answer to force at all
    first = int(np.flatnonzero(_model().years == 2008)[0])
    assert np.array_equal(with_history[:8, :first], bare[:, :first])
    assert not np.array_equal(with_history[:8, first + 1], bare[:, first + 1])
