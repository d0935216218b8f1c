"""Small numerical helpers shared by the mechanisms (no model knowledge).

Depends only on NumPy.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np

try:  # NumPy 2
    from numpy._core import umath as _umath
except ImportError:  # NumPy 1.x  # pragma: no cover
    from numpy.core import umath as _umath  # type: ignore[no-redef]

# a private name: should a NumPy release move it, ``np.clip`` (the same values, slower) stands in
clip: Any = _umath.__dict__.get("clip", np.clip)
"""The ufunc behind ``np.clip``: the same values (both bounds given), without its Python
layers (about 2 microseconds a call, a few dozen calls a simulated year)."""

SIGMOID_HALF_WIDTH = 2.5
"""Half the width of :func:`sigmoid`'s S-curve on the log-odds scale: it is 0 below
``-SIGMOID_HALF_WIDTH`` and 1 above ``+SIGMOID_HALF_WIDTH``. It fixes the unit of that scale,
so it is a declared constant rather than a parameter: changing it would only rescale every
declared gain that feeds the curve (``threat_gain``, ``balance_width`` ...), which carry the
model's behaviour."""
_SLOPE = 0.5 / SIGMOID_HALF_WIDTH  # the ramp of t over the curve's width (0.2)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """A smooth S-curve from 0 to 1: the cubic smoothstep of ``z`` over +-``SIGMOID_HALF_WIDTH``.

    It plays the role of the logistic function (same value at 0, and exactly 0 or 1 beyond
    the half-width, so there are no fat tails). Built from basic arithmetic only, it is cheap
    and gives bit-identical results however arrays are chunked.
    """
    t = clip(z * _SLOPE + 0.5, 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def mean_of_two(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The mean of two arrays, ``(a + b) / 2`` (element-wise)."""
    return (a + b) * 0.5


_SQRT3 = math.sqrt(3.0)


def unit_uniform(u: np.ndarray) -> np.ndarray:
    """Map uniforms on (0, 1) to a zero-mean, unit-variance uniform deviate."""
    return (2.0 * u - 1.0) * _SQRT3


_BYTE_COUNT = 255
"""The most rows :func:`count_true` counts as bytes (beyond, it sums in single precision)."""


def count_true(mask: np.ndarray) -> np.ndarray:
    """How many of ``mask``'s rows are true at each place: ``mask.sum(axis=0, dtype=float32)``.

    The same exact counts, summed as bytes: summing booleans in single precision casts every
    element in a buffered loop, about twice as slow at the engine's sizes.
    """
    if mask.dtype != np.bool_ or not 0 < mask.shape[0] <= _BYTE_COUNT:
        return np.asarray(mask.sum(axis=0, dtype=np.float32))
    return np.ascontiguousarray(mask).view(np.uint8).sum(axis=0, dtype=np.uint8) \
        .astype(np.float32)


def share_true(mask: np.ndarray) -> np.ndarray:
    """The share of ``mask``'s rows that are true at each place.

    ``mask.mean(axis=0, dtype=float32)``, divided as ``np.mean`` divides (by the count as an
    ``intp``, in double precision, rounded to single), so the same numbers.
    """
    if not mask.shape[0]:
        return np.asarray(mask.mean(axis=0, dtype=np.float32))
    s = count_true(mask)
    return np.asarray(np.true_divide(s, np.intp(mask.shape[0]), out=s, casting="unsafe"))


def logistic(z: np.ndarray) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-z))``, for hazards fitted as logit models.

    Element-wise, so results do not depend on how arrays are chunked; ``z`` is clipped to
    +-30 to keep ``exp`` finite.
    """
    return 1.0 / (1.0 + np.exp(-clip(z, -30.0, 30.0)))


def carried_forward(arr: np.ndarray | None, shape: tuple[int, int]) -> np.ndarray:
    """``(years, actors)`` float32 values carried forward from the last finite one.

    Zeros before any, and zeros when ``arr`` is None.
    """
    if arr is None:
        return np.zeros(shape, dtype=np.float32)
    ok = np.isfinite(arr)
    idx = np.where(ok, np.arange(arr.shape[0])[:, None], -1)
    idx = np.maximum.accumulate(idx, axis=0)
    out = np.take_along_axis(np.nan_to_num(arr, nan=0.0), np.maximum(idx, 0), axis=0)
    return np.where(idx >= 0, out, 0.0).astype(np.float32)


_RUNS: dict[int, tuple[np.ndarray, list[tuple[int, int, int]] | None]] = {}


def put_columns(dst: np.ndarray, cols: np.ndarray, values: np.ndarray) -> None:
    """``dst[:, cols] = values``, by slices where ``cols`` are a few runs of consecutive columns.

    The world's neighbours are every state but Russia: two slices copy them several times
    faster than an index array does (the same numbers: it is a copy). The runs of ``cols`` are
    kept for the next call with the same (unchanged) array.
    """
    got = _RUNS.get(id(cols))
    if got is None or got[0] is not cols:
        c = np.asarray(cols)
        runs: list[tuple[int, int, int]] | None = None
        if c.ndim == 1 and c.size and c.dtype.kind in "iu" and c.min() >= 0:
            starts = np.flatnonzero(np.diff(c) != 1) + 1
            if starts.size < 4:
                bounds = [0, *starts.tolist(), int(c.size)]
                runs = [(int(c[a]), int(c[a]) + (b - a), a) for a, b in itertools.pairwise(bounds)]
        if len(_RUNS) > 64:
            _RUNS.clear()
        _RUNS[id(cols)] = got = (cols, runs)
    if got[1] is None:
        dst[:, cols] = values
        return
    for lo, hi, at in got[1]:
        dst[:, lo:hi] = values[:, at:at + hi - lo]
