"""Negative-sample reinforcement only (NSR; Zhu et al. 2025, "The Surprising Effectiveness
of Negative Reinforcement in LLM Reasoning"), one of the counter-intuitive tricks the
Model-Task Alignment paper (2025) tests.

Update: theta <- theta + lr * (1/G) sum_i -1[r_i = 0] grad log pi(a_i | p): push down every
incorrect sample, never push up a correct one; the freed mass flows to the rest in
proportion to the current policy, so it helps only where correct solutions already hold
mass (high model-task alignment).
"""

from __future__ import annotations

import numpy as np

from looplab.core.streams import Stream
from looplab.improve.rule import Info, Rule, State
from looplab.improve.tasks import Task, logit_grad, sample


class NegativeOnly(Rule):
    """Negative-sample reinforcement: lower the probability of incorrect samples only."""

    def step(self, task: Task, state: State, rng: Stream) -> tuple[State, Info]:
        """Sample G per prompt, weight -1 on failures, 0 on successes."""
        probs = task.probs(state["theta"])
        a = sample(probs, self.group, rng)
        r = self.rewards(task, a, rng)
        W = logit_grad(probs, a, -(r <= 0).astype(np.float64) / self.group)
        return {**state, "theta": self.ascend(task, state["theta"], W)}, {}
