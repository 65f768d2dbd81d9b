"""LOOP's linear form and the feature-map MDP worlds: exact features, the one-hot case is
the tabular world, the simplex projection, and low switching."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from looplab.core.check import check_channel, check_policy, check_world
from looplab.core.loop import run
from looplab.policies.loop_linear import LinearLOOP, project_simplex
from looplab.policies.loop_mdp import LOOP
from looplab.policies.ucrl2 import GreedyMDP
from looplab.worlds.linear_mdp import (
    FeatureTransitionFeedback,
    LinearMDPConfig,
    LinearMDPWorld,
    lowrank_features,
)
from looplab.worlds.mdp import (
    GainRegretMonitor,
    MDPConfig,
    MDPWorld,
    SwitchMonitor,
    TransitionFeedback,
    riverswim,
)


def _run(policy, world, T, seed=0, R=4):
    return run(world, policy, FeatureTransitionFeedback(),
               [GainRegretMonitor(), SwitchMonitor()], T, R, seed)


def test_project_simplex_is_the_euclidean_projection():
    rng = np.random.default_rng(0)
    v = rng.normal(size=(50, 7))
    p = project_simplex(v)
    assert np.allclose(p.sum(-1), 1) and (p >= 0).all()
    # KKT: p - v is constant on the support, and <= that constant off it
    g = p - v
    for gi, pi in zip(g, p, strict=True):
        on = pi > 1e-12
        assert np.ptp(gi[on]) < 1e-9 and (gi[~on] >= gi[on][0] - 1e-9).all()
    q = rng.dirichlet(np.ones(7), 5)
    assert np.allclose(project_simplex(q), q)


def test_lowrank_features_represent_riverswim_exactly():
    P, r = riverswim(6)
    phi = lowrank_features(P, r)
    assert phi.shape == (6, 2, 7)  # rank of [P | r] is n + 1 < n A
    F = phi.reshape(12, 7)
    X = np.concatenate([P.reshape(12, 6), r.reshape(12, 1)], axis=1)
    Psi = np.linalg.lstsq(F, X, rcond=None)[0]
    assert np.allclose(F @ Psi, X)


def test_one_hot_worlds_are_the_tabular_worlds():
    for cfg in (dict(), dict(variant="random", n_states=5, n_actions=3)):
        a = run(MDPWorld(MDPConfig(**cfg)), LOOP(), TransitionFeedback(),
                [GainRegretMonitor()], 300, 3, 7)
        b = run(LinearMDPWorld(LinearMDPConfig(**cfg)), LOOP(), FeatureTransitionFeedback(),
                [GainRegretMonitor()], 300, 3, 7)
        assert np.array_equal(a.metrics["cum_regret"], b.metrics["cum_regret"])


def test_linear_world_policy_and_channel_pass_the_contract_checker():
    world = LinearMDPWorld(LinearMDPConfig(variant="linear", n_states=5, n_actions=3))
    check_world(world)
    check_policy(LinearLOOP(), world, FeatureTransitionFeedback())
    check_channel(FeatureTransitionFeedback(), world)


def test_linear_loop_learns_a_low_rank_mdp_with_logarithmic_switches():
    world = LinearMDPWorld(LinearMDPConfig(variant="linear", n_states=8, n_actions=3, dim=3))
    T = 2000
    lin, greedy = _run(LinearLOOP(), world, T), _run(GreedyMDP(), world, T)
    assert lin.metrics["cum_regret"][-1].mean() < 0.5 * greedy.metrics["cum_regret"][-1].mean()
    # determinant doubling: at most d log2(1 + T / (lambda d)) switches (+ the first plan)
    assert (lin.metrics["switches"][-1] <= 3 * np.log2(1 + T / 3) + 1).all()


def test_same_seed_same_run_and_switch_flags():
    world = LinearMDPWorld(LinearMDPConfig(variant="riverswim_lowrank"))
    a, b = _run(LinearLOOP(), world, 400, seed=2), _run(LinearLOOP(), world, 400, seed=2)
    for k in a.metrics:
        assert np.array_equal(a.metrics[k], b.metrics[k]), k
    sw = a.metrics["switches"]
    assert sw[0].max() == 0 and sw[1].min() == 1  # the first update plans


def test_bad_parameters_name_the_field():
    with pytest.raises(ValidationError, match="switch_ratio"):
        LinearLOOP(switch_ratio=1.0)
    with pytest.raises(ValidationError, match="variant"):
        LinearMDPConfig(variant="nope")
