"""Pictures for papers: fan charts of ensemble outcomes, with observed data where known.

All functions take the summary dictionary of :func:`multipolar.model.summary.summarise` (the
``--json`` shape), write PNG files with matplotlib's Agg backend, and return their paths.
``observed`` is ``{actor: {year: value}}`` (see :func:`observed_alignment_table`).

Every chart shows where observation ends: the projected years (after the summary's
``observed_until``) are shaded and the last observed year is marked. The alignment axis is
labelled in words (:mod:`multipolar.core.labels`), with what values below 0 and above 1 mean.
Actors whose alignment the model does not project (Russia and the US are 0 and 1 by
definition; the EU, China and Turkey keep a fixed or last observed value, so every member
agrees) get no fan chart: a flat line with no spread would look like a forecast and is not.
Depends on matplotlib, NumPy and :mod:`multipolar.core.labels`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np

from multipolar.core.labels import (
    ALIGNMENT_AXIS,
    ALIGNMENT_BEYOND,
    ALIGNMENT_NAME,
    free_run_label,
)
from multipolar.data import POST_SOVIET, column_by_actor_year
from multipolar.figures.common import is_projected
from multipolar.figures.common import slug as _slug

Observed = dict[str, dict[int, float]]

_BAND = "#3a6ea5"
_OBS = "#c0392b"
_PROJ = "0.88"
Y_LABEL = f"{ALIGNMENT_NAME}\n{ALIGNMENT_AXIS}"
"""Y-axis label of alignment charts."""


def save_png(fig: Any, path: str | Path) -> None:
    """Write ``fig`` as a PNG: the bytes ``fig.savefig(path)`` writes, at two thirds the cost.

    After ``tight_layout`` a figure keeps a placeholder layout engine, for which ``savefig``
    draws the whole figure once more before drawing it into the PNG; the canvas's own
    ``print_png`` draws it once (the layout is already done).
    """
    fig.canvas.print_png(str(path))


def observed_alignment_table(column: str = "rel_pos_ru0_us1") -> Observed:
    """Observed UN voting alignment per actor and year from the bundled panel."""
    return column_by_actor_year("actor_year_panel.csv", column)


def _series(summary: dict[str, Any], actor: str, key: str = "alignment") -> dict[str, np.ndarray]:
    years = [str(y) for y in summary["years"]]
    table = summary[key][actor]
    return {q: np.array([table[y][q] for y in years]) for q in ("p05", "p25", "median", "p75",
                                                                   "p95")}


def mark_projection(ax: Any, summary: dict[str, Any], label: bool = True,
                    over: bool = False) -> None:
    """Shade the projected years and mark the last observed year (if the summary says it).

    ``over``: for filled charts (stacked areas) the shading is a veil drawn over the data,
    which would otherwise hide it.
    """
    until = summary.get("observed_until")
    years = [int(y) for y in summary.get("years", [])]
    if until is None or not years:
        return
    until = int(until)
    if until < years[-1]:
        span = {"color": "white", "alpha": 0.45, "hatch": "//", "zorder": 3} if over else \
            {"color": _PROJ, "alpha": 0.6, "zorder": 0}
        ax.axvspan(max(until, years[0]), years[-1], lw=0,
                   label="projected" if label else None, **span)
    if years[0] <= until <= years[-1]:
        ax.axvline(until, color="0.3", lw=0.9, ls="--", zorder=4 if over else 1,
                   label=f"last observed year ({until})" if label else None)


def _fan(ax: Any, summary: dict[str, Any], actor: str, observed: Observed | None,
         key: str = "alignment", label: bool = True) -> None:
    years = np.array(summary["years"])
    s = _series(summary, actor, key)
    mark_projection(ax, summary, label)
    ax.fill_between(years, s["p05"], s["p95"], color=_BAND, alpha=0.18, lw=0,
                    label="model: 90% of members" if label else None)
    ax.fill_between(years, s["p25"], s["p75"], color=_BAND, alpha=0.35, lw=0,
                    label="model: 50% of members" if label else None)
    ax.plot(years, s["median"], color=_BAND, lw=1.8, label="model: median" if label else None)
    if observed and actor in observed:
        pts = sorted((y, v) for y, v in observed[actor].items() if years[0] <= y <= years[-1])
        if pts:
            oy, ov = zip(*pts, strict=True)
            ax.plot(oy, ov, "o", ms=3, color=_OBS,
                    label="observed UN votes" if label else None)
    if key == "alignment":
        ax.axhline(0, color=_OBS, lw=0.7, ls=":")
        ax.axhline(1, color=_BAND, lw=0.7, ls=":")
        if label:  # name the two reference lines where they are drawn
            tr = ax.get_yaxis_transform()
            ax.text(0.01, 0.0, "like Russia", transform=tr, fontsize=6, color=_OBS,
                    va="bottom", ha="left")
            ax.text(0.01, 1.0, "like the US", transform=tr, fontsize=6, color=_BAND,
                    va="top", ha="left")
    ax.grid(alpha=0.25, lw=0.5)


def _fan_labels(fig: Any, ax: Any, summary: dict[str, Any], key: str) -> None:
    """The parts of a fan chart that do not depend on the actor: axis labels and the note."""
    ax.set_xlabel("year")
    ax.set_ylabel(Y_LABEL if key == "alignment" else key.replace("_", " "), fontsize=8)
    note = f"{summary['members']} members, seed {summary.get('seed')}"
    if key == "alignment":
        note = f"{ALIGNMENT_BEYOND}.   {note}"
    fig.text(0.99, 0.01, note, ha="right", va="bottom", fontsize=6, color="0.4")


def _fan_title(ax: Any, actor: str, key: str, summary: dict[str, Any] | None = None) -> None:
    what = ALIGNMENT_NAME if key == "alignment" else key.replace("_", " ")
    free = free_run_label(summary or {})
    ax.set_title(f"{actor}: {what}" + (f"\n{free}" if free else ""), fontsize=11)


def _fan_legend(ax: Any) -> None:
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)


FAN_LAYOUT_RECT = (0, 0.03, 1, 1)
"""Where ``tight_layout`` fits a fan chart's axes (the bottom strip holds the note)."""


