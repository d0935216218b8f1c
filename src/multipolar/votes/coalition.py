"""The coalition forecast: who condemns, abstains, sides with Russia or stays away.

For an event ``use_of_force:TARGET@YEAR`` (Russia uses force against TARGET in YEAR) every UN
member state gets the probability of voting yes / abstaining / voting no / being absent on a
General Assembly resolution about it (``resolution``: a condemnation by default, or one on its
humanitarian consequences, a suspension, reparations, human rights or nuclear safety) in
``vote_year``, with a 90% interval over an ensemble.

**One system.** The vote model's inputs for the year before the vote come from the world
scenario's simulation (:class:`WorldSimulation`): the scenario is loaded blind after the
calibration year (the origin) with the perspective, hypothesis, ``--set`` overrides and dated
events asked for, compiled from the origin with every state at its observed position, and
member *m* of the forecast reads member *m* of the simulation. What the simulation carries
changes the inputs: alignment (distances of the ideal point to Russia's and the US's, agreement
with both), democracy, trade with China and Russia's share of arms imports (the
``russia_arms_deliveries`` lever). Each state's target is anchored at its observed position
with the offsets of the *plain* scenario, so the simulation's own level errors do not leak into
the vote, while every change a perspective, hypothesis, lever or event makes to the targets
does. Inputs the world scenario does not simulate (trade with the US and the EU, US arms,
population, income, participation) drift by a random walk whose yearly step is the pooled
spread of observed changes; memberships stay as observed (the world scenario has no
institutions).

**Uncertainty** per member: (a) the vote model's coefficients, drawn from their approximate
posterior; (b) the simulated world (and the random walk of the other inputs); (c) the level of
this vote: a shift of every state's scores drawn with the covariance of past votes around their
kind (:mod:`multipolar.votes.levels`), and for a kind with no past vote the mean kind effect
plus a draw with the kinds' spread as well. Totals are counts: each member also draws every
state's vote, so the count's range includes the chance in single votes. All draws come from the
counter RNG keyed by member (:mod:`multipolar.core.rng`), so a member's numbers do not depend on how
many members are run. Russia is taken to vote no and TARGET yes.

**Progress and cancelling.** :func:`coalition_forecast` takes two optional hooks: ``progress``
is called with ``(stage, members done, members)`` when the simulated world is being prepared
(:data:`STAGE_PREPARE`, 0 done), then after every chunk of members (:data:`STAGE_MEMBERS`)
and once at the end (:data:`STAGE_DONE`); ``cancel`` is asked before the work starts, after
the world is prepared and after every chunk, and when it answers true the forecast stops
there with :class:`Cancelled` (nothing is returned; the chunks not yet started never run).
Neither changes any number.

Depends on NumPy, pandas, PyYAML, the model API and the other ``multipolar.votes`` modules.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from multipolar.core import rng
from multipolar.core.errors import InputError, MultipolarError
from multipolar.data.global_tables import WorldData, global_dir, load_world
from multipolar.datasets.follow import follow_data
from multipolar.votes.features import BOUNDED, CONTINUOUS, drift_sd, feature_panel
from multipolar.votes.fitting import (
    RECORD,
    design,
    forward_shifts,
    record_shares,
    training_rows,
)
from multipolar.votes.levels import (
    MIN_KIND_SHIFTS,
    covariance,
    forward_levels,
    kind_covariance,
    kind_rows,
    level_spreads,
    root,
)
from multipolar.votes.records import (
    CLASSES,
    DEFAULT_RESOLUTION,
    RESOLUTIONS,
    russia_votes,
    session_members,
    vote_rows,
)
from multipolar.votes.votemodel import VoteModel, draw_coefs, from_json

_EVENT = re.compile(r"^(?P<kind>[a-z_]+):(?P<target>[A-Za-z]{3})@(?P<year>\d{4})$")
_STREAM_COEF = 9101
_STREAM_DRIFT = 9200
_STREAM_EVENT = 9102
_STREAM_COUNT = 9103

STAGE_PREPARE = "preparing the simulated world"
STAGE_MEMBERS = "members"
STAGE_DONE = "done"
ProgressHook = Callable[[str, int, int], None]
"""``progress(stage, members done, members)`` (see the module docstring)."""
CancelHook = Callable[[], bool]
"""``cancel()``: true when the caller wants the forecast to stop (asked between chunks)."""


class Cancelled(Exception):
    """The forecast stopped because its ``cancel`` hook asked it to (between chunks)."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__(f"cancelled after {done:,} of {total:,} members")
        self.done, self.total = done, total


