"""Institutions as yearly hazards (C6), frozen conflicts (C2, D8), red lines (E4).

Accession and exit are yearly draws; frozen conflicts are levers; the outside powers' tacit
red lines hold some states back from some formats.

Depends on NumPy, :mod:`multipolar.core.rng` and :mod:`.base`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from multipolar.core import rng
from multipolar.model.mechanisms._maths import logistic
from multipolar.model.mechanisms.base import (
    INF,
    Mechanism,
    Outcome,
    Param,
    StateVar,
    Stream,
    register,
)

if TYPE_CHECKING:
    from multipolar.model.state import StartContext, State, StepContext


POLE_BASE = ("join_base_east", "join_base_west", "join_base_east", "join_base_east")
"""The accession intercept of each pole's formats (0 Russia, 1 West, 2 China, 3 mixed): the
record has too few accessions to China-led formats to tell them from Russia-led ones."""
EXIT_BASE = ("exit_base_east", "exit_base_west", "exit_base_east", "exit_base_east")
"""The exit intercept of each pole's formats, as :data:`POLE_BASE`."""

FITTED = {"join_base_east": -3.04, "join_base_west": -4.477, "join_lean": 7.197,
          "join_depth": -0.632, "join_founding": 3.626, "red_line_hold": 3.526,
          "exit_base_east": -4.283, "exit_base_west": -6.016, "exit_lean": 3.896,
          "exit_depth": 0.038, "completion": 0.6}
"""Maximum-likelihood estimates on the observed accessions and exits 1993-2019, written by
``scripts/fit_memberships.py --write`` (:mod:`multipolar.calibrate.memberships`); the
declared defaults below read them, so the fit is their one source."""


def lean(alignment: np.ndarray, west: bool) -> np.ndarray:
    """How far a state leans towards a format's pole: its alignment, signed by pole.

    Alignment is 0 where a state votes like Russia and 1 where it votes like the US; the lean
    towards a West-led format is the alignment, towards a Russia- or China-led one its
    negative (0 for a state that votes like Russia).
    """
    return alignment if west else -alignment


def join_logit(p: Any, pole: int, lean_: np.ndarray, depth: np.ndarray, founding: float,
               attractiveness: Any) -> np.ndarray:
    """Log-odds of accession in a year (or of candidacy, on a path) for an at-risk state."""
    return _join_logit(p[POLE_BASE[pole]], p, lean_, depth, p["join_founding"] * founding,
                       attractiveness)


def _join_logit(base: Any, p: Any, lean_: np.ndarray, depth: np.ndarray, founding: Any,
                attractiveness: Any) -> np.ndarray:
    """:func:`join_logit` given the pole's intercept and the founding year's term."""
    return base + p["join_lean"] * lean_ + p["join_depth"] * depth + founding + attractiveness


def exit_logit(p: Any, pole: int, lean_: np.ndarray, depth: Any) -> np.ndarray:
    """Log-odds that a member leaves in a year (or a candidate's talks stop)."""
    return _exit_logit(p[EXIT_BASE[pole]], p, lean_, depth)


def _exit_logit(base: Any, p: Any, lean_: np.ndarray, depth: Any) -> np.ndarray:
    """:func:`exit_logit` given the pole's intercept."""
    return base - p["exit_lean"] * lean_ + p["exit_depth"] * depth


def eligible(model: Any, pole: int, china_threshold: float) -> np.ndarray:
    """``(actors,)`` bool: who may join a format of ``pole``.

    West-led: those with an EU offer; China-led: proximity at least ``china_threshold``;
    Russia-led and mixed: everyone.
    """
    if pole == 1:
        return np.asarray(model.static["eu_eligibility"] > 0)
    if pole == 2:
        return np.asarray(model.static["china_proximity"] >= china_threshold)
    return np.ones(len(model.actors), dtype=bool)


