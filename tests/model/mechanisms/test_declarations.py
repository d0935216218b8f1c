"""Declarations are the one source of parameters, streams and mechanisms.

* a scenario that sets an undeclared parameter gets a located error;
* no number that shapes behaviour hides in a mechanism's code: an AST scan of every method of
  every mechanism class allows only the literals listed in ``ALLOWED`` (with the reason);
* the flagship scenario repeats no declared default without adding evidence;
* the stream and mechanism registries refuse collisions and duplicates;
* a switched-off mechanism is never called (delegation_limit included).
"""

from __future__ import annotations

import ast
import inspect
import shutil
import textwrap
from pathlib import Path

import numpy as np
import pytest
import yaml

from multipolar.core.errors import ScenarioError
from multipolar.model.api import compile_model, simulate
from multipolar.model.engine import _steps
from multipolar.model.mechanisms import MECHANISMS, ORDER, Mechanism, Param, declared_params
from multipolar.model.mechanisms.base import MechanismRegistry, StreamRegistry
from multipolar.scenario import load_scenario

FLAGSHIP = Path(__file__).resolve().parents[3] / \
    "src/multipolar/scenarios/russia-neighbourhood"

ALLOWED: dict[float, str] = {
    0: "zero: empty sums, clip floors, 'no effect', pole and membership codes",
    1: "one: clip ceilings, complements (1 - share), capacity 1 = the reference rent level, "
       "the West's pole code",
    1e-9: "guard against division by zero",
    1e-12: "guard against division by zero",
}
"""Numeric literals a mechanism's code may contain; everything else must be a parameter.
The S-curve and unit-uniform helpers of ``mechanisms/_maths.py`` are fixed mathematical
functions (not model assumptions) and are not scanned."""


def _literals(cls: type[Mechanism]) -> list[tuple[str, float]]:
    """Numeric literals in the methods ``cls`` defines (not inherited), except allowed ones."""
    found = []
    for name, fn in vars(cls).items():
        if not inspect.isfunction(fn) and not isinstance(fn, staticmethod):
            continue
        fn = fn.__func__ if isinstance(fn, staticmethod) else fn
        tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
        parents = {c: p for p in ast.walk(tree) for c in ast.iter_child_nodes(p)}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Constant) or isinstance(node.value, bool) or \
                    not isinstance(node.value, int | float):
                continue
            if node.value in ALLOWED:
                continue
            parent = parents.get(node)
            if isinstance(parent, ast.keyword) and parent.arg == "axis":
                continue  # an array axis, not a number of the model
            # two institutions share one hash: ``(n + 1) // 2`` pairs them
            if node.value == 2 and isinstance(parent, ast.BinOp) and \
                    isinstance(parent.op, ast.FloorDiv):
                continue
            found.append((f"{cls.__name__}.{name}", node.value))
    return found


def test_no_number_that_shapes_behaviour_hides_in_a_mechanism() -> None:
    hidden = [hit for cls in MECHANISMS.classes.values() for hit in _literals(cls)]
    assert hidden == [], f"make these declared parameters: {hidden}"


def test_the_scan_finds_a_hidden_number() -> None:
    class Hidden(Mechanism):
        def step(self, st, cx):  # type: ignore[no-untyped-def]
            st.alignment += 0.3 * cx.p["x"]

    assert _literals(Hidden) == [("Hidden.step", 0.3)]


