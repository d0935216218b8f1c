"""The pull of outside powers: the EU's offer (D5) and China's economic weight (D6).

Depends on NumPy and :mod:`.base`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from multipolar.model.mechanisms._maths import clip, share_true
from multipolar.model.mechanisms.base import Mechanism, Outcome, Param, StateVar, register
from multipolar.model.mechanisms.sphere import INVESTMENT, RUSSIA, TRADE, WEST

if TYPE_CHECKING:
    from multipolar.model.state import StartContext, State, StepContext


@register
class Propaganda(Mechanism):
    """Propaganda renders the West less attractive where Russian media reach (C1_propaganda).

    The Kremlin works to make the West look less attractive and less threatening to its
    neighbours (002, ``C1_propaganda``). With the lever ``russia_propaganda`` at L, a share
    ``discount * L * russian_share`` of this year's EU pull on each neighbour is cancelled
    (``state.west_discount``, read by ``eu_pull``): less Western pull where Russian speakers
    are many. Runs before ``eu_pull``.
    """

    name = "propaganda"
    theory = ("C1",)
    evidence = ("C1_propaganda",)
    params = (
        Param("discount", 0.3, "share of the EU's pull cancelled at full propaganda in a "
              "wholly Russian-speaking neighbour", "share", (0.0, 1.0)),
    )
    reads = ("west_discount",)
    writes = ("west_discount",)
    context = ("russian_share", "neighbours")
    levers = ("russia_propaganda",)
    state = (StateVar("west_discount", "this year's share of the West's pull cancelled",
                      (0.0, 1.0), flow=True),)

    def step(self, st: State, cx: StepContext) -> None:
        """Add this year's discount on the West's pull."""
        add = cx.p["discount"] * cx.lever("russia_propaganda") * cx.russian_share
        st.west_discount = clip(st.west_discount + add * cx.neighbours, 0.0, 1.0)


@register
class EUPull(Mechanism):
    """The EU's offer draws neighbours in, more strongly the more democratic they are (D5).

    The pull is reduced by this year's ``west_discount`` (Russian propaganda). That it works
    more on democracies (``democracy_exponent``) is the named assumption
    ``eu_democracy_condition``.
    """

    name = "eu_pull"
    theory = ("D5",)
    evidence = ("D5", "D5_structural_power", "D5_competition")
    params = (
        Param("effect", 0.13, "shift of the alignment target from a full offer to a full "
              "democracy", "alignment units", (0.0, 2.0),
              search={"history": (0.1, 0.8)}),
        Param("democracy_exponent", 2.0, "convexity of the EU's pull in democracy", "-",
              (0.0, 10.0)),
    )
    reads = ("democracy", "west_discount")
    writes = ("target_shift",)
    context = ("eu_eligibility", "neighbours")
    levers = ("eu_offer",)

    def step(self, st: State, cx: StepContext) -> None:
        """Add the EU's pull to the target shift."""
        p = cx.p
        pull = cx.lever("eu_offer") * cx.eu_eligibility * \
            clip(st.democracy, 0.0, 1.0) ** p["democracy_exponent"]
        st.target_shift += p["effect"] * pull * (1.0 - st.west_discount) * cx.neighbours


