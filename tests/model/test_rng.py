"""The counter-based streams: pure functions of (member key, stream, year, actor)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from multipolar.core import rng


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32), start=st.integers(0, 10_000), n=st.integers(1, 50),
       stream=st.integers(0, 999), year=st.integers(1900, 2100),
       cols=st.lists(st.integers(0, 18), min_size=1, max_size=19, unique=True))
def test_column_subsets_draw_the_same_numbers(seed: int, start: int, n: int, stream: int,
                                              year: int, cols: list[int]) -> None:
    keys = rng.member_keys(seed, start, start + n)
    c = np.array(sorted(cols))
    full_u = rng.uniform(keys, stream, year, 19)
    assert np.array_equal(rng.uniform(keys, stream, year, columns=c), full_u[:, c])
    assert np.array_equal(rng.normal32(keys, stream, year, 19, columns=c),
                          rng.normal32(keys, stream, year, 19)[:, c])
    assert np.array_equal(rng.uniform32(keys, stream, year, columns=c),
                          rng.uniform32(keys, stream, year, 19)[:, c])
    a, b = rng.uniform32x2(keys, stream, year, 19)
    a2, b2 = rng.uniform32x2(keys, stream, year, columns=c)
    assert np.array_equal(a2, a[:, c]) and np.array_equal(b2, b[:, c])


def test_splitmix64_matches_the_reference_sequence() -> None:
    # SplitMix64 as published by Vigna (state 0 then the golden-ratio increments): the first
    # outputs are 0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F
    state = np.arange(3, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    out = rng.splitmix64(state)
    assert [int(v) for v in out] == [0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4,
                                     0x06C45D188009454F]
    # the scalar path agrees with the array path
    assert int(rng.splitmix64(np.uint64(0))) == int(out[0])


def test_uniforms_are_inside_the_open_interval_and_roughly_uniform() -> None:
    keys = rng.member_keys(3, 0, 20_000)
    for u in (rng.uniform(keys, 1, 2000, 19), rng.uniform32(keys, 2, 2000, 19),
              *rng.uniform32x2(keys, 3, 2000, 19)):
        assert u.min() > 0 and u.max() < 1
        # 380,000 draws: the mean is within 5 standard errors of 1/2
        assert abs(float(u.mean()) - 0.5) < 5 * (1 / 12) ** 0.5 / len(u.ravel()) ** 0.5
    z = rng.normal(keys, 4, 2000, 19)
    assert abs(float(z.mean())) < 0.01 and abs(float(z.std()) - 1) < 0.01


@settings(max_examples=30, deadline=None)
@given(stream=st.integers(0, 999), year=st.integers(1900, 2100),
       n_actors=st.one_of(st.none(), st.integers(1, 30)),
       cols=st.one_of(st.none(), st.lists(st.integers(0, 192), min_size=1, max_size=12,
                                          unique=True)))
def test_kept_counters_are_the_hashed_counters(stream: int, year: int, n_actors: int | None,
                                               cols: list[int] | None) -> None:
    """The counters kept between chunks are those hashed afresh, and cannot be changed."""
    columns = None if cols is None else np.array(cols)
    fresh = rng._counter(stream, year, rng._actors(n_actors, columns))
    for _ in range(2):  # made, then kept
        kept = rng._counters(stream, year, n_actors, columns)
        assert np.array_equal(kept, fresh) and kept.shape == np.shape(fresh)
        assert not kept.flags.writeable
    if columns is not None:  # the same actors given another integer type are the same
        assert np.array_equal(rng._counters(stream, year, None, columns.astype(np.int32)),
                              fresh)
    keys = rng.member_keys(3, 0, 5)
    first = rng.uniform(keys, stream, year, n_actors, columns=columns)
    assert np.array_equal(first, rng.uniform(keys, stream, year, n_actors, columns=columns))


def test_large_draws_made_in_blocks_are_the_draws_made_at_once() -> None:
    """Draws above rng._BLOCK numbers are made block by block of members: the same numbers."""
    keys = rng.member_keys(11, 0, 4001)
    cols = np.arange(0, 40, 2)  # 4,001 x 20 numbers: more than twice a block
    assert keys.size * cols.size > 2 * rng._BLOCK
    for name in ("uniform", "normal", "uniform32", "normal32"):
        whole = getattr(rng, "_" + name)(keys, 77, 2031, None, cols)
        got = getattr(rng, name)(keys, 77, 2031, columns=cols)
        assert got.dtype == whole.dtype and got.tobytes() == whole.tobytes(), name
        got = getattr(rng, name)(keys, 77, 2031, 40)
        assert got.tobytes() == getattr(rng, "_" + name)(keys, 77, 2031, 40, None).tobytes()
    a, b = rng.uniform32x2(keys, 5, 2040, columns=cols)
    a0, b0 = rng._uniform32x2(keys, 5, 2040, None, cols)
    assert a.tobytes() == a0.tobytes() and b.tobytes() == b0.tobytes()
    big = rng.member_keys(2, 0, 70_000)  # one number per member
    assert rng.uniform(big, 3, 2000).tobytes() == rng._uniform(big, 3, 2000, None, None).tobytes()


@pytest.mark.parametrize("n", [0, 7, 3000])
def test_several_streams_hashed_at_once_are_each_streams_draws(n: int) -> None:
    """uniform32x2_streams gives each stream's uniform32x2, also when made in blocks."""
    keys = rng.member_keys(5, 10, 10 + n)
    cols = np.array([1, 2, 3, 5, 8, 13, 14])
    streams = [200, 201, 202, 203]
    got = rng.uniform32x2_streams(keys, streams, 2027, columns=cols)
    assert len(got) == 2 * len(streams)
    for i, s in enumerate(streams):
        a, b = rng.uniform32x2(keys, s, 2027, columns=cols)
        assert got[2 * i].tobytes() == a.tobytes() and got[2 * i].shape == a.shape
        assert got[2 * i + 1].tobytes() == b.tobytes() and got[2 * i + 1].dtype == b.dtype
    if n:  # another year, another stream: other numbers
        assert not np.array_equal(got[0], rng.uniform32x2_streams(keys, streams, 2028,
                                                                  columns=cols)[0])