@register
class Institutions(Mechanism):
    """Accession and exit as yearly political decisions; memberships anchor alignment (C6).

    Up to the last observed year memberships follow the record. Afterwards each eligible
    neighbour that is not a member, and that no constraint bars, joins a format with a yearly
    probability that is logistic in its lean towards the format's pole (alignment, signed), in
    its depth of integration (memberships of the same pole's other formats) and in the
    format's founding year and ``attractiveness``; a member leaves with a probability logistic
    in its lean away. Barred are: formats not yet founded or dissolved, formats that
    ``excludes`` one the state belongs to (members of NATO or the EU do not join Russia-led
    ones), formats superseded by one it belongs to, and formats a ``neutrality`` constraint
    closes to it. On a ``path`` constraint (the EU) the hazard first gives candidate status;
    after the required years a candidate joins with yearly probability ``completion``.
    A ``frozen_conflict`` constraint lets a standing conflict hold back accession by the
    ``frozen_conflicts`` mechanism's ``accession_block``; a ``red_line`` constraint lowers the
    accession log-odds of the pairs it names by the ``red_lines`` mechanism's ``hold``
    (``state.red_line_hold``, 0 when that mechanism is off). Dated accession or exit events
    apply after the draws. Each Russia-led membership lowers the alignment target by
    ``anchor``; each West-led one raises it. A China-led or mixed format (the SCO) anchors
    nothing by default (``other_pole_anchor`` 0): seed 004 calls the SCO a status prop for
    Russia (``C6_sco``), not a bloc that binds votes; the rival hypothesis
    ``sco_anchors_votes`` gives it a pull towards Russia. The hazards' defaults are the
    maximum-likelihood fit of ``scripts/fit_memberships.py``. Who may join at all: any neighbour
    a Russia-led or mixed format, those with an EU offer a West-led one, and those whose China
    proximity reaches ``china_eligibility`` a China-led one. Memberships and candidacies start
    as the record has them in the first year.
    """

    name = "institutions"
    theory = ("C6",)
    evidence = ("C6", "C6_eaeu", "C6_csto", "C6_sco")
    params = (
        Param("join_base_east", FITTED["join_base_east"], "log-odds of joining a Russia-led, "
              "China-led or mixed format at lean 0 (votes like Russia), no other membership, "
              "outside the founding year", "log-odds", (-15.0, 5.0)),
        Param("join_base_west", FITTED["join_base_west"], "log-odds of joining (or becoming a "
              "candidate of) a West-led format at lean 0", "log-odds", (-15.0, 5.0)),
        Param("join_lean", FITTED["join_lean"], "rise of the accession log-odds per unit of "
              "lean towards the format's pole", "log-odds per alignment unit", (0.0, 30.0)),
        Param("join_depth", FITTED["join_depth"], "rise of the accession log-odds per "
              "membership of the same pole's other formats (integration depth)",
              "log-odds per membership", (-5.0, 5.0)),
        Param("join_founding", FITTED["join_founding"], "rise of the accession log-odds in a "
              "format's founding year (founders)", "log-odds", (0.0, 15.0)),
        Param("exit_base_east", FITTED["exit_base_east"], "log-odds that a member leaves a "
              "Russia-led, China-led or mixed format at lean 0", "log-odds", (-15.0, 5.0)),
        Param("exit_base_west", FITTED["exit_base_west"], "log-odds that a member leaves a "
              "West-led format at lean 0 (no post-Soviet state has left one: the estimate "
              "rests on the fit's weak prior)", "log-odds", (-15.0, 5.0)),
        Param("exit_lean", FITTED["exit_lean"], "rise of the exit log-odds per unit of lean "
              "away from the format's pole", "log-odds per alignment unit", (0.0, 30.0)),
        Param("exit_depth", FITTED["exit_depth"], "change of the exit log-odds per "
              "membership of the same pole's other formats (integration depth)",
              "log-odds per membership", (-5.0, 5.0)),
        Param("completion", FITTED["completion"], "yearly probability that a candidate joins "
              "once it has held the status for the years its path requires",
              "probability per year", (0.0, 1.0)),
        Param("anchor", 0.0206, "pull of each membership on the alignment target",
              "alignment units per membership", (0.0, 1.0),
              search={"history": (0.02, 0.2)}),
        Param("other_pole_anchor", 0.0, "pull towards Russia of a China-led or mixed format, "
              "relative to a Russia-led one (0: the seeds' default; the hypothesis "
              "sco_anchors_votes sets it)", "-", (0.0, 1.0)),
        Param("china_eligibility", 0.5, "China proximity from which a neighbour may join "
              "China-led formats (a per-run value: its nominal)", "proximity", (0.0, 1.0)),
    )
    reads = ("alignment", "membership", "accession_barrier", "candidacy",
             "red_line_hold")
    writes = ("membership", "target_shift", "candidacy")
    context = ("membership_history", "membership_history_previous", "forced_membership",
               "institution_pole", "institution_columns",
               "institution_columns_in_neighbours", "institution_exclusions",
               "institution_open", "institution_founding", "institution_supersedes",
               "accession_blocked", "path_years", "candidacy_history", "conflict_scope",
               "red_line_scope", "attractiveness", "neighbour_index", "neighbour_mask",
               "neighbours")
    streams = {"institutions.membership": Stream(200, width=100)}
    state = (StateVar("membership", "memberships of the formats", (0.0, 1.0),
                      shape="institutions", dtype="bool"),
             StateVar("candidacy", "years held as candidate of each format", (0.0, INF),
                      shape="institutions"))
    provides = {
        "institution_columns": "list of (k,) int: neighbours eligible for each institution",
        "institution_columns_in_neighbours": "list of (k,) int: the same as positions in "
                                             "neighbour_index",
    }

    @classmethod
    def start(cls, var: StateVar, init: StartContext) -> Any:
        """Memberships and candidacies of the first year, as the record has them."""
        model = init.model
        shape = init.shape(var)
        if var.name == "membership":
            hist0 = np.maximum(model.member_hist[0], 0).astype(np.int8)
            return np.broadcast_to(hist0.T[:, None, :] > 0, shape).copy()
        cand = np.maximum(init.rules.candidacy[0], 0).T[:, None, :]
        return np.broadcast_to(cand, shape).astype(var.dtype)

    @classmethod
    def provide(cls, init: StartContext) -> dict[str, Any]:
        """The neighbours eligible for each format (by its pole)."""
        model = init.model
        nb = model.neighbours
        threshold = init.nominal(cls, "china_eligibility")
        cols = [np.flatnonzero(nb & eligible(model, int(pole), threshold))
                for pole in model.inst_pole]
        index = np.flatnonzero(nb)
        return {"institution_columns": cols,
                "institution_columns_in_neighbours": [np.searchsorted(index, c) for c in cols]}

    _plan_of: tuple[Any, _Plan] | None = None  # the formats' fixed facts, made once a run

    def step(self, st: State, cx: StepContext) -> None:
        """Update memberships and add their anchoring to the target shift."""
        hist = cx.membership_history  # (A, I), -1 unknown
        if hist.shape[1] == 0:
            return
        signs = self._signs(cx)  # (1 or members, institutions)
        if cx.observed:  # history: the same for every member, cheap to apply
            known = hist > 0
            if cx.t == 1 or not np.array_equal(known, cx.membership_history_previous > 0):
                st.membership[...] = known.T[:, None, :]
            self._follow_candidacy(st, cx)
            forced = self._force(st, cx)
            if forced is None:
                st.target_shift += cx.p["anchor"] * (known[None] * signs[:, None, :]).sum(axis=2) \
                    * cx.neighbours
                return
            anchor = (st.membership * signs.T[:, :, None]).sum(axis=0)
            st.target_shift += cx.p["anchor"] * anchor * cx.neighbours
            return
        anchor = self._draw(st, cx, signs)
        if self._force(st, cx) is not None:
            anchor = (st.membership * signs.T[:, :, None]).sum(axis=0)
            anchor = anchor * cx.neighbour_mask
        st.target_shift += cx.p["anchor"] * anchor * cx.neighbours

    _candidacy_of: tuple[np.ndarray, np.ndarray] | None = None  # the last record written

    def _follow_candidacy(self, st: State, cx: StepContext) -> None:
        """Candidacies as the record has them (an observed year).

        Written again only where the record changed since the year this wrote into the same
        array: in the observed years nothing else changes candidacies, and the write (every
        member, every format) costs more than the comparison.
        """
        hist = cx.candidacy_history
        if self._candidacy_of is not None:
            written, into = self._candidacy_of
            if into is st.candidacy and np.array_equal(written, hist):
                return
        st.candidacy[...] = np.maximum(hist, 0).T[:, None, :]
        self._candidacy_of = (hist.copy(), st.candidacy)

    _signs_of: tuple[Any, Any, np.ndarray] | None = None  # the last signs and their inputs

    def _signs(self, cx: StepContext) -> np.ndarray:
        """Sign of each format's anchor: +1 West-led, -1 Russia-led, -other_pole_anchor else.

        Kept (read-only) while the poles and the parameter are the same objects: every year
        but those the scenario schedules the parameter for.
        """
        pole, other = cx.institution_pole, cx.p.member("other_pole_anchor")
        if self._signs_of is not None:
            pole_was, other_was, kept = self._signs_of
            if pole_was is pole and other_was is other:
                return kept
        o = np.atleast_1d(other)[:, None]
        signs = np.where(pole == 1, 1.0, np.where(pole == 0, -1.0, -o)).astype(np.float32)
        signs.flags.writeable = False
        self._signs_of = (pole, other, signs)
        return signs

    @staticmethod
    def _force(st: State, cx: StepContext) -> np.ndarray | None:
        """Apply forced memberships (dated events); None when there are none this year."""
        forced = cx.forced_membership
        if forced is None or not (forced >= 0).any():
            return None
        for k in range(forced.shape[1]):
            col = forced[:, k]
            st.membership[k] = np.where(col[None, :] >= 0, col[None, :] > 0, st.membership[k])
        return forced

    def _plan(self, cx: StepContext) -> _Plan:
        """What the draws need of the formats that does not change over a run (made once)."""
        cols = cx.institution_columns
        if self._plan_of is not None and self._plan_of[0] is cols:
            return self._plan_of[1]
        pole = cx.institution_pole
        n_i = len(cols)
        formats = []
        for k in range(n_i):
            pk = int(pole[k])
            formats.append(_Format(
                k, pk, cols[k], cx.institution_columns_in_neighbours[k],
                [j for j in range(n_i) if j != k and int(pole[j]) == pk],
                [int(j) for j in np.flatnonzero(cx.institution_exclusions[k])]
                + [int(j) for j in np.flatnonzero(cx.institution_supersedes[:, k])],
                bool(cx.conflict_scope[k]), int(cx.path_years[k])))
        sup = [(int(k), int(o)) for k, o in zip(*np.nonzero(cx.institution_supersedes),
                                                strict=True)]
        plan = _Plan(formats, sup, [cx.stream("institutions.membership", j)
                                    for j in range((n_i + 1) // 2)])
        self._plan_of = (cols, plan)
        return plan

    def _draw(self, st: State, cx: StepContext, signs: np.ndarray) -> np.ndarray:
        """Draw accessions and exits after the observed years; the anchoring per column.

        The hazards of every open format are computed at once, each format's eligible
        columns side by side (:func:`_hazards`); the decisions are then taken format by
        format, in order, as a format's bars read the memberships the formats before it have
        just drawn.
        """
        plan = self._plan(cx)
        self._candidacy_of = None  # the draws change candidacies
        # two institutions per stream's hash, keyed by actor column; only neighbours can join
        # or leave, so only their columns are drawn
        draws = rng.uniform32x2_streams(cx.keys, plan.streams, cx.year,
                                        columns=cx.neighbour_index)
        before = st.membership.copy()  # depth and exits read last year's memberships
        open_ = cx.institution_open.tolist()
        lay = plan.layout(open_)
        if lay.formats.size:
            u = np.stack(draws, axis=1)[:, lay.formats, lay.drawn]
            own = before.transpose(1, 0, 2)[:, lay.formats, lay.actors]  # (members, columns)
            p_join, p_exit = _hazards(st, cx, lay, before, own)
            stay, join = u >= p_exit, u < p_join
        outside = ~cx.neighbour_mask
        for f in plan.formats:  # a handful of formats; members and actors stay vectorised
            if not open_[f.k]:  # a closed format has no members
                st.membership[f.k] = False
                continue
            c = lay.columns[f.k]
            now = self._decide(st, cx, f, own[:, c], (u[:, c], p_exit[:, c]),
                               (stay[:, c], join[:, c]))
            st.membership[f.k] &= outside  # outside powers keep their memberships
            st.membership[f.k][:, f.cols] = now
        for k, other in plan.supersedes:
            st.membership[other] &= ~(st.membership[k] & cx.neighbour_mask)  # EU ends association
        # memberships and the mask as float32 0/1: the same products, no cast in the loop
        return (st.membership.astype(np.float32) * signs.T[:, :, None]).sum(axis=0) \
            * cx.neighbours

    @staticmethod
    def _decide(st: State, cx: StepContext, f: _Format, member: np.ndarray,
                hazard: tuple[np.ndarray, np.ndarray], drawn: tuple[np.ndarray, np.ndarray]
                ) -> np.ndarray:
        """``(members, k)`` memberships of the open format ``f.k`` after this year's decisions.

        ``member`` is last year's membership of its eligible states, ``hazard`` their draws
        and exit probabilities, ``drawn`` whether the draw keeps a member (``u >= p_exit``)
        and whether it admits a non-member (``u < p_join``) before any bar. Barred from
        joining are the format's blocked states and the members of a format it excludes or
        that supersedes it (read as this year's draws have left them): their hazard is 0,
        which no draw (all positive) is below.
        """
        cols = f.cols
        barred = cx.accession_blocked[cols, f.k]
        for other in f.barring:  # e.g. EAEU and EU; EU over association
            barred = barred | st.membership[other][:, cols]
        stay, admitted = drawn[0], drawn[1] & ~barred
        need = f.need
        if need == 0:
            return np.where(member, stay, admitted)
        u, p_exit = hazard
        cand = st.candidacy[f.k][:, cols]
        pending, outside = cand > 0, ~member
        ready = (cand >= need) & (u >= 1.0 - cx.p["completion"])
        drop = pending & (u < p_exit)
        start = (cand == 0) & outside & admitted
        joined = outside & pending & ready & ~drop
        st.candidacy[f.k][:, cols] = np.where(
            joined | drop | member, 0.0, np.where(start, 1.0, cand + pending)
        ).astype(st.candidacy.dtype)
        return np.where(member, stay, joined)


def _hazards(st: State, cx: StepContext, lay: _Layout, before: np.ndarray, own: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    """Accession and exit probabilities, ``(members, columns)`` float64.

    The columns are every open format's eligible ones side by side (:class:`_Layout`). The
    same operations on the same operands as one format at a time (elementwise, so the same
    numbers): :func:`join_logit` and :func:`exit_logit` meet the per-format operands (the
    pole's intercepts, the founding year's term, the attractiveness) spread over their
    format's columns (:func:`_per_format`); then the outside powers' red lines and, where a
    frozen conflict holds accession back, its barrier (applied before the bars rather than
    after: a barred state's hazard is 0 either way). ``own`` is each column's membership of
    its format last year.
    """
    p, live = cx.p, lay.live
    x = st.alignment[:, lay.actors]
    lean_ = np.where(lay.west, x, -x)  # lean() towards each column's format's pole
    # depth: the memberships of the same pole's other open formats (the pole's, less its own)
    # (counted as bytes, then the integers as float64: the numbers the int64 counts gave)
    total = np.stack([before[ks].view(np.uint8).sum(axis=0, dtype=np.uint8)
                      for ks in lay.pole_formats], axis=1)
    depth = (total[:, lay.pole, lay.actors] - own.view(np.uint8)).astype(np.float64)
    founding = cx.institution_founding
    logit = _join_logit(
        _per_format([p[POLE_BASE[f.pole]] for f in live], np.float32)[:, lay.position], p,
        lean_, depth,
        _per_format([p["join_founding"] * float(founding[f.k]) for f in live],
                    np.float64)[:, lay.position],
        cx.attractiveness[:, lay.formats])
    for f in live:
        red = cx.red_line_scope[f.cols, f.k]
        if red.any():  # outside powers' tacit red lines (the red_lines mechanism)
            c = lay.columns[f.k]
            logit[:, c] -= st.red_line_hold[:, f.cols] * red[None, :].astype(np.float32)
    p_join = logistic(logit)
    if lay.conflict.size:
        p_join[:, lay.conflict] *= 1.0 - st.accession_barrier[:, lay.actors[lay.conflict]]
    exit_base = _per_format([p[EXIT_BASE[f.pole]] for f in live], np.float32)
    p_exit = logistic(_exit_logit(exit_base[:, lay.position], p, lean_, depth))
    return p_join, p_exit


def _per_format(values: list[Any], meets: type) -> np.ndarray:
    """Per-format operands side by side, ``(1 or members, formats)``.

    Each value (a Python float, or an array of one value per member) is put in the type it
    takes when it meets an array of type ``meets``: a Python float takes that type (NumPy's
    rule for Python scalars), an array keeps its own; so the operation over every format's
    columns gives what each format's own gave.
    """
    if all(type(v) is float for v in values):
        return np.array(values, dtype=meets)[None, :]
    dtypes = {np.result_type(v, meets) for v in values}
    if len(dtypes) != 1:
        raise TypeError(f"per-format operands of different types: {sorted(map(str, dtypes))}")
    dtype = dtypes.pop()
    arrays = [np.asarray(v, dtype=dtype).reshape(-1, 1) for v in values]
    rows = max(a.shape[0] for a in arrays)
    return np.concatenate([np.broadcast_to(a, (rows, 1)) for a in arrays], axis=1)


@dataclass(frozen=True)
class _Layout:
    """The open formats' eligible columns side by side, for one set of open formats.

    Column ``c`` is actor ``actors[c]``'s place in format ``formats[c]``; ``columns[k]`` is the
    slice of format ``k``'s columns (its ``cols``, in order).
    """

    live: list[_Format]  # the open formats, in order
    formats: np.ndarray  # (columns,) the format of each column
    position: np.ndarray  # (columns,) its format's place in ``live``
    actors: np.ndarray  # (columns,) the actor
    drawn: np.ndarray  # (columns,) the actor's place among the neighbours (the draws' column)
    west: np.ndarray  # (columns,) the format is West-led
    pole: np.ndarray  # (columns,) its format's pole's place in ``pole_formats``
    pole_formats: list[list[int]]  # each pole's open formats
    conflict: np.ndarray  # columns whose format a frozen conflict holds back
    columns: dict[int, slice]

    @staticmethod
    def make(formats: list[_Format], open_: list[bool]) -> _Layout:
        """The layout of the formats open in ``open_``."""
        live = [f for f in formats if open_[f.k]]
        if len(live) > np.iinfo(np.uint8).max:  # depth is counted in bytes (_hazards)
            raise ValueError(f"too many open formats for the accession draws: {len(live)}")
        poles = sorted({f.pole for f in live})
        spans, columns, at = [], {}, 0
        for i, f in enumerate(live):
            spans.append([(i, f, int(a), int(d)) for a, d in zip(f.cols, f.cols_nb, strict=True)])
            columns[f.k] = slice(at, at + len(f.cols))
            at += len(f.cols)
        cells = [c for span in spans for c in span]

        def col(values: list[Any], dtype: Any = np.intp) -> np.ndarray:
            return np.array(values, dtype=dtype).reshape(len(cells))

        return _Layout(live, col([f.k for _, f, _, _ in cells]), col([i for i, _, _, _ in cells]),
                       col([a for _, _, a, _ in cells]), col([d for _, _, _, d in cells]),
                       col([f.pole == 1 for _, f, _, _ in cells], bool),
                       col([poles.index(f.pole) for _, f, _, _ in cells]),
                       [[f.k for f in live if f.pole == q] for q in poles],
                       np.flatnonzero(col([f.conflict for _, f, _, _ in cells], bool)), columns)


@dataclass(frozen=True)
class _Format:
    """One format's fixed facts for the yearly draws (:meth:`Institutions._plan`)."""

    k: int
    pole: int
    cols: np.ndarray  # neighbours eligible for it
    cols_nb: np.ndarray  # the same as positions among the neighbours
    same: list[int]  # the other formats of its pole (depth counts the open ones)
    barring: list[int]  # formats it excludes, then formats that supersede it
    conflict: bool  # a frozen conflict holds back accession to it
    need: int  # years of candidacy its path requires (0: none)


@dataclass(frozen=True)
class _Plan:
    formats: list[_Format]
    supersedes: list[tuple[int, int]]
    streams: list[int]
    layouts: dict[tuple[bool, ...], _Layout] = field(default_factory=dict)

    def layout(self, open_: list[bool]) -> _Layout:
        """The :class:`_Layout` of the formats open this year (made once per set)."""
        key = tuple(open_)
        got = self.layouts.get(key)
        if got is None:
            got = self.layouts[key] = _Layout.make(self.formats, open_)
        return got


@register
class FrozenConflicts(Mechanism):
    """Unresolved conflicts as levers; new ones can start (C2).

    Where the scenario states a ``frozen_conflict`` constraint, a standing conflict holds back
    accession to the formats it names: the state's ``accession_barrier`` is
    ``accession_block`` where a conflict stands. No seed says that conflicts block accession,
    so ``accession_block`` is 0 by default; the hypothesis ``conflict_blocks_accession`` of
    the flagship scenario sets it (a named assumption, not a default). A neighbour that has
    moved far West (``war_threshold``) while under strong assertion risks a new conflict each year
    (probability ``war_prob`` times assertion). A conflict event is recorded, the conflict
    stays frozen afterwards, and the neighbour's alignment jumps West by ``war_shift`` (it now
    sees Russia as the threat).
    """

    name = "frozen_conflicts"
    theory = ("C2", "D8")
    evidence = ("C2_frozen_conflicts", "D8")
    params = (
        Param("accession_block", 0.0, "share of the accession hazard a standing conflict "
              "blocks, for the formats a frozen_conflict constraint names (0: no seed states "
              "it; a hypothesis sets it)", "share", (0.0, 1.0)),
        Param("war_prob", 0.085, "yearly chance of a new conflict when far West under full "
              "assertion", "probability per year", (0.0, 1.0)),
        Param("war_threshold", 0.3, "alignment above which a coerced neighbour risks a new "
              "conflict", "alignment", (-1.0, 1.0)),
        Param("war_shift", 0.1, "alignment jump West of a neighbour at war with Russia",
              "alignment units", (0.0, 1.0)),
    )
    reads = ("assertion", "alignment", "frozen")
    writes = ("frozen", "conflict", "alignment_jump", "accession_barrier")
    context = ("frozen_history", "neighbours", "neighbour_index")
    streams = {"frozen_conflicts.war": Stream(300)}
    state = (StateVar("frozen", "1 where a conflict stands (frozen)", (0.0, 1.0)),
             StateVar("conflict", "this year's conflict events", (0.0, INF), flow=True),
             StateVar("accession_barrier", "share of Western accession a standing conflict "
                      "blocks", (0.0, 1.0)))
    outcomes = (Outcome("conflict", "conflict"),)

    @classmethod
    def start(cls, var: StateVar, init: StartContext) -> Any:
        """Conflicts standing in the first year, by the scenario; the rest zero."""
        if var.name == "frozen":
            return init.full(var, init.model.frozen[0])
        return init.zeros(var)

    def initialise(self, st: State, cx: StepContext) -> None:
        """Conflicts standing at the start hold back accession from the first year."""
        st.accession_barrier = (cx.p["accession_block"] * st.frozen).astype(np.float32)

    def step(self, st: State, cx: StepContext) -> None:
        """Draw new conflicts and keep existing ones."""
        p = cx.p
        st.frozen = np.maximum(st.frozen, cx.frozen_history[None, :])
        if not cx.observed:
            risk = p["war_prob"] * st.assertion * (  # masks cast once (0/1)
                st.alignment > p["war_threshold"]).astype(np.float32) \
                * (st.frozen < 1).astype(np.float32) * cx.neighbours
            war = np.zeros(st.alignment.shape, dtype=bool)  # only neighbours are at risk
            nbi = cx.neighbour_index
            war[:, nbi] = rng.uniform32(cx.keys, cx.stream("frozen_conflicts.war"), cx.year,
                                        columns=nbi) < risk[:, nbi]
            st.conflict += war
            st.frozen = np.where(war, 1.0, st.frozen)
            st.alignment_jump += war * p["war_shift"]
        st.accession_barrier = (p["accession_block"] * st.frozen).astype(np.float32)


@register
class RedLines(Mechanism):
    """Outside powers hold back accession across their tacit red lines (E4).

    004 describes the post-Soviet space as a fragile balance in which the outside players
    have tacitly settled red lines and rules of conduct among themselves. The scenario names
    the lines as ``red_line`` constraints (which states, which formats, from which year, on
    the public record); in the years a line holds, this mechanism withholds ``hold`` from
    those states' yearly accession log-odds of those formats (the ``institutions``
    mechanism reads ``state.red_line_hold``). ``hold`` is estimated with the membership
    hazards (``scripts/fit_memberships.py``): states at a line lean West as far as the
    Baltic states did before 2004 and were not admitted. With the mechanism off nothing is
    withheld and the lines are not kept.
    """

    name = "red_lines"
    theory = ("E4",)
    evidence = ("E4_red_lines", "E4")
    params = (
        Param("hold", FITTED["red_line_hold"], "accession log-odds withheld from a state-format "
              "pair across an outside powers' red line", "log-odds", (0.0, 30.0)),
    )
    reads = ()
    writes = ("red_line_hold",)
    context = ("red_line_scope", "neighbours")
    state = (StateVar("red_line_hold", "accession log-odds withheld by red lines",
                      (0.0, INF)),)

    def step(self, st: State, cx: StepContext) -> None:
        """Set the log-odds withheld from each state that a red line holds back this year."""
        held = cx.red_line_scope.any(axis=1).astype(np.float32) * cx.neighbours
        st.red_line_hold[...] = np.atleast_1d(cx.p.member("hold"))[:, None] * held[None, :]