@register
class ChinaPull(Mechanism):
    """China's growing economic weight drains Russia's sphere in exposed neighbours (D6).

    A neighbour's China trade share moves towards ``max_share * exposure * w / (1 + w)``,
    where ``w`` is China's economy relative to Russia's (a driver that keeps growing;
    ``D6_china_imbalance``). In observed years the share follows the data where there are
    data. A higher China share loosens dependence on Russia and takes ``drain`` times the share
    out of Russia's share of the neighbour's trade and investment channels: Moscow wants
    Beijing's backing on global issues but works to keep China's presence out of the
    post-Soviet space (``D6``, ``D6_presence``), and Kazakhstan turns to China
    (``D3_kazakhstan``). The UN votes do not move by default (``alignment_effect`` 0); the rival
    hypothesis ``china_votes_with_russia`` sets ``alignment_effect`` above 0, so that a larger
    China share moves votes towards Russia.
    """

    name = "china_pull"
    theory = ("D6",)
    evidence = ("D6", "D6_china_imbalance", "D6_presence", "D3_kazakhstan")
    params = (
        Param("rate", 0.08, "yearly adjustment of the China trade share towards its target",
              "share per year", (0.0, 1.0)),
        Param("max_share", 0.45, "China share of a fully exposed economy at full relative "
              "weight", "trade share", (0.0, 1.0)),
        Param("alignment_effect", 0.0, "shift of the alignment target away from the West per "
              "unit of China share (0: the seeds' default; above 0: the hypothesis "
              "china_votes_with_russia)", "alignment units", (-2.0, 2.0)),
        Param("drain", 1.0, "fall of Russia's share of the trade and investment channels per "
              "unit of China share", "share per share", (0.0, 5.0)),
        Param("dependence_effect", 0.5, "reduction of dependence on Russia per unit of China "
              "share gained", "-", (0.0, 5.0)),
    )
    reads = ("china_weight", "china_share", "dependence", "sphere_push")
    writes = ("china_share", "dependence", "target_shift", "sphere_push")
    context = ("china_proximity", "observed_china_share", "neighbours")
    state = (StateVar("china_share", "trade share with China", (0.0, 1.0)),)
    outcomes = (Outcome("china_share", "china_share"),)

    @classmethod
    def start(cls, var: StateVar, init: StartContext) -> Any:
        """The first year's observed China trade share (0 without data)."""
        return init.full(var, init.first("trade_share_china", 0.0) * init.neighbours)

    def step(self, st: State, cx: StepContext) -> None:
        """Update China shares, dependence and the target shift."""
        p = cx.p
        w = (st.china_weight / (1.0 + st.china_weight)).astype(np.float32)[:, None]
        target = p["max_share"] * cx.china_proximity * w
        moved = st.china_share + p["rate"] * (target - st.china_share)
        obs = cx.observed_china_share
        new = np.where(np.isfinite(obs), obs, moved) if obs is not None else moved
        gain = np.maximum(new - st.china_share, 0.0)
        st.china_share = clip(new, 0.0, 1.0) * cx.neighbours
        st.dependence = np.maximum(st.dependence - p["dependence_effect"] * gain, 0.0)
        st.target_shift -= p["alignment_effect"] * st.china_share
        drain = p["drain"] * st.china_share
        st.sphere_push[..., TRADE, RUSSIA] -= drain
        st.sphere_push[..., INVESTMENT, RUSSIA] -= drain


@register
class SilkRoadLink(Mechanism):
    """Linking the EAEU with China's Silk Road Economic Belt co-opts China's presence (C6).

    Moscow seeks to combine the EAEU with the Silk Road Economic Belt as a step towards a
    greater Eurasian partnership (``C6_silk_road``, ``C6_greater_eurasia``). With the lever
    ``eaeu_sreb_link`` at L, for a neighbour in Russia-led formats (share m of them) a share
    ``offset * L * m`` of the China share's drain on Russia's trade and investment channels is
    taken from the West's share instead: China's presence comes through the joint project
    rather than at Russia's expense. Runs after ``china_pull``.
    """

    name = "silk_road_link"
    theory = ("C6", "D6")
    evidence = ("C6_silk_road", "C6_greater_eurasia")
    params = (
        Param("offset", 1.0, "share of China's drain on Russia's trade and investment shares "
              "moved to the West's at full link and full membership", "share", (0.0, 1.0)),
    )
    reads = ("china_share", "membership", "sphere_push")
    writes = ("sphere_push",)
    context = ("russia_institutions", "neighbours")
    levers = ("eaeu_sreb_link",)

    def step(self, st: State, cx: StepContext) -> None:
        """Move part of China's drain from Russia's shares to the West's."""
        ri = cx.russia_institutions
        if not ri.size:
            return
        member = share_true(st.membership[ri])
        moved = cx.p["offset"] * cx.lever("eaeu_sreb_link") * member * st.china_share \
            * cx.neighbours
        for channel in (TRADE, INVESTMENT):
            st.sphere_push[..., channel, RUSSIA] += moved
            st.sphere_push[..., channel, WEST] -= moved
