"""Epsilon-greedy with empirical feasibility, and a fixed threshold.

Epsilon-greedy rule: with probability epsilon play a uniform arm; otherwise the arm with the
best empirical reward among empirically feasible arms (g_hat_j <= 0 for all j), or the
least empirical violation if none is. Default epsilon = 0.1 (the textbook value), fixed
before results were seen. Propensities are exact: (1 - eps) 1[k = greedy] + eps / K.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from looplab.core.params import Params
from looplab.core.streams import Stream
from looplab.core.types import Action, ActionSpec, Feedback, Observation
from looplab.policies.arm_stats import ArmStats, first_unplayed


class EpsilonGreedy(Params):
    """Uniform exploration w.p. epsilon, else the empirical best feasible arm."""

    epsilon: float = Field(0.1, ge=0.0, le=1.0, description="exploration probability")
    name: str = "epsilon_greedy"

    def init(self, spec: ActionSpec, replicates: int, rng: Stream) -> ArmStats:
        return ArmStats.zeros(replicates, spec.n_arms, spec.n_constraints)

    def act(self, st: ArmStats, obs: Observation, rng: Stream) -> Action:
        S, K = st.n.shape
        feasible = np.all(st.mean_g <= 0, axis=2)
        best = np.where(feasible, st.mean_r, -np.inf).argmax(axis=1)
        least = np.maximum(st.mean_g, 0).sum(axis=2).argmin(axis=1)
        greedy = np.where(feasible.any(axis=1), best, least)
        fresh, fresh_arm = first_unplayed(st.n)
        greedy = np.where(fresh, fresh_arm, greedy)
        explore = rng.random(S) < self.epsilon
        arm = np.where(explore, rng.integers(0, K, S), greedy)
        prop = np.where(arm == greedy, 1 - self.epsilon, 0.0) + self.epsilon / K
        return Action(arm=arm, propensity=prop)

    def update(self, st: ArmStats, fb: Feedback) -> ArmStats:
        return st.update(fb)


class FixedArm(Params):
    """Always play one arm (per replicate if ``arm`` is a tuple): e.g. the oracle's arms."""

    arm: int | tuple[int, ...]
    name: str = "fixed"

    def init(self, spec: ActionSpec, replicates: int, rng: Stream) -> np.ndarray:
        arm = np.broadcast_to(np.asarray(self.arm, dtype=np.int64), (replicates,)).copy()
        if (arm < 0).any() or (arm >= spec.n_arms).any():
            raise ValueError(f"arm must be in [0, {spec.n_arms - 1}], got {self.arm}")
        return arm

    def act(self, st: np.ndarray, obs: Observation, rng: Stream) -> Action:
        return Action(arm=st, propensity=np.ones(st.shape[0]))

    def update(self, st: np.ndarray, fb: Feedback) -> np.ndarray:
        return st


class FixedThreshold(Params):
    """One fixed threshold (the grid arm nearest to it)."""

    threshold: float = Field(0.5, ge=0.0, le=1.0, description="threshold in [0, 1]")
    name: str = "fixed"

    def init(self, spec: ActionSpec, replicates: int, rng: Stream) -> np.ndarray:
        if spec.arm_values is None:
            raise ValueError("FixedThreshold needs a world whose arms are threshold values")
        arm = int(np.abs(np.asarray(spec.arm_values) - self.threshold).argmin())
        return np.full(replicates, arm, dtype=np.int64)

    def act(self, st: np.ndarray, obs: Observation, rng: Stream) -> Action:
        return Action(arm=st, propensity=np.ones(st.shape[0]))

    def update(self, st: np.ndarray, fb: Feedback) -> np.ndarray:
        return st
