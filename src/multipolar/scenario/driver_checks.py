"""Value checks on exogenous drivers that must stay positive (e.g. the oil price).

A driver is *positive* when its name or unit says it is a price (``oil_price``, ``USD per
barrel``) or when the scenario gives its future a positive ``floor``. Such a driver may not
take a value at or below zero anywhere: not as a ``constant``, not in an inline ``series``,
not as the fixed ``level`` (or the lower end of an uncertain one) of its future path, and not
through ``--set`` (``--set oil_price=-5``). Problems are located at the ``--set`` item when one
set the value, otherwise at the line of the scenario file.

Depends on the scenario schema and :mod:`multipolar.core.errors` only.
"""

from __future__ import annotations

from typing import Any

from multipolar.core.errors import Problem, ScenarioError
from multipolar.scenario.schema import Driver, Param, Scenario, Series

_PRICE_WORDS = ("price", "per barrel", "usd per", "dollars per")


def is_positive_driver(name: str, drv: Driver) -> bool:
    """Whether ``drv`` must stay above zero (see the module docstring)."""
    words = f"{name} {drv.unit or ''}".lower().replace("_", " ")
    floor = drv.future.floor
    return any(w in words for w in _PRICE_WORDS) or (floor is not None and floor > 0)


def _set_target(path: str, names: set[str]) -> str | None:
    """The driver a ``--set`` path writes to, if it is one of ``names``."""
    parts = path.split(".")
    if parts[0] == "drivers" and len(parts) > 1:
        parts = parts[1:]
    return parts[0] if parts and parts[0] in names else None


def _low_end(value: Any) -> float | None:
    """The smallest value a fixed number or a parameter can take (None: not numeric)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, Param):
        cands = [v for v in (value.value, value.low, value.mode, value.mean) if v is not None]
        cands += list(value.values or [])
        return min(cands) if cands else None
    return None


def driver_value_problems(sc: Scenario, src: Any,
                          sets: dict[str, Any] | None = None) -> list[Problem]:
    """Every non-positive value of a positive driver of ``sc`` (empty when all is well)."""
    positive = {n for n, d in sc.drivers.items() if is_positive_driver(n, d)}
    out: list[Problem] = []
    set_by_user: set[str] = set()
    for path, value in (sets or {}).items():
        name = _set_target(str(path), positive)
        if name is None:
            continue
        set_by_user.add(name)
        low = _low_end(value) if not isinstance(value, dict) else None
        if low is not None and low <= 0:
            out.append(Problem(f"{name} must be above zero, got {value}", file="--set",
                               field=f"{path}={value}",
                               fix=f"give a positive value, e.g. --set {name}=30"))
    for name in sorted(positive - set_by_user):
        drv = sc.drivers[name]
        unit = f" ({drv.unit})" if drv.unit else ""
        fix = f"{name} is a positive quantity{unit}: use values above zero"
        if drv.constant is not None and drv.constant <= 0:
            out.append(src.problem(("drivers", name, "constant"),
                                   f"{name} must be above zero, got {drv.constant:g}", fix))
        if isinstance(drv.past, Series) and drv.past.series:
            for year, v in sorted(drv.past.series.items()):
                if v <= 0:
                    out.append(src.problem(("drivers", name, "past", "series", year),
                                           f"{name} in {year} must be above zero, got {v:g}",
                                           fix))
        low = _low_end(drv.future.level)
        if low is not None and low <= 0:
            out.append(src.problem(("drivers", name, "future", "level"),
                                   f"the future level of {name} must be above zero "
                                   f"(its lowest value is {low:g})", fix))
    return out


def check_driver_values(sc: Scenario, src: Any, sets: dict[str, Any] | None = None) -> None:
    """Raise a located :class:`ScenarioError` listing :func:`driver_value_problems`."""
    problems = driver_value_problems(sc, src, sets)
    if problems:
        raise ScenarioError(problems=problems, title="a driver has an impossible value")
