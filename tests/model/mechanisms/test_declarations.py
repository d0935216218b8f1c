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
from multipolar.model.mechanisms.base import MechanismRegistry, StateVar, Stream, StreamRegistry
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


def _stray(tree: ast.AST, where: str) -> list[tuple[str, float]]:
    """Numeric literals in ``tree`` other than the allowed ones, labelled ``where``."""
    found = []
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
        if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Attribute) and \
                parent.func.attr == "transpose":
            continue  # a permutation of array axes
        # two institutions share one hash: ``(n + 1) // 2`` pairs them
        if node.value == 2 and isinstance(parent, ast.BinOp) and \
                isinstance(parent.op, ast.FloorDiv):
            continue
        found.append((where, node.value))
    return found


def _literals(cls: type[Mechanism]) -> list[tuple[str, float]]:
    """Numeric literals in the methods of ``cls`` and of its bases below :class:`Mechanism`
    (``step``, set-up, starting values, provided items), except allowed ones."""
    found = []
    seen: set[str] = set()
    for klass in cls.__mro__:
        if klass is Mechanism or not issubclass(klass, Mechanism):
            continue
        for name, fn in vars(klass).items():
            if name in seen:
                continue
            if isinstance(fn, staticmethod | classmethod):
                fn = fn.__func__
            if not inspect.isfunction(fn):
                continue
            seen.add(name)
            tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
            found += _stray(tree, f"{cls.__name__}.{name}")
    return found


ENGINE_FILES = ("src/multipolar/model/engine.py", "src/multipolar/model/state.py")
"""The engine and the state set-up: they assemble the declarations and hold no number of the
model (a size of work is a named module constant, not a literal in a function)."""


