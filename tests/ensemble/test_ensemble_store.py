"""The results store: chunked Parquet + DuckDB catalogue, resume, failures, determinism."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import FAKE  # type: ignore[import-not-found]
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from multipolar.core.errors import MultipolarError
from multipolar.ensemble import (
    LocalEvaluator,
    RunSpec,
    load_results,
    query_arrow,
    run_ensemble,
    run_info,
    summarise_run,
)
from multipolar.ensemble import store as store_mod
from multipolar.ensemble.summary import streaming_summary


def _direct(spec: RunSpec):
    """The ensemble computed in one call of the backend, without the engine or store."""
    import importlib

    from multipolar.scenario import load_scenario

    be = importlib.import_module(FAKE)
    model = be.compile_model(load_scenario(spec.scenario))
    return be.simulate(model, spec.seed, 0, spec.members)


def _frame(rundir: Path, table: str = "actors") -> pd.DataFrame:
    return query_arrow(rundir, f"select * from {table} order by all").to_pandas()


def test_run_stores_every_member_and_matches_direct_simulation(fake_spec, tmp_path):
    spec = fake_spec(members=37, chunk_size=10)
    res = run_ensemble(spec, LocalEvaluator(), out=tmp_path / "run")
    assert res.chunks_run == 4 and res.chunks_reused == 0
    back = load_results(tmp_path / "run")
    direct = _direct(spec)
    np.testing.assert_array_equal(back.actor_outcomes["alignment"],
                                  direct.actor_outcomes["alignment"])
    np.testing.assert_array_equal(back.memberships, direct.memberships)
    np.testing.assert_array_equal(back.core_outcomes["capacity"], direct.core_outcomes["capacity"])
    np.testing.assert_array_equal(back.params["drift"], direct.params["drift"])
    df = res.pandas("actors")
    assert len(df) == 37 * 13 * 4
    assert sorted(df["member"].unique()) == list(range(37))
    assert set(df["actor"]) == {"Russia", "Belarus", "Ukraine", "Georgia"}
    assert {"in_EAEU", "in_NATO"} <= set(df.columns)
    info = run_info(tmp_path / "run")
    assert info["status"] == "complete" and info["chunks_done"] == 4 == info["chunks_total"]
    assert info["seed"] == 11 and info["members"] == 37 and len(info["scenario_hash"]) == 64
    assert info["sessions"][0]["executor"] == "local"


def test_summary_matches_backend_summary_and_streaming_is_close(fake_spec, tmp_path):
    import importlib

    spec = fake_spec(members=300, chunk_size=70)
    res = run_ensemble(spec, out=tmp_path / "r")
    be = importlib.import_module(FAKE)
    exact = be.summarise(_direct(spec))
    assert res.summary["alignment"] == exact["alignment"]
    assert res.summary["members"] == 300 and res.summary["seed"] == 11
    # the streaming (histogram) summary: quantiles within one bin width, memberships exact
    from multipolar.ensemble.store import completed_chunks, connect

    con = connect(tmp_path / "r", read_only=True)
    chunks = completed_chunks(con)
    con.close()
    stream = streaming_summary(tmp_path / "r", chunks, bins=4096)
    al = _direct(spec).actor_outcomes["alignment"]
    width = float(al.max() - al.min()) / 4096
    for a in exact["actors"]:
        for y, qs in exact["alignment"][a].items():
            for k, v in qs.items():
                assert abs(stream["alignment"][a][y][k] - v) <= 1.01 * width + 1e-6, (a, y, k)
    assert stream["memberships"]["Belarus"]["EAEU"] == exact["memberships"]["Belarus"]["EAEU"]
    forced = summarise_run(tmp_path / "r", exact_limit=10)
    assert forced["quantile_method"] == "histogram-4096"
    assert forced["alignment"] == stream["alignment"]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.integers(min_value=1, max_value=45))
def test_any_chunk_size_gives_identical_results(fake_spec, tmp_path_factory, size):
    spec = fake_spec(members=45, chunk_size=size, seed=5)
    out = tmp_path_factory.mktemp("chunks")
    run_ensemble(spec, out=out, summary=False)
    got = load_results(out)
    ref = _direct(spec)
    assert got.actor_outcomes["alignment"].tobytes() == ref.actor_outcomes["alignment"].tobytes()
    assert got.params["volatility"].tobytes() == ref.params["volatility"].tobytes()


def test_resume_only_runs_missing_chunks_and_is_bit_identical(fake_spec, tmp_path):
    spec = fake_spec(members=50, chunk_size=10)
    full = tmp_path / "full"
    run_ensemble(spec, out=full, summary=False)

    part = tmp_path / "part"
    calls = {"n": 0}

    def stop_after_two(p):
        if p.chunks_done >= 2 and p.members_this_session > 0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_ensemble(spec, out=part, progress=stop_after_two, summary=False)
    assert run_info(part)["status"] == "interrupted"
    # pipelined: the chunk being written when the interrupt came is finished, not cut
    done_before = run_info(part)["chunks_done"]
    assert done_before in (2, 3)
    # a half-written file with no 'done' row and a stray temp file must not count
    (part / "chunks" / "actors-00004.parquet").write_bytes(b"PAR1 half written")
    (part / "chunks" / ".core-00003.parquet.tmp-99").write_bytes(b"junk")

    def count(p):
        calls["n"] = p.members_this_session

    res = run_ensemble(spec, out=part, resume=True, progress=count, summary=False)
    assert res.chunks_reused == done_before and res.chunks_run == 5 - done_before
    assert calls["n"] == 10 * (5 - done_before)
    assert not list((part / "chunks").glob(".*tmp*"))
    pd.testing.assert_frame_equal(_frame(full), _frame(part))
    pd.testing.assert_frame_equal(_frame(full, "params"), _frame(full, "params"))
    for t in ("actors", "core", "params"):
        for i in range(5):
            a = (full / "chunks" / f"{t}-{i:05d}.parquet").read_bytes()
            b = (part / "chunks" / f"{t}-{i:05d}.parquet").read_bytes()
            assert a == b
    assert [s["status"] for s in run_info(part)["sessions"]] == ["interrupted", "complete"]


def test_corrupted_done_chunk_is_recomputed_on_resume(fake_spec, tmp_path):
    spec = fake_spec(members=30, chunk_size=10)
    run_ensemble(spec, out=tmp_path, summary=False)
    good = (tmp_path / "chunks" / "core-00001.parquet").read_bytes()
    (tmp_path / "chunks" / "core-00001.parquet").write_bytes(good[:-20])
    res = run_ensemble(spec, out=tmp_path, resume=True, summary=False)
    assert res.chunks_run == 1 and res.chunks_reused == 2
    assert (tmp_path / "chunks" / "core-00001.parquet").read_bytes() == good


def test_existing_run_without_resume_is_a_clean_error(fake_spec, tmp_path):
    run_ensemble(fake_spec(members=5), out=tmp_path, summary=False)
    with pytest.raises(MultipolarError) as e:
        run_ensemble(fake_spec(members=5), out=tmp_path, summary=False)
    assert "--resume" in (e.value.problems[0].fix or "")


@pytest.mark.parametrize(("change", "field"), [
    ({"seed": 12}, "seed"), ({"members": 41}, "members"), ({"end": 2010}, "end"),
    ({"sets": ("levers.russia_assertion=0.9",)}, "scenario_hash"), ({"chunk_size": 7}, "chunk_size"),
])
def test_resume_with_different_run_is_a_clean_error(fake_spec, tmp_path, change, field):
    run_ensemble(fake_spec(chunk_size=20), out=tmp_path, summary=False)
    with pytest.raises(MultipolarError) as e:
        run_ensemble(fake_spec(**{"chunk_size": 20, **change}), out=tmp_path, resume=True,
                     summary=False)
    p = e.value.problems[0]
    assert p.field == field and "cannot resume" in p.message and p.file == str(tmp_path)


def test_resume_with_default_chunking_adopts_stored_chunk_size(fake_spec, tmp_path):
    run_ensemble(fake_spec(chunk_size=7), out=tmp_path, summary=False)
    res = run_ensemble(fake_spec(), out=tmp_path, resume=True, summary=False)
    assert res.spec.chunk_size == 7 and res.chunks_run == 0


def test_unwritable_rundir_is_a_clean_error(fake_spec, tmp_path, monkeypatch):
    # chmod does not stop root, so deny the folder creation the way the OS would
    def denied(self, *a, **k):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(store_mod.Path, "mkdir", denied)
    with pytest.raises(MultipolarError) as e:
        run_ensemble(fake_spec(), out=tmp_path / "run")
    p = e.value.problems[0]
    assert "cannot write" in p.message and p.field == "--out" and "--out" in (p.fix or "")
    assert not (tmp_path / "run").exists()


def test_rundir_under_a_file_is_a_clean_error(fake_spec, tmp_path):
    f = tmp_path / "afile"
    f.write_text("x")
    with pytest.raises(MultipolarError) as e:
        run_ensemble(fake_spec(), out=f / "run")
    assert e.value.problems[0].file is not None and "afile" in e.value.problems[0].file


def test_full_disk_is_a_clean_error_and_leaves_a_resumable_store(fake_spec, tmp_path, monkeypatch):
    spec = fake_spec(members=30, chunk_size=10)
    real_write = os.write
    state = {"n": 0}

    def flaky_write(fd, data):
        state["n"] += 1
        if state["n"] == 5:  # fail in the middle of the second chunk
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(fd, data)

    monkeypatch.setattr(store_mod.os, "write", flaky_write)
    with pytest.raises(MultipolarError) as e:
        run_ensemble(spec, out=tmp_path, summary=False)
    assert "disk is full" in e.value.problems[0].message
    assert "--resume" in (e.value.problems[0].fix or "")
    monkeypatch.setattr(store_mod.os, "write", real_write)
    assert run_info(tmp_path)["chunks_done"] == 1
    assert not list((tmp_path / "chunks").glob(".*tmp*"))
    res = run_ensemble(spec, out=tmp_path, resume=True)
    assert res.chunks_reused == 1 and res.chunks_run == 2
    assert res.summary["members"] == 30


def test_summary_of_incomplete_run_is_a_clean_error(fake_spec, tmp_path):
    def stop(p):
        if p.chunks_done >= 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_ensemble(fake_spec(chunk_size=10), out=tmp_path, progress=stop)
    with pytest.raises(MultipolarError) as e:
        summarise_run(tmp_path)
    assert "incomplete" in e.value.problems[0].message


def test_query_errors_and_missing_runs_are_clean(fake_spec, tmp_path):
    with pytest.raises(MultipolarError) as e:
        query_arrow(tmp_path, "select 1")
    assert "no multipolar run" in e.value.problems[0].message
    run_ensemble(fake_spec(members=3), out=tmp_path, summary=False)
    with pytest.raises(MultipolarError) as e:
        query_arrow(tmp_path, "select nope from actors")
    assert e.value.problems[0].field == "SQL"
    t = query_arrow(tmp_path, "select count(*) as n from core")
    assert t.column("n").to_pylist() == [3 * 13]


def test_bad_specs_are_clean_errors():
    for kw, field in [({"members": 0}, "--members"), ({"seed": -1}, "--seed"),
                      ({"chunk_size": 0}, "--chunk-size"), ({"start": 2010, "end": 2000}, "--end"),
                      ({"members": "ten"}, "--members")]:
        with pytest.raises(MultipolarError) as e:
            RunSpec(**kw)
        assert e.value.problems[0].field == field


def test_temporary_run_lives_with_its_result(fake_spec):
    res = run_ensemble(fake_spec(members=4))
    assert res.rundir.is_dir()
    assert len(res.arrow("params")) == 4
    d = res.rundir
    del res
    import gc

    gc.collect()
    assert not d.exists()


def test_busy_catalogue_is_a_clean_error(fake_spec, tmp_path):
    import subprocess
    import sys
    import time

    run_ensemble(fake_spec(members=3), out=tmp_path, summary=False)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('ok', flush=True); time.sleep(30)", str(tmp_path / "catalogue.duckdb")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        time.sleep(0.1)
        with pytest.raises(MultipolarError) as e:
            run_info(tmp_path)
        assert "in use" in e.value.problems[0].message
    finally:
        holder.kill()
        holder.wait()


def test_default_chunks_hold_a_bounded_number_of_member_actors() -> None:
    """The default chunk caps members x actors; an explicit size is left alone.

    The 193-state world gets 518 members a chunk, the 19-actor neighbourhood keeps 5,000.
    """
    from multipolar.ensemble.spec import CHUNK_MEMBER_ACTORS

    big = RunSpec(members=100_000)
    assert big.with_chunk_size(1, 19).chunk_size == 5000
    world = big.with_chunk_size(1, 193).chunk_size
    assert world == CHUNK_MEMBER_ACTORS // 193
    assert world is not None and world * 193 <= CHUNK_MEMBER_ACTORS
    assert big.with_chunk_size(1).chunk_size == 5000  # actors unknown: members only
    assert RunSpec(members=1000).with_chunk_size(1, 193).chunk_size == 250  # 4 per worker
    assert RunSpec(members=100_000, chunk_size=3000).with_chunk_size(1, 193).chunk_size == 3000
