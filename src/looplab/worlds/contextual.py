"""Shared pieces of contextual-bandit worlds (many items per round, an action per item):
the Bernoulli outcome of the chosen actions and the truth monitors read."""

from __future__ import annotations

import numpy as np

from looplab.core.streams import Stream
from looplab.core.types import Action, Observation, Outcome


def contextual_outcome(
    p: np.ndarray, action: Action, obs: Observation, rng: Stream,
    all_available: bool = False,
) -> Outcome:
    """Bernoulli rewards of the chosen actions, given (S, N, K) success probabilities.

    Truth holds every action's expected reward, the best available one per context, the
    chosen one's, and the observable log columns (features, avail) a channel may forward.
    An action outside the availability mask is a policy bug and raises. ``all_available``
    (worlds without action masks) skips the mask work.
    """
    avail = obs["avail"]
    arm = action.arm
    K = p.shape[-1]
    rows = np.arange(arm.size)
    flat_arm = arm.reshape(-1)
    if not all_available:
        ok = avail.reshape(-1, K)[rows, flat_arm]
        if not ok.all():
            raise ValueError(
                f"policy chose an unavailable action in {int((~ok).sum())} transactions"
            )
    chosen = p.reshape(-1, K)[rows, flat_arm].reshape(arm.shape)
    best = p.max(axis=-1) if all_available else np.where(avail, p, -np.inf).max(axis=-1)
    reward = (rng.random(chosen.shape) < chosen).astype(np.float64)
    truth = {
        "expected": p,
        "best": best,
        "chosen_expected": chosen,
        "features": obs["features"],
        "avail": avail,
    }
    return Outcome(reward=reward, truth=truth)
