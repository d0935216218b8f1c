"""Where ensemble chunks run: one evaluator interface, three executors.

Following EMA Workbench, the model is kept apart from where it runs. An evaluator is a context
manager that maps a picklable task function over work items and yields results as they finish:

* :class:`LocalEvaluator` runs in the calling process (the embedded default, no start-up cost);
* :class:`ProcessEvaluator` uses :class:`concurrent.futures.ProcessPoolExecutor` on this machine
  (a pool per ``imap`` call, or one pool kept from :meth:`ProcessEvaluator.start` on, which
  ``multipolar run`` starts before it compiles and also draws its charts with);
* :class:`DaskEvaluator` uses ``dask.distributed``: a LocalCluster it starts itself when no
  scheduler address is given, or an existing cluster reached with ``Client(address)``.

The CLI, the Python API and the dashboard only *choose* one (:func:`evaluator_from_name`);
``auto`` (the default of ``multipolar run``) is ``processes`` on a machine with at least two
usable cores for a run of at least ``AUTO_PROCESSES_MEMBERS`` members, ``local`` otherwise
(:func:`auto_executor`).
Every evaluator calls ``fn(shared, item)``; ``shared`` (the compiled model) is shipped to each
worker once, not with every task. At most ``max_in_flight`` tasks are outstanding, so the
caller's memory stays bounded however many chunks a run has. Results are yielded in completion
order; callers must not rely on that order (the ensemble engine does not).

Depends on the standard library; ``dask.distributed`` is imported only by :class:`DaskEvaluator`
(an optional extra, ``pip install multipolar[dask]``).
"""

from __future__ import annotations

import difflib
import itertools
import multiprocessing
import os
import pickle
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from types import TracebackType
from typing import Any, Protocol, runtime_checkable

from multipolar.core.errors import MultipolarError
from multipolar.core.specs import AUTO_PROCESSES_MEMBERS
from multipolar.model._alloc import tune_allocator

Task = Callable[[Any, Any], Any]

EXECUTORS = ("local", "processes", "dask")
CHOICES = ("auto", *EXECUTORS)
"""What ``--executor`` accepts: an executor, or ``auto`` (:func:`auto_executor`)."""


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity; the CPU count where unknown)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def auto_executor(members: int | None = None, cores: int | None = None,
                  workers: int | None = None) -> str:
    """The executor ``auto`` stands for: ``processes`` or ``local``.

    ``processes`` where at least two cores are usable (``cores``, default
    :func:`usable_cores`) and the run has at least ``AUTO_PROCESSES_MEMBERS`` members (or an
    unknown number), ``local`` otherwise. An explicit ``workers`` decides: 1 is ``local``,
    more is ``processes``.
    """
    if workers is not None and not isinstance(workers, bool) and isinstance(workers, int):
        return "local" if workers == 1 else "processes"
    cores = usable_cores() if cores is None else cores
    big = members is None or members >= AUTO_PROCESSES_MEMBERS
    return "processes" if cores >= 2 and big else "local"


@runtime_checkable
class Evaluator(Protocol):
    """The interface every executor honours.

    ``name`` is the executor's name (``local``, ``processes``, ``dask``) and ``workers`` how
    many tasks it runs at once. ``imap`` yields ``(item, fn(shared, item))`` pairs as tasks
    finish, keeping at most ``max_in_flight`` outstanding (default: twice ``workers``).
    """

    name: str
    workers: int

    def __enter__(self) -> Evaluator: ...

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None: ...

    def imap(self, fn: Task, shared: Any, items: Iterable[Any],
             max_in_flight: int | None = None) -> Iterator[tuple[Any, Any]]:
        """Yield ``(item, fn(shared, item))`` pairs as tasks finish."""
        ...

    def describe(self) -> dict[str, Any]:
        """Return what to record about the executor in a run's manifest."""
        ...


