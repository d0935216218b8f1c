"""Figures for reports, drawn with matplotlib (Agg) and returned as PNG bytes.

Each function takes plain data (summary dictionaries of runs, explorations and comparisons)
and returns a :class:`matplotlib.figure.Figure`; :func:`png` turns one into bytes. Colours
follow one convention everywhere: alignment runs from red (0, votes like Russia) to blue (1,
votes like the US).
Depends on matplotlib, NumPy and :mod:`multipolar.figures.plots` (fan-chart drawing).
"""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from multipolar.core.labels import ALIGNMENT_AXIS, ALIGNMENT_BEYOND, ALIGNMENT_NAME
from multipolar.figures import plots

ALIGN_CMAP = "RdBu"
# A stylised map (roughly west to east, north to south), spaced so labels do not collide.
POSITIONS: dict[str, tuple[float, float]] = {
    "United States": (0.6, 9.4), "EU": (0.6, 6.2), "Estonia": (2.8, 9.6),
    "Latvia": (2.8, 8.3), "Lithuania": (2.8, 7.0), "Belarus": (4.3, 6.2),
    "Ukraine": (3.9, 4.7), "Moldova": (2.6, 3.6), "Russia": (6.6, 8.4),
    "Turkey": (2.2, 1.2), "Georgia": (5.3, 2.9), "Armenia": (5.0, 1.0),
    "Azerbaijan": (6.8, 1.9), "Kazakhstan": (9.2, 6.6), "Turkmenistan": (8.2, 2.3),
    "Uzbekistan": (9.6, 3.8), "Kyrgyzstan": (11.3, 4.9), "Tajikistan": (11.0, 2.3),
    "China": (12.6, 7.4),
}


