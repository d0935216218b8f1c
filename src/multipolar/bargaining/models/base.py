"""The one contract every bargaining model honours, and the registry that lists them.

A model is a small class with a ``name``, a one-line ``summary`` and a ``run`` method taking an
:class:`~multipolar.bargaining.issues.IssueSet` (all issues at once: arrays of shape
``(issues, actors)`` with a mask) and returning an :class:`Outcome`. Decorating the class with
:func:`register` makes it appear in :data:`MODELS`, in the Python API and in the CLI
(``multipolar bargain models``) without any other change. Depends on NumPy and the issue arrays.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import numpy as np

from multipolar.bargaining.issues import IssueSet, weighted_mean
from multipolar.core.seeding import SeedLike

MoveKind = str  # "challenge" | "compromise" | "capitulation" | "concession"


@dataclass(frozen=True)
class Move:
    """Actor ``actor`` moved on ``issue`` in ``round`` because of ``other``, and how."""

    round: int
    issue: int
    actor: int
    other: int
    kind: MoveKind
    before: float
    after: float


@dataclass
class Outcome:
    """What a model run produced.

    ``positions`` has shape ``(rounds + 1, issues, actors)`` (round 0 = the inputs; NaN for
    absent actors); ``predicted`` has shape ``(issues,)``.
    """

    model: str
    predicted: np.ndarray
    positions: np.ndarray
    moves: list[Move] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)

    def mean_by_round(self, issues: IssueSet) -> np.ndarray:
        """Capability × salience weighted mean position after each round, ``(rounds+1, I)``."""
        return np.stack([weighted_mean(p, issues.weight, issues.mask) for p in self.positions])

    @property
    def rounds(self) -> int:
        """Number of rounds played."""
        return self.positions.shape[0] - 1


class BargainingModel:
    """Base class: subclasses set ``name``, ``summary`` and implement :meth:`run`."""

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    stochastic: ClassVar[bool] = False
    default_rounds: ClassVar[int] = 0

    def run(self, issues: IssueSet, *, rounds: int | None = None,
            seed: SeedLike = None) -> Outcome:
        """Predict every issue of ``issues``."""
        raise NotImplementedError

    def predict(self, issues: IssueSet, *, seed: SeedLike = None) -> np.ndarray:
        """Predicted outcome per issue (default rounds)."""
        return self.run(issues, seed=seed).predicted

    def static(self, issues: IssueSet, predicted: np.ndarray, **info: Any) -> Outcome:
        """Build an :class:`Outcome` for models that predict without moving anyone."""
        return Outcome(self.name, predicted, issues.position[None].copy(), [], dict(info))


MODELS: dict[str, type[BargainingModel]] = {}
"""Every registered model by name."""

M = TypeVar("M", bound=type[BargainingModel])


def register(cls: M) -> M:
    """Class decorator: add a model to :data:`MODELS` under its ``name``."""
    if not cls.name:
        raise ValueError(f"{cls.__qualname__} has no name")
    if cls.name in MODELS and MODELS[cls.name] is not cls:
        raise ValueError(f"a model named {cls.name!r} is already registered")
    MODELS[cls.name] = cls
    return cls


def get_model(name: str, **params: Any) -> BargainingModel:
    """Instantiate the registered model ``name`` (``KeyError`` if unknown)."""
    return MODELS[name](**params)
