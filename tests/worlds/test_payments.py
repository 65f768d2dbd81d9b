"""The payments world and the linear-bandit world: shapes, availability, imbalance,
misspecification, determinism, and replaying the loop's data."""

from __future__ import annotations

import numpy as np
import pytest

from looplab.core.seeding import generator
from looplab.core.streams import stream
from looplab.core.types import Action
from looplab.policies.regression_oracles import RidgeOracle
from looplab.worlds.linear_bandit import LinearBanditWorld
from looplab.worlds.payments import PaymentsConfig, PaymentsWorld


def _obs(world, S=3, seed=0):
    state = world.reset(S, stream(seed, S, "world-instance"))
    return state, world.observe(state, generator(seed, "world"))


def test_observation_shapes_and_one_hot_features():
    w = PaymentsWorld(PaymentsConfig(n_transactions=50))
    _, obs = _obs(w)
    X, avail = obs["features"], obs["avail"]
    assert X.shape == (3, 50, w.n_features) and avail.shape == (3, 50, 5)
    assert (X[:, :, 0] == 1).all()  # intercept
    for j, (start, L) in enumerate(zip(w._offsets, w.config.categorical_levels, strict=True)):
        block = X[:, :, start:start + L]
        assert (block.sum(axis=2) == 1).all(), f"categorical {j} is not one-hot"
    assert avail[:, :, 0].all(), "the default action is always available"
    assert 0.6 < avail[:, :, 1:].mean() < 0.8  # availability 0.7


def test_reward_is_imbalanced_and_actions_matter():
    w = PaymentsWorld(PaymentsConfig(n_transactions=4000))
    state, obs = _obs(w)
    p = w.expected_reward(state, obs)
    avail = obs["avail"]
    uniform = (p * avail).sum(axis=2) / avail.sum(axis=2)
    best = np.where(avail, p, -np.inf).max(axis=2)
    assert 0.8 < uniform.mean() < 0.92  # high base success rate: successes dominate
    assert best.mean() - uniform.mean() > 0.05  # routing is worth learning


def test_linear_model_cannot_fit_the_reward_even_with_much_data():
    """Misspecification: a per-action ridge on the learner's features, fit on 40k uniform
    decisions, still picks a different best action than the truth in > 10% of contexts."""
    w = PaymentsWorld(PaymentsConfig(n_transactions=20_000))
    state, obs = _obs(w, S=1, seed=3)
    p = w.expected_reward(state, obs)
    rng = np.random.default_rng(0)
    arm = rng.integers(0, 5, (1, 20_000))
    r = (rng.random(arm.shape) < np.take_along_axis(p, arm[..., None], 2)[..., 0]) * 1.0
    o = RidgeOracle()
    st = o.fit(o.init(1, 5, w.n_features), obs["features"], arm, r, np.ones_like(r))
    pred = o.predict(st, obs["features"])
    avail = obs["avail"]
    disagree = (np.where(avail, pred, -np.inf).argmax(2) != np.where(avail, p, -np.inf).argmax(2))
    assert disagree.mean() > 0.10


def test_same_seed_same_world_and_outcomes():
    w = PaymentsWorld(PaymentsConfig(n_transactions=30))
    (s1, o1), (s2, o2) = _obs(w, seed=5), _obs(w, seed=5)
    assert np.array_equal(o1["features"], o2["features"])
    assert np.array_equal(w.expected_reward(s1, o1), w.expected_reward(s2, o2))
    a = Action(arm=np.zeros((3, 30), dtype=np.int64), propensity=np.ones((3, 30)))
    _, out1 = w.step(s1, a, o1, np.random.default_rng(1))
    _, out2 = w.step(s2, a, o2, np.random.default_rng(1))
    assert np.array_equal(out1.reward, out2.reward)
    assert set(np.unique(out1.reward)) <= {0.0, 1.0}


def test_unavailable_action_is_rejected():
    w = PaymentsWorld(PaymentsConfig(n_transactions=200))
    state, obs = _obs(w)
    arm = np.zeros((3, 200), dtype=np.int64)
    off = np.argwhere(~obs["avail"][..., 1])[0]
    arm[tuple(off)] = 1
    with pytest.raises(ValueError, match="unavailable action in 1 transactions"):
        w.step(state, Action(arm=arm, propensity=np.ones(arm.shape)), obs,
               np.random.default_rng(0))


def test_bad_world_config_names_the_field():
    with pytest.raises(ValueError, match="availability"):
        PaymentsConfig(availability=0.0)


def test_linear_world_expected_reward_is_sigmoid_of_theta_x():
    w = LinearBanditWorld()
    state, obs = _obs(w, S=2)
    x = obs["features"]
    assert x.shape == (2, 1, 10)
    manual = 1 / (1 + np.exp(-np.einsum("snd,sdk->snk", x, state.theta)))
    assert np.allclose(w.expected_reward(state, obs), manual)
    assert abs(state.theta.std() - np.sqrt(1 / 10)) < 0.1  # theta_a ~ N(0, I/d)


def test_balanced_control_world_has_balanced_classes_and_the_same_actions():
    nat = PaymentsWorld(PaymentsConfig(n_transactions=4000))
    bal = PaymentsWorld(PaymentsConfig(n_transactions=4000, balanced=True))
    s_nat, _o_nat = _obs(nat)
    s_bal, o_bal = _obs(bal)
    p_bal = bal.expected_reward(s_bal, o_bal)
    assert 0.4 < p_bal.mean() < 0.6
    # only the intercept differs: the same instance's action effects
    assert np.array_equal(s_nat.u, s_bal.u) and np.array_equal(s_nat.C, s_bal.C)


def test_balanced_world_passes_the_contract_checks():
    from looplab.core.check import check_world

    check_world(PaymentsWorld(PaymentsConfig(n_transactions=50, balanced=True)))
