"""The scenario language: pydantic models for a multipolar scenario file (YAML).

A scenario names the **actors** (states, blocs, organisations) with their **attributes**,
the **institutions** and their membership histories, **relations** between actors, the model's
**mechanisms** (named, switchable, parameterised), the **levers** (policy choices), the
exogenous **drivers** (time series such as the oil price), **aims**, **perspectives** (overlays
of beliefs and parameters) and rival **hypotheses**. Any parameter may be a plain number or an
*uncertainty* (a distribution sampled per ensemble member), and any parameter or mechanism may
carry **evidence**: citations ``{doc, locator, claim}`` pointing at a passage of a seed
document with a locator phrase of at most twelve words.

This module only describes structure and local rules (ranges, probabilities summing to one).
Cross-references (unknown actors, unknown citation ids, gaps in a series, perspective paths)
are checked in :mod:`multipolar.scenario.semantics`, which can name the line of each problem.
Depends on pydantic only.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

# the citation is shared with the bargaining data files; it lives in the ground
from multipolar.core.citation import MAX_LOCATOR_WORDS as MAX_LOCATOR_WORDS
from multipolar.core.citation import Citation


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=False)


EvidenceRef = Annotated[Citation | str, Field(union_mode="left_to_right")]
"""Either an inline :class:`Citation` or the id of one in the scenario's ``citations``."""


class TargetPath(_Strict):
    """A lever's or parameter's value towards one target actor.

    ``value`` holds over the whole span (empty: the general value); ``from`` maps a year to the
    value that holds from that year on (the latest step at or before a year wins). A target's
    own values take precedence over the general ones, whatever their years.
    """

    value: float | None = None
    from_: dict[int, float] = Field(default_factory=dict, alias="from")

    @model_validator(mode="after")
    def _finite(self) -> TargetPath:
        vals = [*self.from_.values(), *([] if self.value is None else [self.value])]
        if any(not math.isfinite(v) for v in vals):
            raise ValueError("numbers must be finite (no .nan or .inf)")
        if self.value is None and not self.from_:
            raise ValueError("a target path needs 'value' or 'from'; "
                             "write e.g. {value: 0.8} or {from: {2014: 1.0}}")
        return self


def dated_values(from_: dict[int, float], by_target: dict[str, float | TargetPath]) -> list[float]:
    """Every number in a ``from`` mapping and a ``by_target`` mapping."""
    vals = list(from_.values())
    for tp in by_target.values():
        if isinstance(tp, TargetPath):
            vals += list(tp.from_.values()) + ([] if tp.value is None else [tp.value])
        else:
            vals.append(float(tp))
    return vals


def _dated_in_bounds(from_: dict[int, float], by_target: dict[str, float | TargetPath],
                     bounds: tuple[float, float]) -> None:
    lo, hi = bounds
    bad = [v for v in dated_values(from_, by_target) if not (lo <= v <= hi and math.isfinite(v))]
    if bad:
        raise ValueError(f"value {bad[0]} lies outside the bounds [{lo}, {hi}]; "
                         f"choose a value in [{lo}, {hi}]")

DistName = Literal["uniform", "normal", "triangular", "discrete", "lognormal"]


