"""Forecasts from an origin year: the forecast workflow.

* :mod:`~multipolar.forecast.origin`: an honest model from an origin (nothing after it), the
  observed panel, the forecast records (the names below are re-exported from it);
* :mod:`~multipolar.forecast.pipeline`: :func:`~multipolar.forecast.pipeline.forecast_ensemble`,
  the pipeline shared by ``multipolar forecast`` and the back-tests;
* :mod:`~multipolar.forecast.conditional`: event-conditional forecasts (``use_of_force:UKR@2022``);
* :mod:`~multipolar.forecast.assimilate`: assimilation of the years up to the origin;
* :mod:`~multipolar.forecast.stacking`: stacking on persistence, and intervals with regime shifts.

The forecast's options are one :class:`ForecastSpec` (:mod:`multipolar.core.specs`).
"""

from multipolar.core.specs import ForecastSpec
from multipolar.forecast.origin import (
    FORECAST_INSTITUTIONS,
    MEMBERSHIP_COLUMNS,
    TARGET,
    ForecastEnsemble,
    ForecastSettings,
    Panel,
    check_coverage,
    forecast_records,
    load_for_origin,
    load_panel,
    origin_level,
    panel_for,
    prepare_model,
    run_forecast,
    starting_state,
    target_gap,
    world_panel,
)

__all__ = [
    "FORECAST_INSTITUTIONS",
    "MEMBERSHIP_COLUMNS",
    "TARGET",
    "ForecastEnsemble",
    "ForecastSettings",
    "ForecastSpec",
    "Panel",
    "check_coverage",
    "forecast_records",
    "load_for_origin",
    "load_panel",
    "origin_level",
    "panel_for",
    "prepare_model",
    "run_forecast",
    "starting_state",
    "target_gap",
    "world_panel",
]
