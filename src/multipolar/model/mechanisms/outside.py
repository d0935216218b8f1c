"""The pull of outside powers: the EU's offer (D5) and China's economic weight (D6).

Depends on NumPy and :mod:`.base`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from multipolar.model.mechanisms.base import Mechanism, Param, register

if TYPE_CHECKING:
    from multipolar.model.state import State, StepContext


@register
class EUPull(Mechanism):
    """The EU's offer draws neighbours in, more strongly the more democratic they are (D5)."""

    name = "eu_pull"
    theory = ("D5",)
    evidence = ("D5", "D5_structural_power", "D5_competition")
    params = (
        Param("effect", 0.121, "shift of the alignment target from a full offer to a full "
              "democracy", "alignment units", (0.0, 2.0)),
        Param("democracy_exponent", 2.0, "convexity of the EU's pull in democracy", "-",
              (0.0, 10.0)),
    )
    reads = ("democracy",)
    writes = ("target_shift",)
    context = ("eu_eligibility", "neighbours")
    levers = ("eu_offer",)

    def step(self, st: State, cx: StepContext) -> None:
        """Add the EU's pull to the target shift."""
        p = cx.p
        pull = cx.lever("eu_offer") * cx.eu_eligibility * \
            np.clip(st.democracy, 0.0, 1.0) ** p["democracy_exponent"]
        st.target_shift += p["effect"] * pull * cx.neighbours


@register
class ChinaPull(Mechanism):
    """China's growing economic weight draws exposed neighbours (D6).

    A neighbour's China trade share moves towards ``max_share * exposure * w / (1 + w)``,
    where ``w`` is China's economy relative to Russia's (a driver that keeps growing). A higher
    China share loosens dependence on Russia and shifts the alignment target by
    ``-alignment_effect`` per unit of share: towards Russia, away from the West, in UN votes.
    In observed years the share follows the data where there are data.
    """

    name = "china_pull"
    theory = ("D6",)
    evidence = ("D6", "D6_china_imbalance", "D6_presence", "D3_kazakhstan")
    params = (
        Param("rate", 0.08, "yearly adjustment of the China trade share towards its target",
              "share per year", (0.0, 1.0)),
        Param("max_share", 0.45, "China share of a fully exposed economy at full relative "
              "weight", "trade share", (0.0, 1.0)),
        Param("alignment_effect", 0.263, "shift of the alignment target away from the West per "
              "unit of China share", "alignment units", (-2.0, 2.0)),
        Param("dependence_effect", 0.5, "reduction of dependence on Russia per unit of China "
              "share gained", "-", (0.0, 5.0)),
    )
    reads = ("china_weight", "china_share", "dependence")
    writes = ("china_share", "dependence", "target_shift")
    context = ("china_proximity", "observed_china_share", "neighbours")

    def step(self, st: State, cx: StepContext) -> None:
        """Update China shares, dependence and the target shift."""
        p = cx.p
        w = (st.china_weight / (1.0 + st.china_weight)).astype(np.float32)[:, None]
        target = p["max_share"] * cx.china_proximity * w
        moved = st.china_share + p["rate"] * (target - st.china_share)
        obs = cx.observed_china_share
        new = np.where(np.isfinite(obs), obs, moved) if obs is not None else moved
        gain = np.maximum(new - st.china_share, 0.0)
        st.china_share = np.clip(new, 0.0, 1.0) * cx.neighbours
        st.dependence = np.maximum(st.dependence - p["dependence_effect"] * gain, 0.0)
        st.target_shift -= p["alignment_effect"] * st.china_share
