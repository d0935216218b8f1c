"""The model's state and the per-mechanism context, with full names.

:class:`State` holds every variable the mechanisms update, as arrays shaped ``(members,
actors)`` (``(members,)`` for Russia's own variables, ``(institutions, members, actors)`` for
memberships). :class:`StepContext` is what one mechanism sees in one year: its own parameters
(:class:`ParamView`), the context items it declared, its random streams by name, the year and
the members' keys. Nothing else of the model is reachable from a mechanism.
Depends on NumPy and :mod:`multipolar.model.mechanisms.base` (stream registry).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from multipolar.model.mechanisms.base import MECHANISMS, STREAMS, StateVar

if TYPE_CHECKING:
    from multipolar.model.mechanisms.base import Mechanism

F = np.float32
"""The engine's working precision: single, to halve memory traffic (outputs are float32)."""


class State:
    """The model's state for a chunk of members: one attribute per declared state variable.

    The variables are those the mechanisms declare (:class:`~.mechanisms.base.StateVar`,
    assembled in :data:`STATE_VARS`); shapes as the module docstring says. Constructed with
    every declared variable as a keyword.
    """

    def __init__(self, **values: np.ndarray) -> None:
        missing = [k for k in MECHANISMS.state_vars if k not in values]
        unknown = [k for k in values if k not in MECHANISMS.state_vars]
        if missing or unknown:
            raise TypeError(f"State: missing variables {missing}, undeclared {unknown}")
        self.__dict__.update(values)

    if TYPE_CHECKING:  # every declared variable is an array attribute
        def __getattr__(self, name: str) -> Any: ...

        def __setattr__(self, name: str, value: Any) -> None: ...

    def reset_year(self, flows: tuple[str, ...] | None = None) -> None:
        """Zero the per-year flows before a new year.

        ``flows`` may leave out flows that nothing writes (they stay at their initial zeros).
        """
        for name in flows if flows is not None else flow_names():
            getattr(self, name)[...] = 0.0


STATE_VARS = MECHANISMS.state_vars
"""Every declared state variable by name (a live view of the registry)."""


def state_fields() -> tuple[str, ...]:
    """Names of the declared state variables."""
    return tuple(STATE_VARS)


def flow_names() -> tuple[str, ...]:
    """The per-year flows, zeroed at the start of every year."""
    return tuple(k for k, v in STATE_VARS.items() if v.flow)


STATE_FIELDS = state_fields()
"""The state variables the built-in mechanisms declare (see :func:`state_fields`)."""
FLOWS = flow_names()
"""The flows the built-in mechanisms declare (see :func:`flow_names`)."""


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


STATE_BOUNDS = MECHANISMS.state_bounds()
"""The range each built-in state variable must stay in (declared with the variable; checked by
the mechanisms' contract tests; :meth:`MechanismRegistry.state_bounds` for the live set)."""


class StartContext:
    """What a mechanism's ``start`` and ``provide`` see: the scenario's data before year one.

    ``model`` is the compiled model (its data: ``obs``, ``static``, ``member_hist`` ...),
    ``n`` the number of members, ``neighbours`` the ``(actors,)`` float32 mask, ``gas`` the
    ``(members, actors)`` gas dependence, ``drivers`` the drivers' starting values and
    ``items`` the context items computed so far.
    """

    def __init__(self, model: Any, p: dict[str, np.ndarray], n: int, neighbours: np.ndarray,
                 gas: np.ndarray, drivers: dict[str, np.ndarray]) -> None:
        self.model, self.p, self.n = model, p, n
        self.neighbours, self.gas, self.drivers = neighbours, gas, drivers
        self.items: dict[str, Any] = {}
        self.rules: Any = None
        self.n_actors = len(model.actors)
        self.n_institutions = len(model.institutions)

    def param(self, cls: type[Mechanism], name: str) -> np.ndarray:
        """``(members,)`` float64 values of ``cls``'s parameter ``name``.

        Its declared default if the model has none.
        """
        path = f"{cls.name}.{name}"
        if path in self.p:
            return self.p[path]
        default = {q.name: q.default for q in cls.params}[name]
        return np.full(self.n, default)

    def nominal(self, cls: type[Mechanism], name: str) -> float:
        """The nominal value of ``cls``'s parameter ``name``.

        For per-run, not per-member, quantities.
        """
        spec = self.model.params.get(f"{cls.name}.{name}")
        if spec is not None:
            return float(spec.nominal)
        return float({q.name: q.default for q in cls.params}[name])

    def first(self, series: str, default: float) -> np.ndarray:
        """``(actors,)`` first observed value of ``series`` (``default`` where there is none)."""
        arr = self.model.obs.get(series + "_first", np.full(self.n_actors, np.nan))
        return np.where(np.isfinite(arr), arr, default)

    def shape(self, var: StateVar) -> tuple[int, ...]:
        """The full shape of state variable ``var``."""
        n, a, i = self.n, self.n_actors, self.n_institutions
        base = {"actors": (n, a), "russia": (n,), "institutions": (i, n, a)}[var.shape]
        return (*base, *var.dims)

    def zeros(self, var: StateVar) -> np.ndarray:
        """Zeros of ``var``'s shape and type."""
        return np.zeros(self.shape(var), dtype=var.dtype)

    def full(self, var: StateVar, value: Any) -> np.ndarray:
        """``value`` broadcast to ``var``'s shape, as a writable array of its type."""
        return np.broadcast_to(np.asarray(value, dtype=var.dtype), self.shape(var)).copy()
