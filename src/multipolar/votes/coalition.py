"""The coalition forecast: who condemns, abstains, sides with Russia or stays away.

For an event ``use_of_force:TARGET@YEAR`` (Russia uses force against TARGET in YEAR) every UN
member state gets the probability of voting yes / abstaining / voting no / being absent on a
General Assembly resolution that condemns the use of force and defends TARGET's territorial
integrity, with a 90% interval over an ensemble. Member *m* draws (a) the vote model's
coefficients from their approximate posterior and (b) each state's drift from the last observed
year to the year before the event (a random walk per continuous quantity whose yearly step is
the pooled spread of observed changes, widened for stale inputs). Draws come from the counter
RNG keyed by member (:mod:`multipolar.core.rng`), so a member's numbers do not depend on how many
members are run. Russia is taken to vote no and TARGET yes. Depends on NumPy, pandas, PyYAML
and the other ``multipolar.votes`` modules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from multipolar.core import rng
from multipolar.core.errors import MultipolarError
from multipolar.data.global_tables import WorldData
from multipolar.votes.features import BOUNDED, CONTINUOUS, drift_sd, feature_panel
from multipolar.votes.fitting import RECORD, design, record_shares
from multipolar.votes.records import (
    CLASSES,
    EVENT_KIND,
    russia_votes,
    session_members,
    vote_rows,
)
from multipolar.votes.votemodel import VoteModel, draw_coefs

_EVENT = re.compile(r"^(?P<kind>[a-z_]+):(?P<target>[A-Za-z]{3})@(?P<year>\d{4})$")
_STREAM_COEF = 9101
_STREAM_DRIFT = 9200
_STREAM_EVENT = 9102


def kind_spread(model: VoteModel) -> np.ndarray:
    """Per outcome, the spread of the fitted resolution-kind effects (root mean square).

    Only kinds with recorded votes in the fit count. A new event is another draw of a kind
    effect, so each ensemble member shifts every state's scores by one such draw: how strongly
    an event of this kind rallies the Assembly is the part least pinned down by the past votes.
    """
    kinds = {v["kind"] for v in model.meta.get("votes", [])}
    rows = [i + 1 for i, n in enumerate(model.names)
            if n.startswith("kind_") and n[5:] in kinds]
    if len(rows) < 2:
        return np.zeros(model.coef.shape[1])
    eff = model.coef[rows, :]
    return np.asarray(np.sqrt(np.mean((eff - eff.mean(axis=0)) ** 2, axis=0)))


@dataclass(frozen=True)
class Event:
    """``use_of_force:TARGET@YEAR``."""

    kind: str
    target: str
    year: int

    def to_json(self) -> dict[str, Any]:
        """The event as JSON, with the recorded resolution kind it is read as."""
        return {"kind": self.kind, "target": self.target, "year": self.year,
                "actor": "RUS", "resolution_kind": EVENT_KIND[self.kind],
                "spec": f"{self.kind}:{self.target}@{self.year}"}


def parse_event(text: str, known: set[str]) -> Event:
    """Parse ``KIND:TARGET@YEAR``; a located error for anything else."""
    m = _EVENT.match(text.strip())
    fix = "write e.g. --event use_of_force:UKR@2022 (kind:ISO3 code@year)"
    if not m:
        raise MultipolarError(f"cannot read event '{text}'", field="--event", fix=fix)
    kind, target, year = m["kind"], m["target"].upper(), int(m["year"])
    if kind not in EVENT_KIND:
        raise MultipolarError(f"unknown event kind '{kind}'", field="--event",
                              fix=f"known kinds: {', '.join(EVENT_KIND)}")
    if target == "RUS" or target not in known:
        raise MultipolarError(f"'{target}' is not a UN member state of the scenario other "
                              "than Russia", field="--event",
                              fix="give the ISO3 code of the state Russia uses force against")
    if not 1993 <= year <= 2100:
        raise MultipolarError(f"event year {year} is outside 1993-2100", field="--event",
                              fix=fix)
    return Event(kind, target, year)


def scenario_groups(ref: str | Path) -> tuple[dict[str, str], dict[str, str]]:
    """``({iso3: group}, {group: label})`` from a scenario's ``actor_sets``."""
    from multipolar.scenario.loader import read_raw, resolve_scenario_path
    from multipolar.scenario.tables import expand_actor_sets, group_labels

    path = resolve_scenario_path(ref)
    raw, _ = read_raw(path)
    sets = raw.get("actor_sets")
    if not sets:
        raise MultipolarError("the scenario has no actor_sets (the coalition forecast needs "
                              "every UN member state)", file=str(path), field="actor_sets",
                              fix="use the bundled scenario russia-world or add actor_sets")
    actors = expand_actor_sets(sets, path.parent)
    return {a["id"]: str(a["region"]) for a in actors}, group_labels(sets)


