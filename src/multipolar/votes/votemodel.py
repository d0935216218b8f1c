"""A multinomial vote model: yes / abstain / no / absent on a resolution against Russian force.

The probability that state *i* casts outcome *k* on a resolution of kind *c* is a softmax of
``a_k + b_kc + x_i . w_k`` with ``yes`` as the reference outcome (its score is 0). ``x_i`` are the
state quantities of :mod:`multipolar.votes.features` (continuous ones standardised on the
training rows), plus indicators of the seed-002 group. ``b_kc`` are kind effects (e.g. the 2014
territorial-integrity vote drew more yes votes than the displaced-persons votes). All
coefficients except the intercepts ``a_k`` carry a ridge (Gaussian prior) penalty of fixed
strength :data:`RIDGE`, chosen before looking at any vote. The fit is the penalised maximum
likelihood (L-BFGS); its inverse Hessian is the covariance used to draw parameter uncertainty.
Depends on NumPy and SciPy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import minimize
from scipy.special import logsumexp

N_CLASSES = 4
RIDGE = 2.0
"""Penalty: 0.5 * RIDGE * sum of squared coefficients (about a N(0, 0.7^2) prior)."""


@dataclass
class VoteModel:
    """A fitted vote model (everything needed to predict, and to save as JSON)."""

    names: list[str]
    scaled: list[bool]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # (1 + d, K - 1): intercept row first
    cov: np.ndarray  # ((1 + d) * (K - 1),) squared: covariance of coef.ravel()
    meta: dict[str, Any] = field(default_factory=dict)

    def design(self, x: np.ndarray) -> np.ndarray:
        """Standardised design matrix with a leading column of ones."""
        z = (np.asarray(x, dtype=float) - self.mean) / self.scale
        return np.column_stack([np.ones(len(z)), z])

    def probs(self, x: np.ndarray, coef: np.ndarray | None = None) -> np.ndarray:
        """Outcome probabilities, shape ``(n, 4)``; ``coef`` may be a stack ``(m, 1+d, K-1)``."""
        z = self.design(x)
        c = self.coef if coef is None else coef
        scores = z @ c if c.ndim == 2 else np.einsum("nd,mdk->mnk", z, c)
        full = np.concatenate([np.zeros((*scores.shape[:-1], 1)), scores], axis=-1)
        return np.exp(full - logsumexp(full, axis=-1, keepdims=True))

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping (see :func:`from_json`)."""
        return {"names": self.names, "scaled": self.scaled, "mean": self.mean.tolist(),
                "scale": self.scale.tolist(), "coef": self.coef.tolist(),
                "cov": self.cov.tolist(), "meta": self.meta}


def from_json(obj: dict[str, Any]) -> VoteModel:
    """Rebuild a :class:`VoteModel` from :meth:`VoteModel.to_json` output."""
    return VoteModel(list(obj["names"]), list(obj["scaled"]), np.asarray(obj["mean"]),
                     np.asarray(obj["scale"]), np.asarray(obj["coef"]),
                     np.asarray(obj["cov"]), dict(obj.get("meta", {})))


def _objective(theta: np.ndarray, z: np.ndarray, onehot: np.ndarray,
               pen: np.ndarray) -> tuple[float, np.ndarray]:
    w = theta.reshape(z.shape[1], N_CLASSES - 1)
    scores = np.column_stack([np.zeros(len(z)), z @ w])
    lse = logsumexp(scores, axis=1, keepdims=True)
    nll = float(np.sum(lse[:, 0] - np.sum(scores * onehot, axis=1)))
    p = np.exp(scores - lse)
    grad = z.T @ (p - onehot)[:, 1:]
    nll += 0.5 * RIDGE * float(np.sum(pen[:, None] * w * w))
    grad += RIDGE * pen[:, None] * w
    return nll, grad.ravel()


def _hessian(w: np.ndarray, z: np.ndarray, pen: np.ndarray) -> np.ndarray:
    scores = np.column_stack([np.zeros(len(z)), z @ w])
    p = np.exp(scores - logsumexp(scores, axis=1, keepdims=True))[:, 1:]
    k = N_CLASSES - 1
    eye = np.eye(k)
    wts = p[:, :, None] * eye[None] - p[:, :, None] * p[:, None, :]  # (n, k, k)
    h = np.einsum("nab,nj,nl->jalb", wts, z, z).reshape(z.shape[1] * k, z.shape[1] * k)
    h += np.diag(np.repeat(RIDGE * pen, k))
    return np.asarray(h)


def fit(x: np.ndarray, y: np.ndarray, names: list[str], scaled: list[bool],
        penalised: list[bool] | None = None, meta: dict[str, Any] | None = None) -> VoteModel:
    """Fit the penalised multinomial model to rows ``x`` (n, d) with outcomes ``y`` in 0..3."""
    x = np.asarray(x, dtype=float)
    sc = np.asarray(scaled, dtype=bool)
    mean = np.where(sc, x.mean(axis=0), 0.0)
    sd = x.std(axis=0)
    scale = np.where(sc & (sd > 1e-9), sd, 1.0)
    model = VoteModel(list(names), list(scaled), mean, scale,
                      np.zeros((1 + x.shape[1], N_CLASSES - 1)), np.zeros((0, 0)), meta or {})
    z = model.design(x)
    onehot = np.eye(N_CLASSES)[np.asarray(y, dtype=int)]
    pen = np.concatenate([[0.0], np.ones(x.shape[1]) if penalised is None
                          else np.asarray(penalised, dtype=float)])
    res = minimize(_objective, np.zeros(z.shape[1] * (N_CLASSES - 1)), jac=True,
                   args=(z, onehot, pen), method="L-BFGS-B",
                   options={"maxiter": 2000, "gtol": 1e-7})
    w = res.x.reshape(z.shape[1], N_CLASSES - 1)
    h = _hessian(w, z, pen)
    cov = np.linalg.pinv(h)
    model.coef = w
    model.cov = 0.5 * (cov + cov.T)
    model.meta = {**model.meta, "n_rows": len(x), "converged": bool(res.success),
                  "neg_log_lik": float(res.fun)}
    return model


def cov_root(model: VoteModel) -> np.ndarray:
    """``L`` with ``L @ L.T == model.cov`` (eigen-decomposition), made once per covariance.

    The decomposition is the costliest step of a chunk of coalition members (about 0.2 s for
    the bundled fit); kept on the model, chunks cost the same whatever their size. A new
    ``cov`` (another array) is decomposed afresh.
    """
    cached = model.__dict__.get("_cov_root")
    if cached is not None and cached[0] is model.cov:
        return np.asarray(cached[1])
    vals, vecs = np.linalg.eigh(model.cov)
    root = vecs * np.sqrt(np.clip(vals, 0.0, None))
    model.__dict__["_cov_root"] = (model.cov, root)
    return root


def draw_coefs(model: VoteModel, normals: np.ndarray) -> np.ndarray:
    """Coefficient draws ``(m, 1+d, K-1)`` from standard normals ``(m, (1+d)*(K-1))``."""
    root = cov_root(model)
    flat = model.coef.ravel()[None, :] + normals @ root.T
    return flat.reshape(len(normals), *model.coef.shape)