def _module_literals(path: Path) -> list[tuple[str, float]]:
    """Numeric literals in every function and method of module ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for hit in _stray(node, f"{path.name}:{node.name}"):
                if hit not in found:
                    found.append(hit)
    # a nested function is walked twice (alone and inside its parent): keep each hit once
    return found


def test_no_number_that_shapes_behaviour_hides_in_a_mechanism() -> None:
    hidden = [hit for cls in MECHANISMS.classes.values() for hit in _literals(cls)]
    assert hidden == [], f"make these declared parameters: {hidden}"


def test_the_scan_finds_a_hidden_number() -> None:
    class Hidden(Mechanism):
        def step(self, st, cx):  # type: ignore[no-untyped-def]
            st.alignment += 0.3 * cx.p["x"]

        @classmethod
        def start(cls, var, init):  # type: ignore[no-untyped-def]
            return init.full(var, 0.7)

    class Child(Hidden):
        pass

    assert _literals(Hidden) == [("Hidden.step", 0.3), ("Hidden.start", 0.7)]
    assert _literals(Child) == [("Child.step", 0.3), ("Child.start", 0.7)]  # inherited too


def test_no_number_of_the_model_hides_in_the_engine_or_the_state_set_up() -> None:
    root = Path(__file__).resolve().parents[3]
    hidden = [hit for f in ENGINE_FILES for hit in _module_literals(root / f)]
    assert hidden == [], f"declare these with the mechanism that owns them: {hidden}"


def test_the_module_scan_finds_a_hidden_number(tmp_path: Path) -> None:
    path = tmp_path / "engine_like.py"
    path.write_text("def start(n):\n    return [0.5] * n\n", encoding="utf-8")
    assert _module_literals(path) == [("engine_like.py:start", 0.5)]


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


def test_mechanism_registry_refuses_duplicates_and_colliding_streams() -> None:
    reg = MechanismRegistry()

    class One(Mechanism):
        name = "one"
        params = (Param("x", 1.0, "x"),)
        streams = {"one.draws": Stream(10, width=3)}

    reg.register(One)
    with pytest.raises(ValueError, match="twice"):
        reg.register(One)

    class Two(Mechanism):
        name = "two"
        streams = {"two.draws": Stream(12)}

    with pytest.raises(ValueError, match="collides"):
        reg.register(Two)
    assert "two" not in reg.order and "two.draws" not in reg.streams.names()


def test_the_default_implementation_is_named_not_the_first_registered() -> None:
    reg = MechanismRegistry()

    class Rival(Mechanism):
        name = "m"
        implementation = "rival"

    class Main(Mechanism):
        name = "m"
        implementation = "main"
        is_default = True

    reg.register(Rival)  # registered first, yet not the default
    with pytest.raises(KeyError, match="names no default"):
        reg.resolve("m")
    reg.register(Main)
    assert reg.resolve("m") is Main and reg.resolve("m", "rival") is Rival

    class Second(Mechanism):
        name = "m"
        implementation = "second"
        is_default = True

    with pytest.raises(ValueError, match="two default implementations"):
        reg.register(Second)


def test_two_mechanisms_cannot_own_one_state_variable() -> None:
    reg = MechanismRegistry()

    class A(Mechanism):
        name = "a"
        state = (StateVar("x", "x"),)

    class B(Mechanism):
        name = "b"
        state = (StateVar("x", "x"),)

    reg.register(A)
    with pytest.raises(ValueError, match="declared by 'a' and 'b'"):
        reg.register(B)


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
    # the scenario language knows no model: an undeclared name is refused when compiling
    bad = load_scenario("russia-neighbourhood", sets={"mechanisms.alignment.params.bse": 0.3})
    with pytest.raises(ScenarioError, match="did you mean 'base'") as exc:
        compile_model(bad, end=2000)
    assert "written by an override" in str(exc.value)


def test_scale_of_a_parameter_left_at_its_default_multiplies_the_declared_default() -> None:
    default = MECHANISMS.params("alignment")["base"].default
    ld = load_scenario("russia-neighbourhood", sets={"mechanisms.alignment.params.base":
                                                     {"scale": 1.5}})
    assert ld.raw["mechanisms"]["alignment"]["params"]["base"] == {
        "value": 1.5, "relative_to": "default"}
    assert compile_model(ld, end=2000).nominal("alignment.base") == 1.5 * default
    with pytest.raises(ScenarioError, match="needs a parameter with a distribution"):
        load_scenario("russia-neighbourhood",
                      sets={"mechanisms.alignment.params.base": {"quantile": 0.9}})


def test_a_range_relative_to_the_declared_default_is_scaled_when_compiling() -> None:
    p = MECHANISMS.params("red_lines")["hold"]
    rel = {"dist": "uniform", "low": 0.5, "high": 1.5, "relative_to": "default"}
    spec = compile_model(load_scenario("russia-neighbourhood", sets={
        "mechanisms.red_lines.params.hold": rel}), end=2000).params["red_lines.hold"]
    assert (spec.dist, spec.a, spec.b) == ("uniform", 0.5 * p.default, 1.5 * p.default)
    with pytest.raises(ScenarioError, match="allowed only on a mechanism's parameter"):
        load_scenario("russia-neighbourhood", sets={
            "levers.russia_assertion": {"value": 1.0, "relative_to": "default"}})


def test_declared_evidence_is_what_the_flagship_cites_for_the_mechanism() -> None:
    """A mechanism's declared evidence and the flagship's evidence list for it agree."""
    raw = yaml.safe_load((FLAGSHIP / "scenario.yaml").read_text(encoding="utf-8"))
    for name, mech in raw["mechanisms"].items():
        declared = set().union(*(set(c.evidence) for (n, _), c in MECHANISMS.classes.items()
                                 if n == name))
        assert declared == set(mech.get("evidence") or []), name


def test_search_ranges_are_declared_within_the_bounds_and_every_fit_reads_them() -> None:
    from multipolar.calibrate.history import FREE_PARAMETERS
    from multipolar.calibrate.pooled import POOLED_PARAMETERS
    from multipolar.calibrate.standing import STANDING_PARAMETERS
    from multipolar.model.mechanisms.base import FITS

    declared = declared_params()
    with_search = {k: p for k, p in declared.items() if p.search}
    assert set(FREE_PARAMETERS) | set(POOLED_PARAMETERS) | set(STANDING_PARAMETERS) == \
        set(with_search)
    assert STANDING_PARAMETERS == {k: declared[k].search["standing"]
                                   for k in STANDING_PARAMETERS}
    for path, p in with_search.items():
        assert set(p.search) <= set(FITS), path
        for lo, hi in p.search.values():
            assert lo < hi, path
            if p.bounds is not None:
                assert p.bounds[0] <= lo and hi <= p.bounds[1], path
    for fit, table in (("history", FREE_PARAMETERS), ("pooled", POOLED_PARAMETERS)):
        assert table == {k: declared[k].search[fit] for k in table}, fit


def test_no_fit_writes_its_own_search_range() -> None:
    """A ``{"mechanism.param": (low, high)}`` literal in a fit would be a second home."""
    root = Path(__file__).resolve().parents[3] / "src" / "multipolar"
    for f in [*(root / "calibrate").glob("*.py"), *(root / "backtest").glob("*.py"),
              *(root / "forecast").glob("*.py")]:
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                for k, v in zip(node.keys, node.values, strict=True):
                    assert not (isinstance(k, ast.Constant) and isinstance(k.value, str)
                                and "." in k.value and isinstance(v, ast.Tuple)
                                and len(v.elts) == 2), f"{f.name}:{node.lineno} {k.value}"
