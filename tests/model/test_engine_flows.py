"""The engine zeroes only the flows something reads (engine._flows_to_reset)."""

from __future__ import annotations

import inspect
import re

import numpy as np
import pytest

from multipolar.model import engine
from multipolar.model.api import compile_model, simulate
from multipolar.model.mechanisms import MECHANISMS
from multipolar.model.mechanisms.base import Mechanism
from multipolar.model.state import flow_names
from multipolar.scenario import load_scenario


def _classes() -> list[type[Mechanism]]:
    out: list[type[Mechanism]] = []

    def walk(c: type[Mechanism]) -> None:
        for s in c.__subclasses__():
            out.append(s)
            walk(s)

    walk(Mechanism)
    return [c for c in out if c.name]


def test_mechanisms_that_read_and_write_a_flow_they_do_not_own_only_add_to_it() -> None:
    """What the rule rests on: such a mechanism never uses the flow's value."""
    checked = 0
    for c in _classes():
        for f in flow_names():
            if f in c.reads and f in c.writes and MECHANISMS.owners[f] != c.name:
                lines = [ln.strip() for ln in inspect.getsource(c.step).splitlines()
                         if f"st.{f}" in ln]
                assert lines, (c.name, f)
                for ln in lines:
                    assert re.match(rf"st\.{f}(\[[^=]*\])? [+-]= ", ln), (c.name, f, ln)
                checked += 1
    assert checked >= 5  # the sphere's pushes, from several mechanisms


@pytest.mark.parametrize("scenario", ["russia-world", "russia-neighbourhood"])
def test_skipping_unread_flows_changes_no_number(scenario: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    model = compile_model(load_scenario(scenario))
    steps = engine._steps(model)
    kept = engine._flows_to_reset(steps)
    written = {f for _, m in steps for f in m.writes} | {"target_shift"}
    every = tuple(f for f in flow_names() if f in written)
    assert set(kept) < set(every) and "target_shift" in kept
    # the sphere is off in the world: its pushes are never read there; Russia's standing is
    # off in the neighbourhood: nothing reads the breaches that the use of force counts
    assert "sphere_push" in every and ("sphere_push" in kept) == (scenario != "russia-world")
    assert "breach" in every and ("breach" in kept) == (scenario == "russia-world")
    a = simulate(model, 5, 0, 40)
    monkeypatch.setattr(engine, "_flows_to_reset", lambda s: every)
    b = simulate(model, 5, 0, 40)
    for k, v in a.actor_outcomes.items():
        assert np.array_equal(v, b.actor_outcomes[k]), k
    for k, v in a.core_outcomes.items():
        assert np.array_equal(v, b.core_outcomes[k]), k
    assert np.array_equal(a.memberships, b.memberships)


@pytest.mark.parametrize("cols", [[0, 1, 2, 4, 5], [1, 2, 3], [5, 2, 3], [0, 2, 4, 6, 8, 9],
                                  [3], [2, 2, 4]])
def test_put_columns_is_the_indexed_assignment(cols: list[int]) -> None:
    """By slices (a few runs of consecutive columns) or by the index array, the same copy."""
    from multipolar.model.mechanisms._maths import put_columns

    c = np.array(cols)
    values = np.arange(7 * c.size, dtype=np.float32).reshape(7, c.size) + 1
    for _ in range(2):  # the runs are made, then kept
        got, want = np.zeros((7, 10), np.float32), np.zeros((7, 10), np.float32)
        put_columns(got, c, values)
        want[:, c] = values
        assert got.tobytes() == want.tobytes()


def test_what_depends_on_the_data_alone_is_made_once_and_follows_the_data() -> None:
    """The yearly shares and lever rows are kept per data: each year's row is what the
    yearly computation gives, the same object serves the next chunk, and a model with other
    data gets its own."""
    import dataclasses

    model = compile_model(load_scenario("russia-neighbourhood"), start=1992, end=2030)
    nb = model.neighbours.astype(np.float32)
    shares = engine._share_rows(model)
    assert engine._share_rows(model) is shares
    for t in (0, 5, model.n_years - 1):
        for item, series in engine.SHARE_SERIES.items():
            want = engine._shares(engine._last_finite_upto(model.obs[series], t), nb)
            assert shares[item][t].tobytes() == want.astype(np.float32).tobytes()
    levers = engine._lever_rows(model)
    assert engine._lever_rows(model) is levers
    assert list(levers[7]) == list(model.levers)
    for k, v in model.levers.items():
        assert np.array_equal(levers[7][k], engine._lever_row(v, 7))
    other = dataclasses.replace(model, obs={**model.obs, "gdp": model.obs["gdp"] * 2.0})
    got = engine._share_rows(other)
    assert got is not shares
    want = engine._shares(engine._last_finite_upto(other.obs["gdp"], 3), nb)
    assert got["gdp_share"][3].tobytes() == want.astype(np.float32).tobytes()



def test_rows_made_once_per_data_follow_a_model_cut_at_another_year() -> None:
    """A model cut at an earlier year shares its data's objects: the rows kept for the cut
    model must not serve the whole one (the whole one's last years would have no row)."""
    import dataclasses

    model = compile_model(load_scenario("russia-neighbourhood"), start=1992, end=2030)
    cut = dataclasses.replace(model, years=model.years[:10])
    assert len(engine._lever_rows(cut)) == 10
    assert len(engine._lever_rows(model)) == model.n_years
    assert all(len(rows) == 10 for rows in engine._share_rows(cut).values())
    assert all(len(rows) == model.n_years for rows in engine._share_rows(model).values())
