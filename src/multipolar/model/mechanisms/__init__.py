"""The mechanisms of the neighbourhood model: one small unit per idea of the seeds.

Each mechanism is a class (see :mod:`.base` for the contract) that declares its parameters
with their defaults, units, bounds and meanings, the state it reads and writes, the context
items, levers and random streams it uses, and the THEORY.md items and citations behind it.
Its ``step`` updates the vectorised :class:`~multipolar.model.state.State` for one year: every
array is shaped ``(members, actors)`` (or ``(members,)`` for Russia's own variables), so one call
advances the whole ensemble. The scenario carries the evidence for each mechanism, may give
its parameters uncertainty, switch it off (``enabled: false``: it then contributes nothing) or
pick another implementation (``implementation: opportunist``).

Most mechanisms add a shift to ``state.target_shift``, the target alignment of each neighbour;
``alignment`` moves alignment part of the way to that target each year. :data:`ORDER` is the
order of the built-in steps within a year; a mechanism in a new module of this package is
imported and registered automatically and runs before its ``runs_before``.

Modules: ``capacity`` (resource_rents, elite_interests), ``policy`` (threat_perception,
russia_policy, use_of_force), ``instruments`` (small_partner_leverage, attraction, assertion,
patronage_networks, kindred_regimes), ``outside`` (propaganda, eu_pull, china_pull,
silk_road_link), ``institutions`` (institutions, frozen_conflicts, red_lines), ``partners``
(free_riding, bilateral_management: the members of Russia's formats), ``shocks`` (shocks,
dated_events), ``alignment``, ``integration`` (delegation_limit), ``domestic``
(domestic_linkage), ``sphere`` (whose sphere of influence a neighbour is in), ``world`` (the
world scenario's global instruments and answers: arms_and_energy, distant_military_presence,
chosen_bargains, western_normative_pull, interference_backlash, china_backing,
sovereignty_norm), ``standing`` (russia_standing: Russia's and the US's own ideal points
after the record; ``alignment`` owns both scales); ``catalogue``
validates a scenario against the declarations. Depends on NumPy and :mod:`multipolar.core.rng`.
"""

from __future__ import annotations

import importlib
import pkgutil

from multipolar.model.mechanisms import (  # noqa: F401  (importing registers the classes)
    alignment,
    capacity,
    domestic,
    institutions,
    instruments,
    integration,
    outside,
    partners,
    policy,
    shocks,
    sphere,
    world,
)
from multipolar.model.mechanisms.base import (
    CONTEXT_ITEMS,
    MECHANISMS,
    SHARED_PARAMS,
    STREAMS,
    Mechanism,
    Param,
    register,
)
from multipolar.model.mechanisms.catalogue import (
    MechanismInfo,
    catalogue,
    check_mechanisms,
    clip_to_bounds,
    declared_params,
    search_ranges,
)

ORDER: list[str] = [
    "resource_rents", "threat_perception", "russia_policy", "use_of_force", "elite_interests",
    "assertion", "small_partner_leverage", "free_riding", "attraction", "patronage_networks",
    "kindred_regimes", "arms_and_energy", "distant_military_presence", "chosen_bargains",
    "western_normative_pull", "interference_backlash", "china_backing", "sovereignty_norm",
    "propaganda", "eu_pull",
    "china_pull", "silk_road_link", "red_lines", "institutions", "frozen_conflicts", "shocks",
    "dated_events", "bilateral_management", "sphere", "alignment", "delegation_limit",
    "domestic_linkage",
]
"""The order of the steps within a year."""

if sorted(ORDER) != sorted(MECHANISMS.order):  # pragma: no cover - a programming error
    raise RuntimeError("mechanisms.ORDER does not list every registered mechanism once")
MECHANISMS.order[:] = ORDER
REGISTRY = MECHANISMS.classes

_BUILT_IN = {"alignment", "base", "capacity", "catalogue", "domestic", "institutions",
             "instruments", "integration", "outside", "partners", "policy", "shocks", "sphere",
             "world"}
for _mod in pkgutil.iter_modules(__path__):  # a new mechanism: one new module, found here
    if _mod.name not in _BUILT_IN and not _mod.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_mod.name}")


def resolve(name: str, impl: str = "default") -> type[Mechanism]:
    """The class implementing mechanism ``name`` (``default``: the declared default)."""
    return MECHANISMS.resolve(name, impl)


def implementations(name: str) -> list[str]:
    """Implementations registered for mechanism ``name``."""
    return MECHANISMS.implementations(name)


__all__ = ["CONTEXT_ITEMS", "MECHANISMS", "ORDER", "REGISTRY", "SHARED_PARAMS", "STREAMS",
           "Mechanism", "MechanismInfo", "Param", "catalogue", "check_mechanisms", "clip_to_bounds",
           "declared_params", "implementations", "register", "resolve", "search_ranges"]
