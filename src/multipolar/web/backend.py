"""The one place where the dashboard calls the rest of multipolar.

Everything the web layer needs from the model, the ensemble engine, the evidence corpus and the
report builder goes through the functions here, so swapping an implementation is one edit:

* scenarios: :func:`scenario_names`, :func:`scenario_info`, :func:`evidence_items`;
* runs: :func:`execute` (``multipolar.ensemble.run_ensemble`` with a local evaluator, chunked
  so progress moves and a cancel takes effect between chunks), :func:`load_summary`;
* results: :func:`build_view` (the compact JSON the page draws), :func:`csv_exports`,
  :func:`parquet_export`, :func:`make_report` (``multipolar.report`` when it offers a builder,
  else a small self-contained HTML page with the overview chart);
* evidence: :func:`open_corpus`, :func:`passage`.

Depends on :mod:`multipolar.scenario`, :mod:`multipolar.ensemble`, :mod:`multipolar.evidence`,
:mod:`multipolar.figures.plots` and :mod:`multipolar.data`; imported lazily where they are heavy.
"""

from __future__ import annotations

import base64
import html
import importlib
import io
import math
import shlex
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from multipolar.core.errors import InputError, MultipolarError
from multipolar.core.labels import source_label
from multipolar.core.textformat import band, provenance
from multipolar.evidence import Corpus
from multipolar.web.world import map_bytes, world_extras, world_meta

OIL_SET = "drivers.oil_price.future.level"
"""Override path of the oil-price level after the observed years (USD per barrel)."""
OIL_BOUNDS = (10.0, 200.0)
EXPORTS = "exports"
_EXPORT_LOCK = threading.Lock()


class RunCancelled(KeyboardInterrupt):
    """Raised from the progress callback to stop a run between chunks.

    It derives from :class:`KeyboardInterrupt` because the ensemble engine treats that as an
    orderly stop: the run is marked ``interrupted`` and every finished chunk is kept.
    """


# ------------------------------------------------------------------------------ scenarios

@lru_cache(maxsize=1)
def scenario_names() -> tuple[str, ...]:
    """Names of the bundled scenarios the dashboard may run (never arbitrary paths)."""
    # lazy: keeps start-up fast (loads numpy, the scenario schema)
    from multipolar.scenario import bundled_names

    return tuple(bundled_names())


def warm() -> None:
    """Load what browsing needs once (scenarios, evidence, observed data) before serving.

    Loading a scenario parses YAML in pure Python (about a second) while holding the GIL; done
    lazily it would stall every request in flight, so the server does it at start-up.
    """
    for name in scenario_names():
        scenario_info(name)
        evidence_items(name)
    _observed()
    map_bytes()


def check_scenario_name(name: str) -> str:
    """Return ``name`` if it is a bundled scenario, else raise a clean error."""
    names = scenario_names()
    if name not in names:
        raise InputError(f"no bundled scenario called '{name}'", field="scenario",
                         fix=f"choose one of: {', '.join(names)}")
    return name


