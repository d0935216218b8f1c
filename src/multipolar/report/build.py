"""Build a self-contained HTML (and optional PDF) report from a run folder.

A run folder is either an ensemble store written by ``multipolar run`` (``catalogue.duckdb``
plus Parquet chunks; read with :mod:`multipolar.ensemble`) or a folder written by
``multipolar explore`` / ``multipolar compare`` (a ``summary.json`` with ``kind``).

The HTML has no external references: pictures are PNGs embedded as base64 ``data:`` URIs and
the interactive chart's Plotly library is inlined. Sections (HTML ids): ``overview``,
``fan-charts``, ``alignment-map``, ``memberships``, ``sensitivity`` and ``prim`` (explore),
``comparison`` (compare), ``evidence`` (every mechanism with its citations, and the passages
themselves when a corpus folder is given) and ``reproduction`` (seed, versions, command).
Depends on matplotlib, Plotly, :mod:`multipolar.report.figures`, the scenario loader,
:mod:`multipolar.ensemble` (for stores) and :mod:`multipolar.evidence` (for passages).
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from multipolar.core.errors import MultipolarError
from multipolar.core.labels import ALIGNMENT_AXIS, ALIGNMENT_BEYOND, source_label

SECTIONS = ("overview", "world-map", "coalition", "fan-charts", "alignment-map", "memberships",
            "sensitivity", "prim", "comparison", "evidence", "reproduction")
NEIGHBOURS_EXCLUDED = ("Russia", "EU", "United States", "China", "Turkey")


@dataclass
class RunData:
    """What a report shows, read from a run folder."""

    kind: str
    rundir: Path
    summary: dict[str, Any]
    ensemble: dict[str, Any] | None
    scenario: str
    seed: Any
    perspective: str | None = None
    hypothesis: str | None = None
    info: dict[str, Any] = field(default_factory=dict)


def load_run(rundir: str | Path) -> RunData:
    """Read a run folder of any kind (see module docstring)."""
    d = Path(rundir).expanduser()
    if not d.is_dir():
        raise MultipolarError(f"no such run folder: {d}", file=str(d), field="RUNDIR",
                              fix="give the --out folder of multipolar run, explore or compare")
    sj = d / "summary.json"
    if sj.is_file():
        try:
            s = json.loads(sj.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise MultipolarError(f"cannot read {sj.name}: {exc}", file=str(sj),
                                  fix="re-run the command that wrote it") from None
        kind = s.get("kind")
        if kind not in ("explore", "compare"):
            raise MultipolarError(f"{sj.name} is not an explore or compare summary",
                                  file=str(sj), field="kind",
                                  fix="point at a folder written by multipolar explore/compare")
        if kind == "explore":
            ens = s.get("ensemble")
        else:
            ens = s["overlays"][s["baseline"]]["summary"]
        return RunData(kind, d, s, ens, s.get("scenario", "russia-neighbourhood"),
                       s.get("seed"), s.get("perspective"), s.get("hypothesis"))
    if (d / "catalogue.duckdb").is_file():
        # lazy: keeps start-up fast (loads the model, numpy)
        from multipolar.ensemble import run_info, summarise_run

        info = run_info(d)
        ens = summarise_run(d)
        spec = info.get("spec") or {}
        return RunData("run", d, ens, ens, info.get("scenario_file") or spec.get("scenario")
                       or "russia-neighbourhood", info.get("seed"), spec.get("perspective"),
                       spec.get("hypothesis"), info)
    raise MultipolarError(f"{d} holds no multipolar results", file=str(d), field="RUNDIR",
                          fix="expected catalogue.duckdb (multipolar run --out) or "
                          "summary.json (multipolar explore/compare --out)")


def _img(data: bytes, alt: str) -> str:
    b64 = base64.b64encode(data).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{b64}">'


def _table(header: list[str], rows: list[list[Any]]) -> str:
    th = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(c))}</td>" for c in r) + "</tr>"
                   for r in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 1e4 else f"{v:,.0f}"
    return "–" if v is None else str(v)


def _plotly_medians(ens: dict[str, Any]) -> str:
    """An interactive Plotly chart of every neighbour's median alignment (no JS included)."""
    # lazy: keeps start-up fast (loads plotly)
    import plotly.graph_objects as go

    # lazy: keeps start-up fast (loads plotly)
    import plotly.io as pio

    years = [int(y) for y in ens["years"]]
    fig = go.Figure()
    for a in ens["actors"]:
        if a in NEIGHBOURS_EXCLUDED or a not in ens["alignment"]:
            continue
        cells = [ens["alignment"][a][str(y)] for y in years]
        fig.add_trace(go.Scatter(
            x=years, y=[c["median"] for c in cells], mode="lines", name=a,
            customdata=[[c["p05"], c["p95"]] for c in cells],
            hovertemplate=f"{a} %{{x}}: median %{{y:.2f}} "
                          "[90%: %{customdata[0]:.2f}–%{customdata[1]:.2f}]<extra></extra>"))
    fig.update_layout(height=460, margin={"l": 50, "r": 20, "t": 40, "b": 40},
                      title="Median alignment per neighbour (click legend entries to hide)",
                      yaxis_title=ALIGNMENT_AXIS, template="plotly_white")
    until = ens.get("observed_until")
    if until is not None and years and int(until) < years[-1]:
        fig.add_vrect(x0=int(until), x1=years[-1], fillcolor="lightgrey", opacity=0.35,
                      line_width=0, annotation_text=f"projected (observed until {until})",
                      annotation_position="top left")
    return str(pio.to_html(fig, include_plotlyjs=False, full_html=False,
                           config={"displaylogo": False}))


