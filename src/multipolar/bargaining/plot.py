"""PNG of each actor's position over the rounds of a model run (matplotlib, Agg backend).

Depends on matplotlib and the model outcome.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from multipolar.bargaining.issues import IssueSet
from multipolar.bargaining.models import Outcome


def plot_rounds(issues: IssueSet, outcome: Outcome, path: str | Path, issue: int = 0) -> Path:
    """Write positions over rounds of ``issue`` (and the weighted mean) to ``path``."""
    # lazy: keeps start-up fast (loads matplotlib)
    import matplotlib

    matplotlib.use("Agg")
    # lazy: keeps start-up fast (loads matplotlib)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    rounds = np.arange(outcome.positions.shape[0])
    for a, name in enumerate(issues.actors):
        if issues.mask[issue, a]:
            ax.plot(rounds, outcome.positions[:, issue, a], marker="o", ms=3, lw=1, label=name)
    ax.plot(rounds, outcome.mean_by_round(issues)[:, issue], "k--", lw=2, label="mean")
    ax.axhline(outcome.predicted[issue], color="grey", lw=0.8)
    ax.set_xlabel("round")
    ax.set_ylabel("position", fontsize=8)
    lo, hi = float(issues.low[issue]), float(issues.high[issue])
    ax.set_ylim(lo - 0.03 * (hi - lo), hi + 0.03 * (hi - lo))
    fig.text(0.01, 0.01, f"scale: {issues.scale_text(issue)}", fontsize=6, color="0.3",
             ha="left", va="bottom", wrap=True)
    ax.set_title(f"{outcome.model}: {issues.issue_ids[issue]}")
    ax.legend(fontsize=7, ncol=2, loc="best")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    out = Path(path)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
