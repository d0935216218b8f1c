"""Fail when a benchmark ratio dropped by more than 30% against the release's stored report.

    python benchmarks/guard.py REFERENCE.json NEW.json [--tolerance 0.30]

Both files are reports of ``benchmarks/run.py --save`` (``make bench`` writes
benchmarks/reports/latest.json; the release's is benchmarks/reports/release.json). Each
report's ``ratios`` holds ``{name: {"value": x, "better": "higher" | "lower"}}``: ratios
measured within one run (multipolar against the Mesa peer, ``run`` against the model
alone...), never absolute times, so that a slower or busier machine moves both sides. Only
the ratios marked ``guard`` are judged, the CPU-time ones (on a busy machine the wall time
includes waiting for a core, which moves wall-time ratios by more than 30%); ``--wall``
judges every ratio.
A ratio whose better direction is ``higher`` fails below ``(1 - tolerance) * reference``; one
whose better direction is ``lower`` fails above ``reference / (1 - tolerance)``. Ratios in
only one of the two reports are listed and not judged. Exit status 1 on any failure.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

TOLERANCE = 0.30
"""The largest accepted drop of a ratio (30%), in its better direction."""


def compare(reference: dict[str, Any], new: dict[str, Any], tolerance: float = TOLERANCE,
            wall: bool = False) -> list[dict[str, Any]]:
    """One row per ratio: name, reference, new, limit and ``ok``.

    ``ok`` is None for a ratio that only one report has. Only the ratios a report marks
    ``guard`` (CPU-time ratios) are compared, unless ``wall``.
    """
    ref_r, new_r = reference.get("ratios") or {}, new.get("ratios") or {}
    if not wall:
        ref_r = {k: v for k, v in ref_r.items() if v.get("guard", True)}
        new_r = {k: v for k, v in new_r.items() if v.get("guard", True)}
    rows = []
    for name in sorted(set(ref_r) | set(new_r)):
        a, b = ref_r.get(name), new_r.get(name)
        row: dict[str, Any] = {"name": name, "reference": a and a["value"],
                               "new": b and b["value"], "ok": None, "limit": None}
        if a is not None and b is not None:
            better = a.get("better", "higher")
            if better not in ("higher", "lower"):
                raise ValueError(f"ratio {name}: 'better' must be 'higher' or 'lower', "
                                 f"not {better!r}")
            if better == "higher":
                row["limit"] = a["value"] * (1.0 - tolerance)
                row["ok"] = b["value"] >= row["limit"]
            else:
                row["limit"] = a["value"] / (1.0 - tolerance)
                row["ok"] = b["value"] <= row["limit"]
            row["better"] = better
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("reference", type=Path)
    p.add_argument("new", type=Path)
    p.add_argument("--tolerance", type=float, default=TOLERANCE)
    p.add_argument("--wall", action="store_true",
                   help="judge the wall-time ratios too (meaningful on an idle machine)")
    a = p.parse_args(argv)
    try:
        ref, new = (json.loads(f.read_text(encoding="utf-8")) for f in (a.reference, a.new))
    except (OSError, ValueError) as exc:
        print(f"error: cannot read a report ({exc}); fix: run `make bench` (or "
              "`python benchmarks/run.py --only guard --save FILE`) first", file=sys.stderr)
        return 2
    rows = compare(ref, new, a.tolerance, a.wall)
    judged = [r for r in rows if r["ok"] is not None]
    print(f"{'ratio':<36} {'reference':>10} {'now':>10} {'limit':>10}  verdict")
    for r in rows:
        if r["ok"] is None:
            have = "reference only" if r["new"] is None else "new only"
            print(f"{r['name']:<36} {'':>10} {'':>10} {'':>10}  not judged ({have})")
            continue
        print(f"{r['name']:<36} {r['reference']:10.3g} {r['new']:10.3g} {r['limit']:10.3g}  "
              f"{'ok' if r['ok'] else 'DROPPED'} ({r['better']} is better)")
    failed = [r["name"] for r in judged if not r["ok"]]
    load = new.get("load_average_start"), new.get("load_average_end")
    print(f"machine load during the new report: {load[0]} at start, {load[1]} at the end")
    if not judged:
        print("error: no ratio in common between the two reports", file=sys.stderr)
        return 1
    if failed:
        print(f"FAILED: {len(failed)} ratio(s) dropped by more than {a.tolerance:.0%}: "
              f"{', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"all {len(judged)} ratios within {a.tolerance:.0%} of the reference")
    return 0


if __name__ == "__main__":
    sys.exit(main())