def _evidence_html(scenario: str, corpus: str | Path | None) -> str:
    # lazy: keeps start-up fast (loads numpy, the scenario schema)
    from multipolar.scenario import load_scenario

    # lazy: keeps start-up fast (loads numpy, the scenario schema)
    from multipolar.scenario.semantics import evidence_for

    try:
        loaded = load_scenario(scenario)
    except MultipolarError as exc:
        return f"<p>Scenario {html.escape(scenario)} could not be loaded: " \
               f"{html.escape(exc.render())}</p>"
    sc = loaded.scenario
    corp = None
    if corpus is not None:
        # lazy: keeps start-up fast (loads pydantic)
        from multipolar.evidence import Corpus

        corp = Corpus.from_dir(corpus)
    parts = []
    for name, mech in sc.mechanisms.items():
        cits = evidence_for(sc, f"mechanisms.{name}")
        items = []
        seen: set[tuple[str, str]] = set()
        for c in cits:
            if (c.doc, c.locator) in seen:
                continue
            seen.add((c.doc, c.locator))
            passage = ""
            if corp is not None:
                try:
                    m = corp.locate(c.doc, c.locator)
                    p = m.passage
                    passage = (f'<blockquote>{html.escape(p.before)}<mark>'
                               f'{html.escape(p.match)}</mark>{html.escape(p.after)}'
                               f'</blockquote>')
                except MultipolarError as exc:
                    passage = f'<p class="warn">passage not found: ' \
                              f'{html.escape(exc.render())}</p>'
            items.append(f"<li><b>{html.escape(source_label(c.doc))}</b> "
                         f"at “{html.escape(c.locator)}”: "
                         f"{html.escape(c.claim)}{passage}</li>")
        state = "" if mech.enabled else " (switched off)"
        parts.append(f"<h3>{html.escape(name)}{state}</h3><p>{html.escape(mech.description or '')}"
                     f"</p><ul>{''.join(items) or '<li>no citation</li>'}</ul>")
    note = "" if corp is not None else \
        "<p class='note'>Passages are shown when the report is built with --corpus DIR.</p>"
    return note + "".join(parts)


Figs = list[tuple[str, str, Any]]


def _figures(run: RunData, observed: dict[str, dict[int, float]] | None) -> Figs:
    """(section, caption, figure) for every picture of the report, in order."""
    # lazy: keeps start-up fast (loads matplotlib, numpy)
    from multipolar.report import figures as F

    out: Figs = []
    ens = run.ensemble
    if ens is not None:
        out.append(("fan-charts", "Alignment fan charts (observed UN votes as red dots; "
                    f"shaded: projected years; {ALIGNMENT_BEYOND})",
                    F.fan_grid(ens, observed)))
        out.append(("alignment-map", "Alignment and membership ties by year",
                    F.alignment_network(ens)))
        out.append(("memberships", "Membership timelines", F.membership_timelines(ens)))
    s = run.summary
    if run.kind == "explore":
        for name, a in s["analyses"].items():
            out.append(("sensitivity", f"Sensitivity of {name}", F.tornado(a)))
        if s.get("prim"):
            out.append(("prim", "PRIM peeling trajectory and box", F.prim_trajectory(s["prim"])))
    if run.kind == "compare":
        differing: list[str] = []
        for d in s["differences"].values():
            differing += [r["actor"] for r in d["actors"]]
        top = list(dict.fromkeys(differing))[:6] or s["neighbours"][:6]
        out.append(("comparison", "Alignment by overlay", F.comparison_fans(s, top)))
        for ov in s["differences"]:
            out.append(("comparison", f"{ov} against {s['baseline']}",
                        F.difference_heatmap(s, ov)))
        if any(s["drivers"].values()):
            out.append(("comparison", "Which overrides drive the differences",
                        F.drivers_chart(s)))
        if targeting_differs(s):  # the same in every overlay tells nothing: no chart
            out.append(("comparison", "Attraction targeting", F.targeting_chart(s)))
    return out


