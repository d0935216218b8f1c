"""Profiles of a fit (multipolar.calibrate.identify) on objectives whose answer is known.

``f(x, y, z) = |x + y - 1| + |x - 0.3| / 4`` (plus a little seed noise): ``x`` and ``y`` trade
off along a ridge, ``z`` does not enter. With the others fixed at the optimum both ``x`` and
``y`` look identified; searched again (``refit``), ``y`` stays identified but the ridge shows:
``x``'s profile is shallower. ``z`` is flat either way.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from multipolar.calibrate.identify import (
    IDENTIFIED,
    NOT_IDENTIFIED,
    at_bound,
    noise_seeds,
    profile,
)


@dataclasses.dataclass
class Toy:
    names: list[str]
    lo: np.ndarray
    hi: np.ndarray
    seed: int
    noise: float = 1e-4
    calls: int = 0

    def reseeded(self, seed: int) -> Toy:
        return dataclasses.replace(self, seed=seed)

    def mae(self, theta: np.ndarray) -> float:
        self.calls += 1
        x, y, _z = np.clip(theta, self.lo, self.hi)
        shift = self.noise * (self.seed % 7) / 7  # the same at every theta: a level, as CRN
        return float(abs(x + y - 1) + abs(x - 0.3) / 4 + 0.1 + shift)


def toy() -> Toy:
    return Toy(["x", "y", "z"], np.array([0.0, 0.0, 0.0]), np.array([1.0, 1.0, 1.0]), seed=3)


BEST = np.array([0.3, 0.7, 0.5])


def test_a_parameter_that_does_not_enter_is_flat_and_the_others_are_identified() -> None:
    ident = profile(toy(), BEST, method="fixed", points=11)
    assert ident.parameters["z"].status == NOT_IDENTIFIED
    assert ident.parameters["z"].plausible is None
    assert max(ident.parameters["z"].objective) == min(ident.parameters["z"].objective)
    for k in ("x", "y"):
        p = ident.parameters[k]
        assert p.status == IDENTIFIED, k
        assert p.plausible is not None
        lo, hi = p.plausible
        assert lo < BEST[ident_index(k)] < hi and hi - lo < 0.1
    assert ident.optimum == pytest.approx(0.1 + 1e-4 * 3 / 7)
    assert ident.evaluations == 1 + 4 + 3 * 10  # optimum, noise, the grids (fit on the grid)


def ident_index(k: str) -> int:
    return ["x", "y", "z"].index(k)


def test_refit_follows_the_ridge_that_fixed_profiles_hide() -> None:
    fixed = profile(toy(), BEST, method="fixed", points=11)
    refit = profile(toy(), BEST, method="refit", points=11, refit_maxiter=200)
    # along x, y makes up for it: the refit profile rises only by |x - 0.3| / 4
    assert refit.parameters["x"].rise_high < 0.5 * fixed.parameters["x"].rise_high
    assert refit.parameters["x"].rise_high == pytest.approx(0.7 / 4, abs=0.01)
    w_fixed = np.subtract(*fixed.parameters["x"].plausible[::-1])  # type: ignore[index]
    w_refit = np.subtract(*refit.parameters["x"].plausible[::-1])  # type: ignore[index]
    assert w_refit > w_fixed
    assert refit.parameters["z"].status == NOT_IDENTIFIED
    assert refit.method == "refit" and refit.evaluations > 11 * 3 * 20


def test_a_value_at_an_end_of_its_range_is_decided_by_the_bound() -> None:
    assert at_bound(0.02, 0.02, 0.5) == "lower"
    assert at_bound(0.4999, 0.02, 0.5) == "upper"
    assert at_bound(0.2, 0.02, 0.5) is None
    t = toy()
    t.lo = np.array([0.4, 0.0, 0.0])  # the optimum of x (0.3) lies outside: the bound decides
    ident = profile(t, np.array([0.4, 0.6, 0.5]), points=5)
    assert ident.parameters["x"].at_bound == "lower"
    assert ident.parameters["y"].at_bound is None


def test_noise_raises_the_tolerance_and_its_seeds_are_keyed_by_the_seed() -> None:
    assert noise_seeds(3) == noise_seeds(3) and noise_seeds(3) != noise_seeds(4)
    quiet = profile(toy(), BEST, points=5)
    loud = profile(dataclasses.replace(toy(), noise=0.5), BEST, points=5)
    assert loud.noise > 10 * quiet.noise
    assert loud.tolerance == pytest.approx(loud.noise)
    assert quiet.tolerance == pytest.approx(0.005 * quiet.optimum)
    # a rise below the noise is no evidence: the plausible range of x widens with it
    w_quiet = np.subtract(*quiet.parameters["x"].plausible[::-1])  # type: ignore[index]
    w_loud = np.subtract(*loud.parameters["x"].plausible[::-1])  # type: ignore[index]
    assert w_loud > w_quiet


def test_an_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="profile method"):
        profile(toy(), BEST, method="bayes")
