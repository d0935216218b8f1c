"""Map independent tasks over an evaluator: the many-simulation workflows' one door to it.

Calibration starts, back-test origins, the views of ``compare --score`` and the chunks of a
coalition ensemble are each a list of independent calls ``fn(*args, **common)``. The workflow
builds the list; :func:`map_tasks` runs it on any evaluator of
:mod:`multipolar.ensemble.evaluators` and hands the results back **in task order**, whatever
order the workers finish in. So a workflow's result depends only on its tasks, never on the
executor or the number of workers:

* ``fn`` is a picklable top-level callable (processes and Dask workers import it by name);
* ``common`` (keyword arguments every task shares, e.g. a panel or a compiled model) is shipped
  to each worker once, not with every task;
* a task's random numbers come from its own arguments (its seed, its key such as the origin
  or the start's index), never from the worker that runs it.

The model code knows no executor; only the workflows call this module (see the import
contracts in ``pyproject.toml``). Depends on the standard library and the evaluators.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from multipolar.ensemble.evaluators import Evaluator, LocalEvaluator


def _call(common: tuple[Callable[..., Any], dict[str, Any]], item: tuple[int, tuple[Any, ...]]
          ) -> tuple[int, Any]:
    """Run one task on a worker: ``fn(*args, **common)`` (``fn`` travels with ``common``)."""
    fn, kwargs = common
    index, args = item
    return index, fn(*args, **kwargs)


def map_tasks(fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]],
              evaluator: Evaluator | None = None, *, common: dict[str, Any] | None = None,
              done: Callable[[int, Any], None] | None = None) -> list[Any]:
    """``[fn(*args, **common) for args in calls]``, computed on ``evaluator``, in task order.

    ``evaluator`` defaults to :class:`~multipolar.ensemble.evaluators.LocalEvaluator` (this
    process, one task after another). An evaluator that is not yet entered is entered and
    closed here; one already entered (a Dask client in use) is reused. ``done(index, result)``
    is called in the driver as each task finishes (for a progress bar), in completion order.
    A task's exception stops the map and is raised in the driver.
    """
    ev: Evaluator = evaluator if evaluator is not None else LocalEvaluator()
    items = [(i, tuple(args)) for i, args in enumerate(calls)]
    results: list[Any] = [None] * len(items)
    if not items:
        return results
    shared = (fn, dict(common or {}))
    entered = bool(getattr(ev, "active", False))
    if ev.name == "local" or entered:
        pairs = ev.imap(_call, shared, items)
        for _item, (i, res) in pairs:
            results[i] = res
            if done is not None:
                done(i, res)
        return results
    with ev:
        for _item, (i, res) in ev.imap(_call, shared, items):
            results[i] = res
            if done is not None:
                done(i, res)
    return results
