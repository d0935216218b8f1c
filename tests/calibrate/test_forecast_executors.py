"""The forecast calibration on the executors (issue 25): identical results on every one.

Its training origins are compiled and forecast as tasks, and ``starts`` > 1 adds parallel
searches; on the local evaluator, two worker processes and a Dask ``LocalCluster`` reached by
its address the fitted values, every evaluation, the spread and the stacking weights must be
equal to the last bit.
"""

from __future__ import annotations

import pytest

from multipolar.calibrate.history import calibrate_forecast, start_point
from multipolar.core.errors import InputError
from multipolar.ensemble import LocalEvaluator, ProcessEvaluator, evaluator_from_name
from multipolar.forecast.origin import load_panel

SMALL = {"until": 2012, "members": 4, "maxiter": 6, "window": 3, "seed": 5}


@pytest.fixture(scope="module")
def panel():
    return load_panel()


@pytest.fixture(scope="module")
def single(panel):
    return calibrate_forecast("russia-neighbourhood", panel, **SMALL)[0]


def _same(a, b, name):
    assert a.values == b.values, name
    assert a.history == b.history, name
    assert a.mae == b.mae and a.start_mae == b.start_mae, name
    assert a.mae_by_actor == b.mae_by_actor, name
    assert a.forecast == b.forecast, name


def test_one_search_on_worker_processes_equals_the_local_fit(panel, single):
    with ProcessEvaluator(2) as ev:
        r, _ = calibrate_forecast("russia-neighbourhood", panel, evaluator=ev, **SMALL)
    _same(r, single, "processes")
    # the first evaluation is the starting point, the last the search's end point
    assert single.history[0] == single.start_mae
    assert single.evaluations == len(single.history) > 1


def test_parallel_starts_are_identical_across_executors(panel, single):
    pytest.importorskip("distributed")
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None, silence_logs=40) as cluster:
        evs = {"local": LocalEvaluator(), "processes": ProcessEvaluator(2),
               "dask": evaluator_from_name("dask", scheduler=cluster.scheduler_address)}
        results = {}
        for name, ev in evs.items():
            with ev:
                results[name] = calibrate_forecast("russia-neighbourhood", panel, starts=3,
                                                   evaluator=ev, **SMALL)[0]
    ref = results["local"]
    for name, r in results.items():
        _same(r, ref, name)
    # the first start is the single search; the other two add their own evaluations
    assert ref.history[: len(single.history)] == single.history
    assert ref.evaluations > single.evaluations
    assert ref.mae <= single.mae + 1e-12
    # the extra starts are drawn in the bounds, keyed by seed and start
    lo, hi = [0.0, 1.0], [1.0, 3.0]
    import numpy as np

    p1 = start_point(5, 1, np.array(lo), np.array(hi))
    assert np.all(p1 >= lo) and np.all(p1 <= hi)
    assert not np.array_equal(p1, start_point(5, 2, np.array(lo), np.array(hi)))


def test_starts_below_one_is_a_clean_error(panel):
    with pytest.raises(InputError, match="--starts 0"):
        calibrate_forecast("russia-neighbourhood", panel, starts=0, **SMALL)
