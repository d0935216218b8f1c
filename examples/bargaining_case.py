"""A bargaining case: who gets what in the Belarus gas-price issue.

Loads the bundled issue file ``belarus-gas-price`` (actors, positions on the issue's scale,
salience, capability), runs the compromise model and the expected-utility model (``bdm``),
and prints each prediction on the issue's scale. The last line is JSON that
``tests/test_examples.py`` checks.

Run: ``python examples/bargaining_case.py``
"""

from __future__ import annotations

import json

from multipolar.bargaining import load_issues, outcome_dict, run


def main() -> dict[str, object]:
    """Run two models on the Belarus gas-price issue; return their predictions."""
    issues = load_issues("belarus-gas-price")
    positions = [float(p) for p in issues.position[0]]
    predicted = {}
    for model in ("compromise", "bdm"):
        _, outcome = run(issues, model, seed=0)
        predicted[model] = float(outcome_dict(issues, outcome)["predicted"])
        print(f"{model:10} predicts {predicted[model]:.1f} on the issue's scale, per cent of "
              f"the European gas price (positions run from {min(positions):.0f} to "
              f"{max(positions):.0f})")
    result = {"actors": list(issues.actors), "low": min(positions), "high": max(positions),
              "predicted": predicted}
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
