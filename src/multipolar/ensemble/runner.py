"""Run an ensemble: compile once, simulate chunks on an evaluator, store every chunk safely.

:func:`run_ensemble` is the one entry point used by the CLI (``multipolar run``), the Python
API and the dashboard. It loads and compiles the scenario of a :class:`RunSpec`, splits the
members into chunks, hands the chunks to an evaluator (local, processes or Dask), writes each
finished chunk to the run folder (see :mod:`multipolar.ensemble.store`) and folds each chunk's
summary partial (:mod:`multipolar.ensemble.stream`) into the run's summary, so memory never
holds more than a few chunks and summarising costs one pass.

Pipelining: a writer thread takes finished chunks from a bounded queue (``PIPELINE_DEPTH``)
and encodes (local executor), writes and records them while the evaluator simulates the next
ones; the crash-safe order of every single write is unchanged, so results and resume are the
same as writing in series.

Determinism: member ``i``'s trajectory depends only on ``(compiled model, seed, i)``, so the
executor, the worker count, the chunk size and the order in which chunks finish never change
a stored value.

Depends on :mod:`multipolar.scenario`, the model contract (:mod:`multipolar.model.api` or a
double with the same functions), :mod:`multipolar.ensemble.store` and ``.summary``.
"""

from __future__ import annotations

import importlib
import json
import os
import queue
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from multipolar import __version__
from multipolar.core.errors import MultipolarError
from multipolar.ensemble.evaluators import Evaluator, LocalEvaluator
from multipolar.ensemble.query import query_arrow
from multipolar.ensemble.spec import RunSpec, canonical_hash, code_hash
from multipolar.ensemble.store import (
    CATALOGUE,
    CHUNK_DIR,
    PARTIAL,
    STORE_VERSION,
    ChunkPayload,
    RunStore,
    chunk_path,
    connect,
    encode_chunk,
    kept_rows,
    now,
    read_manifest,
    resolve_keep,
    sha256,
    spool_path,
    spool_write,
    summary_bytes,
)
from multipolar.ensemble.stream import Partial, summary_mode
from multipolar.ensemble.summary import load_results, summarise_run
from multipolar.model._alloc import tune_allocator
from multipolar.scenario import load_scenario


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
        return query_arrow(self.rundir, sql)

    def arrow(self, table: str = "actors") -> Any:
        """One results table (``actors``, ``core`` or ``params``) as Arrow, in member order."""
        return self.query(f"select * from {_table_name(table)}")

    def pandas(self, table: str = "actors") -> Any:
        """One results table as a :class:`pandas.DataFrame`, in member order."""
        return self.arrow(table).to_pandas()

    def load(self) -> Any:
        """All members as one ``ChunkResult`` of the backend (small runs only)."""
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
    keep: str = "members"
    summary_mode: str = "exact"
    encode: bool = True


def _head(res: Any, rows: int) -> Any:
    """The first ``rows`` members of a ``ChunkResult`` (the kept sample of a chunk)."""
    if rows >= res.stop - res.start:
        return res
    return type(res)(res.start, res.start + rows, res.years, res.actors, res.institutions,
                     {k: v[:rows] for k, v in res.actor_outcomes.items()},
                     res.memberships[:rows],
                     {k: v[:rows] for k, v in res.core_outcomes.items()},
                     {k: v[:rows] for k, v in res.params.items()})


def encode_kept(shared: Shared, res: Any) -> tuple[dict[str, bytes], Any]:
    """The files a chunk stores under ``shared.keep``, and its summary partial."""
    rows = kept_rows(shared.keep, int(res.start), int(res.stop))
    files = encode_chunk(_head(res, rows)) if rows else {}
    partial = Partial.of_chunk(res, shared.summary_mode)
    files[PARTIAL] = partial.to_bytes()
    return files, partial


def run_chunk(shared: Shared, chunk: tuple[int, int, int]) -> ChunkPayload:
    """Simulate one chunk and encode it (runs on a worker; pure function of its inputs).

    With ``shared.encode`` off (the local executor) the raw result is handed back and the
    driver's writer thread encodes it while the next chunk is simulated.
    """
    tune_allocator()
    index, start, stop = chunk
    t0 = time.perf_counter()
    backend = importlib.import_module(shared.backend)
    res = backend.simulate(shared.model, shared.seed, start, stop)
    worker = f"{socket.gethostname()}:{os.getpid()}"
    if not shared.encode:
        return ChunkPayload(index=index, start=start, stop=stop, files={}, sha256={},
                            seconds=time.perf_counter() - t0, worker=worker, result=res)
    files, _partial = encode_kept(shared, res)
    digests = {k: sha256(v) for k, v in files.items()}
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
    follow = getattr(backend, "follow_record", None)
    anchor = None
    if not spec.free and follow is not None:
        if spec.anchor is None:
            model = follow(model, seed=spec.seed)
            anchor = getattr(backend, "DEFAULT_ANCHOR", None)
        else:
            model = follow(model, seed=spec.seed, anchor=spec.anchor)
            anchor = float(spec.anchor)
    info = {"scenario_file": str(loaded.path), "scenario_name": loaded.scenario.name,
            "scenario_hash": canonical_hash(loaded.raw), "start": start, "end": end,
            "observed_until": t.observed_until,
            "history": "free" if spec.free or follow is None else "observed",
            "anchor": anchor, "applied": loaded.applied}
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


