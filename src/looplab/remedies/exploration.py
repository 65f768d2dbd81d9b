"""Exploration remedy: a small always-uniform slice of traffic.

With share eps, a transaction is served uniformly at random among its available actions;
otherwise by the policy. The logged propensity is the mixture's:
    p'(a | x) = (1 - eps) p(a | x) + eps / |A(x)|
so every available action keeps probability >= eps / |A(x)| in the logs (a 1-5% slice of
traffic is the usual production choice: small enough to cost little reward).
"""

from __future__ import annotations

import numpy as np


def uniform_probs(avail: np.ndarray) -> np.ndarray:
    """(..., K) uniform distribution over each row's available actions."""
    a = avail.astype(np.float64)
    return a / a.sum(axis=-1, keepdims=True)


def mix_uniform(probs: np.ndarray, avail: np.ndarray, share: float) -> np.ndarray:
    """(1 - share) probs + share * uniform over available actions."""
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"uniform share must be in [0, 1], got {share}")
    if share == 0.0:
        return probs
    return (1.0 - share) * probs + share * uniform_probs(avail)
