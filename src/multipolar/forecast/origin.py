"""Forecast UN voting alignment and memberships from a forecast origin, with honest inputs.

A forecast from year ``F`` has its *origin* at ``F - 1``: the model knows data up to the origin
and nothing after it. :func:`prepare_model` makes that true of a compiled model:

* ``time.observed_until`` is set to the origin, so memberships, democracy, trade shares and
  conflicts after it are model outcomes (see :mod:`multipolar.model.compile`);
* the initial state is re-read from data at or before the origin only (the compiler's
  "nearest later year" fallback would otherwise peek ahead); the alignment of each actor
  starts from a **state estimate** of the panel (:func:`origin_level`: exponential smoothing
  of the years up to the origin, ``alpha = 1`` being the last observation);
* exogenous drivers (oil price, China's weight) are cut at the origin when ``exogenous`` is
  ``"blind"`` (back-tests), and kept when ``"known"`` (conditional forecasts on a known or
  user-set path, e.g. ``--set oil_price=30``);
* with ``anchor > 0`` a per-actor shift of the alignment target (the engine's
  ``alignment_offset``) moves each neighbour's target that share of the way to its estimated
  level at the origin, so the forecast moves less by the formula's pull and more by what the
  mechanisms change afterwards (:mod:`multipolar.model.anchor`: the declared strength
  ``ANCHOR``, whose default a forecast without a calibration file uses, and the gap).

:func:`run_forecast` simulates the ensemble; :func:`forecast_records` gives the JSON shape of
``multipolar forecast --json``. The ensemble spread around the median is scaled by
``spread`` (fitted on training years by
:func:`multipolar.calibrate.history.calibrate_forecast`) so that 90% intervals cover about 90%
of past outcomes.

Depends on NumPy, the scenario loader and the model API; nothing here reads global state.
"""

from __future__ import annotations

import csv
import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from multipolar.core.errors import InputError
from multipolar.core.seeding import SeedLike
from multipolar.data import data_path
from multipolar.model.anchor import ANCHOR, target_gap
from multipolar.model.compile import CompiledModel, compile_model
from multipolar.model.engine import ChunkResult, simulate
from multipolar.scenario import load_scenario
from multipolar.scenario.loader import LoadedScenario
from multipolar.scenario.overrides import parse_sets

TARGET = "rel_pos_ru0_us1"
"""The panel column forecast and scored: UN voting position, 0 like Russia, 1 like the US."""

MEMBERSHIP_COLUMNS = {"EurAsEC": "eaec", "CIS": "cis", "CSTO": "csto", "SCO": "sco",
                      "NATO": "nato", "EU": "eu"}
"""Model institution -> panel column (COW IGO codes; 1 = full member; the source ends in 2014,
so the EAEU of 2015 has no column: its history is in the scenario)."""

FORECAST_INSTITUTIONS = ("CIS", "CSTO", "EAEU", "SCO", "EU", "NATO")
"""Institutions whose membership probabilities ``forecast --json`` reports (EU: membership; the
association agreements are the scenario's ``EU_association``)."""


# ----------------------------------------------------------------------------------- panel

@dataclass
class Panel:
    """An actor-year panel: the target column and the membership columns it has."""

    path: str
    alignment: dict[str, dict[int, float]]
    memberships: dict[str, dict[str, dict[int, int]]] = field(default_factory=dict)

    @property
    def countries(self) -> list[str]:
        """Countries with at least one target value."""
        return sorted(self.alignment)

    def last_year(self) -> int:
        """The last year with any target value."""
        return max(y for v in self.alignment.values() for y in v)

    def truncated(self, until: int) -> Panel:
        """The same panel with every year after ``until`` removed."""
        return Panel(self.path,
                     {a: {y: v for y, v in s.items() if y <= until}
                      for a, s in self.alignment.items()},
                     {i: {a: {y: v for y, v in s.items() if y <= until} for a, s in m.items()}
                      for i, m in self.memberships.items()})

    def value(self, actor: str, year: int) -> float:
        """Observed target of ``actor`` in ``year`` (NaN if missing)."""
        return self.alignment.get(actor, {}).get(year, math.nan)