class Param(_Strict):
    """A parameter: a fixed value, or an uncertainty drawn once per ensemble member.

    * fixed: ``{value: 0.4}``
    * ``uniform``: ``low``, ``high``
    * ``normal``: ``mean``, ``sd`` (optionally truncated to ``bounds``)
    * ``lognormal``: ``mean``/``sd`` of the underlying normal
    * ``triangular``: ``low``, ``mode``, ``high``
    * ``discrete``: ``values`` with ``probs`` summing to one

    ``value`` is the nominal value used when uncertainties are switched off; if omitted it is
    the distribution's median.

    A mechanism parameter or an aim's weight may also change over time and by target (see
    :class:`TargetPath`): ``from: {2022: 0.9}`` replaces the drawn value for every target from
    2022 on, and ``by_target: {Ukraine: 0.8}`` or ``by_target: {Ukraine: {from: {2014: 1}}}``
    replaces it towards one actor. Where neither applies, the member's drawn value is used.

    A mechanism's parameter or an aim's weight may be written relative to the model's declared
    default with ``relative_to: default``: every number (``value``, ``low``, ``high``, ``mean``,
    ``sd``, ``mode``, ``values``, ``bounds``) is then a multiple of the declared default, e.g.
    ``{dist: uniform, low: 0.5, high: 1.5, relative_to: default}`` is the default's range from
    half to one and a half times it. The compiler resolves it against the declaration (the
    scenario language itself knows no model).
    """

    value: float | None = None
    dist: DistName | None = None
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: float | None = None
    mode: float | None = None
    values: list[float] | None = None
    probs: list[float] | None = None
    bounds: tuple[float, float] | None = None
    unit: str | None = None
    description: str | None = None
    source: str | None = None
    evidence: list[EvidenceRef] = Field(default_factory=list)
    from_: dict[int, float] = Field(default_factory=dict, alias="from")
    by_target: dict[str, float | TargetPath] = Field(default_factory=dict)
    relative_to: Literal["default"] | None = None

    @property
    def is_dated(self) -> bool:
        """True when the value changes from some year on or differs by target."""
        return bool(self.from_ or self.by_target)

    @model_validator(mode="after")
    def _check(self) -> Param:
        if self.bounds is not None:
            _dated_in_bounds(self.from_, self.by_target, self.bounds)
        d = self.dist
        finite = [x for x in (self.value, self.low, self.high, self.mean, self.sd, self.mode)
                  if x is not None]
        if any(not math.isfinite(x) for x in finite):
            raise ValueError("numbers must be finite (no .nan or .inf)")
        if self.relative_to is not None and (d == "lognormal" or self.is_dated):
            raise ValueError("'relative_to: default' scales the numbers of a fixed value or of a "
                             "uniform, normal, triangular or discrete range; write a lognormal "
                             "or a dated value ('from', 'by_target') in absolute terms")
        if d is None:
            if self.value is None:
                raise ValueError("give either 'value' or a distribution ('dist')")
        elif d == "uniform":
            _need(self, "uniform", "low", "high")
            if not self.low < self.high:  # type: ignore[operator]
                raise ValueError(f"uniform needs low < high (got {self.low} and {self.high})")
        elif d in ("normal", "lognormal"):
            _need(self, d, "mean", "sd")
            if self.sd is not None and self.sd <= 0:
                raise ValueError(f"{d} needs sd > 0 (got {self.sd})")
        elif d == "triangular":
            _need(self, "triangular", "low", "mode", "high")
            if not self.low <= self.mode <= self.high or self.low == self.high:  # type: ignore[operator]
                raise ValueError("triangular needs low <= mode <= high and low < high")
        elif d == "discrete":
            if not self.values or not self.probs:
                raise ValueError("discrete needs 'values' and 'probs' of the same length")
            if len(self.values) != len(self.probs):
                raise ValueError(
                    f"discrete has {len(self.values)} values but {len(self.probs)} probs"
                )
            if any(p < 0 for p in self.probs):
                raise ValueError("discrete probs must be non-negative")
            total = sum(self.probs)
            if abs(total - 1.0) > 1e-6:
                raise ValueError(f"discrete probs sum to {total:g}, not 1; rescale them")
        if self.bounds is not None and not self.bounds[0] <= self.bounds[1]:
            raise ValueError("bounds must be [low, high] with low <= high")
        if self.bounds is not None and self.value is not None:
            lo, hi = self.bounds
            if not lo <= self.value <= hi:
                raise ValueError(f"value {self.value} lies outside bounds [{lo}, {hi}]")
        return self

    @property
    def is_uncertain(self) -> bool:
        """True when this parameter is drawn per member."""
        return self.dist is not None

    def nominal(self) -> float:
        """The value used when uncertainty is switched off."""
        if self.value is not None:
            return float(self.value)
        d = self.dist
        if d == "uniform":
            return (float(self.low) + float(self.high)) / 2  # type: ignore[arg-type]
        if d == "normal":
            return float(self.mean)  # type: ignore[arg-type]
        if d == "lognormal":
            return float(math.exp(self.mean))  # type: ignore[arg-type]
        if d == "triangular":
            return float(self.mode)  # type: ignore[arg-type]
        assert self.values is not None and self.probs is not None
        return float(self.values[max(range(len(self.probs)), key=lambda i: self.probs[i])])  # type: ignore[index]


