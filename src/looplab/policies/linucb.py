"""LinUCB with disjoint linear models.

Paper: L. Li, W. Chu, J. Langford, R. Schapire, "A Contextual-Bandit Approach to
Personalized News Article Recommendation", WWW 2010 (Algorithm 1).

Rule, per context x and available action a, with the ridge oracle's A_a and theta_a:
    a_t = argmax_a  theta_a . x + alpha * sqrt(x^T A_a^-1 x)
    A_a <- A_a + x x^T,  b_a <- b_a + r x     (Sherman-Morrison on A_a^-1, O(d^2))
Vectorized over replicates: one call scores every (replicate, context, action) with
batched matrix products. Defaults alpha = 1 and l2 = 1 are MABWiser's (the peer it is
benchmarked against). Deterministic: logged propensity 1.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field

from looplab.policies.contextual import CBState, ContextualPolicy
from looplab.policies.regression_oracles import RidgeOracle


class LinUCB(ContextualPolicy):
    """LinUCB (Li et al. 2010): ridge mean + alpha * posterior sd."""

    oracle: RidgeOracle = RidgeOracle()  # needs the ridge posterior
    alpha: float = Field(1.0, ge=0.0, description="width multiplier of the bonus")
    name: str = "linucb"
    deterministic: ClassVar[bool] = True
    needs_variance: ClassVar[bool] = True

    def index(self, st: CBState, X: np.ndarray) -> np.ndarray:
        var = self.oracle.variance(st.oracle, X)  # type: ignore[attr-defined]
        return self.oracle.predict(st.oracle, X) + self.alpha * np.sqrt(np.maximum(var, 0.0))
