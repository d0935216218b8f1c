"""Calibrate the neighbourhood model's free parameters on observed UN voting alignment.

The procedure (documented in ``docs/explanation/calibration.md``):

1. Simulate ``members`` ensemble members from the first observed year to ``until`` with one
   fixed ``seed`` (common random numbers, so the objective is a deterministic function of the
   parameters).
2. Objective: mean absolute error between the ensemble **median** alignment and the observed
   ``rel_pos_ru0_us1`` of the fourteen neighbours, over every actor-year with data after the
   first simulated year. A small penalty keeps memberships close to history (Brier score of the
   membership probabilities, weight ``membership_weight``).
3. Search: bounded Nelder-Mead from the scenario's nominal values, restarted once from the best
   point (``restarts``); every evaluation is recorded.
4. Result: fitted values, per-actor MAE before and after, written as YAML overrides that
   ``--calibration`` (or ``--set``) applies. Uncertain parameters keep their spread: their
   distribution is re-centred on the fitted value.

Depends on NumPy, SciPy, PyYAML and the model API.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy import optimize

from multipolar.core.errors import InputError
from multipolar.core.specs import CalibrationSpec
from multipolar.data import column_by_actor_year
from multipolar.forecast.assimilate import Assimilation, assimilate, origin_ensemble
from multipolar.forecast.origin import (
    ForecastSettings,
    load_for_origin,
    origin_level,
    prepare_model,
)
from multipolar.forecast.stacking import StackRecords
from multipolar.model.anchor import anchor_grid
from multipolar.model.compile import CompiledModel, ParamSpec, compile_model
from multipolar.model.engine import simulate
from multipolar.model.mechanisms import search_ranges
from multipolar.scenario.loader import LoadedScenario

FREE_PARAMETERS: dict[str, tuple[float, float]] = search_ranges("history", (
    "alignment.base",
    "alignment.democracy_effect",
    "alignment.adjustment",
    "attraction.effect",
    "assertion.effect",
    "kindred_regimes.support",
    "eu_pull.effect",
    "institutions.anchor",
    "small_partner_leverage.independence_effect",
))
"""Model parameters fitted by default, with their search bounds (declared on each parameter:
``Param.search["history"]``, read by :func:`multipolar.model.mechanisms.search_ranges`).

