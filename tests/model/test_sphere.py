"""The sphere of influence: whose sphere a neighbour is in (fidelity.md, section d)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from multipolar.model.mechanisms.sphere import (
    CHANNEL_OUTCOMES,
    CHANNELS,
    RUSSIA,
    SPHERE_WEIGHTS,
    Sphere,
)
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


def _channel_medians(sets: tuple[tuple[str, object], ...], actor: str, year: int = 2030
                     ) -> dict[str, float]:
    entry = summarise(run(sets, members=200))["sphere_channels"][actor][str(year)]
    return {c: q["median"] for c, q in entry.items()}


def test_summary_keeps_russias_share_per_channel() -> None:
    res = run()
    s = summarise(res)
    ch = s["sphere_channels"]
    assert "Russia" not in ch and set(ch) == set(s["sphere"])
    q = ch["Belarus"]["2030"]
    assert list(q) == list(CHANNELS)
    for c in CHANNELS:
        assert set(q[c]) == set(QUANTILES)
        assert q[c]["p05"] <= q[c]["median"] <= q[c]["p95"]
        j, t = res.actors.index("Belarus"), list(res.years).index(2030)
        want = float(np.median(res.actor_outcomes[CHANNEL_OUTCOMES[c]][:, t, j]))
        assert q[c]["median"] == pytest.approx(want, abs=1e-6)
    # the channels are not one number four times: they differ in the model
    meds = sorted(v["median"] for v in q.values())
    assert min(b - a for a, b in itertools.pairwise(meds)) > 0.01, q
    # member by member, the weighted channels are the combined share
    combined = sum(SPHERE_WEIGHTS[k] * res.actor_outcomes[CHANNEL_OUTCOMES[c]]
                   for k, c in enumerate(CHANNELS))
    assert np.allclose(combined, res.actor_outcomes["sphere_russia"], atol=1e-5)


def test_channel_shares_move_with_the_lever_of_their_channel() -> None:
    """The EU's offer moves trade and investment; coercion's weight in arms moves arms only."""
    hi = _channel_medians((("levers.eu_offer", 1.0),), "Moldova")
    lo = _channel_medians((("levers.eu_offer", 0.0),), "Moldova")
    assert hi["trade"] < lo["trade"] - 0.02 and hi["investment"] < lo["investment"] - 0.01
    assert abs(hi["arms"] - lo["arms"]) < 0.002 and abs(hi["security"] - lo["security"]) < 0.002
    path = "mechanisms.sphere.params.arms_coercion"
    hi = _channel_medians(((path, 1.0),), "Ukraine")
    lo = _channel_medians(((path, 0.0),), "Ukraine")
    assert hi["arms"] < lo["arms"] - 0.1
    for c in ("trade", "security", "investment"):
        assert hi[c] == pytest.approx(lo[c], abs=1e-6)


def test_the_plane_layout_gives_the_numbers_of_the_plain_layout() -> None:
    """The engine stores the sphere plane by plane (``_planes``); the step, its outcomes and
    the pushes of other mechanisms must give the same bits as on a plain C-ordered array."""
    from multipolar.model.mechanisms.sphere import _planes, sphere_shares

    contract = TestSpherePush()
    plain, planes = make_state(5, n=37), make_state(5, n=37)
    for name in ("sphere", "sphere_push"):
        arr = _planes(getattr(plain, name).shape, np.float32)
        arr[...] = getattr(plain, name)
        assert not arr.flags.c_contiguous
        setattr(planes, name, arr)
    for st in (plain, planes):
        st.sphere_push[..., RUSSIA] -= np.float32(0.3)
        st.sphere_push[:, :, 1, 2] += np.linspace(0, 0.2, 37, dtype=np.float32)[:, None]
        for _ in range(3):
            Sphere().step(st, contract.context())
    assert not planes.sphere.flags.c_contiguous
    assert planes.sphere.tobytes(order="C") == plain.sphere.tobytes(order="C")
    assert not np.all(plain.sphere == make_state(5, n=37).sphere)  # the step moved it
    assert sphere_shares(planes.sphere).tobytes() == sphere_shares(plain.sphere).tobytes()
