"""Sensitivity through the exploration pipeline, checked against published Ishigami indices.

The Ishigami function runs through the same design -> chunked evaluation -> analysis path as
the model (only the task differs). Reference values (Ishigami & Homma 1990; used by SALib's
own tests): S1 = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from multipolar.ensemble import LocalEvaluator, ProcessEvaluator
from multipolar.explore.design import Factor, make_design
from multipolar.explore.evaluate import evaluate
from multipolar.explore.sensitivity import analyse, correlation_ratio
from multipolar.explore.testfunctions import (
    ISHIGAMI_S1,
    ISHIGAMI_ST,
    ArrayShared,
    ishigami_task,
)
from multipolar.model.compile import ParamSpec


def _factors(d: int = 3, lo: float = -np.pi, hi: float = np.pi) -> list[Factor]:
    return [Factor(f"x{i + 1}", "uncertainty", ParamSpec(f"x{i + 1}", 0.0, "uniform", lo, hi))
            for i in range(d)]


def _run(kind: str, n: int, seed: int = 11, chunk: int = 777, ev: object = None) -> dict:
    d = make_design(kind, _factors(), n, seed=seed)
    y, _ = evaluate(ishigami_task, ArrayShared(d.values), d.rows, 1, ev, chunk=chunk)
    return analyse(d, y[:, 0], "ishigami", seed=seed)


def test_sobol_matches_ishigami_reference() -> None:
    a = _run("sobol", 2048)["sobol"]
    np.testing.assert_allclose(a["S1"], ISHIGAMI_S1, atol=0.05)
    np.testing.assert_allclose(a["ST"], ISHIGAMI_ST, atol=0.05)
    # the reference lies inside (a slightly widened) confidence interval
    for est, conf, ref in zip(a["ST"], a["ST_conf"], ISHIGAMI_ST, strict=True):
        assert abs(est - ref) <= conf + 0.02


def test_chunking_and_executor_do_not_change_results() -> None:
    a = _run("sobol", 256, chunk=100)["sobol"]
    b = _run("sobol", 256, chunk=5000)["sobol"]
    with ProcessEvaluator(2) as ev:
        c = _run("sobol", 256, chunk=300, ev=ev)["sobol"]
    assert a["S1"] == b["S1"] == c["S1"]
    assert a["ST"] == b["ST"] == c["ST"]


def test_feature_scores_rank_like_first_order_indices() -> None:
    a = _run("lhs", 6000)
    eta = a["scores"]["eta2"]
    np.testing.assert_allclose(eta, ISHIGAMI_S1, atol=0.05)
    # x1 enters through sin(x1): monotone-ish, so clearly rank-correlated; x2 through sin^2
    rho = a["scores"]["spearman"]
    assert abs(rho[0]) > 0.3 and abs(rho[1]) < 0.1 and abs(rho[2]) < 0.1


def test_morris_on_a_linear_function_gives_the_slopes() -> None:
    # y = 1*x1 + 3*x2 + 0*x3 on [0, 2]: every elementary effect, on the unit scale of each
    # factor, is coefficient * range, so mu* = (2, 6, 0) exactly and sigma = 0.
    from multipolar.explore.evaluate import ChunkOutput

    d = make_design("morris", _factors(3, 0.0, 2.0), 20, seed=5)
    y = d.values @ np.array([1.0, 3.0, 0.0])
    a = analyse(d, y, "linear", seed=5)["morris"]
    np.testing.assert_allclose(a["mu_star"], [2.0, 6.0, 0.0], atol=1e-5)
    np.testing.assert_allclose(a["sigma"], [0.0, 0.0, 0.0], atol=1e-5)
    assert ChunkOutput(0, 1, np.zeros((1, 1))).kept is None


def test_morris_ranks_ishigami_x3_last_by_mu_but_not_by_sigma() -> None:
    a = _run("morris", 200)["morris"]
    # x3 acts only through its interaction with x1: large sigma relative to |mu|
    assert a["sigma"][2] > abs(a["mu"][2])
    assert a["mu_star"][1] > 0


@given(st.integers(min_value=0, max_value=2**31 - 1))
@settings(max_examples=20, deadline=None)
def test_correlation_ratio_is_about_zero_for_independent_noise(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(size=2000), rng.normal(size=2000)
    assert 0.0 <= correlation_ratio(x, y) < 0.03


def test_correlation_ratio_is_one_for_a_function_of_x() -> None:
    x = np.linspace(0, 1, 4000)
    assert correlation_ratio(x, np.cos(6 * x), bins=40) > 0.97


@pytest.mark.parametrize("kind", ["lhs", "factorial"])
def test_other_designs_rank_by_rank_correlation(kind: str) -> None:
    d = make_design(kind, _factors(), 500 if kind == "lhs" else 8, seed=2, levels=8)
    y = 5 * d.values[:, 2] + d.values[:, 0]
    a = analyse(d, y, "lin")
    assert a["ranking"][:2] == ["x3", "x1"]
    assert d.rows == (500 if kind == "lhs" else 512)


def test_local_evaluator_is_the_default() -> None:
    d = make_design("lhs", _factors(), 50, seed=1)
    y1, _ = evaluate(ishigami_task, ArrayShared(d.values), d.rows, 1)
    y2, _ = evaluate(ishigami_task, ArrayShared(d.values), d.rows, 1, LocalEvaluator())
    np.testing.assert_array_equal(y1, y2)


def test_small_samples_are_flagged_and_large_ones_are_not() -> None:
    small = _run("sobol", 64)
    assert any("Sobol base samples" in w and "raise -n" in w for w in small["warnings"])
    assert any("95% intervals" in w for w in small["warnings"])
    large = _run("sobol", 2048)
    assert not [w for w in large["warnings"] if "base samples" in w]
    morris = _run("morris", 4)
    assert any("Morris trajectories" in w for w in morris["warnings"])
    lhs = _run("lhs", 50)
    assert any("cannot be told from noise" in w for w in lhs["warnings"])
    assert not _run("lhs", 6000)["warnings"]


def test_every_analysis_explains_its_measures() -> None:
    a = _run("sobol", 256)
    assert {"S1", "ST", "rho", "eta2"} <= set(a["explain"])
    assert "alone" in a["explain"]["S1"] and "interactions" in a["explain"]["ST"]