def load_panel(path: str | Path | None = None) -> Panel:
    """Read a panel CSV with columns ``country``, ``year`` and ``rel_pos_ru0_us1``.

    Membership columns (``cis``, ``csto``, ``eaec``, ``sco``, ``nato``, ``eu``) are read when
    present. ``None`` reads the bundled ``actor_year_panel.csv``. Every problem is an
    :class:`~multipolar.core.errors.InputError` naming the file, the line or column, and the fix.
    """
    if path is None:
        p = data_path("actor_year_panel.csv")
    else:
        p = Path(path)
    fix = "give a CSV with the columns of actor_year_panel.csv (country, year, rel_pos_ru0_us1)"
    if not p.is_file():
        raise InputError("panel file not found", file=str(p), field="--panel", fix=fix)
    try:
        with open(p, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            cols = list(reader.fieldnames or [])
            missing = [c for c in ("country", "year", TARGET) if c not in cols]
            if missing:
                raise InputError(f"panel lacks the column(s) {', '.join(missing)}",
                                 file=str(p), line=1, field=missing[0], fix=fix)
            align: dict[str, dict[int, float]] = {}
            mems: dict[str, dict[str, dict[int, int]]] = {
                inst: {} for inst, c in MEMBERSHIP_COLUMNS.items() if c in cols}
            for n, row in enumerate(reader, start=2):
                country = (row.get("country") or "").strip()
                try:
                    year = int(float(row["year"]))
                except (TypeError, ValueError):
                    raise InputError(f"year '{row.get('year')}' is not a number", file=str(p),
                                     line=n, field="year", fix="write years as integers") from None
                val = (row.get(TARGET) or "").strip()
                if val not in ("", "NA", "nan"):
                    try:
                        align.setdefault(country, {})[year] = float(val)
                    except ValueError:
                        raise InputError(f"{TARGET} value '{val}' is not a number",
                                         file=str(p), line=n, field=TARGET,
                                         fix="write numbers, or leave the cell empty") from None
                for inst in mems:
                    code = (row.get(MEMBERSHIP_COLUMNS[inst]) or "").strip()
                    if code not in ("", "NA", "nan"):
                        try:
                            mems[inst].setdefault(country, {})[year] = int(float(code))
                        except ValueError:
                            raise InputError(f"membership code '{code}' is not a number",
                                             file=str(p), line=n,
                                             field=MEMBERSHIP_COLUMNS[inst],
                                             fix="use COW IGO codes (0, 1, 2, 3, -1)") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"panel is not a readable CSV file ({exc.__class__.__name__})",
                         file=str(p), fix=fix) from None
    if not align:
        raise InputError(f"panel has no {TARGET} values", file=str(p), field=TARGET, fix=fix)
    return Panel(str(p), align, mems)


WORLD_TABLE = "global/country_year.parquet"
"""The bundled global table a world scenario's observed state is read from (by ISO3 code)."""


def world_panel() -> Panel:
    """The panel of every UN member: alignment and memberships by ISO3 code, 1991-2019.

    Read from the bundled global table (:data:`WORLD_TABLE`), the same series the world
    scenario's actors are built from, so a forecast of ``russia-world`` starts from each
    state's observed alignment as the neighbourhood's starts from its panel.
    """
    from multipolar import data

    align = data.column_by_actor_year(WORLD_TABLE, TARGET, "iso3")
    mems: dict[str, dict[str, dict[int, int]]] = {}
    for inst, col in MEMBERSHIP_COLUMNS.items():
        table = data.column_by_actor_year(WORLD_TABLE, col, "iso3")
        mems[inst] = {a: {y: int(v) for y, v in s.items()} for a, s in table.items()}
    return Panel(f"bundled {WORLD_TABLE}", {a: dict(s) for a, s in align.items()}, mems)


def panel_for(scenario: str | Path, path: str | Path | None = None) -> Panel:
    """The panel a forecast of ``scenario`` starts from: ``path``, else the bundled one.

    A scenario that generates its actors from the global table (``actor_sets``, the world)
    gets :func:`world_panel`; any other the neighbourhood's ``actor_year_panel.csv``.
    """
    if path is not None:
        return load_panel(path)
    from multipolar.scenario import load_scenario

    if load_scenario(scenario).raw.get("actor_sets"):
        return world_panel()
    return load_panel(None)


