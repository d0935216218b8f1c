"""Institutions with hysteresis (C6) and frozen conflicts as levers (C2, D8).

Depends on NumPy, :mod:`multipolar.rng` and :mod:`.base`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from multipolar import rng
from multipolar.model.mechanisms._maths import sigmoid
from multipolar.model.mechanisms.base import Mechanism, Param, register

if TYPE_CHECKING:
    from multipolar.model.state import State, StepContext


@register
class Institutions(Mechanism):
    """Accession, suspension and exit with hysteresis; memberships anchor alignment (C6).

    Up to the last observed year memberships follow history. Afterwards a non-member joins a
    Russia-led format with a probability that rises as its alignment falls below the format's
    ``join_threshold``; a member leaves only once alignment passes the higher
    ``exit_threshold`` (hysteresis). West-led formats work the other way round, need an
    eligible candidate (``eu_eligibility`` above 0), and are held back by the accession barrier
    of frozen conflicts; the China-led SCO takes states close to China. A state cannot join a
    format that ``excludes`` one it belongs to (the EAEU's customs union and the EU's deep
    trade area; the CSTO and NATO). Memberships forced by dated accession or exit events apply
    after the draws, in observed years too. Each Russia-led membership lowers the alignment
    target by ``anchor``; each West-led one raises it.
    """

    name = "institutions"
    theory = ("C6",)
    evidence = ("C6", "C6_eaeu", "C6_csto", "C6_sco")
    params = (
        Param("join_rate", 0.15, "yearly accession probability when well inside the threshold",
              "probability per year", (0.0, 1.0)),
        Param("exit_rate", 0.1, "yearly exit probability when well past the exit threshold",
              "probability per year", (0.0, 1.0)),
        Param("sharpness", 0.08, "width of the logistic accession and exit curves",
              "alignment units", (0.001, 1.0)),
        Param("anchor", 0.0245, "pull of each membership on the alignment target",
              "alignment units per membership", (0.0, 1.0)),
        Param("other_pole_anchor", 0.5, "pull towards Russia of a China-led or mixed format, "
              "relative to a Russia-led one", "-", (0.0, 1.0)),
    )
    reads = ("alignment", "membership", "accession_barrier")
    writes = ("membership", "target_shift")
    context = ("membership_history", "membership_history_previous", "forced_membership",
               "institution_pole", "institution_columns",
               "institution_columns_in_neighbours", "institution_exclusions", "join_threshold",
               "exit_threshold", "neighbour_index", "neighbour_mask", "neighbours")
    streams = ("institutions.membership",)

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

    @staticmethod
    def _signs(cx: StepContext) -> np.ndarray:
        """Sign of each format's anchor: +1 West-led, -1 Russia-led, -other_pole_anchor else."""
        pole = cx.institution_pole
        other = np.atleast_1d(cx.p.member("other_pole_anchor"))[:, None]
        return np.where(pole == 1, 1.0, np.where(pole == 0, -1.0, -other)).astype(np.float32)

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

    @staticmethod
    def _draw(st: State, cx: StepContext, signs: np.ndarray) -> np.ndarray:
        """Draw accessions and exits after the observed years; the anchoring per column."""
        p = cx.p
        hist = cx.membership_history
        n_i = hist.shape[1]
        anchor = np.zeros_like(st.alignment)
        sharp = p["sharpness"]
        draws: list[np.ndarray] = []
        for j in range((n_i + 1) // 2):  # two institutions per hash, keyed by actor column;
            # only neighbours can join or leave, so only their columns are drawn
            draws.extend(rng.uniform32x2(cx.keys, cx.stream("institutions.membership", j),
                                         cx.year, columns=cx.neighbour_index))
        for k in range(n_i):  # a handful of institutions; members and actors stay vectorised
            west = int(cx.institution_pole[k]) == 1
            cols = cx.institution_columns[k]
            x = st.alignment[:, cols]
            jt, et = cx.join_threshold[:, k:k + 1], cx.exit_threshold[:, k:k + 1]
            towards = (x - jt) if west else (jt - x)  # > 0: wants in
            away = (et - x) if west else (x - et)  # > 0: wants out
            p_join = p["join_rate"] * sigmoid(towards / sharp)
            if west:
                p_join = p_join * (1.0 - st.accession_barrier[:, cols])
            for other in np.flatnonzero(cx.institution_exclusions[k]):  # e.g. EAEU and EU
                p_join = p_join * ~st.membership[other][:, cols]
            p_exit = p["exit_rate"] * sigmoid(away / sharp)
            u = draws[k][:, cx.institution_columns_in_neighbours[k]]
            now = np.where(st.membership[k][:, cols], u >= p_exit, u < p_join)
            now |= hist[cols, k] == 1
            row = st.membership[k] & ~cx.neighbour_mask  # outside powers keep their memberships
            row[:, cols] = now
            row |= hist[:, k] == 1
            st.membership[k] = row
            anchor[:, cols] += signs[:, k:k + 1] * now
        return anchor


@register
class FrozenConflicts(Mechanism):
    """Unresolved conflicts as levers: they block Western accession; new ones can start (C2).

    A frozen conflict holds back Western accession (the state's ``accession_barrier`` is
    ``accession_block`` where a conflict stands). A neighbour that has moved far West
    (``war_threshold``) while under strong assertion risks a new conflict each year
    (probability ``war_prob`` times assertion). A conflict event is recorded, the conflict
    stays frozen afterwards, and the neighbour's alignment jumps West by ``war_shift`` (it now
    sees Russia as the threat).
    """

    name = "frozen_conflicts"
    theory = ("C2", "D8")
    evidence = ("C2_frozen_conflicts", "D8")
    params = (
        Param("accession_block", 0.9, "reduction of Western accession probability with an "
              "active conflict", "share", (0.0, 1.0)),
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
    streams = ("frozen_conflicts.war",)

    def initialise(self, st: State, cx: StepContext) -> None:
        """Conflicts standing at the start hold back accession from the first year."""
        st.accession_barrier = (cx.p["accession_block"] * st.frozen).astype(np.float32)

    def step(self, st: State, cx: StepContext) -> None:
        """Draw new conflicts and keep existing ones."""
        p = cx.p
        st.frozen = np.maximum(st.frozen, cx.frozen_history[None, :])
        if not cx.observed:
            risk = p["war_prob"] * st.assertion * \
                (st.alignment > p["war_threshold"]) * (st.frozen < 1) * cx.neighbours
            war = np.zeros(st.alignment.shape, dtype=bool)  # only neighbours are at risk
            nbi = cx.neighbour_index
            war[:, nbi] = rng.uniform32(cx.keys, cx.stream("frozen_conflicts.war"), cx.year,
                                        columns=nbi) < risk[:, nbi]
            st.conflict += war
            st.frozen = np.where(war, 1.0, st.frozen)
            st.alignment_jump += war * p["war_shift"]
        st.accession_barrier = (p["accession_block"] * st.frozen).astype(np.float32)
