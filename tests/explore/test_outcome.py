"""The outcome language: values match direct indexing; errors name the column and the fix."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest

from multipolar.core.errors import MultipolarError
from multipolar.explore.outcome import Domain, parse_outcome, tokenize
from multipolar.model.api import simulate


@pytest.fixture(scope="module")
def res(model: Any) -> Any:
    return simulate(model, 3, 0, 40)


def test_values_match_direct_indexing(model: Any, res: Any) -> None:
    d = Domain.of(model)
    t = list(model.years).index(2030)
    j = model.actors.index("Belarus")
    u = model.actors.index("Ukraine")
    a = model.actors.index("Armenia")
    k = model.institutions.index("EAEU")
    al = res.actor_outcomes["alignment"]
    np.testing.assert_allclose(parse_outcome("alignment[Belarus][2030]", d)(res), al[:, t, j])
    t0, t1 = list(model.years).index(2025), list(model.years).index(2035)
    np.testing.assert_allclose(parse_outcome("mean(alignment[Ukraine][2025:2035])", d)(res),
                               al[:, t0:t1 + 1, u].mean(axis=1), rtol=1e-6)
    np.testing.assert_allclose(parse_outcome("membership[Armenia][EAEU][2030]", d)(res),
                               res.memberships[:, t, a, k])
    np.testing.assert_allclose(parse_outcome("capacity[2030]", d)(res),
                               res.core_outcomes["capacity"][:, t])
    flag = parse_outcome("alignment[Belarus][2030] < 0.3", d)
    assert flag.is_flag
    np.testing.assert_array_equal(flag(res), (al[:, t, j] < 0.3).astype(float))
    expr = parse_outcome("-(max(alignment['United States'][2014:2035]) - 1) * 2 / 4", d)
    us = model.actors.index("United States")
    t14 = list(model.years).index(2014)
    np.testing.assert_allclose(expr(res), -(al[:, t14:, us].max(axis=1) - 1) * 2 / 4,
                               rtol=1e-6)


def test_outcomes_pickle_for_workers(model: Any, res: Any) -> None:
    o = parse_outcome("mean(alignment[Ukraine][2025:2035]) >= 0.2", Domain.of(model))
    o2 = pickle.loads(pickle.dumps(o))
    np.testing.assert_array_equal(o(res), o2(res))


@pytest.mark.parametrize(("text", "column", "words"), [
    ("alignment[Belarrus][2030]", 11, "did you mean 'Belarus'"),
    ("alignment[Belarus][2050]", 20, "outside the simulated years"),
    ("alignment[Belarus]", 19, "needs a year"),
    ("foo[Belarus][2030]", 1, "unknown outcome"),
    ("mean(alignment[Belarus][2030]", 30, "expected ')'"),
    ("alignment[Belarus][2030] $ 1", 26, "unexpected character"),
    ("capacity[2030] +", 17, "ends too early"),
    ("membership[Armenia][EEU][2030]", 21, "did you mean 'EAEU'"),
    ("alignment[Belarus][2035:2025]", 25, "runs backwards"),
    ("alignment[Belarus][2030] 3", 26, "after a complete expression"),
])
def test_errors_have_column_and_fix(model: Any, text: str, column: int, words: str) -> None:
    with pytest.raises(MultipolarError) as ei:
        parse_outcome(text, Domain.of(model))
    p = ei.value.problems[0]
    assert p.field == "--outcome"
    assert p.column == column
    assert words in p.message or words in (p.fix or "")
    assert p.fix


@pytest.mark.parametrize(("text", "words"), [
    ("alignment[Belarus][2025:2035]", "mean("),
    ("2 * 3", "does not depend"),
    ("", "empty"),
])
def test_shape_errors(model: Any, text: str, words: str) -> None:
    with pytest.raises(MultipolarError) as ei:
        parse_outcome(text, Domain.of(model))
    assert words in ei.value.render()


def test_tokenizer_positions() -> None:
    toks = tokenize("mean(x[1:2])")
    assert [(t.text, t.pos) for t in toks[:4]] == [("mean", 0), ("(", 4), ("x", 5), ("[", 6)]
