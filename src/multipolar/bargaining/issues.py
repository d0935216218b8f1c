"""The data every bargaining model works on: a set of issues as arrays.

An :class:`IssueSet` holds ``I`` issues over one list of ``N`` actors. Positions, saliences and
capabilities are arrays of shape ``(I, N)``; ``mask[i, a]`` is False where actor ``a`` takes no
part in issue ``i`` (a DEU member state that had not yet joined, an actor absent from a
dimension). Salience is stored on ``[0, 1]`` (inputs give it on 0–100). Each issue has its own
scale ``[low, high]``, an optional reference point (status quo; NaN where unknown) and an
optional observed outcome (NaN where unknown). Per-issue text attributes (legislative procedure,
voting rule, proposal id, ...) live in ``meta``. Depends on NumPy only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class IssueSet:
    """Issues × actors arrays with a mask for absent actors."""

    issue_ids: list[str]
    actors: list[str]
    position: np.ndarray
    salience: np.ndarray
    capability: np.ndarray
    mask: np.ndarray
    low: np.ndarray
    high: np.ndarray
    reference: np.ndarray
    observed: np.ndarray
    meta: dict[str, list[str]] = field(default_factory=dict)
    source: str = "<memory>"
    title: str = ""
    evidence: list[dict[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        shape = (len(self.issue_ids), len(self.actors))
        for name in ("position", "salience", "capability", "mask"):
            arr = getattr(self, name)
            if arr.shape != shape:
                raise ValueError(f"{name} has shape {arr.shape}, expected {shape}")
        for name in ("low", "high", "reference", "observed"):
            if getattr(self, name).shape != shape[:1]:
                raise ValueError(f"{name} must have shape {shape[:1]}")
        # Absent actors carry no weight and a harmless position.
        m = self.mask
        self.position = np.where(m, self.position, np.nan).astype(float)
        self.salience = np.where(m, self.salience, 0.0).astype(float)
        self.capability = np.where(m, self.capability, 0.0).astype(float)

    @property
    def n_issues(self) -> int:
        """Number of issues ``I``."""
        return len(self.issue_ids)

    @property
    def n_actors(self) -> int:
        """Number of actors ``N`` (over all issues)."""
        return len(self.actors)

    def scale_text(self, i: int = 0) -> str:
        """What the positions of issue ``i`` mean: its ends in words (``meta['scale']``).

        Files that describe their scale (the YAML issues) say e.g. ``0 = gas given away ...
        100 = full European netback price``; others give the numeric range and say so.
        """
        notes = self.meta.get("scale") or []
        if i < len(notes) and notes[i]:
            return notes[i]
        return f"{self.low[i]:g}..{self.high[i]:g} (the file does not describe its ends)"

    @property
    def weight(self) -> np.ndarray:
        """Capability × salience, zero for absent actors, shape ``(I, N)``."""
        return self.capability * self.salience

    def subset(self, rows: np.ndarray | list[int]) -> IssueSet:
        """Select the issues at ``rows`` (indices), keeping the same actors."""
        idx = np.asarray(rows, dtype=int)
        return IssueSet(
            issue_ids=[self.issue_ids[i] for i in idx],
            actors=list(self.actors),
            position=self.position[idx], salience=self.salience[idx],
            capability=self.capability[idx], mask=self.mask[idx],
            low=self.low[idx], high=self.high[idx], reference=self.reference[idx],
            observed=self.observed[idx],
            meta={k: [v[i] for i in idx] for k, v in self.meta.items()},
            source=self.source, title=self.title, evidence=list(self.evidence),
        )

    @classmethod
    def single(cls, actors: list[str], position: list[float] | np.ndarray,
               salience: list[float] | np.ndarray, capability: list[float] | np.ndarray, *,
               low: float = 0.0, high: float = 100.0, reference: float = float("nan"),
               issue_id: str = "issue", salience_scale: float = 100.0) -> IssueSet:
        """One issue from plain lists; ``salience`` is on ``0..salience_scale``."""
        n = len(actors)
        return cls(
            issue_ids=[issue_id], actors=list(actors),
            position=np.asarray(position, float).reshape(1, n),
            salience=np.asarray(salience, float).reshape(1, n) / salience_scale,
            capability=np.asarray(capability, float).reshape(1, n),
            mask=np.ones((1, n), dtype=bool),
            low=np.array([low], float), high=np.array([high], float),
            reference=np.array([reference], float), observed=np.array([np.nan]),
        )


def weighted_mean(position: np.ndarray, weight: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Capability × salience weighted mean over the last axis (NaN where all weights are 0).

    Where every present actor has zero weight, the plain mean of present actors is used.
    """
    w = np.where(mask, weight, 0.0)
    x = np.where(mask, position, 0.0)
    tot = w.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        wm = (w * x).sum(axis=-1) / tot
        plain = x.sum(axis=-1) / mask.sum(axis=-1)
    return np.where(tot > 0, wm, plain)
