r"""A KTAB-style probabilistic Condorcet model (PCM) of bargaining over actors' positions.

Each round the actors' current positions are the options. Actor *i* (ideal point
:math:`\theta_i`, its round-0 position; weight :math:`w_i=c_i s_i`) values option *k* at
:math:`u_i(k)=1-|x_k-\theta_i|/(H-L)` and votes :math:`v_i(k{:}l)=w_i\,f(u_i(k)-u_i(l))` with the
vote function *f* (``proportional``: identity; ``binary``: sign). The coalition for *k* against
*l* has strength :math:`S_{kl}=\sum_i \max(0, v_i(k{:}l))`, and the victory-probability rule
gives :math:`P_{kl}`:

* ``linear`` (proportional): :math:`P_{kl}=S_{kl}/(S_{kl}+S_{lk})`;
* ``square`` (Lanchester): :math:`P_{kl}=S_{kl}^2/(S_{kl}^2+S_{lk}^2)`;
* ``binary`` (deterministic Condorcet): 1 if :math:`S_{kl}>S_{lk}`, 0 if less, ½ on ties.

The probability that option *k* prevails is then, with ``pcm="condorcet"``,
:math:`p_k\propto\prod_{l\ne k}P_{kl}` (it must beat every rival), or with ``pcm="markov"`` the
stationary distribution of the chain that moves from *l* to *k* with probability
:math:`P_{kl}/(N-1)` (Wise, Lumsdaine et al., KTAB documentation on "Markov" and "Condorcet"
PCEM variants; Abdollahian, Baranick, Efird & Kugler 2006 for the senturion lineage). The
expected outcome is :math:`E=\sum_k p_k x_k`.

Dynamics (stylised, not KTAB's full SMP bargaining): each actor moves a step toward the
round's focal point by :math:`x_i \leftarrow x_i+\gamma(1-s_i)(z-x_i)` — the less an actor
cares, the more it concedes. Deterministically *z* = *E*; with ``members > 0`` every member
draws the winning option :math:`z=x_k\sim p` in each round, vectorised over members and
issues, seeded by one ``seed``. The prediction is *E* after the last round (averaged over
members). Reference: Wise, Lumsdaine, Efird, Abdollahian & others, *KAPSARC Toolkit for
Behavioral Analysis (KTAB)*, KAPSARC 2015–2017; Condorcet (1785). Depends on NumPy, the
seeding helpers and the model contract.
"""

from __future__ import annotations

import numpy as np

from multipolar.bargaining.issues import IssueSet
from multipolar.bargaining.models.base import BargainingModel, Move, Outcome, register
from multipolar.core.seeding import SeedLike, as_generator

VP_RULES = ("linear", "square", "binary")
PCM_RULES = ("condorcet", "markov")
VOTE_FUNCTIONS = ("proportional", "binary")


def victory_probabilities(x: np.ndarray, ideal: np.ndarray, w: np.ndarray, span: np.ndarray,
                          vote: str = "proportional", vp: str = "linear") -> np.ndarray:
    """``P[b, k, l]``: probability that option ``k`` beats ``l`` (batch axis ``b``)."""
    u = 1.0 - np.abs(x[:, None, :] - ideal[:, :, None]) / span[:, None, None]  # (b, i, k)
    diff = u[:, :, :, None] - u[:, :, None, :]                                   # (b,i,k,l)
    if vote == "binary":
        diff = np.sign(diff)
    strength = np.einsum("bi,bikl->bkl", w, np.maximum(diff, 0.0))
    other = np.swapaxes(strength, 1, 2)
    if vp == "binary":
        p = np.where(strength > other, 1.0, np.where(strength < other, 0.0, 0.5))
    else:
        a, b = (strength, other) if vp == "linear" else (strength**2, other**2)
        tot = a + b
        p = np.divide(a, tot, out=np.full_like(a, 0.5), where=tot > 0)
    return p


