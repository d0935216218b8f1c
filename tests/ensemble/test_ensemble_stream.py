"""Streaming summaries, pipelined writes and what a run keeps.

The histogram sketch is checked against exact percentiles (its documented error bound), for
independence from chunking, and whole runs are checked for byte-identical files with and
without the writer thread, and for what ``keep`` leaves on disk.
"""

from __future__ import annotations

import importlib
import itertools
import json

import numpy as np
import pytest
from conftest import FAKE  # type: ignore[import-not-found]
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from multipolar.core.errors import MultipolarError
from multipolar.ensemble import (
    LocalEvaluator,
    ProcessEvaluator,
    load_results,
    query_arrow,
    run_ensemble,
    run_info,
    stream,
    summarise_run,
)
from multipolar.ensemble import store as store_mod
from multipolar.ensemble.stream import BINS, QUANTILE_PERCENTS, Hist, Partial

_values = hnp.arrays(
    np.float32, st.tuples(st.integers(2, 120), st.integers(1, 3)),
    elements=st.floats(-50, 50, width=32, allow_nan=False, allow_infinity=False)
    | st.sampled_from([0.0, 1.0, 1e-3]))


@settings(max_examples=150, deadline=None)
@given(values=_values, cuts=st.lists(st.integers(1, 119), max_size=4))
def test_histogram_quantiles_are_within_the_documented_bound(values, cuts):
    n = values.shape[0]
    bounds = sorted({0, n, *(c for c in cuts if c < n)})
    parts = [Hist.of(values[a:b]) for a, b in itertools.pairwise(bounds)]
    h = parts[0]
    for p in parts[1:]:
        h = h.merge(p)
    got = h.quantiles()
    exact = np.percentile(values.astype(np.float64), QUANTILE_PERCENTS, axis=0).T
    width = h.final().width
    spread = float(values.max()) - float(values.min())
    assert width <= max(2 * spread / BINS, 2.0 ** -40)
    assert np.all(np.abs(got - exact) <= width * (1 + 1e-9) + 1e-12), (got, exact, width)


@settings(max_examples=40, deadline=None)
@given(values=_values, cut1=st.integers(1, 119), cut2=st.integers(1, 119))
def test_histogram_does_not_depend_on_chunking(values, cut1, cut2):
    def folded(cut: int) -> Hist:
        c = min(cut, values.shape[0] - 1)
        return Hist.of(values[:c]).merge(Hist.of(values[c:])).final()

    a, b = folded(cut1), folded(cut2)
    whole = Hist.of(values).final()
    for h in (a, b):
        assert h.exp == whole.exp
        np.testing.assert_array_equal(h.quantiles(), whole.quantiles())
        # the per-group bins themselves, not only what is read off them
        np.testing.assert_array_equal(h.lo, whole.lo)
        np.testing.assert_array_equal(h.hi, whole.hi)
        np.testing.assert_array_equal(h.counts, whole.counts)


def test_each_group_keeps_only_the_bins_it_occupies() -> None:
    """Groups far apart do not share one grid: each holds the run of bins it occupies."""
    g = np.random.default_rng(3)
    centres = np.linspace(-2.0, 2.0, 40)
    values = (centres[None, :] + g.normal(0, 0.01, (500, 40))).astype(np.float32)
    h = Hist.of(values[:200]).merge(Hist.of(values[200:]))
    lo = np.floor(values.min(axis=0) / h.width)
    hi = np.floor(values.max(axis=0) / h.width)
    np.testing.assert_array_equal(h.lo, lo)
    np.testing.assert_array_equal(h.hi, hi)
    assert h.counts.size == int((hi - lo + 1).sum())
    assert h.counts.size < 40 * BINS / 10  # one grid over the whole range: ~4096 per group
    runs = np.split(h.counts, h.start[1:])
    assert all(r.sum() == 500 and r[0] > 0 and r[-1] > 0 for r in runs)
    exact = np.percentile(values.astype(np.float64), QUANTILE_PERCENTS, axis=0).T
    assert np.all(np.abs(h.quantiles() - exact) <= h.final().width)


def test_a_partial_of_the_earlier_layout_reads_back() -> None:
    """Partials written with one grid for all groups (stores of the previous release) resume."""
    g = np.random.default_rng(4)
    values = (g.normal(0, 0.1, (300, 6)) + np.arange(6)[None, :] * 0.5).astype(np.float32)
    h = Hist.of(values)
    base = int(h.lo.min())  # the old layout: every group on one grid from the lowest bin
    grid = np.zeros((6, int(h.hi.max()) - base + 1), dtype=np.int64)
    for row, run in enumerate(np.split(h.counts, h.start[1:])):
        grid[row, h.lo[row] - base:h.hi[row] - base + 1] = run
    back = stream._hist_from({"hist/x": grid}, "x", h.exp, base, h.vmin, h.vmax)
    np.testing.assert_array_equal(back.lo, h.lo)
    np.testing.assert_array_equal(back.hi, h.hi)
    np.testing.assert_array_equal(back.counts, h.counts)
    np.testing.assert_array_equal(back.quantiles(), h.quantiles())


