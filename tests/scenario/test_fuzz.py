"""Property tests: mutated and random scenarios yield only clean validation errors."""

from __future__ import annotations

import copy
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from multipolar.core.errors import MultipolarError
from multipolar.scenario import load_scenario, load_scenario_text
from multipolar.scenario.loader import read_raw, resolve_scenario_path

_RAW, _ = read_raw(resolve_scenario_path("russia-neighbourhood"))

junk = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                 st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
                 st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5),
                                                                      st.integers(), max_size=2))


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*path, i))
    return out


_ALL = [p for p in _paths(_RAW) if p and p[0] != "citations"] + \
    [p for p in _paths(_RAW) if p[:1] == ("citations",)][:50]


def _check(text: str) -> None:
    try:
        load_scenario_text(text, "fuzz.yaml")
    except MultipolarError as err:
        rendered = err.render()
        assert rendered and "Traceback" not in rendered
        assert err.problems and all(p.message for p in err.problems)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(idx=st.integers(0, len(_ALL) - 1), value=junk, delete=st.booleans())
def test_mutated_flagship_gives_clean_errors(idx: int, value: Any, delete: bool) -> None:
    raw = copy.deepcopy(_RAW)
    path = _ALL[idx]
    parent: Any = raw
    for p in path[:-1]:
        parent = parent[p]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    try:
        text = yaml.safe_dump(raw, sort_keys=False)
    except yaml.YAMLError:
        return
    _check(text)


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=200))
def test_random_text_gives_clean_errors(text: str) -> None:
    _check(text)


@settings(max_examples=30, deadline=None)
@given(sets=st.dictionaries(st.sampled_from(["russia_assertion", "levers.eu_offer", "oil_price",
                                             "mechanisms.alignment.params.noise", "nope.x",
                                             "actors.Belarus.attributes.russian_share"]),
                            junk, min_size=1, max_size=3))
def test_random_overrides_give_clean_errors(sets: dict[str, Any]) -> None:
    try:
        load_scenario("russia-neighbourhood", sets=sets)
    except MultipolarError as err:
        assert err.problems
