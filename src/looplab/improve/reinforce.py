"""REINFORCE (Williams 1992, "Simple statistical gradient-following algorithms for
connectionist reinforcement learning"), on a softmax policy over enumerable candidates.

Update: theta <- theta + lr * (1/G) sum_i (r_i - b) grad log pi(a_i | p), averaged over
prompts, with G samples per prompt. ``baseline``: ``none`` (b = 0, the textbook estimator),
or ``loo`` (b = mean of the other G - 1 rewards of the group; RLOO, Kool et al. 2019, the
unbiased variance-reduced form OREAL also uses).
"""

from __future__ import annotations

from typing import Literal

from looplab.core.streams import Stream
from looplab.improve.rule import Info, Rule, State
from looplab.improve.tasks import Task, logit_grad, sample


class Reinforce(Rule):
    """REINFORCE: reward-weighted score function, optional leave-one-out baseline."""

    baseline: Literal["none", "loo"] = "none"

    def step(self, task: Task, state: State, rng: Stream) -> tuple[State, Info]:
        """Sample G per prompt, weight each score by its (baselined) reward, ascend once."""
        probs = task.probs(state["theta"])
        a = sample(probs, self.group, rng)
        r = self.rewards(task, a, rng)
        G = self.group
        if self.baseline == "loo":
            r = r - (r.sum(-1, keepdims=True) - r) / (G - 1)
        W = logit_grad(probs, a, r / G)
        return {**state, "theta": self.ascend(task, state["theta"], W)}, {}
