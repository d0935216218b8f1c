"""The identification table of a pooled fit: how well the data pin down each parameter.

One row per fitted parameter (:mod:`multipolar.calibrate.identify`): the fitted value, the
values whose objective lies within the tolerance of the optimum (the plausible range), the
verdict, and the end of its search range that decided the value, if one did (the ranges and
the profiles themselves are in the JSON and the file). Depends on Rich only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich import box
from rich.table import Table

if TYPE_CHECKING:
    from multipolar.calibrate.identify import Identification


SHORT = {"identified": "yes", "weakly identified": "weakly", "not identified": "no (flat)"}
"""The verdicts (:mod:`multipolar.calibrate.identify`) as the table's column shows them."""


def _range(lo: float, hi: float) -> str:
    return f"{lo:.2g}..{hi:.2g}"


def identification_table(ident: Identification) -> Table:
    """The table (80 columns: the parameter names are not wrapped)."""
    how = ("the others at their fit" if ident.method == "fixed"
           else "the others searched again")
    t = Table(title=f"identification: error along each parameter ({how})",
              box=box.SIMPLE_HEAD, padding=(0, 1))
    t.add_column("parameter", no_wrap=True)
    t.add_column("fitted", justify="right", no_wrap=True)
    t.add_column("plausible", justify="right", no_wrap=True)
    t.add_column("identified", no_wrap=True)
    t.add_column("bound", no_wrap=True)
    for name, p in ident.parameters.items():
        plausible = "all" if p.plausible is None else _range(*p.plausible)
        t.add_row(name, f"{p.fitted:.3g}", plausible, SHORT.get(p.status, p.status),
                  p.at_bound or "")
    return t


def identification_note(ident: Identification) -> str:
    """What the table's words mean, with the tolerance and the cost."""
    worse = [k for k, p in ident.parameters.items() if p.below_optimum > ident.tolerance]
    note = ("bound: the fitted value sits at that end of its search range, which decided it "
            "(the data would go further); the ranges and profiles are in --json and the file. "
            f"plausible: values whose MAE is within {ident.tolerance:.4f} of the optimum "
            f"{ident.optimum:.4f} (the larger of {100 * ident.relative:.1f}% of it and its "
            f"Monte Carlo noise, {ident.noise:.4f}); not identified (flat): the MAE stays "
            "within that over the whole range; weakly: the plausible values cover half the "
            f"range or more. {ident.evaluations} evaluations.")
    if worse:
        note += (" The search stopped short along " + ", ".join(worse) + ": a point on its "
                 "profile fits better than the fit (raise --maxiter).")
    return note
