"""Equality of a written data file with a reference, independent of the library versions.

A Parquet file records the versions that wrote it (the footer's ``created_by``, pyarrow's; the
``pandas`` schema metadata's ``creator`` and ``pandas_version``), so two identical tables
written by different releases of pandas or pyarrow differ in those bytes only. Same versions:
the bytes must be equal. Other versions: the tables (schema, types, values, row order) and the
pandas metadata less its version fields must be equal.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

_VERSION_KEYS = ("creator", "pandas_version")


def _pandas_meta(f: pq.ParquetFile) -> dict[str, Any]:
    meta = f.schema_arrow.metadata or {}
    doc = json.loads(meta.get(b"pandas", b"{}"))
    return {k: v for k, v in doc.items() if k not in _VERSION_KEYS}


def _versions(f: pq.ParquetFile) -> tuple[Any, ...]:
    meta = f.schema_arrow.metadata or {}
    doc = json.loads(meta.get(b"pandas", b"{}"))
    return (f.metadata.created_by, *(json.dumps(doc.get(k)) for k in _VERSION_KEYS))


def assert_same_file(got: Path, want: Path) -> None:
    """``got`` holds what ``want`` holds: byte for byte, or table for table across versions."""
    if got.suffix != ".parquet":
        assert got.read_bytes() == want.read_bytes(), got.name
        return
    fg, fw = pq.ParquetFile(got), pq.ParquetFile(want)
    if _versions(fg) == _versions(fw):
        assert got.read_bytes() == want.read_bytes(), got.name
        return
    tg, tw = fg.read(), fw.read()
    assert tg.schema.equals(tw.schema, check_metadata=False), got.name
    assert tg.equals(tw), got.name
    assert _pandas_meta(fg) == _pandas_meta(fw), got.name
    assert fg.metadata.num_rows == fw.metadata.num_rows
