"""Shocks: random ones, and the dated ones a scenario gives as events.

Random leadership transitions, revolutions and flare-ups (D8); dated revolutions and
leadership changes.

Depends on NumPy, :mod:`multipolar.core.rng` and :mod:`.base`.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

from multipolar.core import rng
from multipolar.model.mechanisms._maths import clip, unit_uniform
from multipolar.model.mechanisms.base import Mechanism, Param, Stream, register
from multipolar.model.mechanisms.sphere import RUSSIA, SECURITY

if TYPE_CHECKING:
    from multipolar.model.state import State, StepContext


@register
class Shocks(Mechanism):
    """Leadership transitions, revolutions, partner conflicts, regime drift (D8).

    After the observed years: democracy drifts (``democracy_sd``); any neighbour may have a
    revolution, with yearly chance ``revolution_prob * (1 - democracy)`` (named assumption
    ``revolution_by_repression``: more repression, more to overturn; ``D8_revolutions`` counts
    an autocracy, Belarus, among its cases), which raises democracy and moves alignment West;
    any regime may change leader, more often the more autocratic it is (``D8``,
    ``D8_uzbekistan``: autocracies without named successors), which moves alignment at
    random; a flare-up of a frozen conflict between partners (Armenia and Azerbaijan:
    ``D8_karabakh``) turns the embattled non-producer against Russia, its patron that arms the
    other side (``D3_armenia_antagonist``, ``D8_armenia_unhappy``): its alignment jumps West by
    ``flare_shift`` and Russia's share of its security channel falls by as much. Only the
    sides of a conflict between two states other than Russia flare up (``conflict_partners``):
    the passages speak of Karabakh, not of the conflicts on Ukraine's, Georgia's or Moldova's
    territory where Russia itself is a party.
    """

    name = "shocks"
    theory = ("D8",)
    evidence = ("D8", "D8_uzbekistan", "D8_revolutions", "D8_karabakh", "D3_armenia_antagonist",
                "D8_armenia_unhappy", "D8_domino")
    params = (
        Param("leadership_prob", 0.05, "yearly chance of a leadership transition",
              "probability per year", (0.0, 1.0)),
        Param("leadership_sd", 0.08, "sd of the alignment jump at a transition", "alignment",
              (0.0, 1.0)),
        Param("revolution_prob", 0.03, "yearly chance of a revolution in a full autocracy "
              "(times 1 - democracy)", "probability per year", (0.0, 1.0)),
        Param("revolution_democracy_jump", 0.12, "democracy gained in a revolution",
              "democracy score", (0.0, 1.0)),
        Param("revolution_shift", 0.1, "alignment jump West in a revolution", "alignment",
              (0.0, 1.0)),
        Param("partner_conflict_prob", 0.04, "yearly chance of a flare-up in a conflict "
              "between partners", "probability per year", (0.0, 1.0)),
        Param("democracy_sd", 0.02, "sd of yearly democracy change after the observed years",
              "democracy score", (0.0, 1.0)),
        Param("flare_shift", 0.03, "alignment jump West of the embattled side in a flare-up, "
              "and fall of Russia's share of its security channel", "alignment", (0.0, 1.0)),
    )
    reads = ("democracy", "alignment", "sphere_push")
    writes = ("democracy", "alignment_jump", "conflict", "sphere_push")
    context = ("neighbour_mask", "neighbour_index", "conflict_partners", "hydrocarbon_producer")
    streams = {"shocks.regime": Stream(400), "shocks.leadership": Stream(402),
               "shocks.flare_up": Stream(404)}

    @staticmethod
    @functools.cache
    def _all_actors(n_actors: int) -> np.ndarray:
        """Every actor's column (the regime draws': all actors), made once."""
        cols = np.arange(n_actors)
        cols.flags.writeable = False
        return cols

    def step(self, st: State, cx: StepContext) -> None:
        """Draw this year's shocks."""
        if cx.observed:
            return
        p = cx.p
        nbi = cx.neighbour_index  # leadership changes and flare-ups: neighbours only
        # the three streams' draws hashed in one pass (flare-ups: the first of the pair)
        u_drift, u_rev, u_lead, u_size, u_flare, _ = rng.uniform32x2_draws(cx.keys, cx.year, [
            (cx.stream("shocks.regime"), self._all_actors(st.alignment.shape[1])),
            (cx.stream("shocks.leadership"), nbi), (cx.stream("shocks.flare_up"), nbi)])
        st.democracy = clip(st.democracy + p["democracy_sd"] * unit_uniform(u_drift),
                            0.0, 1.0)
        repression = clip(1.0 - st.democracy, 0.0, 1.0)
        rev = (u_rev < p["revolution_prob"] * repression) & cx.neighbour_mask
        st.democracy = clip(st.democracy + rev.astype(np.float32)
                            * p["revolution_democracy_jump"], 0, 1)
        st.alignment_jump += rev * p["revolution_shift"]
        lead = u_lead < p["leadership_prob"] * (1.0 + repression[:, nbi])
        st.alignment_jump[:, nbi] += lead * p["leadership_sd"] * unit_uniform(u_size)
        flare = np.zeros(st.alignment.shape, dtype=bool)
        flare[:, nbi] = (u_flare < p["partner_conflict_prob"]) \
            & (cx.conflict_partners[nbi].sum(axis=1) > 0) & (cx.hydrocarbon_producer[nbi] == 0)
        shift = flare * p["flare_shift"]
        st.alignment_jump += shift
        st.sphere_push[..., SECURITY, RUSSIA] -= shift
        st.conflict += flare


@register
class DatedEvents(Mechanism):
    """Revolutions and leadership changes the scenario gives for a year and a target (D8).

    A revolution raises the target's democracy by ``revolution_democracy_jump`` and moves its
    alignment West by ``revolution_shift`` (the effect of a random revolution, 002 on colour
    revolutions); an elite transition moves alignment at random with sd ``leadership_sd``.
    They act in observed and projected years alike: they are what-ifs the user gives (in an
    observed year the data set democracy again the next year). Without events it does nothing.
    """

    name = "dated_events"
    theory = ("D8",)
    evidence = ("D8", "D8_revolutions")
    params = (
        Param("revolution_democracy_jump", 0.12, "democracy gained in a given revolution",
              "democracy score", (0.0, 1.0)),
        Param("revolution_shift", 0.1, "alignment jump West in a given revolution",
              "alignment", (0.0, 1.0)),
        Param("leadership_sd", 0.08, "sd of the alignment jump at a given leadership change",
              "alignment", (0.0, 1.0)),
    )
    reads = ("democracy",)
    writes = ("democracy", "alignment_jump")
    context = ("revolution_event", "elite_transition_event", "neighbours")
    streams = {"dated_events.elite_transition": Stream(701)}

    def step(self, st: State, cx: StepContext) -> None:
        """Apply this year's given revolutions and leadership changes."""
        rev, elite = cx.revolution_event, cx.elite_transition_event
        p = cx.p
        if rev.any():
            st.democracy = clip(st.democracy + rev * p["revolution_democracy_jump"],
                                0.0, 1.0)
            st.alignment_jump += rev * p["revolution_shift"] * cx.neighbours
        if elite.any():
            u = rng.uniform32(cx.keys, cx.stream("dated_events.elite_transition"), cx.year,
                              elite.size)
            st.alignment_jump += elite * p["leadership_sd"] * unit_uniform(u) * cx.neighbours
