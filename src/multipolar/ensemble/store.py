"""The results store of a run: Parquet chunks plus a DuckDB catalogue, losing nothing.

Layout of a run folder ``RUNDIR``::

    RUNDIR/catalogue.duckdb          run manifest, sessions, one row per chunk (status, sha256)
    RUNDIR/chunks/actors-00000.parquet   member, year, actor, actor outcomes, in_<institution>
    RUNDIR/chunks/core-00000.parquet     member, year, core (Russia) outcomes
    RUNDIR/chunks/params-00000.parquet   member, sampled uncertain parameters
    RUNDIR/chunks/summary-00000.bin      the chunk's summary partial (until the run is summarised)
    RUNDIR/run-summary.json              the run's summary, once complete

What a run keeps (``keep``, recorded in the manifest): ``members`` stores the three tables of
every chunk; ``sample`` stores them for the first ``SAMPLE_MEMBERS`` members only (members are
independent draws keyed by their number, so the first ones are a random sample); ``summary``
stores none. Every chunk also gets a small summary partial (:mod:`multipolar.ensemble.stream`)
so an interrupted run resumes whatever it keeps; once the summary is written, the partials
are deleted.

Rules that make a run survive SIGINT, SIGTERM, SIGKILL, a full disk or a crash at any moment:

* Workers encode a chunk to Parquet *bytes* and hash them; only the driver touches ``RUNDIR``.
* A file is written to a temporary name, flushed, ``fsync``-ed and atomically renamed; the
  folder is ``fsync``-ed too. Only then does the catalogue mark the chunk ``done`` with the
  files' SHA-256 in one transaction.
* A chunk counts as complete only if the catalogue says ``done`` *and* every file exists with
  the recorded checksum (checked on resume). A file without a ``done`` row is ignored and
  rewritten; a stray temporary file is deleted.
* DuckDB allows one writer process: the driver holds the catalogue open while it runs;
  readers (``runs show``, ``query``) open it read-only and get a clear error while it is busy.

Depends on NumPy, PyArrow, DuckDB and :mod:`multipolar.core.errors`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from multipolar.core.errors import MultipolarError

CATALOGUE = "catalogue.duckdb"
CHUNK_DIR = "chunks"
TABLES = ("actors", "core", "params")
STORE_VERSION = 2
PARTIAL = "summary"
SUMMARY_FILE = "run-summary.json"
KEEP_CHOICES = ("summary", "sample", "members")
SAMPLE_MEMBERS = 1000
AUTO_SUMMARY_ABOVE = 100_000


def resolve_keep(keep: str | None, members: int) -> str:
    """Return the ``keep`` choice of a run (an unknown choice is a clean error).

    ``auto`` or None means ``sample`` up to ``AUTO_SUMMARY_ABOVE`` members, ``summary`` above.
    """
    if keep in (None, "auto"):
        return "sample" if members <= AUTO_SUMMARY_ABOVE else "summary"
    if keep not in KEEP_CHOICES:
        raise MultipolarError(f"unknown --keep choice '{keep}'", field="--keep",
                              fix="choose one of: summary, sample, members (or auto)")
    return keep


def kept_rows(keep: str, start: int, stop: int) -> int:
    """How many of chunk ``[start, stop)``'s members get their tables stored under ``keep``."""
    if keep == "members":
        return stop - start
    if keep == "sample":
        return max(0, min(stop, SAMPLE_MEMBERS) - start)
    return 0


# ------------------------------------------------------------------------------ worker side

@dataclass
class ChunkPayload:
    """A finished chunk as encoded by a worker: its Parquet tables and their SHA-256.

    Either ``files`` holds the bytes (sent back to the driver), or, when the worker shares the
    driver's file system, ``spooled`` names temporary files the worker has already written and
    synced in the run's chunk folder; the driver only renames them into place.
    """

    index: int
    start: int
    stop: int
    files: dict[str, bytes]
    sha256: dict[str, str]
    seconds: float
    worker: str
    spooled: dict[str, str] | None = None
    nbytes: int = 0
    result: Any = None
    partial: Any = None


def spool_path(spool_dir: Path, table: str, index: int) -> Path:
    """Temporary name a worker writes chunk ``index`` of ``table`` to (ignored until renamed)."""
    return spool_dir / f".{table}-{index:05d}.parquet.tmp-{os.getpid()}"


