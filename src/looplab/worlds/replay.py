"""Replay world: run any looplab contextual-bandit policy on logged uniform-random data.

Paper: L. Li, W. Chu, J. Langford, X. Wang, "Unbiased Offline Evaluation of
Contextual-bandit-based News Article Recommendation Algorithms", WSDM 2011 (Algorithm 1,
"Policy_Evaluator"). With logged events (x, a, r) whose action a was drawn uniformly at
random, independently of x:
    for each event: show x to the policy; it picks a'.
        if a' == a: the event is kept -- the policy sees r and learns; reward += r
        else:       the event is discarded -- the policy sees nothing
    replay value = total reward / number of kept events
Because a was uniform, a kept event is distributed as an event the policy would have met
online (x ~ D, r ~ D(r | x, a')), so the kept sequence is distributed as the policy's
online run of that length (Li et al., Theorem 1); about 1/K of the events are kept.

Here every round hands each replicate one event of its own stream; the outcome's
``truth["matched"]`` says whether it was kept, and ``ReplayFeedback`` reveals the reward
only then (the channel's mask), so a learner updates only on kept events and the policies'
retraining clocks count logged events, kept or not. Replicates differ in the stream:
``permutation`` (default) replays the log's events in a random order per replicate -- Li et
al.'s estimator, unbiased, but replicates share the data, so the spread across them is the
policy's and the order's randomness only, not the data's sampling noise. ``bootstrap``
draws each replicate's n events with replacement (the replay bootstrap of Mary, Preux &
Nicol 2014); it is optimistic for learners that memorise: a duplicated clicked event is
met again and matched again. Measured on the OBD men's campaign (16 replicates, 10,000
events): greedy's replay click rate 0.0116 with bootstrap vs 0.0078 with permutation,
uniform's 0.0047 vs 0.0052.

Logs must be uniform over the available actions (propensity 1 / #available); for any
other logging policy use the importance-weighted estimators of ``looplab.ope``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from looplab.core.streams import Stream
from looplab.core.types import Action, ActionSpec, Feedback, Observation, Outcome
from looplab.ope.log import BanditLog, LogError

Resample = Literal["bootstrap", "permutation"]


@dataclass(frozen=True)
class ReplayState:
    """Each replicate's stream of log rows, and how many rounds have been played."""

    order: np.ndarray  # (S, n) row indices into the log
    t: int = 0


class ReplayWorld:
    """Rejection-sampling replay of a uniform-random log (module docstring)."""

    name = "replay"

    def __init__(self, log: BanditLog, resample: Resample = "permutation") -> None:
        if log.context is None:
            raise LogError("replay needs context columns (x_*) to show the policy")
        if resample not in ("bootstrap", "permutation"):
            raise ValueError(f"resample must be 'bootstrap' or 'permutation', got {resample!r}")
        n_avail = (log.avail.sum(axis=1) if log.avail is not None
                   else np.full(len(log), log.n_actions))
        off = np.abs(log.propensity * n_avail - 1.0) > 1e-6
        if off.any():
            raise LogError(
                f"column 'propensity': {int(off.sum())} of {len(log)} rows are not uniform "
                "(1 / #available actions); replay needs uniform-random logs -- use IPS or DR "
                "(looplab.ope) for other logging policies"
            )
        self.log = log
        self.resample = resample
        self.n_features = log.context.shape[1]

    def action_spec(self) -> ActionSpec:
        return ActionSpec(n_arms=self.log.n_actions, n_features=self.n_features)

    def reset(self, replicates: int, rng: Stream) -> ReplayState:
        n = len(self.log)
        if self.resample == "bootstrap":
            order = rng.integers(0, n, (replicates, n))
        else:
            order = np.argsort(rng.random((replicates, n)), axis=1)
        return ReplayState(order)

    def _rows(self, state: ReplayState) -> np.ndarray:
        n = state.order.shape[1]
        if state.t >= n:
            raise ValueError(f"the replay log has {n} events: rounds must be <= {n}")
        return state.order[:, state.t]

    def observe(self, state: ReplayState, rng: Stream) -> Observation:
        rows = self._rows(state)
        S, K = rows.shape[0], self.log.n_actions
        x = self.log.context[rows][:, None, :]  # type: ignore[index]
        avail = (self.log.avail[rows][:, None, :] if self.log.avail is not None
                 else np.ones((S, 1, K), dtype=bool))
        return Observation({"features": x, "avail": avail})

    def step(
        self, state: ReplayState, action: Action, obs: Observation, rng: Stream
    ) -> tuple[ReplayState, Outcome]:
        rows = self._rows(state)
        arm = np.asarray(action.arm).reshape(rows.shape[0], -1)[:, 0]
        matched = arm == self.log.action[rows]
        reward = np.where(matched, self.log.reward[rows], 0.0)[:, None]
        truth = {"matched": matched, "features": obs["features"], "avail": obs["avail"]}
        return replace(state, t=state.t + 1), Outcome(reward=reward, truth=truth)


@dataclass(frozen=True)
class ReplayFeedback:
    """The replay channel: the learner sees a decision's reward (and its features and
    availability) only when the decision matched the logged action; otherwise the event
    never happened for it (mask False)."""

    signals: tuple[str, ...] = ("features", "avail")

    def init(self, spec: ActionSpec, replicates: int, rng: Stream) -> Any:
        return None

    def transmit(
        self, cstate: Any, action: Action, outcome: Outcome, rng: Stream
    ) -> tuple[Any, Feedback]:
        return cstate, Feedback(
            arm=action.arm, propensity=action.propensity, reward=outcome.reward,
            mask=np.asarray(outcome.truth["matched"], dtype=bool),
            signals={k: outcome.truth[k] for k in self.signals},
        )


class ReplayMonitor:
    """Per round: whether the event was kept (``matched``) and its reward if kept
    (``replay_reward``, 0 otherwise); the replay value is their sums' ratio."""

    names = ("matched", "replay_reward")

    def reset(self, replicates: int) -> None:
        pass

    def __call__(
        self, obs: Observation, action: Action, outcome: Outcome, feedback: Feedback
    ) -> Mapping[str, np.ndarray]:
        m = np.asarray(outcome.truth["matched"], dtype=np.float64)
        return {"matched": m, "replay_reward": outcome.reward.reshape(m.shape[0], -1)[:, 0]}


def replay_value(matched: np.ndarray, reward: np.ndarray) -> np.ndarray:
    """(S,) replay value per replicate: kept reward / kept events, from (T, S) series
    (NaN for a replicate that kept nothing)."""
    k = matched.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(k > 0, reward.sum(axis=0) / np.maximum(k, 1), np.nan)
