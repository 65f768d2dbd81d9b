"""Unconstrained UCB: the reward-only optimistic baseline.

Rule: k_t = argmax_k r_hat(k) + rad_r(k), with the same variance-aware radius and
delta = 0.05 as OFS (``arm_stats``), so the two differ only in how they treat constraints.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from looplab.core.params import Params
from looplab.core.streams import Stream
from looplab.core.types import Action, ActionSpec, Feedback, Observation
from looplab.policies.arm_stats import ArmStats, first_unplayed


class UCB(Params):
    """Unconstrained UCB on reward only; ignores constraint residuals."""

    delta: float = Field(0.05, gt=0.0, lt=1.0, description="confidence level of the radius")
    c: float = Field(1.0, gt=0.0, description="radius multiplier")
    reward_width: float = Field(2.0, gt=0.0, description="range of the per-round reward")
    name: str = "ucb"

    def init(self, spec: ActionSpec, replicates: int, rng: Stream) -> ArmStats:
        return ArmStats.zeros(replicates, spec.n_arms, spec.n_constraints)

    def act(self, st: ArmStats, obs: Observation, rng: Stream) -> Action:
        ucb = st.mean_r + st.radius(st.m2_r, self.reward_width, self.delta, self.c)
        fresh, fresh_arm = first_unplayed(st.n)
        arm = np.where(fresh, fresh_arm, ucb.argmax(axis=1))
        return Action(arm=arm, propensity=np.ones(arm.shape[0]))

    def update(self, st: ArmStats, fb: Feedback) -> ArmStats:
        return st.update(fb)
