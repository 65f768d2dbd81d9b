"""Tabular MDP world and learners: the true gain, optimistic transitions, switching,
determinism and parameter validation."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from looplab.core.loop import run
from looplab.policies.loop_mdp import LOOP
from looplab.policies.tabular_mdp import optimistic_p
from looplab.policies.ucrl2 import UCRL2, GreedyMDP
from looplab.worlds.mdp import (
    GainRegretMonitor,
    MDPConfig,
    MDPWorld,
    SwitchMonitor,
    TransitionFeedback,
    relative_value_iteration,
    riverswim,
)


def test_riverswim_gain_matches_the_stationary_reward_of_always_right():
    P, r = riverswim(6)
    gain, pi = relative_value_iteration(P[None], r[None])
    # always-right chain: stationary distribution by power iteration
    M = P[:, 1, :]
    mu = np.full(6, 1 / 6)
    for _ in range(20000):
        mu = mu @ M
    assert (pi[0] == 1).all()
    assert gain[0] == pytest.approx(mu @ r[:, 1], abs=1e-6)


def test_optimistic_transition_stays_in_the_l1_ball_and_favours_the_best_state():
    rng = np.random.default_rng(0)
    phat = rng.dirichlet(np.ones(5), size=(2, 3, 2))
    d = rng.uniform(0, 1, (2, 3, 2))
    V = rng.normal(size=(2, 5))
    p = optimistic_p(phat, d, V)
    assert np.allclose(p.sum(-1), 1) and (p >= -1e-12).all()
    assert (np.abs(p - phat).sum(-1) <= d + 1e-9).all()
    assert ((p * V[:, None, None]).sum(-1) >= (phat * V[:, None, None]).sum(-1) - 1e-12).all()


def _run(policy, T=3000, seed=0, world=None):
    world = world or MDPWorld(MDPConfig())
    return run(world, policy, TransitionFeedback(), [GainRegretMonitor(), SwitchMonitor()],
               T, 4, seed)


def test_loop_learns_riverswim_and_replans_less_than_ucrl2():
    loop, ucrl, greedy = _run(LOOP()), _run(UCRL2()), _run(GreedyMDP())
    assert loop.metrics["switches"][-1].mean() < ucrl.metrics["switches"][-1].mean()
    # 3000 steps is early for RiverSwim; optimism is already well ahead of greedy
    assert loop.metrics["cum_regret"][-1].mean() < 0.8 * greedy.metrics["cum_regret"][-1].mean()


def test_same_seed_same_run_and_switches_are_counted_once():
    a, b = _run(LOOP(), T=500, seed=3), _run(LOOP(), T=500, seed=3)
    for k in a.metrics:
        assert np.array_equal(a.metrics[k], b.metrics[k]), k
    sw = a.metrics["switches"]
    assert (np.diff(sw, axis=0) >= 0).all() and sw[0].min() >= 1  # the initial plan


def test_bad_parameters_name_the_field():
    with pytest.raises(ValidationError, match="delta"):
        LOOP(delta=2.0)
    with pytest.raises(ValidationError, match="n_states"):
        MDPConfig(n_states=1)
    with pytest.raises(ValueError, match="riverswim"):
        MDPWorld(MDPConfig(n_actions=3))
