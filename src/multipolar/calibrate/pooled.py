"""Pooled calibration: the parameters shared across states, fitted on every state's data.

``multipolar calibrate russia-world --until Y --out FILE`` runs :func:`calibrate_pooled`. It
loads the world scenario blind after ``Y`` (:func:`multipolar.forecast.origin.load_for_origin`: the
scenario's series stop at ``Y``, and its actor set is the UN members of ``Y``), compiles it for
1992..Y, and fits :data:`POOLED_PARAMETERS`, starting from the mechanisms' declared defaults
(not from the scenario's values, which are the fit through 2019), by the history objective of
:func:`multipolar.calibrate.history.calibrate`: the mean absolute error between the ensemble median
and the observed UN voting alignment (Voeten's ideal points, ``rel_pos_ru0_us1`` of the bundled
global table) over every simulated state and year up to ``Y``. The observations are the
compiled model's own series, which stop at ``Y``, so nothing dated after ``Y`` reaches the fit.

The file is an ordinary calibration file (``overrides`` for the world scenario) with a
``transfer`` section: the fitted values of the mechanisms the neighbourhood shares with the
world (:data:`TRANSFER`). Another scenario that reads the file (``multipolar forecast
russia-neighbourhood --calibration FILE``) takes only those, so its parameters rest on some 190
states instead of 14; its own level (``alignment.base``) stays, because the level depends on
which other mechanisms add to the target.

The parameters and their search ranges are read from the declarations (``Param.search``), and
:func:`identify_pooled` reports how well the fit identifies each one (its profile,
:mod:`multipolar.calibrate.identify`), which the file and ``calibrate --json`` carry.

Depends on NumPy, the model API and :mod:`multipolar.calibrate.history`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from multipolar.calibrate.history import (
    CalibrationResult,
    HistoryObjective,
    Observed,
    calibrate,
    scenario_path,
)
from multipolar.calibrate.identify import (
    PROFILE_POINTS,
    REFIT_MAXITER,
    Identification,
    profile,
)
from multipolar.core.errors import InputError
from multipolar.core.specs import PooledSpec
from multipolar.datasets.follow import last_year
from multipolar.forecast.origin import load_for_origin
from multipolar.model.compile import CompiledModel
from multipolar.model.mechanisms import Param, declared_params, resolve, search_ranges

FIRST_UNTIL, LAST_UNTIL = 2005, 2019
"""The years a pooled fit may end in (the bundled global data run 1992-2019)."""

def _declared_pooled() -> dict[str, Param]:
    """Every declared parameter with a ``pooled`` search range, in declaration order."""
    return {path: p for path, p in declared_params().items() if "pooled" in p.search}


def pooled_parameters() -> dict[str, tuple[float, float]]:
    """Every parameter the pooled calibration may fit, with its search range.

    Read now from the declarations (:data:`POOLED_PARAMETERS` says more).
    """
    return search_ranges("pooled", _declared_pooled())


def hypothesis_parameters() -> dict[str, tuple[str, ...]]:
    """``{hypothesis: parameters}`` fitted only under that hypothesis.

    Read now from the declarations (``Param.hypothesis``; :data:`HYPOTHESIS_PARAMETERS` says
    more).
    """
    declared = _declared_pooled()
    names = dict.fromkeys(p.hypothesis for p in declared.values() if p.hypothesis)
    return {h: tuple(k for k, p in declared.items() if p.hypothesis == h) for h in names}


POOLED_PARAMETERS: dict[str, tuple[float, float]] = pooled_parameters()
"""Every parameter the pooled calibration may fit, with its search range: the parameters
whose declaration (``Param(search={"pooled": (low, high)})`` in
:mod:`multipolar.model.mechanisms`) gives the pooled fit a range, read from there (one home:
a parameter joins the fit by declaring its range, and nothing here repeats it; the fit itself
reads the declarations when it runs, :func:`pooled_free`). As in
:data:`multipolar.calibrate.history.FREE_PARAMETERS` the lower bounds keep every mechanism the
seeds describe switched on: the fit chooses how strong, the theory says whether. A parameter
declared with a ``hypothesis`` (China's cover, ``china_backing.cover``: no passage carries it,
so it is 0 by default, and its range -1-1 holds the seeds' reading and both signs) is fitted
only under that hypothesis (:data:`HYPOTHESIS_PARAMETERS`)."""

HYPOTHESIS_PARAMETERS: dict[str, tuple[str, ...]] = hypothesis_parameters()
"""Parameters fitted only when a named hypothesis is on (``--hypothesis NAME``), read from
their declarations (``Param.hypothesis``): the rival effect the hypothesis names; without it
they stay at the scenario's value."""

FORCE_RESPONSE: dict[str, tuple[float, float]] = search_ranges("pooled", (
    "use_of_force.response_democracy",
    "use_of_force.response_alliance",
    "use_of_force.response_ties",
    "use_of_force.response_near",
))
"""How states answer a use of force (the shared ``use_of_force`` mechanism), learned from the
world's observed history (Georgia 2008, Ukraine 2014; only the events up to ``--until`` are
seen). The seeds say which way the democracies and the West's allies turn (away: the breach is
what they condemn), so their declared ranges (0.02-0.5) keep the answer on with the seeds'
sign, as the other pooled parameters' lower bounds do (the fit says how strong, the seeds say
whether); ties to Russia and nearness may take either sign (-0.5-0.5). A fit with both signs
open turns the democracies' answer round, towards Russia (docs/explanation/world.md); one
candidate reading, not tested here, is that on the relative scale any move of the US itself
away from the Assembly looks like that."""

TRANSFER: dict[str, tuple[float, float]] = {**search_ranges("pooled", (
    "alignment.adjustment",
    "alignment.democracy_effect",
    "kindred_regimes.support",
    "patronage_networks.influence",
)), **FORCE_RESPONSE}
"""Parameters of the mechanisms the world shares with the neighbourhood, with their declared
search ranges: they mean the same in both scenarios and are handed over by the ``transfer``
section. (The names say which mechanisms are shared; the ranges are the declarations'.)"""


def pooled_free(hypothesis: str | None) -> dict[str, tuple[float, float]]:
    """The parameters a pooled fit under ``hypothesis`` searches, with their declared ranges.

    Read from the declarations when called.
    """
    by_hypothesis = hypothesis_parameters()
    only = {k for names in by_hypothesis.values() for k in names}
    mine = set(by_hypothesis.get(hypothesis or "", ()))
    return {k: v for k, v in pooled_parameters().items() if k not in only or k in mine}


def model_observations(until: int) -> Callable[[CompiledModel], Observed]:
    """Observed alignment of every simulated state up to ``until``, from the model's series."""

    def observed(model: CompiledModel) -> Observed:
        arr = np.asarray(model.obs["un_alignment"], dtype=np.float64)
        mask = np.isfinite(arr) & model.neighbours[None, :]
        mask[0] = False  # the first year is the initial condition
        mask &= (model.years <= until)[:, None]
        if not mask.any():
            raise InputError(f"no observed alignment up to {until}", field="--until",
                             fix=f"choose --until from {FIRST_UNTIL} to {LAST_UNTIL}")
        return Observed(model.years, arr, mask)

    return observed


def declared_defaults(paths: list[str]) -> dict[str, float]:
    """The defaults the mechanisms declare for ``paths`` (``mechanism.param``).

    The search starts there rather than at the scenario's values, which are themselves a fit
    through 2019: a fit through an earlier year must not start from what later data taught.
    """
    out: dict[str, float] = {}
    for path in paths:
        mech, _, name = path.partition(".")
        for q in resolve(mech).params:
            if q.name == name:
                out[path] = float(q.default)
    return out


def last_until() -> int:
    """The latest year a pooled fit may end in.

    The active data set's last ideal-point year (:data:`LAST_UNTIL` for the bundled data).
    """
    return last_year(("idealpoints",))


def check_until(until: int) -> None:
    """A located error unless ``FIRST_UNTIL <= until <= last_until()``."""
    last = last_until()
    if not FIRST_UNTIL <= until <= last:
        raise InputError(f"--until {until} is outside {FIRST_UNTIL}-{last}",
                         field="--until",
                         fix=f"choose a year from {FIRST_UNTIL} to {last} (the global "
                             f"data run 1992-{last})")


def calibrate_pooled(spec: PooledSpec | str | Path = "russia-world", *,
                     progress: Callable[[int, float], None] | None = None,
                     starts: int = 1, evaluator: Any = None,
                     **options: Any) -> tuple[CalibrationResult, CompiledModel]:
    """Fit the pooled parameters on every state's alignment up to ``until`` (module docstring).

    ``starts`` > 1 runs parallel restarts from more points in the bounds, mapped over
    ``evaluator`` (:func:`multipolar.calibrate.history.calibrate`); the fit does not depend on
    the executor.

    ``spec`` is a :class:`~multipolar.core.specs.PooledSpec`, or (the keyword form) the
    scenario with the spec's fields as keywords (``until``, ``members``, ``seed``, ``maxiter``,
    ``sets``, ``perspective``, ``hypothesis``, ``free``). ``free`` names the parameters to fit
    (default :func:`pooled_free`); their ranges are always their declarations'
    (:data:`POOLED_PARAMETERS`), and a name without a declared pooled range is an error.
    """
    spec = PooledSpec.of(spec, **options)
    scenario, members, seed, maxiter = spec.scenario, spec.members, spec.seed, spec.maxiter
    sets, perspective, hypothesis = spec.sets, spec.perspective, spec.hypothesis
    until = LAST_UNTIL if spec.until is None else spec.until
    check_until(until)
    loaded = load_for_origin(scenario, until, sets=sets, perspective=perspective,
                             hypothesis=hypothesis)
    names = list(pooled_free(hypothesis) if spec.free is None else spec.free)
    free = search_ranges("pooled", names)
    result, model = calibrate(loaded, until=until, free=free, members=members, seed=seed,
                              maxiter=maxiter, restarts=0, progress=progress,
                              observed=model_observations(until),
                              start_values=declared_defaults(list(free)), starts=starts,
                              evaluator=evaluator)
    result.objective = "pooled"
    return result, model


def identify_pooled(result: CalibrationResult, model: CompiledModel, *,
                    method: str = "fixed", points: int = PROFILE_POINTS,
                    refit_maxiter: int = REFIT_MAXITER,
                    progress: Callable[[int], None] | None = None) -> Identification:
    """How well the pooled fit ``result`` identifies each parameter (its profiles).

    The objective is the fit's own (the same compiled model, observations, members and common
    random numbers), so the profile passes through the fitted MAE;
    :mod:`multipolar.calibrate.identify` says how the profiles are read.
    """
    names = list(result.values)
    free = search_ranges("pooled", names)
    fit = HistoryObjective(model, model_observations(result.until)(model), names,
                           np.array([free[k][0] for k in names]),
                           np.array([free[k][1] for k in names]), result.members, result.seed)
    best = np.array([result.values[k] for k in names])
    return profile(fit, best, method=method, points=points, refit_maxiter=refit_maxiter,
                   progress=progress)


def _within(value: Any, low: float) -> Any:
    """A re-centred uniform override narrowed so that no member falls below ``low``.

    The spread of an uncertain parameter is kept around the fitted value, but never so wide
    that some members would turn the mechanism round (a negative strength).
    """
    if not (isinstance(value, dict) and value.get("dist") == "uniform"):
        return value
    mid = (value["low"] + value["high"]) / 2
    half = min((value["high"] - value["low"]) / 2, mid - low)
    if half <= 1e-6:
        return round(mid, 6)
    return {"dist": "uniform", "low": round(mid - half, 6), "high": round(mid + half, 6)}


def pooled_yaml(result: CalibrationResult, model: CompiledModel,
                identification: Identification | None = None) -> str:
    """The calibration file of a pooled fit: the usual file plus the ``transfer`` section.

    With ``identification`` (:func:`identify_pooled`) the file also holds it
    (``identification``: method, tolerance and each parameter's profile and status).
    """
    bounds = pooled_parameters()
    doc = yaml.safe_load(result.to_yaml(model))
    over = doc["overrides"]
    for k in result.values:
        if k in bounds:
            over[scenario_path(k)] = _within(over[scenario_path(k)], bounds[k][0])
    doc["transfer"] = {scenario_path(k): copy.deepcopy(over[scenario_path(k)])
                       for k in result.values if k in TRANSFER}
    doc["calibration"]["states"] = int(model.neighbours.sum())
    if identification is not None:
        doc["identification"] = identification.to_dict()
    return yaml.safe_dump(doc, sort_keys=False, width=100)
