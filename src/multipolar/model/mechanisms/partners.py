"""Partners inside Russia-led formats: quarrels managed bilaterally (C6) and free riding (D4, E4).

``bilateral_management``: a flare-up of a conflict between two partners strains the Russia-led
formats they belong to for a few years, and Russia spends capacity to take the quarrel into
bilateral deals. ``free_riding``: while Russia's relations with the West are bad, the members
of its formats ask more of it and back it less.

Depends on NumPy and :mod:`.base`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from multipolar.model.mechanisms._maths import clip, count_true
from multipolar.model.mechanisms.base import Mechanism, Param, StateVar, register

if TYPE_CHECKING:
    from multipolar.model.state import State, StepContext


def _russia_memberships(st: State, cx: StepContext) -> np.ndarray:
    """Number of Russia-led formats each neighbour belongs to, ``(members, actors)``."""
    cols = cx.russia_institutions
    if not len(cols):
        return np.zeros(st.membership.shape[1:], dtype=np.float32)
    return count_true(st.membership[cols])


@register
class BilateralManagement(Mechanism):
    """Quarrels between members of Russia's formats, taken into bilateral deals (C6).

    A conflict between two partners (Armenia and Azerbaijan) breeds hostility among the
    members of the Russia-led formats they belong to, the EAEU and the CSTO (``C6_csto``);
    Russia tries to lower those tensions by moving sensitive issues off the multilateral
    agenda into bilateral relations, where it manages them itself (``C6_bilateral``).
    *Strain*: when a side of a conflict between two states other than Russia flares up (this
    year's ``conflict``; the pairs are the scenario's, ``conflict_partners``), every neighbour
    in a Russia-led format with that side, the side itself included, gets ``friction`` 1,
    which then fades by ``recovery`` a year. While it lasts, each of the neighbour's Russia-led
    formats that holds a side of such a conflict anchors it less: the alignment target moves
    West by ``strain`` times friction per such format. *Management*: Russia cancels a share
    ``effect`` of that loss, scaled by its capacity (at most 1), and spends ``cost`` of its
    capacity a year while a quarrel is fresh (times the largest friction, times the managed
    share); this year's subsidies, paid out of capacity, shrink by the same share.
    Knockout: ``effect`` 0 (the strain stays unmanaged); switched off, neither strain nor
    management exists.
    """

    name = "bilateral_management"
    theory = ("C6",)
    evidence = ("C6_bilateral", "C6_csto")
    params = (
        Param("strain", 0.0103, "alignment target lost per strained Russia-led format at "
              "full friction (about half a membership's anchor)",
              "alignment units per format", (0.0, 0.2)),
        Param("recovery", 0.35, "share of the friction of a flare-up that fades each year",
              "share per year", (0.0, 1.0)),
        Param("effect", 0.7, "share of the strain Russia cancels by bilateral management at "
              "capacity 1", "share", (0.0, 1.0)),
        Param("cost", 0.02, "share of Russia's capacity spent in a year of managing a fresh "
              "quarrel", "share of capacity per year", (0.0, 1.0)),
    )
    reads = ("conflict", "membership", "capacity", "friction")
    writes = ("friction", "target_shift", "capacity", "subsidy")
    context = ("conflict_partners", "russia_institutions", "neighbours")
    state = (StateVar("friction", "share of the strain of a partner quarrel left", (0.0, 1.0)),)

    def step(self, st: State, cx: StepContext) -> None:
        """Refresh friction after flare-ups; add the unmanaged strain; pay for the rest."""
        p = cx.p
        # "some member of the format is a side (that flared up)" as a logical any over the
        # actors: the same truth values as a positive sum of the 0/1 products, on bytes
        sides = cx.conflict_partners.sum(axis=1) > 0
        flared = (st.conflict > 0) & sides
        # every Russia-led format at once, (formats, members, actors): hit where a format of
        # the state's has a side that flared up, exposed = how many of its formats have a side
        inside = st.membership[cx.russia_institutions]
        hit = (inside & (inside & flared).any(axis=2)[:, :, None]).any(axis=0)
        exposed = (inside & (inside & sides).any(axis=2)[:, :, None]).sum(axis=0,
                                                                          dtype=np.float32)
        hit &= cx.neighbours > 0
        st.friction = np.where(hit, 1.0, st.friction * (1.0 - p["recovery"])).astype(np.float32)
        load = st.friction * exposed * cx.neighbours
        managed = p.member("effect") * clip(st.capacity, 0.0, 1.0)
        st.target_shift += p["strain"] * load * (1.0 - managed[:, None])
        # masks as float32 0/1: the same products, without a cast inside the loop
        fresh = (st.friction * (exposed > 0).astype(np.float32) * cx.neighbours).max(axis=1)
        kept = 1.0 - clip(p.member("cost") * managed * fresh, 0.0, 1.0)
        st.capacity = st.capacity * kept
        st.subsidy *= kept[:, None]


@register
class FreeRiding(Mechanism):
    """Members of Russia's formats profit from its quarrels with the West (D4, E4).

    The EAEU has never been a circle of like-minded allies (``E4_not_intimate``): its members
    decline to back Moscow on international issues that matter to it and try to profit from
    its weakened influence and its worse relations with the West (``D4_members_refuse``). The
    rift with the West is ``1 - recognition / recognition_ref`` (0 when recognition is at the
    reference or above, 1 at none). In proportion to the rift, a neighbour in a Russia-led
    format (last year's memberships) asks for ``gain`` times its importance in extra
    subsidies, which Russia pays as far as its capacity (at most 1) allows; it runs before
    ``attraction``, so what is extracted shares the one subsidy budget with everything else.
    And each of its Russia-led memberships anchors its votes less: the target moves West by
    ``refusal`` per membership (at the default, a full rift cancels a membership's anchor).
    Knockouts: ``gain`` 0 and ``refusal`` 0.
    """

    name = "free_riding"
    theory = ("D4", "E4")
    evidence = ("D4_members_refuse", "E4_not_intimate")
    params = (
        Param("recognition_ref", 0.4, "Russia's recognition at which its relations with the "
              "West count as normal; below it the partners free-ride", "recognition",
              (0.0, 1.0)),
        Param("gain", 0.5, "extra subsidy a member of a Russia-led format demands per unit "
              "of importance at a full rift with the West", "subsidy units per importance",
              (0.0, 2.0)),
        Param("refusal", 0.0206, "alignment target lost per Russia-led membership at a full "
              "rift (the default is the institutions' anchor)",
              "alignment units per membership", (0.0, 0.2)),
    )
    reads = ("recognition", "membership", "capacity")
    writes = ("subsidy", "target_shift")
    context = ("importance", "russia_institutions", "neighbours")

    def step(self, st: State, cx: StepContext) -> None:
        """Add the extra demand that is paid to subsidies and the refusal to the target."""
        p = cx.p
        ref = np.maximum(p.member("recognition_ref"), 1e-9)
        rift = clip(1.0 - st.recognition / ref, 0.0, 1.0)[:, None]
        formats = _russia_memberships(st, cx) * cx.neighbours
        extra = p["gain"] * rift * cx.importance * (formats > 0).astype(np.float32)
        st.subsidy += extra * clip(st.capacity, 0.0, 1.0)[:, None]
        st.target_shift += p["refusal"] * rift * formats