def _number(value: Any) -> float | None:
    """A scalar view of a lever or parameter value (nominal of a distribution, last of a path)."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dict) and value:
        return _number(value[max(value)])
    nominal = getattr(value, "nominal", None)
    if callable(nominal):
        try:
            return float(nominal())
        except (TypeError, ValueError):
            return None
    return None


@lru_cache(maxsize=64)
def scenario_info(name: str, perspective: str | None = None,
                  hypothesis: str | None = None) -> dict[str, Any]:
    """What the run form needs: overlays, levers (effective values), years, actors, institutions."""
    # lazy: keeps start-up fast (loads numpy, the scenario schema)
    from multipolar.scenario import load_scenario

    check_scenario_name(name)
    loaded = load_scenario(name, perspective=perspective, hypothesis=hypothesis)
    sc = loaded.scenario
    oil = sc.drivers.get("oil_price")
    oil_level = _number(oil.future.level) if oil is not None and oil.future.level else None
    return {
        "name": sc.name,
        "title": sc.title or sc.name,
        "description": (sc.description or "").strip(),
        "time": {"start": sc.time.start, "end": sc.time.end,
                 "observed_until": sc.time.observed_until},
        "perspective": perspective,
        "hypothesis": loaded.applied.get("hypothesis"),
        "default_hypothesis": sc.default_hypothesis,
        "perspectives": [{"name": k, "holder": v.holder, "description": v.description}
                         for k, v in sc.perspectives.items()],
        "hypotheses": [{"name": k, "description": v.description}
                       for k, v in sc.hypotheses.items()],
        "levers": [{"name": k, "label": lever_label(k), "actor": v.actor,
                    "description": v.description,
                    "value": _number(v.value), "bounds": list(v.bounds)}
                   for k, v in sc.levers.items()],
        "parameters": _parameters(sc),
        "world": bool(getattr(sc, "actor_sets", None)) or _has_actor_sets(name),
        "oil": None if oil is None else {
            "path": OIL_SET, "unit": oil.unit, "value": oil_level,
            "bounds": list(OIL_BOUNDS), "observed_until": sc.time.observed_until,
            "description": "oil price level the future path reverts to (default: uncertain)"},
        "actors": [{"id": a.id, "role": a.role, "region": a.region} for a in sc.actors],
        "institutions": [{"id": i.id, "name": i.name, "pole": i.pole}
                         for i in sc.institutions],
        "mechanisms": [{"name": k, "description": m.description, "theory": m.theory,
                        "enabled": m.enabled} for k, m in sc.mechanisms.items()],
    }


LEVER_LABELS = {
    "russia_attraction": "Russia's attraction",
    "russia_assertion": "Russia's assertion",
    "eu_offer": "EU offer",
    "eaeu_sreb_link": "EAEU–Silk Road link",
    "russia_propaganda": "Russia's propaganda",
}
"""Names shown for the bundled levers (others: :func:`lever_label` builds one)."""
_ACRONYMS = {"eu", "eaeu", "sreb", "csto", "cis", "nato", "sco", "un", "us", "gdp"}


def lever_label(name: str) -> str:
    """A readable name of a lever or parameter: ``eaeu_sreb_link`` -> ``EAEU–Silk Road link``."""
    if name in LEVER_LABELS:
        return LEVER_LABELS[name]
    words = [w.upper() if w in _ACRONYMS else w for w in name.replace(".", " ").split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _has_actor_sets(name: str) -> bool:
    return world_meta(name) is not None


def _parameters(sc: Any) -> list[dict[str, Any]]:
    """Mechanism parameters a what-if may set (``MECHANISM.PARAM``), with nominal values."""
    out = []
    for mname, mech in sc.mechanisms.items():
        for pname, par in (getattr(mech, "params", None) or {}).items():
            out.append({"path": f"{mname}.{pname}", "label": lever_label(f"{mname}_{pname}"),
                        "description": getattr(par, "description", None) or mech.description,
                        "value": _number(par)})
    return out


def _citation(cid: str | None, cit: Any) -> dict[str, Any]:
    return {"id": cid, "doc": cit.doc, "source": source_label(cit.doc), "locator": cit.locator,
            "claim": cit.claim}


# scenario sections with evidence, and the word for one item of each
SINGULAR = {"levers": "lever", "mechanisms": "mechanism", "drivers": "driver", "aims": "aim",
            "perspectives": "perspective", "hypotheses": "hypothesis"}


@lru_cache(maxsize=8)
def evidence_items(name: str) -> list[dict[str, Any]]:
    """Every mechanism, lever, driver, aim, perspective and hypothesis with its citations."""
    # lazy: keeps start-up fast (loads numpy, the scenario schema)
    from multipolar.scenario import load_scenario

    # lazy: keeps start-up fast (loads numpy, the scenario schema)
    from multipolar.scenario.semantics import evidence_for

    check_scenario_name(name)
    sc = load_scenario(name).scenario
    ids = {(c.doc, c.locator): k for k, c in sc.citations.items()}
    items: list[dict[str, Any]] = []
    for kind in SINGULAR:
        for key, obj in getattr(sc, kind).items():
            cits = evidence_for(sc, f"{kind}.{key}")
            seen: set[tuple[str, str]] = set()
            out = []
            for c in cits:
                if (c.doc, c.locator) in seen:
                    continue
                seen.add((c.doc, c.locator))
                out.append(_citation(ids.get((c.doc, c.locator)), c))
            items.append({"key": f"{kind}.{key}", "kind": SINGULAR[kind], "name": key,
                          "description": getattr(obj, "description", None),
                          "theory": list(getattr(obj, "theory", []) or []),
                          "citations": out})
    return items


# ------------------------------------------------------------------------------ runs

def build_sets(levers: dict[str, float], oil_level: float | None) -> list[str]:
    """``--set`` strings for the lever values and oil level a user chose."""
    sets = [f"levers.{k}={_fmt(v)}" for k, v in sorted(levers.items())]
    if oil_level is not None:
        sets.append(f"{OIL_SET}={_fmt(oil_level)}")
    return sets


def _fmt(v: float) -> str:
    return f"{v:.6g}"


def cli_command(params: dict[str, Any], rundir: Path | None = None) -> str:
    """The ``multipolar run`` command line that reproduces a dashboard run exactly."""
    parts = ["multipolar", "run", params["scenario"], "--members", str(params["members"]),
             "--seed", str(params["seed"])]
    if params.get("start") is not None:
        parts += ["--start", str(params["start"])]
    if params.get("end") is not None:
        parts += ["--end", str(params["end"])]
    if params.get("perspective"):
        parts += ["--perspective", params["perspective"]]
    if params.get("hypothesis"):
        parts += ["--hypothesis", params["hypothesis"]]
    for s in params.get("sets", []):
        parts += ["--set", s]
    if params.get("anchor") is not None:
        parts += ["--anchor", f"{params['anchor']!r}"]
    if rundir is not None:
        parts += ["--out", str(rundir)]
    return " ".join(shlex.quote(p) for p in parts)


def check_run(params: dict[str, Any]) -> None:
    """Load the scenario with the run's overlays and overrides: a clean error if any is bad."""
    # lazy: keeps start-up fast (loads numpy, the scenario schema)
    from multipolar.scenario import load_scenario

    check_scenario_name(params["scenario"])
    loaded = load_scenario(params["scenario"], perspective=params.get("perspective"),
                           hypothesis=params.get("hypothesis"), sets=list(params["sets"]))
    t = loaded.scenario.time
    start = int(params["start"]) if params.get("start") is not None else t.start
    end = int(params["end"]) if params.get("end") is not None else t.end
    if end < start:
        raise InputError(f"end year {end} is before start year {start}", field="end",
                         fix="give an end year after the start year")