def png(fig: Figure, dpi: int = 110) -> bytes:
    """The figure as PNG bytes (and close it)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()


def _years(summary: dict[str, Any]) -> list[int]:
    return [int(y) for y in summary["years"]]


def fan_grid(summary: dict[str, Any], observed: dict[str, dict[int, float]] | None = None,
             title: str | None = None) -> Figure:
    """Fan charts of alignment, one small panel per neighbour (90% and 50% bands, median)."""
    actors = [a for a in summary["actors"] if a in summary["alignment"]
              and a not in ("Russia", "EU", "United States", "China", "Turkey")]
    cols = 5
    rows = int(np.ceil(len(actors) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(12, 2.1 * rows + 0.7), sharex=True,
                             sharey=True, squeeze=False)
    for i, a in enumerate(actors):
        ax = axes[i // cols][i % cols]
        plots._fan(ax, summary, a, observed, label=(i == 0))
        ax.set_title(a, fontsize=9)
        ax.tick_params(labelsize=7)
        ax.set_ylim(-1.05, 1.25)
    for j in range(len(actors), rows * cols):
        axes[j // cols][j % cols].axis("off")
    h, lab = axes[0][0].get_legend_handles_labels()
    fig.legend(h, lab, loc="lower right", fontsize=8, frameon=False, ncol=4)
    fig.suptitle(title or f"{ALIGNMENT_NAME}: {ALIGNMENT_AXIS}", fontsize=11)
    fig.text(0.01, 0.01, ALIGNMENT_BEYOND, ha="left", va="bottom", fontsize=7, color="0.3")
    fig.tight_layout(rect=(0, 0.04, 1, 0.96))
    return fig


def _median(summary: dict[str, Any], actor: str, year: int) -> float:
    cell = (summary["alignment"].get(actor) or {}).get(str(year))
    return float(cell["median"]) if cell else float("nan")


def alignment_network(summary: dict[str, Any], years: list[int] | None = None) -> Figure:
    """Small-multiple maps: actors as nodes coloured by median alignment, membership ties.

    An edge joins an actor to the leader of an institution (Russia for CIS, CSTO and EAEU;
    the EU for the EU; the United States for NATO; China for the SCO) when the actor is a
    member with probability at least one half; the edge's width grows with that probability.
    """
    ys = _years(summary)
    if years is None:
        last_obs = int(summary.get("observed_until") or 2013)
        picks = [1995, 2005, last_obs, last_obs + 6, 2030, ys[-1]]
        years = sorted({y for y in picks if ys[0] <= y <= ys[-1]}) or [ys[-1]]
    leaders = {"CIS": "Russia", "CSTO": "Russia", "EurAsEC": "Russia", "EAEU": "Russia",
               "EU": "EU", "EU_association": "EU", "NATO": "United States", "SCO": "China"}
    edge_colour = {"Russia": "#b2182b", "EU": "#2166ac", "United States": "#2166ac",
                   "China": "#7f6000"}
    cols = min(3, len(years))
    rows = int(np.ceil(len(years) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(5.4 * cols, 3.9 * rows + 0.6), squeeze=False)
    cmap = plt.get_cmap(ALIGN_CMAP)

    norm = TwoSlopeNorm(vmin=-0.6, vcenter=0.2, vmax=1.0)
    memb = summary.get("memberships", {})
    sc = None
    for i, y in enumerate(years):
        ax = axes[i // cols][i % cols]
        for actor in summary["actors"]:
            if actor not in POSITIONS:
                continue
            for inst, leader in leaders.items():
                p = ((memb.get(actor) or {}).get(inst) or {}).get(str(y))
                if p is None or p < 0.5 or actor == leader or leader not in POSITIONS:
                    continue
                (x0, y0), (x1, y1) = POSITIONS[actor], POSITIONS[leader]
                ax.plot([x0, x1], [y0, y1], color=edge_colour[leader], alpha=0.25 + 0.4 * p,
                        lw=0.6 + 2.2 * (p - 0.5), zorder=1)
        xs, ys_, cs, names = [], [], [], []
        for actor in summary["actors"]:
            if actor in POSITIONS:
                xs.append(POSITIONS[actor][0])
                ys_.append(POSITIONS[actor][1])
                cs.append(_median(summary, actor, y))
                names.append(actor)
        sc = ax.scatter(xs, ys_, c=cs, cmap=cmap, norm=norm, s=150,
                        edgecolors="0.2", linewidths=0.6, zorder=2)
        for x_, y_, nm in zip(xs, ys_, names, strict=True):
            ax.annotate(nm if len(nm) < 11 else nm[:9] + ".", (x_, y_), xytext=(0, -8),
                        textcoords="offset points", ha="center", va="top", fontsize=6.5)
        until = summary.get("observed_until")
        tag = "" if until is None else (" (observed)" if y <= int(until) else " (projected)")
        ax.set_title(f"{y}{tag}", fontsize=10)
        ax.set_xlim(-0.3, 13.5)
        ax.set_ylim(-0.2, 10.3)
        ax.set_xticks([])
        ax.set_yticks([])
        for s in ax.spines.values():
            s.set_color("0.8")
    for j in range(len(years), rows * cols):
        axes[j // cols][j % cols].axis("off")
    fig.subplots_adjust(left=0.01, right=0.9, bottom=0.02, top=0.9, wspace=0.04, hspace=0.12)
    if sc is not None:
        cb = fig.colorbar(sc, cax=fig.add_axes((0.92, 0.15, 0.012, 0.65)))
        cb.set_label(f"median {ALIGNMENT_NAME}: {ALIGNMENT_AXIS}", fontsize=7)
    fig.suptitle("Who stands where: median alignment (colour) and membership ties "
                 "(red: Russia-led, blue: EU/NATO, brown: SCO; P >= 0.5)", fontsize=11)
    return fig


def membership_timelines(summary: dict[str, Any]) -> Figure:
    """Per institution, a heat strip of membership probability by actor and year."""
    memb = summary.get("memberships", {})
    insts = list(summary.get("institutions", []))
    ys = _years(summary)
    actors = [a for a in summary["actors"] if a in memb]
    cols = 3
    rows = int(np.ceil(len(insts) / cols)) or 1
    fig, axes = plt.subplots(rows, cols, figsize=(13, 3.6 * rows + 0.5), sharey=True,
                             squeeze=False)
    im = None
    for i, inst in enumerate(insts):
        ax = axes[i // cols][i % cols]
        grid = np.array([[((memb.get(a) or {}).get(inst) or {}).get(str(y), np.nan) for y in ys]
                         for a in actors], dtype=float)
        im = ax.imshow(grid, aspect="auto", cmap="Greens", vmin=0, vmax=1,
                       extent=(ys[0] - 0.5, ys[-1] + 0.5, len(actors) - 0.5, -0.5),
                       interpolation="nearest")
        ax.set_title(inst, fontsize=10)
        until = summary.get("observed_until")
        if until is not None and ys[0] <= int(until) < ys[-1]:
            ax.axvline(int(until) + 0.5, color="0.2", lw=0.8, ls="--")
        ax.set_yticks(range(len(actors)))
        ax.set_yticklabels(actors, fontsize=7)
        ax.tick_params(axis="x", labelsize=7)
    for j in range(len(insts), rows * cols):
        axes[j // cols][j % cols].axis("off")
    if im is not None:
        cb = fig.colorbar(im, ax=axes.ravel().tolist(), shrink=0.6, pad=0.01)
        cb.set_label("P(member)", fontsize=8)
    until = summary.get("observed_until")
    after = "" if until is None else f"; dashed line: last observed year ({until})"
    fig.suptitle("Membership timelines: share of members in which the actor belongs"
                 f"{after}", fontsize=11)
    return fig


def tornado(analysis: dict[str, Any], top: int = 15) -> Figure:
    """Sensitivity bars for one outcome: Sobol S1/ST, Morris mu*, or Spearman's rho."""
    names: list[str]
    if "sobol" in analysis:
        s = analysis["sobol"]
        names, a, b = s["names"], np.array(s["ST"]), np.array(s["S1"])
        ea, eb = np.array(s["ST_conf"]), np.array(s["S1_conf"])
        order = np.argsort(-a)[:top][::-1]
        fig, ax = plt.subplots(figsize=(8, 0.32 * len(order) + 1.4))
        pos = np.arange(len(order))
        ax.barh(pos + 0.2, a[order], 0.38, xerr=ea[order], color="#3a6ea5",
                label="total (ST)", error_kw={"lw": 0.8, "capsize": 2})
        ax.barh(pos - 0.2, b[order], 0.38, xerr=eb[order], color="#f0a04b",
                label="first order (S1)", error_kw={"lw": 0.8, "capsize": 2})
        ax.set_xlabel("Sobol index (share of outcome variance), 95% intervals")
    elif "morris" in analysis:
        s = analysis["morris"]
        names, a = s["names"], np.array(s["mu_star"])
        ea, sig = np.array(s["mu_star_conf"]), np.array(s["sigma"])
        order = np.argsort(-a)[:top][::-1]
        fig, ax = plt.subplots(figsize=(8, 0.32 * len(order) + 1.4))
        pos = np.arange(len(order))
        ax.barh(pos + 0.2, a[order], 0.38, xerr=ea[order], color="#3a6ea5", label="mu*",
                error_kw={"lw": 0.8, "capsize": 2})
        ax.barh(pos - 0.2, sig[order], 0.38, color="#bbbbbb", label="sigma (interactions)")
        ax.set_xlabel("Morris elementary effects (outcome change across each factor's range)")
    else:
        s = analysis["scores"]
        names, a = s["names"], np.array(s["spearman"])
        order = np.argsort(-np.abs(a))[:top][::-1]
        fig, ax = plt.subplots(figsize=(8, 0.32 * len(order) + 1.4))
        pos = np.arange(len(order))
        ax.barh(pos, a[order], 0.6, color=["#b2182b" if v < 0 else "#2166ac" for v in a[order]])
        ax.axvline(0, color="0.3", lw=0.7)
        ax.set_xlabel("Spearman rank correlation with the outcome (sign = direction)")
    ax.set_yticks(pos)
    ax.set_yticklabels([names[i] for i in order], fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, frameon=False, loc="lower right")
    ax.set_title(f"What drives {analysis['outcome']}  ({analysis['design']} design, "
                 f"{analysis['rows']:,} rows)", fontsize=10)
    fig.tight_layout()
    return fig


