"""Optimistic Feasible Search (OFS).

Paper: W. Du, "Optimistic Feasible Search for Closed-Loop Fair Threshold Decision-Making",
arXiv 2512.22313 (2025).

Rule, per replicate, with variance-aware radii rad (see ``arm_stats``):
    UCB_r(k) = r_hat(k) + rad_r(k),   LCB_j(k) = g_hat_j(k) - rad_j(k)
    F_t = {k : LCB_j(k) <= 0 for all j}
    k_t = argmax_{k in F_t} UCB_r(k)                  if F_t is non-empty
    k_t = argmin_k sum_j max(0, LCB_j(k))             otherwise (least optimistic violation)
Defaults: delta = 0.05 and c = 1, the textbook confidence level and an unscaled radius
(the paper gives no constants; these were fixed before any result was seen); reward width
1 + default cost and residual width 1 (the DP gap lies in [0, 1]), the ranges of the
per-round quantities.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from looplab.core.params import Params
from looplab.core.streams import Stream
from looplab.core.types import Action, ActionSpec, Feedback, Observation
from looplab.policies.arm_stats import ArmStats, first_unplayed


class OFS(Params):
    """Optimistic Feasible Search: best optimistic reward among plausibly feasible arms."""

    delta: float = Field(0.05, gt=0.0, lt=1.0, description="confidence level of the radii")
    c: float = Field(1.0, gt=0.0, description="radius multiplier")
    reward_width: float = Field(2.0, gt=0.0, description="range of the per-round reward")
    residual_width: float = Field(1.0, gt=0.0, description="range of each residual")
    name: str = "ofs"

    def init(self, spec: ActionSpec, replicates: int, rng: Stream) -> ArmStats:
        return ArmStats.zeros(replicates, spec.n_arms, spec.n_constraints)

    def act(self, st: ArmStats, obs: Observation, rng: Stream) -> Action:
        ucb = st.mean_r + st.radius(st.m2_r, self.reward_width, self.delta, self.c)
        lcb = st.mean_g - st.radius(st.m2_g, self.residual_width, self.delta, self.c)
        feasible = (lcb <= 0).all(axis=2)
        best_feasible = np.where(feasible, ucb, -np.inf).argmax(axis=1)
        least_violation = np.maximum(lcb, 0).sum(axis=2).argmin(axis=1)
        arm = np.where(feasible.any(axis=1), best_feasible, least_violation)
        fresh, fresh_arm = first_unplayed(st.n)
        arm = np.where(fresh, fresh_arm, arm)
        return Action(arm=arm, propensity=np.ones(arm.shape[0]))

    def update(self, st: ArmStats, fb: Feedback) -> ArmStats:
        return st.update(fb)