def chunk_size(members: int) -> int:
    """Members per chunk: up to eight chunks a run, so progress moves and cancel is quick.

    A chunk costs a fixed ~0.15 s (the yearly loop) plus its members, so chunks below 100
    members would make small runs slow for little gain in progress resolution.
    """
    return max(100, math.ceil(members / 8))


def execute(params: dict[str, Any], rundir: Path, progress: Callable[[int, int], None],
            resume: bool = False) -> dict[str, Any]:
    """Run the ensemble described by ``params`` into ``rundir``; return its summary.

    ``progress(members_done, members_total)`` is called after every chunk; raising
    :class:`RunCancelled` from it stops the run with finished chunks kept.
    """
    # lazy: keeps start-up fast (loads the model, numpy)
    from multipolar.ensemble import LocalEvaluator, RunSpec, run_ensemble

    spec = RunSpec(scenario=params["scenario"], members=int(params["members"]),
                   seed=int(params["seed"]), start=params.get("start"), end=params.get("end"),
                   perspective=params.get("perspective"), hypothesis=params.get("hypothesis"),
                   sets=tuple(params.get("sets", ())),
                   chunk_size=None if resume else chunk_size(int(params["members"])),
                   anchor=params.get("anchor"))
    res = run_ensemble(spec, LocalEvaluator(), out=rundir, resume=resume,
                       progress=lambda p: progress(p.members_done, p.members_total))
    return dict(res.summary)


def load_summary(rundir: Path) -> dict[str, Any]:
    """The summary of a complete run stored in ``rundir`` (for runs made by the CLI)."""
    # lazy: keeps start-up fast (loads the model, numpy)
    from multipolar.ensemble import summarise_run

    return dict(summarise_run(rundir))