def _direct(spec, start=0, stop=None):
    from multipolar.scenario import load_scenario

    be = importlib.import_module(FAKE)
    return be.simulate(be.compile_model(load_scenario(spec.scenario)), spec.seed, start,
                       spec.members if stop is None else stop)


def test_exact_partials_give_the_in_memory_summary(fake_spec):
    from multipolar.model.summary import summarise

    spec = fake_spec(members=57)
    res = _direct(spec)
    chunks = [_direct(spec, a, b) for a, b in ((0, 20), (20, 21), (21, 57))]
    acc = Partial.from_bytes(Partial.of_chunk(chunks[2], "exact").to_bytes())
    for c in chunks[:2]:
        acc = acc.merge(Partial.from_bytes(Partial.of_chunk(c, "exact").to_bytes()))
    got = acc.summary()
    ref = summarise(res)
    for key in ("alignment", "memberships", "russia", "means"):
        assert got[key] == ref[key], key
    assert got["quantile_method"] == "exact" and got["members"] == 57


@pytest.mark.parametrize("executor", ["local", "processes"])
def test_pipelined_run_writes_the_same_bytes_as_the_serial_one(fake_spec, tmp_path, executor):
    spec = fake_spec(members=64, chunk_size=9)

    def ev():
        return LocalEvaluator() if executor == "local" else ProcessEvaluator(workers=2)

    serial = run_ensemble(spec, ev(), out=tmp_path / "serial", pipeline=False)
    piped = run_ensemble(spec, ev(), out=tmp_path / "piped")
    files = sorted(p.name for p in (tmp_path / "serial" / "chunks").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "piped" / "chunks").iterdir())
    assert len(files) == 3 * 8
    for name in files:
        assert ((tmp_path / "serial" / "chunks" / name).read_bytes()
                == (tmp_path / "piped" / "chunks" / name).read_bytes()), name
    q = "select * from actors order by member, year, actor"
    assert query_arrow(serial.rundir, q).equals(query_arrow(piped.rundir, q))
    drop = ("run",)
    assert ({k: v for k, v in serial.summary.items() if k not in drop}
            == {k: v for k, v in piped.summary.items() if k not in drop})


def test_keep_summary_stores_only_the_summary_and_resumes(fake_spec, tmp_path):
    spec = fake_spec(members=50, chunk_size=10)
    full = run_ensemble(spec, out=tmp_path / "full", keep="members")

    def stop(p):
        if p.chunks_done >= 2 and p.members_this_session > 0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_ensemble(spec, out=tmp_path / "s", keep="summary", progress=stop)
    with pytest.raises(MultipolarError) as e:  # a different keep is a different run
        run_ensemble(spec, out=tmp_path / "s", keep="members", resume=True)
    assert "--keep" in e.value.problems[0].message
    res = run_ensemble(spec, out=tmp_path / "s", keep="summary", resume=True)
    assert not list((tmp_path / "s" / "chunks").glob("*.parquet"))
    assert not list((tmp_path / "s" / "chunks").glob("summary-*.bin"))  # folded, then dropped
    stored = json.loads((tmp_path / "s" / "run-summary.json").read_text())
    assert stored["kept"] == "summary"
    for key in ("alignment", "memberships", "russia", "means"):
        assert res.summary[key] == full.summary[key] == stored[key], key
    assert run_info(tmp_path / "s")["keep"] == "summary"
    assert summarise_run(tmp_path / "s")["alignment"] == full.summary["alignment"]
    with pytest.raises(MultipolarError) as e:
        load_results(tmp_path / "s")
    assert "--keep summary" in e.value.problems[0].message
    assert query_arrow(tmp_path / "s", "select count(*) as n from actors")["n"][0].as_py() == 0


def test_keep_sample_stores_the_first_members(fake_spec, tmp_path, monkeypatch):
    monkeypatch.setattr(store_mod, "SAMPLE_MEMBERS", 13)
    spec = fake_spec(members=40, chunk_size=10)
    res = run_ensemble(spec, out=tmp_path / "r", keep="sample")
    members = query_arrow(tmp_path / "r", "select distinct member from params order by 1")
    assert members["member"].to_pylist() == list(range(13))
    sample = load_results(tmp_path / "r", allow_partial=True)
    ref = _direct(spec)
    assert sample.n == 13
    np.testing.assert_array_equal(sample.actor_outcomes["alignment"],
                                  ref.actor_outcomes["alignment"][:13])
    assert res.summary["members"] == 40 and res.summary["kept"] == "sample"