def spool_write(path: Path, data: bytes) -> None:
    """Write and ``fsync`` a worker's temporary chunk file (clean error on a full disk)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        with contextlib.suppress(OSError):
            path.unlink()
        raise _disk_error(exc, path) from None


def _arrow(values: Any) -> Any:
    """A NumPy array (or a list of strings) as an Arrow array, built from its buffers.

    ``pyarrow.array`` would import pandas (about 0.3 s) to check for pandas input; building
    from buffers gives the same array without it.
    """
    # lazy: keeps start-up fast (loads pyarrow)
    import pyarrow as pa

    if isinstance(values, list):  # strings
        data = [str(v).encode() for v in values]
        offsets = np.zeros(len(data) + 1, dtype=np.int32)
        np.cumsum([len(d) for d in data], out=offsets[1:])
        return pa.Array.from_buffers(pa.string(), len(data),
                                     [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(data))])
    arr = np.ascontiguousarray(values)
    if arr.dtype.kind not in "iuf" or arr.ndim != 1:  # booleans are bit-packed in Arrow
        return pa.array(arr)
    return pa.Array.from_buffers(pa.from_numpy_dtype(arr.dtype), len(arr),
                                 [None, pa.py_buffer(arr)])


def encode_chunk(res: Any) -> dict[str, bytes]:
    """Encode a :class:`~multipolar.model.api.ChunkResult` as three Parquet tables (bytes).

    Rows are in (member, year, actor) order, so reading a chunk back is a reshape.
    """
    # lazy: keeps start-up fast (loads pyarrow)
    import pyarrow as pa

    # lazy: keeps start-up fast (loads pyarrow)
    import pyarrow.parquet as pq

    n = int(res.stop - res.start)
    years = np.asarray(res.years, dtype=np.int16)
    t, a = len(years), len(res.actors)
    members = np.arange(res.start, res.stop, dtype=np.int32)
    actor_idx = pa.DictionaryArray.from_arrays(
        _arrow(np.tile(np.arange(a, dtype=np.int16), n * t)), _arrow(list(res.actors)))
    cols: dict[str, Any] = {
        "member": np.repeat(members, t * a),
        "year": np.tile(np.repeat(years, a), n),
        "actor": actor_idx,
    }
    for name, arr in res.actor_outcomes.items():
        cols[name] = np.ascontiguousarray(arr, dtype=np.float32).reshape(-1)
    mem = np.asarray(res.memberships, dtype=np.int8)
    for k, inst in enumerate(res.institutions):
        cols[f"in_{inst}"] = np.ascontiguousarray(mem[..., k]).reshape(-1)
    tables = {"actors": _table(cols)}
    core: dict[str, Any] = {"member": np.repeat(members, t), "year": np.tile(years, n)}
    for name, arr in res.core_outcomes.items():
        core[name] = np.ascontiguousarray(arr, dtype=np.float32).reshape(-1)
    tables["core"] = _table(core)
    params: dict[str, Any] = {"member": members}
    for name, arr in res.params.items():
        params[name] = np.asarray(arr).reshape(-1)
    tables["params"] = _table(params)
    out: dict[str, bytes] = {}
    for name, table in tables.items():
        floats = [f.name for f in table.schema if pa.types.is_floating(f.type)]
        dicts = [f.name for f in table.schema
                 if f.name in ("actor", "year", "conflict") or f.name.startswith("in_")]
        sink = pa.BufferOutputStream()
        # floats: no dictionary attempt (they rarely repeat) and byte-stream-split, which
        # makes them compress; small-valued columns: dictionary + run-length encoding
        pq.write_table(table, sink, compression="zstd", compression_level=1,
                       row_group_size=1 << 20, use_dictionary=dicts,
                       use_byte_stream_split=floats or False,
                       write_statistics=[c for c in ("member", "year") if c in table.schema.names])
        out[name] = sink.getvalue().to_pybytes()
    return out


def _table(cols: dict[str, Any]) -> Any:
    # lazy: keeps start-up fast (loads pyarrow)
    import pyarrow as pa

    return pa.Table.from_arrays([c if isinstance(c, pa.Array) else _arrow(c)
                                 for c in cols.values()], names=list(cols))


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


# ------------------------------------------------------------------------------ driver side

def _disk_error(exc: OSError, path: Path) -> MultipolarError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return MultipolarError(
            f"the disk is full while writing {path.name}; the chunks already saved are intact",
            file=str(path.parent), fix="free some space (or pick another --out) and re-run the "
            "same command with --resume")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return MultipolarError(f"cannot write to the run folder ({exc.strerror})",
                               file=str(path.parent), field="--out",
                               fix="choose a folder you can write to with --out")
    return MultipolarError(f"cannot write {path.name} ({exc.strerror or exc})",
                           file=str(path.parent), fix="check the run folder and the disk, then "
                           "re-run with --resume")


def summary_bytes(summary: dict[str, Any]) -> bytes:
    """The bytes of ``run-summary.json`` for ``summary`` (what reading it back parses)."""
    return json.dumps(summary, separators=(",", ":")).encode()


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that ``path`` is either absent, old, or complete."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
        fsync_dir(path.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise _disk_error(exc, path) from None


def fsync_dir(folder: Path) -> None:
    """``fsync`` a folder so a rename in it is durable (a no-op where unsupported)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in blocks."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def chunk_path(rundir: Path, table: str, index: int) -> Path:
    """Where chunk ``index`` of ``table`` (or of its summary partial) lives."""
    ext = "bin" if table == PARTIAL else "parquet"
    return rundir / CHUNK_DIR / f"{table}-{index:05d}.{ext}"