class LocalEvaluator:
    """Run every task in this process, one after another (the embedded default)."""

    name = "local"
    shares_filesystem = False  # same process: results are handed over in memory

    def __init__(self, requested: str | None = None) -> None:
        self.workers = 1
        self.requested = requested  # "auto" when auto_executor chose this executor

    def __enter__(self) -> LocalEvaluator:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        return None

    def imap(self, fn: Task, shared: Any, items: Iterable[Any],
             max_in_flight: int | None = None) -> Iterator[tuple[Any, Any]]:
        """Yield ``(item, fn(shared, item))`` for each item in order."""
        for item in items:
            yield item, fn(shared, item)

    def describe(self) -> dict[str, Any]:
        """Return what to record about the executor in a run's manifest."""
        out: dict[str, Any] = {"executor": self.name, "workers": 1}
        if self.requested:
            out["requested"] = self.requested
        return out


# Worker-side storage of the shared payload for ProcessEvaluator (set by the pool initializer).
_SHARED: dict[str, Any] = {}


def _init_worker(shared: Any) -> None:
    # Ctrl-C reaches the whole process group; only the driver should react to it
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    tune_allocator()  # once per worker process, at its start
    _SHARED["payload"] = shared


def _call_with_shared(fn: Task, item: Any) -> Any:
    return fn(_SHARED["payload"], item)


def _init_kept(warm: Callable[[], None] | None) -> None:
    """Start a kept pool's worker: as :func:`_init_worker`, then ``warm`` (imports)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    tune_allocator()
    if warm is not None:
        warm()


def _call_kept(token: str, blob: bytes, fn: Task, item: Any) -> Any:
    """Run ``fn(shared, item)`` in a kept pool's worker.

    ``shared`` is unpickled once per worker and ``imap`` call (``token`` names the call).
    """
    if _SHARED.get("token") != token:
        _SHARED["payload"] = pickle.loads(blob)
        _SHARED["token"] = token
    return fn(_SHARED["payload"], item)


def _nothing() -> None:
    return None


_TOKENS = itertools.count()


class ProcessEvaluator:
    """Run tasks in ``workers`` processes of this machine (``concurrent.futures``)."""

    name = "processes"
    shares_filesystem = True  # workers write chunk files themselves; no bytes through pipes

    def __init__(self, workers: int | None = None, requested: str | None = None) -> None:
        self.workers = _check_workers(workers, default=usable_cores())
        self.requested = requested  # "auto" when auto_executor chose this executor
        self._pools: list[ProcessPoolExecutor] = []
        self._kept: ProcessPoolExecutor | None = None

    def __enter__(self) -> ProcessEvaluator:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        for pool in self._pools:
            pool.shutdown(wait=exc_type is None, cancel_futures=True)
        self._pools.clear()
        self.stop(wait=exc_type is None)

    def start(self, warm: Callable[[], None] | None = None) -> ProcessEvaluator:
        """Start the worker processes now and keep them for every later task, until exit.

        ``warm`` runs in each worker as it starts (imports, say, while the caller compiles
        the model). Forked where this process runs no other thread (nothing imported twice),
        spawned otherwise. Every later :meth:`imap` and :meth:`submit` uses these processes:
        an ``imap`` ships its ``shared`` payload pickled once, unpickled once per worker.
        """
        if self._kept is None:
            fork = (threading.active_count() == 1
                    and "fork" in multiprocessing.get_all_start_methods())
            ctx = multiprocessing.get_context("fork" if fork else "spawn")
            pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx,
                                       initializer=_init_kept, initargs=(warm,))
            try:
                for _ in range(self.workers):  # start them all now (spawn: on demand)
                    pool.submit(_nothing)
            except OSError:  # no processes here: each imap starts its own pool, as before
                pool.shutdown(wait=False, cancel_futures=True)
                return self
            self._kept = pool
        return self

    def stop(self, wait: bool = True) -> None:
        """Stop the kept processes (``wait=False``: at once, work in progress abandoned)."""
        pool, self._kept = self._kept, None
        if pool is None:
            return
        procs = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=wait, cancel_futures=True)
        if not wait:
            for proc in procs:  # a chart or chunk still running: not waited for
                if proc.is_alive():
                    proc.terminate()
            for proc in procs:
                proc.join()

    @property
    def active(self) -> bool:
        """Whether worker processes are started and kept (:meth:`start`).

        :func:`multipolar.ensemble.run_ensemble` then leaves stopping them to the caller.
        """
        return self._kept is not None

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        """Run ``fn(*args)`` in a kept worker process (after :meth:`start`); its future."""
        if self._kept is None:
            raise RuntimeError("ProcessEvaluator.submit needs start() first")
        return self._kept.submit(fn, *args)

    def imap(self, fn: Task, shared: Any, items: Iterable[Any],
             max_in_flight: int | None = None) -> Iterator[tuple[Any, Any]]:
        """Yield ``(item, fn(shared, item))`` as worker processes finish them."""
        limit = max(1, max_in_flight or 2 * self.workers)
        kept = self._kept
        if kept is not None:
            yield from self._imap_kept(kept, fn, shared, items, limit)
            return
        # A pool per call: the initializer ships ``shared`` once per worker process.
        pool = ProcessPoolExecutor(max_workers=self.workers, initializer=_init_worker,
                                   initargs=(shared,))
        self._pools.append(pool)
        pending: dict[Future[Any], Any] = {}
        try:
            yield from _bounded(lambda item: pool.submit(_call_with_shared, fn, item), items,
                                limit, pending)
        finally:
            for fut in pending:
                fut.cancel()
            pool.shutdown(wait=not pending, cancel_futures=True)
            self._pools.remove(pool)

    def _imap_kept(self, pool: ProcessPoolExecutor, fn: Task, shared: Any,
                   items: Iterable[Any], limit: int) -> Iterator[tuple[Any, Any]]:
        token = f"{os.getpid()}-{next(_TOKENS)}"
        blob = pickle.dumps(shared, protocol=pickle.HIGHEST_PROTOCOL)
        pending: dict[Future[Any], Any] = {}
        try:
            yield from _bounded(lambda item: pool.submit(_call_kept, token, blob, fn, item), items,
                                limit, pending)
        finally:
            for fut in pending:  # the processes stay for later tasks
                fut.cancel()

    def describe(self) -> dict[str, Any]:
        """Return what to record about the executor in a run's manifest."""
        out: dict[str, Any] = {"executor": self.name, "workers": self.workers}
        if self.requested:
            out["requested"] = self.requested
        return out