PIPELINE_DEPTH = 1


class _Writer:
    """The driver's writer thread: encodes (if needed), stores and folds finished chunks.

    ``put`` blocks while ``PIPELINE_DEPTH`` chunks wait, which bounds memory. Errors in the
    thread are re-raised in the caller by ``put``/``close``. ``done`` lists the payloads
    written so far (read by the main thread for progress reports).
    """

    def __init__(self, store: RunStore, shared: Shared, accumulate: bool,
                 threaded: bool = True) -> None:
        self.store, self.shared, self.accumulate = store, shared, accumulate
        self.threaded = threaded
        self.q: queue.Queue[ChunkPayload | None] = queue.Queue(maxsize=PIPELINE_DEPTH)
        self.done: list[ChunkPayload] = []
        self.partial: Any = None
        self.error: BaseException | None = None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="multipolar-writer", daemon=True)
        if threaded:
            self.thread.start()

    def _loop(self) -> None:
        while True:
            item = self.q.get()
            if item is None or self.stop.is_set() or self.error is not None:
                return
            try:
                self._write(item)
            except BaseException as exc:  # handed to the main thread
                self.error = exc

    def _write(self, payload: ChunkPayload) -> None:
        partial = None
        if payload.result is not None:  # local executor: encode here, off the main thread
            files, partial = encode_kept(self.shared, payload.result)
            payload.files = files
            payload.sha256 = {k: sha256(v) for k, v in files.items()}
            payload.result = None
        self.store.write_chunk(payload)
        if self.accumulate:
            if partial is None:
                path = chunk_path(self.store.rundir, PARTIAL, payload.index)
                partial = Partial.from_bytes(path.read_bytes())
            self.fold(partial)
        self.done.append(payload)

    def fold(self, partial: Any) -> None:
        """Add a chunk's summary partial to the run's."""
        self.partial = partial if self.partial is None else self.partial.merge(partial)

    def put(self, payload: ChunkPayload) -> None:
        """Queue a finished chunk (blocks while the queue is full); in series: write it now."""
        if not self.threaded:
            self._write(payload)
            return
        while True:
            self.check()
            try:
                self.q.put(payload, timeout=0.1)
                return
            except queue.Full:
                continue

    def check(self) -> None:
        """Re-raise an error of the writer thread."""
        if self.error is not None:
            raise self.error

    def close(self, drain: bool) -> None:
        """Stop the thread: after the queued chunks (``drain``) or after the current one."""
        if not self.threaded:
            return
        if not drain:
            self.stop.set()
            with _suppress_empty():
                while True:
                    self.q.get_nowait()
        while self.thread.is_alive():
            try:
                self.q.put(None, timeout=0.1)
                break
            except queue.Full:
                continue
        self.thread.join()


@contextmanager
def _suppress_empty() -> Iterator[None]:
    try:
        yield
    except queue.Empty:
        pass


