"""Run the bundled flagship scenario from Python and print a few of its results.

The same as ``multipolar run --members 200 --end 2020 --seed 7``, without the CLI:
:func:`multipolar.ensemble.run_ensemble` simulates the ensemble and returns its summary
(quantiles of alignment per actor and year, membership probabilities). Prints one line per
actor shown and, last, a JSON line that ``tests/test_examples.py`` checks.

Run: ``python examples/run_scenario.py``
"""

from __future__ import annotations

import json

from multipolar.ensemble import RunSpec, run_ensemble


def main() -> dict[str, object]:
    """Simulate 200 members of the flagship to 2020; return what is printed as JSON."""
    spec = RunSpec(scenario="russia-neighbourhood", members=200, seed=7, end=2020)
    summary = run_ensemble(spec).summary
    shown = {}
    for actor in ("Belarus", "Ukraine", "Kazakhstan"):
        q = summary["alignment"][actor]["2020"]
        shown[actor] = q["median"]
        print(f"{actor:12} 2020 alignment median {q['median']:.2f} "
              f"(90% of members in {q['p05']:.2f} to {q['p95']:.2f}; 0 = votes like Russia)")
    result = {"members": summary["members"], "seed": summary["seed"],
              "last_year": summary["years"][-1], "median_2020": shown}
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
