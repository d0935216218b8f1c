"""Start-up work kept out of the run path: the parameter draws without scipy.stats."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from multipolar.model.compile import _norm_ppf, _triang_ppf


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), loc=st.floats(-5, 5), scale=st.floats(0.01, 3),
       c=st.floats(0, 1))
def test_written_out_ppfs_equal_scipy_bit_for_bit(seed, loc, scale, c):
    u = np.random.default_rng(seed).uniform(size=200)
    u[:3] = [1e-12, 0.5, 1 - 1e-12]
    assert _norm_ppf(u, loc, scale).tobytes() == stats.norm.ppf(u, loc=loc,
                                                                scale=scale).tobytes()
    assert _triang_ppf(u, c, loc, scale).tobytes() == stats.triang.ppf(
        u, c, loc=loc, scale=scale).tobytes()


def test_cli_and_run_path_do_not_import_scipy_stats_or_pandas():
    code = ("import sys, multipolar.cli.main, multipolar.ensemble, multipolar.model.api, "
            "multipolar.core.jsonutil; print(sorted(m for m in ('scipy.stats', 'pandas', "
            "'multipolar.scenario.schema') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    # the model needs the scenario schemas; the CLI alone must not pull in the heavy rest
    assert "scipy.stats" not in out and "pandas" not in out, out
    cli_only = subprocess.run(
        [sys.executable, "-c", "import sys, multipolar.cli.main; "
         "print('numpy' in sys.modules, 'multipolar.scenario.schema' in sys.modules)"],
        capture_output=True, text=True, check=True).stdout.split()
    assert cli_only == ["False", "False"], cli_only


def test_encoding_a_chunk_does_not_import_pandas(tmp_path):
    code = (
        "import sys; sys.path.insert(0, 'tests/ensemble')\n"
        "import numpy as np\n"
        "import ensemble_fake_model as f\n"
        "from multipolar.scenario import load_scenario\n"
        "from multipolar.ensemble.store import encode_chunk\n"
        "import pyarrow.parquet as pq, io\n"
        "m = f.compile_model(load_scenario('tests/ensemble/tiny.yaml'))\n"
        "r = f.simulate(m, 3, 5, 17)\n"
        "files = encode_chunk(r)\n"
        "print('pandas' in sys.modules)\n"
        "t = pq.read_table(io.BytesIO(files['actors']), use_threads=False)\n"
        "a = np.asarray(t.column('alignment')).reshape(r.actor_outcomes['alignment'].shape)\n"
        "print(bool((a == r.actor_outcomes['alignment']).all()),"
        " t.column('actor').to_pylist()[:2] == list(r.actors[:2]))\n"
        "import gc; del t; gc.collect()\n")  # Arrow's pools at exit: apache/arrow#34314
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False, cwd=root)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout.split()
    assert out == ["False", "True", "True"], (out, proc.stderr[-3000:])
