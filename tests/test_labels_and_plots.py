"""User-facing words: the alignment scale in charts, where observation ends, seed sources."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

from multipolar.core.labels import SEED_BIBLIOGRAPHY, alignment_words, seed_number, source_label
from multipolar.figures import plots

YEARS = list(range(2010, 2031))


def _cell(v: float, spread: float) -> dict[str, float]:
    return {"p05": v - 2 * spread, "p25": v - spread, "median": v, "p75": v + spread,
            "p95": v + 2 * spread}


def _summary(observed_until: int | None = 2019) -> dict:
    align = {"Ukraine": {str(y): _cell(0.3 + 0.01 * (y - 2010), 0.05) for y in YEARS},
             "China": {str(y): _cell(-0.18, 0.0) for y in YEARS}}
    return {"members": 50, "seed": 1, "years": YEARS, "actors": ["Ukraine", "China"],
            "alignment": align, "observed_until": observed_until}


def _texts(fig) -> list[str]:
    out = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        out += [ax.get_ylabel(), ax.get_xlabel(), ax.get_title()]
        out += [t.get_text() for t in ax.texts]
        leg = ax.get_legend()
        if leg is not None:
            out += [t.get_text() for t in leg.get_texts()]
    return out


def test_fan_chart_explains_the_scale_and_marks_the_projection():
    fig = plots.fan_figure(_summary(), "Ukraine")
    text = " ".join(_texts(fig))
    assert "votes like Russia (0)" in text and "votes like the US (1)" in text
    assert "below 0" in text and "above 1" in text
    assert "last observed year (2019)" in text and "projected" in text
    assert "rel_pos" not in text
    ax = fig.axes[0]
    # the shaded span runs from the last observed year to the last year
    spans = [p for p in ax.patches if p.get_label() == "projected"]
    assert len(spans) == 1
    span = spans[0]
    if hasattr(span, "get_width"):  # a Rectangle (newer matplotlib)
        lo, hi = span.get_x(), span.get_x() + span.get_width()
    else:  # a Polygon
        xs = np.asarray(span.get_xy())[:, 0]
        lo, hi = xs.min(), xs.max()
    assert lo == pytest.approx(2019) and hi == pytest.approx(2030)
    vlines = [ln for ln in ax.lines if ln.get_label().startswith("last observed")]
    assert np.allclose(vlines[0].get_xdata(), 2019)
    plt.close(fig)


def test_sphere_overview_marks_the_projection_over_its_stacks(monkeypatch, tmp_path: Path):
    """Issue 24: sphere-overview.png had no projection shading and no last-observed line."""
    cell = {"median": 1 / 3}
    summary = {**_summary(), "sphere": {a: {str(y): {p: cell for p in ("russia", "china",
                                                                         "west")}
                                            for y in YEARS} for a in ("Belarus", "Armenia")}}
    figs = []
    monkeypatch.setattr(plots.plt, "close", figs.append)  # keep the figure to look at it
    plots.sphere_overview(summary, tmp_path / "sphere.png")
    fig = figs[0]
    for ax in [a for a in fig.axes if a.get_title()]:
        spans = [p for p in ax.patches
                 if p.get_zorder() > max(c.get_zorder() for c in ax.collections)]
        assert spans, ax.get_title()  # drawn over the stacked areas, so it shows
        lines = [ln for ln in ax.lines if np.allclose(ln.get_xdata(), 2019)]
        assert lines and lines[0].get_linestyle() == "--"
    legend = " ".join(t.get_text() for leg in fig.legends for t in leg.get_texts())
    assert "projected" in legend and "last observed year (2019)" in legend
    plt.close(fig)


def test_no_projection_marks_without_observed_until_and_beyond_the_end():
    for until in (None, 2040):
        fig = plots.fan_figure(_summary(until), "Ukraine")
        assert not [p for p in fig.axes[0].patches if p.get_label() == "projected"]
        plt.close(fig)


def test_actors_the_model_does_not_project_get_no_fan_chart(tmp_path: Path):
    paths = plots.fan_charts(_summary(), tmp_path)
    assert [p.name for p in paths] == ["fan_ukraine.png"]
    assert plots.is_projected(_summary(), "Ukraine")
    assert not plots.is_projected(_summary(), "China")


def test_alignment_words_cover_the_scale_and_beyond():
    assert alignment_words(-0.2).startswith("beyond Russia")
    assert alignment_words(1.3).startswith("beyond the US")
    assert alignment_words(0.05) == "close to Russia"
    assert alignment_words(0.95) == "close to the US"


def test_seed_sources_show_author_year_and_title():
    assert seed_number("001_fd82be3ebef96972.txt") == "001" and seed_number("001") == "001"
    assert seed_number("citations.yaml") is None
    assert source_label("001").startswith("Torbakov, I. (2011)")
    assert "What is not seen from the Kremlin" in source_label("003_63ccb2f8aa796815.txt")
    assert source_label("003", short=True) == "Deriglazova, Makarychev & Reut (2012)"
    assert source_label("some-paper.pdf") == "some-paper.pdf"
    for label in SEED_BIBLIOGRAPHY.values():
        assert re.search(r"\((?:about |undated)?[^)]*\d{4}", label)


def test_seed_bibliography_covers_the_shared_seeds():
    seeds = Path(__file__).resolve().parents[1] / ".." / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip("shared seeds not present")
    nums = {seed_number(p.name) for p in seeds.glob("*.txt")}
    assert nums <= set(SEED_BIBLIOGRAPHY)


def test_no_internal_column_name_in_user_facing_text():
    src = Path(plots.__file__).resolve().parents[1]  # the whole package, not figures/ alone
    offenders = []
    for p in list(src.rglob("*.js")) + list(src.rglob("*.html")):
        if "rel_pos_ru0_us1" in p.read_text(encoding="utf-8"):
            offenders.append(str(p))
    for p in src.rglob("*.py"):
        for line in p.read_text(encoding="utf-8").splitlines():
            # titles, labels and messages: strings passed to set_*label/title/Table(title=...)
            if "rel_pos_ru0_us1" in line and re.search(r"set_\w*label\(|title[=(]|caption[=(]|\.text\(", line):
                offenders.append(f"{p}: {line.strip()}")
    assert not offenders


def test_dashboard_and_evidence_show_name_sources_by_author_and_year():
    from typer.testing import CliRunner

    from multipolar.cli.main import app
    from multipolar.web.backend import evidence_items

    items = evidence_items("russia-neighbourhood")
    cits = [c for it in items for c in it["citations"]]
    assert cits and all(c["source"] == source_label(c["doc"]) for c in cits)
    assert any(c["source"].startswith("Torbakov, I. (2011)") for c in cits)
    seeds = Path(__file__).resolve().parents[1] / ".." / "shared" / "seeds"
    if seeds.is_dir():
        res = CliRunner().invoke(app, ["evidence", "show", "delegation_limit", "--corpus",
                                       str(seeds)])
        assert res.exit_code == 0, res.output
        assert "Torbakov, I. (2011)" in res.output and "_fd82be3ebef96972" not in res.output


def _many_actors_summary() -> dict:
    """Actors whose ranges need different y ticks, one without observations."""
    align = {"Ukraine": {str(y): _cell(0.3 + 0.01 * (y - 2010), 0.05) for y in YEARS},
             "Belarus": {str(y): _cell(-0.4 - 0.02 * (y - 2010), 0.1) for y in YEARS},
             "Georgia": {str(y): _cell(0.9 + 0.03 * (y - 2010), 0.2) for y in YEARS},
             "Moldova": {str(y): _cell(0.5, 0.01 * (y - 2009)) for y in YEARS},
             "Armenia": {str(y): _cell(0.32 + 0.01 * (y - 2010), 0.05) for y in YEARS}}
    return {"members": 50, "seed": 1, "years": YEARS, "actors": list(align),
            "alignment": align, "observed_until": 2019}


def test_a_reused_fan_figure_draws_what_a_fresh_one_draws():
    summary = _many_actors_summary()
    observed = {"Ukraine": {2012: 0.2, 2015: 0.45}, "Belarus": {2011: -0.7},
                "Georgia": {2018: 1.4}, "Armenia": {2013: 0.3}}
    canvas = plots._FanCanvas(summary, observed, "alignment")
    try:
        order = ["Ukraine", "Armenia", "Belarus", "Moldova", "Georgia", "Ukraine"]
        for actor in order:
            fresh = plots.fan_figure(summary, actor, observed)
            fresh.canvas.draw()
            want = np.asarray(fresh.canvas.buffer_rgba()).copy()
            plt.close(fresh)
            fig = canvas.draw(actor)
            fig.canvas.draw()
            got = np.asarray(fig.canvas.buffer_rgba())
            assert got.shape == want.shape and (got == want).all(), actor
        # the layout was computed again only where the y ticks or the legend changed
        assert canvas.layouts < len(order)
    finally:
        canvas.close()


def test_charts_drawn_by_helper_processes_are_the_charts_drawn_in_series(tmp_path: Path):
    from multipolar.cli.charts import ChartPool, chart_jobs

    summary = _many_actors_summary()
    observed = {"Ukraine": {2012: 0.2}}
    jobs = chart_jobs(summary, 2)
    assert sorted(a for kind, acts in jobs if kind == "fans" for a in acts) == sorted(
        summary["actors"])
    drawn = {}
    for n in (0, 2):
        folder = tmp_path / f"p{n}"
        folder.mkdir()
        with ChartPool(processes=n) as pool:
            pool.submit(summary, folder, observed)
            paths = pool.wait()
        drawn[n] = {p.name: p.read_bytes() for p in paths}
        n_fans = len(summary["actors"])
        assert [p.name for p in paths][:n_fans] == [f"fan_{a.lower()}.png"
                                                    for a in summary["actors"]]
    assert set(drawn[0]) == {*(f"fan_{a.lower()}.png" for a in summary["actors"]),
                             "alignment-overview.png"}
    assert drawn[0] == drawn[2]


def test_each_chart_job_draws_the_same_png_from_its_trimmed_payload(tmp_path: Path):
    """The helpers get only what a job reads (charts.job_payload); the PNGs are unchanged."""
    from multipolar.cli.charts import NOT_DRAWN, chart_jobs, draw, job_payload

    summary = _many_actors_summary()
    cell = _cell(0.3, 0.05)
    summary["sphere"] = {a: {str(y): {p: cell for p in ("russia", "china", "west")}
                             for y in YEARS} for a in summary["actors"]}
    summary["sphere_channels"] = {"Moldova": {str(y): {c: {"median": 0.2 + 0.1 * i} for i, c in
                                              enumerate(("trade", "arms", "security",
                                                         "investment"))} for y in YEARS}}
    summary |= {"means": {"x": 1.0}, "memberships": {"EU": {}}, "russia": {"capacity": {}}}
    observed = {"Ukraine": {2012: 0.2}, "Georgia": {2018: 1.4}, "Latvia": {2012: 0.9}}
    jobs = chart_jobs(summary, 2)
    assert {kind for kind, _ in jobs} == {"overview", "sphere", "fans"}
    for i, job in enumerate(jobs):
        part, obs = job_payload(summary, observed, job)
        assert not set(NOT_DRAWN) & set(part)
        if job[0] == "fans":  # only its own actors travel
            assert set(part["alignment"]) == set(job[1])
            assert set(obs) <= set(job[1])
        assert ("sphere" in part) == ("sphere_channels" in part) == (job[0] == "sphere")
        whole, trimmed = tmp_path / f"whole{i}", tmp_path / f"trimmed{i}"
        whole.mkdir()
        trimmed.mkdir()
        a = draw(summary, whole, observed, job)
        b = draw(part, trimmed, obs, job)
        assert [p.name for p in a] == [p.name for p in b] and a
        assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b], job


def test_sphere_overview_draws_russias_share_per_channel(monkeypatch, tmp_path: Path):
    """One line per channel (Russia's median share), each at the value the summary gives."""
    cell = {"median": 1 / 3}
    chans = {"trade": 0.1, "arms": 0.4, "security": 0.7, "investment": 0.9}
    summary = {**_summary(),
               "sphere": {a: {str(y): {p: cell for p in ("russia", "china", "west")}
                              for y in YEARS} for a in ("Belarus", "Armenia")},
               "sphere_channels": {"Armenia": {str(y): {c: {"median": v} for c, v in
                                                        chans.items()} for y in YEARS}}}
    figs = []
    monkeypatch.setattr(plots.plt, "close", figs.append)
    plots.sphere_overview(summary, tmp_path / "sphere.png")
    fig = figs[0]
    axes = {a.get_title(): a for a in fig.axes if a.get_title()}
    # Armenia, not the first panel, has the channels: its lines are drawn and in the legend
    lines = {ln.get_label(): ln for ln in axes["Armenia"].lines if ln.get_color() == "black"}
    assert {np.unique(ln.get_ydata()).item() for ln in lines.values()} == set(chans.values())
    assert len({ln.get_linestyle() for ln in lines.values()}) == 4
    assert not [ln for ln in axes["Belarus"].lines if ln.get_color() == "black"]  # none kept
    legend = " ".join(t.get_text() for leg in fig.legends for t in leg.get_texts())
    assert all(f"Russia: {c}" in legend for c in chans)
    plt.close(fig)


def test_a_fan_layout_is_computed_once_per_widest_tick_label():
    """Actors whose widest y tick label is as wide share one layout (and each chart is still
    the picture a fresh figure draws); a wider label (a minus sign) needs its own."""
    align = {"Narrow": {str(y): _cell(0.5, 0.05) for y in YEARS},          # 0.0 ... 1.0
             "Higher": {str(y): _cell(1.1, 0.08) for y in YEARS},          # 0.0 ... 1.4
             "Minus": {str(y): _cell(-0.3, 0.05) for y in YEARS}}          # -0.4 ... 1.0
    summary = {"members": 50, "seed": 1, "years": YEARS, "actors": list(align),
               "alignment": align, "observed_until": 2019}
    canvas = plots._FanCanvas(summary, None, "alignment")
    labels = {}
    try:
        for actor in ["Narrow", "Minus", "Higher", "Narrow", "Minus"]:
            fresh = plots.fan_figure(summary, actor)
            fresh.canvas.draw()
            want = np.asarray(fresh.canvas.buffer_rgba()).copy()
            plt.close(fresh)
            fig = canvas.draw(actor)
            fig.canvas.draw()
            got = np.asarray(fig.canvas.buffer_rgba())
            assert got.shape == want.shape and (got == want).all(), actor
            labels[actor] = [t.get_text() for t in fig.axes[0].get_yticklabels()]
        assert labels["Narrow"] != labels["Higher"]  # different labels, the same layout
        assert canvas.layouts == 2
    finally:
        canvas.close()


def test_fixed_tick_labels_leave_the_overviews_unchanged(monkeypatch, tmp_path: Path):
    """The overviews fix their shared ticks and labels once the data are in: same bytes."""
    summary = _many_actors_summary()
    summary["sphere"] = {a: {str(y): {p: _cell(0.2 + 0.1 * i, 0.05) for i, p in
                                      enumerate(("russia", "china", "west"))} for y in YEARS}
                         for a in summary["actors"]}

    def draw(name: str) -> list[bytes]:
        return [plots.alignment_overview(summary, tmp_path / f"a{name}.png",
                                         observed={"Ukraine": {2012: 0.2}}).read_bytes(),
                plots.sphere_overview(summary, tmp_path / f"s{name}.png").read_bytes()]

    frozen = draw("frozen")
    # (five panels on a grid of eight: the layout changes the ticks an automatic locator
    # places, which fixed ticks must not hide)
    monkeypatch.setattr(plots, "_freeze_ticks", lambda ax: [])
    assert frozen == draw("free")


def test_the_run_decides_its_chart_jobs_without_importing_matplotlib():
    """matplotlib's import belongs to the helper processes, not to the table's path."""
    import subprocess
    import sys

    code = ("import json, sys\n"
            "from multipolar.cli.charts import _order, chart_jobs\n"
            "s = json.loads(sys.stdin.read())\n"
            "jobs = chart_jobs(s, 2)\n"
            "assert sorted(a for k, acts in jobs if k == 'fans' for a in acts) == "
            "sorted(s['actors']), jobs\n"
            "_order([], s)\n"
            "assert 'matplotlib' not in sys.modules\n")
    import json

    proc = subprocess.run([sys.executable, "-c", code], input=json.dumps(_many_actors_summary()),
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_fan_charts_drawn_onto_a_stored_layer_are_the_bytes_of_fresh_figures(tmp_path: Path):
    """The legend, axis labels, x tick labels and the note are drawn once per layout and
    copied in for the next actors: the PNGs are those of a fresh figure, byte for byte."""
    summary = _many_actors_summary()
    observed = {"Ukraine": {2012: 0.2, 2015: 0.45}, "Belarus": {2011: -0.7},
                "Georgia": {2018: 1.4}, "Armenia": {2013: 0.3}, "Moldova": {2014: 0.5}}
    canvas = plots._FanCanvas(summary, observed, "alignment")
    try:
        order = ["Ukraine", "Armenia", "Belarus", "Moldova", "Georgia", "Ukraine", "Belarus"]
        for i, actor in enumerate(order):
            fresh = plots.fan_figure(summary, actor, observed)
            plots.save_png(fresh, tmp_path / f"fresh{i}.png")
            plt.close(fresh)
            canvas.png(actor, tmp_path / f"canvas{i}.png")
            assert (tmp_path / f"canvas{i}.png").read_bytes() == \
                (tmp_path / f"fresh{i}.png").read_bytes(), actor
        assert canvas.layers and canvas.reused == len(order) - len(canvas.layers)
    finally:
        canvas.close()


@pytest.mark.parametrize("wide", [False, True])
def test_overview_grids_fixed_layout_keeps_every_label_inside_and_apart(tmp_path, monkeypatch,
                                                                        wide):
    """The overviews' fixed layout (plots._grid_layout, no tight_layout): every panel with its
    tick labels and title lies inside the figure and overlaps no other panel, also when the
    y tick labels are wider than usual (a range of thousands: -1000, 0, 1000, ...)."""
    summary = _many_actors_summary()
    if wide:
        summary["alignment"] = {a: {str(y): _cell(1000.0 * i - 1000.0, 200.0) for y in YEARS}
                                for i, a in enumerate(summary["actors"])}
    summary["sphere"] = {a: {str(y): {"russia": _cell(0.5, 0.1), "china": _cell(0.2, 0.05),
                                      "west": _cell(0.3, 0.1)} for y in YEARS}
                         for a in summary["actors"]}
    figs = []
    real_save = plots.save_png

    def keep(fig, path):
        figs.append(fig)
        real_save(fig, path)

    monkeypatch.setattr(plots, "save_png", keep)
    monkeypatch.setattr(plots.plt, "close", lambda fig: None)
    plots.alignment_overview(summary, tmp_path / "a.png")
    plots.sphere_overview(summary, tmp_path / "s.png", actors=summary["actors"])
    for fig in figs:
        renderer = fig.canvas.get_renderer()
        page = fig.bbox
        boxes = [ax.get_tightbbox(renderer) for ax in fig.axes if ax.get_visible()
                 and ax.axison]
        for box in boxes:
            assert page.x0 <= box.x0 and box.x1 <= page.x1 + 0.5
            assert page.y0 <= box.y0 and box.y1 <= page.y1
        for i, a in enumerate(boxes):
            for b in boxes[i + 1:]:
                assert not a.overlaps(b), (a, b)
        labels = [t.get_text() for t in fig.axes[0].get_yticklabels() if t.get_text()]
        if wide and fig is figs[0]:
            assert max(len(s) for s in labels) >= 5  # the wide labels this case is about
        plt.close(fig)
