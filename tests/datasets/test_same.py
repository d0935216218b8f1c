"""The data files' comparison tolerates other library versions, never other contents."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.datasets.same import assert_same_file


def _write(path: Path, values: list[int], pandas_version: str) -> Path:
    meta = {"index_columns": [], "columns": [{"name": "x"}], "pandas_version": pandas_version,
            "creator": {"library": "pyarrow", "version": pandas_version}}
    t = pa.table({"x": pa.array(values, pa.int32())}).replace_schema_metadata(
        {b"pandas": json.dumps(meta).encode()})
    pq.write_table(t, path)
    return path


def test_other_versions_with_the_same_table_pass(tmp_path: Path) -> None:
    a = _write(tmp_path / "a.parquet", [1, 2, 3], "3.1.1")
    b = _write(tmp_path / "b.parquet", [1, 2, 3], "3.1.2")
    assert a.read_bytes() != b.read_bytes()
    assert_same_file(a, b)


@pytest.mark.parametrize("values", [[1, 2, 4], [1, 3, 2], [1, 2]])
def test_other_contents_fail_whatever_the_versions(tmp_path: Path, values: list[int]) -> None:
    a = _write(tmp_path / "a.parquet", [1, 2, 3], "3.1.1")
    for v in ("3.1.1", "3.1.2"):
        with pytest.raises(AssertionError):
            assert_same_file(a, _write(tmp_path / f"b{v}.parquet", values, v))
