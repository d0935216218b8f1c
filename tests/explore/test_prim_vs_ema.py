"""Our PRIM against the EMA Workbench's (Kwakkel 2017), the reference implementation for
scenario discovery, on the same data and settings: the peeling trajectories agree."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from multipolar.explore.prim import prim

pd = pytest.importorskip("pandas")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    eprim = pytest.importorskip("ema_workbench.analysis.prim")


@pytest.mark.parametrize(("seed", "noise"), [(1, 0.0), (2, 0.1), (3, 0.2), (4, 0.05)])
def test_peeling_trajectory_matches_the_ema_workbench(seed: int, noise: float) -> None:
    rng = np.random.default_rng(seed)
    x = rng.uniform(size=(4000, 5))
    y = (x[:, 0] > 0.6) & (x[:, 1] < 0.4)
    y = np.where(rng.uniform(size=4000) < noise, ~y, y)
    ours = prim(x, y.astype(float), threshold=0.8, alpha=0.05, mass_min=0.05).trajectory
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ema = eprim.Prim(pd.DataFrame(x, columns=[f"x{i}" for i in range(5)]), y,
                         threshold=0.8, peel_alpha=0.05, mass_min=0.05).find_box()
    tr = ema.peeling_trajectory
    cov, dens = tr["coverage"].to_numpy(), tr["density"].to_numpy()
    # we stop once no peel raises the density; the Workbench goes on down to mass_min, so the
    # shared part is our trajectory's length
    k = len(ours)
    assert len(tr) >= k
    assert np.abs(cov[:k] - [b.coverage for b in ours]).max() < 0.03
    assert np.abs(dens[:k] - [b.density for b in ours]).max() < 0.015
    # and nowhere is our box better than anything the Workbench found at that coverage
    # by more than sampling noise (the two peel on quantiles computed slightly differently)
    for b in ours:
        assert b.density <= dens[cov >= b.coverage - 1e-9].max() + 0.015
    # the first box dense enough restricts the same two factors in both
    first = next(i for i, b in enumerate(ours) if b.density >= 0.8)
    lims = ema.box_lims[first]
    ema_restricted = {c for c in lims.columns
                      if lims[c].iloc[0] > x[:, int(c[1:])].min() + 1e-9
                      or lims[c].iloc[1] < x[:, int(c[1:])].max() - 1e-9}
    ours_restricted = {f"x{j}" for j in ours[first].restricted}
    assert {"x0", "x1"} <= ours_restricted and {"x0", "x1"} <= ema_restricted
    assert ours[first].lower[0] == pytest.approx(lims["x0"].iloc[0], abs=0.03)
    assert ours[first].upper[1] == pytest.approx(lims["x1"].iloc[1], abs=0.03)