def test_histogram_mode_run_names_its_method_and_bound(fake_spec, tmp_path, monkeypatch):
    monkeypatch.setattr(stream, "EXACT_LIMIT", 30)
    spec = fake_spec(members=90, chunk_size=25)
    res = run_ensemble(spec, out=tmp_path / "h", keep="summary")
    s = res.summary
    assert s["quantile_method"] == f"histogram-{BINS}"
    al = _direct(spec).actor_outcomes["alignment"]
    exact = np.percentile(al, QUANTILE_PERCENTS, axis=0)
    err = s["quantile_error"]["alignment"]
    assert 0 < err <= 2 * float(al.max() - al.min()) / BINS
    for j, a in enumerate(s["actors"]):
        for t, y in enumerate(s["years"]):
            got = [s["alignment"][a][str(y)][k] for k in ("p05", "p25", "median", "p75", "p95")]
            assert np.all(np.abs(np.array(got) - exact[:, t, j]) <= err + 1e-6), (a, y)


def test_unknown_keep_is_a_clean_error(fake_spec, tmp_path):
    with pytest.raises(MultipolarError) as e:
        run_ensemble(fake_spec(), out=tmp_path, keep="everything")
    assert e.value.problems[0].field == "--keep"


@pytest.mark.parametrize(("base_shape", "shape", "axis"), [
    ((1, 7, 3), (250, 7, 3), 0),  # the same for every member
    ((40, 1, 5), (40, 9, 5), 1),  # the same in every year
])
def test_a_broadcast_outcome_is_binned_once(base_shape, shape, axis) -> None:
    """An outcome repeated along an axis (a broadcast view) gives the full copy's arrays."""
    base = np.random.default_rng(6).normal(0, 1, base_shape).astype(np.float32)
    view = np.broadcast_to(base, shape)
    assert view.strides[axis] == 0
    h, full = Hist.of(view), Hist.of(np.ascontiguousarray(view))
    assert h.exp == full.exp
    for name in ("lo", "hi", "counts"):
        np.testing.assert_array_equal(getattr(h, name), getattr(full, name))
    np.testing.assert_array_equal(h.quantiles(), full.quantiles())


def test_a_running_total_takes_chunks_in_place_and_leaves_them_alone() -> None:
    """Folding chunks into a running total: in place where they fit, same result as whole."""
    g = np.random.default_rng(9)
    values = g.normal(0, 1, (900, 4, 3)).astype(np.float32)
    values[0], values[1] = 4.0, -4.0  # the first chunk holds every group's extremes
    parts = [Hist.of(values[a:a + 300]) for a in (0, 300, 600)]
    third = parts[2].counts.copy()
    total = parts[0].merge(parts[1])
    again = total.merge(parts[2])
    assert again is total  # in place: the third chunk lies within the total's runs
    np.testing.assert_array_equal(parts[2].counts, third)  # the chunk is not changed
    whole = Hist.of(values)
    for name in ("lo", "hi", "counts"):
        np.testing.assert_array_equal(getattr(again, name), getattr(whole, name))
    fresh = parts[0].merge(parts[2])  # a merge of two chunk histograms is a new array
    assert fresh is not parts[0] and fresh.counts is not parts[0].counts


