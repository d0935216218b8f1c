"""The old module paths of the package layout before issue 22, kept importable.

The modules were moved by what they do (docs/explanation/architecture.md has the map). An
import of an old path, e.g. ``import multipolar.world.coalition`` or ``from multipolar import
rng``, still works: :class:`MovedFinder` (installed first on ``sys.meta_path`` when
``multipolar`` is imported) answers it with the module at its new place, the same module
object, so ``multipolar.rng is multipolar.core.rng``. It warns with a
:class:`DeprecationWarning` naming the new place, except for the documented entry point
``multipolar.calibration``, which stays without a warning.

There are no files at the old paths, so git follows the moves (history and merges). Depends on
the standard library only (it is imported at start-up).
"""

from __future__ import annotations

import importlib
import sys
import types
import warnings
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from typing import Any

MOVED: dict[str, str] = {
    "multipolar.errors": "multipolar.core.errors",
    "multipolar.rng": "multipolar.core.rng",
    "multipolar.seeding": "multipolar.core.seeding",
    "multipolar.jsonutil": "multipolar.core.jsonutil",
    "multipolar.labels": "multipolar.core.labels",
    "multipolar.textformat": "multipolar.core.textformat",
    "multipolar.pipeline": "multipolar.forecast.pipeline",
    "multipolar.conditional": "multipolar.forecast.conditional",
    "multipolar.assimilate": "multipolar.forecast.assimilate",
    "multipolar.backtest.stacking": "multipolar.forecast.stacking",
    "multipolar.backtest.report": "multipolar.cli.backtest_tables",
    "multipolar.calibration": "multipolar.calibrate.history",
    "multipolar.model.membership_fit": "multipolar.calibrate.memberships",
    "multipolar.plots": "multipolar.figures.plots",
    "multipolar.world.pooled": "multipolar.calibrate.pooled",
    "multipolar.world.coalition": "multipolar.votes.coalition",
    "multipolar.world.votemodel": "multipolar.votes.votemodel",
    "multipolar.world.votes": "multipolar.votes.records",
    "multipolar.world.features": "multipolar.votes.features",
    "multipolar.world.fitting": "multipolar.votes.fitting",
    "multipolar.world.evaluate": "multipolar.votes.evaluate",
    "multipolar.world.data": "multipolar.data.global_tables",
    "multipolar.world.worldmap": "multipolar.figures.worldmap",
}
"""Old module path -> new module path."""

SPLIT_PACKAGES: dict[str, str] = {
    "multipolar.world": "the vote model is multipolar.votes, the global data "
                        "multipolar.data.global_tables, the map multipolar.figures.worldmap, "
                        "the pooled fit multipolar.calibrate.pooled",
}
"""Old packages whose modules went to several places -> where they went."""

QUIET = frozenset({"multipolar.calibration"})
"""Old paths that are documented entry points: importable without a warning."""


class _AliasLoader:
    """Loads an old path as the module at its new place (or an empty package for a split one)."""

    def __init__(self, old: str) -> None:
        self.old = old

    def create_module(self, spec: ModuleSpec) -> types.ModuleType:
        if self.old in SPLIT_PACKAGES:
            warnings.warn(f"{self.old} is deprecated: {SPLIT_PACKAGES[self.old]}",
                          DeprecationWarning, stacklevel=2)
            pkg = types.ModuleType(self.old, f"Deprecated: {SPLIT_PACKAGES[self.old]}.")
            pkg.__path__ = []
            return pkg
        new = MOVED[self.old]
        if self.old not in QUIET:
            warnings.warn(f"{self.old} moved to {new}; import it from there",
                          DeprecationWarning, stacklevel=2)
        return importlib.import_module(new)

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run: the module at the new place is already executed."""


class MovedFinder:
    """A ``sys.meta_path`` finder for the old module paths in :data:`MOVED`."""

    @staticmethod
    def find_spec(fullname: str, path: Sequence[str] | None = None,
                  target: Any = None) -> ModuleSpec | None:
        """The spec of an old path (``None`` for every other name)."""
        if fullname not in MOVED and fullname not in SPLIT_PACKAGES:
            return None
        return ModuleSpec(fullname, _AliasLoader(fullname),  # type: ignore[arg-type]
                          is_package=fullname in SPLIT_PACKAGES)


def install() -> None:
    """Put :class:`MovedFinder` first on ``sys.meta_path`` (once)."""
    if not any(f is MovedFinder for f in sys.meta_path):
        sys.meta_path.insert(0, MovedFinder)