@pytest.mark.parametrize("n", [0, 5, 2000])
def test_normal_draws_hashed_at_once_are_each_draws_numbers(n: int) -> None:
    """normal32_streams gives each (stream, columns) draw's normal32, also in blocks."""
    keys = rng.member_keys(8, 3, 3 + n)
    cols = np.arange(1, 40)
    got = rng.normal32_streams(keys, 2031, [(41, cols), (42, None), (43, cols[:3])])
    want = [rng.normal32(keys, 41, 2031, columns=cols), rng.normal32(keys, 42, 2031),
            rng.normal32(keys, 43, 2031, columns=cols[:3])]
    for g, w in zip(got, want, strict=True):
        assert g.shape == w.shape and g.dtype == w.dtype
        assert np.ascontiguousarray(g).tobytes() == w.tobytes()


def test_uniform_pairs_of_several_draws_hashed_at_once_are_each_draws_numbers() -> None:
    """uniform32x2_draws: each (stream, columns) draw's uniform32x2; its first is uniform32."""
    keys = rng.member_keys(9, 0, 50)
    nbi = np.array([1, 2, 4, 7])
    got = rng.uniform32x2_draws(keys, 2030, [(400, np.arange(9)), (402, nbi), (404, nbi)])
    a, b = rng.uniform32x2(keys, 400, 2030, 9)
    assert got[0].tobytes() == a.tobytes() and got[1].tobytes() == b.tobytes()
    a, b = rng.uniform32x2(keys, 402, 2030, columns=nbi)
    assert np.ascontiguousarray(got[2]).tobytes() == a.tobytes()
    assert np.ascontiguousarray(got[3]).tobytes() == b.tobytes()
    assert np.ascontiguousarray(got[4]).tobytes() == \
        rng.uniform32(keys, 404, 2030, columns=nbi).tobytes()


@pytest.mark.parametrize("n", [0, 3, 40_000])
def test_one_uniform_per_stream_hashed_at_once_is_each_streams(n: int) -> None:
    """uniform_streams: column i is uniform(keys, streams[i], year), also in blocks."""
    keys = rng.member_keys(4, 0, n)
    streams = [11, 12, 900, 3]
    got = rng.uniform_streams(keys, streams, 0)
    assert got.shape == (n, len(streams)) and got.dtype == np.float64
    for i, s in enumerate(streams):
        assert np.ascontiguousarray(got[:, i]).tobytes() == rng.uniform(keys, s, 0).tobytes()