def _bounded(submit: Callable[[Any], Future[Any]], items: Iterable[Any], limit: int,
             pending: dict[Future[Any], Any]) -> Iterator[tuple[Any, Any]]:
    """``(item, result)`` as the tasks finish, at most ``limit`` submitted and not yet yielded.

    ``pending`` holds those futures (the caller's: it cancels them if it stops early).
    """
    it = iter(items)
    exhausted = False
    while True:
        while not exhausted and len(pending) < limit:
            try:
                item = next(it)
            except StopIteration:
                exhausted = True
                break
            pending[submit(item)] = item
        if not pending:
            return
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for fut in done:
            item = pending.pop(fut)
            yield item, fut.result()


class DaskEvaluator:
    """Run tasks on a ``dask.distributed`` cluster.

    Without ``scheduler`` a :class:`distributed.LocalCluster` with ``workers`` single-threaded
    workers is started (``processes=False`` gives thread workers, quicker to start, for tests)
    and closed on exit. With ``scheduler="tcp://host:8786"`` the evaluator connects to a running
    cluster (started with ``dask scheduler`` and ``dask worker``) and leaves it running.
    """

    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None,
                 processes: bool = True, timeout: float = 10.0) -> None:
        self.scheduler = scheduler
        self.processes = processes
        self.timeout = timeout
        self.workers = _check_workers(workers, default=2)
        self._cluster: Any = None
        self._client: Any = None

    def __enter__(self) -> DaskEvaluator:
        try:
            # lazy: keeps start-up fast (loads distributed)
            from distributed import Client, LocalCluster
        except ImportError:
            raise MultipolarError(
                "the dask executor needs dask.distributed, which is not installed",
                field="--executor", fix="pip install 'multipolar[dask]' or use "
                "--executor local|processes") from None
        if self.scheduler:
            try:
                self._client = Client(self.scheduler, timeout=self.timeout)
            except (OSError, TimeoutError) as exc:
                raise MultipolarError(
                    f"cannot reach the Dask scheduler at {self.scheduler} ({exc})",
                    field="--scheduler",
                    fix="start one with `dask scheduler` (and workers with `dask worker "
                    "tcp://HOST:8786`), or check the address") from None
            self.workers = max(1, len(self._client.scheduler_info().get("workers", {})))
        else:
            self._cluster = LocalCluster(
                n_workers=self.workers, threads_per_worker=1, processes=self.processes,
                dashboard_address=None, silence_logs=40)
            self._client = Client(self._cluster)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    @property
    def active(self) -> bool:
        """Whether the evaluator has been entered (its client is connected)."""
        return self._client is not None

    @property
    def client(self) -> Any:
        """The ``distributed.Client`` (only inside ``with``)."""
        if self._client is None:
            raise RuntimeError("use DaskEvaluator as a context manager: `with DaskEvaluator():`")
        return self._client

    def imap(self, fn: Task, shared: Any, items: Iterable[Any],
             max_in_flight: int | None = None) -> Iterator[tuple[Any, Any]]:
        """Yield ``(item, fn(shared, item))`` as Dask workers finish them."""
        # lazy: keeps start-up fast (loads distributed)
        from distributed import as_completed

        client = self.client
        limit = max(1, max_in_flight or 2 * self.workers)
        it = iter(items)
        pending: dict[str, tuple[Any, Any]] = {}
        shared_f = client.scatter(shared, broadcast=True, hash=False)

        def submit_next() -> Any:
            try:
                item = next(it)
            except StopIteration:
                return None
            fut = client.submit(fn, shared_f, item, pure=False)
            pending[fut.key] = (fut, item)
            return fut

        first = [f for f in (submit_next() for _ in range(limit)) if f is not None]
        if not first:
            return
        ac = as_completed(first)
        try:
            for fut in ac:
                _, item = pending.pop(fut.key)
                result = fut.result()
                fut.release()
                nxt = submit_next()
                if nxt is not None:
                    ac.add(nxt)
                yield item, result
        finally:
            if pending:
                client.cancel([f for f, _ in pending.values()])

    @property
    def shares_filesystem(self) -> bool:
        """Whether workers can write into the driver's run folder (a LocalCluster can).

        Workers of a cluster reached by address send chunks back as bytes instead, so no
        shared file system is needed.
        """
        return self.scheduler is None

    def describe(self) -> dict[str, Any]:
        """Return what to record about the executor in a run's manifest."""
        return {"executor": self.name, "workers": self.workers,
                "scheduler": self.scheduler or "LocalCluster"}


