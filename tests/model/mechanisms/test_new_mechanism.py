"""A mechanism defined here, and registered nowhere else, runs: one class plus a YAML entry.

``SanctionsRegime`` declares everything it needs next to its parameters: a state variable
with its bounds and starting value, an outcome, its place in the year. The test registers it
(as a new module of the mechanisms package would be on import), adds its entry to a copy of
the flagship scenario's ``mechanisms``, compiles and runs it, and checks that it changes the
outcome: nothing else of the model is edited.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from multipolar.core import rng
from multipolar.model.api import compile_model, simulate
from multipolar.model.engine import _member_params, _Run, _steps
from multipolar.model.mechanisms import MECHANISMS, Mechanism, Param
from multipolar.model.mechanisms.base import Outcome, StateVar
from multipolar.model.state import StartContext, State, StepContext
from multipolar.scenario import load_scenario

FLAGSHIP = Path(__file__).resolve().parents[3] / \
    "src/multipolar/scenarios/russia-neighbourhood"

ENTRY = """  sanctions_regime:
    description: Western sanctions build up while Russia asserts itself and cut its rents.
    theory: [B3]
    evidence: [B3]
    params:
      bite: 0.4
"""


class SanctionsRegime(Mechanism):
    """Sanctions accumulate with Russia's mean assertion and cost it capacity (B3).

    The pressure of sanctions moves each year part of the way (``rate``) towards Russia's mean
    assertion over its neighbours; capacity falls by ``bite`` times the pressure.
    """

    name = "sanctions_regime"
    theory = ("B3",)
    evidence = ("B3",)
    params = (
        Param("rate", 0.5, "share of the gap to the mean assertion closed a year",
              "share per year", (0.0, 1.0)),
        Param("bite", 0.2, "share of capacity lost at full pressure", "share", (0.0, 1.0)),
        Param("start", 0.0, "pressure in the first year", "pressure", (0.0, 1.0)),
    )
    reads = ("assertion", "capacity", "sanction_pressure")
    writes = ("capacity", "sanction_pressure")
    state = (StateVar("sanction_pressure", "pressure of Western sanctions", (0.0, 1.0),
                      shape="russia"),)
    outcomes = (Outcome("sanction_pressure", "sanction_pressure", kind="russia"),)
    runs_before = "elite_interests"

    @classmethod
    def start(cls, var: StateVar, init: StartContext) -> Any:
        """The declared starting pressure."""
        return init.param(cls, "start")

    def step(self, st: State, cx: StepContext) -> None:
        """Move the pressure towards the mean assertion; take its bite out of capacity."""
        p = cx.p
        mean = st.assertion.mean(axis=1)
        st.sanction_pressure = st.sanction_pressure + p.member("rate") * (
            mean - st.sanction_pressure)
        st.capacity = st.capacity * (1.0 - p.member("bite") * st.sanction_pressure)


@pytest.fixture
def registered() -> Iterator[type[Mechanism]]:
    MECHANISMS.register(SanctionsRegime)
    try:
        yield SanctionsRegime
    finally:
        MECHANISMS.unregister(SanctionsRegime)


def _flagship_with_entry(tmp_path: Path) -> Path:
    shutil.copytree(FLAGSHIP, tmp_path / "s")
    path = tmp_path / "s" / "scenario.yaml"
    text = path.read_text(encoding="utf-8")
    anchor = "mechanisms:\n"
    assert text.count(anchor) == 1
    path.write_text(text.replace(anchor, anchor + ENTRY), encoding="utf-8")
    return path


def test_a_mechanism_of_a_test_module_compiles_and_changes_the_outcome(
        registered: type[Mechanism], tmp_path: Path) -> None:
    with_it = compile_model(load_scenario(str(_flagship_with_entry(tmp_path))), end=2030)
    order = [n for n, _ in _steps(with_it)]
    assert order.index("sanctions_regime") == order.index("elite_interests") - 1
    assert with_it.nominal("sanctions_regime.bite") == 0.4  # the YAML's value
    res = simulate(with_it, 5, 0, 12)
    pressure = res.core_outcomes["sanction_pressure"]
    assert (pressure[:, 0] == 0.0).all() and (pressure[:, -1] > 0.0).all()
    without = simulate(compile_model(load_scenario(str(FLAGSHIP / "scenario.yaml")), end=2030),
                       5, 0, 12)
    assert "sanction_pressure" not in without.core_outcomes or \
        (without.core_outcomes["sanction_pressure"] == 0.0).all()
    cut = res.core_outcomes["capacity"][:, 1:] < without.core_outcomes["capacity"][:, 1:]
    assert cut.mean() > 0.9  # sanctions cost capacity in (nearly) every member and year


def test_unregistered_it_is_gone_and_the_model_is_as_before(tmp_path: Path) -> None:
    MECHANISMS.register(SanctionsRegime)
    MECHANISMS.unregister(SanctionsRegime)
    assert "sanctions_regime" not in MECHANISMS.order
    assert "sanction_pressure" not in MECHANISMS.state_vars
    with pytest.raises(Exception, match="unknown mechanism 'sanctions_regime'"):
        compile_model(load_scenario(str(_flagship_with_entry(tmp_path))))


def test_its_declared_bounds_and_start_reach_the_state(registered: type[Mechanism]) -> None:
    assert MECHANISMS.state_bounds()["sanction_pressure"] == (0.0, 1.0)
    model = compile_model(load_scenario("russia-neighbourhood"), end=2000)
    keys = rng.member_keys(3, 0, 4)
    run = _Run(model, _member_params(model, keys, None), keys)
    assert np.array_equal(run.st.sanction_pressure, np.zeros(4, dtype=np.float32))