def now() -> str:
    """Return the current UTC time, ISO 8601."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


_SCHEMA = """
create table if not exists manifest (key varchar primary key, value varchar);
create table if not exists chunks (
    idx integer primary key, member_start bigint, member_stop bigint, status varchar,
    sha_actors varchar, sha_core varchar, sha_params varchar, bytes bigint,
    seconds double, worker varchar, session integer, finished_at varchar);
alter table chunks add column if not exists sha_summary varchar;
create table if not exists sessions (
    session integer primary key, executor varchar, workers integer, scheduler varchar,
    started_at varchar, finished_at varchar, status varchar, chunks_run integer);
"""


def connect(rundir: Path, read_only: bool = False) -> Any:
    """Open ``RUNDIR/catalogue.duckdb`` (clean errors when missing, busy or unreadable)."""
    # lazy: keeps start-up fast (loads duckdb)
    import duckdb

    path = rundir / CATALOGUE
    if read_only and not path.is_file():
        raise MultipolarError(f"no multipolar run in {rundir} (no {CATALOGUE})", file=str(rundir),
                              fix="give the folder passed as --out to `multipolar run`; "
                              "`multipolar runs list` shows runs")
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        msg = str(exc)
        if "lock" in msg.lower():
            raise MultipolarError(
                "the run's catalogue is in use by another process (a run is still going)",
                file=str(path), fix="wait for the run to finish (or stop it), then retry"
            ) from None
        raise MultipolarError(f"cannot open the catalogue ({msg.splitlines()[0]})",
                              file=str(path), fix="check the path and permissions") from None
    except duckdb.Error as exc:
        raise MultipolarError(f"the catalogue is not readable ({str(exc).splitlines()[0]})",
                              file=str(path), fix="the file may be corrupt: start a new run "
                              "in another folder") from None


def read_manifest(con: Any) -> dict[str, Any]:
    """Return the manifest as a dict of JSON values."""
    return {k: json.loads(v) for k, v in con.execute("select key, value from manifest").fetchall()}


class RunStore:
    """The driver's handle on a run folder: creates, validates, resumes and records chunks."""

    def __init__(self, rundir: Path) -> None:
        self.rundir = Path(rundir)
        self.con: Any = None
        self.session = 0

    # -- opening
    def open(self, manifest: dict[str, Any], identity: dict[str, Any], resume: bool,
             chunks: list[tuple[int, int, int]], executor: dict[str, Any]) -> set[int]:
        """Create or reopen the store; return the indices of chunks already complete.

        A folder that holds a different run, or a run while ``resume`` is off, is a clean
        error; so is a folder that cannot be created or written.
        """
        self._ensure_writable()
        exists = (self.rundir / CATALOGUE).is_file()
        if exists and not resume:
            raise MultipolarError(
                "the output folder already holds a multipolar run", file=str(self.rundir),
                field="--out", fix="add --resume to finish or reuse it, or choose a new --out")
        self.con = connect(self.rundir)
        try:
            self.con.execute(_SCHEMA)
            old = read_manifest(self.con) if exists else {}
            if old.get("identity"):
                self._check_identity(old["identity"], identity)
            else:
                self.con.execute("begin")
                for k, v in manifest.items():
                    self.con.execute("insert or replace into manifest values (?, ?)",
                                     [k, json.dumps(v, default=str)])
                self.con.execute("insert or replace into manifest values (?, ?)",
                                 ["identity", json.dumps(identity, default=str)])
                self.con.executemany(
                    "insert or ignore into chunks (idx, member_start, member_stop, status) "
                    "values (?, ?, ?, 'pending')", [list(c) for c in chunks])
                self.con.execute("commit")
            row = self.con.execute("select coalesce(max(session), 0) + 1 from sessions").fetchone()
            self.session = int(row[0])
            self.con.execute(
                "insert into sessions values (?, ?, ?, ?, ?, null, 'running', 0)",
                [self.session, executor.get("executor"), executor.get("workers"),
                 executor.get("scheduler"), now()])
            self._set_manifest("status", "running")
            return self._verified_done()
        except BaseException:
            self.close()
            raise

    def _ensure_writable(self) -> None:
        try:
            (self.rundir / CHUNK_DIR).mkdir(parents=True, exist_ok=True)
            probe = self.rundir / f".probe-{os.getpid()}"
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as exc:
            raise _disk_error(exc, self.rundir / CATALOGUE) from None
        for stray in (self.rundir / CHUNK_DIR).glob(".*.tmp-*"):
            with contextlib.suppress(OSError):
                stray.unlink()

    def _check_identity(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        labels = {"scenario_hash": "scenario (after perspective, hypothesis and --set)",
                  "code_hash": "model code", "seed": "seed", "members": "number of members",
                  "start": "start year", "end": "end year", "chunk_size": "chunk size",
                  "backend": "model backend", "keep": "--keep choice",
                  "history": "history (--free or following the record)",
                  "anchor": "anchor strength (--anchor)"}
        # stores of version 1 kept every member, runs before the record was followed ran
        # free, and runs before the anchor was recorded used the default
        old = {"keep": "members", "history": "free", "anchor": new.get("anchor"), **old}
        diffs = [k for k in labels if old.get(k) != new.get(k)]
        if diffs:
            k = diffs[0]
            shown_old = old.get(k) if "hash" not in k else str(old.get(k))[:12]
            shown_new = new.get(k) if "hash" not in k else str(new.get(k))[:12]
            raise MultipolarError(
                f"cannot resume: the run in this folder has a different {labels[k]} "
                f"({shown_old}, not {shown_new})", file=str(self.rundir), field=k,
                fix="re-run with exactly the options of the interrupted run, or choose a new "
                "--out to start a separate run")

    def _verified_done(self) -> set[int]:
        rows = self.con.execute(
            "select idx, sha_actors, sha_core, sha_params, sha_summary from chunks "
            "where status = 'done'").fetchall()
        done: set[int] = set()
        bad: list[int] = []
        for idx, *shas in rows:
            # a file is expected where the catalogue recorded its checksum (what was kept)
            ok = all(
                s is None or (chunk_path(self.rundir, t, idx).is_file()
                              and file_sha256(chunk_path(self.rundir, t, idx)) == s)
                for t, s in zip((*TABLES, PARTIAL), shas, strict=True))
            (done.add if ok else bad.append)(int(idx))
        if bad:
            self.con.executemany("update chunks set status = 'pending' where idx = ?",
                                 [[i] for i in bad])
        return done

    # -- writing
    def write_chunk(self, payload: ChunkPayload) -> None:
        """Write a chunk's files atomically, then mark it done in the catalogue."""
        size = payload.nbytes
        if payload.spooled is not None:
            try:
                for table, spooled in payload.spooled.items():
                    os.replace(spooled, chunk_path(self.rundir, table, payload.index))
            except OSError as exc:
                raise _disk_error(exc, chunk_path(self.rundir, "actors", payload.index)) from None
            fsync_dir(self.rundir / CHUNK_DIR)
        else:
            size = 0
            for table, data in payload.files.items():
                # the worker hashed the bytes it encoded; the hash is checked again on resume
                atomic_write(chunk_path(self.rundir, table, payload.index), data)
                size += len(data)
        sha = payload.sha256
        self.con.execute(
            "update chunks set status = 'done', sha_actors = ?, sha_core = ?, sha_params = ?, "
            "sha_summary = ?, bytes = ?, seconds = ?, worker = ?, session = ?, finished_at = ? "
            "where idx = ?",
            [sha.get("actors"), sha.get("core"), sha.get("params"), sha.get(PARTIAL), size,
             payload.seconds, payload.worker, self.session, now(), payload.index])
        self.con.execute("update sessions set chunks_run = chunks_run + 1 where session = ?",
                         [self.session])

    def _set_manifest(self, key: str, value: Any) -> None:
        self.con.execute("insert or replace into manifest values (?, ?)",
                         [key, json.dumps(value, default=str)])

    def set(self, key: str, value: Any) -> None:
        """Record ``key = value`` (JSON) in the manifest."""
        self._set_manifest(key, value)

    def write_summary(self, summary: dict[str, Any], data: bytes | None = None) -> None:
        """Store the run's summary (``run-summary.json``), then drop the chunks' partials.

        ``data``: the summary already encoded by :func:`summary_bytes` (not encoded twice).
        Order: the JSON is written atomically, the catalogue records it and forgets the
        partials' checksums in one transaction, and only then are the partial files deleted
        (a crash in between leaves unused files, never a run without its summary).
        """
        data = summary_bytes(summary) if data is None else data
        atomic_write(self.rundir / SUMMARY_FILE, data)
        self.con.execute("begin")
        self._set_manifest("summary", {"file": SUMMARY_FILE, "sha256": sha256(data),
                                       "bytes": len(data)})
        self.con.execute("update chunks set sha_summary = null")
        self.con.execute("commit")
        for f in (self.rundir / CHUNK_DIR).glob(f"{PARTIAL}-*.bin"):
            with contextlib.suppress(OSError):
                f.unlink()

    def finish(self, status: str) -> None:
        """Record the end of this session (``complete``, ``interrupted`` or ``failed``)."""
        if self.con is None:
            return
        with contextlib.suppress(Exception):
            self.con.execute("update sessions set finished_at = ?, status = ? where session = ?",
                             [now(), status, self.session])
            if status == "complete":
                self._set_manifest("finished_at", now())
            self._set_manifest("status", status)

    def close(self) -> None:
        """Close the catalogue (releasing the writer lock)."""
        if self.con is not None:
            with contextlib.suppress(Exception):
                self.con.close()
            self.con = None


# ------------------------------------------------------------------------------ reading

def completed_chunks(con: Any) -> list[tuple[int, int, int]]:
    """``(index, start, stop)`` of chunks marked done, in member order."""
    rows = con.execute("select idx, member_start, member_stop from chunks where status = 'done' "
                       "order by member_start").fetchall()
    return [(int(i), int(a), int(b)) for i, a, b in rows]


def stored_chunks(con: Any) -> list[tuple[int, int, int]]:
    """Done chunks whose result tables were kept, ``(index, start, stop)`` in member order.

    ``stop`` is the first member *not* stored (a sample chunk may be cut short).
    """
    has_sha = {r[0] for r in con.execute("describe chunks").fetchall()}
    if "sha_summary" not in has_sha:  # a store of version 1 kept every member
        return completed_chunks(con)
    keep = read_manifest(con).get("keep", "members")
    rows = con.execute("select idx, member_start, member_stop from chunks where status = 'done' "
                       "and sha_actors is not null order by member_start").fetchall()
    out = [(int(i), int(a), int(a) + kept_rows(keep, int(a), int(b))) for i, a, b in rows]
    return [c for c in out if c[2] > c[1]]


def parquet_list(rundir: Path, table: str, chunks: list[tuple[int, int, int]]) -> str:
    """Return a DuckDB list literal of the complete chunk files of ``table`` (member order)."""
    paths = [str(chunk_path(rundir, table, i)).replace("'", "''") for i, _, _ in chunks]
    return "[" + ", ".join(f"'{p}'" for p in paths) + "]"


@contextlib.contextmanager
def open_views(rundir: Path) -> Iterator[Any]:
    """Open an in-memory DuckDB connection with views over a run's *complete* chunks.

    Views: ``actors``, ``core``, ``params`` (results), ``chunks``, ``sessions`` and
    ``manifest`` (catalogue copies). Only chunks marked done are visible.
    """
    # lazy: keeps start-up fast (loads duckdb)
    import duckdb

    rundir = Path(rundir)
    cat = connect(rundir, read_only=True)
    try:
        chunks = stored_chunks(cat)
        chunk_rows = cat.execute("select * from chunks order by idx").df()
        session_rows = cat.execute("select * from sessions order by session").df()
        manifest_rows = cat.execute("select * from manifest order by key").df()
    finally:
        cat.close()
    con = duckdb.connect()
    try:
        con.register("chunks_df", chunk_rows)
        con.register("sessions_df", session_rows)
        con.register("manifest_df", manifest_rows)
        con.execute("create view chunks as select * from chunks_df")
        con.execute("create view sessions as select * from sessions_df")
        con.execute("create view manifest as select * from manifest_df")
        for table in TABLES:
            if chunks:
                con.execute(f"create view {table} as select * from "
                            f"read_parquet({parquet_list(rundir, table, chunks)})")
            else:
                con.execute(f"create view {table} as select null::integer as member where false")
        yield con
    finally:
        con.close()