The lower bounds keep every mechanism the seeds describe switched on with a noticeable
strength: calibration chooses *how strong*, the theory says *whether*. (Without them the
search trades mechanisms off against each other, e.g. the EU's pull for the China term, and the
pattern tests of the seeds' stylised facts would no longer hold.) The bounds of attraction
(0.08) and assertion (0.15) are the smallest strengths, to a margin, at which the pattern tests
``test_attraction_pulls_neighbours_and_builds_dependence`` and
``test_pressure_pushes_kindred_autocracies_away_too`` hold: fitted freely on 1992-2019 both
went to 0.05, where the seeds' patterns (C1_subsidies, D1_bully) vanish."""


@dataclass
class Observed:
    """Observed alignment (and memberships) as arrays aligned with a compiled model."""

    years: np.ndarray
    alignment: np.ndarray  # (T, A) NaN where unobserved
    mask: np.ndarray  # (T, A) bool: actor-years that count in the objective


def observed_alignment(model: CompiledModel, panel: Any = "actor_year_panel.csv",
                       column: str = "rel_pos_ru0_us1", until: int | None = None,
                       first_year: int | None = None) -> Observed:
    """Observed values of ``column`` for the model's neighbours and years up to ``until``.

    ``panel`` is a panel CSV (path or bundled name), or a loaded
    :class:`multipolar.forecast.origin.Panel` (its alignment series; ``column`` is then ignored).
    """
    table = (panel.alignment if hasattr(panel, "alignment")
             else column_by_actor_year(str(panel), column))
    years = model.years
    arr = np.full((years.size, len(model.actors)), np.nan)
    for j, a in enumerate(model.actors):
        for t, y in enumerate(years):
            v = table.get(a, {}).get(int(y))
            if v is not None:
                arr[t, j] = v
    mask = np.isfinite(arr) & model.neighbours[None, :]
    mask[0] = False  # the first year is the initial condition
    if until is not None:
        mask &= (years <= until)[:, None]
    if first_year is not None:
        mask &= (years >= first_year)[:, None]
    if not mask.any():
        raise InputError(f"no observed '{column}' values for the model's neighbours in "
                         f"{int(years[0])}-{int(years[-1])}", file=str(panel),
                         fix="check the panel's country names and years")
    return Observed(years, arr, mask)


@dataclass
class CalibrationResult:
    """Fitted parameters, the fit they give, and how the search went."""

    values: dict[str, float]
    start_values: dict[str, float]
    mae: float
    start_mae: float
    mae_by_actor: dict[str, float]
    start_mae_by_actor: dict[str, float]
    evaluations: int
    seconds: float
    seed: int
    members: int
    until: int
    scenario: str
    scenario_hash: str
    history: list[float] = field(default_factory=list)
    objective: str = "history"
    forecast: dict[str, Any] | None = None
    extra: dict[str, Any] | None = None
    """Further sections of the ``calibration`` block (e.g. the pooled fit's ``standing``)."""

    def overrides(self, model: CompiledModel) -> dict[str, Any]:
        """Scenario-path overrides (``--set`` form) that apply the fitted values."""
        out: dict[str, Any] = {}
        for path, v in self.values.items():
            spec = model.params[path]
            scen = scenario_path(path)
            out[scen] = _recentred(spec, v)
        return out

    def to_yaml(self, model: CompiledModel) -> str:
        """The calibration file: metadata, fit and overrides."""
        doc = {
            "calibration": {
                "scenario": self.scenario, "scenario_hash": self.scenario_hash,
                "seed": self.seed, "members": self.members, "until": self.until,
                "objective": _OBJECTIVES.get(self.objective, self.objective),
                "mae": round(self.mae, 5), "start_mae": round(self.start_mae, 5),
                "evaluations": self.evaluations, "seconds": round(self.seconds, 1),
                "mae_by_actor": {k: round(v, 5) for k, v in self.mae_by_actor.items()},
                "values": {k: round(v, 6) for k, v in self.values.items()},
                **(self.extra or {}),
            },
            "overrides": self.overrides(model),
        }
        if self.forecast is not None:
            doc["forecast"] = self.forecast
        return yaml.safe_dump(doc, sort_keys=False, width=100)


_OBJECTIVES = {
    "history": "MAE of the ensemble median of UN voting alignment (neighbours)",
    "forecast": "MAE of ensemble-median forecasts of UN voting alignment (neighbours) from "
                "rolling origins inside the training years",
    "pooled": "MAE of the ensemble median of UN voting alignment, pooled over every simulated "
              "state (the world scenario)",
}


def scenario_path(param_path: str) -> str:
    """The scenario path (for ``--set``) of a model parameter path."""
    head, _, rest = param_path.partition(".")
    if head in ("actors", "drivers", "levers", "aims"):
        return param_path if head != "aims" else f"aims.{rest}.weight"
    if head == "institution":
        inst, _, name = rest.partition(".")
        return f"institutions.{inst}.params.{name}"
    return f"mechanisms.{head}.params.{rest}"


def _recentred(spec: ParamSpec, v: float) -> Any:
    v = float(round(v, 6))
    if spec.dist == "uniform":
        half = (spec.b - spec.a) / 2
        return {"dist": "uniform", "low": round(v - half, 6), "high": round(v + half, 6)}
    if spec.dist == "normal":
        return {"dist": "normal", "mean": v, "sd": spec.b}
    if spec.dist == "triangular":
        return {"dist": "triangular", "low": round(v - (spec.c - spec.a), 6), "mode": v,
                "high": round(v + (spec.b - spec.c), 6)}
    return v


def _tracked(fn: Callable[[np.ndarray], float], history: list[float],
             progress: Callable[[int, float], None] | None) -> Callable[[np.ndarray], float]:
    """``fn`` as an optimiser objective that records its values and reports progress.

    Non-finite values become 1e6 (a clear failure the simplex moves away from).
    """

    def objective(theta: np.ndarray) -> float:
        err = fn(theta)
        if not math.isfinite(err):
            err = 1e6
        history.append(err)
        if progress is not None:
            progress(len(history), min(history))
        return err

    return objective


def _mae_by_actor(model: CompiledModel, med: np.ndarray, obs: Observed) -> dict[str, float]:
    out = {}
    for j, a in enumerate(model.actors):
        m = obs.mask[:, j]
        if m.any():
            out[a] = float(np.mean(np.abs(med[m, j] - obs.alignment[m, j])))
    return out


def calibrate(
    loaded: LoadedScenario,
    *,
    until: int | None = None,
    panel: Any = "actor_year_panel.csv",
    free: dict[str, tuple[float, float]] | None = None,
    members: int = 64,
    seed: int = 2013,
    maxiter: int = 400,
    restarts: int = 1,
    start: int | None = None,
    progress: Callable[[int, float], None] | None = None,
    observed: Callable[[CompiledModel], Observed] | None = None,
    start_values: dict[str, float] | None = None,
    starts: int = 1,
    evaluator: Any = None,
) -> tuple[CalibrationResult, CompiledModel]:
    """Fit ``free`` parameters (default :data:`FREE_PARAMETERS`) to observed alignment.

    ``panel``: a panel CSV or a loaded :class:`multipolar.forecast.origin.Panel`; only its years
    up to ``until`` are read.
    ``observed`` may give the observations from the compiled model (the pooled world fit
    takes them from the scenario's own series); by default they come from ``panel``.
    ``start_values`` may set where the search starts (default: the scenario's nominal values).
    ``starts`` > 1 adds parallel restarts: searches from ``starts - 1`` more points drawn in
    the bounds (:func:`start_point`, keyed by seed and start), each with ``maxiter``
    evaluations and the same common random numbers; the best end point wins (ties: the
    earliest start). The searches are independent tasks mapped over ``evaluator`` (local,
    processes or Dask, :func:`multipolar.ensemble.tasks.map_tasks`): the result does not
    depend on it. ``progress`` counts every evaluation in this process; on other executors
    it is called once the searches are done.
    """
    sc = loaded.scenario
    until = sc.time.observed_until if until is None else until
    model = compile_model(loaded, start=start, end=until)
    free = dict(FREE_PARAMETERS if free is None else free)
    missing = [k for k in free if k not in model.params]
    if missing:
        raise InputError(f"cannot calibrate unknown parameters: {', '.join(missing)}",
                         field="free", fix="use model parameter paths such as alignment.base")
    obs = observed(model) if observed is not None else \
        observed_alignment(model, panel, until=until)
    names = list(free)
    lo = np.array([free[k][0] for k in names])
    hi = np.array([free[k][1] for k in names])
    start_at = {k: model.params[k].nominal for k in names} | dict(start_values or {})
    x0 = np.clip(np.array([start_at[k] for k in names]), lo, hi)
    if starts < 1:
        raise InputError(f"--starts {starts} is below 1", field="--starts",
                         fix="pass --starts 1 (one search) or more (parallel restarts)")
    fit = HistoryObjective(model, obs, names, lo, hi, members, seed)

    t0 = time.perf_counter()
    start_mae = _finite_or_penalty(fit.mae(x0))
    history: list[float] = [start_mae]
    if progress is not None:
        progress(1, start_mae)
    start_by_actor = _mae_by_actor(model, fit.median_path(x0), obs)
    points = [x0] + [start_point(seed, k, lo, hi) for k in range(1, starts)]
    local = starts == 1 or evaluator is None or getattr(evaluator, "name", "local") == "local"
    found = _map_searches(fit, points, maxiter, restarts, evaluator,
                          _offset(progress, history) if local else None)
    # the best start (ties: the earliest); one start's result is its search's end point
    k_best = min(range(len(found)), key=lambda k: (found[k][1], k))
    best = found[k_best][0]
    for _b, _v, h in found:
        history.extend(h)
    if progress is not None and not local:
        progress(len(history), min(history))
    med = fit.median_path(best)
    result = CalibrationResult(
        values={k: float(v) for k, v in zip(names, best, strict=True)},
        start_values={k: float(v) for k, v in zip(names, x0, strict=True)},
        mae=float(np.mean(np.abs(med[obs.mask] - obs.alignment[obs.mask]))),
        start_mae=start_mae, mae_by_actor=_mae_by_actor(model, med, obs),
        start_mae_by_actor=start_by_actor, evaluations=len(history),
        seconds=time.perf_counter() - t0, seed=seed, members=members, until=until,
        scenario=sc.name, scenario_hash=model.scenario_hash, history=history,
    )
    return result, model


START_STREAM = 0x5717
"""Name (spawn key) of the random stream that draws the extra starting points of a search."""


def start_point(seed: int, k: int, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Start ``k`` (>= 1) of a multi-start search: uniform in the bounds, keyed by seed and k.

    It depends only on ``(seed, k)``, never on the worker that runs the search.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(START_STREAM, k)))
    return np.asarray(lo + rng.random(lo.size) * (hi - lo), dtype=np.float64)


