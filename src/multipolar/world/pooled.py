"""Pooled calibration: the parameters shared across states, fitted on every state's data.

``multipolar calibrate russia-world --until Y --out FILE`` runs :func:`calibrate_pooled`. It
loads the world scenario blind after ``Y`` (:func:`multipolar.forecast.load_for_origin`: the
scenario's series stop at ``Y``, and its actor set is the UN members of ``Y``), compiles it for
1992..Y, and fits :data:`POOLED_PARAMETERS`, starting from the mechanisms' declared defaults
(not from the scenario's values, which are the fit through 2019), by the history objective of
:func:`multipolar.calibration.calibrate`: the mean absolute error between the ensemble median
and the observed UN voting alignment (Voeten's ideal points, ``rel_pos_ru0_us1`` of the bundled
global table) over every simulated state and year up to ``Y``. The observations are the
compiled model's own series, which stop at ``Y``, so nothing dated after ``Y`` reaches the fit.

The file is an ordinary calibration file (``overrides`` for the world scenario) with a
``transfer`` section: the fitted values of the mechanisms the neighbourhood shares with the
world (:data:`TRANSFER`). Another scenario that reads the file (``multipolar forecast
russia-neighbourhood --calibration FILE``) takes only those, so its parameters rest on some 190
states instead of 14; its own level (``alignment.base``) stays, because the level depends on
which other mechanisms add to the target.

Depends on NumPy, the model API and :mod:`multipolar.calibration`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
import yaml

from multipolar.calibration import CalibrationResult, Observed, calibrate, scenario_path
from multipolar.errors import InputError
from multipolar.model.compile import CompiledModel

FIRST_UNTIL, LAST_UNTIL = 2005, 2019
"""The years a pooled fit may end in (the bundled global data run 1992-2019)."""

FORCE_RESPONSE: dict[str, tuple[float, float]] = {
    "use_of_force.response_democracy": (0.02, 0.5),
    "use_of_force.response_alliance": (0.02, 0.5),
    "use_of_force.response_ties": (-0.5, 0.5),
    "use_of_force.response_near": (-0.5, 0.5),
}
"""How states answer a use of force (the shared ``use_of_force`` mechanism), learned from the
world's observed history (Georgia 2008, Ukraine 2014; only the events up to ``--until`` are
seen). The seeds say which way the democracies and the West's allies turn (away: the breach is
what they condemn), so those two lower bounds keep the answer on with the seeds' sign, as the
other pooled parameters' lower bounds do (the fit says how strong, the seeds say whether); ties
to Russia and nearness may take either sign. A fit with both signs open turns the democracies'
answer round, towards Russia (docs/explanation/world.md); one candidate reading, not tested
here, is that on the relative scale any move of the US itself away from the Assembly looks like
that."""

TRANSFER: dict[str, tuple[float, float]] = {
    "alignment.adjustment": (0.05, 0.9),
    "alignment.democracy_effect": (0.0, 1.0),
    "kindred_regimes.support": (0.02, 1.0),
    "patronage_networks.influence": (0.01, 0.6),
    **FORCE_RESPONSE,
}
"""Parameters of the mechanisms the world shares with the neighbourhood, with search bounds:
they mean the same in both scenarios and are handed over by the ``transfer`` section."""

POOLED_PARAMETERS: dict[str, tuple[float, float]] = {
    **TRANSFER,
    "alignment.base": (-0.9, 0.5),
    "western_normative_pull.effect": (0.05, 1.5),
    "interference_backlash.backlash": (0.0, 2.0),
    "sovereignty_norm.strength": (0.02, 1.0),
    "arms_and_energy.arms_effect": (0.02, 1.5),
    "arms_and_energy.trade_effect": (0.02, 3.0),
}
"""Parameters fitted by the pooled calibration. As in :data:`multipolar.calibration.FREE_PARAMETERS`
the lower bounds keep every mechanism the seeds describe switched on: the fit chooses how strong,
the theory says whether. China's cover (``china_backing.cover``) is not among them: no passage
carries it, so it is 0 by default and fitted only under the hypothesis that names it
(:data:`HYPOTHESIS_PARAMETERS`)."""

HYPOTHESIS_PARAMETERS: dict[str, dict[str, tuple[float, float]]] = {
    "china_votes_with_russia": {"china_backing.cover": (-1.0, 1.0)},
}
"""Parameters fitted as well when a named hypothesis is on (``--hypothesis NAME``): the rival
effect the hypothesis names. The bounds include 0 and the other sign, so the fit may find the
seeds' reading (no cover) or its opposite."""


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
    from multipolar.model.mechanisms import resolve

    out: dict[str, float] = {}
    for path in paths:
        mech, _, name = path.partition(".")
        for q in resolve(mech).params:
            if q.name == name:
                out[path] = float(q.default)
    return out


def check_until(until: int) -> None:
    """A located error unless ``FIRST_UNTIL <= until <= LAST_UNTIL``."""
    if not FIRST_UNTIL <= until <= LAST_UNTIL:
        raise InputError(f"--until {until} is outside {FIRST_UNTIL}-{LAST_UNTIL}",
                         field="--until",
                         fix=f"choose a year from {FIRST_UNTIL} to {LAST_UNTIL} (the global "
                             "data run 1992-2019)")


def calibrate_pooled(scenario: str = "russia-world", *, until: int = LAST_UNTIL,
                     members: int = 16, seed: int = 2013, maxiter: int = 300,
                     sets: list[str] | None = None, perspective: str | None = None,
                     hypothesis: str | None = None,
                     free: dict[str, tuple[float, float]] | None = None,
                     progress: Callable[[int, float], None] | None = None,
                     ) -> tuple[CalibrationResult, CompiledModel]:
    """Fit the pooled parameters on every state's alignment up to ``until`` (module docstring)."""
    from multipolar.forecast import load_for_origin

    check_until(until)
    loaded = load_for_origin(scenario, until, sets=sets, perspective=perspective,
                             hypothesis=hypothesis)
    if free is None:
        free = {**POOLED_PARAMETERS, **HYPOTHESIS_PARAMETERS.get(hypothesis or "", {})}
    free = dict(free)
    result, model = calibrate(loaded, until=until, free=free, members=members, seed=seed,
                              maxiter=maxiter, restarts=0, progress=progress,
                              observed=model_observations(until),
                              start_values=declared_defaults(list(free)))
    result.objective = "pooled"
    return result, model


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
                free: dict[str, tuple[float, float]] | None = None) -> str:
    """The calibration file of a pooled fit: the usual file plus the ``transfer`` section."""
    bounds = dict({**POOLED_PARAMETERS, **{k: v for h in HYPOTHESIS_PARAMETERS.values()
                                           for k, v in h.items()}}
                  if free is None else free)
    doc = yaml.safe_load(result.to_yaml(model))
    over = doc["overrides"]
    for k in result.values:
        if k in bounds:
            over[scenario_path(k)] = _within(over[scenario_path(k)], bounds[k][0])
    doc["transfer"] = {scenario_path(k): copy.deepcopy(over[scenario_path(k)])
                       for k in result.values if k in TRANSFER}
    doc["calibration"]["states"] = int(model.neighbours.sum())
    return yaml.safe_dump(doc, sort_keys=False, width=100)
