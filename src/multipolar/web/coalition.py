"""The coalition forecast as a what-if in the dashboard: settings, one call, cached jobs.

:class:`CoalitionSettings` holds everything the page can ask for (event, resolution kind, vote
year, perspective, hypothesis, dated levers as ``--set`` strings, other events, members, seed,
hindsight). :func:`run_forecast` answers one question: :func:`compute` is the one call into
:func:`multipolar.votes.coalition.coalition_forecast` (which runs the vote model on the
simulated world). An optional setting is passed on where the library's settings have a field of
that name; one it lacks (an older library) is refused with a clear "not supported by this
version" error, so nothing the user chose is silently ignored.

:class:`CoalitionJobs` runs forecasts in background threads (a bounded number at once) and
keeps every finished result in the runs folder (``RUNS/coalition/<key>.json``, ``key`` a hash
of the settings), so the same settings are answered from the store at once, across restarts.
A what-if with levers is answered together with the same forecast without them (``base``),
which the page subtracts. A job reports its progress (members simulated of all it has to
simulate, over both forecasts, as a fraction with an estimate of the time left) from the
forecast's ``progress`` hook. A job can be cancelled: the forecast's ``cancel`` hook is asked
between chunks of members, so the computation stops at the next chunk, its thread ends and
frees its place among the :data:`MAX_RUNNING`, and nothing of it is stored.
Depends on the standard library and, lazily, :mod:`multipolar.votes` and
:mod:`multipolar.data.global_tables`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import shlex
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from multipolar.core.errors import InputError, MultipolarError
from multipolar.core.jsonutil import jsonable
from multipolar.web.backend import check_scenario_name, scenario_info
from multipolar.web.runs import Conflict, NotFound, atomic_write, error_body
from multipolar.web.world import world_meta

log = logging.getLogger("multipolar.web")

FOLDER = "coalition"
"""Sub-folder of the runs folder that stores finished coalition forecasts."""
MAX_JOBS = 256
"""Finished jobs kept in memory (older ones are answered from the store)."""
MAX_RUNNING = 2
"""Coalition forecasts computed at once; more are refused with 429 until one ends."""
OPTIONAL = ("resolution", "vote_year", "perspective", "hypothesis", "sets")
"""Settings passed on only when the installed forecast function accepts them."""
WORDS = {"resolution": "the kind of resolution", "vote_year": "the vote year",
         "perspective": "a perspective", "hypothesis": "a hypothesis", "sets": "levers"}
"""What each optional setting is called on the page."""


@dataclass(frozen=True)
class CoalitionSettings:
    """One coalition question (see the module docstring); ``key`` names its stored answer."""

    target: str
    year: int
    kind: str = "use_of_force"
    scenario: str = "russia-world"
    resolution: str | None = None
    vote_year: int | None = None
    perspective: str | None = None
    hypothesis: str | None = None
    sets: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    members: int = 500
    seed: int = 0
    hindsight: bool = False

    @property
    def event(self) -> str:
        """The event as the CLI writes it: ``KIND:TARGET@YEAR``."""
        return f"{self.kind}:{self.target}@{self.year}"

    def key(self) -> str:
        """A stable hash of the settings (the name of the stored answer)."""
        text = json.dumps(dataclasses.asdict(self), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:20]

    def without_levers(self) -> CoalitionSettings:
        """The same question without the levers (the reference of a what-if)."""
        return dataclasses.replace(self, sets=())

    def cli(self) -> str:
        """The ``multipolar coalition`` command line of these settings."""
        parts = ["multipolar", "coalition", self.scenario, "--event", self.event,
                 "--members", str(self.members), "--seed", str(self.seed)]
        for flag, value in (("--resolution", self.resolution), ("--vote-year", self.vote_year),
                            ("--perspective", self.perspective),
                            ("--hypothesis", self.hypothesis)):
            if value is not None:
                parts += [flag, str(value)]
        for s in self.sets:
            parts += ["--set", s]
        for e in self.events:
            parts += ["--event", e]
        if self.hindsight:
            parts.append("--hindsight")
        return " ".join(shlex.quote(p) for p in parts)


@lru_cache(maxsize=1)
def _inputs() -> tuple[Any, Any]:
    """World data and the bundled vote model, loaded once."""
    # lazy: keeps start-up fast (loads pandas, pyarrow)
    from multipolar.data.global_tables import load_world

    # lazy: keeps start-up fast (loads pandas, pyarrow)
    from multipolar.votes.coalition import load_fit

    return load_world(), load_fit(None)


def accepted() -> set[str]:
    """Optional settings the installed coalition forecast takes (its settings' fields)."""
    # lazy: keeps start-up fast (loads pandas, pyarrow)
    from multipolar.votes.coalition import CoalitionSettings as Core

    return {f.name for f in dataclasses.fields(Core)} & set(OPTIONAL)


def unsupported(settings: CoalitionSettings) -> list[str]:
    """The settings given that the installed forecast cannot take."""
    have = accepted()
    return [n for n in OPTIONAL if getattr(settings, n) not in (None, ()) and n not in have]


Progress = Callable[[str, int, int], None]
"""``progress(stage, members done, members)``, the forecast's progress hook."""


def run_forecast(settings: CoalitionSettings, progress: Progress | None = None,
                 cancel: Callable[[], bool] | None = None) -> dict[str, Any]:
    """The forecast for ``settings`` (the JSON of ``multipolar coalition --json``).

    ``progress`` and ``cancel`` are passed to the forecast
    (:func:`multipolar.votes.coalition.coalition_forecast`).
    """
    refuse_unsupported(settings)
    return compute(settings, progress, cancel)


def refuse_unsupported(settings: CoalitionSettings) -> None:
    """A clear error naming every setting the installed forecast cannot take."""
    missing = unsupported(settings)
    if missing:
        words = [WORDS[m] for m in missing]
        raise InputError(
            f"{' and '.join(words)}: not supported by this version of the coalition forecast",
            field=missing[0],
            fix="clear " + " and ".join(words) + " to get the forecast this version makes")


def compute(settings: CoalitionSettings, progress: Progress | None = None,
            cancel: Callable[[], bool] | None = None) -> dict[str, Any]:
    """The one call into :func:`multipolar.votes.coalition.coalition_forecast`."""
    # lazy: keeps start-up fast (loads pandas, pyarrow)
    from multipolar.votes.coalition import CoalitionSettings as Core

    # lazy: keeps start-up fast (loads pandas, pyarrow)
    from multipolar.votes.coalition import coalition_forecast

    world, model = _inputs()
    extra: dict[str, Any] = {n: getattr(settings, n) for n in accepted()}
    core = Core(scenario=settings.scenario, events=(settings.event, *settings.events),
                members=settings.members, seed=settings.seed, hindsight=settings.hindsight,
                **extra)
    return dict(coalition_forecast(core, world=world, model=model, progress=progress,
                                   cancel=cancel))


@dataclass
class Job:
    """One coalition question being answered (or answered)."""

    id: str
    settings: CoalitionSettings
    status: str = "running"
    started: float = field(default_factory=time.monotonic)
    seconds: float | None = None
    result: dict[str, Any] | None = None
    base: dict[str, Any] | None = None
    error: dict[str, Any] | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)
    step: str = "forecast"
    stage: str = "waiting"
    done: int = 0
    """Members simulated so far, over every forecast the job computes."""
    total: int = 0
    """Members the job has to simulate (``members`` per forecast not found in the store)."""
    base_done: int = 0
    """Members of the job's forecasts already finished (the current one's start)."""
    stopped: threading.Event = field(default_factory=threading.Event)
    """Set when the job's thread has ended (whatever its status)."""
    member_seconds: float = 0.0
    """Seconds spent simulating members so far (the preparation of each world left out)."""
    _earlier: float = 0.0
    _since: float | None = None

    def advance(self, stage: str, done: int, _members: int) -> None:
        """The forecast's progress hook: where the current forecast is."""
        self.stage = stage
        self.done = min(self.total, self.base_done + done) if self.total else done
        if stage == "members":  # the library's STAGE_MEMBERS (not imported: start-up time)
            now = time.monotonic()
            if done == 0:
                self._since = now
            if self._since is not None:
                self.member_seconds = self._earlier + now - self._since

    def finish_forecast(self, members: int) -> None:
        """One of the job's forecasts is done: its members count, its clock stops."""
        self.base_done = self.done = min(self.total, self.base_done + members)
        self._earlier, self._since = self.member_seconds, None

    def progress(self) -> dict[str, Any]:
        """Fraction of the members done, as a percentage too, and the time left (estimated).

        The time left is the members still to simulate at the rate of those done so far.
        """
        if self.status == "complete":
            fraction = 1.0
        else:
            fraction = self.done / self.total if self.total else 0.0
        eta = (self.member_seconds / self.done * (self.total - self.done)
               if self.status == "running" and 0 < self.done < self.total else None)
        return {"stage": self.stage if self.status == "running" else self.status,
                "members_done": self.done, "members_total": self.total,
                "fraction": round(fraction, 4), "percent": round(100.0 * fraction, 1),
                "eta_seconds": None if eta is None else round(eta, 1)}

    def public(self) -> dict[str, Any]:
        """The job as the API returns it."""
        elapsed = self.seconds if self.seconds is not None else time.monotonic() - self.started
        return {"id": self.id, "status": self.status, "step": self.step,
                "seconds": round(elapsed, 2), "progress": self.progress(),
                "stopped": self.stopped.is_set() or self.status == "complete",
                "settings": {**dataclasses.asdict(self.settings),
                             "sets": list(self.settings.sets), "event": self.settings.event},
                "cli": self.settings.cli(), "result": self.result, "base": self.base,
                "error": self.error}