@dataclass
class HistoryObjective:
    """The history objective: one compiled model, its observations, common random numbers."""

    model: CompiledModel
    obs: Observed
    names: list[str]
    lo: np.ndarray
    hi: np.ndarray
    members: int
    seed: int

    def median_path(self, theta: np.ndarray) -> np.ndarray:
        """Ensemble median alignment ``(T, A)`` with the free parameters at ``theta``."""
        over = {k: np.full(self.members, float(v))
                for k, v in zip(self.names, theta, strict=True)}
        res = simulate(self.model, self.seed, 0, self.members, params=over)
        return np.median(res.actor_outcomes["alignment"], axis=0)

    def reseeded(self, seed: int) -> HistoryObjective:
        """The same objective with the ensemble of ``seed`` (for its Monte Carlo noise)."""
        return dataclasses.replace(self, seed=seed)

    def mae(self, theta: np.ndarray) -> float:
        """The objective at ``theta`` (clipped into the bounds)."""
        med = self.median_path(np.clip(theta, self.lo, self.hi))
        m = self.obs.mask
        return float(np.mean(np.abs(med[m] - self.obs.alignment[m])))


def _finite_or_penalty(err: float) -> float:
    return err if math.isfinite(err) else 1e6


def _offset(progress: Callable[[int, float], None] | None, before: list[float]
            ) -> Callable[[int, float], None] | None:
    """``progress`` for a search that runs after the evaluations in ``before`` (in-process)."""
    if progress is None:
        return None
    done: list[float] = list(before)

    def report(_n: int, value: float) -> None:
        done.append(value)
        progress(len(done), min(done))

    return report