TARGETING_SAME = 0.01
"""Overlays whose attraction targeting differs by less than this are not charted apart."""


def targeting_differs(s: dict[str, Any]) -> bool:
    """Whether the compared overlays differ in attraction targeting (else it says nothing)."""
    corr = [v["targeting"]["correlation"] for v in s.get("overlays", {}).values()
            if "targeting" in v]
    return bool(corr) and max(corr) - min(corr) >= TARGETING_SAME


def _sensitivity_notes(s: dict[str, Any]) -> str:
    """What the measures mean, and any warning that the sample is too small."""
    # lazy: keeps start-up fast (loads the model, scipy.stats)
    from multipolar.explore.sensitivity import EXPLAIN

    keys = ("S1", "ST", "rho", "eta2")
    notes = "".join(f"<li><b>{k}</b>: {html.escape(EXPLAIN[k])}</li>" for k in keys)
    warns = [f"<li>{html.escape(name)}: {html.escape(w)}</li>"
             for name, a in s["analyses"].items() for w in a.get("warnings", [])]
    out = f"<ul class='note'>{notes}</ul>"
    if warns:
        out += f"<p class='warn'>Warnings:</p><ul class='warn'>{''.join(warns)}</ul>"
    return out


def _section_text(run: RunData) -> dict[str, str]:
    s = run.summary
    txt: dict[str, str] = {}
    if run.kind == "explore":
        rows = []
        for name, a in s["analyses"].items():
            if "sobol" in a:
                so = a["sobol"]
                order = sorted(range(len(so["names"])), key=lambda i: -so["ST"][i])[:8]
                rows += [[name, so["names"][i], so["S1"][i], so["S1_conf"][i], so["ST"][i],
                          so["ST_conf"][i]] for i in order]
        if rows:
            txt["sensitivity"] = _table(["outcome", "factor", "S1", "±", "ST", "±"], rows)
        else:
            rows = []
            for name, a in s["analyses"].items():
                sc = a["scores"]
                order = sorted(range(len(sc["names"])), key=lambda i: -abs(sc["spearman"][i]))
                rows += [[name, sc["names"][i], sc["spearman"][i], sc["eta2"][i]]
                         for i in order[:8]]
            txt["sensitivity"] = _table(["outcome", "factor", "Spearman rho",
                                         "correlation ratio"], rows)
        txt["sensitivity"] += _sensitivity_notes(s)
        if s.get("prim"):
            p = s["prim"]
            lim = p["box"]["limits"]
            txt["prim"] = (f"<p>Target: <code>{html.escape(p['target'])}</code>; cases of "
                           f"interest: {p['cases_of_interest']:,} (base rate "
                           f"{p['base_density']:.2f}). The chosen box covers "
                           f"{p['box']['coverage']:.0%} of them with density "
                           f"{p['box']['density']:.0%}.</p>" +
                           (_table(["factor", "low", "high", "explored range", "quasi p"],
                                   [[k, v["low"], v["high"],
                                     f"{v['full_low']:.3g} – {v['full_high']:.3g}",
                                     v.get("p_value")] for k, v in lim.items()])
                            if lim else "<p>No factor is restricted.</p>"))
    if run.kind == "compare":
        parts = [f"<p>Compared {html.escape(s['compared'])}s against "
                 f"<b>{html.escape(s['baseline'])}</b> with {s['members']:,} members each and "
                 f"seed {s['seed']} (common random numbers: paired differences).</p>"]
        for ov, d in s["differences"].items():
            desc = s["overlays"][ov]["description"]
            parts.append(f"<h3>{html.escape(ov)}</h3><p>{html.escape(desc or '')}</p>")
            parts.append(_table(
                ["actor", "years differing", "peak year", "difference", "95% CI"],
                [[r["actor"], f"{r['first_year']}–{r['last_year']} ({r['years']})",
                  r["peak_year"], r["difference"], f"{r['lo']:.3f} – {r['hi']:.3f}"]
                 for r in d["actors"]]) if d["actors"] else
                "<p>No actor's alignment differs clearly.</p>")
            if d["memberships"]:
                parts.append(_table(["actor", "institution", "year", "Δ P(member)", "95% CI"],
                                    [[r["actor"], r["institution"], r["year"], r["difference"],
                                      f"{r['lo']:.3f} – {r['hi']:.3f}"]
                                     for r in d["memberships"][:12]]))
        if targeting_differs(s):
            parts.append(_table(["overlay", "attraction-importance correlation", "± 95%"],
                                [[k, v["targeting"]["correlation"],
                                  1.96 * v["targeting"]["se"]]
                                 for k, v in s["overlays"].items()]))
        txt["comparison"] = "".join(parts)
    return txt


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1200px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
img{max-width:100%;border:1px solid #eee;margin:.5em 0}
table{border-collapse:collapse;font-size:.85em;margin:.6em 0}
td,th{border:1px solid #ddd;padding:.25em .5em;text-align:left}th{background:#f4f4f4}
blockquote{background:#f8f8f4;border-left:3px solid #c9b458;margin:.4em 0;padding:.4em .8em;
font-size:.9em}mark{background:#ffe680}.note{color:#666;font-size:.9em}.warn{color:#a33}
nav a{margin-right:1em}code{background:#f3f3f3;padding:0 .2em}
"""


def build_report(rundir: str | Path, html_out: str | Path | None = None,
                 pdf_out: str | Path | None = None, corpus: str | Path | None = None,
                 scenario: str | None = None,
                 progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Write the report of ``rundir`` as HTML and/or PDF; return what was written.

    Steps: (1) read the run; (2) draw every figure; (3) embed them (and the Plotly chart) in
    one HTML file; (4) write the same figures, one per page, to the PDF.
    """
    if html_out is None and pdf_out is None:
        raise MultipolarError("nothing to write", field="--html",
                              fix="give --html OUT.html and/or --pdf OUT.pdf")
    run = load_run(rundir)
    scen = scenario or run.scenario
    say = progress or (lambda _m: None)
    say("reading observed data")
    try:
        # lazy: keeps start-up fast (loads matplotlib, numpy)
        from multipolar.figures.plots import observed_alignment_table

        observed: dict[str, dict[int, float]] | None = observed_alignment_table()
    except (OSError, MultipolarError):
        observed = None
    say("drawing figures")
    figs = _figures(run, observed)
    written: dict[str, Any] = {"figures": len(figs)}
    if pdf_out is not None:
        say("writing PDF")
        written["pdf"] = str(_write_pdf(run, figs, Path(pdf_out)))
    say("encoding pictures")
    # lazy: keeps start-up fast (loads matplotlib, numpy)
    from multipolar.report.figures import png

    by_section: dict[str, list[str]] = {}
    for sec, cap, fig in figs:
        by_section.setdefault(sec, []).append(
            f"<figure>{_img(png(fig), cap)}<figcaption>{html.escape(cap)}</figcaption></figure>")
    if html_out is not None:
        say("writing HTML")
        text = _section_text(run)
        page = _html(run, scen, by_section, text, corpus)
        p = Path(html_out)
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(page, encoding="utf-8")
        except OSError as exc:
            raise MultipolarError(f"cannot write {p} ({exc.strerror or exc})", file=str(p),
                                  field="--html", fix="choose a writable path") from None
        written["html"] = str(p)
        written["sections"] = [s for s in SECTIONS if f'id="{s}"' in page]
    return written


def _html(run: RunData, scenario: str, figs: dict[str, list[str]], text: dict[str, str],
          corpus: str | Path | None) -> str:
    # lazy: keeps start-up fast (loads plotly)
    import plotly.offline

    s = run.summary
    titles = {"overview": "Overview", "world-map": "World map",
              "coalition": "Coalition forecast", "fan-charts": "Fan charts per actor",
              "alignment-map": "Alignment map", "memberships": "Membership timelines",
              "sensitivity": "Sensitivity", "prim": "Scenario discovery (PRIM)",
              "comparison": "Perspective / hypothesis comparison",
              "evidence": "Evidence behind each mechanism",
              "reproduction": "Seed and versions"}
    body: dict[str, str] = {}
    ov = [f"<p>Run folder <code>{html.escape(str(run.rundir))}</code> ({run.kind}); "
          f"scenario <b>{html.escape(str(scenario))}</b>; seed <b>{html.escape(str(run.seed))}"
          f"</b>.</p>"]
    if run.kind == "explore":
        dsg = s["design"]
        ov.append(f"<p>{dsg['kind']} design, {dsg['rows']:,} rows over "
                  f"{len(dsg['factors'])} factors; outcomes: "
                  + ", ".join(f"<code>{html.escape(o)}</code>" for o in s["outcomes"]) + "</p>")
    if run.ensemble is not None:
        ov.append(f"<p>Distributions below are over {run.ensemble['members']:,} members"
                  f"{' (a thinned subset of the design rows)' if run.kind == 'explore' else ''}"
                  f".</p>")
    body["overview"] = "".join(ov)
    if run.ensemble is not None:
        world = _world_map_html(run.ensemble)
        if world:
            body["world-map"] = world
    coal = _coalition_html(run.rundir)
    if coal:
        body["coalition"] = coal
    if run.ensemble is not None:
        body["fan-charts"] = "".join(figs.get("fan-charts", [])) + \
            "<h3>Interactive</h3>" + _plotly_medians(run.ensemble)
        body["alignment-map"] = "".join(figs.get("alignment-map", []))
        body["memberships"] = "".join(figs.get("memberships", []))
    if run.kind == "explore":
        body["sensitivity"] = "".join(figs.get("sensitivity", [])) + text.get("sensitivity", "")
        body["prim"] = ("".join(figs.get("prim", [])) + text.get("prim", "")) if s.get("prim") \
            else "<p>No PRIM target was given (use --target).</p>"
    if run.kind == "compare":
        body["comparison"] = text.get("comparison", "") + "".join(figs.get("comparison", []))
    body["evidence"] = _evidence_html(scenario, corpus)
    vers = s.get("versions") or {"multipolar": (run.info or {}).get("code_version")}
    rep = [f"<p>Seed: <b>{html.escape(str(run.seed))}</b>. Same seed, same scenario and same "
           f"code give the same results.</p>",
           _table(["package", "version"], [[k, v] for k, v in vers.items()])]
    cmd = _command(run)
    if cmd:
        rep.append(f"<p>Reproduce with:</p><pre>{html.escape(cmd)}</pre>")
    body["reproduction"] = "".join(rep)
    nav = "".join(f'<a href="#{k}">{titles[k]}</a>' for k in SECTIONS if k in body)
    sections = "".join(f'<section id="{k}"><h2>{titles[k]}</h2>{body[k]}</section>'
                       for k in SECTIONS if k in body)
    # Plotly's bundle holds URL strings (map attributions, never fetched for these charts);
    # writing '://' as ':\\/\\/' keeps every string and regex the same and the file free
    # of anything that looks like an external link.
    js = plotly.offline.get_plotlyjs().replace("://", ":\\/\\/")
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>multipolar report: {html.escape(str(scenario))}</title>"
            f"<style>{_CSS}</style><script>{js}</script></head><body>"
            f"<h1>multipolar report: {html.escape(str(scenario))}</h1><nav>{nav}</nav>"
            f"{sections}</body></html>")


def _world_map_html(ens: dict[str, Any]) -> str:
    """Choropleths of the median alignment (last observed and last year) for a world run.

    Empty when the run's actors are not states of the bundled map (a neighbourhood run).
    """
    # lazy: keeps start-up fast (loads pandas, pyarrow)
    from multipolar.data.global_tables import load_map

    # lazy: keeps start-up fast (loads pandas, pyarrow)
    from multipolar.figures.worldmap import svg_map

    shapes = load_map()
    actors = [a for a in ens["actors"] if a in shapes]
    if len(actors) < 0.8 * len(ens["actors"]) or len(actors) < 20:
        return ""
    years = [int(y) for y in ens["years"]]
    last_obs = ens.get("observed_until")
    shown = [y for y in dict.fromkeys([last_obs, years[-1]]) if y in years]
    parts = ["<p>Median UN voting alignment of the simulated worlds: orange = votes like "
             "Russia (0) or beyond, light = midway (0.5), purple = votes like the US (1) or "
             "beyond; grey: not in the run. Colour scale PuOr (readable with colour-blindness)"
             ", -0.5 to 1.5. Point at a state for its numbers. Shapes: Natural Earth "
             "(public domain).</p>"]
    for y in shown:
        vals, tips = {}, {}
        for a in actors:
            q = ens["alignment"][a][str(y)]
            vals[a] = q["median"]
            tips[a] = f"{a} {y}: median {q['median']:.2f} (90%: {q['p05']:.2f} to {q['p95']:.2f})"
        label = "projection" if last_obs is not None and y > last_obs else "observed period"
        parts.append(f"<figure>{svg_map(vals, cmap='PuOr', vmin=-0.5, vmax=1.5, titles=tips)}"
                     f"<figcaption>Median alignment in {y} ({label})</figcaption></figure>")
    return "".join(parts)


def _coalition_html(rundir: Path) -> str:
    """The table of a coalition forecast saved in the run folder (``coalition*.json``)."""
    parts = []
    for f in sorted(Path(rundir).glob("coalition*.json")):
        try:
            res = json.loads(f.read_text(encoding="utf-8"))
            ev, tot, states = res["event"], res["totals"], res["states"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        names = {s["iso3"]: s["name"] for s in states}
        parts.append(f"<h3>{html.escape(str(ev.get('kind', '')).replace('_', ' '))} against "
                     f"{html.escape(names.get(ev.get('target'), str(ev.get('target'))))} in "
                     f"{html.escape(str(ev.get('year')))} <small>({html.escape(f.name)})"
                     "</small></h3>")
        parts.append(_table(["vote", "expected", "90% range"],
                            [[k, f"{v['expected']:.0f}",
                              f"{v['interval'][0]:.0f}-{v['interval'][1]:.0f}"]
                             for k, v in tot.items()]))
        top = [s for s in states if not s.get("fixed")][:20]
        parts.append("<p>The 20 states most likely to side with Russia (vote no):</p>" + _table(
            ["state", "group", "P(yes)", "P(abstain)", "P(no)", "P(absent)"],
            [[s["name"], s.get("group"), f"{s['p_yes']:.2f}", f"{s['p_abstain']:.2f}",
              f"{s['p_no']:.2f}", f"{s['p_absent']:.2f}"] for s in top]))
    return "".join(parts)


def _command(run: RunData) -> str:
    s = run.summary
    if run.kind == "explore":
        d = s["design"]
        facs = ",".join(f["path"] for f in d["factors"])
        outs = " ".join(f"--outcome '{o}'" for o in s["outcomes"])
        tgt = f" --target '{s['prim']['target']}'" if s.get("prim") else ""
        ov = (f" --perspective {s['perspective']}" if s.get("perspective") else "") + \
             (f" --hypothesis {s['hypothesis']}" if s.get("hypothesis") else "")
        return (f"multipolar explore {s['scenario']} --design {d['kind']} --n {d['n']} "
                f"--uncertainties {facs} {outs}{tgt} --seed {s['seed']}{ov} "
                f"--start {s['years'][0]} --end {s['years'][1]}")
    if run.kind == "compare":
        names = [k for k in s["overlays"] if k != "base"]
        opt = "--hypotheses" if s["compared"] == "hypothesis" else "--perspectives"
        return (f"multipolar compare {s['scenario']} {opt} {','.join(names)} --members "
                f"{s['members']} --seed {s['seed']} --start {s['years'][0]} "
                f"--end {s['years'][1]}")
    info = run.info or {}
    return (f"multipolar run {info.get('scenario_file') or run.scenario} --members "
            f"{info.get('members')} --seed {info.get('seed')} --start {info.get('start')} "
            f"--end {info.get('end')}")


def _write_pdf(run: RunData, figs: Figs, path: Path) -> Path:
    # lazy: keeps start-up fast (loads matplotlib)
    import matplotlib.pyplot as plt

    # lazy: keeps start-up fast (loads matplotlib)
    from matplotlib.backends.backend_pdf import PdfPages

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with PdfPages(path) as pdf:
            title = plt.figure(figsize=(8.27, 11.69))
            title.text(0.08, 0.9, f"multipolar report: {run.scenario}", fontsize=18)
            title.text(0.08, 0.85, f"{run.kind} run, seed {run.seed}", fontsize=11)
            title.text(0.08, 0.82, f"folder {run.rundir}", fontsize=8, color="0.4")
            y = 0.76
            for sec, cap, _ in figs:
                title.text(0.1, y, f"{sec}: {cap}", fontsize=9)
                y -= 0.025
            pdf.savefig(title)
            plt.close(title)
            for _, _, fig in figs:
                pdf.savefig(fig)
    except OSError as exc:
        raise MultipolarError(f"cannot write {path} ({exc.strerror or exc})", file=str(path),
                              field="--pdf", fix="choose a writable path") from None
    return path
