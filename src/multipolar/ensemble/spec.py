"""What an ensemble run is: a small typed :class:`RunSpec`, its chunk plan and its identity.

A spec names the scenario (with perspective, hypothesis and ``--set`` overrides), the master
seed, the number of members, the simulated years and the chunking. Two runs with the same
*identity* (scenario content hash, code hash, seed, members, years, chunking) must give
bit-identical results, which is what lets an interrupted run be resumed chunk by chunk.

Depends on the standard library and :mod:`multipolar.core.errors`.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from multipolar.core import rng, seeding
from multipolar.core.errors import MultipolarError
from multipolar.core.specs import RUN_MEMBERS, RUN_SEED

DEFAULT_BACKEND = "multipolar.model.api"
DEFAULT_SCENARIO = "russia-neighbourhood"
MAX_MEMBERS = 100_000_000


CHUNK_MEMBER_ACTORS = 100_000
"""Cap of a default chunk in members times actors (see :meth:`RunSpec.with_chunk_size`)."""


@dataclass(frozen=True)
class RunSpec:
    """An ensemble run: which scenario, seed, members, years and chunking.

    ``start``/``end`` default to the scenario's own time span; ``chunk_size`` defaults to a
    size that keeps every worker busy and memory per chunk bounded. ``backend`` is the module
    that implements the model contract (:mod:`multipolar.model.api`); tests swap in a double.
    ``free`` runs the model free from its first year (``run --free``, a check of the model);
    by default a run follows the observed alignment up to the scenario's ``observed_until``
    and projects from there (the backend's ``follow_record``), towards targets anchored at the
    observed state with strength ``anchor`` (``run --anchor``; None: the backend's declared
    default, :data:`multipolar.model.anchor.ANCHOR`; its bounds are checked when the model is
    compiled).
    """

    scenario: str = DEFAULT_SCENARIO
    members: int = RUN_MEMBERS
    seed: int = RUN_SEED
    start: int | None = None
    end: int | None = None
    perspective: str | None = None
    hypothesis: str | None = None
    sets: tuple[str, ...] = field(default_factory=tuple)
    chunk_size: int | None = None
    events: tuple[str, ...] = field(default_factory=tuple)
    backend: str = DEFAULT_BACKEND
    free: bool = False
    anchor: float | None = None

    def __post_init__(self) -> None:
        def bad(name: str, value: Any, fix: str) -> MultipolarError:
            return MultipolarError(f"{name} must be {fix}, not {value!r}",
                                   field=f"--{name.replace('_', '-')}", fix=f"pass {fix}")

        for name in ("members", "seed", "chunk_size", "start", "end"):
            v = getattr(self, name)
            if v is None and name in ("chunk_size", "start", "end"):
                continue
            if isinstance(v, bool) or not isinstance(v, int):
                raise bad(name, v, "a whole number")
        if not 1 <= self.members <= MAX_MEMBERS:
            raise bad("members", self.members, f"between 1 and {MAX_MEMBERS:,}")
        if self.seed < 0:
            raise bad("seed", self.seed, "a non-negative whole number")
        if self.chunk_size is not None and self.chunk_size < 1:
            raise bad("chunk_size", self.chunk_size, "a whole number of at least 1")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise MultipolarError(f"--end ({self.end}) is before --start ({self.start})",
                                  field="--end", fix="give an end year after the start year")
        if self.anchor is not None:
            if isinstance(self.anchor, bool) or not isinstance(self.anchor, int | float):
                raise bad("anchor", self.anchor, "a number")
            if self.free:
                raise MultipolarError(
                    "--anchor sets the target of the projection from the record; a --free "
                    "run follows no record and has no anchor", field="--anchor",
                    fix="leave out --anchor or --free")
        if not isinstance(self.sets, tuple):
            object.__setattr__(self, "sets", tuple(self.sets))
        if not isinstance(self.events, tuple):
            object.__setattr__(self, "events", tuple(self.events))

    def with_chunk_size(self, workers: int = 1, actors: int | None = None) -> RunSpec:
        """Return this spec with ``chunk_size`` filled in (if it was left to the default).

        The default gives each worker at least four chunks (so progress moves and work is
        balanced) and caps a chunk at 5,000 members and at ``CHUNK_MEMBER_ACTORS`` member-
        actors (given the scenario's ``actors``): about 200 MB of results in flight for the
        19-actor neighbourhood and for the 193-actor world alike (518 members a chunk there,
        which the world's engine also runs faster than larger chunks: narrower arrays stay in
        cache).
        """
        if self.chunk_size is not None:
            return self
        cap = 5000 if not actors else min(5000, max(250, CHUNK_MEMBER_ACTORS // actors))
        size = math.ceil(self.members / max(1, 4 * workers))
        return replace(self, chunk_size=max(1, min(cap, max(250, size), self.members)))

    def chunks(self) -> list[tuple[int, int, int]]:
        """Return the chunk plan: ``(index, first member, stop member)`` covering all members."""
        size = self.chunk_size or self.members
        return [(i, lo, min(lo + size, self.members))
                for i, lo in enumerate(range(0, self.members, size))]

    def to_dict(self) -> dict[str, Any]:
        """Return the spec as a JSON-able dict."""
        d = asdict(self)
        d["sets"] = list(self.sets)
        d["events"] = list(self.events)
        if not self.events:  # specs without events read (and hash) as before events existed
            del d["events"]
        if not self.free:  # likewise a run that follows the record
            del d["free"]
        if self.anchor is None:  # and one with the declared anchor
            del d["anchor"]
        return d


def canonical_hash(obj: Any) -> str:
    """SHA-256 of ``obj`` as canonical JSON (sorted keys; non-JSON values as strings)."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def code_hash(backend: str) -> str:
    """Hash the code that decides results: the backend's package sources and the RNG.

    Resuming a run with different model code would mix results of two models, so the hash
    is part of a run's identity.
    """
    try:
        mod = importlib.import_module(backend)
    except ImportError as exc:
        raise MultipolarError(f"cannot import the model backend '{backend}' ({exc})",
                              field="backend", fix="use the default multipolar.model.api "
                              "or a module implementing the same contract") from None
    files: list[Path] = []
    mfile = getattr(mod, "__file__", None)
    if mfile:
        p = Path(mfile)
        if backend.startswith("multipolar.model"):
            files += sorted(p.parent.rglob("*.py"))
        else:
            files.append(p)
    for m in (rng, seeding):
        if m.__file__:
            files.append(Path(m.__file__))
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()
