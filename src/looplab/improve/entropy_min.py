"""Entropy minimisation alone: gradient descent on the policy's exact entropy, with no
reward (the "suppress exploration" mechanism Chen et al. 2025, "Exploration v.s.
Exploitation: Rethinking RLVR through Clipping, Entropy, and Spurious Reward", test against
spurious rewards; cf. Agarwal et al. 2025, "The unreasonable effectiveness of entropy
minimization").

Update: theta <- theta - lr * grad_theta mean_p H(pi(. | p)), with the exact softmax
entropy gradient dH/dz_m = -pi_m (log pi_m + H) in logit space. No samples are drawn
(``samples_used`` = 0), so only the sharpening itself acts on accuracy.
"""

from __future__ import annotations

import numpy as np

from looplab.core.streams import Stream
from looplab.improve.rule import Info, Rule, State
from looplab.improve.tasks import Task


class EntropyMin(Rule):
    """Entropy minimisation: descend the exact policy entropy, no reward at all."""

    def step(self, task: Task, state: State, rng: Stream) -> tuple[State, Info]:
        """One exact step down the entropy."""
        probs = task.probs(state["theta"])
        logp = np.log(np.maximum(probs, 1e-300))
        H = -(probs * logp).sum(-1, keepdims=True)
        W = probs * (logp + H)  # = -dH/dz: ascending it lowers H
        return ({**state, "theta": self.ascend(task, state["theta"], W)},
                {"samples_used": np.asarray(0.0)})