def prim_trajectory(p: dict[str, Any]) -> Figure:
    """The peeling trajectory (coverage against density) and the chosen box's limits."""
    traj = p["trajectory"]
    cov = np.array([b["coverage"] for b in traj])
    den = np.array([b["density"] for b in traj])
    nres = np.array([b["restricted"] for b in traj])
    limits = p["box"]["limits"]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.2),
                                 gridspec_kw={"width_ratios": [1, 1.25]})
    sc = a1.scatter(cov, den, c=nres, cmap="viridis", s=18, zorder=2)
    a1.plot(cov, den, color="0.7", lw=0.8, zorder=1)
    c = p["chosen"]
    a1.scatter([p["box"]["coverage"]], [p["box"]["density"]], marker="*", s=220,
               color="#d62728", zorder=3, label="chosen box (after pasting)")
    a1.scatter([cov[c]], [den[c]], marker="o", s=80, facecolors="none", edgecolors="#d62728",
               zorder=3, label="chosen peel")
    a1.axhline(p["threshold"], color="0.5", ls=":", lw=0.8, label="density threshold")
    a1.set_xlabel("coverage (share of cases of interest inside the box)")
    a1.set_ylabel("density (share of the box that is of interest)")
    a1.set_xlim(-0.02, 1.02)
    a1.set_ylim(0, 1.02)
    a1.legend(fontsize=7, frameon=False, loc="lower left")
    fig.colorbar(sc, ax=a1, label="restricted factors")
    a1.set_title(f"Peeling trajectory: {p['target']}", fontsize=10)
    if limits:
        items = list(limits.items())
        for i, (name, lim) in enumerate(items):
            span = (lim["full_high"] - lim["full_low"]) or 1.0
            lo = (lim["low"] - lim["full_low"]) / span
            hi = (lim["high"] - lim["full_low"]) / span
            a2.barh(i, 1.0, color="0.9", height=0.55)
            a2.barh(i, hi - lo, left=lo, color="#3a6ea5", height=0.55)
            a2.text(lo, i + 0.36, f"{lim['low']:.3g}", fontsize=7, ha="left")
            a2.text(hi, i + 0.36, f"{lim['high']:.3g}", fontsize=7, ha="right")
            pv = lim.get("p_value")
            label = f"{name}" + (f"  (p={pv:.2g})" if pv is not None else "")
            items[i] = (label, lim)
        a2.set_yticks(range(len(items)))
        a2.set_yticklabels([nm for nm, _ in items], fontsize=8)
        a2.set_xlim(0, 1)
        a2.set_ylim(-0.6, len(items) - 0.2)
        a2.set_xlabel("position within each factor's explored range")
    else:
        a2.text(0.5, 0.5, "no restriction: the target is dense everywhere\n"
                "(raise --prim-threshold or choose a rarer target)", ha="center",
                va="center", fontsize=9)
        a2.set_xticks([])
        a2.set_yticks([])
    b = p["box"]
    a2.set_title(f"Box: coverage {b['coverage']:.2f}, density {b['density']:.2f}, "
                 f"mass {b['mass']:.2f} (base rate {p['base_density']:.2f})", fontsize=10)
    fig.tight_layout()
    return fig


