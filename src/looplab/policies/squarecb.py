"""SquareCB: inverse-gap weighting on a square-loss regression oracle.

Paper: D. Foster, A. Rakhlin, "Beyond UCB: Optimal and Efficient Contextual Bandits with
Regression Oracles", ICML 2020; the exploration studied at Adyen (Vangara & Egg,
arXiv 2412.00569).

Rule, per context x with available actions A(x) and predicted rewards f(x, a):
    b = argmax_{a in A(x)} f(x, a),   gap_a = f(x, b) - f(x, a)
    p_a = 1 / (|A(x)| + gamma_t * gap_a)   for a != b,      p_b = 1 - sum_{a != b} p_a
    gamma_t = gamma_scale * t ^ gamma_exponent,  t = decisions learned from so far
Defaults gamma_scale = 10, gamma_exponent = 0.5 are Vowpal Wabbit's (``--squarecb``:
``--gamma_scale 10 --gamma_exponent 0.5``; VW counts t as examples learned, as here).
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from looplab.core.streams import Stream
from looplab.policies.contextual import CBState, ContextualPolicy, masked_argmax


def squarecb_probabilities(pred: np.ndarray, avail: np.ndarray,
                           gamma: float | np.ndarray) -> np.ndarray:
    """(..., K) inverse-gap-weighted distribution over the available actions; ``gamma`` is
    a scalar or one value per replicate (leading axis of ``pred``)."""
    K = pred.shape[-1]
    gamma = np.asarray(gamma, dtype=np.float64)
    gamma = gamma.reshape(gamma.shape + (1,) * (pred.ndim - gamma.ndim))
    best = masked_argmax(pred, avail)
    best_pred = np.take_along_axis(pred, best[..., None], axis=-1)
    gap = np.maximum(best_pred - pred, 0.0)
    n_avail = avail.sum(axis=-1, keepdims=True)
    p = np.where(avail, 1.0 / (n_avail + gamma * gap), 0.0)
    is_best = best[..., None] == np.arange(K)
    p = np.where(is_best, 0.0, p)
    return np.where(is_best, 1.0 - p.sum(axis=-1, keepdims=True), p)


class SquareCB(ContextualPolicy):
    """SquareCB inverse-gap weighting (Foster & Rakhlin 2020), VW's gamma schedule."""

    gamma_scale: float = Field(10.0, gt=0.0, description="gamma_t = gamma_scale * t^exp")
    gamma_exponent: float = Field(0.5, ge=0.0, description="exponent of t in gamma_t")
    name: str = "squarecb"

    def gamma(self, st: CBState) -> np.ndarray:
        """(S,) gamma_t = gamma_scale * max(t, 1) ^ gamma_exponent, t per replicate."""
        return self.gamma_scale * np.maximum(st.n_learned, 1) ** self.gamma_exponent

    def probabilities(
        self, st: CBState, X: np.ndarray, avail: np.ndarray, rng: Stream
    ) -> np.ndarray:
        return squarecb_probabilities(self.oracle.predict(st.oracle, X), avail, self.gamma(st))
