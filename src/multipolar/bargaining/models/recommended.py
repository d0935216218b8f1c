r"""The recommended model: a procedural Nash bargaining solution, calibrated on DEU.

It extends the Nash bargaining solution of :class:`~multipolar.bargaining.models.spatial.Nash`
(breakdown is every actor's worst point) with two effects argued from how EU law is made:

* **voting power is concave in votes**: an actor's bargaining power is
  :math:`c_i^{\alpha} s_i` rather than :math:`c_i s_i` (Penrose 1946's square-root law; Felsenthal
  & Machover 1998 on voting power under weighted QMV: a large member's influence grows more slowly
  than its vote weight);
* **procedure sets who bargains**: under the consultation procedure (``proc = CNS``) the
  European Parliament is consulted but cannot block, so its power is scaled by
  :math:`\varepsilon_{CNS}`; under co-decision (``COD``) it bargains at full weight (Tsebelis &
  Garrett 2000; Thomson et al. 2006, *The European Union Decides*, ch. 1–2).

So :math:`\hat x=\arg\max_x \sum_i \pi_i \log(u_i(x)-u_i(d_i))` with
:math:`\pi_i = c_i^{\alpha} s_i \cdot (\varepsilon_{CNS}` for the EP under CNS, else 1), linear
utilities, and :math:`d_i` the point of the scale farthest from actor *i*.

Rejected by cross-validation (see ``docs/explanation/bargaining.md``): a pull toward the
reference point under unanimity (it raised the error: DEU reference points often sit at an
end of the scale), a separate weight for the Commission's agenda power, and veto parity of
member states under unanimity. The defaults of :math:`\alpha` and :math:`\varepsilon_{CNS}`
were chosen on ``deu3_train.tsv`` only (``multipolar bargain cv``); cross-validation refits them
inside each training fold from :attr:`Recommended.grid`. Outside DEU (no ``proc`` column) the
procedure effect is off. Depends on NumPy and the Nash model.
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

import numpy as np

from multipolar.bargaining.issues import IssueSet
from multipolar.bargaining.models.base import BargainingModel, Outcome, register
from multipolar.bargaining.models.spatial import Nash
from multipolar.core.seeding import SeedLike


@register
class Recommended(BargainingModel):
    """Procedural Nash bargaining (module docstring); the model ``--model recommended``."""

    name = "recommended"
    summary = "procedural Nash: concave voting power, EP power by procedure (DEU-calibrated)"
    grid: ClassVar[dict[str, list[float]]] = {
        "alpha": [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0],
        "ep_consultation": [0.0, 0.25, 0.5, 1.0],
    }

    def __init__(self, alpha: float = 0.5, ep_consultation: float = 0.0,
                 ep_actor: str = "ep") -> None:
        self.alpha = alpha
        self.ep_consultation = ep_consultation
        self.ep_actor = ep_actor

    def params(self) -> dict[str, Any]:
        """Return the calibrated parameters."""
        return {"alpha": self.alpha, "ep_consultation": self.ep_consultation}

    def powers(self, issues: IssueSet) -> np.ndarray:
        """Bargaining power times :math:`1/s` (the capability the Nash model will use)."""
        cap = issues.capability ** self.alpha
        procs = issues.meta.get("proc")
        if procs is not None and self.ep_actor in issues.actors:
            k = issues.actors.index(self.ep_actor)
            cns = np.array([p.strip().upper() == "CNS" for p in procs])
            cap = cap.copy()
            cap[:, k] *= np.where(cns, self.ep_consultation, 1.0)
        return np.where(issues.mask, cap, 0.0)

    def run(self, issues: IssueSet, *, rounds: int | None = None,
            seed: SeedLike = None) -> Outcome:
        """Predict every issue with the procedural Nash solution."""
        view = copy.copy(issues)
        view.capability = self.powers(issues)
        pred = Nash("worst").predict(view)
        return self.static(issues, pred, **self.params())