def difference_heatmap(cmp: dict[str, Any], overlay: str) -> Figure:
    """Mean paired difference in alignment (overlay minus baseline) by neighbour and year."""
    d = cmp["differences"][overlay]
    mean = np.asarray(d["alignment_mean"], dtype=float)
    lo = np.asarray(d["alignment_lo"], dtype=float)
    hi = np.asarray(d["alignment_hi"], dtype=float)
    actors = cmp["actors"]
    nb = [actors.index(a) for a in cmp["neighbours"]]
    y0, y1 = cmp["years"]
    grid = mean[:, nb].T
    sig = ((lo[:, nb] > 0) | (hi[:, nb] < 0)).T & (np.abs(grid) >= cmp["min_effect"])
    lim = max(0.05, float(np.nanmax(np.abs(grid))))
    fig, ax = plt.subplots(figsize=(11, 0.28 * len(nb) + 1.6))
    im = ax.imshow(grid, aspect="auto", cmap=ALIGN_CMAP, vmin=-lim, vmax=lim,
                   extent=(y0 - 0.5, y1 + 0.5, len(nb) - 0.5, -0.5), interpolation="nearest")
    yy, xx = np.nonzero(~sig)
    ax.scatter(xx + y0, yy, s=2, color="0.55", marker=".", linewidths=0)
    ax.axvline(cmp["observed_until"] + 0.5, color="0.2", lw=0.8, ls="--")
    ax.set_yticks(range(len(nb)))
    ax.set_yticklabels(cmp["neighbours"], fontsize=8)
    cb = fig.colorbar(im, ax=ax, pad=0.01)
    cb.set_label("mean paired difference in alignment", fontsize=8)
    ax.set_title(f"{overlay} minus {cmp['baseline']}: blue = further West, red = closer to "
                 f"Russia; dots = no clear difference (95% CI spans 0 or |diff| < "
                 f"{cmp['min_effect']}); dashed = end of data", fontsize=9)
    fig.tight_layout()
    return fig