def fan_figure(summary: dict[str, Any], actor: str, observed: Observed | None = None,
               key: str = "alignment") -> Any:
    """The fan chart of one actor as a matplotlib figure (the caller saves and closes it)."""
    fig, ax = plt.subplots(figsize=(8.0, 4.2), dpi=130)
    _fan(ax, summary, actor, observed, key)
    _fan_title(ax, actor, key, summary)
    _fan_labels(fig, ax, summary, key)
    _fan_legend(ax)
    fig.tight_layout(rect=FAN_LAYOUT_RECT)
    return fig


class _FanCanvas:
    """One fan-chart figure redrawn for actor after actor: what :func:`fan_figure` draws.

    The parts every actor shares (projection marks, reference lines, axis labels, the note)
    are drawn once; per actor only the bands, the median, the observed points, the title and
    the legend are replaced. The layout (``tight_layout``, from a fresh figure's subplot
    parameters) is computed again only when what it depends on changes: the width of the
    widest y tick label, which legend entries there are, and a title long enough to matter;
    a layout once computed is kept for its key. Each chart is the same picture as a fresh
    :func:`fan_figure` (tested pixel for pixel), without building a figure per actor.
    """

    def __init__(self, summary: dict[str, Any], observed: Observed | None, key: str) -> None:
        self.summary, self.observed, self.key = summary, observed, key
        self.fig: Any
        self.ax: Any  # private limits are read below (typed loosely)
        self.fig, self.ax = plt.subplots(figsize=(8.0, 4.2), dpi=130)
        self.years = np.array(summary["years"])
        self.layout: tuple[Any, ...] | None = None
        self.laid: dict[tuple[Any, ...], dict[str, float]] = {}  # subplot parameters by layout
        self.layers: dict[tuple[Any, ...], tuple[set[str], Any, Any]] = {}  # by layout
        self.reused = 0  # charts drawn onto a stored layer
        self.layouts = 0
        self.parts: list[Any] = []
        ax = self.ax
        mark_projection(ax, summary, True)
        # a matplotlib that keeps the limits elsewhere gets a fresh figure per actor
        self.reusable = hasattr(ax, "_stale_viewlims") and hasattr(ax, "_viewLim")
        self.fresh: Any = None
        if not self.reusable:
            return
        # (read without ``ax.viewLim``, which would autoscale the stale view there and then)
        self._stale = dict(ax._stale_viewlims)
        self._lim, self._view = ax.dataLim.frozen(), ax._viewLim.frozen()
        self._ignore = ax.ignore_existing_data_limits
        _fan_labels(self.fig, ax, summary, key)

    def _points(self, actor: str) -> tuple[Any, Any] | None:
        years = self.years
        if self.observed and actor in self.observed:
            pts = sorted((y, v) for y, v in self.observed[actor].items()
                         if years[0] <= y <= years[-1])
            if pts:
                oy, ov = zip(*pts, strict=True)
                return oy, ov
        return None

    def draw(self, actor: str) -> Any:
        """The figure showing ``actor`` (valid until the next call)."""
        if not self.reusable:
            if self.fresh is not None:
                plt.close(self.fresh)
            self.fresh = fan_figure(self.summary, actor, self.observed, self.key)
            return self.fresh
        ax, years, key = self.ax, self.years, self.key
        for artist in self.parts:
            artist.remove()
        # data and view limits as a fresh figure has them after the projection marks, so that
        # adding the actor's artists computes the very limits (to the last bit) it computes
        laid_out = self.fig.subplotpars
        laid = (laid_out.left, laid_out.right, laid_out.bottom, laid_out.top)
        self._default_layout()
        ax.dataLim.set_points(self._lim.get_points().copy())  # a copy: updated in place
        ax._viewLim.set_points(self._view.get_points().copy())
        ax.ignore_existing_data_limits = self._ignore
        ax._stale_viewlims.update(self._stale)
        s = _series(self.summary, actor, key)
        # the same artists, in the same order, as _fan draws after the projection marks
        parts = [ax.fill_between(years, s["p05"], s["p95"], color=_BAND, alpha=0.18, lw=0,
                                 label="model: 90% of members"),
                 ax.fill_between(years, s["p25"], s["p75"], color=_BAND, alpha=0.35, lw=0,
                                 label="model: 50% of members"),
                 *ax.plot(years, s["median"], color=_BAND, lw=1.8, label="model: median")]
        pts = self._points(actor)
        if pts is not None:
            parts += ax.plot(*pts, "o", ms=3, color=_OBS, label="observed UN votes")
        if key == "alignment":
            parts += [ax.axhline(0, color=_OBS, lw=0.7, ls=":"),
                      ax.axhline(1, color=_BAND, lw=0.7, ls=":")]
            tr = ax.get_yaxis_transform()
            parts += [ax.text(0.01, 0.0, "like Russia", transform=tr, fontsize=6,
                              color=_OBS, va="bottom", ha="left"),
                      ax.text(0.01, 1.0, "like the US", transform=tr, fontsize=6,
                              color=_BAND, va="top", ha="left")]
        if not self.parts:
            ax.grid(alpha=0.25, lw=0.5)
        self.parts = parts
        _fan_title(ax, actor, key, self.summary)
        _fan_legend(ax)
        layout = (self._label_key(), pts is not None, self._title_key())
        if layout == self.layout:
            self.fig.subplots_adjust(left=laid[0], right=laid[1], bottom=laid[2], top=laid[3])
        elif layout in self.laid:  # computed for an earlier actor: the same floats
            self.fig.subplots_adjust(**self.laid[layout])
        else:
            # from a fresh figure's subplot parameters (set above): tight_layout starts from
            # the current positions, so this gives the very layout fan_figure computes
            self.fig.tight_layout(rect=FAN_LAYOUT_RECT)
            self.layouts += 1
            sp = self.fig.subplotpars
            self.laid[layout] = {"left": sp.left, "right": sp.right, "bottom": sp.bottom,
                                 "top": sp.top}
        self.layout = layout
        return self.fig

    def _label_key(self) -> Any:
        """What of the y tick labels the layout depends on: the widest label's width.

        ``tight_layout`` moves the axes' left edge to make room for the y axis label, which
        stands left of the widest tick label; the labels' heights are the font's and their
        vertical places lie within the title's and the x axis's extents. So two actors whose
        widest label is as wide (``0.6`` and ``0.8``; ``-0.4`` and ``-0.6``) get the very same
        layout, and it is computed once for both. Labels with mathematical text are keyed by
        their strings (the layout is then computed for each new set, as before).
        """
        ax = self.ax
        lo, hi = ax.get_ylim()
        ticks = [t for t in ax.yaxis.get_major_locator()() if lo <= t <= hi]
        labels = ax.yaxis.get_major_formatter().format_ticks(ticks)
        if any("$" in lab for lab in labels):
            return tuple(labels)
        renderer = self.fig.canvas.get_renderer()
        prop = ax.yaxis.get_major_ticks(1)[0].label1.get_fontproperties()
        return max((renderer.get_text_width_height_descent(lab, prop, ismath=False)[0]
                    for lab in labels), default=0.0)

    def _title_key(self) -> Any:
        """The title, where it may be wide enough to reach beyond the axes (else ``None``).

        A title narrower than half the figure lies within the left and right extents that
        the tick labels and the legend give; only a longer one can move the layout.
        """
        title = self.ax.title
        renderer = self.fig.canvas.get_renderer()
        lines = title.get_text().split("\n")
        widest = max(renderer.get_text_width_height_descent(line, title.get_fontproperties(),
                                                            ismath=False)[0] for line in lines)
        return title.get_text() if widest > 0.5 * self.fig.bbox.width else None

    def _default_layout(self) -> None:
        """Give the figure a fresh figure's subplot parameters.

        The limits of artists placed in axes coordinates are computed through the axes' place
        in the figure, so they match a fresh figure's to the last bit only from there.
        """
        rc = mpl.rcParams
        self.fig.subplots_adjust(left=rc["figure.subplot.left"],
                                 right=rc["figure.subplot.right"],
                                 bottom=rc["figure.subplot.bottom"], top=rc["figure.subplot.top"])

    def png(self, actor: str, path: str | Path) -> None:
        """Write the fan chart of ``actor`` as a PNG (the bytes :func:`save_png` writes).

        The parts outside the axes that no actor changes within one layout (the legend, the
        axis labels, the x tick labels, the note) are more than half of a chart's drawing,
        nearly all of it text. They are drawn once per layout (:attr:`layers`, the pixels of
        their padded boxes); for the next actor with that layout the figure is drawn without
        them and their pixels are copied in. Where an actor's own parts (the title, the y
        tick labels, the axes and their ticks) would reach into those boxes the whole figure
        is drawn, as before. The picture is the same to the last pixel: the boxes hold only
        the white figure and those parts, drawn in the same places.
        """
        fig = self.draw(actor)
        if not self.reusable:
            save_png(fig, path)
            return
        key = self.layout or ()  # set by draw()
        layer = self.layers.get(key)
        image = None
        if layer is not None:
            names, mask, values = layer
            static = [a for name, a in self._static_artists() if name in names]
            for artist in static:
                artist.set_visible(False)
            try:
                fig.canvas.draw()
            finally:
                for artist in static:
                    artist.set_visible(True)
            if not (self._dynamic_mask() & mask).any():
                image = np.asarray(fig.canvas.buffer_rgba()).copy()
                image[mask] = values
                self.reused += 1
        if image is None:  # the whole figure (the first actor of a layout, or an overlap)
            fig.canvas.draw()
            image = np.asarray(fig.canvas.buffer_rgba())
            if layer is None:
                # the parts whose boxes the actor's own parts do not reach (the first x tick
                # label may stand next to the lowest y tick label: it is then drawn each time)
                dynamic = self._dynamic_mask()
                boxes = {name: self._box_mask([a.get_window_extent()])
                         for name, a in self._static_artists()}
                names = {name for name, m in boxes.items() if not (m & dynamic).any()}
                if names:
                    mask = np.logical_or.reduce([boxes[name] for name in names])
                    self.layers[key] = (names, mask, image[mask].copy())
        # what the canvas's print_png does after drawing: the same bytes for the same pixels
        from matplotlib.image import imsave

        imsave(str(path), image, format="png", origin="upper", dpi=fig.dpi)

    def _static_artists(self) -> list[tuple[str, Any]]:
        """The parts drawn the same for every actor with one layout (outside the axes), named."""
        ax = self.ax
        legend = ax.get_legend()
        return [*([("legend", legend)] if legend is not None else []),
                ("xlabel", ax.xaxis.label), ("ylabel", ax.yaxis.label),
                *((f"text{i}", t) for i, t in enumerate(self.fig.texts)),
                *((f"xtick{i}", t.label1) for i, t in enumerate(ax.xaxis.get_major_ticks())
                  if t.label1.get_visible())]

    def _dynamic_mask(self) -> Any:
        """Where the actor's own parts may draw, as a mask of the figure's pixels.

        The axes (their contents are clipped to them), the y tick marks left of them, the
        title, the y tick labels and the texts in the axes, each box padded by
        :meth:`_box_mask` (the x tick marks are the same for every actor).
        """
        from matplotlib.transforms import Bbox

        ax = self.ax
        box = ax.bbox
        tick = 12.0  # pixels left of the axes that the y tick marks may reach (3.5 points)
        boxes = [box, Bbox.from_extents(box.x0 - tick, box.y0, box.x0, box.y1),
                 ax.title.get_window_extent(),
                 *(t.get_window_extent() for t in ax.texts),
                 *(t.label1.get_window_extent() for t in ax.yaxis.get_major_ticks()
                   if t.label1.get_visible() and t.label1.get_text())]
        return self._box_mask(boxes)

    def _box_mask(self, boxes: list[Any], pad: float = 3.0) -> Any:
        """The figure's pixels inside ``boxes`` (display coordinates), each padded."""
        width, height = self.fig.canvas.get_width_height()
        mask = np.zeros((height, width), dtype=bool)
        for box in boxes:
            x0, x1 = int(np.floor(box.x0 - pad)), int(np.ceil(box.x1 + pad))
            y0, y1 = int(np.floor(box.y0 - pad)), int(np.ceil(box.y1 + pad))
            # the buffer's first row is the figure's top
            mask[max(0, height - y1):max(0, height - y0), max(0, x0):max(0, x1)] = True
        return mask

    def close(self) -> None:
        plt.close(self.fig)
        if self.fresh is not None:
            plt.close(self.fresh)


