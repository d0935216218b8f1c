"""Evaluate the rows of a design in chunks, on any evaluator of :mod:`multipolar.ensemble`.

Evaluating rows ``[start, stop)`` is a pure function of ``(shared, (start, stop))``: the
:class:`ModelTask` runs the model with the rows' parameter values and the random keys of their
noise groups and reduces every member to the requested outcomes. Any task with the same
signature can stand in for the model (the tests use the Ishigami function of
:mod:`multipolar.explore.testfunctions`), so sensitivity results are checked through the very
code path the model uses. Results do not depend on chunk size, executor or completion order.

Depends on NumPy, :mod:`multipolar.core.rng`, the model contract and the ensemble evaluators.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from multipolar.core import rng
from multipolar.ensemble.evaluators import LocalEvaluator
from multipolar.explore.design import Design
from multipolar.explore.outcome import Outcome
from multipolar.model.api import simulate
from multipolar.model.compile import CompiledModel, ParamSpec, lever_level

Task = Callable[[Any, tuple[int, int]], "ChunkOutput"]
Progress = Callable[[int, int], None]


@dataclass
class ChunkOutput:
    """Outcomes of rows ``[start, stop)`` and, optionally, kept trajectories for pictures."""

    start: int
    stop: int
    y: np.ndarray
    kept: Any = None


def group_keys(seed: int, groups: np.ndarray) -> np.ndarray:
    """Random keys of noise groups: group ``g`` uses the key of global member ``g``."""
    idx = np.asarray(groups, dtype=np.uint64)
    return rng.splitmix64(rng.splitmix64(idx) ^ rng.master_key(seed))


def with_lever_params(model: CompiledModel, paths: list[str]) -> CompiledModel:
    """``model`` with a (fixed) parameter for every ``levers.<name>`` path in ``paths``.

    The engine reads a lever's per-member level from such a parameter; compiled scenarios only
    carry one for levers that are themselves uncertain.
    """
    extra = {}
    for p in paths:
        if p.startswith("levers.") and p not in model.params:
            name = p[len("levers."):]
            extra[p] = ParamSpec(p, lever_level(model.levers[name]))
    if not extra:
        return model
    return dataclasses.replace(model, params={**model.params, **extra})


@dataclass(frozen=True)
class ModelShared:
    """What every worker needs once: the model, seed, design values and outcomes."""

    model: CompiledModel
    seed: int
    paths: tuple[str, ...]
    values: np.ndarray
    groups: np.ndarray
    outcomes: tuple[Outcome, ...]
    keep_every: int = 0


def _subset(res: Any, idx: np.ndarray) -> dict[str, Any]:
    return {"alignment": res.actor_outcomes["alignment"][idx],
            "attraction": res.actor_outcomes["attraction"][idx],
            "memberships": res.memberships[idx],
            "core": {k: v[idx] for k, v in res.core_outcomes.items()}}


def model_task(shared: ModelShared, item: tuple[int, int]) -> ChunkOutput:
    """Simulate design rows ``item = (start, stop)`` and reduce them to the outcomes."""
    start, stop = item
    params = {p: shared.values[start:stop, j] for j, p in enumerate(shared.paths)}
    keys = group_keys(shared.seed, shared.groups[start:stop])
    res = simulate(shared.model, shared.seed, start, stop, params=params, keys=keys)
    y = np.column_stack([o(res) for o in shared.outcomes]) if shared.outcomes else \
        np.zeros((stop - start, 0))
    kept = None
    if shared.keep_every > 0:
        first = (-start) % shared.keep_every
        idx = np.arange(first, stop - start, shared.keep_every)
        if idx.size:
            kept = _subset(res, idx)
    return ChunkOutput(start, stop, y, kept)


def chunk_plan(rows: int, chunk: int) -> list[tuple[int, int]]:
    """``(start, stop)`` pairs covering ``rows`` rows in chunks of at most ``chunk``."""
    chunk = max(1, int(chunk))
    return [(a, min(a + chunk, rows)) for a in range(0, rows, chunk)]


def evaluate(task: Task, shared: Any, rows: int, n_outcomes: int, evaluator: Any = None,
             chunk: int = 2048, progress: Progress | None = None) -> tuple[np.ndarray, list[Any]]:
    """Run ``task`` over all rows on ``evaluator``; return outcomes ``(rows, k)`` and kept parts.

    Kept parts are returned in row order. ``progress(done, total)`` is called after each chunk.
    """
    ev = evaluator or LocalEvaluator()
    y = np.full((rows, n_outcomes), np.nan)
    kept: dict[int, Any] = {}
    done = 0
    if progress:
        progress(0, rows)
    entered = getattr(ev, "active", False)
    ctx: Any = ev if not entered else _Null(ev)
    with ctx:
        for _item, outp in ev.imap(task, shared, chunk_plan(rows, chunk)):
            y[outp.start:outp.stop] = outp.y
            if outp.kept is not None:
                kept[outp.start] = outp.kept
            done += outp.stop - outp.start
            if progress:
                progress(done, rows)
    return y, [kept[k] for k in sorted(kept)]


class _Null:
    def __init__(self, ev: Any) -> None:
        self.ev = ev

    def __enter__(self) -> Any:
        return self.ev

    def __exit__(self, *exc: object) -> None:
        return None


def evaluate_design(model: CompiledModel, seed: int, design: Design,
                    outcomes: list[Outcome], evaluator: Any = None, chunk: int = 2048,
                    keep: int = 1000, progress: Progress | None = None
                    ) -> tuple[np.ndarray, dict[str, Any] | None]:
    """Run every row of ``design`` through the model; return outcomes and kept trajectories.

    About ``keep`` rows, evenly spaced, keep their alignment, attraction, memberships and
    Russia's outcomes (for fan charts and maps in reports); ``keep=0`` keeps none.
    """
    m = with_lever_params(model, design.paths)
    every = max(1, design.rows // keep) if keep > 0 else 0
    shared = ModelShared(m, int(seed), tuple(design.paths), design.values, design.groups,
                         tuple(outcomes), every)
    y, parts = evaluate(model_task, shared, design.rows, len(outcomes), evaluator, chunk,
                        progress)
    if not parts:
        return y, None
    merged = {"alignment": np.concatenate([p["alignment"] for p in parts]),
              "attraction": np.concatenate([p["attraction"] for p in parts]),
              "memberships": np.concatenate([p["memberships"] for p in parts]),
              "core": {k: np.concatenate([p["core"][k] for p in parts])
                       for k in parts[0]["core"]}}
    return y, merged
