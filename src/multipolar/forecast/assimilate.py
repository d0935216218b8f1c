"""Start forecasts from the observed state: assimilate the years up to the origin.

The engine is left as it is; assimilation happens around it, in two steps.

1. **Parameters (a particle filter over the uncertain parameters).** ``particles`` members,
   each with its own draw of every uncertain parameter, are simulated over the ``window``
   observed years before the origin, starting from the observed state. Each member is weighted
   by its fit to the observed alignment of the neighbours in those years (Gaussian
   likelihood with the observation error). The likelihood is tempered (raised to the largest
   power in (0, 1] that keeps the effective sample size at ``ess_target`` of the particles),
   so a few lucky members do not take all the weight; then the forecast members are drawn by
   systematic resampling. Their parameters go into the forecast.
2. **State (re-centring on the observation).** The forecast starts at the observed level, and
   each member's starting point is moved by an observation error ``eps ~ N(0, sigma_obs)`` per
   neighbour. Alignment closes a share ``adjustment`` of its gap each year, so the shift is
   carried forward as ``eps * (1 - adjustment)^t``. The spread at the origin is thus the
   observation error, not the drift of a simulation started decades earlier.

The observation error :func:`observation_error` comes from the data: for a level observed with
independent noise, the lag-1 autocovariance of yearly changes is minus the noise variance.

Depends on NumPy, the model API (:func:`multipolar.model.engine.simulate`,
:func:`~multipolar.model.engine.sample_params`), :mod:`multipolar.core.rng` and
:mod:`multipolar.forecast.origin`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from multipolar.core import rng
from multipolar.forecast.origin import (
    ForecastEnsemble,
    ForecastSettings,
    Panel,
    origin_level,
    run_forecast,
)
from multipolar.model.compile import CompiledModel, compile_model
from multipolar.model.engine import sample_params, simulate
from multipolar.scenario.loader import LoadedScenario

OBS_ERROR_FLOOR = 0.005
"""Smallest observation error used (rel_pos units), for panels with almost no noise."""

_STREAM = 0x5A551
"""Random stream of assimilation draws (state noise, resampling offset); unused by the engine."""


def _seed(seed: int) -> np.random.SeedSequence:
    """The assimilation's own seed sequence, derived from the master seed."""
    return np.random.SeedSequence([int(seed), _STREAM])


def observation_error(panel: Panel, countries: list[str], until: int, window: int = 10) -> float:
    """Observation error (standard deviation) of the target, from years up to ``until``.

    Pooled over ``countries`` and the last ``window`` years: with ``d_t`` the yearly change,
    ``sigma^2 = -cov(d_t, d_{t-1})`` (zero or less means no detectable noise: the floor).
    """
    a: list[float] = []
    b: list[float] = []
    for c in countries:
        s = panel.alignment.get(c, {})
        for y in range(until - window + 1, until + 1):
            if all(k in s and math.isfinite(s[k]) for k in (y, y - 1, y - 2)):
                a.append(s[y] - s[y - 1])
                b.append(s[y - 1] - s[y - 2])
    if len(a) < 3:
        return OBS_ERROR_FLOOR
    x, z = np.array(a), np.array(b)
    cov = float(np.mean(x * z) - x.mean() * z.mean())
    return max(math.sqrt(max(-cov, 0.0)), OBS_ERROR_FLOOR)


@dataclass
class Assimilation:
    """Resampled parameters for the forecast members and how the filter went."""

    params: dict[str, np.ndarray]
    sigma_obs: float
    ess: float
    temperature: float
    particles: int
    window: int

    def to_dict(self) -> dict[str, Any]:
        """Summary for JSON output."""
        return {"sigma_obs": round(self.sigma_obs, 5), "ess": round(self.ess, 1),
                "temperature": round(self.temperature, 5), "particles": self.particles,
                "window": self.window}


def _ess(logw: np.ndarray) -> float:
    w = np.exp(logw - logw.max())
    return float(w.sum() ** 2 / np.sum(w * w))


def temper(loglik: np.ndarray, ess_target: float) -> float:
    """Largest ``beta`` in (0, 1] with ESS of ``exp(beta * loglik)`` >= ``ess_target``."""
    if _ess(loglik) >= ess_target:
        return 1.0
    lo, hi = 0.0, 1.0
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        if _ess(mid * loglik) >= ess_target:
            lo = mid
        else:
            hi = mid
    return lo


def systematic_resample(weights: np.ndarray, n: int, u0: float) -> np.ndarray:
    """Indices of ``n`` draws by systematic resampling with offset ``u0`` in [0, 1)."""
    c = np.cumsum(weights / weights.sum())
    c[-1] = 1.0
    return np.searchsorted(c, (np.arange(n) + u0) / n, side="right").clip(0, weights.size - 1)


