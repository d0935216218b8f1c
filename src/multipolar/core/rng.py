"""Counter-based random numbers, vectorised over ensemble members.

The neighbourhood model advances all members at once, so it cannot hold one
:class:`numpy.random.Generator` per member. Instead every random number is a pure function of
``(member key, stream, year, actor)``: a SplitMix64 hash of the member's 64-bit key (derived
from the master seed's :class:`~numpy.random.SeedSequence` and the member's *global* index) and
a counter. Hence a member's draws never depend on chunking, ordering or the executor, and a
plain per-member implementation (the Mesa peer) can reproduce them exactly.
Depends only on NumPy (and SciPy's ``ndtri`` for normal deviates).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import ndtri

from multipolar.core.seeding import SeedLike, seed_sequence

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / float(1 << 53)


def splitmix64(x: np.ndarray) -> np.ndarray:
    """The SplitMix64 finaliser applied elementwise to a ``uint64`` array (wrapping)."""
    z = np.asarray(x, dtype=np.uint64)
    if z.ndim == 0:
        with np.errstate(over="ignore"):
            z = z + _GOLDEN
            z = (z ^ (z >> _S30)) * _M1
            z = (z ^ (z >> _S27)) * _M2
            return z ^ (z >> _S31)
    return _mixed(z.copy())  # a new array: the caller's is left as it was


def _mixed(z: np.ndarray) -> np.ndarray:
    """:func:`splitmix64` of a ``uint64`` array the caller made for this and gives up.

    The same operations, written into ``z`` instead of a copy of it.
    """
    if z.ndim == 0:
        return splitmix64(z)
    with np.errstate(over="ignore"):
        z += _GOLDEN
        t = z >> _S30
        z ^= t
        z *= _M1
        np.right_shift(z, _S27, out=t)
        z ^= t
        z *= _M2
        np.right_shift(z, _S31, out=t)
        z ^= t
    return z


def master_key(seed: SeedLike) -> np.uint64:
    """The 64-bit master key of ``seed``, drawn from its :class:`~numpy.random.SeedSequence`."""
    return np.uint64(seed_sequence(seed).generate_state(1, dtype=np.uint64)[0])


def member_keys(seed: SeedLike, start: int, stop: int) -> np.ndarray:
    """Keys of global members ``start .. stop-1``: ``splitmix64(master ^ splitmix64(i))``."""
    idx = np.arange(start, stop, dtype=np.uint64)
    return splitmix64(splitmix64(idx) ^ master_key(seed))


def _counter(stream: int, year: int, actor: np.ndarray | int) -> np.ndarray:
    c = (np.uint64(stream) << np.uint64(40)) ^ (np.uint64(year & 0xFFFF) << np.uint64(20))
    return splitmix64(c ^ np.asarray(actor, dtype=np.uint64))


def _actors(n_actors: int | None, columns: np.ndarray | None) -> np.ndarray | int:
    if columns is not None:
        return np.asarray(columns, dtype=np.uint64)
    return 0 if n_actors is None else np.arange(n_actors, dtype=np.uint64)


_COUNTERS: dict[tuple[int, int, int | None, str, bytes], np.ndarray] = {}
_COUNTERS_MAX = 8192


def _counters(stream: int, year: int, n_actors: int | None, columns: np.ndarray | None
              ) -> np.ndarray:
    """``_counter(stream, year, _actors(n_actors, columns))``, kept for the next chunk.

    The hashed counters depend only on the stream, the year and the actors, not on the
    members, so every chunk of a run (and every run of a model) needs the same ones: they are
    kept (read-only) instead of being hashed again (at most ``_COUNTERS_MAX``; then forgotten).
    """
    if columns is None:
        key = (stream, year, n_actors, "", b"")
    else:
        cols = np.asarray(columns)
        key = (stream, year, None, cols.dtype.str, cols.tobytes())
    got = _COUNTERS.get(key)
    if got is None:
        if len(_COUNTERS) >= _COUNTERS_MAX:
            _COUNTERS.clear()
        got = np.asarray(_counter(stream, year, _actors(n_actors, columns)))
        got.flags.writeable = False
        _COUNTERS[key] = got
    return got


_BLOCK = 1 << 15
"""Numbers drawn at a time: a larger draw is made in blocks of members, so that the hash's
arrays stay in a core's cache (about twice as fast for the world's 1,000 members x 192 states;
every number is computed as it would be in one block)."""


def _in_blocks(draw: Any, keys: np.ndarray, stream: int, year: int, n_actors: int | None,
               columns: np.ndarray | None, dtypes: tuple[type, ...]) -> Any:
    """``draw(keys, stream, year, n_actors, columns)``, made in blocks of members if large.

    Blocks of about :data:`_BLOCK` numbers; ``dtypes`` are those of the array(s) ``draw``
    returns.
    """
    n = keys.shape[0]
    width = 1 if columns is None and n_actors is None else \
        (int(n_actors or 0) if columns is None else len(columns))
    if n * width <= 2 * _BLOCK or width == 0:
        return draw(keys, stream, year, n_actors, columns)
    rows = max(1, _BLOCK // width)
    shape: tuple[int, ...] = (n,) if n_actors is None and columns is None else (n, width)
    outs: tuple[np.ndarray, ...] = tuple(np.empty(shape, dtype=d) for d in dtypes)
    for s in range(0, n, rows):
        got = draw(keys[s:s + rows], stream, year, n_actors, columns)
        for o, g in zip(outs, got if len(outs) > 1 else (got,), strict=True):
            o[s:s + rows] = g
    return outs if len(outs) > 1 else outs[0]


def _uniform(keys: np.ndarray, stream: int, year: int, n_actors: int | None,
             columns: np.ndarray | None) -> np.ndarray:
    k = keys if n_actors is None and columns is None else keys[:, None]
    return _uniform_of(_mixed(k ^ _counters(stream, year, n_actors, columns)))


def _uniform_of(h: np.ndarray) -> np.ndarray:
    """:func:`uniform`'s numbers from the hashes ``h`` (which this consumes)."""
    h >>= _S11
    u = h.view(np.int64).astype(np.float64)
    u += 0.5
    u *= _INV53
    return u


