"""Monitors shared by every decision loop: reward, regret and constraint violation."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from looplab.core.types import Action, Feedback, Observation, Outcome


class RewardMonitor:
    """Realized reward per round."""

    names = ("reward",)

    def reset(self, replicates: int) -> None:
        pass

    def __call__(
        self, obs: Observation, action: Action, outcome: Outcome, feedback: Feedback
    ) -> Mapping[str, np.ndarray]:
        return {"reward": outcome.reward}


class RegretMonitor:
    """Per-round and cumulative regret against a benchmark reward per replicate
    (e.g. the best feasible fixed policy's steady-state reward)."""

    names = ("regret", "cum_regret")

    def __init__(self, benchmark: np.ndarray | float) -> None:
        self.benchmark = np.asarray(benchmark, dtype=np.float64)
        self._cum: np.ndarray = np.zeros(0)

    def reset(self, replicates: int) -> None:
        self._cum = np.zeros(replicates)

    def __call__(
        self, obs: Observation, action: Action, outcome: Outcome, feedback: Feedback
    ) -> Mapping[str, np.ndarray]:
        regret = self.benchmark - outcome.reward
        self._cum = self._cum + regret
        return {"regret": regret, "cum_regret": self._cum}


class ConstraintMonitor:
    """Each constraint residual (<= 0 means satisfied), the round's violation
    sum_j max(0, g_j) and its running sum."""

    def __init__(self, residual_names: tuple[str, ...], key: str = "residuals") -> None:
        self.residual_names = residual_names
        self.key = key
        self.names = (*residual_names, "violation", "cum_violation")
        self._cum: np.ndarray = np.zeros(0)

    def reset(self, replicates: int) -> None:
        self._cum = np.zeros(replicates)

    def __call__(
        self, obs: Observation, action: Action, outcome: Outcome, feedback: Feedback
    ) -> Mapping[str, np.ndarray]:
        g = outcome.truth[self.key]  # (S, m)
        viol = np.maximum(g, 0.0).sum(axis=1)
        self._cum = self._cum + viol
        out = {n: g[:, j] for j, n in enumerate(self.residual_names)}
        out["violation"] = viol
        out["cum_violation"] = self._cum
        return out
