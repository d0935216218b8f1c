"""UN voting alignment moves towards its target (D1, D5, D7), on two scales.

The data's scale is Voeten's ideal point (``ideal_point``): every state has one, Russia and the
US included (``russia_position``, ``us_position``). The relative scale (``alignment``: 0 votes
like Russia, 1 like the US) is derived from it, ``(x - x_RUS) / (x_USA - x_RUS)``, so that when
Russia's or the US's own position moves, every state's relative position moves with it while
its own position need not (``russia_standing`` moves the two). Depends on NumPy,
:mod:`multipolar.core.rng` and :mod:`.base`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from multipolar.core import rng
from multipolar.model.mechanisms._maths import put_columns
from multipolar.model.mechanisms.base import (
    Mechanism,
    Outcome,
    Param,
    StateVar,
    Stream,
    Yearly,
    register,
)

if TYPE_CHECKING:
    from multipolar.model.state import StartContext, State, StepContext

POLE_SERIES = "ideal_point"
"""The observed series of every actor's ideal point on the data's scale (Voeten's); a scenario
without it keeps Russia at 0 and the US at 1, so that both scales are the relative one."""
US_ACTOR = "USA"
"""The actor whose ideal point is 1 on the relative scale (Russia, 0, is the scenario's core)."""


def pole_columns(model: Any) -> np.ndarray:
    """``(2,)`` columns of Russia (the core) and the US (-1 where the scenario has none)."""
    roles, actors = list(model.roles), list(model.actors)
    core = roles.index("core") if "core" in roles else -1
    us = actors.index(US_ACTOR) if US_ACTOR in actors else -1
    return np.array([core, us])


def pole_record(model: Any) -> np.ndarray:
    """``(years, 2)`` Russia's and the US's observed ideal points (NaN where none).

    All NaN when the scenario has no ideal points or lacks Russia or the US.
    """
    out = np.full((model.n_years, 2), np.nan)
    series = model.obs.get(POLE_SERIES)
    cols = pole_columns(model)
    if series is not None and (cols >= 0).all():
        out[:] = np.asarray(series, dtype=np.float64)[:model.n_years][:, cols]
    return out


def pole_reference(model: Any) -> np.ndarray:
    """``(2,)`` Russia's and the US's last observed ideal points (0 and 1 without data).

    The relative units of every alignment target are those of this reference: a target
    stays where it is on the data's scale when the poles move after the record.
    """
    rec = pole_record(model)
    ok = np.isfinite(rec).all(axis=1) & (model.years <= model.observed_until)
    if not ok.any():
        return np.array([0.0, 1.0])
    return rec[np.flatnonzero(ok)[-1]].copy()


def ideal_points(alignment: np.ndarray, russia: np.ndarray, us: np.ndarray) -> np.ndarray:
    """``(members, actors)`` positions on the data's scale from relative ones and the poles."""
    r = np.asarray(russia)[:, None]
    return (r + alignment * (np.asarray(us)[:, None] - r)).astype(alignment.dtype)


def relative(ideal: np.ndarray, russia: np.ndarray, us: np.ndarray) -> np.ndarray:
    """``(members, actors)`` relative positions ``(x - x_RUS) / (x_USA - x_RUS)``."""
    r = np.asarray(russia)[:, None]
    return ((ideal - r) / (np.asarray(us)[:, None] - r)).astype(ideal.dtype)


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

    It also owns the data's scale: Russia's and the US's ideal points (``russia_position``,
    ``us_position``: the record in observed years; after it, where ``russia_standing`` moves
    them, else their last observed values) and every state's ideal point (``ideal_point`` =
    Russia's + alignment times the US's minus Russia's). The target is stated in the relative
    units of the poles' last observed positions (:func:`pole_reference`), so after the record
    it is converted to this year's poles: a target, and an outside power's position, stay put
    on the data's scale when Russia or the US moves. Russia's alignment is 0 and the US's 1 by
    definition. With the poles where the record left them, nothing is converted.
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
    writes = ("alignment", "ideal_point", "russia_position", "us_position")
    context = ("neighbour_index", "neighbour_mask", "outside_alignment", "pole_record",
               "pole_reference", "pole_columns")
    provides = {"pole_record": "(2,) float64: Russia's and the US's observed ideal points this "
                               "year (NaN where none or after the record)",
                "pole_reference": "(2,) float64: Russia's and the US's last observed ideal "
                                  "points (0 and 1 without data): the units of the targets",
                "pole_columns": "(2,) int: the columns of Russia and the US (-1 if absent)"}
    streams = {"alignment.idiosyncratic": Stream(500), "alignment.common": Stream(501)}
    state = (
        StateVar("alignment", "UN voting alignment: 0 votes like Russia, 1 like the US",
                 (-3.0, 3.0)),
        StateVar("democracy", "democracy score", (0.0, 1.0), observed="democracy"),
        StateVar("target_shift", "sum of this year's shifts of the alignment target", flow=True),
        StateVar("alignment_jump", "this year's one-off jumps of alignment", flow=True),
        StateVar("ideal_point", "UN ideal point on the data's scale (Voeten's)", (-10.0, 10.0)),
        StateVar("russia_position", "Russia's UN ideal point on the data's scale",
                 (-10.0, 10.0), shape="russia"),
        StateVar("us_position", "the US's UN ideal point on the data's scale", (-10.0, 10.0),
                 shape="russia"),
    )
    outcomes = (Outcome("alignment", "alignment"), Outcome("democracy", "democracy"),
                Outcome("ideal_point", "ideal_point"),
                Outcome("russia_position", "russia_position", kind="russia"),
                Outcome("us_position", "us_position", kind="russia"))

    @classmethod
    def provide(cls, init: StartContext) -> dict[str, Any]:
        """The poles' record by year, their reference and their columns."""
        model = init.model
        return {"pole_record": Yearly(pole_record(model)),
                "pole_reference": pole_reference(model),
                "pole_columns": pole_columns(model)}

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
        if var.name in ("russia_position", "us_position", "ideal_point"):
            k = 0 if var.name == "russia_position" else 1
            rec = init.items["_pole_record"][0] if "_pole_record" in init.items else \
                pole_record(model)[0]
            ref = init.items.get("pole_reference", pole_reference(model))
            start = np.where(np.isfinite(rec), rec, ref)
            if var.name != "ideal_point":
                return init.full(var, start[k])
            align = cls.start(StateVar("alignment", ""), init)
            return ideal_points(np.asarray(align, dtype=np.float32),
                                np.full(init.n, start[0]), np.full(init.n, start[1]))
        return init.zeros(var)

    def step(self, st: State, cx: StepContext) -> None:
        """Advance alignment one year."""
        p = cx.p
        target = p["base"] + p["democracy_effect"] * st.democracy + st.target_shift
        eps = np.zeros_like(st.alignment)  # outside powers draw no noise
        nbi = cx.neighbour_index
        # the neighbours' shocks and the common one, hashed in one pass
        own, shared = rng.normal32_streams(cx.keys, cx.year, [
            (cx.stream("alignment.idiosyncratic"), nbi), (cx.stream("alignment.common"), None)])
        put_columns(eps, nbi, own)
        eps *= p["noise"]
        common = p["common_noise"] * shared[:, None]
        outside = np.broadcast_to(cx.outside_alignment[None, :], st.alignment.shape)
        if cx.observed:  # the poles follow the record
            rec = cx.pole_record
            st.russia_position = np.where(np.isfinite(rec[0]), rec[0],
                                          st.russia_position).astype(st.russia_position.dtype)
            st.us_position = np.where(np.isfinite(rec[1]), rec[1],
                                      st.us_position).astype(st.us_position.dtype)
        else:
            ref = cx.pole_reference
            r, u = st.russia_position, st.us_position
            if (r != np.float32(ref[0])).any() or (u != np.float32(ref[1])).any():
                # targets and outside powers stay put on the data's scale
                span = (u - r)[:, None]
                a, b = (ref[0] - r)[:, None] / span, (ref[1] - ref[0]) / span
                target = a + b * target
                outside = (a + b * outside).copy()
                cols = cx.pole_columns  # Russia 0 and the US 1 by definition
                for k in (0, 1):
                    if cols[k] >= 0:
                        outside[:, cols[k]] = float(k)
        x = st.alignment + p["adjustment"] * (target - st.alignment) + eps + common + \
            st.alignment_jump
        st.alignment = np.where(cx.neighbour_mask[None, :], x, outside).astype(st.alignment.dtype)
        st.ideal_point = ideal_points(st.alignment, st.russia_position, st.us_position)
