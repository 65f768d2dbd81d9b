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

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from looplab.policies.contextual import CBState, ContextualPolicy


@dataclass(frozen=True)
class LinUCB(ContextualPolicy):
    """Optimism in the face of uncertainty with a per-action ridge model."""

    alpha: float = 1.0
    name: str = "linucb"
    deterministic: ClassVar[bool] = True
    needs_variance: ClassVar[bool] = True

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.alpha < 0:
            raise ValueError(f"alpha must be >= 0, got {self.alpha}")

    def index(self, st: CBState, X: np.ndarray) -> np.ndarray:
        var = self.oracle.variance(st.oracle, X)  # type: ignore[attr-defined]
        return self.oracle.predict(st.oracle, X) + self.alpha * np.sqrt(np.maximum(var, 0.0))