def _need(p: Param, d: str, *names: str) -> None:
    missing = [n for n in names if getattr(p, n) is None]
    if missing:
        raise ValueError(f"{d} distribution needs {', '.join(missing)}")


class DataRef(_Strict):
    """A column of a bundled or local data file, keyed by actor and year.

    ``file`` is a bundled data file name (``actor_year_panel.csv``) or a path relative to the
    scenario file. Rows are matched on ``key`` (the actor id) and ``year``.
    """

    file: str
    column: str
    key: str = "country"
    scale: float = 1.0
    leading_zeros: Literal["keep", "missing"] = "keep"
    """``missing``: zeros before an actor's first positive value are gaps in the source, not
    observations (COW's dyadic trade records no trade between the former Soviet republics in
    1992-1993, the years before their trade was counted as international); those years then
    take the first recorded value, as years before any series' first point do."""


class Series(_Strict):
    """A yearly time series: explicit ``{year: value}`` points or a data column.

    Explicit series must have no gaps between their first and last year (fill or interpolate
    them yourself so that nothing is silently invented).
    """

    series: dict[int, float] | None = None
    data: DataRef | None = None
    unit: str | None = None
    description: str | None = None
    source: str | None = None
    evidence: list[EvidenceRef] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_source(self) -> Series:
        if (self.series is None) == (self.data is None):
            raise ValueError("a time series needs exactly one of 'series' or 'data'")
        if self.series is not None:
            if not self.series:
                raise ValueError("'series' is empty")
            if any(not math.isfinite(v) for v in self.series.values()):
                raise ValueError("series values must be finite")
        return self


Attribute = Annotated[float | Param | Series, Field(union_mode="left_to_right")]


class Actor(_Strict):
    """A state, bloc or organisation that takes part in the system."""

    id: str = Field(min_length=1)
    kind: Literal["state", "bloc", "organisation"] = "state"
    name: str | None = None
    ccode: int | None = Field(default=None, description="Correlates of War country code")
    iso3: str | None = None
    region: str | None = None
    role: str | None = Field(default=None, description="core, neighbour, outside power, ...")
    attributes: dict[str, Attribute] = Field(default_factory=dict)
    evidence: list[EvidenceRef] = Field(default_factory=list)


INSTITUTION_PARAMS = ("attractiveness",)
"""Parameters an institution may set (``attractiveness``: log-odds added to its accession
hazard, 0 by default)."""

InstitutionKind = Literal["economic", "security", "political", "status", "normative"]

MembershipStatus = Literal["full", "associate", "observer", "candidate", "partner", "suspended",
                           "association_agreement"]


class Membership(_Strict):
    """An actor's status in an institution over ``[from, to]`` (``to`` empty: still there)."""

    actor: str
    from_: int = Field(alias="from", ge=1900, le=2200)
    to: int | None = Field(default=None, ge=1900, le=2200)
    status: MembershipStatus = "full"
    note: str | None = None
    source: str | None = None

    @model_validator(mode="after")
    def _order(self) -> Membership:
        if self.to is not None and self.to < self.from_:
            raise ValueError(f"membership ends ({self.to}) before it starts ({self.from_})")
        return self


