"""The replay world (Li et al. 2011): unbiased for a fixed policy, distributed like the
online run for a learning one, deterministic, and it refuses non-uniform logs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from looplab.core.channels import BanditFeedback
from looplab.core.loop import run
from looplab.core.monitors import RewardMonitor
from looplab.core.types import Action, ActionSpec, Observation
from looplab.ope.log import BanditLog, LogError
from looplab.policies.contextual import Retraining
from looplab.policies.linucb import LinUCB
from looplab.worlds.linear_bandit import LinearBanditConfig, LinearBanditState, LinearBanditWorld
from looplab.worlds.replay import ReplayFeedback, ReplayMonitor, ReplayWorld, replay_value

K, D = 5, 4


def uniform_log(n: int, seed: int) -> tuple[BanditLog, np.ndarray]:
    """A uniform-random log of a linear-logistic bandit with one fixed theta (d, K)."""
    rng = np.random.default_rng(seed)
    theta = rng.normal(0, 1.5 / np.sqrt(D), (D, K))
    x = rng.standard_normal((n, D))
    p = 1 / (1 + np.exp(-(x @ theta)))
    a = rng.integers(0, K, n)
    r = (rng.random(n) < p[np.arange(n), a]).astype(float)
    return BanditLog(a, np.full(n, 1 / K), r, K, context=x, expected=p), theta


@dataclass(frozen=True)
class Always:
    """Plays one fixed action (a non-learning policy with a known value)."""

    arm: int
    name: str = "always"

    def init(self, spec: ActionSpec, replicates: int, rng: np.random.Generator) -> None:
        return None

    def act(self, st: None, obs: Observation, rng: np.random.Generator) -> Action:
        S, N = obs["features"].shape[:2]
        return Action(np.full((S, N), self.arm), np.ones((S, N)))

    def update(self, st: None, fb: object) -> None:
        return None


def test_replay_of_a_fixed_policy_recovers_its_value():
    log, _ = uniform_log(50_000, 0)
    truth = log.expected[:, 2].mean()
    res = run(ReplayWorld(log), Always(2), ReplayFeedback(), [ReplayMonitor()], 5000, 16, 0)
    v = replay_value(res.metrics["matched"], res.metrics["replay_reward"])
    assert 0.15 < res.metrics["matched"].mean() < 0.25  # about 1/K of events kept
    se = v.std(ddof=1) / np.sqrt(v.size)
    assert abs(v.mean() - truth) < 3 * se + 0.005, (v.mean(), truth, se)


def test_replay_of_linucb_matches_its_online_run():
    """Li et al. 2011, Theorem 1: the kept events are distributed as the online run. LinUCB
    replayed until it keeps T events earns what it earns online in T rounds (same theta),
    within the two-sample 99% interval over 24 replicates."""
    T, S = 300, 24
    log, theta = uniform_log(40_000, 1)
    pol = LinUCB(retraining=Retraining(online=True))
    rep = run(ReplayWorld(log), pol, ReplayFeedback(), [ReplayMonitor()], 2500, S, 3)
    m, r = rep.metrics["matched"], rep.metrics["replay_reward"]
    assert (m.sum(axis=0) >= T).all()
    first = np.array([r[:, s][m[:, s] > 0][:T].mean() for s in range(S)])
    world = LinearBanditWorld(LinearBanditConfig(n_actions=K, n_features=D))
    state = LinearBanditState(np.broadcast_to(theta, (S, D, K)).copy(),
                              np.ones((S, 1, K), dtype=bool))
    on = run(world, pol, BanditFeedback(signals=("features", "avail")), [RewardMonitor()],
             T, S, 4, world_state=state).metrics["reward"].mean(axis=0)
    diff = first.mean() - on.mean()
    se = np.sqrt(first.var(ddof=1) / S + on.var(ddof=1) / S)
    assert abs(diff) < 2.58 * se, (first.mean(), on.mean(), se)
    assert on.mean() > 0.55  # it learns: not a vacuous comparison of two coin flips


def test_replay_is_deterministic_and_replicate_streams_differ():
    log, _ = uniform_log(5000, 2)
    pol = LinUCB(retraining=Retraining(online=True))
    a = run(ReplayWorld(log), pol, ReplayFeedback(), [ReplayMonitor()], 800, 4, 9)
    b = run(ReplayWorld(log), pol, ReplayFeedback(), [ReplayMonitor()], 800, 4, 9)
    for k in a.metrics:
        np.testing.assert_array_equal(a.metrics[k], b.metrics[k])
    assert not np.array_equal(a.metrics["matched"][:, 0], a.metrics["matched"][:, 1])


def test_non_uniform_logs_and_too_many_rounds_are_errors():
    log, _ = uniform_log(100, 3)
    skewed = BanditLog(log.action, np.where(log.action == 0, 0.5, 0.125), log.reward, K,
                       context=log.context)
    with pytest.raises(LogError, match="replay needs uniform-random logs"):
        ReplayWorld(skewed)
    with pytest.raises(ValueError, match="rounds must be <= 100"):
        run(ReplayWorld(log), Always(0), ReplayFeedback(), [ReplayMonitor()], 101, 2, 0)
