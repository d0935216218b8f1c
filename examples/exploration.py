"""An exploration: the levers that move Belarus's alignment in 2020 the most.

A small Latin-hypercube design over the scenario's levers (the same as ``multipolar explore
--design lhs --n 24 --uncertainties levers``), each row a short ensemble; prints the levers
ranked by rank correlation with the outcome, then a JSON line that ``tests/test_examples.py``
checks.

Run: ``python examples/exploration.py``
"""

from __future__ import annotations

import json

from multipolar.explore.runner import ExploreSpec, explore

OUTCOME = "alignment[Belarus][2020]"


def main() -> dict[str, object]:
    """Run the design; return the ranking and the number of rows."""
    spec = ExploreSpec(design="lhs", n=24, uncertainties="levers", outcomes=(OUTCOME,),
                       seed=5, end=2020)
    summary = explore(spec)
    analysis = summary["analyses"][OUTCOME]
    names = analysis["scores"]["names"]
    rho = dict(zip(names, analysis["scores"]["spearman"], strict=True))
    for name in analysis["ranking"][:5]:
        print(f"{name:40} rank correlation {rho[name]:+.2f}")
    result = {"rows": summary["design"]["rows"], "ranking": analysis["ranking"],
              "spearman": rho}
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
