"""Monitors shared by every decision loop: reward, regret and constraint violation, and
for contextual bandits (worlds with an item axis) regret against the per-context best
action, propensity entropy, the positive-class rate of the training window and an
oscillation measure."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping

import numpy as np

from looplab.core.types import Action, Feedback, Observation, Outcome


def per_replicate_mean(x: np.ndarray) -> np.ndarray:
    """(S,) mean over any item axes after the replicate axis; (S,) arrays pass through."""
    x = np.asarray(x, dtype=np.float64)
    return x if x.ndim == 1 else x.reshape(x.shape[0], -1).mean(axis=1)


class RewardMonitor:
    """Realized reward per round (averaged over the round's items, if any)."""

    names = ("reward",)
    needs: tuple[str, ...] = ()

    def reset(self, replicates: int) -> None:
        pass

    def __call__(
        self, obs: Observation, action: Action, outcome: Outcome, feedback: Feedback
    ) -> Mapping[str, np.ndarray]:
        return {"reward": per_replicate_mean(outcome.reward)}


class RegretMonitor:
    """Per-round and cumulative regret against a benchmark reward per replicate
    (e.g. the best feasible fixed policy's steady-state reward)."""

    names = ("regret", "cum_regret")
    needs: tuple[str, ...] = ()

    def __init__(self, benchmark: np.ndarray | float) -> None:
        self.benchmark = np.asarray(benchmark, dtype=np.float64)
        self._cum: np.ndarray = np.zeros(0)

    def reset(self, replicates: int) -> None:
        self._cum = np.zeros(replicates)

    def __call__(
        self, obs: Observation, action: Action, outcome: Outcome, feedback: Feedback
    ) -> Mapping[str, np.ndarray]:
        regret = self.benchmark - per_replicate_mean(outcome.reward)
        self._cum = self._cum + regret
        return {"regret": regret, "cum_regret": self._cum}


class ConstraintMonitor:
    """Each constraint residual (<= 0 means satisfied), the round's violation
    sum_j max(0, g_j) and its running sum."""

    def __init__(self, residual_names: tuple[str, ...], key: str = "residuals") -> None:
        self.residual_names = residual_names
        self.key = key
        self.names = (*residual_names, "violation", "cum_violation")
        self.needs = (key,)
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


class ContextRegretMonitor:
    """Expected reward of the chosen actions and regret against the best available action
    of each context, both averaged over the round's items. Reads the world's truth keys
    ``chosen_expected`` and ``best`` (expected rewards, so free of outcome noise)."""

    names = ("expected_reward", "regret")
    needs = ("chosen_expected", "best")

    def reset(self, replicates: int) -> None:
        pass

    def __call__(
        self, obs: Observation, action: Action, outcome: Outcome, feedback: Feedback
    ) -> Mapping[str, np.ndarray]:
        chosen = per_replicate_mean(outcome.truth["chosen_expected"])
        return {
            "expected_reward": chosen,
            "regret": per_replicate_mean(outcome.truth["best"]) - chosen,
        }


class PropensityEntropyMonitor:
    """Entropy of the policy's action distribution, estimated from logged propensities:
    H(p) = E_{a ~ p}[-log p_a], so the mean of -log(propensity) over the round's items is an
    unbiased estimate (0 for a deterministic policy, log |A| for uniform)."""

    names = ("propensity_entropy",)
    needs: tuple[str, ...] = ()

    def reset(self, replicates: int) -> None:
        pass

    def __call__(
        self, obs: Observation, action: Action, outcome: Outcome, feedback: Feedback
    ) -> Mapping[str, np.ndarray]:
        return {"propensity_entropy": per_replicate_mean(-np.log(action.propensity))}


class WindowPositiveRateMonitor:
    """Positive-class rate (share of reward 1) in the last ``window`` rounds of feedback the
    learner has received: the class balance of a sliding-window training set. NaN until
    some feedback has arrived."""

    names = ("window_positive_rate",)
    needs: tuple[str, ...] = ()

    def __init__(self, window: int) -> None:
        if window < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        self.window = window
        self._pos: deque[np.ndarray] = deque()
        self._cnt: deque[np.ndarray] = deque()

    def reset(self, replicates: int) -> None:
        self._pos = deque(maxlen=self.window)
        self._cnt = deque(maxlen=self.window)

    def __call__(
        self, obs: Observation, action: Action, outcome: Outcome, feedback: Feedback
    ) -> Mapping[str, np.ndarray]:
        if feedback.mask.any():
            r = np.asarray(feedback.reward, dtype=np.float64)
            r = r.reshape(r.shape[0], -1)
            m = feedback.mask.astype(np.float64)
            self._pos.append(r.sum(axis=1) * m)
            self._cnt.append(r.shape[1] * m)
        if not self._cnt:
            return {"window_positive_rate": np.full(feedback.mask.shape[0], np.nan)}
        cnt = np.sum(self._cnt, axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.sum(self._pos, axis=0) / cnt
        return {"window_positive_rate": np.where(cnt > 0, rate, np.nan)}


def sign_changes(series: np.ndarray, tol: float = 0.0) -> np.ndarray:
    """Oscillation of a (T, S) series per replicate: how often the step-to-step difference
    changes sign, ignoring steps with |difference| <= ``tol`` (noise dead-band)."""
    d = np.diff(np.asarray(series, dtype=np.float64), axis=0)
    sgn = np.where(np.abs(d) > tol, np.sign(d), 0.0)
    out = np.zeros(sgn.shape[1:], dtype=np.int64)
    last = np.zeros(sgn.shape[1:])
    for step in sgn:  # T is the number of generations: small
        flip = (step != 0) & (last != 0) & (step != last)
        out += flip
        last = np.where(step != 0, step, last)
    return out