BUNDLED_FIT = "coalition_fit_2019.json"
"""The bundled calibration (fit through 2019, with the states' record)."""

SIMULATED = ("dist_russia", "dist_us", "agree_russia", "agree_us", "polyarchy", "trade_china",
             "arms_russia_share", "arms_us_share")
"""Vote-model inputs whose change after the origin comes from the simulated world."""

ANCHOR_MEMBERS = 64
"""Members used to estimate the plain scenario's target offsets at the origin."""

AGREE_WINDOW = 5
"""Years up to the origin over which agreement is regressed on alignment."""


# ---------------------------------------------------------------------------------- settings

@dataclass(frozen=True)
class CoalitionSettings:
    """What a coalition forecast is asked (the CLI's options; the dashboard builds one too).

    ``events``: ``KIND:TARGET@YEAR`` items (target an ISO3 code or a name); the vote concerns
    the first ``use_of_force`` among them, the others shape the simulated world. ``resolution``
    is a key of :data:`~multipolar.votes.records.RESOLUTIONS` (default: condemnation);
    ``vote_year`` defaults to the event's year. ``calibration`` is a file of
    ``calibrate-coalition`` (None: the bundled fit through 2019). ``hindsight`` allows a vote
    in or before the calibration's last year, labelled as hindsight.
    """

    scenario: str | Path = "russia-world"
    events: tuple[str, ...] = ()
    resolution: str | None = None
    vote_year: int | None = None
    perspective: str | None = None
    hypothesis: str | None = None
    sets: tuple[str, ...] = ()
    members: int = 1000
    seed: int = 0
    calibration: str | Path | None = None
    hindsight: bool = False
    chunk: int | None = None

    @property
    def chunk_size(self) -> int:
        """Members per chunk: ``chunk``, or by default :func:`progress_chunk` of ``members``."""
        return self.chunk if self.chunk is not None else progress_chunk(self.members)


PROGRESS_STEPS = 20
"""Chunks a forecast is cut into by default, so that its progress moves in 5% steps."""
CHUNK_RANGE = (50, 1000)
"""Fewest and most members in a default chunk (a chunk costs about 30 ms beyond its members;
a bigger one holds more memory)."""