def option_probabilities(p: np.ndarray, valid: np.ndarray, pcm: str = "condorcet") -> np.ndarray:
    """Probability ``(b, k)`` that each option prevails under the PCM rule ``pcm``."""
    n = p.shape[-1]
    pair = valid[:, :, None] & valid[:, None, :] & ~np.eye(n, dtype=bool)[None]
    if pcm == "condorcet":
        logp = np.where(pair, np.log(np.clip(p, 1e-300, 1.0)), 0.0).sum(axis=2)
        logp = np.where(valid, logp, -np.inf)
        logp -= logp.max(axis=1, keepdims=True)
        q = np.exp(logp)
    else:
        nv = valid.sum(axis=1)[:, None, None]
        trans = np.where(pair, p, 0.0) / np.maximum(nv - 1, 1)      # move l -> k: P[k, l]
        stay = 1.0 - trans.sum(axis=1)                              # column sums
        m = trans + np.eye(n)[None] * stay[:, None, :]
        q = np.where(valid, 1.0, 0.0) / nv[:, :, 0]
        for _ in range(200):
            q = np.einsum("bkl,bl->bk", m, q)
    q = np.where(valid, q, 0.0)
    return q / q.sum(axis=1, keepdims=True)


@register
class KtabPCM(BargainingModel):
    """KTAB-style probabilistic Condorcet model with victory-probability rules (module doc)."""

    name = "ktab-pcm"
    summary = "KTAB-style probabilistic Condorcet model (vote and victory-probability rules)"
    stochastic = True
    default_rounds = 10

    def __init__(self, vote: str = "proportional", vp: str = "linear", pcm: str = "condorcet",
                 members: int = 0, step: float = 0.5, chunk: int = 2_000_000) -> None:
        if vote not in VOTE_FUNCTIONS or vp not in VP_RULES or pcm not in PCM_RULES:
            raise ValueError(f"vote in {VOTE_FUNCTIONS}, vp in {VP_RULES}, pcm in {PCM_RULES}")
        self.vote, self.vp, self.pcm = vote, vp, pcm
        self.members, self.step, self.chunk = members, step, chunk

    def _expected(self, x: np.ndarray, ideal: np.ndarray, w: np.ndarray, span: np.ndarray,
                  valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = x.shape[1]
        per = max(1, self.chunk // max(n**3, 1))
        probs = np.empty_like(x)
        for a in range(0, x.shape[0], per):
            sl = slice(a, a + per)
            p = victory_probabilities(np.where(valid[sl], x[sl], 0.0), ideal[sl], w[sl],
                                      span[sl], self.vote, self.vp)
            probs[sl] = option_probabilities(p, valid[sl], self.pcm)
        return (probs * np.where(valid, x, 0.0)).sum(axis=1), probs

    def run(self, issues: IssueSet, *, rounds: int | None = None,
            seed: SeedLike = None) -> Outcome:
        """Play the rounds for every issue (and member); see the module docstring."""
        n_rounds = self.default_rounds if rounds is None else rounds
        mem = max(self.members, 1)
        ni, na = issues.n_issues, issues.n_actors
        valid = np.tile(issues.mask, (mem, 1))
        ideal = np.where(valid, np.tile(issues.position, (mem, 1)), 0.0)
        w = np.tile(issues.weight, (mem, 1))
        s = np.tile(issues.salience, (mem, 1))
        span = np.tile(issues.high - issues.low, mem)
        x = ideal.copy()
        draws = (as_generator(seed).random((n_rounds, mem * ni)) if self.members > 0
                 else np.zeros((n_rounds, mem * ni)))
        path = [x.reshape(mem, ni, na).mean(axis=0)]
        moves: list[Move] = []
        for t in range(n_rounds):
            e, probs = self._expected(x, ideal, w, span, valid)
            if self.members > 0:
                cdf = np.cumsum(probs, axis=1)
                k = np.minimum((cdf < draws[t][:, None]).sum(axis=1), na - 1)
                z = x[np.arange(x.shape[0]), k]
            else:
                z = e
            new = np.where(valid, x + self.step * (1 - s) * (z[:, None] - x), x)
            if self.members == 0:
                kbest = probs.argmax(axis=1)
                for i, a in zip(*np.nonzero(np.abs(new - x) > 1e-9), strict=True):
                    moves.append(Move(t + 1, int(i), int(a), int(kbest[i]), "concession",
                                      float(x[i, a]), float(new[i, a])))
            x = new
            path.append(x.reshape(mem, ni, na).mean(axis=0))
        e, _ = self._expected(x, ideal, w, span, valid)
        pred = e.reshape(mem, ni).mean(axis=0)
        positions = np.where(issues.mask[None], np.stack(path), np.nan)
        return Outcome(self.name, pred, positions, moves,
                       {"vote": self.vote, "vp": self.vp, "pcm": self.pcm,
                        "members": self.members})