def _search(x0: np.ndarray, *, fit: HistoryObjective, maxiter: int, restarts: int, score: bool,
            progress: Callable[[int, float], None] | None = None
            ) -> tuple[np.ndarray, float, list[float]]:
    """Bounded Nelder-Mead from ``x0``, restarted ``restarts`` times from its best point.

    Returns the end point, its objective (only when ``score``; else NaN) and every
    evaluation's value. A task of :func:`_map_searches`: it depends only on its arguments.
    """
    history: list[float] = []

    def objective(theta: np.ndarray) -> float:
        err = _finite_or_penalty(fit.mae(theta))
        history.append(err)
        if progress is not None:
            progress(len(history), err)
        return err

    best = x0
    for _ in range(max(1, restarts + 1)):
        res = optimize.minimize(objective, best, method="Nelder-Mead",
                                bounds=list(zip(fit.lo, fit.hi, strict=True)),
                                options={"maxfev": maxiter, "xatol": 1e-3, "fatol": 1e-5,
                                         "initial_simplex": _simplex(best, fit.lo, fit.hi)})
        best = np.clip(res.x, fit.lo, fit.hi)
    value = _finite_or_penalty(fit.mae(best)) if score else math.nan
    return best, value, history


def _map_searches(fit: HistoryObjective, points: list[np.ndarray], maxiter: int, restarts: int,
                  evaluator: Any, progress: Callable[[int, float], None] | None
                  ) -> list[tuple[np.ndarray, float, list[float]]]:
    """One search per starting point, mapped over ``evaluator`` (results in start order)."""
    score = len(points) > 1
    if not score:  # one search: nothing to share out, so it runs here (with its progress)
        return [_search(points[0], fit=fit, maxiter=maxiter, restarts=restarts, score=False,
                        progress=progress)]
    from multipolar.ensemble.tasks import map_tasks

    return map_tasks(_search, [(p,) for p in points], evaluator,
                     common={"fit": fit, "maxiter": maxiter, "restarts": restarts,
                             "score": score, "progress": progress})


def _simplex(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A starting simplex stepping 15% of each parameter's range (inwards at a bound)."""
    pts = [x.copy()]
    for i in range(x.size):
        step = 0.15 * (hi[i] - lo[i])
        y = x.copy()
        y[i] = y[i] + step if y[i] + step <= hi[i] else y[i] - step
        pts.append(y)
    return np.array(pts)


def read_calibration(path: str | Path) -> dict[str, Any]:
    """The ``overrides`` of a calibration file, with a clean error if it is malformed."""
    p = Path(path)
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read calibration file: {exc.strerror}", file=str(p),
                         fix="give the file written by `multipolar calibrate --out`") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError("calibration file is not valid YAML", file=str(p),
                         line=mark.line + 1 if mark else None,
                         fix="re-create it with `multipolar calibrate --out`") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("overrides"), dict):
        raise InputError("calibration file has no 'overrides' mapping", file=str(p),
                         fix="re-create it with `multipolar calibrate --out`")
    return dict(doc["overrides"])


# ----------------------------------------------------------------- calibrating for forecasts

@dataclass
class CalibrationFile:
    """Everything a calibration file holds: overrides, forecast settings, metadata."""

    overrides: dict[str, Any]
    forecast: dict[str, Any]
    meta: dict[str, Any]


def read_calibration_file(path: str | Path, scenario: str | None = None) -> CalibrationFile:
    """Read a calibration file (``overrides`` plus the optional ``forecast`` section).

    ``scenario`` is the name of the scenario that will use it: a file fitted on another
    scenario that has a ``transfer`` section (the pooled world fit,
    :mod:`multipolar.calibrate.pooled`) hands over only those overrides, and no forecast
    settings (its anchor was fitted on the other scenario's states).
    """
    overrides = read_calibration(path)
    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    transfer = doc.get("transfer")
    fitted_on = (doc.get("calibration") or {}).get("scenario") \
        if isinstance(doc.get("calibration"), dict) else None
    foreign = scenario is not None and fitted_on not in (None, scenario) \
        and isinstance(transfer, dict)
    if foreign:
        overrides = dict(transfer)
    # the forecast settings (the anchor fitted on that scenario's states) do not transfer
    fc = {} if foreign else doc.get("forecast") or {}
    if not isinstance(fc, dict):
        raise InputError("calibration file's 'forecast' section is not a mapping",
                         file=str(path), field="forecast",
                         fix="re-create it with `multipolar calibrate --out`")
    meta = doc.get("calibration") if isinstance(doc.get("calibration"), dict) else {}
    return CalibrationFile(overrides, dict(fc), dict(meta or {}))


