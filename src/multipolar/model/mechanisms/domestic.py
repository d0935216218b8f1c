"""Regime security and recognition at home and abroad (A1, A2, D7, C5).

Depends on NumPy and :mod:`.base`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from multipolar.model.mechanisms._maths import clip
from multipolar.model.mechanisms.base import Mechanism, Outcome, Param, StateVar, register

if TYPE_CHECKING:
    from multipolar.model.state import StartContext, State, StepContext


@register
class DomesticLinkage(Mechanism):
    """Regime security and recognition at home and abroad (A1, A2, D7, C5).

    Regime security reverts towards ``security_norm`` (at ``security_reversion`` a year),
    rises with rents above the reference level and with a rally effect of assertion abroad
    (threat narratives), and falls as important neighbours drift West (the fear of contagion).
    Recognition moves towards a level set by ``recognition_base`` and regime security, minus
    the cost of assertion in Western eyes. That a loyal neighbourhood (alignment below
    ``loyal_threshold``) raises recognition abroad is the rival hypothesis
    ``loyal_neighbourhood_recognition`` (``sphere_gain`` above 0): seed 004 finds that Russia's
    post-Soviet policy has almost no international backing (``E4_no_support``), so
    ``sphere_gain`` is 0 by default. The two depend on each other (``A2_legitimacy_link``):
    security feeds
    recognition, and recognition above 0.5 feeds security back (``recognition_gain``).
    Both start at declared levels (``security_start``, ``recognition_start``).
    """

    name = "domestic_linkage"
    theory = ("A1", "A2", "D7", "C5")
    evidence = ("D7", "A2_legitimacy_link", "A2_legitimacy_loss", "C5", "C5_external_enemies",
                "C5_manufactured", "C5_hostile_images", "D5_eu_democracies", "E3")
    params = (
        Param("rent_gain", 0.2, "regime security gained per unit of capacity above 1",
              "security per capacity unit", (0.0, 2.0)),
        Param("contagion", 0.3, "regime security lost per unit of importance-weighted Western "
              "drift nearby", "security per alignment unit", (0.0, 2.0)),
        Param("rally", 0.1, "regime security gained from assertion abroad (threat narratives)",
              "security per assertion unit", (0.0, 2.0)),
        Param("recognition_rate", 0.2, "yearly adjustment of recognition", "share per year",
              (0.0, 1.0)),
        Param("sphere_gain", 0.0, "recognition from a loyal neighbourhood (0: the seeds' "
              "default; the hypothesis loyal_neighbourhood_recognition sets it)",
              "recognition per loyalty unit", (0.0, 2.0)),
        Param("assertion_cost", 0.5, "recognition lost per unit of mean assertion",
              "recognition per assertion unit", (0.0, 2.0)),
        Param("security_reversion", 0.2, "yearly pull of regime security back to its norm",
              "share per year", (0.0, 1.0)),
        Param("security_norm", 0.5, "regime security with no rents, drift or rally",
              "security", (0.0, 1.0)),
        Param("loyal_threshold", 0.3, "alignment below which a neighbour counts as loyal",
              "alignment", (-1.0, 1.0)),
        Param("recognition_base", 0.3, "recognition with no loyal neighbours, no security and "
              "no assertion", "recognition", (0.0, 1.0)),
        Param("security_weight", 0.3, "recognition gained per unit of regime security",
              "recognition per security unit", (0.0, 2.0)),
        Param("recognition_gain", 0.2, "regime security gained per unit of recognition above "
              "recognition_norm", "security per recognition unit", (0.0, 2.0)),
        Param("recognition_norm", 0.5, "recognition at which it neither adds to nor takes "
              "from regime security", "recognition", (0.0, 1.0)),
        Param("security_start", 0.5, "regime security in the first year", "security",
              (0.0, 1.0)),
        Param("recognition_start", 0.5, "recognition in the first year", "recognition",
              (0.0, 1.0)),
    )
    reads = ("alignment", "assertion", "capacity", "regime_security", "recognition")
    writes = ("regime_security", "recognition")
    context = ("population_share",)
    state = (StateVar("regime_security", "security of Russia's regime at home", (0.0, 1.0),
                      shape="russia"),
             StateVar("recognition", "Russia's recognition as a great power", (0.0, 1.0),
                      shape="russia"))
    outcomes = (Outcome("regime_security", "regime_security", kind="russia"),
                Outcome("recognition", "recognition", kind="russia"))

    @classmethod
    def start(cls, var: StateVar, init: StartContext) -> Any:
        """The declared starting levels."""
        key = "security_start" if var.name == "regime_security" else "recognition_start"
        return init.param(cls, key).astype(var.dtype)

    def step(self, st: State, cx: StepContext) -> None:
        """Update Russia's regime security and recognition."""
        p = cx.p
        w = cx.population_share / np.maximum(cx.population_share.sum(), 1e-9)
        west = (clip(st.alignment, 0.0, 1.0) * w).sum(axis=1)
        loyal = (clip(p["loyal_threshold"] - st.alignment, 0.0, 1.0) * w).sum(axis=1)
        mean_ass = (st.assertion * w).sum(axis=1)
        st.regime_security = clip(
            st.regime_security + p.member("security_reversion")
            * (p.member("security_norm") - st.regime_security)
            + p.member("rent_gain") * (st.capacity - 1.0)
            - p.member("contagion") * west
            + p.member("rally") * mean_ass
            + p.member("recognition_gain")
            * (st.recognition - p.member("recognition_norm")), 0.0, 1.0)
        target = clip(p.member("recognition_base") + p.member("sphere_gain") * loyal
                      + p.member("security_weight") * st.regime_security
                      - p.member("assertion_cost") * mean_ass, 0.0, 1.0)
        st.recognition += p.member("recognition_rate") * (target - st.recognition)
