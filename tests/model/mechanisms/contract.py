"""The contract every mechanism's test class inherits (as Axelrod's strategies inherit theirs).

A test class sets ``mechanism`` to the class under test and inherits the checks below: on a
small hand-made state (a few members, five actors, two institutions), one ``step`` gives finite
values within the state's bounds, is deterministic for a seed, does not depend on how members
are split into chunks, touches only the state it declared, reads only declared context items,
and cites theory items and evidence that exist. Switched off, the engine never calls it.

Each test class also gives the mechanism's *behaviour table* (``behaviour``), as Axelrod's
``test_strategy`` gives each strategy's responses: two to four :class:`Situation` rows on the
same hand-made state, each with the sign of the response the cited seed passage says the
mechanism should give. The tables are what makes a reversed sign fail
(``scripts/mutate_mechanisms.py``).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import yaml

from multipolar.core import rng
from multipolar.model.mechanisms import MECHANISMS, SHARED_PARAMS, Mechanism
from multipolar.model.state import (
    STATE_BOUNDS,
    STATE_FIELDS,
    ParamView,
    SharedYear,
    State,
    StepContext,
)

N_MEMBERS, N_ACTORS, N_INST = 6, 5, 2
ROOT = Path(__file__).resolve().parents[3]
THEORY = Path("/work/shared/THEORY.md")
CITATIONS = ROOT / "src/multipolar/scenarios/russia-neighbourhood/citations.yaml"
WORLD_CITATIONS = ROOT / "src/multipolar/scenarios/russia-world/citations.yaml"


def make_state(seed: int, n: int = N_MEMBERS) -> State:
    """A plausible state: actor 0 is Russia, 1-4 neighbours; institution 0 Russia-led."""
    g = np.random.default_rng(seed)
    f32 = np.float32

    def arr(lo: float, hi: float) -> np.ndarray:
        return g.uniform(lo, hi, (n, N_ACTORS)).astype(f32)

    align = arr(-0.8, 0.8)
    russia, us = np.full(n, 0.0, f32), np.full(n, 2.5, f32)
    return State(
        alignment=align, ideal_point=(russia[:, None] + align * (us - russia)[:, None]),
        russia_position=russia, us_position=us, breach=np.ones(n, f32), democracy=arr(0.1, 0.9), dependence=arr(0.0, 1.0),
        china_share=arr(0.0, 0.4), integration_depth=arr(0.0, 0.8),
        frozen=(g.uniform(size=(n, N_ACTORS)) < 0.3).astype(f32),
        membership=g.uniform(size=(N_INST, n, N_ACTORS)) < 0.4,
        capacity=g.uniform(0.5, 1.5, n).astype(f32), regime_security=g.uniform(0.2, 0.8, n)
        .astype(f32), recognition=g.uniform(0.2, 0.8, n).astype(f32),
        oil_price=g.uniform(20, 120, n), china_weight=g.uniform(1, 8, n),
        accession_barrier=np.zeros((n, N_ACTORS), f32), target_shift=arr(-0.1, 0.1),
        alignment_jump=np.zeros((n, N_ACTORS), f32), attraction=arr(0.0, 1.0),
        assertion=arr(0.0, 0.8), subsidy=arr(0.0, 0.3), coercion=np.zeros((n, N_ACTORS), f32),
        conflict=np.zeros((n, N_ACTORS), f32), threat=arr(0.0, 1.0),
        sphere=_sphere(g, n), sphere_push=np.zeros((n, N_ACTORS, 4, 3), f32),
        west_discount=np.zeros((n, N_ACTORS), f32),
        candidacy=g.integers(0, 4, (N_INST, n, N_ACTORS)).astype(f32),
        friction=(g.uniform(size=(n, N_ACTORS)) < 0.3).astype(f32) * arr(0.0, 1.0),
        red_line_hold=arr(0.0, 3.0))


def _sphere(g: np.random.Generator, n: int) -> np.ndarray:
    """Random sphere shares: each neighbour's channel rows sum to 1; Russia's row is 0."""
    raw = g.uniform(0.05, 1.0, (n, N_ACTORS, 4, 3))
    raw[:, 0] = 0.0
    s = raw.sum(axis=-1, keepdims=True)
    return np.where(s > 0, raw / np.where(s > 0, s, 1.0), 0.0).astype(np.float32)


def make_items(n: int = N_MEMBERS, rows: slice | None = None) -> dict[str, Any]:
    """Every context item, for members ``rows`` of a fixed hand-made neighbourhood."""
    rows = rows or slice(0, n)
    f32 = np.float32
    nb_mask = np.array([False, True, True, True, True])
    nbi = np.flatnonzero(nb_mask)
    g = np.random.default_rng(99)
    gas = g.uniform(0, 1, (N_MEMBERS, N_ACTORS)).astype(f32) * nb_mask
    attract = g.uniform(-0.5, 0.5, (N_MEMBERS, N_INST)).astype(f32)
    cols = [nbi, nbi[:3]]
    event = np.array([0, 0, 1, 0, 0], f32)
    forced = np.full((N_ACTORS, N_INST), -1, np.int8)
    forced[3, 1] = 1
    hist = np.full((N_ACTORS, N_INST), -1, np.int8)
    return {
        "neighbours": nb_mask.astype(f32), "neighbour_mask": nb_mask, "neighbour_index": nbi,
        "russian_share": np.array([0, 0.3, 0.1, 0.0, 0.05], f32),
        "eu_eligibility": np.array([0, 1, 1, 0, 0], f32),
        "china_proximity": np.array([0, 0, 0, 1, 1], f32),
        "hydrocarbon_producer": np.array([1, 0, 0, 1, 0], f32),
        "gas_dependence": gas[rows], "importance": np.array([0, 0.5, 0.3, 0.2, 0.1], f32),
        "population_share": np.array([0, 0.4, 0.3, 0.2, 0.1], f32),
        "alignment_reference": np.array([0, -0.2, 0.0, -0.4, -0.3], f32),
        "outside_alignment": np.array([-0.5, 0, 0, 0, 0], f32),
        "observed_china_share": None,
        "west_institutions": np.array([1]), "russia_institutions": np.array([0]),
        "institution_pole": np.array([0, 1], np.int8),
        "institution_columns": cols,
        "institution_columns_in_neighbours": [np.searchsorted(nbi, c) for c in cols],
        "institution_exclusions": np.array([[False, True], [True, False]]),
        "attractiveness": attract[rows],
        "institution_open": np.array([True, True]),
        "institution_founding": np.array([False, True]),
        "institution_supersedes": np.zeros((N_INST, N_INST), bool),
        "accession_blocked": np.array([[False, False], [False, False], [True, False],
                                       [False, False], [False, False]]),
        "path_years": np.array([0, 2]), "candidacy_history": hist.astype(np.int16),
        "conflict_scope": np.array([False, True]),
        "red_line_scope": np.array([[False, False], [False, True], [False, False],
                                    [False, True], [False, False]]),
        "membership_history": hist, "membership_history_previous": hist,
        "forced_membership": forced, "frozen_history": np.array([0, 0, 1, 0, 0], f32),
        "patronage": np.array([0, 1, 0, 0.5, 0], f32),
        "use_of_force": event, "use_of_force_since": event, "revolution_event": event,
        "force_breaches": np.float32(event.sum()), "use_of_force_count": event,
        "elite_transition_event": event,
        "western_pull": np.array([0, 0.9, 0.3, 0.3, 0.7], f32),
        "russian_presence": np.array([0, 0, 1, 0, 0.5], f32),
        "bargain_partner": np.array([0, 0, 0, 1, 0], f32),
        "near_russia": np.array([0, 1, 1, 0, 0], f32),
        "arms_share_russia": np.array([0, 0.1, 0.8, 0.4, 0], f32),
        "trade_share_russia": np.array([0, 0.05, 0.3, 0.1, 0.02], f32),
        "china_trade_share": np.array([0, 0.1, 0.2, 0.4, 0.05], f32),
        "sphere_reference": _sphere(np.random.default_rng(7), 1)[0],
        "conflict_partners": _pairs(),
        # the poles on the data's scale: Russia (actor 0) at 0, the US (not an actor) at 2.5,
        # where the record left them; the year is after the record
        "pole_record": np.array([np.nan, np.nan]), "pole_reference": np.array([0.0, 2.5]),
        "pole_columns": np.array([0, -1]),
    }


def _pairs() -> np.ndarray:
    """Neighbours 2 and 4 are the two sides of a frozen conflict (as Armenia and Azerbaijan)."""
    pairs = np.zeros((N_ACTORS, N_ACTORS), np.float32)
    pairs[2, 4] = pairs[4, 2] = 1.0
    return pairs


class Recorder:
    """Wraps a :class:`State` and records which fields a step reads and assigns."""

    def __init__(self, st: State) -> None:
        object.__setattr__(self, "_st", st)
        object.__setattr__(self, "read", set())
        object.__setattr__(self, "assigned", set())

    def __getattr__(self, name: str) -> Any:
        self.read.add(name)
        return getattr(self._st, name)

    def __setattr__(self, name: str, value: Any) -> None:
        self.assigned.add(name)
        setattr(self._st, name, value)


ZERO = {"zero": True}
"""A reference for :class:`Situation`: compare the response with zero (its level, not its
change)."""


@dataclass(frozen=True)
class Situation:
    """One row of a behaviour table: a situation and the sign of the response it should give.

    ``change`` sets up the situation on the contract's hand-made state, by key:
    ``state.<field>`` (a value or a function of the current array), ``param.<name>``,
    ``item.<context item>``, ``lever.<name>`` or ``observed``. The response is state variable
    ``response`` after one step (initialise, then step), at ``where``. It is compared with the
    same variable before the step (``reference`` None: the step's own change), with zero
    (:data:`ZERO`), or after a step in the ``reference`` situation (another change dict;
    ``{}``: the plain hand-made state).
    ``sign`` is +1 (every element larger), -1 (every element smaller) or 0 (unchanged). ``says``
    states the expectation in our words, with the seed file and its locator.
    """

    says: str
    response: str
    sign: int
    change: dict[str, Any] = field(default_factory=dict)
    reference: dict[str, Any] | None = None
    where: Any = Ellipsis

    def effect(self, case: MechanismContract) -> np.ndarray:
        """Response minus reference, at ``where``."""
        before, after = case.run_in(self.change)
        if self.reference is None:
            base = getattr(before, self.response)
        elif self.reference == ZERO:
            base = np.zeros_like(np.asarray(getattr(after, self.response), dtype=np.float64))
        else:
            base = getattr(case.run_in(self.reference)[1], self.response)
        got = np.asarray(getattr(after, self.response), dtype=np.float64) - \
            np.asarray(base, dtype=np.float64)
        return np.asarray(got[self.where])

    def check(self, case: MechanismContract) -> None:
        """Fail unless the response has the stated sign."""
        eff = self.effect(case)
        name = case.mechanism.name
        assert eff.size, f"{name}: '{self.says}' looks at no element"
        if self.sign > 0:
            assert (eff > 0).all(), f"{name}: '{self.says}': {self.response} does not rise"
        elif self.sign < 0:
            assert (eff < 0).all(), f"{name}: '{self.says}': {self.response} does not fall"
        else:
            assert np.allclose(eff, 0.0, atol=1e-7), \
                f"{name}: '{self.says}': {self.response} changes"


def apply_change(change: dict[str, Any], st: State, cx: StepContext) -> None:
    """Set up a situation (see :class:`Situation`) on a state and its context."""
    for key, value in change.items():
        kind, _, name = key.partition(".")
        if kind == "state":
            cur = getattr(st, name)
            new = value(cur) if callable(value) else value
            setattr(st, name, np.broadcast_to(np.asarray(new, dtype=cur.dtype),
                                              cur.shape).copy())
        elif kind == "param":
            cx.p._row[name] = cx.p._member[name] = value
        elif kind == "item":
            cx._items[name] = value(cx._items[name]) if callable(value) else value
        elif kind == "lever":
            cx._shared.levers[name] = value
        elif kind == "observed":
            cx._shared.observed = bool(value)
        else:
            raise KeyError(f"unknown change {key!r}")


class MechanismContract:
    """Inherit and set ``mechanism``; every ``test_*`` below then applies to it."""

    mechanism: ClassVar[type[Mechanism]]
    observed: ClassVar[bool] = False
    year: ClassVar[int] = 2020
    behaviour: ClassVar[tuple[Situation, ...]] = ()

    # ------------------------------------------------------------------ helpers
    def context(self, n: int = N_MEMBERS, rows: slice | None = None,
                keys: np.ndarray | None = None) -> StepContext:
        cls = self.mechanism
        rows = rows or slice(0, n)
        values = {p.name: p.default for p in cls.params}
        values.update({s: SHARED_PARAMS[s].default for s in cls.shared})
        member_vals = {k: v for k, v in values.items()}
        view = ParamView(cls.name, values, member_vals)
        shared = SharedYear(keys=keys if keys is not None else rng.member_keys(5, 0, n),
                            year=self.year, t=3, observed=self.observed,
                            levers={"russia_attraction": 0.6, "russia_assertion": 0.5,
                                    "eu_offer": 0.6, "russia_propaganda": 0.5,
                                    "eaeu_sreb_link": 0.5})
        return StepContext(cls.name, make_items(n, rows), frozenset(cls.context),
                           {s: 0 for s in cls.streams}, frozenset(cls.levers), view, shared)

    def run_in(self, change: dict[str, Any], seed: int = 1) -> tuple[State, State]:
        """The hand-made state before and after one step in situation ``change``."""
        st = make_state(seed)
        cx = self.context()
        apply_change(change, st, cx)
        before = copy.deepcopy(st)
        mech = self.mechanism()
        mech.initialise(st, cx)
        mech.step(st, cx)
        return before, st

    def stepped(self, seed: int = 1) -> State:
        st = make_state(seed)
        mech = self.mechanism()
        cx = self.context()
        mech.initialise(st, cx)
        mech.step(st, cx)
        return st

    # ------------------------------------------------------------------ the contract
    def test_behaviour_table(self) -> None:
        for row in self.behaviour:
            row.check(self)

    def test_step_gives_finite_values_within_bounds(self) -> None:
        st = self.stepped()
        for name in STATE_FIELDS:
            v = np.asarray(getattr(st, name), dtype=np.float64)
            assert np.isfinite(v).all(), f"{self.mechanism.name}: {name} is not finite"
            lo, hi = STATE_BOUNDS[name]
            assert (v >= lo - 1e-6).all() and (v <= hi + 1e-6).all(), \
                f"{self.mechanism.name}: {name} leaves [{lo}, {hi}]"

    def test_deterministic_for_a_seed(self) -> None:
        a, b = self.stepped(), self.stepped()
        for name in STATE_FIELDS:
            assert np.array_equal(getattr(a, name), getattr(b, name)), name

    def test_does_not_depend_on_chunking(self) -> None:
        keys = rng.member_keys(5, 0, N_MEMBERS)
        whole = make_state(1)
        mech = self.mechanism()
        cx = self.context(keys=keys)
        mech.initialise(whole, cx)
        mech.step(whole, cx)
        k = N_MEMBERS // 2 - 1
        for sl in (slice(0, k), slice(k, N_MEMBERS)):
            part = _slice_state(make_state(1), sl)
            cxp = self.context(n=sl.stop - sl.start, rows=sl, keys=keys[sl])
            mech.initialise(part, cxp)
            mech.step(part, cxp)
            for name in STATE_FIELDS:
                got = _full(getattr(part, name), sl.stop - sl.start)
                assert np.array_equal(got, _rows(_full(getattr(whole, name), N_MEMBERS), sl)), \
                    f"{self.mechanism.name}: {name} depends on chunking"

    def test_touches_only_declared_state(self) -> None:
        st = make_state(1)
        before = copy.deepcopy(st)
        rec = Recorder(st)
        mech = self.mechanism()
        cx = self.context()
        mech.initialise(rec, cx)  # type: ignore[arg-type]
        mech.step(rec, cx)  # type: ignore[arg-type]
        cls = self.mechanism
        changed = {f for f in STATE_FIELDS
                   if not np.array_equal(getattr(before, f), getattr(st, f))}
        assert rec.read <= set(cls.reads) | set(cls.writes), \
            f"reads undeclared state: {rec.read - set(cls.reads) - set(cls.writes)}"
        assert rec.assigned | changed <= set(cls.writes), \
            f"writes undeclared state: {(rec.assigned | changed) - set(cls.writes)}"

    def test_switched_off_it_is_never_called(self) -> None:
        from types import SimpleNamespace

        from multipolar.model.engine import _steps

        cls = self.mechanism
        model = SimpleNamespace(enabled=dict.fromkeys(MECHANISMS.order, True),
                                implementation={cls.name: cls.implementation})
        assert any(isinstance(m, cls) for _, m in _steps(model))  # type: ignore[arg-type]
        model.enabled[cls.name] = False
        assert not any(n == cls.name for n, _ in _steps(model))  # type: ignore[arg-type]

    def test_declarations_are_well_formed(self) -> None:
        cls = self.mechanism
        assert cls.__doc__ and cls.step.__doc__
        assert set(cls.reads) | set(cls.writes) <= set(STATE_FIELDS)
        for p in cls.params:
            assert p.description and p.unit
            assert p.bounds is not None and p.bounds[0] <= p.default <= p.bounds[1], p.name
        assert set(cls.shared) <= set(SHARED_PARAMS)
        assert MECHANISMS.resolve(cls.name, cls.implementation) is cls

    def test_theory_codes_resolve_in_theory_map(self) -> None:
        items = _theory_items()
        assert self.mechanism.theory, "a mechanism names the THEORY.md items it implements"
        assert set(self.mechanism.theory) <= items, set(self.mechanism.theory) - items

    def test_evidence_keys_resolve_in_bundled_citations(self) -> None:
        keys = _citation_keys()
        assert self.mechanism.evidence, "a mechanism cites the passages behind it"
        assert set(self.mechanism.evidence) <= keys, set(self.mechanism.evidence) - keys


def _full(v: Any, n: int) -> np.ndarray:
    """A field at its full shape (a step may leave an ``(actors,)`` row that broadcasts)."""
    v = np.asarray(v)
    return np.broadcast_to(v, (n, N_ACTORS)) if v.ndim == 1 and v.shape[0] == N_ACTORS \
        and n != N_ACTORS else v


def _rows(v: Any, sl: slice) -> Any:
    v = np.asarray(v)
    return v[:, sl] if v.ndim == 3 else v[sl]


def _slice_state(st: State, sl: slice) -> State:
    return State(**{f: np.ascontiguousarray(_rows(getattr(st, f), sl)) for f in STATE_FIELDS})


@lru_cache(maxsize=1)
def _theory_items() -> set[str]:
    """Items of the theory map (THEORY.md, mirrored in docs/explanation/theory.md)."""
    text = (ROOT / "docs/explanation/theory.md").read_text(encoding="utf-8")
    items = set(re.findall(r"^### ([A-G][0-9]+) ", text, re.M))
    if THEORY.exists():
        items |= set(re.findall(r"^- ([A-G][0-9]+) ", THEORY.read_text(encoding="utf-8"), re.M))
    return items


@lru_cache(maxsize=1)
def _citation_keys() -> set[str]:
    """Citation keys of the bundled scenarios (the neighbourhood's and the world's)."""
    keys: set[str] = set()
    for path in (CITATIONS, WORLD_CITATIONS):
        keys |= set(yaml.safe_load(path.read_text(encoding="utf-8")))
    return keys
