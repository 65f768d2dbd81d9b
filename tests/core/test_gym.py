"""The Gymnasium VectorEnv adapter: spaces, determinism, autoreset, agreement with run()."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("gymnasium")

from looplab.core.channels import BanditFeedback
from looplab.core.gym import LoopVectorEnv
from looplab.core.loop import run
from looplab.core.monitors import RewardMonitor
from looplab.policies import FixedArm
from looplab.worlds.lending import LendingConfig, LendingWorld


def _env(S=4, horizon=5):
    world = LendingWorld(LendingConfig(n_applicants=200))
    return LoopVectorEnv(world, num_envs=S, horizon=horizon, signals=("residuals",))


def test_spaces_and_step_shapes():
    env = _env()
    obs, info = env.reset(seed=3)
    assert obs.shape == (4, 1) and env.observation_space.contains(obs)
    acts = env.action_space.sample()
    obs, rew, term, trunc, info = env.step(acts)
    assert rew.shape == term.shape == trunc.shape == (4,)
    assert info["residuals"].shape == (4, 1)  # what a bandit learner sees, no hidden truth
    assert set(info) == {"residuals"}


def test_same_seed_same_episode_and_it_matches_looplab_run():
    env = _env(S=3, horizon=50)
    env.reset(seed=11)
    rewards = np.stack([env.step(np.full(3, 8))[1] for _ in range(50)])
    env.reset(seed=11)
    again = np.stack([env.step(np.full(3, 8))[1] for _ in range(50)])
    assert np.array_equal(rewards, again)
    res = run(env.world, FixedArm(arm=8), BanditFeedback(("residuals",)), [RewardMonitor()],
              50, 3, 11)
    assert np.array_equal(rewards, res.metrics["reward"])


def test_truncation_then_next_step_autoreset():
    env = _env(S=2, horizon=3)
    env.reset(seed=0)
    truncs = [env.step(np.zeros(2, int))[3] for _ in range(3)]
    assert [t.all() for t in truncs] == [False, False, True]
    _obs, rew, _term, trunc, _ = env.step(np.zeros(2, int))  # the autoreset step
    assert np.array_equal(rew, np.zeros(2)) and not trunc.any()
    # the next episode is new randomness, not a replay of the first
    env2 = _env(S=2, horizon=3)
    env2.reset(seed=0)
    first = env2.step(np.full(2, 10))[1]
    assert not np.array_equal(env.step(np.full(2, 10))[1], first)


def test_out_of_range_action_is_rejected():
    env = _env()
    env.reset(seed=0)
    with pytest.raises(ValueError, match="actions must be in"):
        env.step(np.full(4, 99))
