"""The ``multipolar explore`` pipeline: design, evaluate, analyse, discover, write a run folder.

:func:`explore` loads and compiles a scenario (with any perspective, hypothesis and ``--set``
overrides), selects factors, builds the design, evaluates it chunk by chunk on an evaluator,
runs the sensitivity analysis for every outcome and PRIM for the target, and writes::

    OUT/summary.json     everything a report needs (kind "explore"), seed and versions
    OUT/design.parquet   one row per design row: factor values and outcome values

Depends on the scenario loader, the model contract, :mod:`multipolar.explore` and PyArrow.
"""

from __future__ import annotations

import importlib.metadata as md
import json
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from multipolar.core.errors import MultipolarError
from multipolar.core.jsonutil import jsonable
from multipolar.explore.design import make_design, select_factors
from multipolar.explore.evaluate import evaluate_design
from multipolar.explore.outcome import Domain, parse_outcome
from multipolar.explore.prim import prim
from multipolar.explore.sensitivity import analyse
from multipolar.model.api import compile_model
from multipolar.model.summary import _nested, quantile_table
from multipolar.scenario import load_scenario

SUMMARY = "summary.json"


@dataclass(frozen=True)
class ExploreSpec:
    """What to explore (the options of ``multipolar explore`` as one typed object)."""

    scenario: str = "russia-neighbourhood"
    design: str = "lhs"
    n: int = 256
    uncertainties: str = "ALL"
    outcomes: tuple[str, ...] = ("alignment[Belarus][2030]",)
    target: str | None = None
    seed: int = 7
    start: int | None = None
    end: int | None = None
    perspective: str | None = None
    hypothesis: str | None = None
    sets: tuple[str, ...] = ()
    second_order: bool = True
    levels: int = 4
    lever_range: tuple[float, float] = (0.0, 1.0)
    prim_threshold: float = 0.8
    prim_alpha: float = 0.05
    chunk: int = 2048
    keep: int = 1000
    extra: dict[str, Any] = field(default_factory=dict)


