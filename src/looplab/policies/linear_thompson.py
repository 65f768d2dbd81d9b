"""Linear Thompson sampling with disjoint per-action Gaussian posteriors.

Paper: S. Agrawal, N. Goyal, "Thompson Sampling for Contextual Bandits with Linear
Payoffs", ICML 2013.

Rule: draw theta~_a ~ N(theta_a, v^2 A_a^-1) for each available action and play the
argmax of theta~_a . x. For one context the sampled scores are independent normals,
s_a ~ N(m_a, v^2 x^T A_a^-1 x), so the probability of playing a is the 1-D integral
    P(a | x) = E_{z ~ N(0,1)} [ prod_{b != a} Phi((m_a + sd_a z - m_b) / sd_b) ]
computed by 16-node Gauss-Hermite quadrature; the action is then drawn from these
probabilities, which is the same distribution as sampling theta~ (up to quadrature error)
and makes every logged propensity the probability actually used. Default v = 1 as
MABWiser's LinTS (alpha = 1); the paper's theoretical v is far larger and not used in
practice.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field
from scipy.special import ndtr

from looplab.core.streams import Stream
from looplab.policies.contextual import CBState, ContextualPolicy
from looplab.policies.regression_oracles import RidgeOracle

_Z, _W = np.polynomial.hermite_e.hermegauss(16)
_W = _W / _W.sum()


def thompson_probabilities(mean: np.ndarray, sd: np.ndarray, avail: np.ndarray) -> np.ndarray:
    """(..., K) probability that each available action has the largest sampled score when
    scores are independent N(mean, sd^2); zero on unavailable actions, rows sum to 1."""
    sd = np.maximum(sd, 1e-12)
    K = mean.shape[-1]
    score = mean[..., :, None] + sd[..., :, None] * _Z  # (..., K_a, Q)
    arg = score[..., :, None, :] - mean[..., None, :, None]  # (..., K_a, K_b, Q)
    arg /= sd[..., None, :, None]
    # b = a and unavailable b do not compete: Phi(+inf) = 1
    skip = np.eye(K, dtype=bool) | ~avail[..., None, :]
    arg += np.where(skip, np.inf, 0.0)[..., None]
    cdf = ndtr(arg, out=arg)
    p = (cdf.prod(axis=-2) * _W).sum(axis=-1)
    p = np.where(avail, p, 0.0)
    return p / p.sum(axis=-1, keepdims=True)


class LinearThompson(ContextualPolicy):
    """Linear Thompson sampling (Agrawal & Goyal 2013), quadrature propensities."""

    oracle: RidgeOracle = RidgeOracle()  # needs the ridge posterior
    v: float = Field(1.0, gt=0.0, description="posterior scale")
    name: str = "lints"
    needs_variance: ClassVar[bool] = True

    def probabilities(
        self, st: CBState, X: np.ndarray, avail: np.ndarray, rng: Stream
    ) -> np.ndarray:
        mean = self.oracle.predict(st.oracle, X)
        var = self.oracle.variance(st.oracle, X)  # type: ignore[attr-defined]
        return thompson_probabilities(mean, self.v * np.sqrt(np.maximum(var, 0.0)), avail)
