"""Partners inside Russia-led formats: quarrels managed bilaterally (C6) and free riding (D4, E4).

``bilateral_management``: a flare-up between two states that belong to one Russia-led format
strains the format for a few years, and Russia spends capacity to take the quarrel into
bilateral deals. ``free_riding``: while Russia's relations with the West are bad, the members
of its formats ask more of it and back it less.

Depends on NumPy and :mod:`.base`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from multipolar.model.mechanisms.base import Mechanism, Param, register

if TYPE_CHECKING:
    from multipolar.model.state import State, StepContext


def _russia_memberships(st: State, cx: StepContext) -> np.ndarray:
    """Number of Russia-led formats each neighbour belongs to, ``(members, actors)``."""
    cols = cx.russia_institutions
    if not len(cols):
        return np.zeros(st.membership.shape[1:], dtype=np.float32)
    return st.membership[cols].sum(axis=0, dtype=np.float32)


@register
class BilateralManagement(Mechanism):
    """Quarrels between members of Russia's formats, taken into bilateral deals (C6).

    Russia tries to lower tensions between the members of its multilateral formats by moving
    sensitive issues off the common agenda into bilateral relations, where it manages them
    itself (``C6_bilateral``). *Strain*: when a frozen conflict between two states other than
    Russia flares up (this year's ``conflict`` on either side; the pairs are the scenario's
    conflicts between neighbours, as Armenia and Azerbaijan), both sides' ``friction`` is set
    to 1 and fades by ``recovery`` a year; while it lasts, each Russia-led format the two
    share anchors them less: their alignment target moves West by ``strain`` times friction
    per shared format. *Management*: Russia cancels a share ``effect`` of that loss, scaled by
    its capacity (at most 1), and spends ``cost`` of its capacity per unit of managed friction;
    this year's subsidies, paid out of capacity, shrink by the same share. Knockout: ``effect`` 0 (the strain stays unmanaged); switched off, neither strain nor
    management exists.
    """

    name = "bilateral_management"
    theory = ("C6",)
    evidence = ("C6_bilateral",)
    params = (
        Param("strain", 0.0125, "alignment target lost per Russia-led format the two sides "
              "share, at full friction (about half a membership's anchor)",
              "alignment units per format", (0.0, 0.2)),
        Param("recovery", 0.35, "share of the friction of a flare-up that fades each year",
              "share per year", (0.0, 1.0)),
        Param("effect", 0.7, "share of the strain Russia cancels by bilateral management at "
              "capacity 1", "share", (0.0, 1.0)),
        Param("cost", 0.02, "share of Russia's capacity spent per unit of friction managed",
              "share of capacity per friction unit", (0.0, 1.0)),
    )
    reads = ("conflict", "membership", "capacity", "friction")
    writes = ("friction", "target_shift", "capacity", "subsidy")
    context = ("conflict_partners", "russia_institutions", "neighbours")

    def step(self, st: State, cx: StepContext) -> None:
        """Refresh friction after flare-ups; add the unmanaged strain; pay for the rest."""
        p = cx.p
        pairs = cx.conflict_partners
        flared = ((st.conflict > 0) & (pairs.sum(axis=1) > 0)[None, :]).astype(np.float32)
        hit = (flared + flared @ pairs) > 0  # both sides of the quarrel
        st.friction = np.where(hit, 1.0, st.friction * (1.0 - p["recovery"])).astype(np.float32)
        shared = np.zeros(st.friction.shape, dtype=np.float32)
        for k in cx.russia_institutions:  # a handful of formats; members stay vectorised
            inside = st.membership[k].astype(np.float32)
            shared += inside * ((inside @ pairs) > 0)
        load = st.friction * shared * cx.neighbours
        managed = p.member("effect") * np.clip(st.capacity, 0.0, 1.0)
        st.target_shift += p["strain"] * load * (1.0 - managed[:, None])
        kept = 1.0 - np.clip(p.member("cost") * managed * load.sum(axis=1), 0.0, 1.0)
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
        Param("refusal", 0.0245, "alignment target lost per Russia-led membership at a full "
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
        rift = np.clip(1.0 - st.recognition / ref, 0.0, 1.0)[:, None]
        formats = _russia_memberships(st, cx) * cx.neighbours
        extra = p["gain"] * rift * cx.importance * (formats > 0)
        st.subsidy += extra * np.clip(st.capacity, 0.0, 1.0)[:, None]
        st.target_shift += p["refusal"] * rift * formats
