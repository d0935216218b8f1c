"""Dashboard runs: a folder per run, a bounded queue, background workers, cancel and resume.

Each run lives in ``RUNS/<id>/``: the ensemble engine's store (``catalogue.duckdb`` and
``chunks/``), ``web.json`` (the request, status, timings and the equivalent CLI command, written
atomically at every status change), ``view.json`` (the compact data the page draws, written
when the run finishes) and ``exports/`` (downloads made on demand). Because everything a
finished run needs is on disk, a restarted server lists and reopens every finished run; runs
that were queued or running when the server stopped are listed as ``interrupted`` and can be
resumed (the engine reuses their finished chunks). Run folders made by ``multipolar run --out``
inside ``RUNS`` are listed too.

Runs execute in worker threads fed by a bounded queue (a full queue is refused, not piled up);
a cancel flag is checked between chunks. Browsing reads only ``web.json`` data held in memory
and ``view.json`` bytes held in a small cache, never DuckDB, so it stays fast while a run
writes its catalogue. :func:`safe_file` resolves a download path inside a run folder and
refuses ``..``, absolute paths, hidden names and symbolic links.
Depends on the standard library, :mod:`multipolar.web.backend` and :mod:`multipolar.core.errors`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import queue
import re
import secrets
import shutil
import stat
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

from multipolar.core.errors import InputError, MultipolarError
from multipolar.core.jsonutil import jsonable
from multipolar.web import backend
from multipolar.web.settings import RUN_ID, Settings

log = logging.getLogger("multipolar.web")

META = "web.json"
VIEW = "view.json"
SUMMARY = "web-summary.json"
CATALOGUE = "catalogue.duckdb"
ACTIVE = ("queued", "running")
# "complete" is the word for a finished run everywhere: the API, the CLI and the run folder
COMPLETE = "complete"
FINAL = (COMPLETE, "failed", "cancelled", "interrupted")
_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_VIEW_CACHE = 64


class QueueFull(Exception):
    """The run queue is full; the client should retry later."""


class NotFound(Exception):
    """No such run, file or document; ``fix`` says where to look for what exists."""

    def __init__(self, message: str, fix: str = "list what exists with GET /api/runs") -> None:
        super().__init__(message)
        self.fix = fix


class Conflict(Exception):
    """The request does not fit the run's state (e.g. results of an unfinished run)."""


def now() -> str:
    """Current UTC time, ISO 8601 with seconds."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file, fsync and rename."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def safe_file(root: Path, relpath: str) -> Path:
    """Return the regular file ``root/relpath``, refusing anything that could leave ``root``.

    Every component must be a plain name (letters, digits, ``._-``, not starting with a dot),
    so ``..``, ``/abs``, backslashes, NUL bytes and encoded forms that decode to them are
    refused; no component may be a symbolic link; the resolved path must lie inside ``root``.
    """
    parts = relpath.split("/")
    if not relpath or len(relpath) > 512 or len(parts) > 8 or \
            not all(_PART.match(p) for p in parts):
        raise InputError(f"'{relpath[:100]}' is not a file name inside the run folder",
                         field="path", fix="use a name from the run's file listing, "
                                           "e.g. chunks/actors-00000.parquet")
    cur = root
    for p in parts:
        cur = cur / p
        try:
            st = os.lstat(cur)
        except OSError:
            raise NotFound(f"no file {relpath}") from None
        if stat.S_ISLNK(st.st_mode):
            raise InputError(f"'{relpath}' is a symbolic link", field="path",
                             fix="links are never served; copy the file into the run folder")
    if not stat.S_ISREG(os.lstat(cur).st_mode):
        raise NotFound(f"no file {relpath}")
    real = cur.resolve()
    if not real.is_relative_to(root.resolve()):
        raise InputError(f"'{relpath}' lies outside the run folder", field="path",
                         fix="use a name from the run's file listing")
    return real


def run_label(params: dict[str, Any]) -> str:
    """A short human label of a run's choices."""
    bits = [params.get("perspective") or "no perspective",
            params.get("hypothesis") or "default hypothesis",
            f"seed {params.get('seed')}", f"{params.get('members')} members"]
    if params.get("sets"):
        bits.append(f"{len(params['sets'])} lever change(s)")
    if params.get("anchor") is not None:
        bits.append(f"anchor {params['anchor']:g}")
    return " · ".join(bits)