def fan_charts(summary: dict[str, Any], out_dir: str | Path,
               observed: Observed | None = None, actors: list[str] | None = None,
               key: str = "alignment") -> list[Path]:
    """One PNG fan chart per projected actor (see the module docstring); the written paths.

    One figure is drawn once and redrawn for each actor (see :class:`_FanCanvas`).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    canvas: _FanCanvas | None = None
    try:
        for actor in actors or summary["actors"]:
            if actor not in summary[key] or not is_projected(summary, actor, key):
                continue
            if canvas is None:
                canvas = _FanCanvas(summary, observed, key)
            path = out / f"fan_{_slug(actor)}.png"
            canvas.png(actor, path)
            paths.append(path)
    finally:
        if canvas is not None:
            canvas.close()
    return paths


def _freeze_ticks(ax: Any) -> list[tuple[Any, Any, Any, list[float], list[str]]]:
    """Fix the major ticks and labels of ``ax`` (and the axes sharing them) where they fall.

    A grid of shared axes asks its tick locator for the same positions, and its formatter for
    the same labels, once per axis and per layout pass (tight_layout's, then the drawing's);
    after the data are in, a fixed list gives the same ticks and labels without the search.
    Returns what :func:`_settle_ticks` needs after the layout (the layout changes the axes'
    size, and with it how many ticks an automatic locator places).
    """
    from matplotlib.ticker import FixedFormatter, FixedLocator

    kept = []
    for axis in (ax.xaxis, ax.yaxis):
        locator, formatter = axis.get_major_locator(), axis.get_major_formatter()
        ticks = axis._update_ticks()  # the ticks in view, labelled as the drawing labels them
        locs, labels = [t.get_loc() for t in ticks], [t.label1.get_text() for t in ticks]
        axis.set_major_locator(FixedLocator(locs))
        if not formatter.get_offset():
            axis.set_major_formatter(FixedFormatter(labels))
        kept.append((axis, locator, formatter, locs, labels))
    return kept


def _settle_ticks(kept: list[tuple[Any, Any, Any, list[float], list[str]]]) -> None:
    """After the layout: keep the fixed ticks only where the axes' own locator agrees.

    At the axes' new size their own locator must place the same ticks with the same labels;
    else the axes get their own locator and formatter back.

    tight_layout measures the ticks at the size before the layout (as without fixing them);
    the drawing then asks for them at the size after it. So the picture is the one drawn
    without fixed ticks either way, and the drawing pass is spared the search where it can be.
    """
    for axis, locator, formatter, locs, labels in kept:
        fixed = axis.get_major_locator(), axis.get_major_formatter()
        axis.set_major_locator(locator)
        axis.set_major_formatter(formatter)
        ticks = axis._update_ticks()
        if [t.get_loc() for t in ticks] == locs and [t.label1.get_text()
                                                     for t in ticks] == labels:
            axis.set_major_locator(fixed[0])
            axis.set_major_formatter(fixed[1])


GRID_MARGINS = {"y_ticks": 0.25, "right": 0.15, "x_ticks": 0.345, "titles": 0.48,
                "gap_w": 0.27, "gap_h": 0.38}
"""Fixed margins of the overview grids, in inches (:func:`_grid_layout`): beside the widest y
tick label, at the right, under the axes for the x tick labels, above the axes for the
suptitle's pad and the panels' titles, and between panels. Measured from what
``tight_layout`` chose for the neighbourhood's and the world's overviews (its gaps, which
varied from 0.20 to 0.27 in across and 0.38 to 0.39 in down, rounded up)."""


def _grid_layout(fig: Any, axes: Any, rect: tuple[float, float, float, float]) -> None:
    """Lay out a grid of shared-axes panels at :data:`GRID_MARGINS` instead of ``tight_layout``.

    ``tight_layout`` measures every artist of every panel (about a third of an overview's
    cost); on a grid of shared axes only three things vary: the widest y tick label of the
    first panel, the suptitle's height, and the figure's size. Those are measured (three or
    four texts); the rest is fixed. ``rect`` is the part of the figure the grid may fill, as
    for ``tight_layout``.
    """
    w, h = fig.get_size_inches()
    renderer = fig.canvas.get_renderer()
    labels = [t for t in axes[0][0].get_yticklabels() if t.get_visible() and t.get_text()]
    widest = max((t.get_window_extent(renderer).width for t in labels), default=0.0) / fig.dpi
    title = fig._suptitle
    title_h = title.get_window_extent(renderer).height / fig.dpi if title is not None else 0.0
    m = GRID_MARGINS
    left = rect[0] * w + widest + m["y_ticks"]
    right = (1 - rect[2]) * w + m["right"]
    bottom = rect[1] * h + m["x_ticks"]
    top = (1 - rect[3]) * h + title_h + m["titles"]
    rows, cols = len(axes), len(axes[0])
    aw = (w - left - right - (cols - 1) * m["gap_w"]) / cols
    ah = (h - bottom - top - (rows - 1) * m["gap_h"]) / rows
    fig.subplots_adjust(left=left / w, right=1 - right / w, bottom=bottom / h, top=1 - top / h,
                        wspace=m["gap_w"] / aw, hspace=m["gap_h"] / ah)


def alignment_overview(summary: dict[str, Any], path: str | Path,
                       observed: Observed | None = None, actors: list[str] | None = None,
                       title: str | None = None) -> Path:
    """A grid of small fan charts, one per neighbour, on shared axes, in one PNG."""
    chosen = actors or [a for a in POST_SOVIET if a in summary["alignment"]
                        and is_projected(summary, a)] \
        or [a for a in POST_SOVIET if a in summary["alignment"]]  # a run inside the record
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
    kept = _freeze_ticks(axes[0][0])
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower right", fontsize=7, frameon=False, ncol=3)
    fig.text(0.01, 0.01, ALIGNMENT_BEYOND, ha="left", va="bottom", fontsize=7, color="0.3")
    free = free_run_label(summary)
    fig.suptitle(title or f"{ALIGNMENT_NAME}: {ALIGNMENT_AXIS}\n"
                 f"{summary['members']} members, seed {summary.get('seed')}"
                 + (f"; {free}" if free else ""), fontsize=10)
    _grid_layout(fig, axes, rect=(0, 0.05, 1, 0.97))
    _settle_ticks(kept)
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    save_png(fig, p)
    plt.close(fig)
    return p


_POLE_COLOURS = {"russia": "#c0392b", "china": "#e0a526", "west": "#3a6ea5"}


_CHANNEL_DASHES = ("-", "--", ":", "-.")


def _channel_series(table: dict[str, Any] | None, years: np.ndarray
                    ) -> list[tuple[str, np.ndarray]]:
    """Russia's median share per channel of one actor, ``[(channel, by year)]``."""
    if not table:
        return []
    first = table[str(years[0])]
    return [(c, np.array([table[str(y)][c]["median"] for y in years])) for c in first]