def _drifted(values: np.ndarray, ages: np.ndarray, names: list[str], sd: dict[str, float],
             horizon: int, keys: np.ndarray, year: int) -> np.ndarray:
    """Members x states x features: the last observed values plus a random-walk drift."""
    out = np.repeat(values[None, :, :], len(keys), axis=0)
    for j, n in enumerate(names):
        if n not in CONTINUOUS or sd.get(n, 0.0) == 0.0:
            continue
        steps = np.clip(ages[:, j] + horizon, 0.0, None)
        z = rng.normal(keys, _STREAM_DRIFT + j, year, values.shape[0])
        out[:, :, j] += z * sd[n] * np.sqrt(steps)[None, :]
        if n in BOUNDED:
            np.clip(out[:, :, j], 0.0, 1.0, out=out[:, :, j])
        elif n.startswith("dist_"):
            np.abs(out[:, :, j], out=out[:, :, j])
    return out


def _member_probs(model: VoteModel, x: np.ndarray, ages: np.ndarray, sd: dict[str, float],
                  horizon: int, year: int, seed: int, start: int, stop: int) -> np.ndarray:
    """Outcome probabilities ``(stop - start, states, 4)`` of ensemble members start..stop-1."""
    keys = rng.member_keys(seed, start, stop)
    xs = _drifted(x, ages, model.names, sd, horizon, keys, year)
    coefs = draw_coefs(model, rng.normal(keys, _STREAM_COEF, year, model.coef.size))
    z = (xs - model.mean) / model.scale
    scores = np.einsum("msd,mdk->msk", z, coefs[:, 1:, :]) + coefs[:, :1, :]
    tau = kind_spread(model)
    scores += rng.normal(keys, _STREAM_EVENT, year, len(tau))[:, None, :] * tau
    full = np.concatenate([np.zeros((*scores.shape[:2], 1)), scores], axis=-1)
    full -= full.max(axis=-1, keepdims=True)
    p = np.exp(full)
    p /= p.sum(axis=-1, keepdims=True)
    return np.asarray(p)


def forecast(world: WorldData, model: VoteModel, event: Event, groups: dict[str, str], *,
             members: int = 1000, seed: int = 0, chunk: int = 1000) -> dict[str, Any]:
    """Per-state outcome probabilities with 90% intervals (the JSON of ``multipolar coalition``).

    ``world`` is cut at the model's calibration year; states are the UN members of that year.
    Members are computed ``chunk`` at a time (the result does not depend on ``chunk``).
    """
    until = int(model.meta["until"])
    cut = world.until(until)
    panel = feature_panel(cut)
    obs_year = min(event.year - 1, until)
    horizon = max(0, event.year - 1 - until)
    rc = cut.rollcalls
    last_session = int(rc.loc[rc["year"] <= min(event.year, until), "session"].max())
    states = sorted(s for s in session_members(cut, last_session) if s in groups)
    voters = [s for s in states if s not in ("RUS", event.target)]
    record = None
    if any(n in RECORD for n in model.names):
        past = vote_rows(cut, russia_votes(cut))
        record = record_shares(past, pd.Timestamp(min(event.year, until + 1), 1, 1), voters)
    x, ages = design(panel, voters, obs_year, groups, EVENT_KIND[event.kind], model.names,
                     record)
    age = ages.reindex(columns=[n for n in model.names if n in ages.columns])
    age_full = np.column_stack([age[n].to_numpy() if n in age.columns else np.zeros(len(voters))
                                for n in model.names])
    sd = drift_sd(panel)
    p = np.concatenate([
        _member_probs(model, x, age_full, sd, horizon, event.year, seed, start,
                      min(members, start + chunk))
        for start in range(0, members, chunk)])  # (members, states, 4)
    rows = [_state_row(world, s, groups, p[:, i, :]) for i, s in enumerate(voters)]
    fixed = {"RUS": 2, event.target: 0}
    for s, k in fixed.items():
        one = np.zeros((1, len(CLASSES)))
        one[0, k] = 1.0
        rows.append({**_state_row(world, s, groups, one), "fixed": True})
    rows.sort(key=lambda r: (-r["p_no"], r["iso3"]))
    per_member = p.sum(axis=1)  # (members, 4): expected counts among the voters
    per_member[:, 0] += 1.0  # the target votes yes
    per_member[:, 2] += 1.0  # Russia votes no
    totals = {c: {"expected": round(float(per_member[:, k].mean()), 1),
                  "interval": [round(float(np.quantile(per_member[:, k], q)), 1)
                               for q in (0.05, 0.95)]}
              for k, c in enumerate(CLASSES)}
    return {"event": event.to_json(),
            "calibration": {"until": until, "observed_year": obs_year,
                            "drift_years": horizon, "members": members, "seed": seed,
                            "votes": len(model.meta.get("votes", [])),
                            "source": model.meta.get("source", "bundled")},
            "totals": totals,
            "states": rows}


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
