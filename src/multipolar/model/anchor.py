"""The anchored alignment target of projections from the record (one home for its strength).

Every neighbour's (every state's, in the world) alignment moves each year a share
``adjustment`` of the way to its target, and the target is one formula for all states
(``alignment.base`` plus the mechanisms' shifts). Where a state votes far from that formula,
a projection from its observed position drifts towards the formula whatever the mechanisms
do after the last observation. The *anchor* shifts each state's target by ``strength`` times
the gap between its state at the last observed year and the formula's target there, so that
``strength = 1`` puts the target at the observed state (the projection moves only by what the
mechanisms change afterwards) and ``strength = 0`` is the formula alone.

:data:`ANCHOR` declares the strength: its default (what ``multipolar run`` and a
``multipolar forecast`` without a calibration file use) and the range the rolling-origin fit
searches (:func:`multipolar.forecast.anchor_fit.fit_anchor`, years up to ``--until`` only).
:func:`target_gap` measures the gap by one noise-free, shock-free year of simulation;
:func:`anchor_record` gives a record-following model (``multipolar run``) its anchored target
for the years after the record.

Depends on NumPy and the engine; imports nothing above the model.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from multipolar.core import rng
from multipolar.core.errors import MultipolarError
from multipolar.core.seeding import SeedLike
from multipolar.model.compile import CompiledModel
from multipolar.model.engine import sample_params, simulate
from multipolar.model.mechanisms.base import Param

ANCHOR = Param(
    "anchor", 0.75,
    "share of the gap between each state's state at the forecast origin (the last observed "
    "year) and the model's target that its target is shifted by (0: the formula's target; "
    "1: the target at the observed state)", "-", (0.0, 1.0),
    search={"forecast": (0.0, 1.0)})
"""Strength of the anchored target. The default is the value the rolling-origin fit
(:func:`multipolar.calibrate.anchor.fit_anchor`) chooses with ``until`` 2019 (origins
2009-2018, horizons 1-5, years up to 2019 only, the declared parameters) for the flagship,
the neighbourhood: 0.75. The world's own fit (with Russia's standing as an outcome) prefers
0.5 (training MAE 0.0899 against 0.0903 at 0.75, half a per cent); one default serves both,
and a world calibration file carries the world's fitted value for ``forecast``
(docs/explanation/calibration.md, "Anchoring the target"). The fit searches
:data:`ANCHOR_STEPS` evenly spaced values of ``search``."""

ANCHOR_STEPS = 5
"""Values of the anchor's search range the rolling-origin fit tries (0, 0.25, ..., 1)."""

ANCHOR_MEMBERS = 16
"""Noise-free members whose median gap gives a run's anchored target (a size of estimate)."""


def check_anchor(value: float, field: str = "--anchor") -> float:
    """``value`` as a float, or a located error where it lies outside :data:`ANCHOR`'s bounds.

    ``field`` names where the value came from (``--anchor`` on the command line).
    """
    lo, hi = ANCHOR.bounds or (0.0, 1.0)
    try:
        s = float(value)
    except (TypeError, ValueError):
        s = float("nan")
    if not lo <= s <= hi:  # NaN fails too
        raise MultipolarError(
            f"anchor strength {value!r} is outside its declared range {lo:g}-{hi:g}",
            field=field, fix=f"pass a value from {lo:g} (the model's own target) to {hi:g} "
                             f"(the target at the observed state); the default is "
                             f"{ANCHOR.default:g}")
    return s


def anchor_grid() -> tuple[float, ...]:
    """The anchor strengths a fit tries: :data:`ANCHOR_STEPS` points of the declared range."""
    lo, hi = ANCHOR.search["forecast"]
    return tuple(float(v) for v in np.linspace(lo, hi, ANCHOR_STEPS))


def target_gap(model: CompiledModel, seed: SeedLike, members: int, at: int = 0) -> np.ndarray:
    """Per actor, the median gap between its state in year index ``at`` and the model's target.

    Years ``0 .. at + 1`` are simulated without noise or shocks; since alignment closes
    ``adjustment`` of the gap to its target each year, ``gap = -(x[at+1] - x[at]) /
    adjustment``. Zero for non-neighbours. ``model`` should carry no ``alignment_offset``.
    """
    one = dataclasses.replace(model, years=model.years[: at + 2])
    n = max(int(members), 1)
    zeros = np.zeros(n)
    quiet: dict[str, np.ndarray] = {
        k: zeros for k in ("alignment.noise", "alignment.common_noise",
                           "shocks.leadership_prob", "shocks.revolution_prob",
                           # the poles stay put: their moves are no gap to a target
                           "russia_standing.russia_noise", "russia_standing.us_noise",
                           "russia_standing.russia_drift", "russia_standing.us_drift")
        if k in model.params}
    res = simulate(one, seed, 0, n, params=quiet)
    adj = sample_params(one, rng.member_keys(seed, 0, n))["alignment.adjustment"]
    x = res.actor_outcomes["alignment"].astype(np.float64)
    gap = (x[:, at + 1] - x[:, at]) / np.maximum(adj, 1e-6)[:, None]
    return np.where(model.neighbours, -np.median(gap, axis=0), 0.0)


def anchor_record(model: CompiledModel, strength: float | None = None, seed: SeedLike = 0,
                  members: int = ANCHOR_MEMBERS) -> CompiledModel:
    """``model`` (following the record) with its target anchored after ``observed_until``.

    The gap is measured at the last observed year inside the model's years, from the state
    the record-following run reaches there (its observed alignment), and the shift
    ``strength * gap`` acts only in the projected years (the engine skips it while the run
    follows the record). ``strength`` None is :data:`ANCHOR`'s default; 0 returns ``model``.
    """
    s = ANCHOR.default if strength is None else check_anchor(strength, "anchor")
    hist = np.flatnonzero(model.years <= model.observed_until)
    if s == 0.0 or hist.size == 0 or hist[-1] + 1 >= model.n_years:
        return model
    plain = dataclasses.replace(model, static={k: v for k, v in model.static.items()
                                               if k != "alignment_offset"})
    gap = target_gap(plain, seed, members, at=int(hist[-1]))
    return dataclasses.replace(plain, static={**plain.static, "alignment_offset": s * gap})
