"""The pooled fit of Russia's and the US's own ideal points (``russia_standing``), closed form.

The pooled objective scores the relative alignment in the observed years, where Russia's and
the US's positions follow the record, so it cannot see the parameters that move them after the
record. They are fitted here, on the record of the two ideal points up to ``--until`` (the
compiled model's series, which stop there) and the scenario's dated uses of force up to it:

* ``us_noise``: the sd of the US's last :data:`WINDOW` yearly moves (a random walk);
* ``russia_noise``: the same for Russia, leaving out the years with a use of force;
* ``isolation``: the mean move of Russia away from the West (the US's ideal point; or the
  Assembly's centre, by the scenario's ``from_assembly``) in the years with a use of force;
  not identified without one.

The drifts (``russia_drift``, ``us_drift``) are reported with their standard errors but not
fitted: they stay 0 (a random walk). Through 2019 neither differs from 0, and with the
drifts fitted the world back-test's forecasts of Russia's own position from the early origins
carried the 1990s realignment forward (docs/explanation/world.md).

Each estimate comes with its standard error and is clipped to the parameter's declared
``standing`` search range (one home); a value at a bound is reported as decided by it.
Depends on NumPy and the model's declarations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from multipolar.model.mechanisms import search_ranges
from multipolar.model.mechanisms.alignment import POLE_SERIES, pole_columns
from multipolar.model.mechanisms.standing import RussiaStanding, away_sign

WINDOW = 15
"""Yearly moves of the record that give the drifts and the noise scales: the moves into the
years ``until - WINDOW + 1 .. until`` (for a fit through 2019 the moves 2004-05 to 2018-19,
after the 1990s realignment)."""

PARAMS = tuple(f"{RussiaStanding.name}.{q}" for q in ("isolation", "russia_noise", "us_noise"))
"""The parameters this fit sets (``mechanism.param``)."""
DRIFTS = tuple(f"{RussiaStanding.name}.{q}" for q in ("russia_drift", "us_drift"))
"""The drifts it reports (estimate and standard error) but leaves at 0."""

STANDING_PARAMETERS: dict[str, tuple[float, float]] = search_ranges("standing", PARAMS)
"""The parameters this fit sets with their declared ``standing`` ranges (estimates are clipped
to them; the pooled optimiser, which reads the ``pooled`` ranges, leaves them alone)."""


@dataclass
class StandingFit:
    """Fitted values, their standard errors and what decided them."""

    until: int
    values: dict[str, float] = field(default_factory=dict)
    stderr: dict[str, float] = field(default_factory=dict)
    drifts: dict[str, tuple[float, float]] = field(default_factory=dict)  # estimate, stderr
    notes: dict[str, str] = field(default_factory=dict)
    force_years: list[int] = field(default_factory=list)

    def report(self) -> dict[str, Any]:
        """The fit as a plain dict (for the calibration file)."""
        return {"method": f"closed form on Russia's and the US's ideal points, the last "
                          f"{WINDOW} yearly moves to {self.until}",
                "force_years": self.force_years,
                "values": {k: round(v, 6) for k, v in self.values.items()},
                "stderr": {k: round(v, 6) for k, v in self.stderr.items()},
                "drifts_not_fitted": {k: {"estimate": round(v[0], 6), "stderr": round(v[1], 6)}
                                      for k, v in self.drifts.items()},
                "notes": dict(self.notes)}


def _clip(fit: StandingFit, path: str, value: float, se: float) -> None:
    lo, hi = STANDING_PARAMETERS[path]
    got = float(np.clip(value, lo, hi))
    fit.values[path] = got
    fit.stderr[path] = float(se)
    if got != value:
        fit.notes[path] = (f"decided by the bound: the estimate {value:.4f} lies outside the "
                           f"search range {lo}-{hi}")


def fit_standing(model: Any, until: int) -> StandingFit:
    """Fit :data:`PARAMS` on the model's record up to ``until`` (module docstring).

    A parameter the record cannot identify (no ideal points, no use of force) is left out of
    ``values`` and explained in ``notes``.
    """
    fit = StandingFit(until)
    series = model.obs.get(POLE_SERIES)
    cols = pole_columns(model)
    years = np.asarray(model.years)
    if series is None or (cols < 0).any():
        for p in PARAMS:
            fit.notes[p] = "not identified: the scenario has no ideal points of Russia and the US"
        return fit
    ideal = np.asarray(series, dtype=np.float64)
    keep = (years <= until) & np.isfinite(ideal[:, cols]).all(axis=1)
    yrs, x = years[keep], ideal[keep]
    r, u = x[:, cols[0]], x[:, cols[1]]
    centre = np.nanmedian(x, axis=1)
    force = np.zeros(years.size, dtype=bool)
    events = (getattr(model, "event_arrays", None) or {}).get("use_of_force")
    if events is not None:
        force = np.asarray(events).sum(axis=1) > 0
    force_kept = force[keep]
    win = yrs >= yrs[-1] - WINDOW + 1 if yrs.size else yrs.astype(bool)
    moves = np.flatnonzero(win[1:] & (np.diff(yrs) == 1)) + 1  # index of the later year
    du, dr = np.diff(u, prepend=np.nan), np.diff(r, prepend=np.nan)
    if moves.size < 3:
        for p in PARAMS:
            fit.notes[p] = f"not identified: fewer than 3 yearly moves up to {until}"
        return fit
    n = moves.size
    sd_u = float(du[moves].std(ddof=1))
    fit.drifts[DRIFTS[1]] = (float(du[moves].mean()), float(sd_u / np.sqrt(n)))
    _clip(fit, PARAMS[2], sd_u, sd_u / np.sqrt(2 * (n - 1)))
    calm = moves[~force_kept[moves]]
    sd_r = float(dr[calm].std(ddof=1))
    fit.drifts[DRIFTS[0]] = (float(dr[calm].mean()), float(sd_r / np.sqrt(calm.size)))
    _clip(fit, PARAMS[1], sd_r, sd_r / np.sqrt(2 * (calm.size - 1)))
    hits = [i for i in np.flatnonzero(force_kept) if i > 0 and yrs[i] - yrs[i - 1] == 1]
    fit.force_years = [int(yrs[i]) for i in hits]
    if not hits:
        fit.notes[PARAMS[0]] = f"not identified: no use of force in the record up to {until}"
        return fit
    spec = model.params.get(f"{RussiaStanding.name}.from_assembly")
    w = float(spec.nominal) if spec is not None else RussiaStanding.defaults()["from_assembly"]
    away = np.array([away_sign(r[i - 1:i], u[i - 1:i], centre[i - 1:i], w)[0] for i in hits])
    step = float(np.mean(away * dr[hits]))
    _clip(fit, PARAMS[0], step, sd_r / np.sqrt(len(hits)))
    return fit
