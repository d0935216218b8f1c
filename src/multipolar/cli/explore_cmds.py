"""``multipolar explore``, ``compare`` and ``report``: exploration, comparison and reports.

The commands only parse options, pick an evaluator, show progress and print results; the work
is in :mod:`multipolar.explore` and :mod:`multipolar.report`.
Depends on Typer/Rich, :mod:`multipolar.explore`, :mod:`multipolar.report` and
:mod:`multipolar.ensemble` (evaluators).
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from multipolar.cli.common import (
    console,
    interruptible,
    out,
    overwrite_notice,
    prepare_out,
    print_json,
    refuse_to_replace,
    user_errors,
    writing,
)
from multipolar.cli.compare_score import run_score_cli
from multipolar.cli.options import (
    End,
    Events,
    Executor,
    Force,
    Hypothesis,
    Json,
    Members,
    Out,
    Perspective,
    Quiet,
    Scenario,
    Scheduler,
    Seed,
    Sets,
    Start,
    Workers,
    scenario_kwargs,
)
from multipolar.cli.progress import Bar
from multipolar.core.errors import MultipolarError
from multipolar.core.textformat import provenance
from multipolar.report import build_report
from multipolar.report.build import targeting_differs


def _evaluator(executor: str, workers: int | None, scheduler: str | None) -> Any:
    # lazy: keeps start-up fast (loads the model, numpy)
    from multipolar.ensemble import evaluator_from_name

    return evaluator_from_name(executor, workers=workers, scheduler=scheduler)


def _lever_range(text: str) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in text.split(","))
    except ValueError:
        raise MultipolarError(f"--lever-range '{text}' is not LOW,HIGH",
                              field="--lever-range", fix="write e.g. --lever-range 0,1") from None
    if hi <= lo:
        raise MultipolarError("--lever-range must go from low to high", field="--lever-range",
                              fix="write e.g. --lever-range 0,1")
    return lo, hi


def explore(
    scenario: Scenario = "russia-neighbourhood",
    design: str = typer.Option("lhs", "--design", "-d", help="lhs, sobol, morris or factorial."),
    n: int = typer.Option(256, "--n", "-n", help="Rows (lhs), base samples (sobol, a power "
                          "of two), trajectories (morris); ignored by factorial."),
    uncertainties: str = typer.Option("ALL", "--uncertainties", "-u",
                                      help="ALL, levers, names, suffixes or globs, "
                                      "comma-separated."),
    outcome: list[str] = typer.Option(None, "--outcome", "-o",
                                      help="Outcome expression (repeatable), e.g. "
                                      "'mean(alignment[Ukraine][2025:2035])'."),
    target: str = typer.Option(None, "--target", help="PRIM target, a comparison such as "
                               "'alignment[Belarus][2030] < 0.3'."),
    seed: Seed = 7,
    start: Start = None,
    end: End = None,
    perspective: Perspective = None,
    hypothesis: Hypothesis = None,
    set_: Sets = None,
    levels: int = typer.Option(4, "--levels", help="Grid levels (morris, factorial)."),
    first_order_only: bool = typer.Option(False, "--no-second-order",
                                          help="Sobol without S2 (n*(d+2) rows)."),
    lever_range: str = typer.Option("0,1", "--lever-range", help="Range of lever factors."),
    prim_threshold: float = typer.Option(0.8, "--prim-threshold",
                                         help="Density a PRIM box must reach."),
    executor: Executor = "local",
    workers: Workers = None,
    scheduler: Scheduler = None,
    chunk: int = typer.Option(2048, "--chunk-size", help="Design rows per task."),
    out_dir: Out = None,
    json_: Json = False,
    quiet: Quiet = False,
    force: Force = False,
) -> None:
    """Sample uncertainties and levers, run the design, and explain the outcomes.

    Sobol (S1, ST with 95% intervals) and Morris (mu*, sigma) indices come from SALib; every
    design also gets rank-correlation feature scores; --target runs PRIM scenario discovery.
    """
    # lazy: keeps start-up fast (loads the model, scipy.stats)
    from multipolar.explore.runner import ExploreSpec

    # lazy: keeps start-up fast (loads the model, scipy.stats)
    from multipolar.explore.runner import explore as run_explore

    kept = "nothing was written" + (f" to {out_dir} (results are written at the end)"
                                    if out_dir is not None else "")
    with user_errors(set_), interruptible("the exploration", kept):
        prepare_out(out_dir)
        if out_dir is not None:
            refuse_to_replace([out_dir / "summary.json", out_dir / "design.parquet"], out_dir,
                              force, quiet or json_)
        spec = ExploreSpec(
            scenario=scenario, design=design, n=n, uncertainties=uncertainties,
            outcomes=tuple(outcome or ("alignment[Belarus][2030]",)), target=target, seed=seed,
            start=start, end=end, perspective=perspective, hypothesis=hypothesis,
            sets=tuple(set_ or ()), second_order=not first_order_only, levels=levels,
            lever_range=_lever_range(lever_range), prim_threshold=prim_threshold, chunk=chunk)
        ev = _evaluator(executor, workers, scheduler)
        with Bar(not quiet and not json_) as bar:
            summary = run_explore(spec, ev, out_dir,
                                  progress=lambda d, t: bar.update("design rows", d, t))
        if json_:
            print_json(summary)
            return
        _print_explore(summary)
        out.print(provenance(perspective, hypothesis, set_))
        if not quiet:
            tm = summary["timing"]
            console.print(f"{summary['design']['rows']:,} rows in {tm['evaluate_seconds']:.1f} s "
                          f"({tm['member_years_per_s']:,.0f} member-years/s on {ev.name})"
                          + (f"; results in {out_dir} (multipolar report {out_dir} --html "
                             "report.html)" if out_dir else "; add --out DIR to keep them"))


def _print_explore(s: dict[str, Any]) -> None:
    for name, a in s["analyses"].items():
        t = Table(title=f"{name}: mean {a['mean']:.3f}, sd {a['sd']:.3f} "
                        f"({a['design']}, {a['rows']:,} rows)")
        t.add_column("factor")
        idx = {p: i for i, p in enumerate(a["scores"]["names"])}
        if "sobol" in a:
            for c in ("S1", "±", "ST", "±"):
                t.add_column(c, justify="right")
        elif "morris" in a:
            for c in ("mu*", "±", "sigma"):
                t.add_column(c, justify="right")
        t.add_column("rho", justify="right")
        for p in a["ranking"][:12]:
            i = idx[p]
            row = [p]
            if "sobol" in a:
                so = a["sobol"]
                row += [f"{so['S1'][i]:.3f}", f"{so['S1_conf'][i]:.3f}", f"{so['ST'][i]:.3f}",
                        f"{so['ST_conf'][i]:.3f}"]
            elif "morris" in a:
                mo = a["morris"]
                row += [f"{mo['mu_star'][i]:.3f}", f"{mo['mu_star_conf'][i]:.3f}",
                        f"{mo['sigma'][i]:.3f}"]
            row.append(f"{a['scores']['spearman'][i]:+.2f}")
            t.add_row(*row)
        out.print(t)
        shown = ("S1", "ST", "±") if "sobol" in a else ("mu*", "sigma", "±") \
            if "morris" in a else ()
        for k in (*shown, "rho"):
            out.print(f"  {k}: {a.get('explain', {}).get(k, '')}")
        for w in a.get("warnings", []):
            console.print(f"[yellow]warning:[/] {w}")
    p = s.get("prim")
    if p:
        b = p["box"]
        t = Table(title=f"PRIM: {p['target']} (base rate {p['base_density']:.2f}); box "
                        f"coverage {b['coverage']:.2f}, density {b['density']:.2f}")
        for c in ("factor", "low", "high", "explored", "quasi-p"):
            t.add_column(c)
        for k, v in b["limits"].items():
            pv = v.get("p_value")
            t.add_row(k, f"{v['low']:.3g}", f"{v['high']:.3g}",
                      f"{v['full_low']:.3g}–{v['full_high']:.3g}",
                      "–" if pv is None else f"{pv:.2g}")
        if not b["limits"]:
            t.add_row("(no restriction)", "", "", "", "")
        out.print(t)


def compare(
    scenario: Scenario = "russia-neighbourhood",
    perspectives: str = typer.Option(None, "--perspectives",
                                     help="'all' or names, comma-separated."),
    hypotheses: str = typer.Option(None, "--hypotheses",
                                   help="Names, comma-separated; the first is the baseline."),
    members: Members = 1000,
    seed: Seed = 7,
    start: Start = None,
    end: End = None,
    set_: Sets = None,
    event: Events = None,
    min_effect: float = typer.Option(0.05, "--min-effect",
                                     help="Smallest alignment difference reported."),
    drivers: bool = typer.Option(True, "--drivers/--no-drivers",
                                 help="Rank each overlay's overrides by effect (extra runs)."),
    executor: Executor = "local",
    workers: Workers = None,
    scheduler: Scheduler = None,
    out_dir: Out = None,
    json_: Json = False,
    quiet: Quiet = False,
    force: Force = False,
    score: bool = typer.Option(False, "--score", help="Rank the views by rolling-origin "
                                                      "back-tests against the panel."),
    origins: str = typer.Option(None, "--origins", help="--score: origins, e.g. 2006,2009."),
    horizon: int = typer.Option(5, "--horizon", help="--score: years tested per origin."),
    panel: Path = typer.Option(None, "--panel", help="--score: panel CSV."),
    until: int = typer.Option(None, "--until",
                              help="--score: last year of data read (the panel is cut there; "
                                   "origins must come before it). Default: the data's last."),
) -> None:
    """Run perspectives or hypotheses with common random numbers and show where they differ.

    With --score, rank them by rolling-origin back-tests instead: the neighbourhood against its
    panel, a world scenario (russia-world) against every UN member's alignment.
    """
    # lazy: keeps start-up fast (loads the model, scipy.stats)
    from multipolar.explore.compare import CompareSpec, resolve_names

    # lazy: keeps start-up fast (loads the model, scipy.stats)
    from multipolar.explore.compare import compare as run_compare

    # lazy: keeps start-up fast (loads the model, scipy.stats)
    from multipolar.explore.runner import write_summary

    # lazy: keeps start-up fast (loads numpy, the scenario schema)
    from multipolar.scenario import load_scenario

    if score:
        run_score_cli(scenario, perspectives, hypotheses, origins, horizon, panel,
                      min(members, 200), seed, set_, json_, quiet,
                      executor=executor, workers=workers, scheduler=scheduler, until=until)
        return
    kept = "nothing was written" + (f" to {out_dir}" if out_dir is not None else "")
    with user_errors(set_), interruptible("the comparison", kept):
        prepare_out(out_dir)
        if out_dir is not None:
            refuse_to_replace([out_dir / "summary.json"], out_dir, force, quiet or json_)
        if not perspectives and not hypotheses:
            raise MultipolarError("say what to compare", field="--perspectives",
                                  fix="add --perspectives all or --hypotheses "
                                  "strategic,opportunist")
        sc = load_scenario(scenario, **scenario_kwargs(sets=set_, events=event)).scenario
        spec = CompareSpec(
            scenario=scenario,
            perspectives=resolve_names(perspectives, list(sc.perspectives), "perspective"),
            hypotheses=resolve_names(hypotheses, list(sc.hypotheses), "hypothesis"),
            members=members, seed=seed, start=start, end=end, sets=tuple(set_ or ()),
            events=tuple(event or ()), min_effect=min_effect, drivers=drivers)
        if spec.hypotheses and len(spec.hypotheses) < 2:
            raise MultipolarError("compare needs at least two hypotheses", field="--hypotheses",
                                  fix="e.g. --hypotheses strategic,opportunist")
        ev = _evaluator(executor, workers, scheduler)
        with ev, Bar(not quiet and not json_) as bar:
            s = run_compare(spec, ev, progress=bar.update)
        if out_dir is not None:
            with writing("the results", out_dir):
                write_summary(Path(out_dir), s)
        if json_:
            print_json(s)
            return
        _print_compare(s)
        out.print(provenance(None, None, set_, event) + " · compared: "
                  + ", ".join(s.get("overlays", {})))
        if not quiet and out_dir is not None:
            console.print(f"results in {out_dir} (multipolar report {out_dir} --html "
                          "report.html)")


def _print_compare(s: dict[str, Any]) -> None:
    for ov, d in s["differences"].items():
        t = Table(title=f"{ov} vs {s['baseline']}: mean |difference| {d['effect']:.3f} "
                        f"({s['members']:,} paired members, seed {s['seed']})")
        for c in ("actor", "years", "peak", "difference [95% CI]"):
            t.add_column(c)
        for r in d["actors"][:10]:
            t.add_row(r["actor"], f"{r['first_year']}–{r['last_year']}", str(r["peak_year"]),
                      f"{r['difference']:+.3f} [{r['lo']:+.3f}, {r['hi']:+.3f}]")
        if not d["actors"]:
            t.add_row("(no clear difference)", "", "", "")
        out.print(t)
        if s["drivers"].get(ov):
            dt = Table(title=f"what drives {ov}: each override alone")
            for c in ("override", "effect", "share of whole"):
                dt.add_column(c)
            for r in s["drivers"][ov]:
                dt.add_row(f"{r['path']} = {r['value']}", f"{r['effect']:.3f}",
                           f"{r['share']:.0%}")
            out.print(dt)
    targeting = {k: v["targeting"] for k, v in s["overlays"].items() if "targeting" in v}
    if not targeting:
        return
    corr = [g["correlation"] for g in targeting.values()]
    if not targeting_differs(s):  # the same in every overlay: one line
        out.print(f"attraction targeting (correlation of Russia's attraction with the "
                  f"neighbours' importance): {corr[0]:+.2f} in every overlay compared, so it "
                  "does not tell them apart")
        return
    tt = Table(title="attraction targeting (correlation with importance)")
    tt.add_column("overlay")
    tt.add_column("correlation [95% CI]")
    for k, g in targeting.items():
        tt.add_row(k, f"{g['correlation']:+.2f} ± {1.96 * g['se']:.2f}")
    out.print(tt)


def report(
    rundir: Path = typer.Argument(..., help="Folder of multipolar run, explore or compare."),
    html_out: Path = typer.Option(None, "--html", help="Write a self-contained HTML report."),
    pdf_out: Path = typer.Option(None, "--pdf", help="Also write a PDF (figures, one a page)."),
    corpus: Path = typer.Option(None, "--corpus", help="Seed documents: show cited passages."),
    scenario: str = typer.Option(None, "--scenario", help="Scenario for the evidence section "
                                 "(default: the run's)."),
    json_: Json = False,
    quiet: Quiet = False,
) -> None:
    """Build a report (HTML with embedded pictures and inlined Plotly; optional PDF)."""
    from multipolar.core.errors import MultipolarError

    with user_errors(), interruptible("the report", "no report was written"):
        show = not quiet and not json_
        for path, flag in ((html_out, "--html"), (pdf_out, "--pdf")):
            if path is not None:  # before any work: can it be written?
                try:
                    prepare_out(path, is_file=True)
                except MultipolarError as err:
                    raise MultipolarError(err.problems[0].message, file=str(path), field=flag,
                                          fix="choose a file in a folder you can write to "
                                          "(nothing was built yet)") from None
        if show:
            overwrite_notice([p for p in (html_out, pdf_out) if p is not None], Path("."))
        with console.status("building the report", spinner="dots") if show else nullcontext():
            written = build_report(rundir, html_out, pdf_out, corpus, scenario,
                                   progress=(lambda m: console.log(m)) if show else None)
        if json_:
            print_json(written)
            return
        if not quiet:
            for k in ("html", "pdf"):
                if k in written:
                    console.print(f"{k.upper()}: {written[k]}")


def register(app: typer.Typer) -> None:
    """Add ``explore``, ``compare`` and ``report`` to the CLI."""
    app.command("explore")(explore)
    app.command("compare")(compare)
    app.command("report")(report)