def uniform(keys: np.ndarray, stream: int, year: int, n_actors: int | None = None, *,
            columns: np.ndarray | None = None) -> np.ndarray:
    """Uniform draws in (0, 1): shape ``(members,)`` or ``(members, n_actors)``.

    ``columns`` (actor indices) draws only those columns of the ``(members, n_actors)`` array,
    with the same values, shaped ``(members, len(columns))``.
    """
    return _in_blocks(_uniform, keys, stream, year, n_actors, columns, (np.float64,))


def _normal(keys: np.ndarray, stream: int, year: int, n_actors: int | None,
            columns: np.ndarray | None) -> np.ndarray:
    u = _uniform(keys, stream, year, n_actors, columns)
    return np.asarray(ndtri(u, out=u))


def normal(keys: np.ndarray, stream: int, year: int, n_actors: int | None = None, *,
           columns: np.ndarray | None = None) -> np.ndarray:
    """Standard normal draws by inverting the CDF of :func:`uniform` draws."""
    return _in_blocks(_normal, keys, stream, year, n_actors, columns, (np.float64,))


_S41 = np.uint64(41)
_INV23 = np.float32(1.0 / float(1 << 23))


def _uniform32(keys: np.ndarray, stream: int, year: int, n_actors: int | None,
               columns: np.ndarray | None) -> np.ndarray:
    k = keys if n_actors is None and columns is None else keys[:, None]
    h = _mixed(k ^ _counters(stream, year, n_actors, columns))
    h >>= _S41
    u = h.view(np.int64).astype(np.float32)
    u += np.float32(0.5)
    u *= _INV23
    return u


def uniform32(keys: np.ndarray, stream: int, year: int,
              n_actors: int | None = None, *, columns: np.ndarray | None = None) -> np.ndarray:
    """Single-precision uniforms in (0, 1) (23 random bits) for the float32 engine state."""
    return _in_blocks(_uniform32, keys, stream, year, n_actors, columns, (np.float32,))


def _normal32(keys: np.ndarray, stream: int, year: int, n_actors: int | None,
              columns: np.ndarray | None) -> np.ndarray:
    return _normal(keys, stream, year, n_actors, columns).astype(np.float32)


def normal32(keys: np.ndarray, stream: int, year: int,
             n_actors: int | None = None, *, columns: np.ndarray | None = None) -> np.ndarray:
    """Single-precision standard normals (inverse CDF of double-precision uniforms)."""
    return _in_blocks(_normal32, keys, stream, year, n_actors, columns, (np.float32,))