FORECAST_HORIZON = 6
"""Longest horizon (years) scored by the forecast objective and the back-tests."""

ALPHA_GRID = (1.0, 0.85, 0.7, 0.55)
"""Smoothing weights tried for the state estimate at the forecast origin."""

ANCHOR_GRID = anchor_grid()
"""Anchors tried when ``calibrate_forecast(anchor=None)``: evenly spaced strengths of the
declared search range of :data:`multipolar.model.anchor.ANCHOR` (0: the model's own target;
1: the target put at the observed state, so it moves only by what the mechanisms change)."""


def training_origins(panel_first: int, until: int, window: int = 10) -> list[int]:
    """Forecast origins inside the training years: the last ``window`` years before ``until``.

    The first two observed years are never origins (the level needs some history).
    """
    lo = max(panel_first + 2, until - window)
    return list(range(lo, until))


def choose_alpha(panel: Any, countries: list[str], origins: list[int], until: int,
                 horizon: int = FORECAST_HORIZON) -> float:
    """The smoothing weight in :data:`ALPHA_GRID` whose level best forecasts training years.

    Only values up to ``until`` are used; ties go to the larger weight (less smoothing).
    """
    best, best_err = 1.0, math.inf
    for alpha in ALPHA_GRID:
        errs = []
        for o in origins:
            for a in countries:
                s = panel.alignment.get(a, {})
                lvl = origin_level(s, o, alpha)
                for y in range(o + 1, min(o + horizon, until) + 1):
                    if y in s and math.isfinite(lvl):
                        errs.append(abs(s[y] - lvl))
        err = float(np.mean(errs)) if errs else math.inf
        if err < best_err - 1e-12:
            best, best_err = alpha, err
    return best


def spread_scale(ratios: np.ndarray, coverage: float = 0.9) -> float:
    """Scale of the ensemble spread that makes the central interval cover ``coverage``.

    ``ratios`` are each outcome's distance from the median in units of the interval's
    half-width on its side (1 = on the p05 or p95 edge). Scaling deviations from the median
    by the ``coverage`` quantile of the ratios gives the intended coverage on these outcomes.
    """
    r = np.abs(ratios[np.isfinite(ratios)])
    if r.size == 0:
        return 1.0
    return float(max(np.quantile(r, coverage), 1e-3))


@dataclass
class _Training:
    """What every training forecast of :func:`calibrate_forecast` shares."""

    scenario: str | Path
    panel: Any
    origins: list[int]
    until: int
    horizon: int
    seed: int
    members: int
    alpha: float
    exogenous: str
    sets: list[str] | dict[str, Any] | None
    perspective: str | None
    hypothesis: str | None
    assimilation: bool = True

    def models(self, anchor: float, overrides: dict[str, Any] | None = None,
               evaluator: Any = None) -> list[tuple[CompiledModel, np.ndarray, np.ndarray]]:
        """One model per origin (knowing nothing after it), its observations and their mask.

        The origins are independent tasks mapped over ``evaluator`` (in origin order).
        """
        return _map_origins(_origin_model, self, anchor, overrides, evaluator)


def _map_origins(fn: Callable[..., Any], tr: _Training, anchor: float | tuple[float, ...],
                 overrides: dict[str, Any] | None, evaluator: Any) -> list[Any]:
    """``fn(o, tr=tr, anchor=anchor, overrides=overrides)`` for each training origin ``o``.

    Computed on ``evaluator`` (in this process when None or local), in origin order.
    """
    common = {"tr": tr, "anchor": anchor, "overrides": overrides}
    if evaluator is None or getattr(evaluator, "name", "local") == "local":
        return [fn(o, **common) for o in tr.origins]
    from multipolar.ensemble.tasks import map_tasks

    return map_tasks(fn, [(o,) for o in tr.origins], evaluator, common=common)


def _origin_model(o: int, *, tr: _Training, anchor: float, overrides: dict[str, Any] | None
                  ) -> tuple[CompiledModel, np.ndarray, np.ndarray]:
    """The model forecasting from origin ``o`` (a task of :meth:`_Training.models`)."""
    st = ForecastSettings(alpha=tr.alpha, anchor=anchor, exogenous=tr.exogenous)
    lo = load_for_origin(tr.scenario, o, overrides, sets=tr.sets, perspective=tr.perspective,
                         hypothesis=tr.hypothesis)
    m = prepare_model(lo, o, min(o + tr.horizon, tr.until), tr.panel, st, tr.seed, tr.members)
    obs = np.array([[tr.panel.value(a, int(y)) if m.neighbours[j] else np.nan
                     for j, a in enumerate(m.actors)] for y in m.years])
    obs[0] = np.nan  # the origin is not a forecast
    return m, obs, np.isfinite(obs)