def sphere_overview(summary: dict[str, Any], path: str | Path,
                    actors: list[str] | None = None, title: str | None = None) -> Path:
    """A grid of stacked-share panels, one per neighbour: whose sphere it is in, by year.

    Each panel stacks the median shares of Russia, China and the West (the summary's
    ``sphere`` entry; medians need not sum to exactly 1) and draws Russia's median share in
    each channel as a black line, one dash per channel (``sphere_channels``, where the summary
    has it).
    """
    table = summary["sphere"]
    channels = summary.get("sphere_channels", {})
    chosen = actors or [a for a in POST_SOVIET if a in table]
    labelled: set[str] = set()  # each channel's line in the legend once
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
        for k, (c, table_c) in enumerate(_channel_series(channels.get(actor), years)):
            ax.plot(years, table_c, color="black", lw=0.9, ls=_CHANNEL_DASHES[k % 4],
                    label=f"Russia: {c}" if c not in labelled else "_")
            labelled.add(c)
        mark_projection(ax, summary, label=i == 0, over=True)
        ax.set_ylim(0, 1)
        ax.set_title(actor, fontsize=9)
        ax.tick_params(labelsize=7)
    for j in range(n, rows * cols):
        axes[j // cols][j % cols].axis("off")
    kept = _freeze_ticks(axes[0][0])
    handles, labels = axes[0][0].get_legend_handles_labels()
    for ax in axes.flat[1:]:  # the channels' lines may first appear in a later panel
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    if "projected" in labels:  # the veil is white: show it as it looks over a colour
        from matplotlib.patches import Patch

        handles[labels.index("projected")] = Patch(facecolor="0.6", edgecolor="white",
                                                   hatch="//", lw=0)
    fig.legend(handles, labels, loc="lower right", fontsize=7, frameon=False,
               ncol=5 if len(labels) <= 5 else 2)
    fig.suptitle(title or f"Whose sphere (median shares of trade, arms, security, investment; "
                 f"lines: Russia's share per channel): "
                 f"{summary['members']} members, seed {summary.get('seed')}", fontsize=10)
    _grid_layout(fig, axes, rect=(0, 0.03, 1, 0.97))
    _settle_ticks(kept)
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    save_png(fig, p)
    plt.close(fig)
    return p


def comparison_chart(summaries: dict[str, dict[str, Any]], actor: str, path: str | Path,
                     observed: Observed | None = None) -> Path:
    """Medians and 90% bands of several runs (perspectives, hypotheses) for one actor."""
    fig, ax = plt.subplots(figsize=(7.0, 4.2), dpi=130)
    colours = plt.get_cmap("tab10")
    for i, (name, summ) in enumerate(summaries.items()):
        if i == 0:
            mark_projection(ax, summ)
        years = np.array(summ["years"])
        s = _series(summ, actor)
        ax.fill_between(years, s["p05"], s["p95"], color=colours(i), alpha=0.12, lw=0)
        ax.plot(years, s["median"], color=colours(i), lw=1.6, label=name)
    if observed and actor in observed:
        pts = sorted(observed[actor].items())
        if pts:
            oy, ov = zip(*pts, strict=True)
            ax.plot(oy, ov, "o", ms=3, color="k", label="observed")
    ax.set_title(f"{actor}: {ALIGNMENT_NAME} by run", fontsize=11)
    ax.set_ylabel(Y_LABEL, fontsize=8)
    ax.grid(alpha=0.25, lw=0.5)
    ax.legend(fontsize=7, frameon=False)
    fig.text(0.99, 0.01, ALIGNMENT_BEYOND, ha="right", va="bottom", fontsize=6, color="0.4")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    save_png(fig, p)
    plt.close(fig)
    return p