def stored_run_info(rundir: Path) -> dict[str, Any]:
    """Manifest facts of a run folder made outside the dashboard."""
    # lazy: keeps start-up fast (loads the model, numpy)
    from multipolar.ensemble import run_info

    return dict(run_info(rundir))


# ------------------------------------------------------------------------------ results

def _clean(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), 4)


@lru_cache(maxsize=1)
def _observed() -> dict[str, dict[int, float]]:
    # lazy: keeps start-up fast (loads matplotlib, numpy)
    from multipolar.figures.plots import observed_alignment_table

    return observed_alignment_table()


def _scenario_meta(name: str | None) -> tuple[dict[str, str], dict[str, str], int | None]:
    """Roles of actors, poles of institutions and last observed year, where known."""
    try:
        info = scenario_info(check_scenario_name(name or ""))
    except MultipolarError:
        return {}, {}, None
    return ({a["id"]: a["role"] for a in info["actors"]},
            {i["id"]: i["pole"] for i in info["institutions"]},
            info["time"]["observed_until"])


VIEW_VERSION = 5
"""Version of the view JSON; a stored view of an older version is rebuilt when read."""


def build_view(summary: dict[str, Any], scenario: str | None) -> dict[str, Any]:
    """The compact data the page draws: per-year arrays instead of nested year maps."""
    years = [int(y) for y in summary["years"]]
    ys = [str(y) for y in years]
    actors = list(summary["actors"])
    roles, poles, observed_until = _scenario_meta(scenario)
    qs = ("p05", "p25", "median", "p75", "p95")

    def fan(table: dict[str, Any]) -> dict[str, list[float | None]]:
        return {q: [_clean(table[y][q]) for y in ys] for q in qs}

    obs = _observed()
    observed = {a: [_clean(obs[a][y]) if y in obs.get(a, {}) else None for y in years]
                for a in actors if a in obs}
    mem = summary.get("memberships", {})
    sphere = summary.get("sphere", {})
    channels = summary.get("sphere_channels", {})  # runs made before it have none
    view: dict[str, Any] = {
        "version": VIEW_VERSION,
        "kind": "neighbourhood",
        "scenario": scenario,
        "years": years,
        "actors": actors,
        "roles": roles,
        "observed_until": observed_until,
        "members": summary.get("members"),
        "seed": summary.get("seed"),
        "institutions": [{"id": i, "pole": poles.get(i, "mixed")}
                         for i in summary.get("institutions", [])],
        "alignment": {a: fan(summary["alignment"][a]) for a in actors},
        "observed": observed,
        "memberships": {i: {a: [_clean(mem[a][i][y]) for y in ys] for a in actors
                            if i in mem.get(a, {})}
                        for i in summary.get("institutions", [])},
        "russia": {k: fan(v) for k, v in summary.get("russia", {}).items()},
        "sphere": {a: {pole: {q: [_clean(sphere[a][y][pole][q]) for y in ys]
                              for q in ("p05", "median", "p95")}
                       for pole in ("russia", "china", "west")}
                   for a in actors if a in sphere},
        "sphere_channels": {a: {c: {q: [_clean(channels[a][y][c][q]) for y in ys]
                                    for q in ("p05", "median", "p95")}
                                for c in channels[a][ys[0]]}
                            for a in actors if a in channels},
    }
    ideal = summary.get("ideal_point")  # the data's scale (scenarios with ideal-point data)
    if ideal:
        view["ideal_point"] = {a: fan(ideal[a]) for a in actors if a in ideal}
        view["poles"] = {pole: fan(q) for pole, q in (summary.get("poles") or {}).items()}
    view["russia_constant"] = [k for k, f in view["russia"].items() if _flat(f)]
    extra = world_extras(view, scenario)
    if extra is not None:
        view.update(extra)
    return view


def _flat(fan: dict[str, list[float | None]]) -> bool:
    """True when a quantile fan neither moves over the years nor spreads over the members."""
    vals = [x for q in fan.values() for x in q if x is not None]
    return bool(vals) and max(vals) - min(vals) < 1e-6