def _forecast_errors(models: list[tuple[CompiledModel, np.ndarray, np.ndarray]],
                     names: list[str], theta: np.ndarray, seed: int, members: int
                     ) -> tuple[np.ndarray, list[np.ndarray]]:
    """Absolute errors of the median forecasts with ``theta``, and the medians per origin."""
    over = {k: np.full(members, float(v)) for k, v in zip(names, theta, strict=True)}
    errs, meds = [], []
    for m, obs, mask in models:
        x = simulate(m, seed, 0, members, params=over).actor_outcomes["alignment"]
        med = np.median(x, axis=0)
        meds.append(med)
        errs.append(np.abs(med[mask] - obs[mask]))
    return np.concatenate(errs), meds


def _errors_by_actor(models: list[tuple[CompiledModel, np.ndarray, np.ndarray]],
                     meds: list[np.ndarray]) -> dict[str, float]:
    """Mean absolute forecast error per neighbour over every origin and horizon."""
    acc: dict[str, list[float]] = {}
    for (m, obs, mask), med in zip(models, meds, strict=True):
        for j, a in enumerate(m.actors):
            if mask[:, j].any():
                acc.setdefault(a, []).extend(np.abs(med[mask[:, j], j]
                                                    - obs[mask[:, j], j]).tolist())
    return {a: float(np.mean(v)) for a, v in acc.items()}


_Record = tuple[int, int, float, float, float]
"""One stacking record: origin, horizon, model median, persistence, outcome."""


def _origin_assimilation(o: int, tr: _Training, overrides: dict[str, Any] | None
                         ) -> Assimilation | None:
    """The assimilation of the years before ``o`` (None without ``tr.assimilation``)."""
    if not tr.assimilation:
        return None
    lo = load_for_origin(tr.scenario, o, overrides, sets=tr.sets, perspective=tr.perspective,
                         hypothesis=tr.hypothesis)
    return assimilate(lo, tr.panel, o, tr.members, tr.seed,
                      ForecastSettings(alpha=tr.alpha, exogenous=tr.exogenous))


def _origin_forecasts(o: int, *, tr: _Training, anchor: tuple[float, ...],
                      overrides: dict[str, Any] | None
                      ) -> list[tuple[list[float], list[float], list[_Record]]]:
    """:func:`_origin_forecast` at every strength of ``anchor``, one assimilation for all."""
    assim = _origin_assimilation(o, tr, overrides)
    return [_origin_forecast(o, tr=tr, anchor=a, overrides=overrides, assim=(assim,))
            for a in anchor]


def _origin_forecast(o: int, *, tr: _Training, anchor: float,
                     overrides: dict[str, Any] | None,
                     assim: tuple[Assimilation | None] | None = None
                     ) -> tuple[list[float], list[float], list[_Record]]:
    """Errors, interval ratios and stacking records of the training forecast from ``o``.

    The forecast is the pipeline's (:func:`multipolar.forecast.assimilate.origin_ensemble`):
    with ``tr.assimilation`` its members are resampled on the years before ``o`` and start
    with the observation error, as the forecast the spread and weights are applied to.
    ``assim`` (a 1-tuple) passes that assimilation in, computed once for several anchors.
    """
    m, _obs, _mask = _origin_model(o, tr=tr, anchor=anchor, overrides=overrides)
    given = _origin_assimilation(o, tr, overrides) if assim is None else assim[0]
    x = origin_ensemble(m, tr.seed, tr.members, given).alignment
    p05, med, p95 = np.percentile(x, [5, 50, 95], axis=0)
    errs: list[float] = []
    ratios: list[float] = []
    records: list[_Record] = []
    o = int(m.years[0])
    for t, y in enumerate(m.years[1:], start=1):
        for j, a in enumerate(m.actors):
            v = tr.panel.value(a, int(y))
            if m.neighbours[j] and math.isfinite(v):
                half = (p95[t, j] - med[t, j]) if v >= med[t, j] else (med[t, j] - p05[t, j])
                ratios.append(abs(v - med[t, j]) / max(half, 1e-9))
                errs.append(abs(v - med[t, j]))
                records.append((o, int(y) - o, med[t, j], tr.panel.value(a, o), v))
    return errs, ratios, records


def _training_forecasts(tr: _Training, overrides: dict[str, Any], anchors: tuple[float, ...],
                        evaluator: Any = None) -> dict[float, tuple[float, list[float], Any]]:
    """Per anchor: MAE, interval ratios and stacking records of the training forecasts.

    Each origin is a task on ``evaluator`` (every anchor at once, one assimilation); the
    results are joined in origin order.
    """
    out: dict[float, tuple[float, list[float], Any]] = {}
    per_origin = _map_origins(_origin_forecasts, tr, anchors, overrides, evaluator)
    for k, anc in enumerate(anchors):
        ratios: list[float] = []
        errs: list[float] = []
        records = StackRecords()
        for results in per_origin:
            e, r, recs = results[k]
            errs.extend(e)
            ratios.extend(r)
            for rec in recs:
                records.add(*rec)
        out[anc] = (float(np.mean(errs)) if errs else math.inf, ratios, records)
    return out