def test_sphere_channels_of_the_real_model_whole_chunked_and_stored(tmp_path, monkeypatch):
    """Russia's share per channel: the same whether summarised whole, in chunks, or stored.

    Exact partials equal the in-memory summary; histogram partials made in chunks equal one
    made whole (bit for bit) and lie within their stated bound of the exact values; a stored
    run keeps them in its summary, and the DuckDB summary of its Parquet chunks finds them.
    """
    from multipolar.ensemble import RunSpec
    from multipolar.model.summary import summarise

    spec = RunSpec(scenario="russia-neighbourhood", members=60, seed=5, end=2022,
                   chunk_size=25)
    be = importlib.import_module(spec.backend)
    from multipolar.scenario import load_scenario

    model = be.compile_model(load_scenario(spec.scenario), end=2022)
    cuts = ((0, 25), (25, 26), (26, 60))
    chunks = [be.simulate(model, spec.seed, a, b) for a, b in cuts]
    whole = be.simulate(model, spec.seed, 0, 60)
    ref = summarise(whole)["sphere_channels"]
    assert set(ref["Belarus"]["2022"]) == {"trade", "arms", "security", "investment"}

    def folded(mode: str, parts: list) -> dict:
        acc = Partial.from_bytes(Partial.of_chunk(parts[-1], mode).to_bytes())
        for c in parts[:-1]:
            acc = acc.merge(Partial.from_bytes(Partial.of_chunk(c, mode).to_bytes()))
        return acc.summary()

    assert folded("exact", chunks)["sphere_channels"] == ref
    hist = folded("histogram", chunks)
    assert hist["sphere_channels"] == Partial.of_chunk(whole, "histogram").summary()[
        "sphere_channels"]
    assert "sphere_russia_trade" not in hist  # folded into the entry, not left beside it
    for c in ("trade", "arms", "security", "investment"):
        err = hist["quantile_error"][f"sphere_russia_{c}"]
        for a, by_year in ref.items():
            for y, q in by_year.items():
                got = hist["sphere_channels"][a][y][c]
                assert all(abs(got[k] - q[c][k]) <= err + 1e-6 for k in q[c]), (a, y, c)
    # a run kept in a folder: its summary and its Parquet chunks carry the channels
    monkeypatch.setattr(stream, "EXACT_LIMIT", 30)
    res = run_ensemble(spec, out=tmp_path / "r", keep="members")
    stored = json.loads((tmp_path / "r" / "run-summary.json").read_text())
    assert stored["sphere_channels"] == res.summary["sphere_channels"]
    assert stored["quantile_method"] == f"histogram-{BINS}"
    cols = query_arrow(tmp_path / "r", "select * from actors limit 1").column_names
    assert {f"sphere_russia_{c}" for c in ("trade", "arms", "security", "investment")} <= \
        set(cols)
    duck = summarise_run(tmp_path / "r", exact_limit=0)
    assert duck["quantile_method"].startswith("histogram")
    for c in ("trade", "arms", "security", "investment"):  # two histograms, each within a bin
        bound = stored["quantile_error"][f"sphere_russia_{c}"] + 1 / BINS + 1e-6
        for a in ("Belarus", "Georgia"):
            got, want = (s["sphere_channels"][a]["2022"][c] for s in (duck, stored))
            assert all(abs(got[k] - want[k]) <= bound for k in want), (a, c)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float32, hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=9),
                  elements=st.one_of(st.floats(-2, 2, width=32), st.just(0.5),
                                     st.just(float("nan")))),
       st.integers(0, 2))
def test_sorted_percentiles_are_numpys(arr, axis):
    """``percentiles`` (sort, then select) gives NumPy's linear percentiles bit for bit."""
    from multipolar.model.summary import percentiles

    axis = axis % arr.ndim
    ref = np.percentile(arr, list(QUANTILE_PERCENTS), axis=axis)
    got = percentiles(arr, list(QUANTILE_PERCENTS), axis=axis)
    np.testing.assert_array_equal(got, ref)
    assert got.dtype == ref.dtype


def test_world_constants_kept_once_whole_chunked_stored_and_in_the_old_layout():
    """The world's sphere shares are the same every year (recorded once by the engine): exact
    partials keep one year of them and still give the in-memory summary, whole, in chunks,
    through bytes and from partials of the earlier (member-major, every-year) layout."""
    from multipolar.model.api import compile_model, simulate
    from multipolar.model.summary import summarise
    from multipolar.scenario import load_scenario

    model = compile_model(load_scenario("russia-world"), end=2021)
    whole = simulate(model, 3, 0, 30)
    ref = summarise(whole)
    p = Partial.of_chunk(whole, "exact")
    assert "a:sphere_russia_trade" in p.const and "a:alignment" not in p.const
    n_a = len(whole.actors)
    assert p.values["a:sphere_russia_trade"][0][1].shape == (n_a, 30)
    cuts = ((0, 11), (11, 12), (12, 30))
    parts = [Partial.from_bytes(Partial.of_chunk(simulate(model, 3, a, b), "exact").to_bytes())
             for a, b in cuts]
    acc = parts[2].merge(parts[0]).merge(parts[1])
    for got in (p.summary(), acc.summary()):
        for key in ("alignment", "sphere", "sphere_channels", "russia", "memberships"):
            assert got[key] == ref[key], key
    # a partial written by the previous release: values (members, groups) for every year
    old = Partial.of_chunk(whole, "exact")
    t_n = len(whole.years)
    for k, vals in old.values.items():
        full = np.tile(vals[0][1], (t_n, 1)) if k in old.const else vals[0][1]
        old.values[k] = [(0, np.ascontiguousarray(full.T))]
    old.const = set()
    raw = old.to_bytes()
    size, payload = raw[:8], raw[8:]
    import io

    z = dict(np.load(io.BytesIO(payload)))
    meta = json.loads(bytes(z["__meta__"]).decode())
    del meta["layout"], meta["const"]
    z["__meta__"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez(buf, **z)
    back = Partial.from_bytes(size + buf.getvalue())
    assert back.summary()["sphere_channels"] == ref["sphere_channels"]
    # merging it with a partial that keeps the constants once expands them
    mixed = Partial.from_bytes(size + buf.getvalue())
    assert mixed.merge(Partial.of_chunk(simulate(model, 3, 30, 35), "exact")).summary()[
        "sphere_channels"] == summarise(simulate(model, 3, 0, 35))["sphere_channels"]
