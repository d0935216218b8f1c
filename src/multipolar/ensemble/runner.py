"""Run an ensemble: compile once, simulate chunks on an evaluator, store every chunk safely.

:func:`run_ensemble` is the one entry point used by the CLI (``multipolar run``), the Python
API and the dashboard. It loads and compiles the scenario of a :class:`RunSpec`, splits the
members into chunks, hands the chunks to an evaluator (local, processes or Dask), writes each
finished chunk to the run folder (see :mod:`multipolar.ensemble.store`) and finally computes
the summary from what is stored, so memory never holds more than a few chunks.

Determinism: member ``i``'s trajectory depends only on ``(compiled model, seed, i)``, so the
executor, the worker count, the chunk size and the order in which chunks finish never change
a stored value.

Depends on :mod:`multipolar.scenario`, the model contract (:mod:`multipolar.model.api` or a
double with the same functions), :mod:`multipolar.ensemble.store` and ``.summary``.
"""

from __future__ import annotations

import importlib
import os
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from multipolar.ensemble.evaluators import Evaluator, LocalEvaluator
from multipolar.ensemble.spec import RunSpec, canonical_hash, code_hash
from multipolar.ensemble.store import (
    CHUNK_DIR,
    ChunkPayload,
    RunStore,
    encode_chunk,
    now,
    sha256,
    spool_path,
    spool_write,
)
from multipolar.errors import MultipolarError
from multipolar.model._alloc import tune_allocator


@dataclass(frozen=True)
class Progress:
    """Where a run stands; passed to the ``progress`` callback after every chunk."""

    members_done: int
    members_total: int
    chunks_done: int
    chunks_total: int
    elapsed_s: float
    members_this_session: int

    @property
    def rate(self) -> float:
        """Members per second in this session."""
        return self.members_this_session / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the current rate (None before the first chunk)."""
        r = self.rate
        return (self.members_total - self.members_done) / r if r > 0 else None


ProgressCallback = Callable[[Progress], None]


@dataclass
class RunResult:
    """A finished (or resumed) run: where it is stored, its manifest and its summary.

    Results stay on disk; :meth:`arrow`, :meth:`pandas` and :meth:`query` read them through
    DuckDB. For a run without ``out`` the folder is temporary and lives as long as this object.
    """

    rundir: Path
    spec: RunSpec
    manifest: dict[str, Any]
    summary: dict[str, Any]
    chunks_run: int
    chunks_reused: int
    seconds: float
    _tmp: Any = field(default=None, repr=False)

    def query(self, sql: str) -> Any:
        """Run SQL over the stored results; return a :class:`pyarrow.Table`.

        Views: ``actors``, ``core``, ``params``, ``chunks``, ``sessions``, ``manifest``.
        """
        from multipolar.ensemble.query import query_arrow

        return query_arrow(self.rundir, sql)

    def arrow(self, table: str = "actors") -> Any:
        """One results table (``actors``, ``core`` or ``params``) as Arrow, in member order."""
        return self.query(f"select * from {_table_name(table)}")

    def pandas(self, table: str = "actors") -> Any:
        """One results table as a :class:`pandas.DataFrame`, in member order."""
        return self.arrow(table).to_pandas()

    def load(self) -> Any:
        """All members as one ``ChunkResult`` of the backend (small runs only)."""
        from multipolar.ensemble.summary import load_results

        return load_results(self.rundir)


def _table_name(table: str) -> str:
    if table not in ("actors", "core", "params"):
        raise MultipolarError(f"no results table '{table}'", field="table",
                              fix="use one of: actors, core, params")
    return table


# ------------------------------------------------------------------------------ worker task

@dataclass(frozen=True)
class Shared:
    """What every worker needs once: the backend module name, the compiled model, the seed."""

    backend: str
    model: Any
    seed: int
    spool_dir: str | None = None


def run_chunk(shared: Shared, chunk: tuple[int, int, int]) -> ChunkPayload:
    """Simulate one chunk and encode it (runs on a worker; pure function of its inputs).

    The first call in a worker process tunes the allocator (once per process; a worker of
    any executor starts here).
    """
    tune_allocator()
    index, start, stop = chunk
    t0 = time.perf_counter()
    backend = importlib.import_module(shared.backend)
    res = backend.simulate(shared.model, shared.seed, start, stop)
    files = encode_chunk(res)
    digests = {k: sha256(v) for k, v in files.items()}
    worker = f"{socket.gethostname()}:{os.getpid()}"
    if shared.spool_dir is None:
        return ChunkPayload(index=index, start=start, stop=stop, files=files, sha256=digests,
                            seconds=time.perf_counter() - t0, worker=worker)
    # same file system as the driver: write (and sync) here, send back only the names
    spooled: dict[str, str] = {}
    for table, data in files.items():
        path = spool_path(Path(shared.spool_dir), table, index)
        spool_write(path, data)
        spooled[table] = str(path)
    return ChunkPayload(index=index, start=start, stop=stop, files={}, sha256=digests,
                        seconds=time.perf_counter() - t0, worker=worker, spooled=spooled,
                        nbytes=sum(len(v) for v in files.values()))


# ------------------------------------------------------------------------------ driver

def load_and_compile(spec: RunSpec) -> tuple[Any, Any, dict[str, Any]]:
    """Load the spec's scenario, compile it with the backend; return (loaded, model, info)."""
    from multipolar.scenario import load_scenario

    loaded = load_scenario(spec.scenario, perspective=spec.perspective,
                           hypothesis=spec.hypothesis, sets=list(spec.sets),
                           events=list(spec.events))
    try:
        backend = importlib.import_module(spec.backend)
    except ImportError as exc:
        raise MultipolarError(f"cannot import the model backend '{spec.backend}' ({exc})",
                              field="backend", fix="use the default multipolar.model.api") from None
    t = loaded.scenario.time
    start = spec.start if spec.start is not None else t.start
    end = spec.end if spec.end is not None else t.end
    if end < start:
        raise MultipolarError(f"--end ({end}) is before --start ({start})", field="--end",
                              fix="give an end year after the start year")
    model = backend.compile_model(loaded, start=start, end=end)
    info = {"scenario_file": str(loaded.path), "scenario_name": loaded.scenario.name,
            "scenario_hash": canonical_hash(loaded.raw), "start": start, "end": end,
            "observed_until": t.observed_until,
            "applied": loaded.applied}
    return loaded, model, info