def versions() -> dict[str, str]:
    """Versions of multipolar and the libraries that shape results."""
    out = {"python": platform.python_version()}
    for pkg in ("multipolar", "numpy", "scipy", "SALib", "matplotlib", "plotly"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def kept_summary(kept: dict[str, Any], model: Any, seed: int) -> dict[str, Any]:
    """Quantiles per actor-year of the kept rows, in the shape of the model's ``summarise``."""
    years = model.years
    out: dict[str, Any] = {"members": int(kept["alignment"].shape[0]), "seed": seed,
                           "years": [int(y) for y in years], "actors": list(model.actors),
                           "institutions": list(model.institutions),
                           "observed_until": int(model.observed_until)}
    out["alignment"] = _nested(quantile_table(kept["alignment"]), years, model.actors)
    mem = kept["memberships"].mean(axis=0)
    out["memberships"] = {
        a: {inst: {str(int(y)): round(float(mem[t, j, k]), 4) for t, y in enumerate(years)}
            for k, inst in enumerate(model.institutions)}
        for j, a in enumerate(model.actors)}
    out["russia"] = {name: {str(int(y)): {k: round(float(v[t]), 6) for k, v in
                                          quantile_table(arr).items()}
                            for t, y in enumerate(years)}
                     for name, arr in kept["core"].items()}
    att = kept["attraction"].mean(axis=0)
    out["means"] = {"attraction": {a: {str(int(y)): round(float(att[t, j]), 6)
                                       for t, y in enumerate(years)}
                                   for j, a in enumerate(model.actors)}}
    return out


def load_model(scenario: str, perspective: str | None = None, hypothesis: str | None = None,
               sets: tuple[str, ...] = (), start: int | None = None,
               end: int | None = None, events: tuple[str, ...] = ()) -> tuple[Any, Any]:
    """Load and compile a scenario with overlays and events; return ``(loaded, model)``."""
    loaded = load_scenario(scenario, perspective=perspective, hypothesis=hypothesis,
                           sets=list(sets), events=list(events))
    return loaded, compile_model(loaded, start=start, end=end)


def explore(spec: ExploreSpec, evaluator: Any = None, out: str | Path | None = None,
            progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Run the exploration of ``spec``; write ``out`` (if given); return the summary.

    Steps: (1) load and compile; (2) parse outcomes and target; (3) select factors and build
    the design; (4) evaluate every row (chunked on ``evaluator``); (5) sensitivity analysis
    per outcome; (6) PRIM on the target; (7) write ``summary.json`` and ``design.parquet``.
    """
    t0 = time.perf_counter()
    loaded, model = load_model(spec.scenario, spec.perspective, spec.hypothesis, spec.sets,
                               spec.start, spec.end)
    dom = Domain.of(model)
    if not spec.outcomes:
        raise MultipolarError("no outcome given", field="--outcome",
                              fix="add --outcome 'alignment[Belarus][2030]'")
    outcomes = [parse_outcome(o, dom) for o in spec.outcomes]
    target = None
    if spec.target:
        target = parse_outcome(spec.target, dom)
    else:
        target = next((o for o in outcomes if o.is_flag), None)
    factors = select_factors(model, spec.uncertainties, spec.lever_range)
    design = make_design(spec.design, factors, spec.n, spec.seed, spec.second_order,
                         spec.levels)
    all_out = outcomes + ([target] if target is not None and target not in outcomes else [])
    t_eval = time.perf_counter()
    y, kept = evaluate_design(model, spec.seed, design, all_out, evaluator, spec.chunk,
                              spec.keep, progress)
    eval_s = time.perf_counter() - t_eval
    analyses = {o.text: analyse(design, y[:, i], o.text, spec.seed)
                for i, o in enumerate(outcomes)}
    prim_out = None
    if target is not None:
        ty = y[:, all_out.index(target)]
        prim_rows = _independent_rows(design)
        res = prim(design.values[prim_rows], ty[prim_rows], design.paths,
                   alpha=spec.prim_alpha, threshold=spec.prim_threshold)
        prim_out = {"target": target.text, **res.to_dict()}
    years = (int(model.years[0]), int(model.years[-1]))
    summary: dict[str, Any] = {
        "kind": "explore", "scenario": loaded.scenario.name, "scenario_file": str(loaded.path),
        "scenario_hash": model.scenario_hash, "perspective": spec.perspective,
        "hypothesis": spec.hypothesis, "sets": list(spec.sets), "seed": spec.seed,
        "years": list(years), "observed_until": int(model.observed_until),
        "design": {"kind": design.kind, "n": design.n, "rows": design.rows,
                   "options": design.options, "factors": [f.describe() for f in factors]},
        "outcomes": [o.text for o in outcomes], "analyses": analyses, "prim": prim_out,
        "ensemble": kept_summary(kept, model, spec.seed) if kept is not None else None,
        "timing": {"seconds": time.perf_counter() - t0, "evaluate_seconds": eval_s,
                   "member_years_per_s": design.rows * model.n_years / max(eval_s, 1e-9),
                   "executor": getattr(evaluator, "name", "local")},
        "versions": versions(),
    }
    if out is not None:
        write_run(Path(out), summary, design, y, [o.text for o in all_out])
    return summary


def _independent_rows(design: Any) -> np.ndarray:
    """Rows that are independent draws (A and B matrices of a Saltelli design; all others)."""
    if design.kind != "sobol":
        return np.arange(design.rows)
    d = len(design.factors)
    step = (2 * d + 2) if design.options.get("second_order", True) else (d + 2)
    return np.sort(np.concatenate([np.arange(0, design.rows, step),
                                   np.arange(step - 1, design.rows, step)]))


def write_run(folder: Path, summary: dict[str, Any], design: Any, y: np.ndarray,
              names: list[str]) -> None:
    """Write ``summary.json`` and ``design.parquet`` into ``folder``."""
    # lazy: keeps start-up fast (loads pyarrow)
    import pyarrow as pa

    # lazy: keeps start-up fast (loads pyarrow)
    import pyarrow.parquet as pq

    try:
        folder.mkdir(parents=True, exist_ok=True)
        cols: dict[str, Any] = {"row": np.arange(design.rows), "group": design.groups}
        for j, p in enumerate(design.paths):
            cols[p] = design.values[:, j]
        for i, nm in enumerate(names):
            cols[f"outcome:{nm}"] = y[:, i]
        tmp = folder / ".design.parquet.tmp"  # never a half-written file (Ctrl-C)
        pq.write_table(pa.table(cols), tmp)
        tmp.replace(folder / "design.parquet")
        write_summary(folder, summary)
    except OSError as exc:
        raise MultipolarError(f"cannot write the results ({exc.strerror or exc})",
                              file=str(folder), field="--out",
                              fix="choose a writable folder with --out") from None


def write_summary(folder: Path, summary: dict[str, Any]) -> Path:
    """Write ``summary.json`` (NaN as null) atomically into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / SUMMARY
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(jsonable(summary), indent=1, allow_nan=False))
    tmp.replace(path)
    return path
