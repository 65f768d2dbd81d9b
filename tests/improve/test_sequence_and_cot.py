"""Unit tests of the combination lock and of the chain-of-thought length model."""

from __future__ import annotations

import numpy as np
import pytest

from looplab.core.seeding import generator
from looplab.core.streams import Rows, Stream
from looplab.experiments.config import ConfigError, validate
from looplab.families.improve import FAMILY
from looplab.improve.cot_length import accuracy, optimal_length, simulate_accuracy
from looplab.improve.sequence import LockWorld, make_lock_task, sample_sequences, success_prob


def test_lock_success_probability_is_exact() -> None:
    task = make_lock_task(LockWorld(prompts=2, length=3, vocab=3, init_sd=1.0), 2,
                          generator(0, "w"))
    theta = task.theta0
    rng = np.random.default_rng(1)
    for prefix in (0, 2):
        j = np.full((2, 2), prefix)
        x, _ = sample_sequences(task, theta, 40000, j, rng)
        mc = (x == task.lock[:, :, None, :]).all(-1).mean(-1)
        assert np.allclose(mc, success_prob(task, theta, prefix), atol=0.01)


def test_cot_closed_form_optimum_and_simulation_agree() -> None:
    T, M, sigma, alpha = 16, 8.0, 0.05, 2.0
    Ns = np.arange(1, 41)
    closed = accuracy(Ns, T, M, sigma, alpha)
    n_star = optimal_length(T, M, sigma, alpha)
    assert abs(Ns[closed.argmax()] - n_star) <= 1.0
    sim = simulate_accuracy(T, M, sigma, alpha, np.array([1, 2, 4, 8, 16]), 20000,
                            Stream(Rows.of(0, 2), "sim"))
    assert sim.shape == (2, 5)
    assert np.allclose(sim, accuracy(np.array([1, 2, 4, 8, 16]), T, M, sigma, alpha),
                       atol=0.015)
    assert optimal_length(2 * T, M, sigma, alpha) > n_star > optimal_length(T, 2 * M, sigma,
                                                                           alpha)


def test_arms_must_match_their_world() -> None:
    with pytest.raises(ConfigError, match="lock world"):
        validate(FAMILY.scenario, {"name": "x", "kind": "improve",
                                   "worlds": {"w": {"type": "standard"}},
                                   "arms": {"p": {"type": "prefixrl"}}})
    with pytest.raises(ConfigError, match="cot world"):
        validate(FAMILY.scenario, {"name": "x", "kind": "improve",
                                   "worlds": {"w": {"type": "lock"}},
                                   "arms": {"c": {"type": "cot_rl"}}})