def shared_actors(va: dict[str, Any], vb: dict[str, Any]) -> list[tuple[str, str]]:
    """States modelled by both views, as ``(id in A, id in B)``.

    Ids match directly, or through a state's name (a neighbourhood run names ``Belarus``, a
    world run ``BLR`` with the name ``Belarus``).
    """
    def keys(v: dict[str, Any]) -> dict[str, str]:
        names = v.get("names") or {}
        out = {}
        for a in v["actors"]:
            out[a.lower()] = a
            out[str(names.get(a, a)).lower()] = a
        return out

    kb = keys(vb)
    names_a = va.get("names") or {}
    pairs = []
    for a in va["actors"]:
        b = kb.get(a.lower()) or kb.get(str(names_a.get(a, a)).lower())
        if b is not None and a in va["alignment"] and b in vb["alignment"]:
            pairs.append((a, b))
    return pairs


def run_provenance(meta: dict[str, Any]) -> str:
    """One line saying how a run was made: scenario, overlays, overrides, members, seed."""
    p = meta.get("params", {})
    return (f"{p.get('scenario')}: " +
            provenance(p.get("perspective"), p.get("hypothesis"), p.get("sets"),
                       anchor=p.get("anchor")) +
            f"; {p.get('members')} members, seed {p.get('seed')}")


def csv_exports(view: dict[str, Any]) -> dict[str, str]:
    """CSV texts of a run: alignment, memberships, Russia's outcomes and the sphere shares.

    ``sphere.csv`` holds each pole's combined share and Russia's share per channel;
    ``standing.csv`` Russia's and the US's ideal points (``pole`` rows: 0 and 1 in a scenario
    without ideal-point data) and, on the data's scale, every state's (``ideal_point`` rows).
    """
    years = view["years"]

    def num(x: float | None) -> str:
        return "" if x is None else f"{x:.4f}"

    lines = ["actor,year,p05,p25,median,p75,p95,observed"]
    for a, fan in view["alignment"].items():
        obs = view["observed"].get(a, [None] * len(years))
        for t, y in enumerate(years):
            lines.append(",".join([_csv(a), str(y)] +
                                  [num(fan[q][t]) for q in ("p05", "p25", "median", "p75",
                                                            "p95")] + [num(obs[t])]))
    mem = ["institution,actor,year,probability"]
    for inst, table in view["memberships"].items():
        for a, probs in table.items():
            mem += [f"{_csv(inst)},{_csv(a)},{y},{num(probs[t])}" for t, y in enumerate(years)]
    core = ["outcome,year,p05,p25,median,p75,p95"]
    for k, fan in view["russia"].items():
        core += [",".join([_csv(k), str(y)] + [num(fan[q][t]) for q in
                                               ("p05", "p25", "median", "p75", "p95")])
                 for t, y in enumerate(years)]
    sph = ["actor,share,year,p05,median,p95"]
    for entry, label in (("sphere", "{} (all channels)"), ("sphere_channels", "russia: {}")):
        for a, table in view.get(entry, {}).items():
            for k, fan in table.items():
                sph += [",".join([_csv(a), _csv(label.format(k)), str(y)]
                                 + [num(fan[q][t]) for q in ("p05", "median", "p95")])
                        for t, y in enumerate(years)]
    qs = ("p05", "p25", "median", "p75", "p95")
    standing = ["kind,actor,year,p05,p25,median,p75,p95"]
    for pole, k in (("russia", "russia_position"), ("us", "us_position")):
        if k in view["russia"]:
            standing += [",".join(["pole", pole, str(y)] + [num(view["russia"][k][q][t])
                                                              for q in qs])
                         for t, y in enumerate(years)]
    for a, fan in view.get("ideal_point", {}).items():
        standing += [",".join(["ideal_point", _csv(a), str(y)] + [num(fan[q][t]) for q in qs])
                     for t, y in enumerate(years)]
    return {"alignment.csv": "\n".join(lines) + "\n", "memberships.csv": "\n".join(mem) + "\n",
            "russia.csv": "\n".join(core) + "\n", "sphere.csv": "\n".join(sph) + "\n",
            "standing.csv": "\n".join(standing) + "\n"}


def _csv(s: str) -> str:
    return f'"{s}"' if any(c in s for c in ',"\n') else s