def check_coverage(model_actors: list[str], simulated: np.ndarray, panel: Panel, origin: int,
                   scenario: str | Path) -> list[str]:
    """The simulated actors the forecast covers; a located error if it cannot cover them all.

    Every simulated state needs an observed alignment at or before the origin to start from;
    a panel keyed otherwise (names where the scenario has ISO3 codes) would give an empty or
    partial forecast, so it is refused, naming the states it lacks.
    """
    want = [a for a, s in zip(model_actors, simulated, strict=True) if s]
    lacking = [a for a in want
               if not math.isfinite(origin_level(panel.alignment.get(a, {}), origin))]
    if lacking:
        shown = ", ".join(lacking[:8]) + (f" and {len(lacking) - 8} more"
                                           if len(lacking) > 8 else "")
        what = "none" if len(lacking) == len(want) else f"{len(want) - len(lacking)}"
        raise InputError(f"the panel has no observed alignment at or before {origin} for "
                         f"{len(lacking)} of the {len(want)} states scenario '{scenario}' "
                         f"simulates ({what} covered): {shown}", file=panel.path,
                         field="--panel",
                         fix="give a panel whose 'country' column holds the scenario's actor "
                             "ids (ISO3 codes for russia-world), leave --panel out to use "
                             "the bundled one, or forecast from a later year")
    return want


# ------------------------------------------------------------------------- state estimation

def origin_level(series: dict[int, float], origin: int, alpha: float = 1.0) -> float:
    """Exponentially smoothed level of ``series`` at ``origin`` from years <= ``origin`` only.

    ``alpha`` is the weight of each new observation (1 = the last observation; smaller values
    average out year-to-year noise such as shifts of the UN agenda). Gaps are skipped.
    Returns NaN when no value at or before the origin exists.
    """
    years = sorted(y for y in series if y <= origin and math.isfinite(series[y]))
    if not years:
        return math.nan
    level = series[years[0]]
    for y in years[1:]:
        level = alpha * series[y] + (1.0 - alpha) * level
    return float(level)


@dataclass(frozen=True)
class ForecastSettings:
    """How a forecast is set up beyond the scenario's parameters (see the module docstring)."""

    alpha: float = 1.0
    anchor: float = ANCHOR.default
    spread: float = 1.0
    exogenous: str = "known"

    def to_dict(self) -> dict[str, Any]:
        """Plain values for the calibration file."""
        return {"alpha": self.alpha, "anchor": self.anchor, "spread": self.spread,
                "exogenous": self.exogenous}

    @staticmethod
    def from_dict(d: dict[str, Any] | None, file: str | None = None) -> ForecastSettings:
        """Settings from a calibration file's ``forecast`` section (defaults if absent)."""
        if not d:
            return ForecastSettings()
        try:
            return ForecastSettings(float(d.get("alpha", 1.0)),
                                    float(d.get("anchor", ANCHOR.default)),
                                    float(d.get("spread", 1.0)),
                                    str(d.get("exogenous", "known")))
        except (TypeError, ValueError):
            raise InputError("the calibration file's 'forecast' section has a bad value",
                             file=file, field="forecast",
                             fix="re-create it with `multipolar calibrate --out`") from None


def prepare_model(loaded: LoadedScenario, origin: int, end: int, panel: Panel,
                  settings: ForecastSettings = ForecastSettings(anchor=0.0),
                  seed: SeedLike = 0, members: int = 64) -> CompiledModel:
    """A compiled model for years ``origin..end`` that knows nothing after ``origin``.

    ``loaded`` must have been loaded with ``time.observed_until`` at or before ``origin``
    (see :func:`load_for_origin`). ``seed`` and ``members`` are used only to estimate the
    target offsets when ``settings.anchor > 0`` (without ``settings``: no anchor, the
    model's own targets; ``multipolar forecast`` passes the declared or calibrated one).
    """
    sc = loaded.scenario
    if sc.time.observed_until > origin:
        raise InputError(f"the scenario observes data until {sc.time.observed_until}, after "
                         f"the forecast origin {origin}", field="time.observed_until",
                         fix=f"load it with sets={{'time.observed_until': {origin}}}")
    model = compile_model(loaded, start=origin, end=end)
    obs = dict(model.obs)
    for name in list(obs):
        if name.endswith("_first"):
            base = obs.get(name[: -len("_first")])
            if base is not None:  # the value at the origin, never a later one
                obs[name] = np.where(np.isfinite(base[0]), base[0], np.nan)
    level = np.array([origin_level(panel.alignment.get(a, {}), origin, settings.alpha)
                      for a in model.actors])
    obs["un_alignment_first"] = level
    # outside powers (Russia, the US, ...) keep their observed alignment from the panel
    ua = obs["un_alignment"].copy()
    ua[0] = np.where(np.isfinite(level), level, ua[0])
    obs["un_alignment"] = ua
    drivers = dict(model.drivers_past)
    if settings.exogenous == "blind":
        drivers = {k: np.where(model.years > origin, np.nan, v) for k, v in drivers.items()}
    elif settings.exogenous != "known":
        raise InputError(f"unknown exogenous mode '{settings.exogenous}'", field="exogenous",
                         fix="use 'known' or 'blind'")
    model = dataclasses.replace(model, obs=obs, drivers_past=drivers)
    if settings.anchor > 0 and model.n_years > 1:
        off = settings.anchor * target_gap(model, seed, members)
        model = dataclasses.replace(model, static={**model.static, "alignment_offset": off})
    return model


