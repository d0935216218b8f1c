"""Ensembles at scale: evaluators, a results store that loses nothing, summaries, SQL.

Typical use::

    from multipolar.ensemble import RunSpec, run_ensemble, evaluator_from_name
    spec = RunSpec("russia-neighbourhood", members=10_000, seed=7)
    with evaluator_from_name("processes", workers=4) as ev:
        res = run_ensemble(spec, ev, out="runs/base")
    res.summary["alignment"]["Belarus"][2013]["median"]
    res.pandas("actors")            # or res.query("select ...")

Depends on the model contract (:mod:`multipolar.model.api`), the scenario loader, NumPy,
PyArrow and DuckDB; ``dask.distributed`` only for the Dask evaluator.
"""

from multipolar.ensemble.evaluators import (
    EXECUTORS,
    DaskEvaluator,
    Evaluator,
    LocalEvaluator,
    ProcessEvaluator,
    evaluator_from_name,
)
from multipolar.ensemble.query import find_runs, query_arrow, run_info
from multipolar.ensemble.runner import Progress, RunResult, run_ensemble
from multipolar.ensemble.spec import RunSpec
from multipolar.ensemble.summary import load_results, summarise_run
from multipolar.ensemble.tasks import map_tasks

__all__ = [
    "EXECUTORS",
    "DaskEvaluator",
    "Evaluator",
    "LocalEvaluator",
    "ProcessEvaluator",
    "Progress",
    "RunResult",
    "RunSpec",
    "evaluator_from_name",
    "find_runs",
    "load_results",
    "map_tasks",
    "query_arrow",
    "run_ensemble",
    "run_info",
    "summarise_run",
]
