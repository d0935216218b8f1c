"""The issue-bargaining engine: spatial bargaining models over actors' positions on issues.

Read an issue file (:func:`load_issues`: multipolar YAML, KTAB SMP CSV, simple CSV, DEU TSV),
pick a model from :data:`MODELS` (``compromise``, ``median``, ``nash``, ``bdm-scholz``,
``bdm``, ``ktab-pcm``, ``recommended``) and :func:`run` it; :mod:`.evaluate` scores models
against observed outcomes. Depends on NumPy, PyYAML, pydantic and (for plots) matplotlib.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from multipolar.bargaining.issues import IssueSet, weighted_mean
from multipolar.bargaining.models import MODELS, BargainingModel, Move, Outcome, get_model
from multipolar.bargaining.readers import load_issues
from multipolar.core.seeding import SeedLike

__all__ = ["MODELS", "BargainingModel", "IssueSet", "Move", "Outcome", "get_model",
           "load_issues", "outcome_dict", "run", "weighted_mean"]


def run(source: str | Path | IssueSet, model: str = "compromise", *, rounds: int | None = None,
        seed: SeedLike = 0, **params: Any) -> tuple[IssueSet, Outcome]:
    """Load ``source`` (unless already an :class:`IssueSet`) and run ``model`` on it."""
    issues = source if isinstance(source, IssueSet) else load_issues(source)
    return issues, get_model(model, **params).run(issues, rounds=rounds, seed=seed)


def outcome_dict(issues: IssueSet, out: Outcome) -> dict[str, Any]:
    """JSON-ready result: ``predicted``, ``mean_by_round``, ``positions_by_round``, moves.

    For one issue ``predicted`` is a number and the per-round lists are flat; for several,
    each is keyed by issue id.
    """
    means = out.mean_by_round(issues)
    per_issue = []
    for i, iid in enumerate(issues.issue_ids):
        per_issue.append({
            "issue": iid,
            "scale": issues.scale_text(i),
            "predicted": float(out.predicted[i]),
            "mean_by_round": means[:, i].tolist(),
            "positions_by_round": {a: out.positions[:, i, k].tolist()
                                   for k, a in enumerate(issues.actors) if issues.mask[i, k]},
            "moves": [{"round": m.round, "actor": issues.actors[m.actor],
                       "moved_by": issues.actors[m.other], "kind": m.kind,
                       "from": m.before, "to": m.after} for m in out.moves if m.issue == i],
        })
    base: dict[str, Any] = {"model": out.model, "source": issues.source, "title": issues.title,
                            "rounds": out.rounds, "info": out.info}
    if len(per_issue) == 1:
        return {**base, **per_issue[0]}
    return {**base, "predicted": {d["issue"]: d["predicted"] for d in per_issue},
            "mean_by_round": {d["issue"]: d["mean_by_round"] for d in per_issue},
            "positions_by_round": {d["issue"]: d["positions_by_round"] for d in per_issue},
            "issues": per_issue}
