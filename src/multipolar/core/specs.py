"""What a workflow is asked to do, as one typed object, and the run defaults (one home).

The workflows that take many options take one of these frozen specs instead (or the same
options as keywords, which build the spec): :class:`ForecastSpec` for
:func:`multipolar.forecast.pipeline.forecast_ensemble`, :class:`CalibrationSpec` for
:func:`multipolar.calibrate.history.calibrate_forecast`, :class:`PooledSpec` for
:func:`multipolar.calibrate.pooled.calibrate_pooled` and :class:`BacktestSpec` for
:func:`multipolar.backtest.harness.model_run` (and the back-tests built on it). The command
line takes its option defaults from here, the dashboard its form defaults, the library its
keyword defaults: a default number of members or a seed is written once.

They live in the ground, with no NumPy, so that the command line can read the defaults
without loading a workflow (start-up); each workflow package re-exports its own.
Depends on the standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

DEFAULT_SCENARIO = "russia-neighbourhood"
"""The scenario a workflow runs when none is named."""
WORLD_SCENARIO = "russia-world"
"""The scenario of the pooled world fit."""

RUN_MEMBERS = 2000
"""Members of an ensemble run (``multipolar run``, :class:`multipolar.ensemble.RunSpec`)."""
RUN_EXECUTOR = "auto"
"""Where ``multipolar run`` simulates by default: ``auto`` chooses worker processes on a
machine with at least two usable cores for a run of at least :data:`AUTO_PROCESSES_MEMBERS`
members, this process otherwise (:func:`multipolar.ensemble.evaluators.auto_executor`)."""
AUTO_PROCESSES_MEMBERS = 1000
"""Fewest members for which ``--executor auto`` starts worker processes: below it the
simulation (about 0.1 s per 500 members of the neighbourhood) costs less than what processes
add (starting them, shipping the model, each chunk's files through the store)."""
RUN_SEED = 7
"""Master seed of an ensemble run, a forecast and an exploration."""
DASHBOARD_MEMBERS = 500
"""Members of a dashboard run (smaller than a CLI run: it answers while one waits)."""
FORECAST_TO = 2030
"""Last forecast year of ``multipolar forecast``."""
CALIBRATION_SEED = 2013
"""Master seed of every fit (common random numbers make the objective deterministic)."""
CALIBRATION_MEMBERS = 64
"""Members per objective evaluation of a fit on one scenario's history."""
POOLED_MEMBERS = 16
"""Members per objective evaluation of the pooled world fit (193 states: fewer members)."""
MAXITER = 300
"""Most objective evaluations of a fit."""
PROFILE_POINTS = 9
"""Grid points across each parameter's search range in the pooled fit's identification
report (both ends included; the fitted value is added): :mod:`multipolar.calibrate.identify`."""
WINDOW = 10
"""Training origins of a forecast calibration: the years before ``until``."""
BACKTEST_MEMBERS = 500
"""Members of each back-test forecast."""

_S = TypeVar("_S")


def _of(cls: type[_S], spec: Any, options: dict[str, Any]) -> _S:
    """``spec`` (with ``options`` replaced) or, in the keyword form, a new spec of ``cls``."""
    if isinstance(spec, cls):
        return replace(spec, **options) if options else spec  # type: ignore[type-var]
    return cls(scenario=spec, **options)  # type: ignore[call-arg]


@dataclass(frozen=True)
class ForecastSpec:
    """A forecast ensemble from an origin year: what the user chooses (module doc).

    ``origin``/``end``: the forecast's years ``origin..end`` (the panel must be cut at the
    origin); ``assimilation`` resamples members on the years before the origin; ``events``
    (:class:`multipolar.scenario.schema.Event`) condition the forecast; ``calib_members``
    members per evaluation where the forecast fits a level (the origin's state).
    """

    scenario: str | Path
    origin: int
    end: int
    seed: int = RUN_SEED
    members: int = RUN_MEMBERS
    sets: list[str] | None = None
    perspective: str | None = None
    hypothesis: str | None = None
    events: list[Any] | None = None
    assimilation: bool = True
    calib_members: int = CALIBRATION_MEMBERS

    @classmethod
    def of(cls, spec: ForecastSpec | str | Path, **options: Any) -> ForecastSpec:
        """``spec`` itself, or the spec the keyword form names (``scenario`` first)."""
        return _of(cls, spec, options)


@dataclass(frozen=True)
class CalibrationSpec:
    """A forecast calibration: fit the free parameters to forecasts inside the training years.

    See :func:`multipolar.calibrate.history.calibrate_forecast` for the steps; ``free`` maps
    parameter paths to search ranges (default: the declared ``history`` ranges),
    ``horizon`` (default: :data:`multipolar.calibrate.history.FORECAST_HORIZON`) the years
    tested after each training origin; ``assimilation`` is the forecast's own (its training
    forecasts, which fit the spread, the anchor and the stacking weights, are assimilated as
    the forecast they serve).
    """

    scenario: str | Path
    until: int
    free: dict[str, tuple[float, float]] | None = None
    members: int = CALIBRATION_MEMBERS
    seed: int = CALIBRATION_SEED
    maxiter: int = MAXITER
    window: int = WINDOW
    horizon: int | None = None
    sets: list[str] | dict[str, Any] | None = None
    perspective: str | None = None
    hypothesis: str | None = None
    anchor: float | None = 0.0
    exogenous: str = "blind"
    prefit: int = 0
    assimilation: bool = True

    @classmethod
    def of(cls, spec: CalibrationSpec | str | Path, **options: Any) -> CalibrationSpec:
        """``spec`` itself, or the spec the keyword form names (``scenario`` first)."""
        return _of(cls, spec, options)


@dataclass(frozen=True)
class PooledSpec:
    """The pooled world fit: every state's alignment up to ``until``.

    ``until`` defaults to the last year the global data allow
    (:data:`multipolar.calibrate.pooled.LAST_UNTIL`). ``free`` names the parameters to fit
    (default: those the declarations give a pooled range); their ranges are the declarations'.
    """

    scenario: str | Path = WORLD_SCENARIO
    until: int | None = None
    members: int = POOLED_MEMBERS
    seed: int = CALIBRATION_SEED
    maxiter: int = MAXITER
    sets: list[str] | None = None
    perspective: str | None = None
    hypothesis: str | None = None
    free: tuple[str, ...] | None = None

    @classmethod
    def of(cls, spec: PooledSpec | str | Path, **options: Any) -> PooledSpec:
        """``spec`` itself, or the spec the keyword form names (``scenario`` first)."""
        return _of(cls, spec, options)


@dataclass(frozen=True)
class BacktestSpec:
    """A back-test run from one origin: calibrate on the years up to it, forecast after.

    ``members`` of the forecast, ``calib_members`` per calibration evaluation; ``anchor``
    ``None`` lets the calibration choose it; ``prefit`` > 0 starts the search from a history
    fit on the training years; ``events`` condition the forecast, never the calibration.
    """

    scenario: str | Path = DEFAULT_SCENARIO
    members: int = BACKTEST_MEMBERS
    calib_members: int = CALIBRATION_MEMBERS
    seed: int = CALIBRATION_SEED
    maxiter: int = MAXITER
    window: int = WINDOW
    exogenous: str = "blind"
    sets: list[str] | None = None
    perspective: str | None = None
    hypothesis: str | None = None
    free: dict[str, tuple[float, float]] | None = None
    assimilation: bool = True
    events: list[Any] | None = None
    anchor: float | None = None
    prefit: int = 0

    @classmethod
    def of(cls, spec: BacktestSpec | str | Path | None = None, **options: Any) -> BacktestSpec:
        """``spec`` itself, or the spec the keyword form names (``None``: the defaults)."""
        if spec is None:
            return cls(**options)
        return _of(cls, spec, options)

    def calibration(self, origin: int, horizon: int) -> CalibrationSpec:
        """The calibration on the years up to ``origin``."""
        return CalibrationSpec(
            self.scenario, until=origin, free=self.free, members=self.calib_members,
            seed=self.seed, maxiter=self.maxiter, window=self.window, horizon=horizon,
            sets=self.sets, perspective=self.perspective, hypothesis=self.hypothesis,
            anchor=self.anchor, exogenous=self.exogenous, prefit=self.prefit,
            assimilation=self.assimilation)

    def forecast(self, origin: int, end: int) -> ForecastSpec:
        """The forecast ensemble of years ``origin..end``."""
        return ForecastSpec(
            self.scenario, origin, end, seed=self.seed, members=self.members, sets=self.sets,
            perspective=self.perspective, hypothesis=self.hypothesis, events=self.events,
            assimilation=self.assimilation, calib_members=self.calib_members)