class Busy(Exception):
    """Too many coalition forecasts are running."""


class CoalitionJobs:
    """Background coalition forecasts, cached in ``RUNS/coalition`` by their settings."""

    def __init__(self, runs_dir: Path) -> None:
        self.folder = Path(runs_dir) / FOLDER
        self.jobs: dict[str, Job] = {}
        self.active: set[str] = set()
        """Ids of the jobs whose thread still computes (a cancelled one until it stops)."""
        self.lock = threading.Lock()
        self.threads: dict[str, threading.Thread] = {}
        """The thread of each job started by this object (the latest one per id)."""

    def _stored(self, key: str) -> dict[str, Any] | None:
        path = self.folder / f"{key}.json"
        try:
            obj = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return obj if isinstance(obj, dict) else None

    def _store(self, key: str, result: dict[str, Any]) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write(self.folder / f"{key}.json",
                         json.dumps(jsonable(result), separators=(",", ":")).encode())
        except OSError as exc:  # the answer is still returned; only the cache is lost
            log.error("cannot store coalition forecast %s: %s", key, exc)

    def submit(self, settings: CoalitionSettings) -> dict[str, Any]:
        """Answer ``settings``: at once from the store, else in a background job."""
        run_checks(settings)
        key = settings.key()
        with self.lock:
            job = self.jobs.get(key)
            if job is not None and job.status in ("running", "complete"):
                return job.public()
            stored = self._stored(key)
            base = self._stored(settings.without_levers().key()) if settings.sets else None
            if stored is not None and (base is not None or not settings.sets):
                job = Job(key, settings, status="complete", seconds=0.0, result=stored,
                          base=base, step="from the store")
                self.jobs[key] = job
                self._prune()
                return job.public()
            if len(self.active) >= MAX_RUNNING:
                raise Busy(f"{MAX_RUNNING} coalition forecasts are already running")
            if key in self.active:  # cancelled, and still stopping: it will be gone soon
                raise Busy("this coalition forecast was cancelled and is still stopping")
            job = Job(key, settings)
            self.jobs[key] = job
            self.active.add(key)
            self._prune()
            thread = threading.Thread(target=self._work, args=(job,), daemon=True,
                                      name=f"coalition-{key[:8]}")
            self.threads[key] = thread
        thread.start()
        return job.public()

    def _prune(self) -> None:
        """Forget the oldest finished jobs beyond :data:`MAX_JOBS` (their answers stay stored)."""
        done = [k for k, j in self.jobs.items() if j.status != "running"]
        for k in done[:max(0, len(self.jobs) - MAX_JOBS)]:
            del self.jobs[k]
        for k in [k for k, t in self.threads.items() if k not in self.jobs and not t.is_alive()]:
            del self.threads[k]

    def _answer(self, job: Job, settings: CoalitionSettings) -> dict[str, Any]:
        stored = self._stored(settings.key())
        if stored is not None:
            return stored
        result = run_forecast(settings, job.advance, job.cancelled.is_set)
        job.finish_forecast(settings.members)
        return result

    def _work(self, job: Job) -> None:
        # lazy: keeps start-up fast (loads pandas, pyarrow)
        from multipolar.votes.coalition import Cancelled

        try:
            parts = [job.settings] + ([job.settings.without_levers()]
                                      if job.settings.sets else [])
            job.total = sum(p.members for p in parts if self._stored(p.key()) is None)
            job.step = "forecast with the levers" if job.settings.sets else "forecast"
            result = self._answer(job, job.settings)
            base = None
            if job.settings.sets:
                job.step = "forecast without the levers"
                base = self._answer(job, job.settings.without_levers())
        except Cancelled:
            log.info("coalition forecast %s stopped after %d of %d members", job.id,
                     job.done, job.total)
            return
        except MultipolarError as exc:

            job.error = error_body(exc)
            if not job.cancelled.is_set():
                job.status = "failed"
        except Exception:  # never let a thread die silently; the job says so
            log.exception("coalition forecast %s failed", job.id)
            job.error = {"message": "internal error (see the server log)", "fix": None,
                         "problems": []}
            if not job.cancelled.is_set():
                job.status = "failed"
        else:
            with self.lock:  # a cancel either comes before this (nothing is stored) or fails
                if job.cancelled.is_set():
                    return
                self._store(job.id, result)
                if base is not None:
                    self._store(job.settings.without_levers().key(), base)
                job.result, job.base, job.status = result, base, "complete"
        finally:
            with self.lock:
                if job.seconds is None:
                    job.seconds = time.monotonic() - job.started
                self.active.discard(job.id)
            job.stopped.set()

    def get(self, key: str) -> dict[str, Any]:
        """A job by id; :class:`~multipolar.web.runs.NotFound` if unknown."""
        with self.lock:
            job = self.jobs.get(key)
        if job is None:
            raise NotFound(f"no coalition forecast '{key}'",
                           fix="ask for it with POST /api/coalition")
        return job.public()

    def cancel(self, key: str) -> dict[str, Any]:
        """Cancel a running job: it stops at its next chunk of members, nothing is stored."""
        with self.lock:
            job = self.jobs.get(key)
            if job is None:
                raise NotFound(f"no coalition forecast '{key}'",
                               fix="ask for it with POST /api/coalition")
            if job.status != "running":
                raise Conflict(f"coalition forecast {key} is already {job.status}")
            job.cancelled.set()
            job.status = "cancelled"
            job.seconds = time.monotonic() - job.started
        return job.public()