class Institution(_Strict):
    """A multilateral format (EAEU, CIS, CSTO, SCO, EU, NATO, ...)."""

    id: str = Field(min_length=1)
    name: str | None = None
    kind: InstitutionKind
    pole: Literal["russia", "west", "china", "mixed"] = "russia"
    leader: str | None = None
    founded: int | None = None
    dissolved: int | None = Field(default=None, ge=1900, le=2200,
                                  description="first year it no longer exists: nobody joins "
                                              "from then on")
    excludes: list[str] = Field(default_factory=list,
                                description="institutions a member cannot belong to at once")
    supersedes: list[str] = Field(
        default_factory=list,
        description="institutions whose membership this one replaces (EU membership ends an "
                    "association agreement); its members do not join them")
    members: list[Membership] = Field(default_factory=list)
    params: dict[str, Attribute] = Field(
        default_factory=dict,
        description=f"per-institution parameters: {', '.join(INSTITUTION_PARAMS)}")
    evidence: list[EvidenceRef] = Field(default_factory=list)

    @model_validator(mode="after")
    def _span(self) -> Institution:
        if self.dissolved is not None and self.founded is not None \
                and self.dissolved <= self.founded:
            raise ValueError(f"dissolved ({self.dissolved}) must come after founded "
                             f"({self.founded})")
        return self


ConstraintKind = Literal["neutrality", "course", "path", "frozen_conflict", "red_line", "veto"]


class Constraint(_Strict):
    """A political constraint on accession, stated with its evidence.

    * ``neutrality``: the ``actors`` join no institution of the ``blocks`` kinds (e.g.
      ``[security, economic]``) and none of the ``institutions`` listed, in the ``years`` it
      holds.
    * ``course``: the ``actors`` are committed (by constitution or treaty) to joining the
      ``institutions``; in the ``years`` it holds they join no format that ``excludes``
      one of them, as if they were already members.
    * ``path``: membership of ``institution`` needs ``requires`` status (``candidate``) held
      for at least ``min_years`` years; a non-member first gains that status (the accession
      hazard), then completes membership with the ``institutions`` mechanism's yearly
      ``completion`` probability.
    * ``frozen_conflict``: a conflict standing on a state's territory holds back its accession
      to the ``institutions`` listed, by ``frozen_conflicts.accession_block`` (0 unless a
      hypothesis or perspective sets it).
    * ``red_line``: outside powers tacitly hold the ``actors`` back from the ``institutions``
      listed (004, the tacit red lines among outside players): in the ``years`` it holds, the
      ``red_lines`` mechanism lowers their accession log-odds by its ``hold``.
    * ``veto``: the ``institutions`` admit new members by consensus, and a member (``by``)
      in a standing conflict with the ``actors`` would block them: in the ``years`` it holds
      the ``actors`` join none of those formats.

    Every constraint needs its evidence: a ``source`` (public record) or ``evidence``
    (citations); a constraint with ``enabled: false`` is stated but not applied. A dated
    (neutrality, course, red_line or veto) constraint that starts after
    ``time.observed_until`` is a fact the model is not given, as a later membership or
    conflict is not.
    """

    kind: ConstraintKind
    description: str | None = None
    enabled: bool = True
    actors: list[str] = Field(default_factory=list)
    years: tuple[int, int | None] | None = None
    blocks: list[InstitutionKind] = Field(default_factory=list)
    institution: str | None = None
    institutions: list[str] = Field(default_factory=list)
    by: list[str] = Field(default_factory=list)
    requires: Literal["candidate"] = "candidate"
    min_years: int = Field(default=0, ge=0, le=50)
    source: str | None = None
    evidence: list[EvidenceRef] = Field(default_factory=list)

    @model_validator(mode="after")
    def _fields(self) -> Constraint:
        if not self.source and not self.evidence:
            raise ValueError("a constraint needs its evidence: add 'source' (the public "
                             "record) or 'evidence' (citation ids)")
        need = {"neutrality": ("actors",), "course": ("actors", "institutions"),
                "path": ("institution",), "frozen_conflict": ("institutions",),
                "red_line": ("actors", "institutions"),
                "veto": ("actors", "institutions", "by")}[self.kind]
        for name in need:
            if not getattr(self, name):
                raise ValueError(f"a {self.kind} constraint needs '{name}'")
        if self.kind == "neutrality" and not (self.blocks or self.institutions):
            raise ValueError("a neutrality constraint needs 'blocks' (institution kinds, e.g. "
                             "[security, economic]) or 'institutions' (ids)")
        if self.kind == "path" and self.min_years < 1:
            raise ValueError("a path constraint needs 'min_years' of at least 1 (the years "
                             "of negotiation after the required status)")
        if self.years is not None and self.years[1] is not None \
                and self.years[1] < self.years[0]:
            raise ValueError(f"years end ({self.years[1]}) before they start "
                             f"({self.years[0]})")
        return self


