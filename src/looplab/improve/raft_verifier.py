"""RAFT on a verifiable task: the update of ``looplab.improve.raft`` (Dong et al. 2023,
"RAFT: Reward rAnked FineTuning", arXiv 2304.06767) with the exact verifier as the reward.

Per prompt draw ``group`` = K candidates, keep the best by reward (ties broken at random —
with a binary verifier, any correct sample), and fine-tune by maximum likelihood on the kept
set: ``sft_steps`` ascent steps on mean_p log pi(a*_p | p), over prompts where the kept
sample is correct (RAFT's top-1 of K; an all-wrong group contributes nothing, as the reward
ranking would keep a wrong answer only under a learned reward model). Defaults: best-of-8 and
10 SFT steps, as in ``looplab.improve.raft.RaftConfig``. The step reports the selection
differential of the kept samples on the task's judge-irrelevant features
(``sel_irrelevant``, ``looplab.improve.monitors.irrelevant_differential``).
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from looplab.core.streams import Stream
from looplab.improve.monitors import irrelevant_differential
from looplab.improve.rule import Info, Rule, State
from looplab.improve.tasks import Task, logit_grad, sample


class RAFT(Rule):
    """RAFT: best-of-K by the reward, then maximum likelihood on the kept samples."""

    group: int = Field(8, ge=2, le=1024)
    sft_steps: int = Field(10, ge=1, le=100)
    lr: float = Field(0.1, gt=0.0)

    def step(self, task: Task, state: State, rng: Stream) -> tuple[State, Info]:
        """Best-of-K selection, then SFT."""
        theta = state["theta"]
        a = sample(task.probs(theta), self.group, rng)
        r = self.rewards(task, a, rng) + 1e-3 * rng.random(a.shape)  # random tie-break
        best = r.argmax(-1)[..., None]
        kept = np.take_along_axis(a, best, -1)
        ok = (np.take_along_axis(r, best, -1) >= 1.0).astype(np.float64)
        for _ in range(self.sft_steps):
            theta = self.ascend(task, theta, logit_grad(task.probs(theta), kept, ok))
        return {**state, "theta": theta}, {"sel_irrelevant": irrelevant_differential(
            task, a, best)}
