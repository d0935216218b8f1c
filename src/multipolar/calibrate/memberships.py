"""Maximum-likelihood fit of the membership hazards on the observed accessions and exits.

The ``institutions`` mechanism draws accession and exit each year with logistic hazards
(:func:`~multipolar.model.mechanisms.institutions.join_logit`,
:func:`~multipolar.model.mechanisms.institutions.exit_logit`). This module fits their
coefficients on the record: every country-year of a neighbour that could have joined or left
a format is one Bernoulli trial.

* **At risk of accession** in year t: a neighbour eligible for the format (as in the model),
  not a member in t-1, the format open in t, and no constraint barring it (neutrality, an
  excluded or superseding membership in t-1). On a path (the EU) a non-candidate is at risk
  of candidacy; a candidate that has held the status for the required years is at risk of
  completion (fitted as a plain proportion).
* **At risk of exit**: a member in t-1 of a format still open in t.
* Covariates are taken in t-1 (alignment, the UN voting position of the panel; depth, the
  memberships of the same pole's other open formats), plus the format's founding year.

The record is the scenario's institution histories: the COW IGO memberships through 2014
(``igo_membership.csv``; :func:`cow_disagreements` lists where the scenario departs from
them) and the public record to 2019. The fit maximises the log-likelihood with a weak
Gaussian prior (standard deviation :data:`PRIOR_SD` on every coefficient) that only keeps
separated coefficients finite, by Newton's method. ``until`` keeps every trial after that
year out (honest forecasting); :func:`brier` scores hazards on held-out years.
``scripts/fit_memberships.py`` runs it and can write the estimates into the mechanism's
declared defaults. Depends on NumPy and the model compiler.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from multipolar.model.compile import CompiledModel, InstitutionRules
from multipolar.model.engine import _eligible as engine_eligible
from multipolar.model.mechanisms.institutions import (
    EXIT_BASE,
    POLE_BASE,
    exit_logit,
    join_logit,
    lean,
)

PRIOR_SD = 10.0
"""Standard deviation of the Gaussian prior on each coefficient (log-odds units)."""

JOIN_COEFS = ("join_base_east", "join_base_west", "join_lean", "join_depth", "join_founding",
              "red_line_hold")
EXIT_COEFS = ("exit_base_east", "exit_base_west", "exit_lean", "exit_depth")
COW_COLUMNS = {"CIS": "cis", "CSTO": "csto", "EurAsEC": "eaec", "SCO": "sco", "NATO": "nato",
               "EU": "eu"}


@dataclass
class Trials:
    """Country-years at risk: outcome, kind (join, exit, completion) and covariates."""

    kind: list[str] = field(default_factory=list)
    event: list[int] = field(default_factory=list)
    pole: list[int] = field(default_factory=list)
    lean: list[float] = field(default_factory=list)
    depth: list[float] = field(default_factory=list)
    founding: list[float] = field(default_factory=list)
    red_line: list[float] = field(default_factory=list)
    year: list[int] = field(default_factory=list)
    label: list[str] = field(default_factory=list)

    def add(self, kind: str, event: bool, pole: int, lean_: float, depth: float,
            founding: bool, year: int, label: str, red_line: bool = False) -> None:
        """Append one trial (``red_line``: an outside powers' red line holds it back)."""
        self.kind.append(kind)
        self.event.append(int(event))
        self.pole.append(pole)
        self.lean.append(lean_)
        self.depth.append(depth)
        self.founding.append(float(founding))
        self.red_line.append(float(red_line))
        self.year.append(year)
        self.label.append(label)

    def arrays(self, kind: str, years: tuple[int, int] | None = None) -> dict[str, np.ndarray]:
        """The trials of ``kind`` (in ``years``, inclusive) as arrays."""
        sel = np.array([k == kind for k in self.kind], dtype=bool)
        yr = np.array(self.year)
        if years is not None:
            sel &= (yr >= years[0]) & (yr <= years[1])
        return {name: np.asarray(getattr(self, name))[sel] if sel.size else np.zeros(0)
                for name in ("event", "pole", "lean", "depth", "founding", "red_line", "year",
                             "label")}


def _alignment(model: CompiledModel) -> np.ndarray:
    """Observed alignment ``(T, A)``, carried forward over gaps."""
    x = np.array(model.obs["un_alignment"], dtype=float)
    for t in range(1, x.shape[0]):
        x[t] = np.where(np.isfinite(x[t]), x[t], x[t - 1])
    return x


def _eligible(model: CompiledModel) -> np.ndarray:
    """``(A, I)`` bool: neighbours the model lets join each format (as the engine does)."""
    return np.stack([model.neighbours & engine_eligible(model, int(pole))
                     for pole in model.inst_pole], axis=1)


def trials(model: CompiledModel, until: int | None = None) -> Trials:
    """Every country-year at risk of accession, exit or completion up to ``until``."""
    rules = model.rules or InstitutionRules.free(model.n_years, len(model.actors),
                                                 len(model.institutions))
    last = model.observed_until if until is None else min(until, model.observed_until)
    hist, x, elig = model.member_hist, _alignment(model), _eligible(model)
    cand = rules.candidacy
    out = Trials()
    for t in range(1, model.n_years):
        year = int(model.years[t])
        if year > last:
            break
        for k, inst in enumerate(model.institutions):
            if not rules.open[t, k]:
                continue
            pole = int(model.inst_pole[k])
            same = np.flatnonzero((model.inst_pole == pole) & rules.open[t])
            same = same[same != k]
            bars = np.flatnonzero(model.inst_excl[k] | rules.supersedes[:, k])
            for j in np.flatnonzero(elig[:, k]):
                if not np.isfinite(x[t - 1, j]):
                    continue
                lab = f"{model.actors[j]} {inst} {year}"
                prev, now = hist[t - 1, j, k] > 0, hist[t, j, k] > 0
                le = float(lean(x[t - 1, j], pole == 1))
                depth = float((hist[t - 1, j, same] > 0).sum())
                if prev:
                    out.add("exit", not now, pole, le, depth, False, year, lab)
                    continue
                if rules.blocked[t, j, k] or (hist[t - 1, j, bars] > 0).any():
                    continue
                need = int(rules.path_years[k])
                if need and cand[t - 1, j, k] > 0:
                    if cand[t - 1, j, k] >= need:
                        out.add("completion", now, pole, le, depth, False, year, lab)
                    continue
                event = now or (need > 0 and cand[t, j, k] > 0)
                out.add("join", event, pole, le, depth, bool(rules.founding[t, k]), year, lab,
                        bool(rules.red_line[t, j, k]))
    return out


def _design(kind: str, a: dict[str, np.ndarray]) -> np.ndarray:
    """The design matrix of ``kind`` trials, columns in :data:`JOIN_COEFS` or EXIT_COEFS."""
    table, names = (EXIT_BASE, EXIT_COEFS) if kind == "exit" else (POLE_BASE, JOIN_COEFS)
    bases = [table[int(p)] for p in a["pole"]]
    base = np.array([[float(b == name) for name in names[:2]] for b in bases]).reshape(-1, 2)
    if kind == "exit":
        return np.column_stack([base, -a["lean"], a["depth"]])
    return np.column_stack([base, a["lean"], a["depth"], a["founding"], -a["red_line"]])


def _newton(X: np.ndarray, y: np.ndarray, sd: float) -> tuple[np.ndarray, np.ndarray]:
    """Penalised logistic ML by Newton's method: estimates and their standard errors."""
    beta = np.zeros(X.shape[1])
    prec = np.eye(X.shape[1]) / sd ** 2
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(X @ beta)))
        grad = X.T @ (y - p) - prec @ beta
        hess = X.T @ (X * (p * (1 - p))[:, None]) + prec
        step = np.linalg.solve(hess, grad)
        beta += step
        if np.abs(step).max() < 1e-10:
            break
    p = 1.0 / (1.0 + np.exp(-(X @ beta)))
    hess = X.T @ (X * (p * (1 - p))[:, None]) + prec
    return beta, np.sqrt(np.diag(np.linalg.inv(hess)))


