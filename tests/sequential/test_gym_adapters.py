"""Gymnasium adapters of the sequential worlds pass Gymnasium's env checker, and the vector
envs replay looplab runs."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("gymnasium")

from gymnasium.utils.env_checker import check_env

from looplab.core.gym import LoopVectorEnv
from looplab.core.loop import run
from looplab.core.monitors import RewardMonitor
from looplab.policies import FixedArm
from looplab.worlds.gym_adapters import (
    ContextualVectorEnv,
    OneSidedVectorEnv,
    PaymentsVectorEnv,
    RecsysVectorEnv,
    ReplayVectorEnv,
    SingleEnv,
    mdp_env,
    prefgrid_env,
    q_learning_example,
    stitching_env,
)
from looplab.worlds.lending import LendingConfig, LendingWorld
from looplab.worlds.linear_bandit import LinearBanditConfig, LinearBanditWorld
from looplab.worlds.linear_mdp import LinearMDPConfig, LinearMDPWorld
from looplab.worlds.mdp import MDPConfig, MDPWorld, TransitionFeedback
from looplab.worlds.onesided import OneSidedConfig, OneSidedWorld
from looplab.worlds.payments import PaymentsConfig, PaymentsWorld
from looplab.worlds.prefgrid import PrefGrid, PrefGridConfig
from looplab.worlds.recsys import RecsysConfig, RecsysWorld
from looplab.worlds.replay import ReplayWorld
from looplab.worlds.stitching import StitchConfig, StitchGrid
from tests.worlds.test_replay import uniform_log


def _small_recsys():
    return RecsysWorld(RecsysConfig(n_users=6, n_items=40, dim=4, positives_per_user=5,
                                    candidates=3, history_length=3, impressions_per_user=1))


def _small_payments():
    return PaymentsWorld(PaymentsConfig(n_transactions=3, n_actions=3, availability=0.5))


def _small_onesided():
    return OneSidedWorld(OneSidedConfig(pool_size=40, arrivals=4))


@pytest.mark.parametrize("make", [
    lambda: mdp_env(MDPWorld(MDPConfig()), 1, 20),
    lambda: mdp_env(MDPWorld(MDPConfig(variant="random", n_states=5, n_actions=3)), 1, 20),
    lambda: OneSidedVectorEnv(_small_onesided(), 1, 20),
    lambda: LoopVectorEnv(LendingWorld(LendingConfig(n_applicants=100)), 1, 20,
                          signals=("residuals",)),
    lambda: ContextualVectorEnv(
        LinearBanditWorld(LinearBanditConfig(n_actions=3, n_features=2, n_contexts=2)),
        1, 20, n_contexts=2, n_features=2),
    lambda: PaymentsVectorEnv(_small_payments(), 1, 20),
    lambda: mdp_env(LinearMDPWorld(LinearMDPConfig(variant="linear", n_states=5,
                                                   n_actions=3)), 1, 20),
    lambda: ReplayVectorEnv(ReplayWorld(uniform_log(200, 0)[0]), 1, 20),
    lambda: RecsysVectorEnv(_small_recsys(), 1, 5),
    lambda: prefgrid_env(PrefGrid(PrefGridConfig()), 1, 20),
    lambda: stitching_env(StitchGrid(StitchConfig()), 1),
], ids=["riverswim", "random_mdp", "onesided", "lending", "linear_bandit", "payments",
        "linear_mdp", "replay", "recsys", "prefgrid", "stitching"])
def test_env_passes_gymnasium_env_checker(make):
    check_env(SingleEnv(make()), skip_render_check=True)


def test_mdp_env_replays_a_looplab_run():
    world = MDPWorld(MDPConfig(variant="random", n_states=4, n_actions=2))
    env = mdp_env(world, 3, 30)
    obs, _ = env.reset(seed=5)
    assert obs.shape == (3, 4) and np.allclose(obs.sum(axis=1), 1.0)
    rewards = np.stack([env.step(np.ones(3, int))[1] for _ in range(30)])
    res = run(world, FixedArm(arm=1), TransitionFeedback(), [RewardMonitor()], 30, 3, 5)
    assert np.array_equal(rewards, res.metrics["reward"])


def test_onesided_env_hides_rejected_labels():
    env = OneSidedVectorEnv(_small_onesided(), 2, 5)
    env.reset(seed=0)
    acts = np.array([[1, 0, 1, 0], [0, 0, 0, 0]])
    _, rew, _, _, info = env.step(acts)
    assert (info["labels"][acts == 0] == -1).all()
    assert set(np.unique(info["labels"][acts == 1])) <= {0.0, 1.0}
    assert rew[1] == 0.0 and info["panel_flags"].shape == (2, 4, 4)
    with pytest.raises(ValueError, match="accept"):
        env.step(np.full((2, 4), 2))


def test_documented_example_trains_an_agent_through_the_vector_env():
    # the module docstring's example: epsilon-greedy Q-learning on 5-state RiverSwim beats
    # the uniform random agent it starts as (same seed, same steps)
    learned = q_learning_example(steps=3000, seed=0)
    random_agent = q_learning_example(steps=3000, seed=0, learn=False)
    assert learned > random_agent


def test_payments_env_shows_availability_and_falls_back_to_no_intervention():
    env = PaymentsVectorEnv(_small_payments(), 4, 5)
    obs, _ = env.reset(seed=1)
    w = env.world
    d, N, K = w.n_features, 3, 3
    assert obs.shape == (4, N * (d + K))
    avail = obs[:, N * d:].reshape(4, N, K).astype(bool)
    assert avail[:, :, 0].all() and not avail.all()  # action 0 always, others sometimes
    _, rew, _, _, info = env.step(np.full((4, N), 2))
    assert np.array_equal(info["applied"], np.where(avail[:, :, 2], 2, 0))
    assert ((rew >= 0) & (rew <= 1)).all()
    with pytest.raises(ValueError, match="actions must be in"):
        env.step(np.full((4, N), K))


def test_replay_env_rewards_only_matched_events():
    log, _ = uniform_log(300, 1)
    env = ReplayVectorEnv(ReplayWorld(log), 3, 50)
    env.reset(seed=0)
    got = [env.step(np.zeros((3, 1), int)) for _ in range(50)]
    matched = np.stack([g[4]["matched"] for g in got])
    rew = np.stack([g[1] for g in got])
    assert (rew[~matched] == 0).all() and 0.05 < matched.mean() < 0.4  # about 1/K kept
    with pytest.raises(ValueError, match="exceeds"):
        ReplayVectorEnv(ReplayWorld(log), 1, 301)


def test_recsys_env_scores_copies_and_reports_the_aigc_share():
    env = RecsysVectorEnv(_small_recsys(), 2, 3)
    obs, _ = env.reset(seed=0)
    rows = 6 * 2  # one logged and one held-out impression per user
    assert obs.shape == (2, rows * 7 * 4) and env.single_action_space.shape == (rows, 6)
    env.step(np.zeros((2, rows, 6)))  # the logged human era
    # score every AIGC copy (columns K..2K) highest: users then click AIGC copies only
    _, rew, _, _, info = env.step(np.tile(np.r_[np.zeros(3), np.ones(3)], (2, rows, 1)))
    assert np.allclose(info["aigc_click_share"], 1.0) and (rew > 0).all()


def test_stitching_env_rewards_arrival_and_autoresets_per_env():
    grid = StitchGrid(StitchConfig())
    env = stitching_env(grid, 3)
    obs, _ = env.reset(seed=0)
    W = grid.W
    # follow shortest paths to each env's goal: all arrive, get 1, terminate, then reset
    cells = np.rint(obs * (W - 1)).astype(int)
    s, g = cells[:, 0] * W + cells[:, 1], cells[:, 2] * W + cells[:, 3]
    done = np.zeros(3, bool)
    for _ in range(grid.horizon):
        a = grid.dist[grid.next[s], g[:, None]].argmin(axis=1)
        obs, rew, term, trunc, _ = env.step(a)
        assert not trunc.any() and (rew == term).all()
        done |= term
        if done.all():
            break
        cells = np.rint(obs * (W - 1)).astype(int)
        s = cells[:, 0] * W + cells[:, 1]
    assert done.all()
    obs, rew, term, _, _ = env.step(np.zeros(3, int))  # the autoreset step
    assert (rew[term] == 0).all()
