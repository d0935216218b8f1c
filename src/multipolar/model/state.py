"""The model's state and the per-mechanism context, with full names.

:class:`State` holds every variable the mechanisms update, as arrays shaped ``(members,
actors)`` (``(members,)`` for Russia's own variables, ``(institutions, members, actors)`` for
memberships). :class:`StepContext` is what one mechanism sees in one year: its own parameters
(:class:`ParamView`), the context items it declared, its random streams by name, the year and
the members' keys. Nothing else of the model is reachable from a mechanism.
Depends on NumPy and :mod:`multipolar.model.mechanisms.base` (stream registry).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from multipolar.model.mechanisms.base import STREAMS

F = np.float32
"""The engine's working precision: single, to halve memory traffic (outputs are float32)."""

FLOWS = ("target_shift", "alignment_jump", "subsidy", "coercion", "conflict", "threat",
         "attraction", "assertion", "sphere_push", "west_discount")
"""Per-year flows, zeroed at the start of every year."""


@dataclass
class State:
    """The model's state for a chunk of members (see the module docstring for shapes)."""

    alignment: np.ndarray
    democracy: np.ndarray
    dependence: np.ndarray
    china_share: np.ndarray
    integration_depth: np.ndarray
    frozen: np.ndarray
    membership: np.ndarray  # (institutions, members, actors) bool
    capacity: np.ndarray  # (members,)
    regime_security: np.ndarray  # (members,)
    recognition: np.ndarray  # (members,)
    oil_price: np.ndarray  # (members,) float64, set by the engine's driver step
    china_weight: np.ndarray  # (members,) float64, set by the engine's driver step
    accession_barrier: np.ndarray  # (members, actors): share of Western accession blocked
    red_line_hold: np.ndarray  # (members, actors): accession log-odds withheld by red lines
    target_shift: np.ndarray  # sum of this year's shifts of the alignment target
    alignment_jump: np.ndarray  # this year's one-off jumps of alignment
    attraction: np.ndarray
    assertion: np.ndarray
    subsidy: np.ndarray
    coercion: np.ndarray
    conflict: np.ndarray
    threat: np.ndarray
    sphere: np.ndarray  # (members, actors, channels, poles): whose sphere (mechanisms.sphere)
    sphere_push: np.ndarray  # this year's pushes on the sphere's targets, same shape
    west_discount: np.ndarray  # this year's share of the West's pull cancelled (propaganda)
    candidacy: np.ndarray  # (institutions, members, actors) float32: years held as candidate
    friction: np.ndarray  # (members, actors): share of the strain of a partner quarrel left

    def reset_year(self, flows: tuple[str, ...] = FLOWS) -> None:
        """Zero the per-year flows before a new year.

        ``flows`` may leave out flows that nothing writes (they stay at their initial zeros).
        """
        for name in flows:
            getattr(self, name)[...] = 0.0


STATE_FIELDS = tuple(f.name for f in fields(State))


class ParamView:
    """One mechanism's parameters in one year, by their short names.

    ``view[name]`` is shaped to combine with ``(members, actors)`` arrays: a float when the
    parameter is the same for every member, a ``(members, 1)`` float32 array when it is drawn
    per member, or ``(members, actors)`` in a year where the scenario schedules it by year or
    target. ``view.member(name)`` is shaped for Russia's own ``(members,)`` variables. Shared
    parameters a mechanism declared are read by their full path (``view["aims.sphere"]``).
    """

    __slots__ = ("_member", "_owner", "_row", "_sched_member", "_sched_row")

    def __init__(self, owner: str, row: dict[str, Any], member: dict[str, Any]) -> None:
        self._owner = owner
        self._row = row
        self._member = member
        self._sched_row: dict[str, Any] = {}
        self._sched_member: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if self._sched_row:
            got = self._sched_row.get(name)
            if got is not None:
                return got
        try:
            return self._row[name]
        except KeyError:
            raise KeyError(f"mechanism '{self._owner}' did not declare parameter "
                           f"'{name}'") from None

    def member(self, name: str) -> Any:
        """The parameter shaped for ``(members,)`` arrays."""
        if self._sched_member:
            got = self._sched_member.get(name)
            if got is not None:
                return got
        try:
            return self._member[name]
        except KeyError:
            raise KeyError(f"mechanism '{self._owner}' did not declare parameter "
                           f"'{name}'") from None

    def set_schedule(self, row: dict[str, Any], member: dict[str, Any]) -> None:
        """Set this year's scheduled values (they take precedence over the drawn ones)."""
        self._sched_row = row
        self._sched_member = member


