"""Every fit of the model's parameters to history: the calibration workflow.

* :mod:`~multipolar.calibrate.history`: the neighbourhood fit on observed UN voting alignment
  (``multipolar calibrate``), the forecast calibration (``calibrate-forecast``) and the
  calibration file (the names below are re-exported from it);
* :mod:`~multipolar.calibrate.pooled`: the pooled fit of the world scenario's shared parameters;
* :mod:`~multipolar.calibrate.memberships`: the maximum-likelihood fit of the membership hazards.

The options of a forecast calibration are one :class:`CalibrationSpec`, those of the pooled fit
one :class:`PooledSpec` (:mod:`multipolar.core.specs`).
The statistical vote model has its own fit (:mod:`multipolar.votes.fitting`), part of that model.
The old module :mod:`multipolar.calibration` is the same module as
:mod:`multipolar.calibrate.history`.
"""

from multipolar.calibrate.history import (
    ALPHA_GRID,
    ANCHOR_GRID,
    FORECAST_HORIZON,
    FREE_PARAMETERS,
    CalibrationFile,
    CalibrationResult,
    Observed,
    calibrate,
    calibrate_forecast,
    choose_alpha,
    observed_alignment,
    read_calibration,
    read_calibration_file,
    scenario_path,
    spread_scale,
    training_origins,
)
from multipolar.core.specs import CalibrationSpec, PooledSpec

__all__ = [
    "ALPHA_GRID",
    "ANCHOR_GRID",
    "FORECAST_HORIZON",
    "FREE_PARAMETERS",
    "CalibrationFile",
    "CalibrationResult",
    "CalibrationSpec",
    "Observed",
    "PooledSpec",
    "calibrate",
    "calibrate_forecast",
    "choose_alpha",
    "observed_alignment",
    "read_calibration",
    "read_calibration_file",
    "scenario_path",
    "spread_scale",
    "training_origins",
]
