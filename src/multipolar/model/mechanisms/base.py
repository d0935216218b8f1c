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
* ``streams``: its random streams by name (registered in :data:`STREAMS`, which assigns ids
  and refuses collisions).
* ``theory`` (THEORY.md items) and ``evidence`` (citation keys of the flagship scenario).

``step(state, cx)`` advances the state one year. A switched-off mechanism is never called.
Depends on NumPy and :mod:`multipolar.model.state`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from multipolar.model.state import State, StepContext


FITS = ("history", "pooled")
"""The fits that search a parameter's range: ``history`` (one scenario on its own history,
:mod:`multipolar.calibrate.history`) and ``pooled`` (the pooled world fit,
:mod:`multipolar.calibrate.pooled`)."""


@dataclass(frozen=True)
class Param:
    """A declared parameter of a mechanism (or of the model, for shared ones).

    ``bounds`` are the values the parameter may take at all; ``search`` the range each fit
    (:data:`FITS`) searches, within the bounds. Every fit reads its range here (one home):
    a lower end above zero keeps a mechanism the seeds describe switched on, so that a fit
    chooses how strong it is, not whether it acts.
    """

    name: str
    default: float
    description: str
    unit: str = "-"
    bounds: tuple[float, float] | None = None
    search: dict[str, tuple[float, float]] = field(default_factory=dict, compare=False)


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
    streams: ClassVar[tuple[str, ...]] = ()

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
for _name, _first, _width in (
        ("russia_policy.presence", 101, 1), ("russia_policy.intensity", 103, 1),
        ("institutions.membership", 200, 100), ("frozen_conflicts.war", 300, 1),
        ("shocks.regime", 400, 1), ("shocks.leadership", 402, 1),
        ("shocks.flare_up", 404, 1), ("alignment.idiosyncratic", 500, 1),
        ("alignment.common", 501, 1), ("drivers.oil_price", 601, 1),
        ("drivers.china_weight", 602, 1), ("dated_events.elite_transition", 701, 1)):
    STREAMS.register(_name, _first, _width)


# --------------------------------------------------------------------------- mechanisms

class MechanismRegistry:
    """Registered mechanism implementations, in execution order; duplicates are refused."""

    def __init__(self) -> None:
        self.classes: dict[tuple[str, str], type[Mechanism]] = {}
        self.order: list[str] = []

    def register(self, cls: type[Mechanism]) -> type[Mechanism]:
        """Class decorator: add ``cls`` (its ``name`` and ``implementation``)."""
        key = (cls.name, cls.implementation)
        if not cls.name:
            raise ValueError(f"{cls.__name__} has no name")
        if key in self.classes:
            raise ValueError(f"mechanism {key} is registered twice "
                             f"({self.classes[key].__name__} and {cls.__name__})")
        for s in cls.streams:
            STREAMS.id(s)  # raises KeyError if the stream is not registered
        names = [p.name for p in cls.params]
        if len(set(names)) != len(names):
            raise ValueError(f"mechanism '{cls.name}' declares a parameter twice")
        self.classes[key] = cls
        if cls.name not in self.order:
            self.order.append(cls.name)
        return cls

    def implementations(self, name: str) -> list[str]:
        """Implementations registered for mechanism ``name``."""
        return [impl for (n, impl) in self.classes if n == name]

    def resolve(self, name: str, impl: str = "default") -> type[Mechanism]:
        """The class implementing ``name`` (``default`` picks the first registered)."""
        if (name, impl) in self.classes:
            return self.classes[(name, impl)]
        if impl == "default":
            return self.classes[(name, self.implementations(name)[0])]
        raise KeyError((name, impl))

    def params(self, name: str) -> dict[str, Param]:
        """Declared parameters of mechanism ``name`` over all its implementations."""
        out: dict[str, Param] = {}
        for (n, _), cls in self.classes.items():
            if n == name:
                for p in cls.params:
                    out.setdefault(p.name, p)
        return out


MECHANISMS = MechanismRegistry()
register = MECHANISMS.register


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
    "importance": "(members, actors) or (actors,): the neighbour's importance to Russia this "
                  "year (population, economy, Russian communities; russia_policy's weights)",
    "population_share": "(actors,) float32: neighbour's share of neighbours' population",
    "alignment_reference": "(actors,) float32: the actor's mean alignment in its first years",
    "outside_alignment": "(actors,) float32: last observed alignment of outside powers",
    "observed_china_share": "(actors,) float32 or None: observed China trade share this year",
    "west_institutions": "(k,) int: West-led institutions",
    "russia_institutions": "(k,) int: Russia-led institutions",
    "institution_pole": "(institutions,) int8: 0 Russia, 1 West, 2 China, 3 mixed",
    "institution_columns": "list of (k,) int: neighbours eligible for each institution",
    "institution_columns_in_neighbours": "list of (k,) int: the same as positions in "
                                         "neighbour_index",
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
    "arms_share_russia": "(actors,) float32: Russian share of the state's arms imports over "
                         "the last five observed years (carried forward)",
    "trade_share_russia": "(actors,) float32: the state's trade share with Russia (last "
                          "observed, carried forward)",
    "china_trade_share": "(actors,) float32: the state's trade share with China (last "
                         "observed, carried forward)",
    "sphere_reference": "(actors, channels, poles) float32: the sphere's starting shares "
                        "(mechanisms.sphere.initial_sphere)",
    "conflict_partners": "(actors, actors) float32: 1 for the two sides of a frozen conflict "
                         "between states other than the core (standing in the last observed "
                         "year)",
}
"""Every context item the engine offers, with its shape and meaning."""