@dataclass
class Fit:
    """Estimates (``values``), standard errors, trial and event counts, log-likelihood."""

    values: dict[str, float]
    se: dict[str, float]
    counts: dict[str, tuple[int, int]]
    loglik: float
    until: int


def fit(model: CompiledModel, until: int | None = None, sd: float = PRIOR_SD) -> Fit:
    """Fit the hazard coefficients on the trials up to ``until`` (default: observed_until)."""
    tr = trials(model, until)
    values: dict[str, float] = {}
    se: dict[str, float] = {}
    counts: dict[str, tuple[int, int]] = {}
    loglik = 0.0
    for kind, names in (("join", JOIN_COEFS), ("exit", EXIT_COEFS)):
        a = tr.arrays(kind)
        X, y = _design(kind, a), a["event"].astype(float)
        beta, err = _newton(X, y, sd)
        p = np.clip(1.0 / (1.0 + np.exp(-(X @ beta))), 1e-12, 1 - 1e-12)
        loglik += float(np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)))
        values.update(zip(names, beta.tolist(), strict=True))
        se.update(zip(names, err.tolist(), strict=True))
        counts[kind] = (int(y.size), int(y.sum()))
    c = tr.arrays("completion")["event"]
    values["completion"] = float(c.mean()) if c.size else 0.5
    se["completion"] = float(np.sqrt(values["completion"] * (1 - values["completion"])
                                     / max(c.size, 1)))
    counts["completion"] = (int(c.size), int(c.sum()))
    last = model.observed_until if until is None else min(until, model.observed_until)
    return Fit(values, se, counts, loglik, last)