def parquet_export(rundir: Path, table: str) -> Path:
    """One results table (``actors``, ``core``, ``params``) of a run as a single Parquet file."""
    if table not in ("actors", "core", "params"):
        raise InputError(f"no results table '{table}'", field="table",
                         fix="use actors, core or params")
    out = rundir / EXPORTS / f"{table}.parquet"
    with _EXPORT_LOCK:
        if out.is_file():
            return out
        # lazy: keeps start-up fast (loads pyarrow)
        import pyarrow.parquet as pq

        # lazy: keeps start-up fast (loads the model, numpy)
        from multipolar.ensemble import query_arrow

        tab = query_arrow(rundir, f"select * from {table}")
        out.parent.mkdir(exist_ok=True)
        tmp = out.with_suffix(".tmp")
        pq.write_table(tab, tmp, compression="zstd")
        tmp.replace(out)
    return out


def make_report(rundir: Path, summary: dict[str, Any], meta: dict[str, Any],
                corpus: Path | None = None) -> Path:
    """The run's HTML report: ``multipolar.report.build_report`` if present, else a fallback."""
    out = rundir / EXPORTS / "report.html"
    with _EXPORT_LOCK:
        if out.is_file():
            return out
        out.parent.mkdir(exist_ok=True)
        try:
            report = importlib.import_module("multipolar.report")
        except ImportError:
            report = None
        build = getattr(report, "build_report", None)
        if callable(build):
            build(rundir, html_out=out, corpus=corpus)
        else:
            _fallback_report(summary, meta, out)
        return out


def _fallback_report(summary: dict[str, Any], meta: dict[str, Any], out: Path) -> None:
    # lazy: keeps start-up fast (loads matplotlib, numpy)
    from multipolar.figures.plots import alignment_overview

    png = out.parent / "alignment-overview.png"
    alignment_overview(summary, png, observed=_observed())
    img = base64.b64encode(png.read_bytes()).decode()
    years = [int(y) for y in summary["years"]]
    end = str(years[-1])
    rows = []
    for a in summary["actors"]:
        q = summary["alignment"][a][end]
        rows.append(f"<tr><td>{html.escape(a)}</td><td>{html.escape(band(q))}</td></tr>")
    p = meta.get("params", {})
    made_by = provenance(p.get("perspective"), p.get("hypothesis"), p.get("sets"))
    buf = io.StringIO()
    buf.write("<!doctype html><html lang='en'><meta charset='utf-8'>"
              f"<title>multipolar run {html.escape(str(meta.get('id')))}</title>"
              "<body style='font-family:sans-serif;max-width:60em;margin:2em auto'>"
              f"<h1>Run {html.escape(str(meta.get('id')))}</h1>"
              f"<p>Scenario {html.escape(str(p.get('scenario')))}, perspective "
              f"{html.escape(str(p.get('perspective') or 'none'))}, hypothesis "
              f"{html.escape(str(p.get('hypothesis') or 'default'))}; "
              f"{summary.get('members')} members, seed {summary.get('seed')}.</p>"
              f"<p>Reproduce: <code>{html.escape(str(meta.get('cli', '')))}</code></p>"
              f"<img alt='alignment fan charts' style='max-width:100%' "
              f"src='data:image/png;base64,{img}'>"
              f"<h2>Alignment in {end} (0 = votes like Russia, 1 = like the US)</h2>"
              "<table border=1 cellpadding=4><tr><th>actor</th><th>median [90% of members]</th>"
              "</tr>" + "".join(rows) + "</table>"
              f"<p>{html.escape(made_by)}</p></body></html>")
    tmp = out.with_suffix(".tmp")
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    tmp.replace(out)


# ------------------------------------------------------------------------------ evidence

def open_corpus(path: Path) -> Any:
    """The evidence corpus in ``path`` (a :class:`multipolar.evidence.Corpus`)."""
    return Corpus.from_dir(path)


def passage(corpus: Any, doc: str, locator: str) -> dict[str, Any]:
    """The passage of ``doc`` around ``locator``; names are resolved inside the corpus only."""
    m = corpus.locate(doc, locator)
    return {"doc": m.doc, "locator": locator, "line": m.line, "column": m.column,
            "occurrences": m.occurrences, "before": m.passage.before,
            "match": m.passage.match, "after": m.passage.after}
