"""Back-test results as tables a reader can take in: scores, horizons, direction, stacking.

:func:`print_backtest` prints, for a :class:`~multipolar.backtest.harness.BacktestResult`:

* per method: MAE, gain over persistence, 90% coverage (all outcomes and shock years only),
  CRPS and the Brier score of memberships;
* per horizon: MAE of every method and the 90% coverage of the stacked forecast;
* per origin: the rank correlation of forecast and observed changes and how many neighbours'
  direction of change the model and the stacked forecast get right, with the stacking
  weights used there.

The back-test package computes and returns results; the command line is the only place that
prints. Depends on Rich and :mod:`multipolar.backtest.harness`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from rich.table import Table

from multipolar.backtest.harness import METHODS, BacktestResult
from multipolar.backtest.world import WorldBacktest
from multipolar.cli.common import out


def _f(v: float | None, fmt: str = ".4f") -> str:
    return "–" if v is None or not math.isfinite(v) else format(v, fmt)


def print_backtest(res: BacktestResult) -> None:
    """Print the three tables of the module docstring."""
    scores = res.scores()
    shock = res.scores(subset="shock")
    title = ("back-test of rel_pos_ru0_us1, origins " + ", ".join(str(o) for o in res.origins)
             + f" ({scores.get('model', {}).get('n', 0)} country-years, "
             + f"{shock.get('model', {}).get('n', 0)} after a revolution or war)")
    if res.events:
        title += " given " + ", ".join(res.events)
    t = Table(title=title)
    for c in ("method", "MAE", "vs pers.", "cov90", "cov90 shock", "CRPS", "Brier"):
        t.add_column(c, justify="left" if c == "method" else "right")
    base = scores.get("persistence", {}).get("mae")
    for m in METHODS:
        s = scores.get(m)
        if not s:
            continue
        rel = f"{100 * (1 - s['mae'] / base):+.0f}%" if base else "–"
        t.add_row(m, _f(s["mae"]), rel, _f(s["coverage90"], ".2f"),
                  _f(shock.get(m, {}).get("coverage90"), ".2f"), _f(s["crps"]),
                  _f(s.get("brier")))
    out.print(t)
    h = Table(title="MAE by horizon (and the stacked forecast's 90% coverage)")
    h.add_column("horizon")
    for m in METHODS:
        h.add_column(m, justify="right")
    h.add_column("cov90 stacked", justify="right")
    for hz in res.horizons():
        sc = res.scores(hz)
        h.add_row(str(hz), *[_f(sc[m]["mae"]) if m in sc else "–" for m in METHODS],
                  _f(sc.get("stacked", {}).get("coverage90"), ".2f"))
    out.print(h)
    d = Table(title="direction of change per origin (rank correlation; neighbours right)")
    for c in ("origin", "h", "rank corr.", "model right", "stacked right", "weights h=1.."):
        d.add_column(c, justify="right")
    model = res.directional("model")
    stacked = res.directional("stacked")["per_origin"]
    weights = {str(s["origin"]): s["weights"] for s in res.stacking}
    for o, v in model["per_origin"].items():
        st = stacked.get(o, {})
        w = weights.get(o, {})
        d.add_row(o, str(v["horizon"]), _f(v["rank_correlation"], "+.2f"),
                  f"{v['direction_right']}/{v['direction_counted']}",
                  f"{st.get('direction_right', 0)}/{st.get('direction_counted', 0)}",
                  " ".join(f"{w[k]:.2f}" for k in sorted(w, key=int)))
    out.print(d)
    out.print(f"mean rank correlation (model): {_f(model['mean_rank_correlation'], '+.2f')}")


def _print_ideal_scale(res: WorldBacktest) -> None:
    """The same scores on the data's scale (ideal points), with Russia and the US."""
    from multipolar.backtest.world import METHODS as WORLD_METHODS
    from multipolar.backtest.world import POLE_GROUPS, ideal_scores

    scores = ideal_scores(res.forecasts)
    if not scores:
        return
    out.print(_method_table(f"on the data's scale (ideal points), {scores['model']['n']} "
                            "state-years: MAE, gain over persistence, 90% coverage, CRPS",
                            scores, WORLD_METHODS))
    out.print(_group_table("on the data's scale by group (Russia and the US on their own)",
                           {g: ideal_scores(res.forecasts, group=g)
                            for g in [*res.groups, *POLE_GROUPS.values()]}))


