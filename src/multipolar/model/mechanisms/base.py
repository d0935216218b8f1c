"""The mechanism contract, the registry of mechanisms and the registry of random streams.

A mechanism is a small class that declares everything it touches:

* ``params``: its parameters (:class:`Param`: name, default, unit, bounds, description, the
  ranges the fits search). The
  declared default is the only place a default lives; a scenario adds uncertainty, evidence
  and deliberate overrides.
* ``reads`` and ``writes``: the :class:`~multipolar.model.state.State` fields it uses (a
  written field may also be read).
* ``context``: the context items it reads (see :data:`CONTEXT_ITEMS`), ``levers`` the
  scenario levers, ``shared`` the model-level parameters (:data:`SHARED_PARAMS`).
* ``streams``: its random streams, ``{name: Stream(first id, width)}`` (registered in
  :data:`STREAMS`, which refuses collisions).
* ``state``: the state variables it owns (:class:`StateVar`: shape, bounds, whether it is a
  yearly flow, the observed series that overrides it); ``start`` gives their values before
  the first year. ``outcomes`` (:class:`Outcome`): what the engine records of them.
* ``provides``: context items it computes from the scenario's data (``provide``, once) or each
  year from its parameters (``provide_year``), with their meanings.
* ``runs_before``: where a mechanism that is not in the built-in ``ORDER`` runs;
  ``is_default``: this implementation is the mechanism's default (an implementation named
  ``default`` is; a mechanism with several implementations names one).
* ``theory`` (THEORY.md items) and ``evidence`` (citation keys of the flagship scenario).

``step(state, cx)`` advances the state one year. A switched-off mechanism is never called.
The engine, :class:`~multipolar.model.state.State`, :data:`STREAMS` and :data:`CONTEXT_ITEMS`
only assemble these declarations: a mechanism is added by one class in one file.
Depends on NumPy and :mod:`multipolar.model.state`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from multipolar.model.state import ParamView, StartContext, State, StepContext


FITS = ("history", "pooled", "forecast", "standing")
"""The fits that search a parameter's range: ``history`` (one scenario on its own history,
:mod:`multipolar.calibrate.history`), ``pooled`` (the pooled world fit,
:mod:`multipolar.calibrate.pooled`), ``forecast`` (the rolling-origin forecasts of the
training years: the anchored target's strength, :mod:`multipolar.model.anchor`) and
``standing`` (the closed-form fit of Russia's and the US's own positions that the pooled
calibration runs, :mod:`multipolar.calibrate.standing`)."""


@dataclass(frozen=True)
class Param:
    """A declared parameter of a mechanism (or of the model, for shared ones).

    ``bounds`` are the values the parameter may take at all; ``search`` the range each fit
    (:data:`FITS`) searches, within the bounds. Every fit reads its range here (one home):
    a lower end above zero keeps a mechanism the seeds describe switched on, so that a fit
    chooses how strong it is, not whether it acts. A parameter with a ``pooled`` range is
    fitted by the pooled world fit; one with a ``hypothesis`` (a named rival to the seeds,
    whose default keeps it off) only when that hypothesis is on.
    """

    name: str
    default: float
    description: str
    unit: str = "-"
    bounds: tuple[float, float] | None = None
    search: dict[str, tuple[float, float]] = field(default_factory=dict, compare=False)
    hypothesis: str | None = field(default=None, compare=False)


INF = float("inf")

SHAPES = ("actors", "russia", "institutions")
"""Shapes of a state variable: ``(members, actors)``, ``(members,)`` (Russia's own) and
``(institutions, members, actors)``; a variable's ``dims`` add trailing axes (the sphere's
channels and poles)."""


@dataclass(frozen=True)
class StateVar:
    """A state variable a mechanism owns.

    ``shape`` is one of :data:`SHAPES`, ``dims`` trailing axes after it; ``bounds`` the range
    it must stay in (checked by the contract tests); a ``flow`` is zeroed at the start of
    every year; ``observed`` names the observed series that sets it in observed years (where
    the data have a value); ``dtype`` is ``float32``, ``float64`` or ``bool``. Its starting
    value is the owner's ``start`` (zeros unless the owner says otherwise).
    """

    name: str
    description: str
    bounds: tuple[float, float] = (-INF, INF)
    shape: str = "actors"
    flow: bool = False
    observed: str | None = None
    dtype: str = "float32"
    dims: tuple[int, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """An outcome the engine records every year.

    It is state variable ``field``, or ``derive(field, nominal parameters of the declaring
    mechanism)`` at column ``index`` of the last axis. ``kind`` is ``actor`` (``(members,
    actors)``) or ``russia`` (``(members,)``).
    """

    name: str
    field: str
    kind: str = "actor"
    derive: Callable[[np.ndarray, Mapping[str, float]], np.ndarray] | None = None
    index: int = 0


@dataclass(frozen=True)
class Stream:
    """A random stream's id range: ``first .. first + width - 1``.

    Ids are fixed for good: they keep results bit-identical across versions.
    """

    first: int
    width: int = 1


class Mechanism:
    """Base class of every mechanism: declarations plus one ``step`` per year."""

    name: ClassVar[str] = ""
    implementation: ClassVar[str] = "default"
    theory: ClassVar[tuple[str, ...]] = ()
    evidence: ClassVar[tuple[str, ...]] = ()
    params: ClassVar[tuple[Param, ...]] = ()
    reads: ClassVar[tuple[str, ...]] = ()
    writes: ClassVar[tuple[str, ...]] = ()
    context: ClassVar[tuple[str, ...]] = ()
    levers: ClassVar[tuple[str, ...]] = ()
    shared: ClassVar[tuple[str, ...]] = ()
    streams: ClassVar[dict[str, Stream]] = {}
    state: ClassVar[tuple[StateVar, ...]] = ()
    outcomes: ClassVar[tuple[Outcome, ...]] = ()
    provides: ClassVar[dict[str, str]] = {}
    runs_before: ClassVar[str] = "alignment"
    is_default: ClassVar[bool] = False

    @classmethod
    def start(cls, var: StateVar, init: StartContext) -> Any:
        """Value of owned state variable ``var`` before the first year (default: zeros).

        May return anything that broadcasts to the variable's shape.
        """
        return init.zeros(var)

    @classmethod
    def provide(cls, init: StartContext) -> dict[str, Any]:
        """Context items this mechanism computes once from the scenario's data (default: none).

        A value wrapped in :class:`Yearly` is a ``(years, ...)`` series; the engine hands out
        the row of the year.
        """
        return {}

    @classmethod
    def provide_year(cls, items: dict[str, Any], p: ParamView) -> dict[str, Any]:
        """Context items this mechanism computes each year from its parameters (default: none)."""
        return {}

    def initialise(self, st: State, cx: StepContext) -> None:
        """Set up state this mechanism owns before the first simulated year (default: none)."""

    def step(self, st: State, cx: StepContext) -> None:  # pragma: no cover - abstract
        """Advance ``st`` by one year."""
        raise NotImplementedError

    @classmethod
    def defaults(cls) -> dict[str, float]:
        """``{name: default}`` of the declared parameters."""
        return {p.name: p.default for p in cls.params}


# ------------------------------------------------------------------------------ streams

PARAM_STREAMS = (1_000_000, 2_000_000)
"""Ids reserved for parameter draws (``ParamSpec.stream``: a hash of the parameter's path)."""


class StreamRegistry:
    """Random stream ids by name, refusing collisions.

    A stream (or family of ``width`` streams) owns an id range; registering a name twice, or a
    range that overlaps another or the parameter range, fails. Ids fixed here keep results
    bit-identical with earlier versions of the model.
    """

    def __init__(self) -> None:
        self._ranges: dict[str, tuple[int, int]] = {}

    def register(self, name: str, first: int, width: int = 1) -> int:
        """Reserve ids ``first .. first+width-1`` for stream ``name``; return ``first``."""
        if name in self._ranges:
            raise ValueError(f"random stream '{name}' is registered twice")
        if first < 1 or width < 1 or first + width > 1 << 24:
            raise ValueError(f"random stream '{name}': ids must lie in 1 .. 2**24-1")
        lo, hi = first, first + width
        if lo < PARAM_STREAMS[1] and hi > PARAM_STREAMS[0]:
            raise ValueError(f"random stream '{name}' overlaps the ids of parameter draws")
        for other, (a, b) in self._ranges.items():
            if lo < b and hi > a:
                raise ValueError(f"random stream '{name}' ({lo}..{hi - 1}) collides with "
                                 f"'{other}' ({a}..{b - 1})")
        self._ranges[name] = (lo, hi)
        return first

    def unregister(self, name: str) -> None:
        """Free the ids of stream ``name``."""
        self._ranges.pop(name, None)

    def id(self, name: str, index: int = 0) -> int:
        """Id of stream ``name`` (the ``index``-th of a family)."""
        lo, hi = self._ranges[name]
        if not 0 <= index < hi - lo:
            raise IndexError(f"random stream '{name}' has {hi - lo} ids, not {index + 1}")
        return lo + index

    def names(self) -> dict[str, tuple[int, int]]:
        """``{name: (first id, width)}`` of every registered stream."""
        return {k: (a, b - a) for k, (a, b) in self._ranges.items()}


STREAMS = StreamRegistry()
ENGINE_STREAMS = {"drivers.oil_price": Stream(601), "drivers.china_weight": Stream(602)}
"""The engine's own streams (the scenario's drivers); every other stream is a mechanism's."""
for _name, _s in ENGINE_STREAMS.items():
    STREAMS.register(_name, _s.first, _s.width)


@dataclass(frozen=True)
class Yearly:
    """A provided context item given per year: ``values[t]`` is handed out in year ``t``."""

    values: Any


# --------------------------------------------------------------------------- mechanisms

class MechanismRegistry:
    """Registered mechanism implementations, in execution order; duplicates are refused.

    Registering a class also registers what it declares: its random streams (in
    :data:`STREAMS`), its state variables (:attr:`state_vars`), its outcomes and the context
    items it provides (in :data:`CONTEXT_ITEMS`). A mechanism not yet in the execution order
    is placed before its ``runs_before``.
    """

    def __init__(self, streams: StreamRegistry | None = None,
                 items: dict[str, str] | None = None) -> None:
        self.classes: dict[tuple[str, str], type[Mechanism]] = {}
        self.order: list[str] = []
        self.defaults: dict[str, str] = {}
        self.state_vars: dict[str, StateVar] = {}
        self.owners: dict[str, str] = {}
        self.streams = streams if streams is not None else StreamRegistry()
        self.items = items if items is not None else {}
        self._item_owners: dict[str, str] = {}

    def register(self, cls: type[Mechanism]) -> type[Mechanism]:
        """Class decorator: add ``cls`` (its ``name`` and ``implementation``)."""
        key = (cls.name, cls.implementation)
        if not cls.name:
            raise ValueError(f"{cls.__name__} has no name")
        if key in self.classes:
            raise ValueError(f"mechanism {key} is registered twice "
                             f"({self.classes[key].__name__} and {cls.__name__})")
        names = [p.name for p in cls.params]
        if len(set(names)) != len(names):
            raise ValueError(f"mechanism '{cls.name}' declares a parameter twice")
        default = cls.implementation == "default" or cls.is_default
        if default and cls.name in self.defaults:
            raise ValueError(f"mechanism '{cls.name}' has two default implementations "
                             f"('{self.defaults[cls.name]}' and '{cls.implementation}')")
        for v in cls.state:
            owner = self.owners.get(v.name)
            if v.shape not in SHAPES:
                raise ValueError(f"state variable '{v.name}': shape must be one of {SHAPES}")
            if owner is not None and (owner != cls.name or self.state_vars[v.name] != v):
                raise ValueError(f"state variable '{v.name}' is declared by '{owner}' and "
                                 f"'{cls.name}'")
        for item in cls.provides:
            owner = self._item_owners.get(item, cls.name)
            if owner != cls.name or (item in self.items and item not in self._item_owners):
                raise ValueError(f"context item '{item}' is provided twice ('{cls.name}')")
        fresh = [s for s in cls.streams if not self._shares_stream(cls, s)]
        done: list[str] = []
        try:
            for s in fresh:
                self.streams.register(s, cls.streams[s].first, cls.streams[s].width)
                done.append(s)
        except ValueError:
            for s in done:
                self.streams.unregister(s)
            raise
        for v in cls.state:
            self.state_vars[v.name] = v
            self.owners[v.name] = cls.name
        for item, doc in cls.provides.items():
            self.items[item] = doc
            self._item_owners[item] = cls.name
        self.classes[key] = cls
        if default:
            self.defaults[cls.name] = cls.implementation
        if cls.name not in self.order:
            before = cls.runs_before
            pos = self.order.index(before) if before in self.order else len(self.order)
            self.order.insert(pos, cls.name)
        return cls

    def _shares_stream(self, cls: type[Mechanism], stream: str) -> bool:
        """Another implementation of ``cls``'s mechanism declared ``stream`` identically."""
        for (n, _), other in self.classes.items():
            if n == cls.name and other.streams.get(stream) == cls.streams[stream]:
                return True
        return False

    def unregister(self, cls: type[Mechanism]) -> None:
        """Remove ``cls`` and what only it declared (for tests that define a mechanism)."""
        key = (cls.name, cls.implementation)
        if self.classes.get(key) is not cls:
            raise KeyError(key)
        del self.classes[key]
        if self.defaults.get(cls.name) == cls.implementation:
            del self.defaults[cls.name]
        if not self.implementations(cls.name):
            self.order.remove(cls.name)
            for v in cls.state:
                self.state_vars.pop(v.name, None)
                self.owners.pop(v.name, None)
            for item in cls.provides:
                self.items.pop(item, None)
                self._item_owners.pop(item, None)
        for s in cls.streams:
            if not self._shares_stream(cls, s):
                self.streams.unregister(s)

    def implementations(self, name: str) -> list[str]:
        """Implementations registered for mechanism ``name``."""
        return [impl for (n, impl) in self.classes if n == name]

    def resolve(self, name: str, impl: str = "default") -> type[Mechanism]:
        """The class implementing ``name`` (``default``: the one the declarations name)."""
        if (name, impl) in self.classes:
            return self.classes[(name, impl)]
        if impl == "default":
            if name not in self.defaults:
                raise KeyError(f"mechanism '{name}' names no default implementation "
                               f"(one of {self.implementations(name)} sets is_default)")
            return self.classes[(name, self.defaults[name])]
        raise KeyError((name, impl))

    def params(self, name: str) -> dict[str, Param]:
        """Declared parameters of mechanism ``name`` over all its implementations."""
        out: dict[str, Param] = {}
        for (n, _), cls in self.classes.items():
            if n == name:
                for p in cls.params:
                    out.setdefault(p.name, p)
        return out

    def owner(self, name: str) -> type[Mechanism]:
        """The default class of the mechanism that owns state variable ``name``."""
        return self.resolve(self.owners[name])

    def outcomes(self) -> list[Outcome]:
        """Every declared outcome, in execution order of the mechanisms, then the drivers'."""
        out: dict[str, Outcome] = {}
        for name in self.order:
            for (n, _), cls in self.classes.items():
                if n == name:
                    for o in cls.outcomes:
                        out.setdefault(o.name, o)
        for v in DRIVERS:
            out.setdefault(v.name, Outcome(v.name, v.name, kind="russia"))
        return list(out.values())

    def state_bounds(self) -> dict[str, tuple[float, float]]:
        """``{state variable: (low, high)}`` of every declared state variable."""
        return {k: v.bounds for k, v in self.state_vars.items()}



# ------------------------------------------------------------------- shared parameters

SHARED_PARAMS: dict[str, Param] = {p.name: p for p in (
    Param("aims.regime_persistence", 1.0, "weight Russia gives to keeping its regime in power "
          "(A1); weighs threats in russia_policy and governance erosion in "
          "patronage_networks", bounds=(0.0, 2.0)),
    Param("aims.recognition", 0.55, "weight Russia gives to recognition as a great power (A2); "
          "the wish for it restrains assertion", bounds=(0.0, 2.0)),
    Param("aims.shielded_integration", 0.5, "weight Russia gives to integration into the world "
          "economy shielded from its rules (A3); restrains assertion towards neighbours the West "
          "courts (russia_policy)",
          bounds=(0.0, 2.0)),
    Param("aims.multipolar_order", 0.65, "weight Russia gives to a multipolar order that "
          "dilutes US influence (A4, seed 002); scales the bargains with chosen states",
          bounds=(0.0, 2.0)),
    Param("aims.broker_image", 0.4, "weight Russia gives to looking a reliable broker and "
          "mediator (A2, seed 002); not read by any mechanism yet", bounds=(0.0, 2.0)),
    Param("aims.sphere", 0.8, "weight Russia gives to a sphere of influence (A4); scales "
          "attraction", bounds=(0.0, 2.0)),
)}
"""Model-level parameters (the scenario's ``aims``), readable by mechanisms that declare them."""


CONTEXT_ITEMS: dict[str, str] = {
    "neighbours": "(actors,) float32: 1 for neighbours whose alignment is simulated, else 0",
    "neighbour_mask": "(actors,) bool: the same as a mask",
    "neighbour_index": "(k,) int: columns of the neighbours",
    "russian_share": "(actors,) float32: share of Russian speakers",
    "eu_eligibility": "(actors,) float32: eligibility for an EU offer (0-1)",
    "china_proximity": "(actors,) float32: economic exposure to China (0-1)",
    "hydrocarbon_producer": "(actors,) float32: 1 for hydrocarbon producers",
    "gas_dependence": "(members, actors) float32: dependence on Russian gas (0-1)",
    "population_share": "(actors,) float32: neighbour's share of neighbours' population",
    "gdp_share": "(actors,) float32: neighbour's share of neighbours' GDP",
    "alignment_reference": "(actors,) float32: the actor's mean alignment in its first years",
    "outside_alignment": "(actors,) float32: last observed alignment of outside powers",
    "observed_china_share": "(actors,) float32 or None: observed China trade share this year",
    "west_institutions": "(k,) int: West-led institutions",
    "russia_institutions": "(k,) int: Russia-led institutions",
    "institution_pole": "(institutions,) int8: 0 Russia, 1 West, 2 China, 3 mixed",
    "institution_exclusions": "(institutions, institutions) bool: formats that exclude each "
                              "other",
    "institution_open": "(institutions,) bool: founded and not dissolved this year",
    "institution_founding": "(institutions,) bool: this year is the format's founding year",
    "institution_supersedes": "(institutions, institutions) bool: [k, m] joining k ends m",
    "accession_blocked": "(actors, institutions) bool: accession barred this year "
                         "(neutrality constraints)",
    "path_years": "(institutions,) int: years of candidacy a path constraint requires "
                  "(0: none)",
    "candidacy_history": "(actors, institutions) int16: years held as candidate by the "
                         "record, -1 after observed_until",
    "conflict_scope": "(institutions,) bool: formats a frozen_conflict constraint names",
    "red_line_scope": "(actors, institutions) bool: accession held back this year by outside "
                      "powers' tacit red lines (red_line constraints)",
    "attractiveness": "(members, institutions) float32: each format's log-odds offset of "
                      "accession (institution parameter)",
    "membership_history": "(actors, institutions) int8: this year's known memberships, -1 "
                          "unknown",
    "membership_history_previous": "(actors, institutions) int8: last year's",
    "forced_membership": "(actors, institutions) int8: -1 free, 0 forced out, 1 forced in "
                         "(dated accession and exit events)",
    "frozen_history": "(actors,) float32: conflicts standing this year by the scenario",
    "patronage": "(actors,) float32: patronage ties to Russia (0-1)",
    "use_of_force": "(actors,) float32: 1 where Russia uses force this year (dated events)",
    "use_of_force_since": "(actors,) float32: 1 from the year of a use of force on",
    "force_breaches": "float32: the number of uses of force up to this year (all targets)",
    "use_of_force_count": "(actors,) float32: uses of force against the state up to this year",
    "revolution_event": "(actors,) float32: 1 where a revolution is given for this year",
    "elite_transition_event": "(actors,) float32: 1 where a leadership change is given",
    "western_pull": "(actors,) float32: weight of the West's normative pull on the state (0-1)",
    "russian_presence": "(actors,) float32: Russian military or paramilitary presence (0-1)",
    "bargain_partner": "(actors,) float32: 1 for a state Russia bargains with (chosen states)",
    "near_russia": "(actors,) float32: 1 for a state near Russia (a former Soviet state), else "
                   "0",
    "trade_share_russia": "(actors,) float32: the state's trade share with Russia (last "
                          "observed, carried forward)",
    "china_trade_share": "(actors,) float32: the state's trade share with China (last "
                         "observed, carried forward)",
    "conflict_partners": "(actors, actors) float32: 1 for the two sides of a frozen conflict "
                         "between states other than the core (standing in the last observed "
                         "year)",
}
"""Every context item the engine offers: the scenario's data, with shape and meaning, here;
the items mechanisms compute (their ``provides``) are added as they register."""


MECHANISMS = MechanismRegistry(STREAMS, CONTEXT_ITEMS)
"""The registry of mechanisms (and of everything they declare)."""
register = MECHANISMS.register

DRIVERS = (
    StateVar("oil_price", "the oil price (the scenario's driver)", (0.0, INF), shape="russia",
             dtype="float64"),
    StateVar("china_weight", "China's economy relative to Russia's (the scenario's driver)",
             (0.0, INF), shape="russia", dtype="float64"),
)
"""The scenario's drivers: state variables the engine itself steps (and records)."""
for _var in DRIVERS:
    MECHANISMS.state_vars[_var.name] = _var
    MECHANISMS.owners[_var.name] = "drivers"
