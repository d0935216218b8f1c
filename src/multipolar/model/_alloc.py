"""Keep glibc from handing freed NumPy temporaries back to the kernel after every operation.

The engine's arrays for a chunk of a few thousand members are a few hundred kilobytes each,
just above glibc's default thresholds. With the defaults, freeing a handful of temporaries
at the top of the heap trims it, and the next operation faults the same pages in again: a
smoothstep over a ``(2000, 10)`` array then takes 330 microseconds instead of 45. Raising the
trim threshold (and fixing the mmap threshold) stops the churn; the cost is that up to
``TRIM`` bytes of freed memory stay with the process. The same settings undo the
``MALLOC_TRIM_THRESHOLD_=65536`` that Dask's nanny gives its workers (which switches off glibc's
adaptive mmap threshold and made the model 10-20x slower there). It is applied once per process
at its start: by the CLI's entry point and by every evaluator's workers (never by a model call).
Set ``MULTIPOLAR_MALLOC_TUNE=0`` to leave the allocator alone. Elsewhere than glibc this does
nothing; results never depend on it.
Depends only on the standard library.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

TRIM = 256 * 2**20
MMAP = 32 * 2**20
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_result: bool | None = None


def tune_allocator() -> bool:
    """Apply the settings once per process; True if glibc accepted them."""
    global _result
    if _result is None:
        _result = _apply()
    return _result


def _apply() -> bool:
    if not sys.platform.startswith("linux") or os.environ.get("MULTIPOLAR_MALLOC_TUNE") == "0":
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    ok = mallopt(_M_TRIM_THRESHOLD, TRIM) == 1
    return mallopt(_M_MMAP_THRESHOLD, MMAP) == 1 and ok
