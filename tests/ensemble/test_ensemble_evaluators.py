"""Evaluators: same results on local, processes and Dask (threads and processes), any workers."""

from __future__ import annotations

import pandas as pd
import pytest

from multipolar.core.errors import MultipolarError
from multipolar.ensemble import (
    DaskEvaluator,
    Evaluator,
    LocalEvaluator,
    ProcessEvaluator,
    evaluator_from_name,
    query_arrow,
    run_ensemble,
    run_info,
)


def _all(rundir):
    return {t: query_arrow(rundir, f"select * from {t} order by all").to_pandas()
            for t in ("actors", "core", "params")}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from conftest import FAKE, TINY

    from multipolar.ensemble import RunSpec

    spec = RunSpec(scenario=TINY, members=60, seed=3, backend=FAKE, chunk_size=60)
    out = tmp_path_factory.mktemp("ref")
    run_ensemble(spec, LocalEvaluator(), out=out, summary=False)
    return spec, _all(out)


def _same(got, ref):
    for t in ref:
        pd.testing.assert_frame_equal(got[t], ref[t], check_exact=True)


@pytest.mark.parametrize(("workers", "chunk"), [(1, 7), (2, 13)])
def test_processes_match_local(reference, tmp_path, workers, chunk):
    from dataclasses import replace

    spec, ref = reference
    with ProcessEvaluator(workers=workers) as ev:
        assert isinstance(ev, Evaluator)
        res = run_ensemble(replace(spec, chunk_size=chunk), ev, out=tmp_path)
    _same(_all(tmp_path), ref)
    assert run_info(tmp_path)["sessions"][0]["executor"] == "processes"
    assert res.summary["members"] == 60


def test_dask_threads_and_processes_match_local(reference, tmp_path):
    from dataclasses import replace

    spec, ref = reference
    with DaskEvaluator(workers=2, processes=False) as ev:
        run_ensemble(replace(spec, chunk_size=9), ev, out=tmp_path / "t", summary=False)
        # an evaluator already entered is reused, not restarted
        run_ensemble(replace(spec, chunk_size=25), ev, out=tmp_path / "t2", summary=False)
        assert ev.active
    _same(_all(tmp_path / "t"), ref)
    _same(_all(tmp_path / "t2"), ref)
    with DaskEvaluator(workers=2, processes=True) as ev:
        run_ensemble(replace(spec, chunk_size=11), ev, out=tmp_path / "p", summary=False)
    _same(_all(tmp_path / "p"), ref)
    assert run_info(tmp_path / "p")["sessions"][0]["executor"] == "dask"


def test_dask_with_scheduler_address_uses_existing_cluster(reference, tmp_path):
    from dataclasses import replace

    from distributed import LocalCluster

    spec, ref = reference
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                      dashboard_address=None) as cluster:
        ev = evaluator_from_name("dask", scheduler=cluster.scheduler_address)
        with ev:
            assert ev.workers == 1
            run_ensemble(replace(spec, chunk_size=30), ev, out=tmp_path, summary=False)
        assert cluster.scheduler is not None  # not shut down by the evaluator
    _same(_all(tmp_path), ref)


def test_unreachable_scheduler_is_a_clean_error():
    ev = DaskEvaluator(scheduler="tcp://127.0.0.1:9", timeout=1)
    with pytest.raises(MultipolarError) as e:
        ev.__enter__()
    p = e.value.problems[0]
    assert p.field == "--scheduler" and "dask scheduler" in (p.fix or "")


def test_evaluator_from_name_choices_and_errors():
    assert isinstance(evaluator_from_name("local"), LocalEvaluator)
    pe = evaluator_from_name("processes", workers=3)
    assert isinstance(pe, ProcessEvaluator) and pe.workers == 3
    de = evaluator_from_name("dask", workers=2)
    assert isinstance(de, DaskEvaluator) and de.scheduler is None
    with pytest.raises(MultipolarError) as e:
        evaluator_from_name("proceses")
    assert "processes" in (e.value.problems[0].fix or "")
    with pytest.raises(MultipolarError) as e:
        evaluator_from_name("local", scheduler="tcp://x:1")
    assert e.value.problems[0].field == "--scheduler"
    with pytest.raises(MultipolarError) as e:
        evaluator_from_name("processes", workers=0)
    assert e.value.problems[0].field == "--workers"


def test_local_imap_yields_every_item():
    got = list(LocalEvaluator().imap(lambda s, x: s * x, 3, range(4)))
    assert got == [(0, 0), (1, 3), (2, 6), (3, 9)]


