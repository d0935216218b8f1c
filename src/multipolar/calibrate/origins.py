"""The world's calibrations at a forecast origin, shared by the back-test and the forecast.

Each origin ``Y`` gets its own pooled calibration through ``Y`` (:func:`calibrate_origin`),
and the stacking weights at ``Y`` are trained on the forecasts of the origins before it
(:func:`stack_origins`), each made with its own calibration: the back-test
(:mod:`multipolar.backtest.world`) and ``forecast russia-world``
(:func:`multipolar.calibrate.anchor.honest_stack_weights`) read these from here, so the two
cannot drift apart. Nothing after ``Y`` is read.
"""

from __future__ import annotations

from typing import Any

WORLD_CALIB_MEMBERS = 8
"""Default members per evaluation of each origin's pooled calibration."""
WORLD_MAXITER = 60
"""Default evaluations of each origin's pooled calibration (``--maxiter`` raises it)."""
STACK_WINDOW = 10
"""Origins before ``Y`` whose own forecasts (each calibrated through its origin, as ``Y``'s is)
train ``Y``'s stacking weights: only those from the first year a pooled fit may end in."""


def stack_origins(origin: int, window: int = STACK_WINDOW) -> list[int]:
    """The earlier origins whose forecasts train the stacking weights at ``origin``.

    The ``window`` years before it, from the first year a pooled fit may end in
    (:data:`multipolar.calibrate.pooled.FIRST_UNTIL`): an earlier origin has no calibration
    that knows nothing after it, so its forecast would be scored in sample.
    """
    from multipolar.calibrate.pooled import FIRST_UNTIL

    return list(range(max(FIRST_UNTIL, origin - window), origin))


def calibrate_origin(scenario: str, origin: int, *, members: int, maxiter: int, seed: int,
                     sets: list[str] | None = None, perspective: str | None = None,
                     hypothesis: str | None = None, free: tuple[str, ...] | None = None
                     ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The pooled fit through ``origin``: the overrides and a summary (values at a bound named).

    A value within :data:`multipolar.calibrate.identify.BOUND_TOLERANCE` of its declared
    search range's end is listed under ``at_bound``: the bound decided it, not the data.
    """
    import yaml

    from multipolar.calibrate.identify import at_bound as bound_of
    from multipolar.calibrate.pooled import calibrate_pooled, pooled_parameters, pooled_yaml
    from multipolar.calibrate.standing import STANDING_PARAMETERS

    result, model = calibrate_pooled(scenario, until=origin, members=members, seed=seed,
                                     maxiter=maxiter, sets=sets, perspective=perspective,
                                     hypothesis=hypothesis, free=free)
    doc = yaml.safe_load(pooled_yaml(result, model))
    ranges = {**pooled_parameters(), **STANDING_PARAMETERS}
    at_bound = {k: side for k, v in result.values.items()
                if (side := bound_of(v, *ranges[k])) is not None}
    info = {"origin": origin, "start_mae": result.start_mae, "mae": result.mae,
            "evaluations": result.evaluations, "seconds": round(result.seconds, 1),
            "values": dict(result.values), "at_bound": at_bound}
    return dict(doc["overrides"]), info
