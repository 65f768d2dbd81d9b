"""Uniform exploration with a supervised (ERM) model: the baseline of the Adyen paper.

Rule: p(a | x) = 1 / |A(x)| for every available action, always. The oracle is still fit
on the logs (empirical risk minimisation), so ``greedy_probabilities`` gives the policy
one would deploy from these uniform logs, for off-policy evaluation before deploying it.
Its online reward is the reference every exploiting policy should beat: the Adyen paper
(Vangara & Egg 2024) reports SquareCB against uniform exploration, which is stable but
earns less.
"""

from __future__ import annotations

import numpy as np

from looplab.core.streams import Stream
from looplab.policies.contextual import CBState, ContextualPolicy
from looplab.remedies.exploration import uniform_probs


class UniformERM(ContextualPolicy):
    """Uniform over available actions; ERM model trained on its logs (baseline)."""

    name: str = "uniform"

    def probabilities(
        self, st: CBState, X: np.ndarray, avail: np.ndarray, rng: Stream
    ) -> np.ndarray:
        return uniform_probs(avail)
