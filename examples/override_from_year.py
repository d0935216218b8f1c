"""An override from a year on: Russia turns more assertive from 2014.

``--set 'levers.russia_assertion=0.9@2014'`` on the command line; here the same override is
passed to :class:`multipolar.ensemble.RunSpec`. The years before 2014 are identical to the run
without the override (same seed, same members); from 2014 on they may differ. Prints the mean
absolute difference of the median alignment before and after 2014, then a JSON line that
``tests/test_examples.py`` checks.

Run: ``python examples/override_from_year.py``
"""

from __future__ import annotations

import json

from multipolar.ensemble import RunSpec, run_ensemble

OVERRIDE = "levers.russia_assertion=0.9@2014"


def medians(sets: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """Median alignment per actor and year for 150 members, with ``sets`` applied."""
    spec = RunSpec(scenario="russia-neighbourhood", members=150, seed=11, end=2025, sets=sets)
    summary = run_ensemble(spec).summary
    return {a: {y: q["median"] for y, q in by_year.items()}
            for a, by_year in summary["alignment"].items()}


def main() -> dict[str, float]:
    """Compare the run with the override to the run without; return the two differences."""
    base, changed = medians(()), medians((OVERRIDE,))
    before, after = [], []
    for actor, by_year in base.items():
        for year, value in by_year.items():
            diff = abs(changed[actor][year] - value)
            (before if int(year) < 2014 else after).append(diff)
    result = {"before_2014": sum(before) / len(before), "from_2014": sum(after) / len(after)}
    print(f"{OVERRIDE}: mean |change| of median alignment before 2014 "
          f"{result['before_2014']:.4f}, from 2014 on {result['from_2014']:.4f}")
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