RelationKind = Literal["trade", "energy", "security", "conflict", "frozen_conflict", "patronage",
                       "kinship", "base", "migration"]


class Relation(_Strict):
    """A tie from one actor to another (trade dependence, a base, a frozen conflict, ...)."""

    source: str = Field(alias="from")
    target: str = Field(alias="to")
    kind: RelationKind
    value: Attribute = 1.0
    years: tuple[int, int | None] | None = None
    description: str | None = None
    evidence: list[EvidenceRef] = Field(default_factory=list)


class Mechanism(_Strict):
    """A named, switchable component of the model with its parameters and evidence.

    ``implementation`` picks an alternative registered implementation of the same mechanism
    (for example the opportunist decision rule); empty means the default one.
    """

    enabled: bool = True
    implementation: str | None = None
    description: str | None = None
    theory: list[str] = Field(default_factory=list, description="THEORY.md items, e.g. D1")
    params: dict[str, Attribute] = Field(default_factory=dict)
    evidence: list[EvidenceRef] = Field(default_factory=list)


class Lever(_Strict):
    """A policy choice a user can set, within ``bounds``, per year and per target actor.

    ``value`` is the default path: a constant, a ``{year: value}`` path (interpolated between
    its points, constant beyond them) or a :class:`Param` (a level drawn per member). ``from``
    maps a year to the value towards every target from that year on; ``by_target`` gives one
    target its own value or steps (:class:`TargetPath`), which take precedence.
    """

    actor: str | None = None
    description: str | None = None
    value: float | dict[int, float] | Param
    from_: dict[int, float] = Field(default_factory=dict, alias="from")
    by_target: dict[str, float | TargetPath] = Field(default_factory=dict)
    bounds: tuple[float, float] = (0.0, 1.0)
    evidence: list[EvidenceRef] = Field(default_factory=list)

    @model_validator(mode="after")
    def _in_bounds(self) -> Lever:
        lo, hi = self.bounds
        vals: list[float] = []
        if isinstance(self.value, int | float):
            vals = [float(self.value)]
        elif isinstance(self.value, dict):
            vals = list(self.value.values())
            if not vals:
                raise ValueError("a per-year lever path needs at least one year")
        vals += dated_values(self.from_, self.by_target)
        bad = [v for v in vals if not (lo <= v <= hi) or not math.isfinite(v)]
        if bad:
            raise ValueError(f"lever value {bad[0]} lies outside its bounds [{lo}, {hi}]; "
                             f"choose a value in [{lo}, {hi}] or widen 'bounds'")
        return self


class FuturePath(_Strict):
    """How a driver evolves after its observed series ends.

    ``random_walk`` on logs (geometric): ``level`` (start; default last observed), ``drift``
    (per year, on log scale) and ``volatility`` (sd of yearly log changes), each a parameter
    that may itself be uncertain; ``constant`` holds ``level``; ``mean_reverting`` pulls the
    log level towards ``level`` at rate ``reversion``.
    """

    model: Literal["constant", "random_walk", "mean_reverting"] = "random_walk"
    level: Attribute | None = None
    drift: Attribute = 0.0
    volatility: Attribute = 0.0
    reversion: Attribute = 0.3
    floor: float | None = None
    cap: float | None = None


