"""Contextual policies: the ridge oracle's updates, exploration rules and their logged
propensities, batched vs single-stream equivalence, retraining schedule, bad settings."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from looplab.core.channels import BanditFeedback
from looplab.core.loop import run
from looplab.core.streams import stream
from looplab.core.streams import stream as policy_stream
from looplab.ope import LogRecorder
from looplab.policies.contextual import Retraining
from looplab.policies.contextual_epsilon_greedy import ContextualEpsilonGreedy
from looplab.policies.contextual_greedy import ContextualGreedy
from looplab.policies.linear_stream import run_linear_stream
from looplab.policies.linear_thompson import LinearThompson, thompson_probabilities
from looplab.policies.linucb import LinUCB
from looplab.policies.regression_oracles import BoostedOracle, RidgeOracle
from looplab.policies.squarecb import SquareCB, squarecb_probabilities
from looplab.policies.uniform_erm import UniformERM
from looplab.worlds.linear_bandit import LinearBanditWorld
from looplab.worlds.payments import PaymentsConfig, PaymentsWorld

FB = BanditFeedback(signals=("features", "avail"))


def test_sherman_morrison_updates_match_the_batch_solution():
    rng = np.random.default_rng(0)
    S, T, K, d = 2, 60, 3, 4
    o = RidgeOracle(l2=0.5)
    st = o.init(S, K, d)
    X = rng.standard_normal((S, T, d))
    arm = rng.integers(0, K, (S, T))
    r = rng.random((S, T))
    for t in range(T):
        st = o.update(st, X[:, t:t + 1], arm[:, t:t + 1], r[:, t:t + 1], np.ones(S, bool))
    for s in range(S):
        for k in range(K):
            Xk, rk = X[s][arm[s] == k], r[s][arm[s] == k]
            A = 0.5 * np.eye(d) + Xk.T @ Xk
            assert np.allclose(st.A_inv[s, k], np.linalg.inv(A))
            assert np.allclose(st.theta[s, k], np.linalg.solve(A, Xk.T @ rk))


def test_squarecb_probabilities_follow_inverse_gap_weighting():
    pred = np.array([[0.9, 0.8, 0.5, 0.7]])
    avail = np.array([[True, True, True, False]])
    p = squarecb_probabilities(pred, avail, gamma=10.0)[0]
    assert p[3] == 0.0
    assert np.isclose(p[1], 1 / (3 + 10 * 0.1)) and np.isclose(p[2], 1 / (3 + 10 * 0.4))
    assert np.isclose(p.sum(), 1.0) and p[0] == p.max()
    assert np.allclose(squarecb_probabilities(pred, avail, 0.0)[0, :3], 1 / 3)  # gamma 0


def test_squarecb_gamma_grows_as_vw_schedule():
    pol = SquareCB()
    st = pol.init(LinearBanditWorld().action_spec(), 1, np.random.default_rng(0))
    st = replace(st, n_learned=400)
    assert pol.gamma(st) == pytest.approx(10 * 400 ** 0.5)


def test_thompson_probabilities_match_monte_carlo():
    rng = np.random.default_rng(1)
    mean = np.array([0.50, 0.55, 0.45, 0.9])
    sd = np.array([0.05, 0.10, 0.20, 0.01])
    avail = np.array([True, True, True, False])
    p = thompson_probabilities(mean, sd, avail)
    draws = rng.normal(mean[:3], sd[:3], (400_000, 3)).argmax(axis=1)
    mc = np.bincount(draws, minlength=3) / draws.size
    assert p[3] == 0.0 and np.isclose(p.sum(), 1.0)
    assert np.abs(p[:3] - mc).max() < 0.005


@pytest.mark.parametrize("policy", [LinUCB(), SquareCB(), ContextualEpsilonGreedy(),
                                    ContextualGreedy()], ids=lambda p: p.name)
def test_batched_policy_takes_the_same_actions_as_the_single_stream_path(policy):
    world, T, S, seed = LinearBanditWorld(), 600, 3, 4
    rec = LogRecorder()
    run(world, policy, FB, [rec], T, S, seed)
    log = rec.frame()
    X, P, U = world.draw_streams(T, S, seed)
    g = policy_stream(seed, S, "policy")
    V = np.stack([g.random((S, 1)) for _ in range(T)])
    for s in range(S):
        mine = log[log.replicate == s].sort_values("round")
        assert np.array_equal(mine[[f"x_{j}" for j in range(10)]].to_numpy(), X[:, s, 0])
        res = run_linear_stream(policy, X[:, s, 0], P[:, s, 0], U[:, s, 0], V[:, s, 0])
        assert np.array_equal(res.arm, mine.action.to_numpy())
        assert np.allclose(res.propensity, mine.propensity.to_numpy())


def _payments_log(policy, rounds=6, S=2, N=150, delay=1):
    world = PaymentsWorld(PaymentsConfig(n_transactions=N))
    rec = LogRecorder()
    run(world, policy, BanditFeedback(signals=("features", "avail"), delay=delay), [rec],
        rounds, S, 0)
    return rec.frame()


GEN = Retraining(online=False, every=2, window=2)


@pytest.mark.parametrize("policy", [
    UniformERM(retraining=GEN), ContextualGreedy(retraining=GEN),
    ContextualEpsilonGreedy(retraining=GEN), LinUCB(retraining=GEN),
    LinearThompson(retraining=GEN), SquareCB(retraining=GEN),
], ids=lambda p: p.name)
def test_logged_actions_are_available_and_propensities_valid(policy):
    log = _payments_log(policy)
    av = log[[f"avail_{a}" for a in range(5)]].to_numpy()
    assert av[np.arange(len(log)), log.action.to_numpy()].all()
    p = log.propensity.to_numpy()
    assert ((p > 0) & (p <= 1)).all()
    first = log[log["round"] < 2]  # generation 0: uniform exploration before any refit
    assert np.allclose(first.propensity, 1 / av[log["round"].to_numpy() < 2].sum(axis=1))


def test_deterministic_policies_log_propensity_one_after_the_first_refit():
    log = _payments_log(LinUCB(retraining=GEN))
    assert (log[log["round"] >= 2].propensity == 1.0).all()


def test_generation_refit_sees_only_revealed_rounds_of_the_window():
    pol = SquareCB(retraining=Retraining(online=False, every=4, window=4))
    world = PaymentsWorld(PaymentsConfig(n_transactions=20))
    spec = world.action_spec()
    st = pol.init(spec, 1, np.random.default_rng(0))
    ch = BanditFeedback(signals=("features", "avail"), delay=2)
    cs = ch.init(spec, 1, np.random.default_rng(0))
    state = world.reset(1, stream(0, 1, "world-instance"))
    rng = np.random.default_rng(0)
    for _ in range(4):
        obs = world.observe(state, rng)
        act = pol.act(st, obs, rng)
        state, out = world.step(state, act, obs, rng)
        cs, fb = ch.transmit(cs, act, out, rng)
        st = pol.update(st, fb)
    assert st.fitted and len(st.window) == 2  # 4 rounds, the last 2 not yet revealed
    assert st.n_learned == 40


def test_same_seed_same_generation_run():
    a = _payments_log(SquareCB(retraining=GEN))
    b = _payments_log(SquareCB(retraining=GEN))
    assert a.equals(b)


def test_boosted_oracle_fits_and_predicts_probabilities():
    pol = SquareCB(oracle=BoostedOracle(max_iter=5), retraining=GEN)
    log = _payments_log(pol, rounds=4, S=1, N=100)
    assert len(log) == 400


def test_bad_policy_settings_are_rejected():
    with pytest.raises(ValueError, match="oracle"):  # LinUCB needs the ridge posterior
        LinUCB(oracle=BoostedOracle(), retraining=GEN)
    with pytest.raises(ValueError, match="online = false"):
        SquareCB(oracle=BoostedOracle())
    with pytest.raises(ValueError, match="epsilon"):
        ContextualEpsilonGreedy(epsilon=1.5)
    with pytest.raises(ValueError, match="window"):
        Retraining(online=False, window=0)