class RunManager:
    """Owns the run folders, the queue and the worker threads of one server."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.root = settings.runs_dir
        self.runs: dict[str, dict[str, Any]] = {}
        self.progress: dict[str, tuple[int, int]] = {}
        self.flags: dict[str, threading.Event] = {}
        self.queue: queue.Queue[str | None] = queue.Queue(maxsize=settings.queue_size)
        self.lock = threading.RLock()
        self.threads: list[threading.Thread] = []
        self._views: OrderedDict[str, bytes] = OrderedDict()
        self._parsed: OrderedDict[str, tuple[bytes, dict[str, Any]]] = OrderedDict()
        self._view_locks: dict[str, threading.Lock] = {}
        self._stamp: int | None = None

    # -------------------------------------------------------------- lifecycle
    def start(self) -> None:
        """Create the runs folder, list stored runs and start the workers."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(f"cannot create the runs folder: {exc.strerror}",
                             file=str(self.root), field="--runs",
                             fix="choose a writable folder with --runs DIR") from None
        self.rescan()
        for i in range(self.settings.workers):
            t = threading.Thread(target=self._work, name=f"multipolar-run-{i}", daemon=True)
            t.start()
            self.threads.append(t)

    def stop(self, timeout: float = 10.0) -> None:
        """Cancel what runs, stop the workers and wait for them (bounded)."""
        with self.lock:
            for rid, meta in self.runs.items():
                if meta["status"] in ACTIVE:
                    self.flags.setdefault(rid, threading.Event()).set()
        for _ in self.threads:
            while True:
                try:
                    self.queue.put(None, timeout=0.1)
                    break
                except queue.Full:
                    with contextlib.suppress(queue.Empty):
                        self.queue.get_nowait()
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.0, deadline - time.monotonic()))
        self.threads.clear()

    def refresh(self) -> None:
        """Rescan if a folder was added to or removed from the runs folder since the last scan.

        So a run written by ``multipolar run --out RUNS/NAME`` is listed without a restart.
        """
        try:
            stamp = self.root.stat().st_mtime_ns
        except OSError:
            return
        if stamp != self._stamp:
            self.rescan()

    def rescan(self) -> int:
        """Read every run folder under the runs folder; return how many runs are listed."""
        with contextlib.suppress(OSError):
            self._stamp = self.root.stat().st_mtime_ns
        found: dict[str, dict[str, Any]] = {}
        try:
            entries = sorted(self.root.iterdir())
        except OSError:
            entries = []
        for d in entries:
            if not RUN_ID.match(d.name) or d.is_symlink() or not d.is_dir():
                continue
            with self.lock:
                if d.name in self.runs and self.runs[d.name]["status"] in ACTIVE:
                    found[d.name] = self.runs[d.name]
                    continue
            meta = self._read_meta(d)
            if meta is not None:
                found[d.name] = meta
        with self.lock:
            self.runs = found
            return len(found)

    def _read_meta(self, d: Path) -> dict[str, Any] | None:
        mfile = d / META
        if mfile.is_file() and not mfile.is_symlink():
            try:
                meta = json.loads(mfile.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return None
            if not isinstance(meta, dict) or meta.get("id") != d.name:
                return None
            if meta.get("status") == "done":  # written by earlier versions
                meta["status"] = COMPLETE
            if meta.get("status") in ACTIVE:  # the server stopped while it was queued/running
                meta["status"] = "interrupted"
                meta["error"] = {"message": "the server stopped before the run finished",
                                 "fix": "resume it; finished chunks are reused"}
                self._write_meta(meta)
            return meta
        if (d / CATALOGUE).is_file():
            return self._import_cli_run(d)
        return None

    def _import_cli_run(self, d: Path) -> dict[str, Any] | None:
        try:
            info = backend.stored_run_info(d)
        except MultipolarError:
            return None
        spec = info.get("spec") or {}
        params: dict[str, Any] = {"scenario": spec.get("scenario") or info.get("scenario"),
                  "perspective": spec.get("perspective"), "hypothesis": spec.get("hypothesis"),
                  "seed": info.get("seed"), "members": info.get("members"),
                  "start": info.get("start"), "end": info.get("end"),
                  "sets": list(spec.get("sets") or []), "levers": {}, "oil_level": None}
        if spec.get("anchor") is not None:  # `run --anchor`: kept so a resume matches
            params["anchor"] = spec["anchor"]
        status = COMPLETE if info.get("status") == COMPLETE else "interrupted"
        meta = {"id": d.name, "status": status, "source": "cli", "params": params,
                "label": run_label(params), "created_at": info.get("created_at"),
                "finished_at": info.get("finished_at"),
                "cli": backend.cli_command(params, d), "error": None,
                "kept": info.get("kept")}  # what the run kept (--keep), from run_info
        return meta

    # -------------------------------------------------------------- state
    def _write_meta(self, meta: dict[str, Any]) -> None:
        d = self.root / meta["id"]
        try:
            atomic_write(d / META, json.dumps(meta, indent=1).encode("utf-8"))
        except OSError as exc:
            log.error("cannot write %s: %s", d / META, exc)

    def _set(self, rid: str, **changes: Any) -> dict[str, Any]:
        with self.lock:
            meta = dict(self.runs[rid])
            meta.update(changes)
            # the file first: whoever sees the new status in memory finds it on disk too
            self._write_meta(meta)
            self.runs[rid] = meta
        return meta

    def get(self, rid: str) -> dict[str, Any]:
        """The run's metadata with live progress; :class:`NotFound` if unknown."""
        with self.lock:
            meta = self.runs.get(rid)
            if meta is None:
                raise NotFound(f"no run '{rid}'")
            out = dict(meta)
            done, total = self.progress.get(rid, (0, int(meta["params"].get("members") or 0)))
        if out["status"] == COMPLETE:
            done = total
        out["progress"] = {"members_done": done, "members_total": total,
                           "fraction": round(done / total, 4) if total else 0.0}
        return out

    def listing(self, limit: int = 100, offset: int = 0,
             status: str | None = None) -> list[dict[str, Any]]:
        """Runs newest first, optionally only those with ``status``."""
        with self.lock:
            ids = sorted(self.runs, key=lambda r: (str(self.runs[r].get("created_at") or ""), r),
                         reverse=True)
            if status:
                ids = [r for r in ids if self.runs[r]["status"] == status]
            ids = ids[offset:offset + limit]
        return [self.get(r) for r in ids]

    def rundir(self, rid: str) -> Path:
        """The folder of a listed run."""
        with self.lock:
            if rid not in self.runs:
                raise NotFound(f"no run '{rid}'")
        return self.root / rid

    def queued(self) -> int:
        """Runs waiting in the queue."""
        return self.queue.qsize()

    # -------------------------------------------------------------- submit / cancel
    def submit(self, params: dict[str, Any]) -> dict[str, Any]:
        """Queue a validated run; :class:`QueueFull` when the queue is full."""
        rid = f"{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{secrets.token_hex(3)}"
        d = self.root / rid
        d.mkdir(parents=True)
        meta = {"id": rid, "status": "queued", "source": "dashboard", "params": params,
                "label": run_label(params), "created_at": now(), "started_at": None,
                "finished_at": None, "cli": backend.cli_command(params, d), "error": None,
                "kept": "the summary and all members"}  # dashboard runs keep every member
        with self.lock:
            self.runs[rid] = meta
            self.flags[rid] = threading.Event()
            self.progress[rid] = (0, int(params["members"]))
        self._write_meta(meta)
        try:
            self.queue.put_nowait(rid)
        except queue.Full:
            with self.lock:
                self.runs.pop(rid, None)
                self.flags.pop(rid, None)
                self.progress.pop(rid, None)
            shutil.rmtree(d, ignore_errors=True)
            raise QueueFull(f"{self.settings.queue_size} runs are already waiting") from None
        return self.get(rid)

    def resume(self, rid: str) -> dict[str, Any]:
        """Queue an interrupted or cancelled run again; finished chunks are reused."""
        meta = self.get(rid)
        if meta["status"] not in ("interrupted", "cancelled", "failed"):
            raise Conflict(f"run {rid} is {meta['status']}; only an interrupted, cancelled or "
                           "failed run can be resumed")
        with self.lock:
            self.flags[rid] = threading.Event()
        self._set(rid, status="queued", error=None, resume=True)
        try:
            self.queue.put_nowait(rid)
        except queue.Full:
            self._set(rid, status=meta["status"], error=meta.get("error"))
            raise QueueFull(f"{self.settings.queue_size} runs are already waiting") from None
        return self.get(rid)

    def cancel(self, rid: str) -> dict[str, Any]:
        """Cancel a queued or running run (a running one stops after its current chunk)."""
        meta = self.get(rid)
        if meta["status"] not in ACTIVE:
            raise Conflict(f"run {rid} is already {meta['status']}")
        with self.lock:
            self.flags.setdefault(rid, threading.Event()).set()
            if self.runs[rid]["status"] == "queued":
                self._set(rid, status="cancelled", finished_at=now())
        return self.get(rid)

    # -------------------------------------------------------------- worker
    def _work(self) -> None:
        while True:
            rid = self.queue.get()
            if rid is None:
                return
            try:
                self._run(rid)
            except Exception:  # never let a worker die; the run is marked failed
                log.exception("run %s failed", rid)
                with contextlib.suppress(Exception):
                    self._set(rid, status="failed", finished_at=now(),
                              error={"message": "internal error (see the server log)"})

    def _run(self, rid: str) -> None:
        with self.lock:
            meta = self.runs.get(rid)
            flag = self.flags.setdefault(rid, threading.Event())
        if meta is None or meta["status"] != "queued" or flag.is_set():
            return
        params = meta["params"]
        resume = bool(meta.get("resume")) and (self.root / rid / CATALOGUE).is_file()
        self._set(rid, status="running", started_at=now())
        t0 = time.perf_counter()

        def progress(done: int, total: int) -> None:
            with self.lock:
                self.progress[rid] = (done, total)
            if flag.is_set():
                raise backend.RunCancelled

        try:
            summary = backend.execute(params, self.root / rid, progress, resume=resume)
        except backend.RunCancelled:
            self._set(rid, status="cancelled", finished_at=now(),
                      seconds=round(time.perf_counter() - t0, 3))
            return
        except MultipolarError as exc:
            self._set(rid, status="failed", finished_at=now(), error=error_body(exc))
            return
        view = backend.build_view(summary, params.get("scenario"))
        d = self.root / rid
        atomic_write(d / SUMMARY, dumps(jsonable(summary)))
        atomic_write(d / VIEW, dumps(view))
        self._set(rid, status=COMPLETE, finished_at=now(),
                  seconds=round(time.perf_counter() - t0, 3), resume=False)

    # -------------------------------------------------------------- results
    def view_bytes(self, rid: str) -> bytes:
        """The run's view JSON (cached); built from the store for runs made by the CLI."""
        meta = self.get(rid)
        with self.lock:
            cached = self._views.get(rid)
            if cached is not None:
                self._views.move_to_end(rid)
                return cached
        if meta["status"] != COMPLETE:
            raise Conflict(f"run {rid} is {meta['status']}; results exist once it is done")
        d = self.root / rid
        with self.lock:
            vlock = self._view_locks.setdefault(rid, threading.Lock())
        with vlock:
            vfile = d / VIEW
            if not vfile.is_file() or not _current_view(vfile):
                summary = self.summary(rid)
                atomic_write(vfile, dumps(backend.build_view(summary,
                                                             meta["params"].get("scenario"))))
            data = vfile.read_bytes()
        with self.lock:
            self._views[rid] = data
            while len(self._views) > _VIEW_CACHE:
                self._views.popitem(last=False)
        return data

    def view(self, rid: str) -> dict[str, Any]:
        """The run's view as data (parsed once per cached view; treat it as read-only)."""
        data = self.view_bytes(rid)
        with self.lock:
            hit = self._parsed.get(rid)
            if hit is not None and hit[0] is data:
                return hit[1]
        out: dict[str, Any] = json.loads(data)
        with self.lock:
            self._parsed[rid] = (data, out)
            while len(self._parsed) > _VIEW_CACHE:
                self._parsed.popitem(last=False)
        return out

    def summary(self, rid: str) -> dict[str, Any]:
        """The run's full summary (stored, or computed from the store once)."""
        meta = self.get(rid)
        if meta["status"] != COMPLETE:
            raise Conflict(f"run {rid} is {meta['status']}; results exist once it is done")
        d = self.root / rid
        sfile = d / SUMMARY
        if sfile.is_file():
            out: dict[str, Any] = json.loads(sfile.read_text(encoding="utf-8"))
            return out
        summary = backend.load_summary(d)
        atomic_write(sfile, dumps(jsonable(summary)))
        return summary

    def files(self, rid: str) -> list[dict[str, Any]]:
        """Plain files of the run folder (no links), with sizes, for the file listing."""
        d = self.rundir(rid)
        out = []
        for p in sorted(d.rglob("*")):
            rel = p.relative_to(d).as_posix()
            if p.is_symlink() or not p.is_file() or any(s.startswith(".") for s in
                                                        rel.split("/")):
                continue
            out.append({"path": rel, "bytes": p.stat().st_size})
        return out




def _current_view(vfile: Path) -> bool:
    """True when a stored view has the present layout (older ones lack the world data)."""
    with vfile.open("rb") as f:
        head = f.read(64)
    return head.startswith(b'{"version":%d,' % backend.VIEW_VERSION)


def dumps(obj: Any) -> bytes:
    """Compact JSON bytes."""
    return json.dumps(obj, separators=(",", ":"), allow_nan=False).encode("utf-8")


def error_body(exc: MultipolarError) -> dict[str, Any]:
    """A user error as JSON: a one-line message and every located problem with its fix."""
    probs = [{"message": p.message, "file": p.file, "line": p.line, "column": p.column,
              "field": p.field, "fix": p.fix} for p in exc.problems]
    first = exc.problems[0] if exc.problems else None
    return {"message": first.message if first and len(probs) == 1 else exc.title,
            "fix": first.fix if first and len(probs) == 1 else None, "problems": probs}
