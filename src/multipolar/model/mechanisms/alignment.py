"""UN voting alignment moves towards its target (D1, D5, D7).

Depends on NumPy, :mod:`multipolar.core.rng` and :mod:`.base`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from multipolar.core import rng
from multipolar.model.mechanisms.base import Mechanism, Param, register

if TYPE_CHECKING:
    from multipolar.model.state import State, StepContext


@register
class Alignment(Mechanism):
    """Each neighbour's UN voting alignment moves part way towards its target (D1, D5, D7).

    Target = ``base + democracy_effect * democracy + target_shift``, where ``target_shift`` sums
    the shifts of all other mechanisms. Alignment closes ``adjustment`` of the gap each year and
    takes an idiosyncratic shock plus a shock common to all neighbours (agenda effects of the UN
    year), plus this year's one-off jumps. Outside powers keep their observed (or nominal)
    alignment.
    """

    name = "alignment"
    theory = ("D1", "D5", "D7")
    evidence = ("E4",)
    params = (
        Param("base", 0.162, "target alignment of a full autocracy with no outside forces",
              "alignment", (-1.0, 1.0)),
        Param("democracy_effect", 0.155, "target alignment gained per unit of democracy",
              "alignment per democracy unit", (-2.0, 2.0)),
        Param("adjustment", 0.215, "share of the gap to the target closed each year",
              "share per year", (0.0, 1.0)),
        Param("noise", 0.05, "sd of idiosyncratic yearly alignment shocks", "alignment",
              (0.0, 1.0)),
        Param("common_noise", 0.07, "sd of yearly shocks common to all neighbours (UN agenda "
              "effects)", "alignment", (0.0, 1.0)),
    )
    reads = ("democracy", "target_shift", "alignment_jump")
    writes = ("alignment",)
    context = ("neighbour_index", "neighbour_mask", "outside_alignment")
    streams = ("alignment.idiosyncratic", "alignment.common")

    def step(self, st: State, cx: StepContext) -> None:
        """Advance alignment one year."""
        p = cx.p
        n_a = st.alignment.shape[1]
        target = p["base"] + p["democracy_effect"] * st.democracy + st.target_shift
        eps = np.zeros_like(st.alignment)  # outside powers draw no noise
        nbi = cx.neighbour_index
        eps[:, nbi] = rng.normal32(cx.keys, cx.stream("alignment.idiosyncratic"), cx.year, n_a,
                                   columns=nbi)
        eps *= p["noise"]
        common = p["common_noise"] * rng.normal32(cx.keys, cx.stream("alignment.common"),
                                                  cx.year)[:, None]
        x = st.alignment + p["adjustment"] * (target - st.alignment) + eps + common + \
            st.alignment_jump
        st.alignment = np.where(cx.neighbour_mask[None, :], x, cx.outside_alignment[None, :])
