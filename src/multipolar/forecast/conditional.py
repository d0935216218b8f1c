"""Event-conditional forecasts: "what if Russia uses force against TARGET in YEAR?".

An event is written ``KIND:TARGET@YEAR`` (e.g. ``use_of_force:UKR@2022``; some kinds of the
scenario language add ``/INSTITUTION`` after the target); ``TARGET`` is an actor's ISO3 code
or id. :func:`load_with_events` loads a scenario for a forecast origin with
the events applied:

* where the scenario language accepts dated events (``load_scenario(..., events=[...])``), they
  are passed through, and an engine that acts on them (:func:`events_honoured`) applies them;
* where the engine does not act on them, a ``use_of_force`` event is applied as a lever
  override: Russia's ``russia_assertion`` is set to :data:`FORCE_ASSERTION` from the year of
  the first use of force (from the origin where levers are constant in time). Assertion at
  that level makes democratic neighbours balance against Russia and autocratic ones bandwagon
  with it, as the assertion mechanism encodes; the target is not singled out.

Depends on the scenario loader and :mod:`multipolar.forecast.origin`.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import multipolar.model.engine as engine
from multipolar.core.errors import InputError
from multipolar.forecast.origin import load_for_origin
from multipolar.scenario import load_scenario
from multipolar.scenario.loader import LoadedScenario
from multipolar.scenario.overrides import parse_sets

EVENT_KINDS = ("use_of_force",)
"""Event kinds a conditional forecast understands."""

FORCE_ASSERTION = 1.0
"""Level of the ``russia_assertion`` lever standing in for a use of force (its maximum)."""

_EVENT = re.compile(r"^\s*([a-z_]+)\s*:\s*([A-Za-z][\w .-]*?)\s*(/\s*[\w-]+)?\s*@\s*(\d{4})\s*$")


@dataclass(frozen=True)
class Event:
    """A dated event: ``kind`` against ``target`` (ISO3 or actor id) in ``year``."""

    kind: str
    target: str
    year: int
    institution: str | None = None

    def text(self) -> str:
        """The event in ``KIND:TARGET[/INSTITUTION]@YEAR`` form."""
        inst = f"/{self.institution}" if self.institution else ""
        return f"{self.kind}:{self.target}{inst}@{self.year}"


def parse_event(text: str) -> Event:
    """Parse ``KIND:TARGET@YEAR``; a located error names the fix."""
    m = _EVENT.match(text or "")
    fix = "write e.g. --event use_of_force:UKR@2022"
    if not m:
        raise InputError(f"event '{text}' is not KIND:TARGET@YEAR", field="--event", fix=fix)
    kind, target, year = m.group(1), m.group(2), int(m.group(4))
    inst = m.group(3).lstrip("/ ").strip() if m.group(3) else None
    if kind not in EVENT_KINDS and not events_supported():
        # where the scenario language takes events, it checks the kinds it knows
        raise InputError(f"unknown event kind '{kind}'", field="--event",
                         fix=f"use one of: {', '.join(EVENT_KINDS)}")
    return Event(kind, target, year, inst)


def resolve_target(loaded: LoadedScenario, event: Event) -> str:
    """The actor id of the event's target (matched on ISO3 code or id, any case)."""
    want = event.target.lower()
    for a in loaded.scenario.actors:
        if a.id.lower() == want or (getattr(a, "iso3", None) or "").lower() == want:
            return str(a.id)
    names = ", ".join(str(getattr(a, "iso3", None) or a.id) for a in loaded.scenario.actors)
    raise InputError(f"event target '{event.target}' is not an actor of the scenario",
                     field="--event", fix=f"use one of: {names}")


def events_supported() -> bool:
    """Whether the scenario language takes dated events (``load_scenario(events=...)``)."""
    return "events" in inspect.signature(load_scenario).parameters


def events_honoured() -> bool:
    """Whether the engine acts on ``use_of_force`` events (not only compiles them).

    Read from the engine's source: a simulation would cost more than it tells. Where the
    scenario language takes events but the engine ignores them, the lever override below
    stands in for them as well.
    """
    try:
        return "use_of_force" in inspect.getsource(engine)
    except (OSError, TypeError):
        return False


def event_sets(events: list[Event], origin: int, dated: bool = False) -> dict[str, Any]:
    """Lever overrides standing in for ``events`` after ``origin`` (module doc, fallback).

    ``dated``: the scenario language takes levers by year, so the lever rises from the first
    use of force on (``levers.russia_assertion@YEAR``) instead of from the origin.
    """
    years = [e.year for e in events if e.kind == "use_of_force" and e.year > origin]
    if not years:
        return {}
    key = f"levers.russia_assertion@{min(years)}" if dated else "levers.russia_assertion"
    return {key: FORCE_ASSERTION}


def load_with_events(scenario: str | Path, origin: int, overrides: dict[str, Any] | None,
                     events: list[Event], sets: list[str] | dict[str, Any] | None = None,
                     perspective: str | None = None, hypothesis: str | None = None
                     ) -> LoadedScenario:
    """Load ``scenario`` blind after ``origin`` with calibration ``overrides`` and ``events``."""
    base = load_for_origin(scenario, origin, overrides, sets=sets, perspective=perspective,
                           hypothesis=hypothesis)
    if not events:
        return base
    if not events_supported():  # else the scenario language checks them, naming the item
        for e in events:
            resolve_target(base, e)
    pairs: dict[str, Any] = {}
    if isinstance(sets, list):
        pairs.update(parse_sets(sets))
    elif sets:
        pairs.update(sets)
    if not events_honoured():
        pairs.update(event_sets(events, origin, dated=events_supported()))
    if events_supported():
        return load_for_origin(scenario, origin, overrides, sets=pairs, perspective=perspective,
                               hypothesis=hypothesis, events=[e.text() for e in events])
    return load_for_origin(scenario, origin, overrides, sets=pairs, perspective=perspective,
                           hypothesis=hypothesis)
