"""The mechanisms' numerical helpers give the numbers of the NumPy expressions they stand for."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from multipolar.model.mechanisms._maths import count_true, share_true


@settings(max_examples=60, deadline=None)
@given(rows=st.integers(0, 300), members=st.integers(0, 40), actors=st.integers(1, 25),
       p=st.floats(0.0, 1.0), seed=st.integers(0, 2**32 - 1))
def test_counts_and_shares_of_true_are_numpys(rows: int, members: int, actors: int,
                                              p: float, seed: int) -> None:
    """count_true and share_true: the bytes of sum and mean over the first axis in float32,
    for any number of rows (more than a byte counts as well)."""
    mask = np.random.default_rng(seed).random((rows, members, actors)) < p
    got = count_true(mask)
    want = mask.sum(axis=0, dtype=np.float32)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert got.tobytes() == want.tobytes()
    if rows:  # a mean of no rows is NaN with a warning, as NumPy's
        got = share_true(mask)
        want = mask.mean(axis=0, dtype=np.float32)
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes()


def test_a_count_takes_every_row_and_only_true() -> None:
    mask = np.zeros((7, 2, 3), dtype=bool)
    mask[:, 0, 0] = True
    mask[2, 1, 2] = True
    got = count_true(mask)
    assert got[0, 0] == 7 and got[1, 2] == 1 and got.sum() == 8
    assert share_true(mask)[0, 0] == 1.0