def test_a_scenario_setting_an_undeclared_parameter_gets_a_located_error(tmp_path) -> None:
    shutil.copytree(FLAGSHIP, tmp_path / "s")
    path = tmp_path / "s" / "scenario.yaml"
    text = path.read_text(encoding="utf-8")
    anchor = "      adjustment: {dist: uniform, low: 0.065, high: 0.365}\n"
    assert anchor in text
    path.write_text(text.replace(anchor, anchor + "      adjustmnet: 0.3\n"), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        compile_model(load_scenario(str(path)))
    msg = str(err.value)
    assert "has no parameter 'adjustmnet'" in msg and "scenario.yaml:" in msg
    assert "did you mean 'adjustment'" in msg


def test_every_parameter_of_the_flagship_is_declared_and_adds_something() -> None:
    raw = yaml.safe_load((FLAGSHIP / "scenario.yaml").read_text(encoding="utf-8"))
    declared = declared_params()
    for mname, mech in raw["mechanisms"].items():
        assert mname in ORDER
        for pname, val in (mech.get("params") or {}).items():
            decl = declared[f"{mname}.{pname}"]
            if isinstance(val, dict) and "dist" not in val and not val.get("evidence"):
                val = val["value"]
            if not isinstance(val, dict):
                assert float(val) != decl.default, \
                    f"{mname}.{pname} repeats its declared default: drop it from the YAML"
    for aim in raw.get("aims", {}):
        assert f"aims.{aim}" in declared


def test_flagship_nominals_match_the_declared_defaults() -> None:
    """The declared default is the flagship's calibrated (nominal) value, so they cannot drift."""
    model = compile_model(load_scenario("russia-neighbourhood"))
    off = {path: (model.params[path].nominal, p.default) for path, p in declared_params().items()
           if not np.isclose(model.params[path].nominal, p.default, rtol=1e-9)}
    assert off == {}


def test_stream_registry_refuses_collisions() -> None:
    reg = StreamRegistry()
    reg.register("a", 10, width=5)
    with pytest.raises(ValueError, match="collides"):
        reg.register("b", 14)
    with pytest.raises(ValueError, match="twice"):
        reg.register("a", 100)
    with pytest.raises(ValueError, match="parameter draws"):
        reg.register("c", 1_000_500)
    assert reg.id("a", 4) == 14
    with pytest.raises(IndexError):
        reg.id("a", 5)


def test_mechanism_registry_refuses_duplicates_and_unknown_streams() -> None:
    reg = MechanismRegistry()

    class One(Mechanism):
        name = "one"
        params = (Param("x", 1.0, "x"),)

    reg.register(One)
    with pytest.raises(ValueError, match="twice"):
        reg.register(One)

    class Two(Mechanism):
        name = "two"
        streams = ("no.such.stream",)

    with pytest.raises(KeyError):
        reg.register(Two)


def test_todays_streams_keep_their_ids() -> None:
    from multipolar.model.mechanisms import STREAMS

    got = {k: v[0] for k, v in STREAMS.names().items()}
    assert got.items() >= {
        "russia_policy.presence": 101, "russia_policy.intensity": 103,
        "institutions.membership": 200, "frozen_conflicts.war": 300, "shocks.regime": 400,
        "shocks.leadership": 402, "shocks.flare_up": 404, "alignment.idiosyncratic": 500,
        "alignment.common": 501, "drivers.oil_price": 601,
        "drivers.china_weight": 602}.items()


def test_a_switched_off_mechanism_is_never_called() -> None:
    for name in ("delegation_limit", "shocks", "attraction"):
        ld = load_scenario("russia-neighbourhood", sets={f"mechanisms.{name}.enabled": False})
        steps = [n for n, _ in _steps(compile_model(ld, end=2016))]
        assert name not in steps and "alignment" in steps


def test_delegation_limit_off_leaves_integration_depth_at_its_start() -> None:
    ld = load_scenario("russia-neighbourhood",
                       sets={"mechanisms.delegation_limit.enabled": False})
    res = simulate(compile_model(ld, end=2030), 3, 0, 20)
    depth = res.actor_outcomes["integration"]
    assert np.array_equal(depth, np.broadcast_to(depth[:, :1], depth.shape))
    on = simulate(compile_model(load_scenario("russia-neighbourhood"), end=2030), 3, 0, 20)
    assert not np.array_equal(on.actor_outcomes["integration"], depth)


def test_set_reaches_a_declared_parameter_the_scenario_leaves_out() -> None:
    raw = yaml.safe_load((FLAGSHIP / "scenario.yaml").read_text(encoding="utf-8"))
    assert "base" not in (raw["mechanisms"]["alignment"].get("params") or {})
    ld = load_scenario("russia-neighbourhood", sets={"mechanisms.alignment.params.base": 0.31})
    assert compile_model(ld, end=2000).nominal("alignment.base") == 0.31
    with pytest.raises(ScenarioError, match="did you mean 'base'"):
        load_scenario("russia-neighbourhood", sets={"mechanisms.alignment.params.bse": 0.3})


def test_declared_evidence_is_what_the_flagship_cites_for_the_mechanism() -> None:
    """A mechanism's declared evidence and the flagship's evidence list for it agree."""
    raw = yaml.safe_load((FLAGSHIP / "scenario.yaml").read_text(encoding="utf-8"))
    for name, mech in raw["mechanisms"].items():
        declared = set().union(*(set(c.evidence) for (n, _), c in MECHANISMS.classes.items()
                                 if n == name))
        assert declared == set(mech.get("evidence") or []), name
