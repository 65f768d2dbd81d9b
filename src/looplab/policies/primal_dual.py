"""Primal-dual UCB: optimistic reward minus a learned price on constraint residuals.

Rule (notes section 1a):
    k_t = argmax_k [ r_hat(k) + rad_r(k) - lambda_t * sum_j g_hat_j(k) ]
    lambda_{t+1} = max(0, lambda_t + eta * sum_j g_j,t)       (observed residual of k_t)
Defaults fixed before any result was seen: eta = 1 / sqrt(T) for horizon T (the standard
online-gradient step), lambda_0 = 0, delta = 0.05 as for OFS.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from looplab.core.types import Action, ActionSpec, Feedback, Observation
from looplab.policies.arm_stats import ArmStats, first_unplayed


@dataclass(frozen=True)
class PrimalDualState:
    stats: ArmStats
    lam: np.ndarray  # (S,)


@dataclass(frozen=True)
class PrimalDualUCB:
    """UCB on the Lagrangian with a multiplier updated by the observed residual."""

    horizon: int
    step_size: float | None = None  # default 1 / sqrt(horizon)
    delta: float = 0.05
    c: float = 1.0
    reward_width: float = 2.0
    name: str = "primal_dual"

    @property
    def eta(self) -> float:
        return self.step_size if self.step_size is not None else 1.0 / np.sqrt(self.horizon)

    def init(self, spec: ActionSpec, replicates: int, rng: np.random.Generator) -> PrimalDualState:
        return PrimalDualState(
            ArmStats.zeros(replicates, spec.n_arms, spec.n_constraints), np.zeros(replicates)
        )

    def act(self, st: PrimalDualState, obs: Observation, rng: np.random.Generator) -> Action:
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
