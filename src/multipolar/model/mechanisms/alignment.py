"""UN voting alignment moves towards its target (D1, D5, D7).

Depends on NumPy, :mod:`multipolar.core.rng` and :mod:`.base`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from multipolar.core import rng
from multipolar.model.mechanisms.base import Mechanism, Outcome, Param, StateVar, Stream, register

if TYPE_CHECKING:
    from multipolar.model.state import StartContext, State, StepContext


@register
class Alignment(Mechanism):
    """Each neighbour's UN voting alignment moves part way towards its target (D1, D5, D7).

    Target = ``base + democracy_effect * democracy + target_shift``, where ``target_shift`` sums
    the shifts of all other mechanisms. Alignment closes ``adjustment`` of the gap each year and
    takes an idiosyncratic shock plus a shock common to all neighbours (agenda effects of the UN
    year), plus this year's one-off jumps. Outside powers keep their observed (or nominal)
    alignment.

    It owns alignment (starting at the first observed value, else the scenario's nominal one),
    democracy (the first observed score, else the nominal one, else ``democracy_start``; the
    data set it in observed years) and the two yearly flows every other mechanism adds to.
    """

    name = "alignment"
    theory = ("D1", "D5", "D7")
    evidence = ("E4",)
    params = (
        Param("base", 0.162, "target alignment of a full autocracy with no outside forces",
              "alignment", (-1.0, 1.0),
              search={"history": (-0.9, 0.3), "pooled": (-0.9, 0.5)}),
        Param("democracy_effect", 0.155, "target alignment gained per unit of democracy",
              "alignment per democracy unit", (-2.0, 2.0),
              search={"history": (0.1, 1.6), "pooled": (0.0, 1.0)}),
        Param("adjustment", 0.215, "share of the gap to the target closed each year",
              "share per year", (0.0, 1.0),
              search={"history": (0.05, 0.9), "pooled": (0.05, 0.9)}),
        Param("noise", 0.05, "sd of idiosyncratic yearly alignment shocks", "alignment",
              (0.0, 1.0)),
        Param("common_noise", 0.07, "sd of yearly shocks common to all neighbours (UN agenda "
              "effects)", "alignment", (0.0, 1.0)),
        Param("democracy_start", 0.5, "starting democracy score of a state with neither data "
              "nor a nominal score", "democracy score", (0.0, 1.0)),
    )
    reads = ("democracy", "target_shift", "alignment_jump")
    writes = ("alignment",)
    context = ("neighbour_index", "neighbour_mask", "outside_alignment")
    streams = {"alignment.idiosyncratic": Stream(500), "alignment.common": Stream(501)}
    state = (
        StateVar("alignment", "UN voting alignment: 0 votes like Russia, 1 like the US",
                 (-3.0, 3.0)),
        StateVar("democracy", "democracy score", (0.0, 1.0), observed="democracy"),
        StateVar("target_shift", "sum of this year's shifts of the alignment target", flow=True),
        StateVar("alignment_jump", "this year's one-off jumps of alignment", flow=True),
    )
    outcomes = (Outcome("alignment", "alignment"), Outcome("democracy", "democracy"))

    @classmethod
    def start(cls, var: StateVar, init: StartContext) -> Any:
        """Alignment and democracy from the first year's data (else nominal); flows zero."""
        model = init.model
        if var.name == "alignment":
            nominal = model.static["un_alignment_nominal"]
            has = np.isfinite(model.obs.get("un_alignment_first", np.full(init.n_actors,
                                                                          np.nan)))
            return init.full(var, np.where(has, init.first("un_alignment", 0.0),
                                           np.nan_to_num(nominal, nan=0.0)))
        if var.name == "democracy":
            arr = model.obs.get("democracy_first", np.full(init.n_actors, np.nan))
            dem0 = np.where(np.isfinite(arr)[None, :], arr[None, :],
                            init.param(cls, "democracy_start")[:, None])
            if "democracy_nominal" in model.static:
                dn = model.static["democracy_nominal"]
                dem0 = np.where(np.isfinite(dn), dn, dem0)
            return init.full(var, dem0)
        return init.zeros(var)

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