def _identity_and_manifest(spec: RunSpec, info: dict[str, Any], keep: str, mode: str,
                           n_chunks: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """What a resumed run must match (identity), and the run's manifest."""
    identity = {"keep": keep, "scenario_hash": info["scenario_hash"],
                "code_hash": code_hash(spec.backend), "seed": spec.seed,
                "members": spec.members, "start": info["start"], "end": info["end"],
                "chunk_size": spec.chunk_size, "backend": spec.backend,
                "history": info.get("history", "free"), "anchor": info.get("anchor")}
    manifest = {"spec": spec.to_dict(), "scenario": info, "code_version": __version__,
                "store_version": STORE_VERSION, "created_at": now(),
                "years": [info["start"], info["end"]],
                "chunks": n_chunks, "keep": keep, "summary_mode": mode}
    return identity, manifest


def run_ensemble(
    spec: RunSpec,
    evaluator: Evaluator | None = None,
    out: str | Path | None = None,
    resume: bool = False,
    progress: ProgressCallback | None = None,
    summary: bool = True,
    keep: str | None = "members",
    pipeline: bool = True,
    on_summary: Callable[[dict[str, Any]], None] | None = None,
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
        Compute the summary (quantiles per actor-year) at the end and store it.
    keep
        What to store besides the summary: ``members`` (every member's results), ``sample``
        (the first ``SAMPLE_MEMBERS`` members), ``summary`` (nothing else), or ``auto``/None
        (a sample up to 100,000 members, the summary alone above).
    pipeline
        Write chunks in a writer thread while the next ones are simulated (the default);
        ``False`` writes each chunk before the next is asked for (same files, same results).
    on_summary
        Called with the final summary as soon as it is folded, before it is stored and the
        session closed (``multipolar run`` starts drawing its charts then): the summary as
        reading ``run-summary.json`` back gives it (parsed from the bytes stored). Not called
        when the run's summary was stored by an earlier session.

    Steps: (1) load and compile the scenario; (2) open or create the store and find the
    chunks already complete; (3) evaluate the missing chunks, writing each as it arrives;
    (4) mark the run complete and store the summary folded from the chunks' partials.

    """
    evaluator = evaluator or LocalEvaluator()
    t0 = time.perf_counter()
    tmp = tempfile.TemporaryDirectory(prefix="multipolar-run-") if out is None else None
    rundir = Path(tmp.name) if tmp is not None else Path(str(out)).expanduser()
    _loaded, model, info = load_and_compile(spec)
    if resume and spec.chunk_size is None:
        spec = _adopt_stored_chunking(spec, rundir)
    spec = spec.with_chunk_size(evaluator.workers, len(model.actors))
    chunks = spec.chunks()
    keep = resolve_keep(keep, spec.members)

    mode = summary_mode(spec.members)
    identity, manifest = _identity_and_manifest(spec, info, keep, mode, len(chunks))
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

        spool = (str((rundir / CHUNK_DIR).resolve())
                 if getattr(evaluator, "shares_filesystem", False) else None)
        shared = Shared(spec.backend, model, spec.seed, spool, keep=keep, summary_mode=mode,
                        encode=evaluator.name != "local")
        writer: _Writer | None = None
        reported = 0

        def drain_progress() -> None:
            nonlocal n_run, members_done, session_members, reported
            assert writer is not None
            while reported < len(writer.done):
                payload = writer.done[reported]
                reported += 1
                n_run += 1
                members_done += payload.stop - payload.start
                session_members += payload.stop - payload.start
                report()

        try:
            with signals.protect():
                store.set("started_at", now())
            report()
            writer = _Writer(store, shared, accumulate=summary, threaded=pipeline)
            if summary:
                _fold_stored(writer, rundir, done)
            for _chunk, payload in evaluator.imap(run_chunk, shared, todo):
                with signals.protect():  # in series the write happens here
                    writer.put(payload)
                drain_progress()
            writer.close(drain=True)
            writer.check()
            drain_progress()
            status = "complete"
            if summary and writer.partial is not None:
                final = _run_summary(writer.partial.summary(), spec, rundir, manifest, info)
                data = summary_bytes(final)
                failed: Exception | None = None
                if on_summary is not None:
                    try:
                        on_summary(json.loads(data))
                    except Exception as exc:  # the summary is stored first, then raised
                        failed = exc
                with signals.protect():
                    store.write_summary(final, data)
                if failed is not None:
                    raise failed
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        finally:
            signals.critical = True  # a second signal must not cut the closing catalogue write
            if writer is not None and writer.thread.is_alive():
                writer.close(drain=False)
            store.finish(status)
            store.close()
    summary_, stored = _read_back(rundir, summary)
    return RunResult(rundir=rundir, spec=spec, manifest=stored, summary=summary_,
                     chunks_run=n_run, chunks_reused=len(done),
                     seconds=time.perf_counter() - t0, _tmp=tmp)


def _read_back(rundir: Path, summary: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """The finished run's summary (read back from the store) and its manifest."""
    result_summary: dict[str, Any] = {}
    if summary:
        result_summary = summarise_run(rundir)  # reads run-summary.json back (or legacy stores)
    con = connect(rundir, read_only=True)
    try:
        stored = read_manifest(con)
    finally:
        con.close()
    return result_summary, stored


def _fold_stored(writer: _Writer, rundir: Path, done: set[int]) -> None:
    """On resume, fold the partials of the chunks an earlier session stored."""
    for idx in sorted(done):
        path = chunk_path(rundir, PARTIAL, idx)
        if not path.is_file():  # summarised already (run-summary.json) or a version-1 store
            writer.accumulate = False
            writer.partial = None
            return
        writer.fold(Partial.from_bytes(path.read_bytes()))


def _run_summary(summary: dict[str, Any], spec: RunSpec, rundir: Path,
                 manifest: dict[str, Any], info: dict[str, Any]) -> dict[str, Any]:
    """The stored summary: the partials' summary plus what identifies the run."""
    summary["members"] = spec.members
    summary["seed"] = spec.seed
    summary["kept"] = manifest["keep"]
    summary["observed_until"] = manifest["scenario"].get("observed_until")
    summary["history"] = manifest["scenario"].get("history", "free")
    summary["anchor"] = manifest["scenario"].get("anchor")
    summary["run"] = {"rundir": str(rundir), "scenario": info["scenario_name"],
                      "scenario_hash": info["scenario_hash"],
                      "perspective": spec.perspective, "hypothesis": spec.hypothesis,
                      "sets": list(spec.sets), "events": list(spec.events),
                      "anchor": spec.anchor}
    return summary


def _adopt_stored_chunking(spec: RunSpec, rundir: Path) -> RunSpec:
    """On resume with the default chunking, reuse the interrupted run's chunk size."""
    if not (rundir / CATALOGUE).is_file():
        return spec
    con = connect(rundir, read_only=True)
    try:
        old = read_manifest(con)
    finally:
        con.close()
    stored = (old.get("spec") or {}).get("chunk_size")
    return replace(spec, chunk_size=int(stored)) if stored else spec