def progress_chunk(members: int) -> int:
    """The default chunk: ``members / PROGRESS_STEPS`` within :data:`CHUNK_RANGE`."""
    lo, hi = CHUNK_RANGE
    return max(lo, min(hi, -(-members // PROGRESS_STEPS)))


@dataclass(frozen=True)
class Event:
    """``use_of_force:TARGET@YEAR``."""

    kind: str
    target: str
    year: int

    def to_json(self) -> dict[str, Any]:
        """The event as JSON, with the recorded resolution kind it is read as by default."""
        res = DEFAULT_RESOLUTION.get(self.kind, "condemnation")
        return {"kind": self.kind, "target": self.target, "year": self.year,
                "actor": "RUS", "resolution_kind": RESOLUTIONS[res],
                "spec": f"{self.kind}:{self.target}@{self.year}"}


@dataclass(frozen=True)
class Vote:
    """The vote forecast: on which event, what kind of resolution, in which year."""

    event: Event
    resolution: str
    year: int
    hindsight: bool = False

    @property
    def recorded_kind(self) -> str | None:
        """The recorded kind the resolution is read as (None: no past vote of its kind)."""
        return RESOLUTIONS[self.resolution]


def parse_event(text: str, known: set[str], names: dict[str, str] | None = None) -> Event:
    """Parse ``KIND:TARGET@YEAR`` (TARGET an ISO3 code, or a name found in ``names``)."""
    fix = "write e.g. --event use_of_force:UKR@2022 (kind:ISO3 code or name@year)"
    m = re.match(r"^\s*(?P<kind>[a-z_]+)\s*:\s*(?P<target>[^@]+?)\s*@\s*(?P<year>\d{4})\s*$",
                 text or "")
    if not m:
        raise MultipolarError(f"cannot read event '{text}'", field="--event", fix=fix)
    kind, year = m["kind"], int(m["year"])
    target = _resolve(m["target"], known, names or {})
    if kind not in DEFAULT_RESOLUTION:
        raise MultipolarError(f"unknown event kind '{kind}' for the vote", field="--event",
                              fix=f"the vote concerns one of: {', '.join(DEFAULT_RESOLUTION)}")
    if target == "RUS" or target not in known:
        raise MultipolarError(f"'{m['target']}' is not a UN member state of the scenario other "
                              "than Russia", field="--event",
                              fix="give the ISO3 code or name of the state Russia uses force "
                                  "against")
    if not 1993 <= year <= 2100:
        raise MultipolarError(f"event year {year} is outside 1993-2100", field="--event",
                              fix=fix)
    return Event(kind, target, year)


def _resolve(ref: str, known: set[str], names: dict[str, str]) -> str:
    key = ref.strip()
    if key.upper() in known:
        return key.upper()
    return names.get(key.casefold(), key.upper())


def state_names(world: WorldData) -> dict[str, str]:
    """``{name in lower case: ISO3}`` for every state of the bundled table."""
    c = world.countries
    return {str(n).casefold(): str(i) for n, i in zip(c["name"], c["iso3"], strict=True)}


def scenario_groups(ref: str | Path) -> tuple[dict[str, str], dict[str, str]]:
    """``({iso3: group}, {group: label})`` from a scenario's ``actor_sets``."""
    # lazy: keeps start-up fast (loads the scenario schema, pydantic)
    from multipolar.scenario.loader import read_raw, resolve_scenario_path

    # lazy: keeps start-up fast (loads the scenario schema, pydantic)
    from multipolar.scenario.tables import expand_actor_sets, group_labels

    path = resolve_scenario_path(ref)
    raw, _ = read_raw(path)
    sets = raw.get("actor_sets")
    if not sets:
        raise MultipolarError("the scenario has no actor_sets (the coalition forecast needs "
                              "every UN member state)", file=str(path), field="actor_sets",
                              fix="use the bundled scenario russia-world or add actor_sets")

    time = follow_data(raw).get("time")  # members as of the active data set's last year
    until = time.get("observed_until") if isinstance(time, dict) else None
    actors = expand_actor_sets(sets, path.parent, until if isinstance(until, int) else None)
    return {a["id"]: str(a["region"]) for a in actors}, group_labels(sets)


def load_fit(path: str | Path | None) -> VoteModel:
    """The vote model of a calibration file (the bundled fit through 2019 if ``path`` is None)."""
    p = global_dir() / BUNDLED_FIT if path is None else Path(path)
    where = str(p)
    try:
        obj = json.loads(p.read_text(encoding="utf-8"))
        model = from_json(obj["model"])
        int(model.meta["until"])
        if model.coef.shape != (len(model.names) + 1, 3):
            raise ValueError("coefficient table does not match the feature names")
    except OSError as exc:
        raise InputError(f"cannot read calibration file ({exc.strerror or exc})", file=where,
                         field="--calibration",
                         fix="give a file written by `multipolar calibrate-coalition`") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"not a coalition calibration file ({exc})", file=where,
                         field="--calibration",
                         fix="write one with `multipolar calibrate-coalition --until 2019 "
                             "--out FILE`") from None
    model.meta["source"] = "bundled" if path is None else where
    return model


def plan_vote(events: list[Event], resolution: str | None, vote_year: int | None,
              until: int, hindsight: bool = False) -> Vote:
    """The vote asked for, checked: a located error for a bad kind, year or hindsight."""
    force = [e for e in events if e.kind in DEFAULT_RESOLUTION]
    if not force:
        raise MultipolarError("the coalition forecast needs the event the vote is about",
                              field="--event",
                              fix="give --event use_of_force:TARGET@YEAR, e.g. "
                                  "--event use_of_force:UKR@2022")
    ev = force[0]
    res = resolution or DEFAULT_RESOLUTION[ev.kind]
    if res not in RESOLUTIONS:
        raise MultipolarError(f"unknown kind of resolution '{res}'", field="--resolution",
                              fix=f"use one of: {', '.join(RESOLUTIONS)}")
    year = ev.year if vote_year is None else int(vote_year)
    if year < ev.year:
        raise MultipolarError(f"the vote year {year} lies before the event ({ev.year})",
                              field="--vote-year", fix=f"give a year from {ev.year} on")
    late = year <= until
    if late and not hindsight:
        raise MultipolarError(
            f"a vote in {year} lies within the calibration's data (through {until}): its "
            "forecast would be hindsight", field="--vote-year",
            fix=f"fit on earlier data (`multipolar calibrate-coalition --until {year - 1} "
                "--out FIT.json`, then --calibration FIT.json), or add --hindsight to see it "
                "labelled as hindsight")
    return Vote(ev, res, year, late)


# --------------------------------------------------------------------------- the simulation

@dataclass
class WorldSimulation:
    """The world scenario compiled from the origin, with the overlays asked for (module doc).

    :meth:`deltas` runs members ``start..stop-1`` and returns, per member and actor, the change
    from the origin to ``end`` of alignment, democracy and China trade share, and the change of
    Russia's share of arms imports (the same for every member).
    """

    model: Any
    origin: int
    end: int
    seed: int
    actors: list[str]
    d_arms: np.ndarray
    applied: dict[str, Any] = field(default_factory=dict)

    def deltas(self, start: int, stop: int) -> dict[str, np.ndarray]:
        """``{name: (stop - start, actors)}`` changes over the horizon (module doc)."""
        # lazy: keeps start-up fast (loads the model, the scenario schema)
        from multipolar.model.engine import simulate

        res = simulate(self.model, self.seed, start, stop)
        out = {}
        for name in ("alignment", "democracy", "china_share"):
            arr = res.actor_outcomes[name].astype(np.float64)
            out[name] = np.nan_to_num(arr[:, -1, :] - arr[:, 0, :])
        return out


def world_panel(world: WorldData, until: int) -> Any:
    """The observed UN alignment (0 Russia, 1 the US) as a forecast panel, through ``until``."""
    # lazy: keeps start-up fast (loads the model, the scenario schema)
    from multipolar.forecast.origin import Panel

    cy = world.country_year
    cy = cy[(cy["year"] <= until) & cy["rel_pos_ru0_us1"].notna()]
    align: dict[str, dict[int, float]] = {}
    for iso, y, v in zip(cy["iso3"].astype(str), cy["year"].astype(int),
                         cy["rel_pos_ru0_us1"].astype(float), strict=True):
        align.setdefault(iso, {})[y] = v
    return Panel("bundled global table", align)


def simulate_world(settings: CoalitionSettings, events: list[str], origin: int, end: int,
                   world: WorldData) -> WorldSimulation:
    """Load, overlay and compile the world scenario from ``origin`` to ``end`` (module doc)."""
    # lazy: keeps start-up fast (loads the model, the scenario schema)
    from multipolar.forecast.conditional import load_with_events

    # lazy: keeps start-up fast (loads the model, the scenario schema)
    from multipolar.forecast.conditional import parse_event as parse_dated

    # lazy: keeps start-up fast (loads the model, the scenario schema)
    from multipolar.forecast.origin import load_for_origin, prepare_model, target_gap

    # lazy: keeps start-up fast (loads the model, the scenario schema)
    from multipolar.model.engine import world_series

    panel = world_panel(world, origin)
    plain = load_for_origin(settings.scenario, origin)
    last = plain.scenario.time.end
    if end > last:
        raise MultipolarError(f"a vote in {end + 1} needs the world of {end}, after the "
                              f"scenario's last year {last}", field="--vote-year",
                              fix=f"give a vote year up to {last + 1}")
    base = prepare_model(plain, origin, end, panel)
    offset = target_gap(base, settings.seed, ANCHOR_MEMBERS)
    loaded = load_with_events(settings.scenario, origin, None,
                              [parse_dated(e) for e in events], sets=list(settings.sets),
                              perspective=settings.perspective,
                              hypothesis=settings.hypothesis)
    model = prepare_model(loaded, origin, end, panel)
    if list(model.actors) != list(base.actors):
        raise MultipolarError("the overlays changed the scenario's actors", field="--set",
                              fix="the coalition forecast needs the scenario's own states")
    model = dataclasses.replace(model, static={**model.static, "alignment_offset": offset})
    arms = world_series(model)["_arms_share_russia"].astype(np.float64)
    return WorldSimulation(model, origin, end, settings.seed, list(model.actors),
                           arms[-1] - arms[0], dict(loaded.applied))


def _ideal_points(world: WorldData, year: int, states: list[str]) -> tuple[np.ndarray, float,
                                                                           float]:
    """Each state's ideal point as of ``year`` (carried forward), and Russia's and the US's."""
    cy = world.country_year[world.country_year["year"] <= year]
    ip = (cy.dropna(subset=["idealpoint"]).sort_values("year")
          .groupby(cy["iso3"].astype(str))["idealpoint"].last())
    return (ip.reindex(states).to_numpy(dtype=float), float(ip.get("RUS", np.nan)),
            float(ip.get("USA", np.nan)))


def _agreement_slopes(world: WorldData, year: int) -> dict[str, float]:
    """Slope of agreement with Russia and with the US on alignment, in the last years' data."""
    cy = world.country_year
    cy = cy[(cy["year"] > year - AGREE_WINDOW) & (cy["year"] <= year)]
    out = {}
    for name in ("agree_russia", "agree_us"):
        d = cy[["rel_pos_ru0_us1", name]].dropna()
        x, y = d["rel_pos_ru0_us1"].to_numpy(), d[name].to_numpy()
        out[name] = float(np.polyfit(x, y, 1)[0]) if len(d) > 10 and np.ptp(x) > 0 else 0.0
    return out


@dataclass
class _Inputs:
    """What the members need to build their design rows."""

    x: np.ndarray
    ages: np.ndarray
    sd: dict[str, float]
    horizon: int
    sim: WorldSimulation | None
    cols: np.ndarray  # voter -> simulated actor column (-1: none)
    ip: np.ndarray
    ip_ru: float
    ip_us: float
    slopes: dict[str, float]


def _member_x(model: VoteModel, inp: _Inputs, keys: np.ndarray, year: int, start: int,
              stop: int) -> np.ndarray:
    """Members x states x features: observed values, moved by the simulation and drift."""
    names = model.names
    out = np.repeat(inp.x[None, :, :], len(keys), axis=0)
    simulated = set(SIMULATED) if inp.sim is not None else set()
    for j, n in enumerate(names):
        if n not in CONTINUOUS or n in simulated or inp.sd.get(n, 0.0) == 0.0:
            continue
        steps = np.clip(inp.ages[:, j] + inp.horizon, 0.0, None)
        z = rng.normal(keys, _STREAM_DRIFT + j, year, inp.x.shape[0])
        out[:, :, j] += z * inp.sd[n] * np.sqrt(steps)[None, :]
        if n in BOUNDED:
            np.clip(out[:, :, j], 0.0, 1.0, out=out[:, :, j])
        elif n.startswith("dist_"):
            np.abs(out[:, :, j], out=out[:, :, j])
    if inp.sim is None:
        return out
    d = inp.sim.deltas(start, stop)
    has = inp.cols >= 0
    cols = np.where(has, inp.cols, 0)

    def per_voter(arr: np.ndarray) -> np.ndarray:
        return np.where(has[None, :], arr[..., cols], 0.0)

    d_align = per_voter(d["alignment"])
    col = {n: j for j, n in enumerate(names)}
    span = inp.ip_us - inp.ip_ru
    if np.isfinite(span):
        ip = np.where(np.isfinite(inp.ip), inp.ip, np.nan)[None, :] + d_align * span
        for n, ref in (("dist_russia", inp.ip_ru), ("dist_us", inp.ip_us)):
            if n in col:
                new = np.abs(ip - ref)
                out[:, :, col[n]] = np.where(np.isfinite(new), new, out[:, :, col[n]])
    for n in ("agree_russia", "agree_us"):
        if n in col:
            out[:, :, col[n]] = np.clip(out[:, :, col[n]] + inp.slopes[n] * d_align, 0.0, 1.0)
    for n, src in (("polyarchy", "democracy"), ("trade_china", "china_share")):
        if n in col:
            out[:, :, col[n]] = np.clip(out[:, :, col[n]] + per_voter(d[src]), 0.0, 1.0)
    if "arms_russia_share" in col:
        old = out[:, :, col["arms_russia_share"]].copy()
        new = np.clip(old + per_voter(inp.sim.d_arms[None, :]), 0.0, 1.0)
        out[:, :, col["arms_russia_share"]] = new
        if "arms_us_share" in col:  # the other suppliers keep their deliveries
            rest = np.where(old < 1.0, (1.0 - new) / np.maximum(1.0 - old, 1e-12), 1.0)
            j = col["arms_us_share"]
            out[:, :, j] = np.clip(out[:, :, j] * rest, 0.0, 1.0)
    return out


def _member_probs(start: int, stop: int, *, model: VoteModel, inp: _Inputs, vote: Vote,
                  seed: int) -> np.ndarray:
    """Outcome probabilities ``(stop - start, states, 4)`` of ensemble members start..stop-1."""
    keys = rng.member_keys(seed, start, stop)
    xs = _member_x(model, inp, keys, vote.year, start, stop)
    return vote_probs(model, xs, keys, vote.year, _kind_known(model, vote),
                      kind=vote.recorded_kind)


def vote_probs(model: VoteModel, xs: np.ndarray, keys: np.ndarray, year: int, known: bool,
               vote_level: bool = True, kind: str | None = None) -> np.ndarray:
    """Members' outcome probabilities ``(members, states, 4)`` for design rows ``xs``.

    Each member draws the coefficients and (``vote_level``) the level of this vote: a shift of
    every state's scores with the spread of past votes around the forecasts made before them
    (``known``: the kind has past votes and ``xs`` carries its indicator; the spread of
    recorded ``kind``, pooled over all kinds while it has few forecast errors of its own), else
    the mean kind effect plus a draw with the spread of votes of kinds new when they were cast
    (``xs`` without kind indicators; :func:`multipolar.votes.levels.forward_levels`).
    """
    coefs = draw_coefs(model, rng.normal(keys, _STREAM_COEF, year, model.coef.size))
    z = (xs - model.mean) / model.scale
    scores = np.einsum("msd,mdk->msk", z, coefs[:, 1:, :]) + coefs[:, :1, :]
    lv = model.meta["levels"]
    cov = kind_covariance(lv, kind if known else None) * (1.0 if vote_level else 0.0)
    shock = rng.normal(keys, _STREAM_EVENT, year, 3)
    if known:
        scores += (shock @ root(cov).T)[:, None, :]
    else:  # no past vote of this kind: the mean kind effect and the new kinds' spread
        _, krows = kind_rows(model)
        centre = coefs[:, krows, :].mean(axis=1) if krows else np.zeros((len(keys), 3))
        if not vote_level:
            both = covariance(lv, "kind")
        elif "new_kind_cov" in lv:  # learned from votes of kinds new when they were cast
            both = covariance(lv, "new_kind")
        else:  # a file from before the forward spreads
            both = covariance(lv, "vote") + covariance(lv, "kind")
        scores += (centre + shock @ root(both).T)[:, None, :]
    full = np.concatenate([np.zeros((*scores.shape[:2], 1)), scores], axis=-1)
    full -= full.max(axis=-1, keepdims=True)
    p = np.exp(full)
    p /= p.sum(axis=-1, keepdims=True)
    return np.asarray(p)


def _kind_known(model: VoteModel, vote: Vote) -> bool:
    kind = vote.recorded_kind
    recorded = {v["kind"] for v in model.meta.get("votes", [])}
    return kind is not None and kind in recorded and f"kind_{kind}" in model.names


def _spread_note(levels: dict[str, Any], kind: str | None) -> dict[str, Any]:
    """The vote-level spread a forecast of recorded ``kind`` (None: a new kind) draws, and why."""
    k = int(levels.get("min_kind_shifts", MIN_KIND_SHIFTS))
    if kind is None:
        cov = (covariance(levels, "new_kind") if "new_kind_cov" in levels
               else covariance(levels, "vote") + covariance(levels, "kind"))
        pooled = bool(levels.get("new_kind_pooled", False))
        why = (f"fewer than {k} earlier votes of a kind new when cast: at least as wide as the "
               "forecast errors of all kinds (and of a vote plus the kinds' spread)" if pooled
               else "the forecast errors of votes whose kind was new when cast")
    else:
        entry = levels.get("by_kind", {}).get(kind)
        cov = kind_covariance(levels, kind)
        pooled = bool(entry and entry["pooled"])
        n = int(entry["forward_shifts"]) if entry else 0
        why = (f"{n} forecast error(s) of this kind, fewer than {k}: at least as wide as the "
               "forecast errors of all kinds" if pooled
               else "the forecast errors of votes whose kind had an earlier vote")
    return {"sd": [round(float(v), 3) for v in np.sqrt(np.diag(cov))], "pooled": pooled,
            "from": why}


def _levels(world: WorldData, model: VoteModel, groups: dict[str, str]) -> dict[str, Any]:
    """The model's vote- and kind-level spreads.

    Computed from its votes if the file lacks them: the forward spreads of
    :func:`multipolar.votes.levels.forward_levels`.
    """
    if "levels" not in model.meta:
        cut = world.until(int(model.meta["until"]))
        x, rows, names = training_rows(cut, groups,
                                       with_record=any(n in RECORD for n in model.names))
        if names != model.names:
            raise InputError("the calibration file was fitted with other inputs or groups",
                             field="--calibration",
                             fix="re-fit it with `multipolar calibrate-coalition`")
        model.meta["levels"] = forward_levels(level_spreads(model, x, rows),
                                              forward_shifts(x, rows, names),
                                              kinds=sorted(set(rows["kind"])))
    return dict(model.meta["levels"])


def forecast(world: WorldData, model: VoteModel, vote: Vote | Event, groups: dict[str, str], *,
             members: int = 1000, seed: int = 0, chunk: int = 1000,
             sim: WorldSimulation | None = None, evaluator: Any = None,
             progress: ProgressHook | None = None,
             cancel: CancelHook | None = None) -> dict[str, Any]:
    """Per-state outcome probabilities with 90% intervals (the JSON of ``multipolar coalition``).

    ``world`` is cut at the model's calibration year; states are the UN members of that year.
    ``sim`` is the simulated world from the origin to the year before the vote (None: the
    observed inputs with the random walk only; used where the vote follows the origin by one
    year or less). Members are computed ``chunk`` at a time (the result does not depend on it);
    the chunks are independent tasks mapped over ``evaluator`` (local, processes or Dask; at
    least one chunk per worker), keyed by their members, so the result does not depend on it
    either. ``progress`` and ``cancel`` are the hooks of the module docstring.
    """
    if isinstance(vote, Event):
        vote = Vote(vote, DEFAULT_RESOLUTION[vote.kind], vote.year)
    event = vote.event
    until = int(model.meta["until"])
    levels = _levels(world, model, groups)
    cut = world.until(until)
    panel = feature_panel(cut)
    obs_year = min(vote.year - 1, until)
    horizon = max(0, vote.year - 1 - until)
    rc = cut.rollcalls
    last_session = int(rc.loc[rc["year"] <= min(vote.year, until), "session"].max())
    states = sorted(s for s in session_members(cut, last_session) if s in groups)
    voters = [s for s in states if s not in ("RUS", event.target)]
    record = None
    if any(n in RECORD for n in model.names):
        past = vote_rows(cut, russia_votes(cut))
        record = record_shares(past, pd.Timestamp(min(vote.year, until + 1), 1, 1), voters)
    kind = vote.recorded_kind if _kind_known(model, vote) else "(pooled)"
    x, ages = design(panel, voters, obs_year, groups, str(kind), model.names, record)
    age = ages.reindex(columns=[n for n in model.names if n in ages.columns])
    age_full = np.column_stack([age[n].to_numpy() if n in age.columns else np.zeros(len(voters))
                                for n in model.names])
    index = {a: i for i, a in enumerate(sim.actors)} if sim is not None else {}
    ip, ip_ru, ip_us = _ideal_points(cut, obs_year, voters)
    inp = _Inputs(x, age_full, drift_sd(panel), horizon, sim,
                  np.array([index.get(s, -1) for s in voters]), ip, ip_ru, ip_us,
                  _agreement_slopes(cut, obs_year))
    from multipolar.ensemble.tasks import map_tasks

    workers = int(getattr(evaluator, "workers", 1) or 1)
    step = max(1, min(chunk, -(-members // workers)))
    calls = [(start, min(members, start + step)) for start in range(0, members, step)]
    finished = 0

    def done(i: int, _res: Any) -> None:
        nonlocal finished
        finished += calls[i][1] - calls[i][0]
        if progress is not None:
            progress(STAGE_MEMBERS, finished, members)
        if cancel is not None and finished < members and cancel():
            raise Cancelled(finished, members)

    if cancel is not None and cancel():
        raise Cancelled(0, members)
    if progress is not None:
        progress(STAGE_MEMBERS, 0, members)
    p = np.concatenate(map_tasks(
        _member_probs, calls, evaluator, done=done,
        common={"model": model, "inp": inp, "vote": vote, "seed": seed}))  # (members, states, 4)
    rows = [_state_row(world, s, groups, p[:, i, :]) for i, s in enumerate(voters)]
    fixed = {"RUS": 2, event.target: 0}
    for s, k in fixed.items():
        one = np.zeros((1, len(CLASSES)))
        one[0, k] = 1.0
        rows.append({**_state_row(world, s, groups, one), "fixed": True})
    rows.sort(key=lambda r: (-r["p_no"], r["iso3"]))
    counts = sampled_counts(p, seed, vote.year, chunk)
    counts[:, 0] += 1  # the target votes yes
    counts[:, 2] += 1  # Russia votes no
    expected = p.sum(axis=1).mean(axis=0) + np.array([1.0, 0.0, 1.0, 0.0])
    totals = {c: {"expected": round(float(expected[k]), 1),
                  "interval": [float(np.quantile(counts[:, k], q, method="inverted_cdf"))
                               for q in (0.05, 0.95)]}
              for k, c in enumerate(CLASSES)}
    known = _kind_known(model, vote)
    n_kind = sum(v["kind"] == vote.recorded_kind for v in model.meta.get("votes", []))
    spread = _spread_note(levels, vote.recorded_kind if known else None)
    if progress is not None:
        progress(STAGE_DONE, members, members)
    return {"event": event.to_json(),
            "resolution": {
                "kind": vote.resolution, "recorded_as": vote.recorded_kind if known else None,
                "vote_year": vote.year, "past_votes_of_kind": n_kind if known else 0,
                "level": (f"fitted on {n_kind} past vote(s) of this kind" if known else
                          "no past vote of this kind up to the calibration year: its level "
                          "is the mean of the recorded kinds, and its interval carries their "
                          "spread (wider)"),
                "level_spread": spread},
            "hindsight": vote.hindsight,
            "calibration": {"until": until, "observed_year": obs_year,
                            "drift_years": horizon, "members": members, "seed": seed,
                            "votes": len(model.meta.get("votes", [])),
                            "source": model.meta.get("source", "bundled"),
                            "vote_sd": [round(v, 3) for v in levels["vote_sd"]],
                            "kind_sd": [round(v, 3) for v in levels["kind_sd"]]},
            "world": ({"simulated": True, "origin": sim.origin, "to": sim.end,
                       "applied": sim.applied} if sim is not None else
                      {"simulated": False, "origin": obs_year, "to": obs_year,
                       "applied": {}}),
            "totals": totals,
            "states": rows}


def sampled_counts(p: np.ndarray, seed: int, year: int, chunk: int) -> np.ndarray:
    """``(members, 4)`` counts: each member draws every state's vote from its probabilities."""
    out = np.zeros((p.shape[0], p.shape[2]), dtype=np.int64)
    for start in range(0, p.shape[0], chunk):
        stop = min(p.shape[0], start + chunk)
        u = rng.uniform(rng.member_keys(seed, start, stop), _STREAM_COUNT, year, p.shape[1])
        cum = np.cumsum(p[start:stop], axis=-1)
        k = np.minimum((cum < u[:, :, None]).sum(axis=-1), p.shape[2] - 1)
        out[start:stop] = np.stack([(k == c).sum(axis=1) for c in range(p.shape[2])], axis=1)
    return out


def _state_row(world: WorldData, iso3: str, groups: dict[str, str],
               p: np.ndarray) -> dict[str, Any]:
    lo = np.quantile(p, 0.05, axis=0)
    hi = np.quantile(p, 0.95, axis=0)
    mean = p.mean(axis=0)
    row: dict[str, Any] = {"iso3": iso3, "name": world.name_of(iso3),
                           "group": groups.get(iso3)}
    for k, c in enumerate(CLASSES):
        row[f"p_{c}"] = round(float(mean[k]), 4)
    row["interval"] = {c: [round(float(lo[k]), 4), round(float(hi[k]), 4)]
                       for k, c in enumerate(CLASSES)}
    return row


# ------------------------------------------------------------------------- the one entry

def coalition_forecast(settings: CoalitionSettings, *, world: WorldData | None = None,
                       model: VoteModel | None = None, evaluator: Any = None,
                       progress: ProgressHook | None = None,
                       cancel: CancelHook | None = None) -> dict[str, Any]:
    """The coalition forecast for ``settings`` (the JSON of ``multipolar coalition``).

    ``world`` (the bundled tables) and ``model`` (the calibration's vote model) may be passed to
    save loading them again; the result does not depend on it. The members' chunks run on
    ``evaluator`` (default: this process); the result does not depend on it either.
    ``progress`` and ``cancel``: the hooks of the module docstring (:class:`Cancelled` is
    raised when ``cancel`` asks to stop).
    """
    if not 1 <= settings.members <= 200_000:
        raise MultipolarError(f"--members {settings.members} is outside 1 to 200,000",
                              field="--members", fix="e.g. --members 1000")
    groups, _ = scenario_groups(settings.scenario)
    world = load_world() if world is None else world
    model = load_fit(settings.calibration) if model is None else model
    until = int(model.meta["until"])
    names = state_names(world)
    vote_events: list[Event] = []
    other: list[str] = []
    for text in settings.events:
        kind = text.split(":", 1)[0].strip()
        if kind in DEFAULT_RESOLUTION and not vote_events:
            vote_events.append(parse_event(text, set(groups), names))
        else:
            other.append(text)
    vote = plan_vote(vote_events, settings.resolution, settings.vote_year, until,
                     settings.hindsight)
    sim = None
    if cancel is not None and cancel():
        raise Cancelled(0, settings.members)
    if progress is not None:
        progress(STAGE_PREPARE, 0, settings.members)
    if vote.year - 1 > until:
        dated = [f"{vote.event.kind}:{vote.event.target}@{vote.event.year}", *other]
        sim = simulate_world(settings, dated, until, vote.year - 1, world)
    return forecast(world, model, vote, groups, members=settings.members, seed=settings.seed,
                    chunk=settings.chunk_size, sim=sim, evaluator=evaluator, progress=progress,
                    cancel=cancel)
