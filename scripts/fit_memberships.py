"""Fit the membership hazards of the ``institutions`` mechanism on the observed record.

Usage::

    PYTHONPATH=src python scripts/fit_memberships.py [--until 2019] [--holdout 2012]
                                                     [--json] [--write]

Prints the maximum-likelihood estimates (with standard errors, trial and event counts), the
Brier score of hazards fitted up to ``--holdout`` on the later years against the base rate,
and where the scenario's histories depart from the COW IGO data through 2014. ``--write``
puts the estimates (rounded to 3 decimals) into ``FITTED`` in
``src/multipolar/model/mechanisms/institutions.py``, the mechanism's declared defaults.
See docs/explanation/calibration.md ("Membership hazards"). Depends on multipolar.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from multipolar.calibrate.memberships import brier, cow_disagreements, fit, summary
from multipolar.data import data_path
from multipolar.model.compile import compile_model
from multipolar.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "src/multipolar/model/mechanisms/institutions.py"


def _write(values: dict[str, float]) -> None:
    """Replace the ``FITTED`` mapping in the mechanism's module with ``values``."""
    text = TARGET.read_text(encoding="utf-8")
    items = [f'"{k}": {round(v, 3)!r}' for k, v in values.items()]
    lines, line = [], "FITTED = {"
    for item in items:
        if len(line) + len(item) + 2 > 92:
            lines.append(line.rstrip())
            line = "          "
        line += item + ", "
    lines.append(line.rstrip(", ") + "}")
    new, n = re.subn(r"FITTED = \{.*?\}\n", "\n".join(lines) + "\n", text, count=1,
                     flags=re.S)
    if n != 1:
        raise SystemExit(f"no FITTED mapping found in {TARGET}")
    TARGET.write_text(new, encoding="utf-8")


def spans(lines: list[str]) -> list[str]:
    """Group ``actor inst year: text`` lines into year spans per actor, institution and text."""
    groups: dict[tuple[str, str], list[int]] = {}
    for line in lines:
        head, text = line.split(": ", 1)
        who, year = head.rsplit(" ", 1)
        groups.setdefault((who, text), []).append(int(year))
    out = []
    for (who, text), years in groups.items():
        lo, hi = min(years), max(years)
        span = f"{lo}" if lo == hi else f"{lo}-{hi}"
        gaps = "" if hi - lo + 1 == len(years) else f" ({len(years)} years)"
        out.append(f"{who} {span}{gaps}: {text}")
    return out


def main() -> None:
    """Run the fit and print (or write) its results."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="russia-neighbourhood")
    ap.add_argument("--until", type=int, default=None, help="last year the fit may use")
    ap.add_argument("--holdout", type=int, default=2012,
                    help="fit up to this year and score the later years (Brier)")
    ap.add_argument("--json", action="store_true", help="print JSON")
    ap.add_argument("--write", action="store_true",
                    help="write the estimates as the mechanism's declared defaults")
    args = ap.parse_args()
    model = compile_model(load_scenario(args.scenario))
    result = fit(model, args.until)
    report = summary(result)
    report["brier_holdout"] = {"fit_until": args.holdout, **brier(model, args.holdout)}
    report["cow_disagreements"] = cow_disagreements(model, data_path("igo_membership.csv"))
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"membership hazards fitted on 1993-{result.until} "
              f"(log-likelihood {result.loglik:.2f})")
        for k, v in result.values.items():
            print(f"  {k:18s} {v:8.3f}  (se {result.se[k]:.3f})")
        for k, (n, e) in result.counts.items():
            print(f"  {k}: {n} country-years at risk, {e} events")
        for k, b in report["brier_holdout"].items():
            if isinstance(b, dict):
                print(f"  held-out {k} after {args.holdout}: Brier {b['brier']:.4f} "
                      f"(base rate {b['base_rate_brier']:.4f}; {int(b['trials'])} trials, "
                      f"{int(b['events'])} events)")
        print(f"  actor-years where the scenario departs from COW IGO through 2014: "
              f"{len(report['cow_disagreements'])}")
        for line in spans(report["cow_disagreements"]):
            print(f"    {line}")
    if args.write:
        _write(result.values)
        print(f"written to {TARGET.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
