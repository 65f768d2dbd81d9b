"""Unconstrained UCB: the reward-only optimistic baseline.

Rule: k_t = argmax_k r_hat(k) + rad_r(k), with the same variance-aware radius and
delta = 0.05 as OFS (``arm_stats``), so the two differ only in how they treat constraints.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from looplab.core.types import Action, ActionSpec, Feedback, Observation
from looplab.policies.arm_stats import ArmStats, first_unplayed


@dataclass(frozen=True)
class UCB:
    """Upper-confidence-bound bandit on reward only; ignores constraint residuals."""

    delta: float = 0.05
    c: float = 1.0
    reward_width: float = 2.0
    name: str = "ucb"

    def init(self, spec: ActionSpec, replicates: int, rng: np.random.Generator) -> ArmStats:
        return ArmStats.zeros(replicates, spec.n_arms, spec.n_constraints)

    def act(self, st: ArmStats, obs: Observation, rng: np.random.Generator) -> Action:
        ucb = st.mean_r + st.radius(st.m2_r, self.reward_width, self.delta, self.c)
        fresh, fresh_arm = first_unplayed(st.n)
        arm = np.where(fresh, fresh_arm, ucb.argmax(axis=1))
        return Action(arm=arm, propensity=np.ones(arm.shape[0]))

    def update(self, st: ArmStats, fb: Feedback) -> ArmStats:
        return st.update(fb)