class _Signals:
    """Interrupt state of the driver: a signal inside a store write waits for its end."""

    def __init__(self) -> None:
        self.critical = False
        self.pending = False

    @contextmanager
    def protect(self) -> Iterator[None]:
        """Run a store write to its end; an interrupt that arrives meanwhile is raised after."""
        self.critical = True
        try:
            yield
        finally:
            self.critical = False
        if self.pending:
            raise KeyboardInterrupt


@contextmanager
def _terminate_as_interrupt() -> Iterator[_Signals]:
    """Treat SIGTERM like Ctrl-C in the driver, and never interrupt a store write midway.

    DuckDB turns an interrupt that lands inside a query into its own error, so both
    signals are routed through one handler that defers them during catalogue writes.
    """
    state = _Signals()
    if threading.current_thread() is not threading.main_thread():
        yield state
        return

    def handler(signum: int, frame: Any) -> None:
        if state.critical:
            state.pending = True
            return
        raise KeyboardInterrupt

    old_term = signal.signal(signal.SIGTERM, handler)
    old_int = signal.signal(signal.SIGINT, handler)
    try:
        yield state
    finally:
        signal.signal(signal.SIGTERM, old_term)
        signal.signal(signal.SIGINT, old_int)


def run_ensemble(
    spec: RunSpec,
    evaluator: Evaluator | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    progress: ProgressCallback | None = None,
    summary: bool = True,
) -> RunResult:
    """Run (or resume) the ensemble of ``spec`` on ``evaluator`` and store it in ``out``.

    Parameters
    ----------
    spec
        What to run (scenario, seed, members, years, chunk size).
    evaluator
        Where to run it; :class:`LocalEvaluator` if omitted. Used as a context manager here
        unless it has already been entered by the caller (entering twice is harmless).
    out
        The run folder; a temporary one (kept alive by the returned object) if omitted.
    resume
        Continue the run already in ``out``: only missing chunks are computed. Its scenario,
        seed, members, years, chunking and model code must match, or a clean error is raised.
    progress
        Called with a :class:`Progress` after the store is opened and after every chunk.
    summary
        Compute the summary (quantiles per actor-year) from the stored chunks at the end.

    Steps: (1) load and compile the scenario; (2) open or create the store and find the
    chunks already complete; (3) evaluate the missing chunks, writing each as it arrives;
    (4) mark the run complete and summarise it from disk.

    """
    evaluator = evaluator or LocalEvaluator()
    t0 = time.perf_counter()
    tmp = None
    if out is None:
        tmp = tempfile.TemporaryDirectory(prefix="multipolar-run-")
        rundir = Path(tmp.name)
    else:
        rundir = Path(out).expanduser()
    _loaded, model, info = load_and_compile(spec)
    if resume and spec.chunk_size is None:
        spec = _adopt_stored_chunking(spec, rundir)
    spec = spec.with_chunk_size(evaluator.workers)
    chunks = spec.chunks()
    identity = {"scenario_hash": info["scenario_hash"], "code_hash": code_hash(spec.backend),
                "seed": spec.seed, "members": spec.members, "start": info["start"],
                "end": info["end"], "chunk_size": spec.chunk_size, "backend": spec.backend}
    from multipolar import __version__

    manifest = {"spec": spec.to_dict(), "scenario": info, "code_version": __version__,
                "store_version": 1, "created_at": now(), "years": [info["start"], info["end"]],
                "chunks": len(chunks)}
    store = RunStore(rundir)
    n_run = 0
    done: set[int] = set()
    entered = nullcontext(evaluator) if getattr(evaluator, "active", False) else evaluator
    with _terminate_as_interrupt() as signals, entered:
        manifest["executor"] = evaluator.describe()
        with signals.protect():
            done = store.open(manifest, identity, resume, chunks, evaluator.describe())
        todo = [c for c in chunks if c[0] not in done]
        members_done = sum(c[2] - c[1] for c in chunks if c[0] in done)
        session_members = 0
        status = "failed"
        t_run = time.perf_counter()

        def report() -> None:
            if progress is not None:
                progress(Progress(members_done, spec.members, len(chunks) - len(todo) + n_run,
                                  len(chunks), time.perf_counter() - t_run, session_members))

        try:
            with signals.protect():
                store.set("started_at", now())
            report()
            spool = (str((rundir / CHUNK_DIR).resolve())
                     if getattr(evaluator, "shares_filesystem", False) else None)
            shared = Shared(spec.backend, model, spec.seed, spool)
            for _chunk, payload in evaluator.imap(run_chunk, shared, todo):
                with signals.protect():
                    store.write_chunk(payload)
                n_run += 1
                members_done += payload.stop - payload.start
                session_members += payload.stop - payload.start
                report()
            status = "complete"
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        finally:
            signals.critical = True  # a second signal must not cut the closing catalogue write
            store.finish(status)
            store.close()
    result_summary: dict[str, Any] = {}
    if summary:
        from multipolar.ensemble.summary import summarise_run

        result_summary = summarise_run(rundir)
    from multipolar.ensemble.store import connect, read_manifest

    con = connect(rundir, read_only=True)
    try:
        stored = read_manifest(con)
    finally:
        con.close()
    return RunResult(rundir=rundir, spec=spec, manifest=stored, summary=result_summary,
                     chunks_run=n_run, chunks_reused=len(done),
                     seconds=time.perf_counter() - t0, _tmp=tmp)


def _adopt_stored_chunking(spec: RunSpec, rundir: Path) -> RunSpec:
    """On resume with the default chunking, reuse the interrupted run's chunk size."""
    from dataclasses import replace

    from multipolar.ensemble.store import CATALOGUE, connect, read_manifest

    if not (rundir / CATALOGUE).is_file():
        return spec
    con = connect(rundir, read_only=True)
    try:
        old = read_manifest(con)
    finally:
        con.close()
    stored = (old.get("spec") or {}).get("chunk_size")
    return replace(spec, chunk_size=int(stored)) if stored else spec
