"""The forecast calibration that ships beside a scenario, and when a forecast may use it.

A scenario folder may hold :data:`BUNDLED_FILE`: a calibration file written by
``multipolar calibrate SCENARIO --until Y --out FILE`` (fitted parameters, interval spread,
anchor and stacking weights). ``multipolar forecast`` uses it when no ``--calibration`` is given,
so that a new user's first forecast is the combined one the back-tests recommend rather than
the model alone, **but only when the fit ends before the forecast starts**: a forecast from an
origin ``o`` may use a fit through ``Y`` only if ``Y <= o`` (nothing after the origin). From an
earlier origin the file is hindsight and is left out, and the forecast says so.

Depends on PyYAML and :mod:`multipolar.scenario` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

BUNDLED_FILE = "forecast-calibration.yaml"
"""The name of the calibration file a scenario folder may ship."""


@dataclass(frozen=True)
class BundledChoice:
    """The calibration file a forecast takes (or None) and a sentence that says why."""

    path: Path | None
    until: int | None
    note: str


def bundled_file(scenario_path: Path) -> Path | None:
    """The calibration file beside a scenario file, if the scenario's folder ships one."""
    p = Path(scenario_path).parent / BUNDLED_FILE
    return p if p.is_file() else None


def fit_until(path: Path) -> int | None:
    """The last year of data a calibration file's fit used (``calibration.until``)."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    meta = doc.get("calibration") if isinstance(doc, dict) else None
    until = meta.get("until") if isinstance(meta, dict) else None
    return int(until) if isinstance(until, int) else None


def choose(scenario_path: Path, origin: int) -> BundledChoice:
    """Whether a forecast from ``origin`` may use the scenario's bundled calibration."""
    path = bundled_file(scenario_path)
    if path is None:
        return BundledChoice(None, None, "the scenario ships no calibration")
    until = fit_until(path)
    if until is None:
        return BundledChoice(None, None, f"{path.name} does not say the years it was fitted "
                                         "on (calibration.until), so it is not used")
    if until > origin:
        return BundledChoice(None, until, f"the bundled calibration (fitted through {until}) "
                                          f"is not used: it ends after the origin {origin}, "
                                          "and a forecast may use nothing after its origin")
    return BundledChoice(path, until, f"the bundled calibration, fitted on the years up to "
                                      f"{until}")
