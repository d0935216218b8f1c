"""The neighbourhood calibration's training forecasts are the forecast pipeline's.

The spread, the anchor and the stacking weights of ``calibrate --objective forecast`` are
fitted on training forecasts; they are applied to ``multipolar forecast``'s, which is
assimilated. A test that fails if the two paths diverge again.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from multipolar.calibrate.history import _origin_forecast, _Training
from multipolar.forecast.origin import ForecastSettings, load_panel
from multipolar.forecast.pipeline import forecast_ensemble


@pytest.mark.parametrize("assimilation", [True, False])
def test_the_calibrations_training_records_are_the_pipelines_forecast(
        assimilation: bool) -> None:
    panel = load_panel(None).truncated(2010)
    origin, anchor = 2007, 0.5
    tr = _Training("russia-neighbourhood", panel, [origin], 2010, 3, 5, 8, 1.0, "blind",
                   None, None, None, assimilation)
    _errs, _ratios, records = _origin_forecast(origin, tr=tr, anchor=anchor, overrides=None)
    ens, nb, info = forecast_ensemble(
        "russia-neighbourhood", panel.truncated(origin), origin, 2010, overrides=None,
        settings=ForecastSettings(alpha=1.0, anchor=anchor, exogenous="blind"), seed=5,
        members=8, calib_members=8, assimilation=assimilation)
    assert (info.assimilation is not None) == assimilation
    med = np.median(ens.alignment[:, 1:], axis=0)
    want = [(origin, int(y) - origin, med[t, j], panel.value(a, origin), panel.value(a, int(y)))
            for t, y in enumerate(ens.years[1:]) for j, a in enumerate(ens.actors)
            if nb[j] and np.isfinite(panel.value(a, int(y)))]
    assert len(want) > 20 and [r[:2] for r in records] == [r[:2] for r in want]
    assert np.allclose(np.array([r[2:] for r in records]), np.array([r[2:] for r in want]),
                       rtol=0.0, atol=1e-12, equal_nan=True)
    # assimilated and raw training forecasts differ: the records follow the flag
    other = _origin_forecast(origin, tr=dataclasses.replace(tr, assimilation=not assimilation),
                             anchor=anchor, overrides=None)[2]
    assert not np.allclose([r[2] for r in records], [r[2] for r in other])
