"""The many-simulation workflows give identical results on every executor (issue 25, item 4).

Calibration starts, back-test origins, ``compare --score`` views and coalition chunks are
mapped over :func:`multipolar.ensemble.tasks.map_tasks`; each is run here on the local
evaluator, on two worker processes and on a Dask ``LocalCluster`` reached by its address (as
``--scheduler ADDRESS`` does), at small sizes, and the results must be equal to the last bit.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from typer.testing import CliRunner

from multipolar.cli.main import app
from multipolar.ensemble import LocalEvaluator, ProcessEvaluator, evaluator_from_name, map_tasks

pytest.importorskip("distributed")

runner = CliRunner()


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=None, silence_logs=40) as c:
        yield c


def _evaluators(cluster):
    return {"local": LocalEvaluator(), "processes": ProcessEvaluator(2),
            "dask": evaluator_from_name("dask", scheduler=cluster.scheduler_address)}


def _slow_square(i: int, *, delay: float) -> tuple[int, int]:
    time.sleep(delay * (3 - i % 3))  # later tasks finish first
    return i, i * i


def test_map_tasks_returns_results_in_task_order_on_every_executor(cluster):
    calls = [(i,) for i in range(7)]
    for name, ev in _evaluators(cluster).items():
        seen: list[int] = []
        out = map_tasks(_slow_square, calls, ev, common={"delay": 0.02},
                        done=lambda i, _r, seen=seen: seen.append(i))
        assert out == [(i, i * i) for i in range(7)], name
        assert sorted(seen) == list(range(7)), name
    assert map_tasks(_slow_square, [], LocalEvaluator(), common={"delay": 0}) == []


def test_pooled_calibration_with_parallel_starts_is_identical_across_executors(cluster):
    from multipolar.calibrate.pooled import calibrate_pooled

    small = {"until": 2007, "members": 4, "maxiter": 8, "seed": 5}
    one, _ = calibrate_pooled(**small)
    results = {name: calibrate_pooled(**small, starts=3, evaluator=ev)[0]
               for name, ev in _evaluators(cluster).items()}
    ref = results["local"]
    for name, r in results.items():
        assert r.values == ref.values, name
        assert r.history == ref.history and r.mae == ref.mae, name
        assert r.mae_by_actor == ref.mae_by_actor, name
    # the first start is the single search; the others add their evaluations
    assert ref.history[: len(one.history)] == one.history
    assert ref.evaluations > one.evaluations
    assert ref.mae <= one.mae + 1e-12


def test_backtest_origins_are_identical_across_executors(cluster):
    from multipolar.backtest.harness import rolling_backtest
    from multipolar.forecast.origin import load_panel

    panel = load_panel()
    fast = {"members": 12, "calib_members": 4, "maxiter": 3, "window": 3, "seed": 5,
            "warmup": 1}
    out = {name: rolling_backtest(panel, [2004, 2006], 2, evaluator=ev, **fast)
           for name, ev in _evaluators(cluster).items()}
    ref = out["local"]
    assert [c["origin"] for c in ref.calibration] == [2004, 2006]
    assert ref.stacking[1]["trained_on_origins"] == [2003, 2004]  # the warm-up origin ran too
    for name, res in out.items():
        assert res.calibration == ref.calibration, name
        assert json.dumps(res.to_dict(), sort_keys=True) == json.dumps(ref.to_dict(),
                                                                       sort_keys=True), name
        for f, g in zip(res.forecasts, ref.forecasts, strict=True):
            assert f.samples.keys() == g.samples.keys()
            for m in f.samples:
                np.testing.assert_array_equal(f.samples[m], g.samples[m], err_msg=name)


def test_compare_score_is_identical_across_executors(cluster):
    from multipolar.backtest.compete import View, score_views
    from multipolar.forecast.origin import load_panel

    panel = load_panel()
    views = [View("base", "scenario"), View("hypothesis", "strategic")]
    kw = {"members": 10, "calib_members": 4, "maxiter": 2, "window": 3, "prefit": 0,
          "bootstrap": 50, "seed": 3}
    out = {name: score_views(panel, views, [2005, 2007], 2, evaluator=ev, **kw)
           for name, ev in _evaluators(cluster).items() if name != "dask"}
    assert out["processes"] == out["local"]
    assert set(out["local"]["views"]) == {"scenario", "hypothesis strategic"}


def test_coalition_ensemble_is_identical_across_executors(cluster):
    from multipolar.data.global_tables import load_world
    from multipolar.votes.coalition import CoalitionSettings, coalition_forecast

    world = load_world()
    settings = CoalitionSettings(events=("use_of_force:UKR@2022",), members=30, seed=3)
    out = {name: coalition_forecast(settings, world=world, evaluator=ev)
           for name, ev in _evaluators(cluster).items()}
    for name, r in out.items():
        assert r == out["local"], name
    assert out["local"]["world"]["simulated"] is True
    p_no = np.array([s["p_no"] for s in out["local"]["states"] if not s.get("fixed")])
    assert p_no.size > 100 and np.all((p_no >= 0) & (p_no <= 1))


def test_cli_runs_a_world_calibration_on_an_existing_dask_cluster(cluster, tmp_path):
    base = ["calibrate", "russia-world", "--until", "2006", "--members", "3", "--maxiter",
            "5", "--starts", "2", "--seed", "4", "--json"]
    local = runner.invoke(app, [*base, "--out", str(tmp_path / "a.yaml")])
    remote = runner.invoke(app, [*base, "--out", str(tmp_path / "b.yaml"), "--executor", "dask", "--scheduler", cluster.scheduler_address])
    assert local.exit_code == 0, local.output
    assert remote.exit_code == 0, remote.output
    a, b = json.loads(local.stdout), json.loads(remote.stdout)
    for key in ("values", "mae", "start_mae", "evaluations"):
        assert a[key] == b[key], key
    assert a["evaluations"] > 6  # two searches ran


def test_bad_executor_options_are_clean_errors():
    res = runner.invoke(app, ["backtest", "--train-until", "2005", "--executor", "proceses"])
    assert res.exit_code != 0 and "did you mean 'processes'" in res.output
    res = runner.invoke(app, ["calibrate", "russia-world", "--scheduler", "tcp://x:1"])
    assert res.exit_code != 0 and "--scheduler" in res.output
    res = runner.invoke(app, ["calibrate", "russia-world", "--starts", "0", "--until", "2006"])
    assert res.exit_code != 0 and "--starts" in res.output


def test_explore_design_is_identical_across_executors(cluster):
    from multipolar.explore.runner import ExploreSpec, explore

    spec = ExploreSpec(scenario="russia-neighbourhood", design="lhs", n=12,
                       uncertainties="levers", outcomes=("alignment[Belarus][2025]",),
                       seed=4, end=2025, chunk=5)
    out = {}
    for name, ev in _evaluators(cluster).items():
        s = explore(spec, ev)
        assert s["timing"]["executor"] == name
        s.pop("timing")
        out[name] = json.dumps(s, sort_keys=True, default=str)
    assert out["processes"] == out["local"] and out["dask"] == out["local"]
    assert "alignment[Belarus][2025]" in out["local"]
