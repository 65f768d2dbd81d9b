"""Epsilon-greedy on a regression oracle.

Rule: p(a | x) = (1 - eps) 1[a = argmax_{b in A(x)} f(x, b)] + eps / |A(x)|.
Default eps = 0.1: the middle of the 0.05-0.2 range commonly used for epsilon-greedy
baselines in production bandits, and the same
default as the finite-arm ``EpsilonGreedy``; fixed before any result was seen.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from looplab.core.streams import Stream
from looplab.policies.contextual import CBState, ContextualPolicy, masked_argmax, one_hot
from looplab.remedies.exploration import mix_uniform


class ContextualEpsilonGreedy(ContextualPolicy):
    """Greedy w.p. 1 - epsilon, else uniform over available actions."""

    epsilon: float = Field(0.1, ge=0.0, le=1.0, description="exploration probability")
    name: str = "epsilon_greedy"

    def probabilities(
        self, st: CBState, X: np.ndarray, avail: np.ndarray, rng: Stream
    ) -> np.ndarray:
        greedy = masked_argmax(self.oracle.predict(st.oracle, X), avail)
        return mix_uniform(one_hot(greedy, avail.shape[-1]), avail, self.epsilon)
