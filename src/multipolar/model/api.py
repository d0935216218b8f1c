"""The public contract of the neighbourhood model.

It is what the CLI, the ensemble engine, calibration, exploration and the dashboard use.

* :func:`compile_model` turns a loaded scenario (with any perspective, hypothesis and ``--set``
  overrides already applied) into a :class:`CompiledModel`: plain NumPy arrays and floats,
  picklable, cheap to ship to worker processes or Dask workers.
* :func:`simulate` runs global members ``[start, stop)`` of the ensemble of ``seed`` and returns
  a :class:`ChunkResult`. Member ``i``'s trajectory depends only on ``(model, seed, i)``, never
  on the chunk it was run in, so chunks can be run anywhere, in any order, and concatenated.
* :func:`summarise` reduces results to per actor-year quantiles.
* :func:`follow_record` makes a compiled model follow the observed alignment up to its
  ``observed_until`` and project from there, towards each state's anchored target
  (:mod:`multipolar.model.anchor`; ``multipolar run``; ``run --free`` does neither).
"""

from __future__ import annotations

import dataclasses

from multipolar.core.seeding import SeedLike
from multipolar.model.anchor import ANCHOR, anchor_record
from multipolar.model.compile import CompiledModel, compile_model
from multipolar.model.engine import ChunkResult, simulate
from multipolar.model.summary import QUANTILES, summarise

__all__ = ["DEFAULT_ANCHOR", "QUANTILES", "ChunkResult", "CompiledModel", "compile_model",
           "follow_record", "simulate", "summarise"]

DEFAULT_ANCHOR = ANCHOR.default
"""The anchor strength :func:`follow_record` uses when none is given (what a run records)."""


def follow_record(model: CompiledModel, seed: SeedLike = 0,
                  anchor: float | None = None) -> CompiledModel:
    """``model`` set to follow the observed alignment up to its last observed year.

    In every year up to ``observed_until`` each actor's alignment is its observation where
    the data have one (the other outcomes are simulated around it); later years are
    projected from the last observed state, towards a target anchored at it with strength
    ``anchor`` (None: the declared default :data:`multipolar.model.anchor.ANCHOR`; 0: the
    model's own target formula). ``seed`` keys the noise-free members that measure the gap.
    """
    return anchor_record(dataclasses.replace(model, follow_record=True), anchor, seed)