def _check_workers(workers: int | None, default: int) -> int:
    if workers is None:
        return max(1, default)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise MultipolarError(f"workers must be a whole number of at least 1, not {workers!r}",
                              field="--workers", fix="pass e.g. --workers 4")
    return workers


def evaluator_from_name(name: str = "local", workers: int | None = None,
                        scheduler: str | None = None, members: int | None = None) -> Evaluator:
    """Return the evaluator called ``name`` (``auto``, ``local``, ``processes`` or ``dask``).

    ``auto`` is :func:`auto_executor`'s choice for a run of ``members`` (the manifest records
    ``"requested": "auto"`` with the executor chosen). ``workers`` is ignored by ``local``;
    ``scheduler`` (``tcp://host:port``) only applies to ``dask``. Unknown names and bad
    combinations are clean :class:`MultipolarError` s.
    """
    if name not in CHOICES:
        close = difflib.get_close_matches(name, CHOICES, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise MultipolarError(f"unknown executor '{name}'", field="--executor",
                              fix=f"{hint}choose one of: {', '.join(CHOICES)}")
    if scheduler and name != "dask":
        raise MultipolarError(f"--scheduler only applies to the dask executor, not '{name}'",
                              field="--scheduler", fix="add --executor dask or drop --scheduler")
    requested = None
    if name == "auto":
        if workers is not None:
            _check_workers(workers, 1)
        name, requested = auto_executor(members, workers=workers), "auto"
    if name == "local":
        if workers not in (None, 1):
            _check_workers(workers, 1)
        return LocalEvaluator(requested=requested)
    if name == "processes":
        return ProcessEvaluator(workers, requested=requested)
    return DaskEvaluator(workers, scheduler=scheduler)