class Driver(_Strict):
    """An exogenous time series (e.g. the Brent oil price): observed past, uncertain future."""

    unit: str | None = None
    description: str | None = None
    past: Series | None = None
    constant: float | None = None
    future: FuturePath = Field(default_factory=FuturePath)
    evidence: list[EvidenceRef] = Field(default_factory=list)

    @model_validator(mode="after")
    def _source(self) -> Driver:
        if self.past is None and self.constant is None:
            raise ValueError("a driver needs 'past' (an observed series) or 'constant'")
        return self


class Aim(_Strict):
    """One of an actor's aims, with its weight in the actor's decision rule."""

    actor: str
    weight: Attribute = 1.0
    description: str | None = None
    theory: list[str] = Field(default_factory=list)
    evidence: list[EvidenceRef] = Field(default_factory=list)


class Overlay(_Strict):
    """A perspective or hypothesis: named overrides of scenario paths, with their evidence.

    Keys of ``overrides`` are paths such as ``mechanisms.china_pull.params.strength``,
    ``levers.russia_assertion`` or ``actors.Belarus.attributes.democracy``.
    """

    description: str | None = None
    holder: str | None = Field(default=None, description="who sees the system this way")
    theory: list[str] = Field(default_factory=list)
    overrides: dict[str, Any] = Field(default_factory=dict)
    evidence: list[EvidenceRef] = Field(default_factory=list)


EventKind = Literal["use_of_force", "revolution", "accession", "exit", "elite_transition"]
EVENT_KINDS: tuple[str, ...] = ("use_of_force", "revolution", "accession", "exit",
                                "elite_transition")
INSTITUTION_EVENTS = ("accession", "exit")


class Event(_Strict):
    """A dated event given to the model as an input, with the evidence that it happened.

    ``use_of_force`` is Russia's use of force against ``target``; ``revolution`` a revolution
    in ``target``; ``elite_transition`` a change of ruling elite there; ``accession`` and
    ``exit`` the target joining or leaving ``institution`` (forced from ``year`` on).
    ``target`` is an actor id, an actor's ``iso3`` code or a known ISO3 code (``UKR``).
    """

    kind: EventKind
    target: str = Field(min_length=1)
    year: int = Field(ge=1900, le=2200)
    institution: str | None = None
    description: str | None = None
    evidence: list[EvidenceRef] = Field(default_factory=list)

    @model_validator(mode="after")
    def _institution(self) -> Event:
        if self.kind in INSTITUTION_EVENTS and not self.institution:
            raise ValueError(f"an {self.kind} event "
                             "needs 'institution'; name the institution joined or left, "
                             "e.g. institution: EAEU")
        if self.kind not in INSTITUTION_EVENTS and self.institution:
            raise ValueError(f"a {self.kind} event takes no 'institution'; remove it")
        return self


ISO3_ACTORS: dict[str, tuple[str, ...]] = {
    "RUS": ("Russia", "Russian Federation"), "BLR": ("Belarus",), "UKR": ("Ukraine",),
    "MDA": ("Moldova",), "GEO": ("Georgia",), "ARM": ("Armenia",), "AZE": ("Azerbaijan",),
    "KAZ": ("Kazakhstan",), "KGZ": ("Kyrgyzstan",), "TJK": ("Tajikistan",),
    "UZB": ("Uzbekistan",), "TKM": ("Turkmenistan",), "EST": ("Estonia",), "LVA": ("Latvia",),
    "LTU": ("Lithuania",), "USA": ("United States", "USA", "US"), "CHN": ("China",),
    "TUR": ("Turkey", "Turkiye"), "EUU": ("EU", "European Union"),
}
"""ISO3 codes of the neighbourhood (the 15 post-Soviet states, the US, China, Turkey and the
EU, which has the World Bank's code ``EUU``) and the actor ids they may stand for, used when an
actor declares no ``iso3`` of its own."""