def load_for_origin(scenario: str | Path, origin: int, overrides: dict[str, Any] | None = None,
                    sets: list[str] | dict[str, Any] | None = None,
                    perspective: str | None = None,
                    hypothesis: str | None = None,
                    events: list[str] | None = None) -> LoadedScenario:
    """Load ``scenario`` blind after ``origin`` with calibration ``overrides`` and inputs.

    The inputs are ``--set`` overrides and ``--event`` items (dated events given as facts).
    """
    pairs: dict[str, Any] = dict(overrides or {})
    if isinstance(sets, list):
        pairs.update(parse_sets(sets))
    elif sets:
        pairs.update(sets)
    probe = load_scenario(scenario, perspective=perspective, hypothesis=hypothesis)
    until = min(int(pairs.get("time.observed_until", origin)), origin,
                probe.scenario.time.observed_until)
    pairs["time.observed_until"] = until
    loaded = load_scenario(scenario, perspective=perspective, hypothesis=hypothesis, sets=pairs,
                           events=events)
    return _blind_events(loaded, len(probe.scenario.events), until)


def _blind_events(loaded: LoadedScenario, own: int, until: int) -> LoadedScenario:
    """``loaded`` without the scenario's own events dated after ``until``.

    The scenario's events (its observed history, e.g. the uses of force of 2008 and 2014) are
    the first ``own`` of the list; what the user adds with ``--event`` follows and stays.
    A scenario blind after ``until`` cannot know of a later event it did not give itself.
    """
    keep = [k for k, e in enumerate(loaded.scenario.events) if k >= own or e.year <= until]
    if len(keep) == len(loaded.scenario.events):
        return loaded
    loaded.scenario.events = [loaded.scenario.events[k] for k in keep]
    raw_events = list(loaded.raw.get("events") or [])
    loaded.raw["events"] = [raw_events[k] for k in keep if k < len(raw_events)]
    return loaded


def starting_state(first: int, origin: int) -> dict[str, Any]:
    """Where a forecast's starting state comes from, for its JSON and its table.

    ``first`` is the first forecast year asked for (``--from``) and ``origin`` the last year
    whose data the model used. When ``first`` lies more than one year beyond the data, the
    years between are simulated too, and the note says so.
    """
    gap = first - origin - 1
    if gap <= 0:
        note = f"starts from the observed state of {origin}"
    else:
        between = f"{origin + 1}" if gap == 1 else f"{origin + 1}-{first - 1}"
        note = (f"the data end in {origin}: the forecast starts from the observed state of "
                f"{origin}, and {between} {'is' if gap == 1 else 'are'} projected as well")
    return {"year": int(origin), "projected_before_first": max(gap, 0), "note": note}


# -------------------------------------------------------------------------------- ensembles

@dataclass
class ForecastEnsemble:
    """Ensemble paths from an origin: alignment ``(n, T, A)`` and memberships ``(n, T, A, I)``.

    ``poles`` (``(n, T, 2)``: Russia's and the US's ideal points on the data's scale, where the
    model has them) give every state's ideal point (:meth:`ideal_points`).
    """

    years: np.ndarray
    actors: list[str]
    institutions: list[str]
    alignment: np.ndarray
    memberships: np.ndarray
    origin: int
    poles: np.ndarray | None = None

    def ideal_points(self) -> np.ndarray | None:
        """Every state's ideal point ``(n, T, A)``: Russia's + alignment x (US's - Russia's)."""
        if self.poles is None:
            return None
        r, u = self.poles[..., 0:1], self.poles[..., 1:2]
        return np.asarray(r + self.alignment * (u - r))

    def data_scale(self) -> bool:
        """Whether the poles are on the data's scale (not Russia 0 and the US 1 throughout).

        A scenario without ideal-point data (the neighbourhood) keeps them at 0 and 1: its
        ideal points are then its alignment, on the relative scale.
        """
        if self.poles is None:
            return False
        return not (np.all(self.poles[..., 0] == 0.0) and np.all(self.poles[..., 1] == 1.0))

    def quantiles(self, qs: tuple[float, ...] = (5.0, 50.0, 95.0)) -> np.ndarray:
        """Percentiles of alignment over members: ``(len(qs), T, A)``."""
        return np.percentile(self.alignment, qs, axis=0)

    def membership_prob(self) -> np.ndarray:
        """Mean membership over members: ``(T, A, I)``."""
        return np.asarray(self.memberships.mean(axis=0))


