"""PRIM on synthetic data whose box of interest is known."""

from __future__ import annotations

import numpy as np
import pytest

from multipolar.core.errors import MultipolarError
from multipolar.explore.prim import prim


def _data(seed: int = 1, n: int = 4000, noise: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(n, 5))
    y = (x[:, 0] > 0.6) & (x[:, 1] < 0.4)
    flip = rng.uniform(size=n) < noise
    return x, np.where(flip, ~y, y).astype(float)


def test_finds_the_known_box() -> None:
    x, y = _data()
    r = prim(x, y, [f"x{i}" for i in range(5)], threshold=0.95)
    b = r.box
    assert sorted(b.restricted) == [0, 1]
    assert b.lower[0] == pytest.approx(0.6, abs=0.03)
    assert b.upper[1] == pytest.approx(0.4, abs=0.03)
    assert b.coverage > 0.9 and b.density > 0.95
    assert all(b.p_values[j] < 1e-6 for j in (0, 1))


def test_trajectory_trades_coverage_for_density() -> None:
    x, y = _data(seed=2, noise=0.1)
    r = prim(x, y, threshold=0.9)
    cov = np.array([b.coverage for b in r.trajectory])
    den = np.array([b.density for b in r.trajectory])
    mass = np.array([b.mass for b in r.trajectory])
    assert r.trajectory[0].coverage == 1.0
    assert r.trajectory[0].density == pytest.approx(y.mean())
    assert np.all(np.diff(cov) <= 1e-12) and np.all(np.diff(mass) < 0)
    assert np.all(np.diff(den) > 0)
    assert mass[-1] <= 0.06 or len(r.trajectory) > 5
    # with 10% of labels flipped the box cannot be purer than about 90%
    assert r.box.density < 0.97


def test_irrelevant_factor_is_not_restricted() -> None:
    x, y = _data(seed=3)
    r = prim(x, y, threshold=0.95)
    assert not set(r.box.restricted) & {2, 3, 4}


def test_errors_on_bad_targets() -> None:
    x, _ = _data()
    with pytest.raises(MultipolarError, match="yes/no"):
        prim(x, np.linspace(0, 1, x.shape[0]))
    with pytest.raises(MultipolarError, match="never"):
        prim(x, np.zeros(x.shape[0]))


def test_to_dict_names_restricted_factors() -> None:
    x, y = _data()
    d = prim(x, y, [f"f{i}" for i in range(5)], threshold=0.95).to_dict()
    assert set(d["box"]["limits"]) == {"f0", "f1"}
    assert d["cases_of_interest"] == int(y.sum())
