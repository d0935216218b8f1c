"""Russia's and the US's own positions in the General Assembly (C2, D7; seed 002).

The alignment scale is relative (0 votes like Russia, 1 like the US); the data's scale is the
ideal point, on which Russia and the US are states like any other. ``russia_standing`` moves
the two after the record, on the data's scale, and re-expresses every state's relative
position by the new poles, so that a state's own position does not move because Russia's did
(:mod:`.alignment` owns both scales and converts the targets). Depends on NumPy,
:mod:`multipolar.core.rng`, :mod:`.alignment` and :mod:`.base`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from multipolar.core import rng
from multipolar.model.mechanisms.alignment import relative
from multipolar.model.mechanisms.base import Mechanism, Param, StateVar, Stream, register

if TYPE_CHECKING:
    from multipolar.model.state import State, StepContext


def assembly_median(ideal: np.ndarray) -> np.ndarray:
    """``(members,)`` median ideal point over every actor (the Assembly's centre)."""
    return np.median(np.asarray(ideal, dtype=np.float64), axis=1)


def away_sign(russia: np.ndarray, us: np.ndarray, centre: np.ndarray,
              from_assembly: float) -> np.ndarray:
    """``+1``/``-1``: the way Russia moves when it is isolated.

    Away from the point ``from_assembly`` of the way from the US's ideal point (0: isolation
    from the West, seed 002) to the Assembly's centre (1); +1 where Russia sits on it.
    """
    point = (1.0 - from_assembly) * np.asarray(us, dtype=np.float64) + \
        from_assembly * np.asarray(centre, dtype=np.float64)
    return np.where(np.asarray(russia, dtype=np.float64) >= point, 1.0, -1.0)


@register
class RussiaStanding(Mechanism):
    """Russia's and the US's ideal points move after the record; a breach isolates Russia.

    Each year after the record Russia's ideal point moves by ``russia_drift`` plus a normal
    shock of sd ``russia_noise``, and, in a year with a use of force, ``isolation`` further
    away from the West (the US's ideal point). A breach of the rules sets Western opinion
    against the state that commits it (002, ``W_R_rule_book``, ``W_R_revisionist``); a
    confrontational, anti-Western course that cuts the country off was already feared in 2014
    (002, ``W_R_isolation``), though Russia can no longer be cut off from the West entirely
    (002, ``W_R_not_isolated``): a step, not an exit. The isolation the passages speak of is
    from the West; ``from_assembly`` (0 by default) moves the point Russia turns away from
    towards the Assembly's centre, the median ideal point of all states (1: the hypothesis
    ``isolation_from_the_assembly``; Russia sits above that median, so this reading moves
    it towards the US). The US's ideal point drifts by ``us_drift``
    with shocks of sd ``us_noise`` (no passage: a random walk whose scale the pooled
    calibration fits on the record up to ``--until``; both drifts are 0 by default, the
    record's being indistinguishable from 0). The US stays at least ``min_span`` above Russia,
    so that the relative scale stays defined. A use of force is this year's ``breach``, which
    the ``use_of_force`` mechanism writes: with it switched off, no use of force isolates.

    Every state's relative position is then re-expressed by the new poles,
    ``(x - x_RUS) / (x_USA - x_RUS)``, its own ideal point unchanged: when Russia moves away,
    the states that voted like Russia move most on the relative scale. Switched off (or in the
    observed years), the poles stay where the record left them.
    """

    name = "russia_standing"
    runs_before = "alignment"
    theory = ("C2", "D7")
    evidence = ("W_R_rule_book", "W_R_revisionist", "W_R_isolation", "W_R_not_isolated")
    params = (
        Param("isolation", 0.15, "move of Russia's ideal point away from the West (or the "
              "Assembly's centre, from_assembly) in a year with a use of force (default: "
              "assumption, about one sd of Russia's yearly moves in the record to 2019, 0.17)",
              "ideal-point units", (-2.0, 2.0), search={"standing": (0.02, 1.0)}),
        Param("from_assembly", 0.0, "what a breach isolates Russia from: 0 the West (the US's "
              "ideal point, seed 002), 1 the Assembly's centre (the median ideal point)", "-",
              (0.0, 1.0)),
        Param("russia_drift", 0.0, "yearly drift of Russia's ideal point (0: a random walk; "
              "the record's drift is not told from 0, and fitted it loses the back-test)",
              "ideal-point units per year", (-1.0, 1.0)),
        Param("russia_noise", 0.1, "sd of Russia's yearly ideal-point shocks (pooled "
              "calibration)", "ideal-point units", (0.0, 1.0),
              search={"standing": (0.0, 0.5)}),
        Param("us_drift", 0.0, "yearly drift of the US's ideal point (0: a random walk, as "
              "russia_drift)", "ideal-point units per year", (-1.0, 1.0)),
        Param("us_noise", 0.1, "sd of the US's yearly ideal-point shocks (pooled "
              "calibration)", "ideal-point units", (0.0, 1.0),
              search={"standing": (0.0, 0.5)}),
        Param("min_span", 0.5, "smallest distance of the US above Russia on the data's scale",
              "ideal-point units", (0.01, 5.0)),
    )
    reads = ("ideal_point", "alignment", "russia_position", "us_position", "breach")
    writes = ("alignment", "russia_position", "us_position")
    context = ("pole_columns",)
    state = (StateVar("breach", "this year's uses of force by Russia (written by use_of_force: "
                      "switched off, no breach and no isolation)", (0.0, 1000.0),
                      shape="russia", flow=True),)
    streams = {"russia_standing.russia": Stream(823), "russia_standing.us": Stream(824)}

    def step(self, st: State, cx: StepContext) -> None:
        """Move the poles (after the record) and re-express the relative positions."""
        if cx.observed:
            return
        p = cx.p
        r = st.russia_position.astype(np.float64)
        u = st.us_position.astype(np.float64)
        away = away_sign(r, u, assembly_median(st.ideal_point), p.member("from_assembly"))
        force = (st.breach > 0).astype(np.float64)
        r_new = r + p.member("russia_drift") + p.member("isolation") * force * away + \
            p.member("russia_noise") * rng.normal(cx.keys, cx.stream("russia_standing.russia"),
                                                  cx.year)
        u_new = u + p.member("us_drift") + \
            p.member("us_noise") * rng.normal(cx.keys, cx.stream("russia_standing.us"), cx.year)
        u_new = np.maximum(u_new, r_new + p.member("min_span"))
        st.russia_position = r_new.astype(st.russia_position.dtype)
        st.us_position = u_new.astype(st.us_position.dtype)
        st.alignment = relative(st.ideal_point, st.russia_position, st.us_position)
        cols = cx.pole_columns
        for k in (0, 1):
            if cols[k] >= 0:
                st.alignment[:, cols[k]] = float(k)
