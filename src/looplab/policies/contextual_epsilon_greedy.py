"""Epsilon-greedy on a regression oracle.

Rule: p(a | x) = (1 - eps) 1[a = argmax_{b in A(x)} f(x, b)] + eps / |A(x)|.
Default eps = 0.1: the middle of the 0.05-0.2 range in the notes (section 4a) and the same
default as the finite-arm ``EpsilonGreedy``; fixed before any result was seen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from looplab.policies.contextual import CBState, ContextualPolicy, masked_argmax, one_hot
from looplab.remedies.exploration import mix_uniform


@dataclass(frozen=True)
class ContextualEpsilonGreedy(ContextualPolicy):
    """Greedy with probability 1 - epsilon, uniform over available actions otherwise."""

    epsilon: float = 0.1
    name: str = "epsilon_greedy"

    def __post_init__(self) -> None:
        super().__post_init__()
        if not 0.0 <= self.epsilon <= 1.0:
            raise ValueError(f"epsilon must be in [0, 1], got {self.epsilon}")

    def probabilities(
        self, st: CBState, X: np.ndarray, avail: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        greedy = masked_argmax(self.oracle.predict(st.oracle, X), avail)
        return mix_uniform(one_hot(greedy, avail.shape[-1]), avail, self.epsilon)
