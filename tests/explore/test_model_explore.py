"""Designs on the flagship model: factor selection, levers as factors, chunk invariance."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from multipolar.core.errors import MultipolarError
from multipolar.explore.design import make_design, select_factors
from multipolar.explore.evaluate import evaluate_design
from multipolar.explore.outcome import Domain, parse_outcome


def test_select_factors(model: Any) -> None:
    assert len(select_factors(model, "ALL")) == len(model.uncertain())
    f = select_factors(model, "elasticity,levers.russia_attraction,actors.*.gas_dependence")
    assert f[0].path == "resource_rents.elasticity"
    assert f[1].path == "levers.russia_attraction" and f[1].kind == "lever"
    assert len(f) == 2 + 14
    assert [x.path for x in select_factors(model, "levers")] == \
        [f"levers.{n}" for n in model.levers]


@pytest.mark.parametrize(("which", "words"), [
    ("elastcity", "did you mean"), ("effect", "ambiguous"), ("", "no uncertainties"),
    ("nothing.*", "matches no"), ("alignment.noise", "fixed parameter"),
])
def test_select_factor_errors(model: Any, which: str, words: str) -> None:
    with pytest.raises(MultipolarError) as ei:
        select_factors(model, which)
    assert words in ei.value.render()
    assert ei.value.problems[0].field == "--uncertainties"


def test_design_errors(model: Any) -> None:
    f = select_factors(model, "elasticity,sphere")
    with pytest.raises(MultipolarError, match="power of two"):
        make_design("sobol", f, 100)
    with pytest.raises(MultipolarError, match="did you mean"):
        make_design("sobl", f, 64)


def test_levers_as_factors_drive_attraction(model: Any) -> None:
    f = select_factors(model, "russia_attraction,elasticity")
    d = make_design("lhs", f, 120, seed=4)
    o = parse_outcome("attraction[Belarus][2020]", Domain.of(model))
    y, _ = evaluate_design(model, 5, d, [o], keep=0)
    lever = d.values[:, 0]
    # attraction is proportional to the lever (strategic rule), so the rank correlation is high
    r = np.corrcoef(np.argsort(np.argsort(lever)), np.argsort(np.argsort(y[:, 0])))[0, 1]
    assert r > 0.9
    assert y[np.argmin(lever), 0] < y[np.argmax(lever), 0]


def test_results_do_not_depend_on_chunking(model: Any) -> None:
    f = select_factors(model, "attraction.effect,alignment.adjustment,eu_offer")
    d = make_design("sobol", f, 8, seed=2)
    o = [parse_outcome("alignment[Ukraine][2030]", Domain.of(model)),
         parse_outcome("membership[Armenia][EAEU][2030]", Domain.of(model))]
    y1, k1 = evaluate_design(model, 9, d, o, chunk=7, keep=10)
    y2, k2 = evaluate_design(model, 9, d, o, chunk=1000, keep=10)
    np.testing.assert_array_equal(y1, y2)
    assert k1 is not None and k2 is not None
    np.testing.assert_array_equal(k1["alignment"], k2["alignment"])


def test_rows_of_a_sobol_group_share_noise(model: Any) -> None:
    # with every factor at the same value, the rows of one group are identical runs
    f = select_factors(model, "attraction.effect,institutions.anchor")
    d = make_design("sobol", f, 4, seed=1)
    d.values[:] = d.values[0]
    o = [parse_outcome("alignment[Georgia][2035]", Domain.of(model))]
    y, _ = evaluate_design(model, 3, d, o, keep=0)
    per = 2 * len(f) + 2
    groups = y[:, 0].reshape(-1, per)
    assert np.all(groups == groups[:, :1])
    assert len(np.unique(groups[:, 0])) == groups.shape[0]