def test_started_processes_match_local_and_serve_later_runs_and_jobs(reference, tmp_path):
    """A pool started early (as `multipolar run` does) simulates every run it is handed in
    the same processes, gives local's results, and runs other jobs afterwards."""
    import os
    from dataclasses import replace

    spec, ref = reference
    ev = ProcessEvaluator(workers=2).start()
    with ev:
        assert ev.active
        pids = {ev.submit(os.getpid).result() for _ in range(8)}
        run_ensemble(replace(spec, chunk_size=7), ev, out=tmp_path / "a")
        run_ensemble(replace(spec, chunk_size=13), ev, out=tmp_path / "b")
        assert ev.active  # run_ensemble leaves the started processes to their owner
        pids |= {ev.submit(os.getpid).result() for _ in range(8)}
        assert len(pids) <= 2 and os.getpid() not in pids  # the same two processes
    assert not ev.active
    _same(_all(tmp_path / "a"), ref)
    _same(_all(tmp_path / "b"), ref)
    with pytest.raises(RuntimeError, match="start"):
        ev.submit(os.getpid)


@pytest.mark.parametrize(("members", "cores", "workers", "chosen"), [
    (10_000, 2, None, "processes"),
    (10_000, 1, None, "local"),
    (999, 8, None, "local"),
    (1_000, 2, None, "processes"),
    (None, 2, None, "processes"),
    (10_000, 8, 1, "local"),
    (50, 1, 3, "processes"),
])
def test_auto_executor_uses_processes_on_two_cores_for_big_runs(members, cores, workers,
                                                                  chosen):
    from multipolar.ensemble.evaluators import AUTO_PROCESSES_MEMBERS, auto_executor

    assert AUTO_PROCESSES_MEMBERS == 1000
    assert auto_executor(members, cores=cores, workers=workers) == chosen


def test_auto_is_recorded_with_the_executor_it_chose(monkeypatch):
    from multipolar.ensemble import evaluators

    monkeypatch.setattr(evaluators, "usable_cores", lambda: 2)
    ev = evaluator_from_name("auto", members=5000)
    assert isinstance(ev, ProcessEvaluator) and ev.workers == 2
    assert ev.describe() == {"executor": "processes", "workers": 2, "requested": "auto"}
    monkeypatch.setattr(evaluators, "usable_cores", lambda: 1)
    ev1 = evaluator_from_name("auto", members=5000)
    assert ev1.describe() == {"executor": "local", "workers": 1, "requested": "auto"}
    assert evaluator_from_name("local").describe() == {"executor": "local", "workers": 1}
    with pytest.raises(MultipolarError, match="workers"):
        evaluator_from_name("auto", workers=0)


def test_on_summary_gets_the_stored_summary_before_it_is_stored(reference, tmp_path):
    """`multipolar run` starts its charts from on_summary: the summary it gets is the one read
    back from run-summary.json, handed over before that file is written; a failing callback
    does not cost the run its summary."""
    from dataclasses import replace

    spec, _ref = reference
    got = []

    def early(summary):
        assert not (tmp_path / "a" / "run-summary.json").exists()
        got.append(summary)

    res = run_ensemble(replace(spec, chunk_size=20), LocalEvaluator(), out=tmp_path / "a",
                       on_summary=early)
    assert got == [res.summary] and res.summary["members"] == 60

    def broken(summary):
        raise ValueError("a chart could not start")

    with pytest.raises(ValueError, match="chart"):
        run_ensemble(replace(spec, chunk_size=20), LocalEvaluator(), out=tmp_path / "b",
                     on_summary=broken)
    assert run_info(tmp_path / "b")["status"] == "complete"
    assert (tmp_path / "b" / "run-summary.json").is_file()


def test_start_where_no_process_can_start_leaves_the_evaluator_as_before(monkeypatch):
    """No processes (a sandbox, a limit): start() keeps none, and the run's charts fall back to
    helpers of their own (which draw in the command's process when they cannot start)."""
    from multipolar.cli import run_cmds
    from multipolar.cli.charts import ChartPool
    from multipolar.ensemble import evaluators

    class NoProcesses:
        def __init__(self, *a, **k):
            pass

        def submit(self, *a, **k):
            raise OSError("no processes here")

        def shutdown(self, *a, **k):
            pass

    monkeypatch.setattr(evaluators, "ProcessPoolExecutor", NoProcesses)
    ev = ProcessEvaluator(workers=2)
    assert not ev.start().active
    pool = run_cmds._chart_pool(True, ev)
    assert isinstance(pool, ChartPool) and pool._executor is None
    pool.close()
