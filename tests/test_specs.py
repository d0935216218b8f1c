"""Workflow specs (issue 22): one typed object per workflow, its defaults the only ones.

The spec form and the keyword form of a workflow give the same result; the command line and
the dashboard take their defaults from the specs.
"""

from __future__ import annotations

import inspect
from dataclasses import fields

import numpy as np
import pytest

from multipolar.core.specs import (
    BacktestSpec,
    CalibrationSpec,
    ForecastSpec,
)
from multipolar.forecast.origin import ForecastSettings, load_panel
from multipolar.forecast.pipeline import forecast_ensemble


def test_the_spec_and_the_keyword_form_give_the_same_forecast() -> None:
    train = load_panel().truncated(2008)
    kw = {"overrides": None, "settings": ForecastSettings()}
    a, nb_a, _ = forecast_ensemble("russia-neighbourhood", train, 2008, 2010, seed=4,
                                   members=24, assimilation=False, **kw)
    spec = ForecastSpec("russia-neighbourhood", 2008, 2010, seed=4, members=24,
                        assimilation=False)
    b, nb_b, _ = forecast_ensemble(spec, train, **kw)
    assert np.array_equal(a.alignment, b.alignment) and np.array_equal(nb_a, nb_b)
    c, _, _ = forecast_ensemble(spec, train, seed=5, **kw)  # a keyword replaces a field
    assert not np.array_equal(a.alignment, c.alignment)


def test_a_keyword_that_is_no_field_of_the_spec_is_refused() -> None:
    with pytest.raises(TypeError, match="membrs"):
        CalibrationSpec.of("russia-neighbourhood", until=2010, membrs=3)


def test_a_back_test_spec_hands_its_fields_to_the_calibration_and_the_forecast() -> None:
    spec = BacktestSpec("s", members=7, calib_members=3, seed=11, maxiter=9, window=4,
                        exogenous="known", sets=["a=1"], perspective="p", anchor=0.5,
                        prefit=2, assimilation=False)
    cal = spec.calibration(2010, 6)
    assert (cal.scenario, cal.until, cal.members, cal.seed, cal.maxiter, cal.window,
            cal.horizon, cal.exogenous, cal.sets, cal.perspective, cal.anchor, cal.prefit) == (
        "s", 2010, 3, 11, 9, 4, 6, "known", ["a=1"], "p", 0.5, 2)
    fc = spec.forecast(2010, 2014)
    assert (fc.origin, fc.end, fc.members, fc.seed, fc.calib_members, fc.assimilation) == (
        2010, 2014, 7, 11, 3, False)


@pytest.mark.parametrize(("module", "command", "spec", "options"), [
    ("calibrate_cmds", "calibrate", CalibrationSpec, ("members", "seed", "maxiter")),
    ("calibrate_cmds", "forecast", ForecastSpec, ("members", "seed")),
    # backtest's members, calib_members and maxiter default to None and are filled per
    # scenario (the neighbourhood from BacktestSpec's defaults, the world from smaller ones)
    ("calibrate_cmds", "backtest", BacktestSpec, ("seed",)),
])
def test_the_command_line_defaults_are_the_specs(module: str, command: str, spec: type,
                                                 options: tuple[str, ...]) -> None:
    import importlib

    import typer

    fn = getattr(importlib.import_module(f"multipolar.cli.{module}"), command)
    params = inspect.signature(fn).parameters
    defaults = {f.name: f.default for f in fields(spec)}
    for name in options:
        d = params[name].default
        d = d.default if isinstance(d, typer.models.OptionInfo) else d
        assert d == defaults[name], (command, name)


def test_the_run_defaults_are_shared_by_the_library_the_command_line_and_the_dashboard() -> None:
    from multipolar.cli.run_cmds import run
    from multipolar.ensemble import RunSpec
    from multipolar.web.schemas import RunRequest
    from multipolar.web.settings import Settings

    params = inspect.signature(run).parameters
    assert (params["members"].default, params["seed"].default) == (RunSpec().members,
                                                                   RunSpec().seed)
    assert RunRequest.model_fields["seed"].default == RunSpec().seed
    assert RunRequest.model_fields["members"].default == Settings().default_members
