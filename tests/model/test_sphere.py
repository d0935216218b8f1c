"""The sphere of influence: whose sphere a neighbour is in (fidelity.md, section d)."""

from __future__ import annotations

import numpy as np

from multipolar.model.mechanisms.sphere import RUSSIA, SPHERE_WEIGHTS, Sphere
from multipolar.model.summary import QUANTILES, summarise

from .conftest import run
from .mechanisms.contract import MechanismContract, make_state


def test_shares_sum_to_one_for_neighbours_and_zero_for_outside_powers() -> None:
    res = run()
    total = sum(res.actor_outcomes[k] for k in ("sphere_russia", "sphere_china", "sphere_west"))
    for j, a in enumerate(res.actors):
        expected = 0.0 if a == "Russia" or not np.any(total[:, :, j] > 0) else 1.0
        assert np.allclose(total[:, :, j], expected, atol=1e-4), a
    assert np.allclose(total[:, :, res.actors.index("Kazakhstan")], 1.0, atol=1e-4)
    assert np.isclose(SPHERE_WEIGHTS.sum(), 1.0)


def test_summary_has_the_sphere_entry_in_the_documented_shape() -> None:
    res = run()
    s = summarise(res)
    entry = s["sphere"]
    assert "Russia" not in entry
    q = entry["Kazakhstan"]["2030"]
    assert set(q) == {"russia", "china", "west"}
    assert set(q["russia"]) == set(QUANTILES)
    assert q["russia"]["p05"] <= q["russia"]["median"] <= q["russia"]["p95"]
    # Belarus is in Russia's sphere far more than Estonia is
    assert entry["Belarus"]["2030"]["russia"]["median"] > \
        entry["Estonia"]["2030"]["russia"]["median"] + 0.3


class TestSpherePush(MechanismContract):
    """The contract, plus: a push against Russia lowers Russia's share, and rows sum to 1."""

    mechanism = Sphere

    def test_push_against_russia_lowers_its_share(self) -> None:
        base = self.stepped()
        st = make_state(1)
        st.sphere_push[..., RUSSIA] -= 0.5
        cx = self.context()
        Sphere().step(st, cx)
        nb = [1, 2, 3, 4]
        assert (st.sphere[:, nb, :, RUSSIA] < base.sphere[:, nb, :, RUSSIA]).all()
        assert np.allclose(st.sphere[:, nb].sum(axis=-1), 1.0, atol=1e-5)
        assert np.allclose(st.sphere[:, 0], 0.0)