class StepContext:
    """What one mechanism reads but does not change: declared items only.

    Attributes: ``p`` (its :class:`ParamView`), ``year``, ``t`` (index of the year),
    ``observed`` (the year is at or before the scenario's last observed year), ``keys`` (the
    members' random keys). Every declared context item is an attribute (``cx.neighbours``);
    an undeclared one raises :class:`AttributeError`. ``cx.stream(name, index)`` gives the id
    of a declared random stream and ``cx.lever(name)`` a declared lever.
    """

    def __init__(self, owner: str, items: dict[str, Any], allowed: frozenset[str],
                 streams: dict[str, int], levers: frozenset[str], p: ParamView,
                 shared: SharedYear) -> None:
        self._owner = owner
        self._items = items
        self._allowed = allowed
        self._streams = streams
        self._levers = levers
        self._shared = shared
        self.p = p

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        if name in self._allowed:
            return self._items[name]
        raise AttributeError(f"mechanism '{self._owner}' did not declare context item '{name}'")

    @property
    def year(self) -> int:
        """The simulated year."""
        return self._shared.year

    @property
    def t(self) -> int:
        """Index of the year in the run."""
        return self._shared.t

    @property
    def observed(self) -> bool:
        """Whether the year is at or before the scenario's last observed year."""
        return self._shared.observed

    @property
    def keys(self) -> np.ndarray:
        """The members' random keys."""
        return self._shared.keys

    def stream(self, name: str, index: int = 0) -> int:
        """Id of declared random stream ``name`` (``index`` within a family of streams)."""
        if name not in self._streams:
            raise KeyError(f"mechanism '{self._owner}' did not declare random stream '{name}'")
        return STREAMS.id(name, index)

    def lever(self, name: str) -> Any:
        """Return this year's value of declared lever ``name`` (0 when the scenario has none).

        A float for a lever given by year; a ``(actors,)`` float32 row for one given by year and
        target; either scaled or shifted per member (``(members, 1)``) when a ``levers.<name>``
        parameter varies its level.
        """
        if name not in self._levers:
            raise KeyError(f"mechanism '{self._owner}' did not declare lever '{name}'")
        sh = self._shared
        v = sh.levers.get(name, 0.0)
        if name in sh.lever_scale:
            return v * sh.lever_scale[name]
        if name in sh.lever_shift:
            return v + sh.lever_shift[name]
        return v


@dataclass
class SharedYear:
    """The year-level facts every mechanism may read (set by the engine each year)."""

    keys: np.ndarray
    year: int = 0
    t: int = 0
    observed: bool = False
    levers: dict[str, Any] = field(default_factory=dict)
    lever_scale: dict[str, np.ndarray] = field(default_factory=dict)
    lever_shift: dict[str, np.ndarray] = field(default_factory=dict)


INF = float("inf")
STATE_BOUNDS: dict[str, tuple[float, float]] = {
    "alignment": (-3.0, 3.0), "democracy": (0.0, 1.0), "dependence": (0.0, 3.0),
    "china_share": (0.0, 1.0), "integration_depth": (0.0, 1.0), "frozen": (0.0, 1.0),
    "membership": (0.0, 1.0), "capacity": (0.0, INF), "regime_security": (0.0, 1.0),
    "recognition": (0.0, 1.0), "oil_price": (0.0, INF), "china_weight": (0.0, INF),
    "accession_barrier": (0.0, 1.0), "red_line_hold": (0.0, INF),
    "target_shift": (-INF, INF),
    "alignment_jump": (-INF, INF), "attraction": (0.0, 1.0), "assertion": (0.0, 1.0),
    "subsidy": (0.0, INF), "coercion": (0.0, INF), "conflict": (0.0, INF), "threat": (0.0, INF),
    "sphere": (0.0, 1.0), "sphere_push": (-INF, INF), "west_discount": (0.0, 1.0),
    "candidacy": (0.0, INF),
    "friction": (0.0, 1.0),
}
"""The range each state field must stay in (checked by the mechanisms' contract tests)."""
