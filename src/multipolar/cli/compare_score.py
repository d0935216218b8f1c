"""``multipolar compare --score``: rival views ranked on the same back-test, as a table.

:func:`run_score_cli` is the command; :mod:`multipolar.backtest.compete` computes the scores
(:func:`~multipolar.backtest.compete.score_views`) and :func:`print_view_scores` draws them.
The back-test package returns results; the command line is the only place that prints.
Depends on Rich and :mod:`multipolar.backtest.compete`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from rich.table import Table

from multipolar.cli.calibrate_cmds import _parse_origins
from multipolar.cli.common import console, out, print_json, user_errors
from multipolar.core.errors import InputError


def print_view_scores(s: dict[str, Any]) -> None:
    """The ranking as a Rich table."""
    p = s["persistence"] or {}
    t = Table(title=f"rival views on forecasts: origins {', '.join(map(str, s['origins']))}, "
                    f"horizons 1-{s['horizon']}, {s['country_years']} country-years "
                    f"(persistence MAE {p.get('mae', math.nan):.4f}, "
                    f"CRPS {p.get('crps', math.nan):.4f})")
    for c in ("view", "MAE [90% bootstrap]", "vs persistence",
              f"minus {s['reference']} [90%]", "CRPS", "rank corr.", "P(best)"):
        t.add_column(c, justify="left" if c == "view" else "right")
    for lab in s["ranking"]:
        v = s["views"][lab]
        rel = f"{100 * (1 - v['mae'] / p['mae']):+.0f}%" if p.get("mae") else "–"
        rc = v.get("rank_correlation")
        t.add_row(lab, f"{v['mae']:.4f} [{v['mae_p05']:.4f}, {v['mae_p95']:.4f}]", rel,
                  f"{v['mae_minus_first']:+.4f} [{v['minus_first_p05']:+.4f}, "
                  f"{v['minus_first_p95']:+.4f}]",
                  f"{v['crps']:.4f}", "–" if rc is None else f"{rc:+.2f}",
                  f"{v['p_best']:.2f}")
    out.print(t)
    h = s.get("head_to_head")
    if h:
        out.print(f"{h['first']} minus {h['second']}: MAE {h['mae_difference']:+.4f} "
                  f"[90% {h['p05']:+.4f}, {h['p95']:+.4f}]; P({h['first']} forecasts "
                  f"better) = {h['p_first_better']:.2f}")


def run_score_cli(scenario: str, perspectives: str | None, hypotheses: str | None,
                  origins: str | None, horizon: int, panel: Path | None, members: int,
                  seed: int, sets: list[str] | None, json_: bool, quiet: bool, *,
                  executor: str = "local", workers: int | None = None,
                  scheduler: str | None = None, until: int | None = None) -> None:
    """``multipolar compare --score``: every view (default: all) on the same back-test.

    Each view's origins run on ``--executor`` (the scores do not depend on it). A world
    scenario is back-tested on every UN member (:mod:`multipolar.backtest.world`, its pooled
    fit per origin). ``until`` cuts the panel: nothing after it is read, not even to score.
    """
    # lazy: keeps start-up fast (loads the model, numpy)
    from multipolar.backtest.compete import (
        SCORE_CALIB_MEMBERS,
        SCORE_MAXITER,
        SCORE_PREFIT,
        View,
        default_origins,
        is_world,
        score_views,
    )

    # lazy: keeps start-up fast (loads the model, numpy)
    from multipolar.backtest.world import WORLD_CALIB_MEMBERS, WORLD_MAXITER, WORLD_MEMBERS

    # lazy: keeps start-up fast (loads the model, numpy)
    from multipolar.ensemble import evaluator_from_name

    # lazy: keeps start-up fast (loads the model, scipy.stats)
    from multipolar.explore.compare import resolve_names

    # lazy: keeps start-up fast (loads the model, numpy)
    from multipolar.forecast.origin import load_panel, world_panel

    # lazy: keeps start-up fast (loads numpy, the scenario schema)
    from multipolar.scenario import load_scenario

    with user_errors():
        ev = evaluator_from_name(executor, workers=workers, scheduler=scheduler)
        sc = load_scenario(scenario).scenario
        views = [View("base", "scenario")]
        every = not perspectives and not hypotheses  # neither named: all of both
        names_p = resolve_names("all" if every else perspectives, list(sc.perspectives),
                                "perspective")
        names_h = resolve_names("all" if every else hypotheses, list(sc.hypotheses),
                                "hypothesis")
        views += [View("perspective", n) for n in names_p]
        views += [View("hypothesis", n) for n in names_h]
        world = is_world(scenario)
        pnl = world_panel() if world and panel is None else load_panel(panel)
        if until is not None:
            first = min(y for v in pnl.alignment.values() for y in v)
            if until <= first:
                raise InputError(f"--until {until} leaves no year to score", field="--until",
                                 fix=f"choose a year after {first}")
            pnl = pnl.truncated(until)
        ors = _parse_origins(origins) if origins else default_origins(pnl, horizon)
        late = [o for o in ors if o >= pnl.last_year()]
        if late:
            raise InputError(f"origin {late[0]} leaves no year to score up to "
                             f"{pnl.last_year()}", field="--origins",
                             fix=f"choose origins before {pnl.last_year()}")
        size: dict[str, Any] = (
            {"members": min(members, WORLD_MEMBERS), "calib_members": WORLD_CALIB_MEMBERS,
             "maxiter": WORLD_MAXITER} if world else
            {"members": members, "calib_members": SCORE_CALIB_MEMBERS,
             "maxiter": SCORE_MAXITER, "prefit": SCORE_PREFIT})

        def say(label: str) -> None:
            if not quiet and not json_:
                console.print(f"back-testing {label} ...")

        with ev:  # one pool or cluster for every view
            s = score_views(pnl, views, ors, horizon, scenario=scenario, seed=seed,
                            sets=sets, progress=say, evaluator=ev, **size)
        if json_:
            print_json(s)
            return
        print_view_scores(s)