_S9 = np.uint64(9)
_MASK23 = np.uint64((1 << 23) - 1)


def _uniform32x2(keys: np.ndarray, stream: int, year: int, n_actors: int | None,
                 columns: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    k = keys if n_actors is None and columns is None else keys[:, None]
    return _two_uniform32(_mixed(k ^ _counters(stream, year, n_actors, columns)))


def _two_uniform32(h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The two single-precision uniforms of each hash in ``h`` (which this consumes)."""
    a = (h >> _S41).view(np.int64).astype(np.float32)
    a += np.float32(0.5)
    a *= _INV23
    h >>= _S9
    h &= _MASK23
    b = h.view(np.int64).astype(np.float32)
    b += np.float32(0.5)
    b *= _INV23
    return a, b


def uniform32x2(keys: np.ndarray, stream: int, year: int, n_actors: int | None = None, *,
                columns: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Two independent single-precision uniform arrays from one hash (bits 41-63 and 9-31)."""
    a, b = _in_blocks(_uniform32x2, keys, stream, year, n_actors, columns,
                      (np.float32, np.float32))
    return a, b


def uniform32x2_streams(keys: np.ndarray, streams: list[int], year: int, *,
                        columns: np.ndarray) -> list[np.ndarray]:
    """:func:`uniform32x2` of several streams over the same ``columns``, hashed in one pass.

    ``[a, b]`` of the first stream, then of the second ...: each ``(members, len(columns))``,
    the same numbers as one call per stream (:func:`uniform32x2_draws`).
    """
    return uniform32x2_draws(keys, year, [(s, columns) for s in streams])


def uniform32x2_draws(keys: np.ndarray, year: int,
                      draws: list[tuple[int, np.ndarray]]) -> list[np.ndarray]:
    """:func:`uniform32x2` of several ``(stream, columns)`` draws, hashed in one pass.

    ``[a, b]`` of the first draw, then of the second ...: each ``(members, len(columns))``,
    the same numbers as one call per draw (the counters of every draw side by side). The
    first of the pair is also :func:`uniform32`'s number.
    """
    parts = [_counters(s, year, None, np.asarray(c)) for s, c in draws]
    counters = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)
    a, b = _of_counters(_two_uniform32, keys, counters, (np.float32, np.float32))
    out, at = [], 0
    for part in parts:
        out += [a[:, at:at + part.size], b[:, at:at + part.size]]
        at += part.size
    return out


def _of_counters(finish: Any, keys: np.ndarray, counters: np.ndarray,
                 dtypes: tuple[type, ...]) -> Any:
    """``finish`` of the hashes of every member's key with every counter.

    The hashes are ``(members, counters)``, made in blocks of members if large
    (:func:`_in_blocks`).
    """
    def draw(k: np.ndarray, *_: Any) -> Any:
        return finish(_mixed(k[:, None] ^ counters))

    return _in_blocks(draw, keys, 0, 0, None, counters, dtypes)


def _normal32_of(h: np.ndarray) -> np.ndarray:
    """:func:`normal32`'s numbers from the hashes ``h`` (which this consumes)."""
    u = _uniform_of(h)
    return np.asarray(ndtri(u, out=u)).astype(np.float32)


def uniform_streams(keys: np.ndarray, streams: list[int], year: int) -> np.ndarray:
    """``(members, streams)``: column ``i`` is :func:`uniform` ``(keys, streams[i], year)``.

    One number per member and stream, every stream hashed in one pass (the same numbers).
    """
    counters = np.array([_counters(s, year, None, None) for s in streams], dtype=np.uint64)
    got: np.ndarray = _of_counters(_uniform_of, keys, counters, (np.float64,))
    return got


def normal32_streams(keys: np.ndarray, year: int,
                     draws: list[tuple[int, np.ndarray | None]]) -> list[np.ndarray]:
    """:func:`normal32` of several ``(stream, columns)`` draws, hashed in one pass.

    Columns None is one number per member, ``(members,)``; else ``(members, len(columns))``.
    The same numbers as one call per draw.
    """
    parts = [_counters(s, year, None, None if c is None else np.asarray(c)).reshape(-1)
             for s, c in draws]
    counters = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)
    z = _of_counters(_normal32_of, keys, counters, (np.float32,))
    out, at = [], 0
    for (_, c), part in zip(draws, parts, strict=True):
        out.append(z[:, at] if c is None else z[:, at:at + part.size])
        at += part.size
    return out