def _group_table(title: str, by_group: dict[str, dict[str, Any]]) -> Table:
    """By group: MAE of the model, the stacked forecast and persistence, gains, coverage."""
    t = Table(title=title)
    for c in ("group", "n", "model", "stacked", "persistence", "model vs", "stacked vs",
              "cov90 model", "cov90 stacked"):
        t.add_column(c, justify="left" if c == "group" else "right")
    for g, sg in by_group.items():
        if not sg:
            continue
        st = sg.get("stacked", {})
        t.add_row(g or "-", str(int(sg["model"]["n"])), _f(sg["model"]["mae"]),
                  _f(st.get("mae")), _f(sg["persistence"]["mae"]),
                  _f(100 * sg["model"]["gain"], "+.1f") + "%",
                  (_f(100 * st["gain"], "+.1f") + "%") if st else "–",
                  _f(sg["model"]["coverage90"], ".2f"), _f(st.get("coverage90"), ".2f"))
    return t


def _method_table(title: str, scores: dict[str, Any], methods: Iterable[str]) -> Table:
    """One row per method with scores: MAE, gain over persistence, 90% coverage, CRPS."""
    t = Table(title=title)
    for c in ("method", "MAE", "vs pers.", "cov90", "CRPS"):
        t.add_column(c, justify="left" if c == "method" else "right")
    for m in methods:
        v = scores.get(m)
        if v:
            t.add_row(m, _f(v["mae"]), _f(100 * v["gain"], "+.1f") + "%",
                      _f(v["coverage90"], ".2f"), _f(v["crps"]))
    return t


def print_world_backtest(res: WorldBacktest) -> None:
    """``backtest russia-world``: scores by method, horizon and group; the conditional cases."""
    from multipolar.backtest.world import METHODS as WORLD_METHODS
    from multipolar.backtest.world import mean_change, score

    scores = score(res.forecasts)
    n = scores.get("model", {}).get("n", 0)
    title = (f"back-test of every state's UN voting alignment, origins {res.origins[0]}-"
             f"{res.origins[-1]} ({len(res.origins)}), horizons 1-{res.horizon}, {n} "
             "state-years")
    if res.events:
        title += " given " + ", ".join(res.events)
    out.print(_method_table(title, scores, WORLD_METHODS))
    t = Table(title="MAE by horizon (and the 90% coverage of the model and the stacked one)")
    t.add_column("h", justify="right")
    for m in WORLD_METHODS:
        t.add_column(m, justify="right")
    t.add_column("cov90 model", justify="right")
    t.add_column("cov90 stacked", justify="right")
    for h in range(1, res.horizon + 1):
        sh = score(res.forecasts, horizon=h)
        if sh:
            t.add_row(str(h), *[_f(sh.get(m, {}).get("mae")) for m in WORLD_METHODS],
                      _f(sh["model"]["coverage90"], ".2f"),
                      _f(sh.get("stacked", {}).get("coverage90"), ".2f"))
    out.print(t)
    out.print(_group_table("by group: MAE of the model, the stacked forecast and persistence, "
                           "90% coverage", {g: score(res.forecasts, group=g)
                                            for g in res.groups}))
    _print_ideal_scale(res)
    for plain, war in res.conditional:
        y0, y1 = int(war.years[0]), int(war.years[-1])
        w, p = score([war]), score([plain])
        stacked = ""
        if "stacked" in w:
            stacked = (f"; stacked {_f(w['stacked']['mae'])} with, "
                       f"{_f(p['stacked']['mae'])} without (cov90 "
                       f"{_f(w['stacked']['coverage90'], '.2f')})")
        t = Table(title=f"origin {war.origin} given {war.event} (scored {y0}-{y1}): MAE "
                        f"{_f(w['model']['mae'])} with the event, {_f(p['model']['mae'])} "
                        f"without, persistence {_f(w['persistence']['mae'])}; cov90 "
                        f"{_f(w['model']['coverage90'], '.2f')}{stacked}")
        for c in ("group", "observed change", "with event", "without", "stacked, with"):
            t.add_column(c, justify="left" if c == "group" else "right")
        for g in res.groups:
            cw, cp = mean_change(war, g), mean_change(plain, g)
            if cw["n"]:
                t.add_row(g or "-", _f(cw["observed"], "+.3f"), _f(cw["model"], "+.3f"),
                          _f(cp["model"], "+.3f"), _f(cw.get("stacked"), "+.3f"))
        out.print(t)
    if res.stacking:
        out.print("stacking weights per origin (relative scale h=1.. | data's scale), fitted on "
                  "the anchor fit's training forecasts: " + "; ".join(
                      f"{s['origin']} " + "/".join(f"{v:g}" for v in s["weights"].values())
                      + " | " + "/".join(f"{v:g}" for v in s["ideal_point_weights"].values())
                      for s in res.stacking))
    anchors = res.settings.get("anchors") or {}
    if anchors:
        out.print("anchored target, fitted per origin on the ten origins before it: "
                  + ", ".join(f"{o} {a:g}" for o, a in anchors.items()))
    bound = {k for c in res.calibration for k in c.get("at_bound", {})}
    if bound:
        out.print("fitted at a bound of its search range (decided by the bound, not the data) "
                  "at some origin: " + ", ".join(sorted(bound)))