def _forecast_search(x0: np.ndarray, *, models: list[tuple[CompiledModel, np.ndarray, np.ndarray]],
                     names: list[str], lo: np.ndarray, hi: np.ndarray, seed: int, members: int,
                     maxiter: int, progress: Callable[[int, float], None] | None = None
                     ) -> tuple[np.ndarray, float, list[float]]:
    """Bounded Nelder-Mead on the forecast objective from ``x0``, then its end point scored.

    Returns the end point, its objective and every evaluation's value (the end point's last).
    A task of :func:`calibrate_forecast`'s parallel starts: it depends only on its arguments.
    """
    history: list[float] = []
    objective = _tracked(lambda theta: float(np.mean(
        _forecast_errors(models, names, np.clip(theta, lo, hi), seed, members)[0])),
        history, progress)
    res = optimize.minimize(objective, x0, method="Nelder-Mead",
                            bounds=list(zip(lo, hi, strict=True)),
                            options={"maxfev": maxiter, "xatol": 1e-3, "fatol": 1e-5,
                                     "initial_simplex": _simplex(x0, lo, hi)})
    best = np.clip(res.x, lo, hi)
    return best, objective(best), history


def calibrate_forecast(
    spec: CalibrationSpec | str | Path,
    panel: Any,
    *,
    progress: Callable[[int, float], None] | None = None,
    starts: int = 1,
    evaluator: Any = None,
    **options: Any,
) -> tuple[CalibrationResult, CompiledModel]:
    """Fit free parameters to the model's own forecasts inside the training years.

    ``spec`` is a :class:`~multipolar.core.specs.CalibrationSpec`, or (the keyword form) the
    scenario with the spec's fields as keywords: ``calibrate_forecast("russia-neighbourhood",
    panel, until=2015, members=32)``.

    Steps (see ``docs/explanation/calibration.md``):

    1. Origins: the ``window`` years before ``until`` (:func:`training_origins`). For each,
       compile a model that knows nothing after the origin (:func:`multipolar.forecast.origin.
       prepare_model`, exogenous drivers ``blind`` by default).
    2. State estimate: the smoothing weight ``alpha`` of the origin level is chosen on the
       training years (:func:`choose_alpha`).
    3. Objective: MAE of the ensemble-median forecast vs the panel over every origin, horizon
       ``1..horizon`` (never past ``until``) and neighbour. Common random numbers (one
       ``seed``) make it a deterministic function of the parameters. Bounded Nelder-Mead from
       the scenario's nominal values, or with ``prefit`` > 0 from a history fit
       (:func:`calibrate`, at most ``prefit`` evaluations) on the years up to ``until`` only:
       the nominal values were fitted on all the data, so a back-test that starts its search
       from them would see the test years through the starting point.
    4. Spread: with the fitted parameters (uncertain ones keep their spread, re-centred), the
       ensemble spread is scaled so 90% intervals cover 90% of the training outcomes
       (:func:`spread_scale`).
    5. Stacking weights per horizon (``forecast.stack_weights``) for ``multipolar forecast``,
       fitted on the same training forecasts (:mod:`multipolar.forecast.stacking`). These
       forecasts use parameters fitted on years up to ``until``, so the weights lean a little
       towards the model; back-tests instead fit them on earlier origins' honest forecasts.
       With ``anchor=None`` the anchor (:data:`ANCHOR_GRID`) is chosen here too, by the
       training forecasts' MAE with the fitted parameters.

    Nothing after ``until`` in ``panel`` is read: the panel is truncated first.

    On ``evaluator`` (local, processes or Dask; :func:`multipolar.ensemble.tasks.map_tasks`)
    the training origins are compiled and forecast as independent tasks, and ``starts`` > 1
    adds parallel searches from ``starts - 1`` more points drawn in the bounds
    (:func:`start_point`, keyed by seed and start), each with ``maxiter`` evaluations and the
    same common random numbers; the best end point wins (ties: the earliest start), and never
    one worse than the starting values. The result does not depend on the evaluator: every
    task's numbers come from its own arguments and results are joined in task order.
    ``progress`` counts every evaluation in this process; with several starts on another
    executor it is called once the searches are done.
    """
    spec = CalibrationSpec.of(spec, **options)
    if starts < 1:
        raise InputError(f"--starts {starts} is below 1", field="--starts",
                         fix="pass --starts 1 (one search) or more (parallel restarts)")
    scenario, until, free, members, seed = (spec.scenario, spec.until, spec.free, spec.members,
                                            spec.seed)
    maxiter, window, sets, perspective = spec.maxiter, spec.window, spec.sets, spec.perspective
    hypothesis, anchor, exogenous, prefit = (spec.hypothesis, spec.anchor, spec.exogenous,
                                             spec.prefit)
    horizon = FORECAST_HORIZON if spec.horizon is None else spec.horizon
    panel = panel.truncated(until)
    free = dict(FREE_PARAMETERS if free is None else free)
    loaded = load_for_origin(scenario, until, sets=sets, perspective=perspective,
                             hypothesis=hypothesis)
    first_year = min(y for s in panel.alignment.values() for y in s)
    origins = training_origins(max(first_year, loaded.scenario.time.start), until, window)
    if not origins:
        raise InputError(f"no training years before {until} to forecast from",
                         field="--until", fix="train on a later year (at least 3 years of data)")
    probe = compile_model(loaded, start=origins[0], end=origins[0] + 1)
    missing = [k for k in free if k not in probe.params]
    if missing:
        raise InputError(f"cannot calibrate unknown parameters: {', '.join(missing)}",
                         field="free", fix="use model parameter paths such as alignment.base")
    countries = [a for j, a in enumerate(probe.actors) if probe.neighbours[j]]
    tr = _Training(scenario, panel, origins, until, horizon, seed, members,
                   choose_alpha(panel, countries, origins, until, horizon), exogenous, sets,
                   perspective, hypothesis, spec.assimilation)
    models = tr.models(0.0, evaluator=evaluator)
    names = list(free)
    lo_b = np.array([free[k][0] for k in names])
    hi_b = np.array([free[k][1] for k in names])
    x0 = np.clip(np.array([probe.params[k].nominal for k in names]), lo_b, hi_b)
    if prefit > 0:
        start, _ = calibrate(loaded, until=until, panel=panel, free=free, members=members,
                             seed=seed, maxiter=prefit, restarts=0)
        x0 = np.clip(np.array([start.values[k] for k in names]), lo_b, hi_b)

    def errors(theta: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
        return _forecast_errors(models, names, theta, seed, members)

    t0 = time.perf_counter()
    history: list[float] = []
    start_mae = _tracked(lambda theta: float(np.mean(errors(np.clip(theta, lo_b, hi_b))[0])),
                         history, progress)(x0)
    common: dict[str, Any] = {"models": models, "names": names, "lo": lo_b, "hi": hi_b,
                              "seed": seed, "members": members, "maxiter": maxiter}
    points = [x0] + [start_point(seed, k, lo_b, hi_b) for k in range(1, starts)]
    local = starts == 1 or evaluator is None or getattr(evaluator, "name", "local") == "local"
    found: list[tuple[np.ndarray, float, list[float]]] = []
    if local:  # in this process, one search after another, each evaluation reported
        for p in points:
            found.append(_forecast_search(p, **common, progress=_offset(progress, history)))
            history.extend(found[-1][2])
    else:
        from multipolar.ensemble.tasks import map_tasks

        found = map_tasks(_forecast_search, [(p,) for p in points], evaluator, common=common)
        for _b, _v, h in found:
            history.extend(h)
        if progress is not None:
            progress(len(history), min(history))
    k_best = min(range(len(found)), key=lambda k: (found[k][1], k))
    best = found[k_best][0]
    if found[k_best][1] > start_mae:  # never worse than where it started
        best = x0
    fitted = CalibrationResult(
        values={k: float(v) for k, v in zip(names, best, strict=True)},
        start_values={k: float(v) for k, v in zip(names, x0, strict=True)},
        mae=float(np.mean(errors(best)[0])), start_mae=start_mae,
        mae_by_actor=_errors_by_actor(models, errors(best)[1]),
        start_mae_by_actor=_errors_by_actor(models, errors(x0)[1]),
        evaluations=len(history), seconds=0.0, seed=seed, members=members, until=until,
        scenario=loaded.scenario.name, scenario_hash=probe.scenario_hash, history=history,
        objective="forecast")
    # spread and anchor (None: chosen on the training forecasts, ties to no anchor) with the
    # fitted parameters applied
    overrides = fitted.overrides(probe)
    tried = _training_forecasts(tr, overrides,
                                tuple(ANCHOR_GRID if anchor is None else (anchor,)), evaluator)
    anchor = min(tried, key=lambda k: (tried[k][0], k))
    _, ratios, records = tried[anchor]
    weights = records.weights(until, list(range(1, horizon + 1)))
    fitted.forecast = {**ForecastSettings(alpha=tr.alpha, anchor=anchor,
                                          spread=round(spread_scale(np.array(ratios)), 4),
                                          exogenous=exogenous).to_dict(),
                       "origins": origins, "horizon": horizon,
                       "stack_weights": {int(h): float(w) for h, w in weights.items()}}
    fitted.seconds = time.perf_counter() - t0
    return fitted, probe
