"""OREAL: Outcome REwArd-based reinforcement Learning (Lyu et al. 2025, arXiv 2502.06781;
code InternLM/OREAL ``train_oreal.py``), sequence-level form.

With binary rewards, behaviour cloning on the positive samples of best-of-N recovers the
KL-regularised optimal policy; negatives keep a policy-gradient term whose reward is
reshaped (down-weighted) so positive and negative gradients stay consistent. Per prompt,
G samples, GRPO advantage A_i (z-score in the group); the ascended objective is

    J = positive_loss_factor * (1/|pos|) sum_{i in pos} log pi(a_i)
        + negative_loss_factor * (1/G) sum_{i in neg} A_i * log pi(a_i)      (A_i < 0),

over groups with at least one success (all-fail groups give no positives and, with
OREAL's ``filter_trajectory``, are dropped). Defaults from the released config:
``positive_loss_factor = 1.0``, ``negative_loss_factor = 0.5``, k = 16 samples per prompt.
OREAL's token-level reward model (credit to critical tokens) has no counterpart here:
candidates are single actions, so every "token" is critical — stated, not simulated.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from looplab.core.streams import Stream
from looplab.improve.rule import Info, Rule, State, group_normalise
from looplab.improve.tasks import Task, logit_grad, sample


class OREAL(Rule):
    """OREAL: behaviour cloning on positive samples plus down-weighted negative gradient."""

    positive_loss_factor: float = Field(1.0, ge=0.0)
    negative_loss_factor: float = Field(0.5, ge=0.0)

    def step(self, task: Task, state: State, rng: Stream) -> tuple[State, Info]:
        """BC on positives, reshaped policy gradient on negatives, one ascent step."""
        probs = task.probs(state["theta"])
        a = sample(probs, self.group, rng)
        r = self.rewards(task, a, rng)
        pos = r > 0
        n_pos = pos.sum(-1, keepdims=True)
        keep = n_pos > 0
        A = group_normalise(r)
        w = np.where(pos, self.positive_loss_factor / np.maximum(n_pos, 1),
                     self.negative_loss_factor * np.minimum(A, 0.0) / self.group)
        w = np.where(keep, w, 0.0)
        W = logit_grad(probs, a, w)
        return {**state, "theta": self.ascend(task, state["theta"], W)}, {}
