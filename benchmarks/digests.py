"""Digests of every simulated array of nine fixed-seed runs: the check that an engine change
keeps every number (issue 25).

    python benchmarks/digests.py OUT.json            # write the digests of this code
    python benchmarks/digests.py --compare A.json B.json

Each run's actor and Russia outcomes, memberships and drawn parameters are hashed (SHA-1 of
the C-ordered bytes, with dtype and shape); the runs are the neighbourhood at 200 and 2,000
members, three of its hypotheses, a dated use of force, and the world at 120, 300 and 1,000
members (the last large enough for the random draws made in blocks). Run it with the code
before a change (``PYTHONPATH=OLD/src``) and after, and compare.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from typing import Any

CASES: tuple[tuple[str, str | None, list[str] | None, int, int], ...] = (
    ("russia-neighbourhood", None, None, 200, 1),
    ("russia-neighbourhood", None, None, 2000, 7),
    ("russia-neighbourhood", "bandwagoning", None, 150, 3),
    ("russia-neighbourhood", "opportunist", None, 150, 4),
    ("russia-world", None, None, 120, 1),
    ("russia-world", None, None, 300, 9),
    ("russia-world", None, None, 1000, 3),
    ("russia-neighbourhood", "conflict_blocks_accession", None, 300, 11),
    ("russia-neighbourhood", None, ["use_of_force:UKR@2022"], 300, 12),
)


def digests() -> dict[str, dict[str, str]]:
    import numpy as np

    from multipolar.model.api import compile_model, simulate
    from multipolar.scenario import load_scenario

    def digest(v: Any) -> str:
        return hashlib.sha1(np.ascontiguousarray(v).tobytes()).hexdigest() + str(v.dtype) \
            + str(v.shape)

    out: dict[str, dict[str, str]] = {}
    for scen, hyp, events, n, seed in CASES:
        kw: dict[str, Any] = {}
        if hyp:
            kw["hypothesis"] = hyp
        if events:
            kw["events"] = events
        r = simulate(compile_model(load_scenario(scen, **kw)), seed, 0, n)
        d = {f"{grp}.{k}": digest(v)
             for grp, dd in (("a", r.actor_outcomes), ("c", r.core_outcomes), ("p", r.params))
             for k, v in dd.items()}
        d["memberships"] = digest(r.memberships)
        out[f"{scen}|{hyp}|{events}|{n}|{seed}"] = d
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out", nargs="?", help="write the digests here")
    p.add_argument("--compare", nargs=2, metavar=("A", "B"), help="compare two digest files")
    a = p.parse_args()
    if a.compare:
        x, y = (json.loads(open(f).read()) for f in a.compare)
        diff = [f"{run} {k}" for run in sorted(set(x) | set(y))
                for k in sorted(set(x.get(run, {})) | set(y.get(run, {})))
                if x.get(run, {}).get(k) != y.get(run, {}).get(k)]
        print("identical" if not diff else "DIFFERENT:\n" + "\n".join(diff))
        sys.exit(1 if diff else 0)
    if not a.out:
        p.error("give OUT.json or --compare A B")
    d = digests()
    with open(a.out, "w") as f:
        json.dump(d, f, indent=1, sort_keys=True)
    print(f"{len(d)} runs, {sum(len(v) for v in d.values())} arrays -> {a.out}")


if __name__ == "__main__":
    main()
