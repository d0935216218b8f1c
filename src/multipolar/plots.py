"""Pictures for papers: fan charts of ensemble outcomes, with observed data where known.

All functions take the summary dictionary of :func:`multipolar.model.summary.summarise` (the
``--json`` shape), write PNG files with matplotlib's Agg backend, and return their paths.
``observed`` is ``{actor: {year: value}}`` (see :func:`observed_alignment_table`).
Depends on matplotlib and NumPy.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

Observed = dict[str, dict[int, float]]

_BAND = "#3a6ea5"
_OBS = "#c0392b"


def observed_alignment_table(column: str = "rel_pos_ru0_us1") -> Observed:
    """Observed UN voting alignment per actor and year from the bundled panel."""
    from multipolar.data import column_by_actor_year

    return column_by_actor_year("actor_year_panel.csv", column)


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower()


def _series(summary: dict[str, Any], actor: str, key: str = "alignment") -> dict[str, np.ndarray]:
    years = [str(y) for y in summary["years"]]
    table = summary[key][actor]
    return {q: np.array([table[y][q] for y in years]) for q in ("p05", "p25", "median", "p75",
                                                                   "p95")}


def _fan(ax: Any, summary: dict[str, Any], actor: str, observed: Observed | None,
         key: str = "alignment", label: bool = True) -> None:
    years = np.array(summary["years"])
    s = _series(summary, actor, key)
    ax.fill_between(years, s["p05"], s["p95"], color=_BAND, alpha=0.18, lw=0,
                    label="90% of members" if label else None)
    ax.fill_between(years, s["p25"], s["p75"], color=_BAND, alpha=0.35, lw=0,
                    label="50% of members" if label else None)
    ax.plot(years, s["median"], color=_BAND, lw=1.8, label="median" if label else None)
    if observed and actor in observed:
        pts = sorted((y, v) for y, v in observed[actor].items() if years[0] <= y <= years[-1])
        if pts:
            oy, ov = zip(*pts, strict=True)
            ax.plot(oy, ov, "o", ms=3, color=_OBS, label="observed (UNGA)" if label else None)
    ax.axhline(0, color="0.6", lw=0.6, ls=":")
    ax.grid(alpha=0.25, lw=0.5)


def fan_charts(summary: dict[str, Any], out_dir: str | Path,
               observed: Observed | None = None, actors: list[str] | None = None,
               key: str = "alignment") -> list[Path]:
    """One PNG fan chart per actor; returns the written paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for actor in actors or summary["actors"]:
        if actor not in summary[key]:
            continue
        fig, ax = plt.subplots(figsize=(6.4, 3.6), dpi=130)
        _fan(ax, summary, actor, observed, key)
        ax.set_title(f"{actor}: alignment on the Russia-West axis", fontsize=11)
        ax.set_xlabel("year")
        ax.set_ylabel("0 = votes like Russia, 1 = like the US")
        ax.legend(fontsize=7, loc="best", frameon=False)
        fig.text(0.99, 0.01, f"{summary['members']} members, seed {summary.get('seed')}",
                 ha="right", va="bottom", fontsize=6, color="0.4")
        fig.tight_layout()
        path = out / f"fan_{_slug(actor)}.png"
        fig.savefig(path)
        plt.close(fig)
        paths.append(path)
    return paths


def alignment_overview(summary: dict[str, Any], path: str | Path,
                       observed: Observed | None = None, actors: list[str] | None = None,
                       title: str | None = None) -> Path:
    """A grid of small fan charts, one per neighbour, on shared axes, in one PNG."""
    from multipolar.data import POST_SOVIET

    chosen = actors or [a for a in POST_SOVIET if a in summary["alignment"]]
    n = len(chosen)
    cols = 5 if n > 8 else max(1, min(n, 4))
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.0 * rows + 0.6), dpi=130,
                             sharex=True, sharey=True, squeeze=False)
    for i, actor in enumerate(chosen):
        ax = axes[i // cols][i % cols]
        _fan(ax, summary, actor, observed, label=(i == 0))
        ax.set_title(actor, fontsize=9)
        ax.tick_params(labelsize=7)
    for j in range(n, rows * cols):
        axes[j // cols][j % cols].axis("off")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower right", fontsize=7, frameon=False, ncol=4)
    fig.suptitle(title or f"Alignment on the Russia-West axis (0 = Russia, 1 = US): "
                 f"{summary['members']} members, seed {summary.get('seed')}", fontsize=10)
    fig.tight_layout(rect=(0, 0.03, 1, 0.97))
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(p)
    plt.close(fig)
    return p


_POLE_COLOURS = {"russia": "#c0392b", "china": "#e0a526", "west": "#3a6ea5"}


def sphere_overview(summary: dict[str, Any], path: str | Path,
                    actors: list[str] | None = None, title: str | None = None) -> Path:
    """A grid of stacked-share panels, one per neighbour: whose sphere it is in, by year.

    Each panel stacks the median shares of Russia, China and the West (the summary's
    ``sphere`` entry; medians need not sum to exactly 1).
    """
    from multipolar.data import POST_SOVIET

    table = summary["sphere"]
    chosen = actors or [a for a in POST_SOVIET if a in table]
    n = len(chosen)
    cols = 5 if n > 8 else max(1, min(n, 4))
    rows = int(np.ceil(n / cols))
    years = np.array(summary["years"])
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.0 * rows + 0.6), dpi=130,
                             sharex=True, sharey=True, squeeze=False)
    for i, actor in enumerate(chosen):
        ax = axes[i // cols][i % cols]
        med = [np.array([table[actor][str(y)][pole]["median"] for y in years])
               for pole in _POLE_COLOURS]
        ax.stackplot(years, *med, colors=list(_POLE_COLOURS.values()), alpha=0.8,
                     labels=[p.capitalize() if i == 0 else "_" for p in _POLE_COLOURS])
        ax.set_ylim(0, 1)
        ax.set_title(actor, fontsize=9)
        ax.tick_params(labelsize=7)
    for j in range(n, rows * cols):
        axes[j // cols][j % cols].axis("off")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower right", fontsize=7, frameon=False, ncol=3)
    fig.suptitle(title or f"Whose sphere (median shares of trade, arms, security, investment): "
                 f"{summary['members']} members, seed {summary.get('seed')}", fontsize=10)
    fig.tight_layout(rect=(0, 0.03, 1, 0.97))
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(p)
    plt.close(fig)
    return p


def comparison_chart(summaries: dict[str, dict[str, Any]], actor: str, path: str | Path,
                     observed: Observed | None = None) -> Path:
    """Medians and 90% bands of several runs (perspectives, hypotheses) for one actor."""
    fig, ax = plt.subplots(figsize=(6.4, 3.6), dpi=130)
    colours = plt.get_cmap("tab10")
    for i, (name, summ) in enumerate(summaries.items()):
        years = np.array(summ["years"])
        s = _series(summ, actor)
        ax.fill_between(years, s["p05"], s["p95"], color=colours(i), alpha=0.12, lw=0)
        ax.plot(years, s["median"], color=colours(i), lw=1.6, label=name)
    if observed and actor in observed:
        pts = sorted(observed[actor].items())
        if pts:
            oy, ov = zip(*pts, strict=True)
            ax.plot(oy, ov, "o", ms=3, color="k", label="observed")
    ax.set_title(f"{actor}: alignment by run", fontsize=11)
    ax.set_ylabel("0 = Russia, 1 = US")
    ax.grid(alpha=0.25, lw=0.5)
    ax.legend(fontsize=7, frameon=False)
    fig.tight_layout()
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(p)
    plt.close(fig)
    return p
