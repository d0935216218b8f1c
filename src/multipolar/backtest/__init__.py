"""Back-tests: calibrate on years up to an origin, forecast the years after, score the result.

* :mod:`multipolar.backtest.scoring`: proper scores (MAE of the median, interval coverage, the
  ensemble CRPS, the Brier score), pure functions on arrays.
* :mod:`multipolar.backtest.baselines`: persistence, mean of the last three years and linear
  trend, each with empirical intervals from its own errors inside the training years.
* :mod:`multipolar.backtest.harness`: :func:`backtest` (one origin) and
  :func:`rolling_backtest` (several), their JSON, tables and pictures.

A back-test run's options are one :class:`BacktestSpec` (:mod:`multipolar.core.specs`).
Depends on NumPy, :mod:`multipolar.forecast.origin` and :mod:`multipolar.calibrate.history`.
"""

from multipolar.backtest.baselines import BASELINES, baseline_forecast
from multipolar.backtest.harness import BacktestResult, backtest, rolling_backtest
from multipolar.backtest.scoring import brier, coverage, crps_ensemble, mae
from multipolar.core.specs import BacktestSpec

__all__ = ["BASELINES", "BacktestResult", "BacktestSpec", "backtest", "baseline_forecast",
           "brier", "coverage", "crps_ensemble", "mae", "rolling_backtest"]