def assimilate(loaded: LoadedScenario, panel: Panel, origin: int, members: int, seed: int,
               settings: ForecastSettings = ForecastSettings(), particles: int = 256,
               window: int = 5, ess_target: float = 0.5) -> Assimilation:
    """Weight ``particles`` parameter draws by their fit to the years before ``origin``.

    Only data up to ``origin`` are read (the panel is truncated). Returns parameters for
    ``members`` forecast members (module doc, step 1).
    """
    train = panel.truncated(origin)
    first = min(y for s in train.alignment.values() for y in s)
    start = max(origin - window, first, loaded.scenario.time.start)
    model = _window_model(loaded, start, origin, train, settings)
    countries = [a for j, a in enumerate(model.actors) if model.neighbours[j]]
    sigma = observation_error(train, countries, origin)
    keys = rng.member_keys(_seed(seed), 0, particles)
    p = sample_params(model, keys)
    if start >= origin:  # nothing to assimilate: resample uniformly
        loglik = np.zeros(particles)
    else:
        x = simulate(model, seed, 0, particles, params=p, keys=keys)
        xa = x.actor_outcomes["alignment"].astype(np.float64)
        obs = np.array([[train.value(a, int(y)) if model.neighbours[j] else np.nan
                         for j, a in enumerate(model.actors)] for y in model.years])
        obs[0] = np.nan
        z = np.where(np.isfinite(obs)[None], (xa - obs[None]) / sigma, 0.0)
        loglik = -0.5 * np.sum(z * z, axis=(1, 2))
    beta = temper(loglik, ess_target * particles)
    logw = beta * loglik
    w = np.exp(logw - logw.max())
    u0 = float(rng.uniform(rng.member_keys(_seed(seed), 0, 1), _STREAM, origin)[0])
    idx = systematic_resample(w, members, u0)
    return Assimilation({k: v[idx] for k, v in p.items()}, sigma, _ess(logw), beta,
                        particles, origin - start)


def _window_model(loaded: LoadedScenario, start: int, origin: int, train: Panel,
                  settings: ForecastSettings) -> CompiledModel:
    """The model over the observed window ``start..origin``, from the observed state at start.

    ``loaded`` observes data until ``origin`` (as :func:`multipolar.forecast.origin.load_for_origin`
    makes it), so memberships and other observed inputs inside the window are the data.
    """
    model = compile_model(loaded, start=start, end=origin)
    obs = dict(model.obs)
    level = np.array([origin_level(train.alignment.get(a, {}), start, settings.alpha)
                      for a in model.actors])
    obs["un_alignment_first"] = np.where(np.isfinite(level), level,
                                         obs.get("un_alignment_first", level))
    ua = obs["un_alignment"].copy()
    ua[0] = np.where(np.isfinite(level), level, ua[0])
    obs["un_alignment"] = ua
    return dataclasses.replace(model, obs=obs)


def recentre(ens: ForecastEnsemble, model: CompiledModel, assim: Assimilation, seed: int
             ) -> ForecastEnsemble:
    """Add each member's observation error at the origin, decaying with adjustment (step 2)."""
    n = ens.alignment.shape[0]
    keys = rng.member_keys(_seed(seed), 0, n)
    eps = assim.sigma_obs * rng.normal(keys, _STREAM, ens.origin, len(ens.actors))
    eps = eps * model.neighbours[None, :]
    adj = assim.params.get("alignment.adjustment", np.full(n, 0.3))[:n]
    t = np.arange(ens.years.size)
    decay = np.clip(1.0 - adj, 0.0, 1.0)[:, None] ** t[None, :]
    x = ens.alignment + eps[:, None, :] * decay[:, :, None]
    return ForecastEnsemble(ens.years, ens.actors, ens.institutions, x, ens.memberships,
                            ens.origin, ens.poles)


def origin_ensemble(model: CompiledModel, seed: int, members: int,
                    assim: Assimilation | None, spread: float = 1.0) -> ForecastEnsemble:
    """The model's members from the origin, as every forecast of the project makes them.

    With ``assim`` (:func:`assimilate`) the members take the filter's resampled parameters
    and the origin state carries the observation error (:func:`recentre`); without, the
    members' own parameter draws from the observed state. ``multipolar forecast``, the
    back-tests (:func:`multipolar.forecast.pipeline.forecast_ensemble`) and the training
    forecasts the stacking weights and the anchor are fitted on
    (:func:`multipolar.calibrate.anchor.fit_anchor`) all call this one function, so the
    forecasts that train the weights are the forecasts the weights are applied to.
    """
    if assim is None:
        return run_forecast(model, seed, members, spread=spread)
    ens = run_forecast(model, seed, members, params=assim.params, spread=spread)
    return recentre(ens, model, assim, seed)
