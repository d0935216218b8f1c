"""World choropleths drawn offline from the bundled Natural Earth shapes (matplotlib only).

:func:`draw_panels` draws one or more stacked world maps in the Equal Earth projection
(Šavrič, Patterson & Jenny 2018), each colouring states by a value on the panel's scale;
states without a value (not UN members) are light grey. :func:`coalition_map` writes the
figure of a coalition forecast: the probability of condemning, the probability of siding with
Russia, and UN voting alignment in the last observed year. Depends on matplotlib and NumPy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from multipolar.data.global_tables import load_map

_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = np.sqrt(3.0) / 2.0


def equal_earth(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Equal Earth projection of degrees, in units of the Earth's radius."""
    lam = np.radians(lon)
    th = np.arcsin(_M * np.sin(np.radians(lat)))
    t2 = th * th
    t6 = t2 * t2 * t2
    x = 2.0 * np.sqrt(3.0) * lam * np.cos(th) / (
        3.0 * (9 * _A4 * t6 * t2 + 7 * _A3 * t6 + 3 * _A2 * t2 + _A1))
    y = th * (_A4 * t6 * t2 + _A3 * t6 + _A2 * t2 + _A1)
    return x, y


def _projected(pts: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """A ring made continuous across the antimeridian, plus copies shifted by 360 degrees.

    A copy is drawn where the ring leaves [-180, 180]; the frame clips the surplus.
    """
    lon = np.degrees(np.unwrap(np.radians(pts[:, 0])))
    out = [equal_earth(lon, pts[:, 1])]
    if lon.max() > 180.0:
        out.append(equal_earth(lon - 360.0, pts[:, 1]))
    if lon.min() < -180.0:
        out.append(equal_earth(lon + 360.0, pts[:, 1]))
    return out


def _outline() -> np.ndarray:
    lat = np.linspace(-90.0, 90.0, 181)
    xr, yr = equal_earth(np.full_like(lat, 180.0), lat)
    xl, yl = equal_earth(np.full_like(lat, -180.0), lat[::-1])
    return np.column_stack([np.concatenate([xr, xl]), np.concatenate([yr, yl])])


@dataclass(frozen=True)
class Panel:
    """One map: values per ISO3 code, a title, a colour map, a colour-bar label and its range."""

    values: dict[str, float]
    title: str
    cmap: str
    label: str
    vmin: float = 0.0
    vmax: float = 1.0


def _draw(ax: Any, panel: Panel) -> Any:
    import matplotlib as mpl
    from matplotlib.collections import PolyCollection

    shapes = load_map()
    cmap = mpl.colormaps[panel.cmap]
    norm = mpl.colors.Normalize(panel.vmin, panel.vmax, clip=True)
    polys, colours = [], []
    for code, rings in shapes.items():
        v = panel.values.get(code)
        colour = "#e4e4e4" if v is None or not np.isfinite(v) else cmap(norm(v))
        for hole, pts in rings:
            for x, y in _projected(np.asarray(pts)):
                polys.append(np.column_stack([x, y]))
                colours.append("white" if hole else colour)
    outline = _outline()
    frame = mpl.patches.Polygon(outline, closed=True, facecolor="#f4f8fb",
                                edgecolor="#888888", lw=0.6, zorder=0)
    ax.add_patch(frame)
    coll = PolyCollection(polys, facecolors=colours, edgecolors="#555555", linewidths=0.15)
    ax.add_collection(coll)
    coll.set_clip_path(frame)
    ax.set_xlim(-2.75, 2.75)
    ax.set_ylim(-1.36, 1.36)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(panel.title, fontsize=10, loc="left")
    return mpl.cm.ScalarMappable(norm=norm, cmap=cmap)


def draw_panels(panels: list[Panel], path: Path, *, suptitle: str | None = None,
                note: str | None = None) -> Path:
    """Write stacked world maps to ``path`` (PNG, 200 dpi)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(panels), 1, figsize=(8.0, 3.9 * len(panels)), squeeze=False)
    for ax, panel in zip(axes[:, 0], panels, strict=True):
        sm = _draw(ax, panel)
        cb = fig.colorbar(sm, ax=ax, orientation="horizontal", fraction=0.045, pad=0.02,
                          shrink=0.55, aspect=35)
        cb.set_label(panel.label, fontsize=8)
        cb.ax.tick_params(labelsize=7)
    if suptitle:
        fig.suptitle(suptitle, fontsize=11, x=0.02, ha="left")
    if note:
        import textwrap

        fig.text(0.02, 0.005, textwrap.fill(note, 150), fontsize=6.5, color="#444444",
                 ha="left", va="bottom")
    fig.tight_layout(rect=(0, 0.02, 1, 0.97 if suptitle else 1))
    path = Path(path)
    # the bytes savefig(path, dpi=200) writes, without its second drawing of the figure
    # (see multipolar.figures.plots.save_png)
    fig.set_dpi(200)
    canvas: Any = fig.canvas
    canvas.print_png(str(path))
    plt.close(fig)
    return path


def coalition_map(result: dict[str, Any], alignment: dict[str, float], path: Path) -> Path:
    """The figure of a coalition forecast (see the module docstring)."""
    ev = result["event"]
    cal = result["calibration"]
    states = result["states"]
    panels = [
        Panel({s["iso3"]: s["p_yes"] for s in states},
              "a. Probability of voting yes (condemning the use of force)", "Blues",
              "P(yes)"),
        Panel({s["iso3"]: s["p_no"] for s in states},
              "b. Probability of voting no (siding with Russia)", "Reds", "P(no)"),
        Panel(alignment, f"c. UN voting alignment, {cal['until']}", "RdBu",
              "ideal point between Russia (0) and the US (1); below 0: farther from the US "
              "than Russia is", vmin=-0.6, vmax=1.0),
    ]
    names = {s["iso3"]: s["name"] for s in states}
    note = (f"Ensemble of {cal['members']} members; vote model calibrated on the Russia-related "
            f"UNGA votes through {cal['until']}. Russia is set to vote no and "
            f"{names.get(ev['target'], ev['target'])} yes. Grey: not a UN member in "
            f"{cal['until']}. Shapes: Natural Earth 1:50m (public domain).")
    title = (f"General Assembly vote after a Russian use of force against "
             f"{names.get(ev['target'], ev['target'])} in {ev['year']}: forecast")
    return draw_panels(panels, path, suptitle=title, note=note)


def svg_map(values: dict[str, float], *, cmap: str = "Reds", vmin: float = 0.0,
            vmax: float = 1.0, width: int = 960, titles: dict[str, str] | None = None) -> str:
    """A self-contained SVG choropleth (no scripts, no external files) for web pages.

    One ``<path>`` per state, carrying ``data-iso3`` and, where given, ``data-value`` and a
    ``<title>`` tooltip, so that the dashboard or the HTML report can embed and style it.
    """
    from xml.sax.saxutils import escape

    import matplotlib as mpl

    cm = mpl.colormaps[cmap]
    norm = mpl.colors.Normalize(vmin, vmax, clip=True)
    sx = width / 5.5
    height = round(2.72 * sx)

    def pt(x: np.ndarray, y: np.ndarray) -> str:
        return " ".join(f"{(a + 2.75) * sx:.1f},{(1.36 - b) * sx:.1f}" for a, b in zip(x, y,
                                                                                       strict=True))

    ox, oy = _outline()[:, 0], _outline()[:, 1]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}">',
             '<defs><clipPath id="frame"><polygon points="' + pt(ox, oy) + '"/></clipPath>'
             '</defs>',
             '<polygon points="' + pt(ox, oy) + '" fill="#f4f8fb" stroke="#888"/>',
             '<g clip-path="url(#frame)" stroke="#555" stroke-width="0.3">']
    for code, rings in sorted(load_map().items()):
        raw = values.get(code)
        v = float("nan") if raw is None else float(raw)
        known = bool(np.isfinite(v))
        fill = mpl.colors.to_hex(cm(norm(v))) if known else "#e4e4e4"
        d = []
        for _hole, pts in rings:
            for x, y in _projected(np.asarray(pts)):
                d.append("M" + pt(x, y).replace(" ", "L") + "Z")
        attrs = f'data-iso3="{code}" fill="{fill}" fill-rule="evenodd"'
        if known:
            attrs += f' data-value="{v:.4f}"'
        tip = (titles or {}).get(code)
        inner = f"<title>{escape(tip)}</title>" if tip else ""
        parts.append(f'<path {attrs} d="{"".join(d)}">{inner}</path>')
    parts.append("</g></svg>")
    return "\n".join(parts)