def run_checks(settings: CoalitionSettings) -> None:
    """Refuse at once what the forecast would refuse (bad event, resolution, vote year)."""
    # lazy: keeps start-up fast (loads pandas, pyarrow)
    from multipolar.votes.coalition import parse_event, plan_vote, scenario_groups, state_names

    check_scenario_name(settings.scenario)
    refuse_unsupported(settings)
    groups, _ = scenario_groups(settings.scenario)
    world, model = _inputs()
    event = parse_event(settings.event, set(groups), state_names(world))
    plan_vote([event], settings.resolution, settings.vote_year, int(model.meta["until"]),
              settings.hindsight)


@lru_cache(maxsize=4)
def coalition_options(scenario: str) -> dict[str, Any]:
    """What a coalition question may choose for ``scenario`` (states, kinds, overlays)."""
    # lazy: keeps start-up fast (loads pandas, pyarrow)
    from multipolar.votes.records import DEFAULT_RESOLUTION, RESOLUTIONS

    meta = world_meta(scenario)
    if meta is None:
        raise InputError(f"scenario {scenario} has no actor_sets; the coalition forecast needs "
                         "every UN member state", field="scenario",
                         fix="use the bundled scenario russia-world")
    info = scenario_info(scenario)
    return {"scenario": scenario,
            "kinds": [{"name": k, "resolution": v} for k, v in DEFAULT_RESOLUTION.items()],
            "resolutions": list(RESOLUTIONS),
            "states": sorted(({"iso3": k, "name": v, "group": meta["groups"].get(k)}
                              for k, v in meta["names"].items() if k != "RUS"),
                             key=lambda r: r["name"]),
            "groups": meta["group_labels"],
            "perspectives": info["perspectives"], "hypotheses": info["hypotheses"],
            "parameters": info["parameters"], "levers": info["levers"],
            "observed_until": info["time"]["observed_until"],
            "supported": sorted(accepted()), "optional": list(OPTIONAL)}
