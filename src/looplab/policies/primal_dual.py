"""Primal-dual UCB: optimistic reward minus a learned price on constraint residuals.

Rule (the standard Lagrangian bandit, the baseline the OFS paper compares against):
    k_t = argmax_k [ r_hat(k) + rad_r(k) - lambda_t * sum_j g_hat_j(k) ]
    lambda_{t+1} = max(0, lambda_t + eta * sum_j g_j,t)       (observed residual of k_t)
Defaults fixed before any result was seen: eta = 1 / sqrt(T) for horizon T (the standard
online-gradient step), lambda_0 = 0, delta = 0.05 as for OFS.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from pydantic import Field

from looplab.core.params import Params
from looplab.core.streams import Stream
from looplab.core.types import Action, ActionSpec, Feedback, Observation
from looplab.policies.arm_stats import ArmStats, first_unplayed


@dataclass(frozen=True)
class PrimalDualState:
    stats: ArmStats
    lam: np.ndarray  # (S,)


class PrimalDualUCB(Params):
    """UCB on the Lagrangian, multiplier updated by observed residuals."""

    horizon: int | None = Field(
        None, gt=0, description="T for the default step 1/sqrt(T); None: the run's rounds"
    )
    step_size: float | None = Field(None, gt=0.0, description="eta; None: 1/sqrt(horizon)")
    delta: float = Field(0.05, gt=0.0, lt=1.0, description="confidence level of the radius")
    c: float = Field(1.0, gt=0.0, description="radius multiplier")
    reward_width: float = Field(2.0, gt=0.0, description="range of the per-round reward")
    name: str = "primal_dual"

    @property
    def eta(self) -> float:
        """The multiplier's step size."""
        if self.step_size is not None:
            return self.step_size
        if self.horizon is None:
            raise ValueError("PrimalDualUCB needs horizon (or step_size) to set its step")
        return 1.0 / float(np.sqrt(self.horizon))

    def init(self, spec: ActionSpec, replicates: int, rng: Stream) -> PrimalDualState:
        return PrimalDualState(
            ArmStats.zeros(replicates, spec.n_arms, spec.n_constraints), np.zeros(replicates)
        )

    def act(self, st: PrimalDualState, obs: Observation, rng: Stream) -> Action:
        s = st.stats
        ucb = s.mean_r + s.radius(s.m2_r, self.reward_width, self.delta, self.c)
        lagr = ucb - st.lam[:, None] * s.mean_g.sum(axis=2)
        fresh, fresh_arm = first_unplayed(s.n)
        arm = np.where(fresh, fresh_arm, lagr.argmax(axis=1))
        return Action(arm=arm, propensity=np.ones(arm.shape[0]))

    def update(self, st: PrimalDualState, fb: Feedback) -> PrimalDualState:
        g = fb.signals["residuals"].sum(axis=1)
        lam = np.where(fb.mask, np.maximum(0.0, st.lam + self.eta * g), st.lam)
        return replace(st, stats=st.stats.update(fb), lam=lam)
