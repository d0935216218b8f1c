"""Integration depth and the autocrats' refusal to delegate authority upward (D2).

Depends on NumPy and :mod:`.base`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from multipolar.model.mechanisms._maths import clip, count_true
from multipolar.model.mechanisms.base import Mechanism, Outcome, Param, StateVar, register

if TYPE_CHECKING:
    from multipolar.model.state import StartContext, State, StepContext


@register
class DelegationLimit(Mechanism):
    """Autocrats will not delegate authority upward: integration depth is capped (D2).

    A neighbour's wish for integration with Russia (0-1) is a weighted sum of its share of the
    Russia-led formats it belongs to, how far it is aligned with Russia beyond
    ``loyal_threshold``, and its dependence on Russia. Depth moves towards that wish but never
    above ``1 - strength * autocracy``, where autocracy grows as democracy falls below
    ``autocracy_threshold``: kindred autocracies stay aligned without deepening integration.
    Switched off, the mechanism does nothing, so integration depth keeps its starting value
    (``start_share`` times the share of Russia-led formats the state belonged to in the first
    year).
    """

    name = "delegation_limit"
    theory = ("D2",)
    evidence = ("D2", "D2_belarus")
    params = (
        Param("strength", 0.7, "how far full autocracy lowers the cap on integration depth",
              "depth", (0.0, 1.0)),
        Param("adjustment", 0.25, "yearly adjustment of integration depth", "share per year",
              (0.0, 1.0)),
        Param("membership_weight", 0.5, "weight of the share of Russia-led formats joined in "
              "the wish for integration", "-", (0.0, 1.0)),
        Param("alignment_weight", 0.5, "weight of alignment with Russia in that wish", "-",
              (0.0, 1.0)),
        Param("dependence_weight", 0.25, "weight of dependence on Russia in that wish", "-",
              (0.0, 1.0)),
        Param("loyal_threshold", 0.3, "alignment below which a neighbour counts as leaning "
              "towards Russia", "alignment", (-1.0, 1.0)),
        Param("autocracy_threshold", 0.6, "democracy score below which the cap starts to "
              "bind", "democracy score", (0.001, 1.0)),
        Param("start_share", 0.5, "starting integration depth per share of the Russia-led "
              "formats a state belonged to in the first year", "depth per membership share",
              (0.0, 1.0)),
    )
    reads = ("membership", "alignment", "dependence", "democracy", "integration_depth")
    writes = ("integration_depth",)
    context = ("russia_institutions", "neighbours")
    state = (StateVar("integration_depth", "depth of integration with Russia", (0.0, 1.0)),)
    outcomes = (Outcome("integration", "integration_depth"),)

    @classmethod
    def start(cls, var: StateVar, init: StartContext) -> Any:
        """``start_share`` times the share of Russia-led formats joined in the first year."""
        model = init.model
        hist0 = np.maximum(model.member_hist[0], 0).astype(np.int8)
        russia = np.flatnonzero(model.inst_pole == 0)
        if not russia.size:
            return init.zeros(var)
        depth0 = hist0[:, russia].mean(axis=1)[None, :] * init.param(cls, "start_share")[:, None]
        return init.full(var, depth0 * init.neighbours)

    def step(self, st: State, cx: StepContext) -> None:
        """Update integration depth."""
        p = cx.p
        ri = cx.russia_institutions
        russia_members = (count_true(st.membership[ri]) / ri.size
                          if ri.size else 0.0)
        desire = clip(p["membership_weight"] * russia_members
                      + p["alignment_weight"] * clip(p["loyal_threshold"] - st.alignment,
                                                     0.0, 1.0)
                      + p["dependence_weight"] * np.minimum(st.dependence, 1.0), 0.0, 1.0)
        thr = p["autocracy_threshold"]
        autoc = clip((thr - st.democracy) / thr, 0.0, 1.0)
        target = np.minimum(desire, 1.0 - p["strength"] * autoc)
        st.integration_depth += p["adjustment"] * (target - st.integration_depth)
        st.integration_depth *= cx.neighbours