def drivers_chart(cmp: dict[str, Any]) -> Figure:
    """Per overlay, the effect of each override applied alone, against the whole overlay."""
    ov = [k for k in cmp["drivers"] if cmp["drivers"][k]]
    fig, axes = plt.subplots(len(ov) or 1, 1, figsize=(9, sum(
        0.35 * len(cmp["drivers"][k]) + 0.9 for k in ov) + 0.4), squeeze=False)
    for i, k in enumerate(ov):
        ax = axes[i][0]
        rows = cmp["drivers"][k][::-1]
        ax.barh(range(len(rows)), [r["effect"] for r in rows], color="#3a6ea5", height=0.6)
        ax.axvline(cmp["differences"][k]["effect"], color="#d62728", lw=1, ls="--",
                   label="whole overlay")
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels([f"{r['path']} = {r['value']}" for r in rows], fontsize=8)
        ax.set_title(k, fontsize=9, loc="left")
        ax.legend(fontsize=7, frameon=False, loc="lower right")
        ax.grid(axis="x", alpha=0.3)
    axes[-1][0].set_xlabel("mean |paired difference| in neighbours' alignment after the data "
                           "(override applied alone)")
    fig.tight_layout()
    return fig


def targeting_chart(cmp: dict[str, Any]) -> Figure:
    """Correlation of Russia's attraction with neighbours' importance, per overlay."""
    names = list(cmp["overlays"])
    vals = [cmp["overlays"][n]["targeting"]["correlation"] for n in names]
    errs = [1.96 * cmp["overlays"][n]["targeting"]["se"] for n in names]
    fig, ax = plt.subplots(figsize=(6, 0.4 * len(names) + 1.3))
    ax.barh(range(len(names)), vals, xerr=errs, color="#3a6ea5", height=0.55)
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names, fontsize=8)
    ax.set_xlim(-1, 1)
    ax.axvline(0, color="0.3", lw=0.7)
    ax.set_xlabel("mean correlation of attraction with importance (1 = strictly targeted)")
    ax.set_title("Does attraction go where it matters to Russia?", fontsize=10)
    fig.tight_layout()
    return fig


def comparison_fans(cmp: dict[str, Any], actors: list[str]) -> Figure:
    """Medians and 90% bands of every overlay for a few actors."""
    cols = min(3, max(1, len(actors)))
    rows = int(np.ceil(len(actors) / cols)) or 1
    fig, axes = plt.subplots(rows, cols, figsize=(4.4 * cols, 3 * rows + 0.4), squeeze=False,
                             sharey=True)
    colours = plt.get_cmap("tab10")
    for i, a in enumerate(actors):
        ax = axes[i // cols][i % cols]
        for k, (name, ov) in enumerate(cmp["overlays"].items()):
            s = ov["summary"]
            ys = _years(s)
            if k == 0:
                plots.mark_projection(ax, {**s, "observed_until": s.get(
                    "observed_until", cmp.get("observed_until"))}, label=(i == 0))
            med = [s["alignment"][a][str(y)]["median"] for y in ys]
            p5 = [s["alignment"][a][str(y)]["p05"] for y in ys]
            p95 = [s["alignment"][a][str(y)]["p95"] for y in ys]
            ax.fill_between(ys, p5, p95, color=colours(k), alpha=0.10, lw=0)
            ax.plot(ys, med, color=colours(k), lw=1.5, label=name)
        ax.set_title(a, fontsize=9)
        ax.grid(alpha=0.25)
        ax.tick_params(labelsize=7)
    for j in range(len(actors), rows * cols):
        axes[j // cols][j % cols].axis("off")
    h, lab = axes[0][0].get_legend_handles_labels()
    fig.legend(h, lab, loc="lower center", ncol=min(5, len(lab)), fontsize=8, frameon=False)
    fig.suptitle(f"{ALIGNMENT_NAME} by overlay (median and 90% band; same seed and members)"
                 f"\n{ALIGNMENT_AXIS}", fontsize=10)
    fig.tight_layout(rect=(0, 0.06, 1, 0.95))
    return fig
