"""Russia's capacity: hydrocarbon rents (B1) and what assertion costs the elite (B3, A3).

Depends on NumPy and :mod:`.base`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from multipolar.model.mechanisms._maths import clip
from multipolar.model.mechanisms.base import INF, Mechanism, Outcome, Param, StateVar, register

if TYPE_CHECKING:
    from multipolar.model.state import StartContext, State, StepContext


@register
class ResourceRents(Mechanism):
    """Russia's capacity to spend abroad follows hydrocarbon rents (B1).

    Capacity moves each year part of the way (``smoothing``) towards
    ``(oil / ref_price) ** elasticity``, so a windfall builds capacity over a few years and a
    price collapse erodes it. Capacity 1 means the rent level of the reference price. It
    starts at the rent level of the first year's oil price.
    """

    name = "resource_rents"
    theory = ("B1",)
    evidence = ("B1", "B1_windfall", "B1_eaeu_trade_2015", "D8_oil", "D8_crisis")
    params = (
        Param("ref_price", 50.0, "oil price at which capacity equals 1", "USD per barrel",
              (1.0, 500.0)),
        Param("elasticity", 0.7, "response of capacity to the oil price (log-log)", "-",
              (0.0, 3.0)),
        Param("smoothing", 0.5, "share of the gap to the new rent level closed each year", "-",
              (0.0, 1.0)),
    )
    reads = ("oil_price",)
    writes = ("capacity",)
    state = (StateVar("capacity", "Russia's capacity to spend abroad (1: the rents of the "
                      "reference price)", (0.0, INF), shape="russia"),)
    outcomes = (Outcome("capacity", "capacity", kind="russia"),)

    @classmethod
    def start(cls, var: StateVar, init: StartContext) -> Any:
        """The rent level of the first year's oil price."""
        oil0 = init.drivers["oil_price"]
        return init.full(var, (np.maximum(oil0, 1.0) / init.param(cls, "ref_price"))
                         ** init.param(cls, "elasticity"))

    def step(self, st: State, cx: StepContext) -> None:
        """Update ``st.capacity`` from this year's oil price."""
        p = cx.p
        target = (np.maximum(st.oil_price, 1.0) / p.member("ref_price")) ** \
            p.member("elasticity")
        st.capacity += p.member("smoothing") * (target - st.capacity)


@register
class EliteInterests(Mechanism):
    """Named assumption ``sanctions_cost``: assertion costs capacity (B3, A3).

    The passages say that the elite blends state office and business (``B3``) and that the
    energy firms want deals with Western partners while defending the status quo
    (``B3_energy_firms``, ``B3_status_quo``); none says that assertion costs Russia a share of
    its capacity. That link is this model's assumption, switchable with
    ``sanction_cost: 0``: the more Russia asserts itself towards neighbours the West cares
    about (those with an EU offer), the more of its capacity is lost to sanctions and lost
    markets (``sanction_cost``). Russian business expanding across Eurasia for profit
    (``B3_profit``) is not built (fidelity.md, section c: ``business_expansion``).
    """

    name = "elite_interests"
    theory = ("B3", "A3")
    evidence = ("B3", "B3_energy_firms", "B3_status_quo", "B3_interest_groups",
                "B1_fuel_energy_complex", "A3")
    params = (
        Param("sanction_cost", 0.15, "share of capacity lost at full assertion towards "
              "West-courted neighbours", "share of capacity", (0.0, 1.0)),
    )
    reads = ("assertion",)
    writes = ("capacity",)
    context = ("eu_eligibility",)

    def step(self, st: State, cx: StepContext) -> None:
        """Reduce capacity in proportion to assertion towards West-courted neighbours."""
        w = cx.eu_eligibility
        exposure = (st.assertion * w).sum(axis=1) / max(float(w.sum()), 1e-9)
        st.capacity *= 1.0 - cx.p.member("sanction_cost") * clip(exposure, 0.0, 1.0)