def resolve_actor_ref(actors: list[tuple[str, str | None, str | None]], ref: str) -> str | None:
    """The id among ``actors`` (``(id, name, iso3)``) that ``ref`` names, or None.

    ``ref`` may be an id, a name or an ISO3 code, in any case; codes in
    :data:`ISO3_ACTORS` work for actors that declare no ``iso3``.
    """
    key = ref.strip().casefold()
    if not key:
        return None
    for aid, name, iso3 in actors:
        if key in (aid.casefold(), (name or "").casefold(), (iso3 or "").casefold()):
            return aid
    ids = {aid.casefold(): aid for aid, _, _ in actors}
    for alias in ISO3_ACTORS.get(ref.strip().upper(), ()):
        if alias.casefold() in ids:
            return ids[alias.casefold()]
    return None


class TimeSpec(_Strict):
    """The simulated span and the last observed year."""

    start: int = Field(default=1992, ge=1900, le=2200)
    end: int = Field(default=2035, ge=1900, le=2200)
    observed_until: int = Field(default=2013, ge=1900, le=2200)

    @model_validator(mode="after")
    def _order(self) -> TimeSpec:
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) is before start ({self.start})")
        return self


class Scenario(_Strict):
    """A complete multipolar scenario."""

    multipolar: Literal[1] = Field(default=1, description="scenario language version")
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    title: str | None = None
    description: str | None = None
    time: TimeSpec = Field(default_factory=TimeSpec)
    core: str = Field(default="Russia", description="the actor whose aims drive the model")
    citations: dict[str, Citation] = Field(default_factory=dict)
    actor_sets: list[dict[str, Any]] = Field(
        default_factory=list,
        description="actors generated from a data table (multipolar.scenario.tables)")
    actors: list[Actor] = Field(min_length=1)
    institutions: list[Institution] = Field(default_factory=list)
    constraints: dict[str, Constraint] = Field(
        default_factory=dict, description="political constraints on accession, by id")
    relations: list[Relation] = Field(default_factory=list)
    aims: dict[str, Aim] = Field(default_factory=dict)
    mechanisms: dict[str, Mechanism] = Field(default_factory=dict)
    levers: dict[str, Lever] = Field(default_factory=dict)
    drivers: dict[str, Driver] = Field(default_factory=dict)
    perspectives: dict[str, Overlay] = Field(default_factory=dict)
    hypotheses: dict[str, Overlay] = Field(default_factory=dict)
    default_hypothesis: str | None = None
    events: list[Event] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _expand_actor_sets(cls, data: Any) -> Any:
        """Append the actors generated by ``actor_sets`` to the hand-written ones.

        Generated sets take the states that were members by ``time.observed_until``.
        """
        if isinstance(data, dict) and data.get("actor_sets"):
            # lazy: keeps start-up fast (loads pandas, pyarrow)
            from multipolar.scenario.tables import expand_actor_sets

            time = data.get("time")
            until = time.get("observed_until") if isinstance(time, dict) else None
            data = {**data, "actors": [
                *(data.get("actors") or []),
                *expand_actor_sets(data["actor_sets"],
                                   until=until if isinstance(until, int) else None)]}
        return data

    def actor_ids(self) -> list[str]:
        """Ids of all actors in file order."""
        return [a.id for a in self.actors]

    def actor(self, actor_id: str) -> Actor:
        """The actor called ``actor_id`` (KeyError if none)."""
        for a in self.actors:
            if a.id == actor_id:
                return a
        raise KeyError(actor_id)

    def resolve_actor(self, ref: str) -> str | None:
        """The id of the actor ``ref`` names (id, name or ISO3 code, any case), or None."""
        return resolve_actor_ref([(a.id, a.name, a.iso3) for a in self.actors], ref)

    def institution(self, inst_id: str) -> Institution:
        """The institution called ``inst_id`` (KeyError if none)."""
        for i in self.institutions:
            if i.id == inst_id:
                return i
        raise KeyError(inst_id)