def predict(kind: str, a: dict[str, np.ndarray], values: dict[str, float]) -> np.ndarray:
    """Hazards of the trials ``a`` under coefficients ``values`` (the mechanism's formulas)."""
    if kind == "completion":
        return np.full(a["event"].size, values["completion"])
    if kind == "exit":
        z = np.array([exit_logit(values, int(pl), le, d) for pl, le, d in
                      zip(a["pole"], a["lean"], a["depth"], strict=True)])
    else:
        z = np.array([join_logit(values, int(pl), le, d, f, 0.0) for pl, le, d, f in
                      zip(a["pole"], a["lean"], a["depth"], a["founding"], strict=True)])
        z = z - values.get("red_line_hold", 0.0) * a["red_line"]
    return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))


def brier(model: CompiledModel, until: int, values: dict[str, float] | None = None
          ) -> dict[str, dict[str, float]]:
    """Brier scores on the held-out trials after ``until``, against the base rate.

    The coefficients are fitted on trials up to ``until`` (unless ``values`` are given); the
    base rate is each kind's event share up to ``until``. Returns per kind ``brier``,
    ``base_rate_brier``, ``trials`` and ``events`` of the held-out years.
    """
    values = values or fit(model, until).values
    tr = trials(model)
    out: dict[str, dict[str, float]] = {}
    for kind in ("join", "exit"):
        held = tr.arrays(kind, (until + 1, 9999))
        train = tr.arrays(kind, (0, until))
        if not held["event"].size:
            continue
        y = held["event"].astype(float)
        rate = float(train["event"].mean()) if train["event"].size else 0.0
        out[kind] = {"brier": float(np.mean((predict(kind, held, values) - y) ** 2)),
                     "base_rate_brier": float(np.mean((rate - y) ** 2)),
                     "trials": float(y.size), "events": float(y.sum())}
    return out


def cow_disagreements(model: CompiledModel, path: Path, until: int = 2014) -> list[str]:
    """Actor-years where the scenario's full memberships differ from COW IGO codes.

    COW codes 1 (full) and 2 (associate) count as membership, as the scenario's ``full`` and
    ``associate`` statuses do; 3 (observer) does not. Only institutions COW codes are compared.
    """
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    out = []
    years = [int(y) for y in model.years]
    for r in rows:
        year, actor = int(r["year"]), r["country"]
        if year > until or year not in years or actor not in model.actors:
            continue
        t, j = years.index(year), model.actors.index(actor)
        for inst, col in COW_COLUMNS.items():
            if inst not in model.institutions or r.get(col) in (None, "", "-1"):
                continue
            cow = r[col] in ("1", "2")
            ours = bool(model.member_hist[t, j, model.institutions.index(inst)] > 0)
            if cow != ours:
                out.append(f"{actor} {inst} {year}: COW {r[col]}, scenario "
                           f"{'member' if ours else 'not a member'}")
    return out


def summary(f: Fit) -> dict[str, Any]:
    """A JSON-friendly summary of a fit."""
    return {"until": f.until, "values": f.values, "se": f.se, "loglik": f.loglik,
            "trials": {k: {"trials": n, "events": e} for k, (n, e) in f.counts.items()}}


def _param_path(name: str) -> str:
    """The scenario path of a fitted coefficient (the red-line hold is its own mechanism's)."""
    if name == "red_line_hold":
        return "mechanisms.red_lines.params.hold"
    return f"mechanisms.institutions.params.{name}"


def to_yaml(f: Fit, scenario: str, scores: dict[str, Any]) -> str:
    """A calibration file: the fit's figures and the overrides that apply its estimates."""
    doc = {"calibration": {"scenario": scenario, "until": f.until,
                           "objective": "likelihood of the observed accessions and exits",
                           "values": {k: round(v, 6) for k, v in f.values.items()},
                           "se": {k: round(v, 6) for k, v in f.se.items()},
                           "loglik": round(f.loglik, 4),
                           "trials": summary(f)["trials"], "brier_holdout": scores},
           "overrides": {_param_path(k): round(v, 6) for k, v in f.values.items()}}
    return yaml.safe_dump(doc, sort_keys=False, width=100)