def run_forecast(model: CompiledModel, seed: SeedLike, members: int,
                 params: dict[str, np.ndarray] | None = None, spread: float = 1.0,
                 chunk: int = 5000) -> ForecastEnsemble:
    """Simulate ``members`` members and scale their spread around the median by ``spread``."""
    parts = [simulate(model, seed, s, min(s + chunk, members),
                      params={k: v[s:min(s + chunk, members)] for k, v in params.items()}
                      if params else None)
             for s in range(0, members, chunk)]
    res = ChunkResult.concat(parts)
    x = res.actor_outcomes["alignment"].astype(np.float64)
    if spread != 1.0:
        med = np.median(x, axis=0, keepdims=True)
        x = med + spread * (x - med)
    poles = None
    if "russia_position" in res.core_outcomes and "us_position" in res.core_outcomes:
        poles = np.stack([res.core_outcomes["russia_position"],
                          res.core_outcomes["us_position"]], axis=-1).astype(np.float64)
    return ForecastEnsemble(res.years, list(res.actors), list(res.institutions), x,
                            res.memberships, int(model.years[0]), poles)


def forecast_records(ens: ForecastEnsemble, first: int, countries: list[str] | None = None,
                     institutions: tuple[str, ...] = FORECAST_INSTITUTIONS) -> list[dict[str, Any]]:
    """Per country and year from ``first``: median, p05, p95 and membership probabilities.

    ``ideal_point`` (where the scenario has the data's scale): the same on it.
    ``alignment`` is UN voting alignment (0 votes like Russia, 1 like the US; see
    the words in multipolar.core.labels), the panel column ``rel_pos_ru0_us1``.
    """
    q = ens.quantiles()
    ip = ens.ideal_points() if ens.data_scale() else None
    qi = None if ip is None else np.percentile(ip, (5.0, 50.0, 95.0), axis=0)
    prob = ens.membership_prob()
    keep = countries if countries is not None else ens.actors
    out = []
    for j, a in enumerate(ens.actors):
        if a not in keep:
            continue
        for t, y in enumerate(ens.years):
            if y < first:
                continue
            out.append({
                "country": a, "year": int(y),
                "alignment": {"median": round(float(q[1, t, j]), 5),
                              "p05": round(float(q[0, t, j]), 5),
                              "p95": round(float(q[2, t, j]), 5)},
                "memberships": {inst: round(float(prob[t, j, ens.institutions.index(inst)]), 4)
                                for inst in institutions if inst in ens.institutions},
            })
            if qi is not None:
                out[-1]["ideal_point"] = _band(qi[:, t, j])
    return out


def _band(q: np.ndarray) -> dict[str, float]:
    """``{median, p05, p95}`` of a ``(3,)`` array of the 5th, 50th and 95th percentiles."""
    return {"median": round(float(q[1]), 5), "p05": round(float(q[0]), 5),
            "p95": round(float(q[2]), 5)}


def pole_records(ens: ForecastEnsemble, first: int) -> dict[str, dict[str, dict[str, float]]]:
    """Russia's and the US's ideal points per year from ``first``: ``{russia|us: {year: band}}``.

    Median and 90% interval over members (``{}`` for an ensemble without poles). On the data's
    scale where the scenario has it (:meth:`ForecastEnsemble.data_scale`), else 0 and 1.
    """
    if ens.poles is None:
        return {}
    q = np.percentile(ens.poles, (5.0, 50.0, 95.0), axis=0)  # (3, T, 2)
    return {pole: {str(int(y)): _band(q[:, t, k]) for t, y in enumerate(ens.years)
                   if y >= first}
            for k, pole in enumerate(("russia", "us"))}


def ideal_panel() -> dict[str, dict[int, float]]:
    """Every state's observed ideal point by year (the bundled global table's ``idealpoint``)."""
    from multipolar import data

    return {a: dict(s) for a, s in data.column_by_actor_year(WORLD_TABLE, "idealpoint",
                                                               "iso3").items()}
