"""Preference gridworld and CPL: the soft optimum's identities, the CPL gradient, labels."""

from __future__ import annotations

import numpy as np
import pytest

from looplab.policies.cpl import CPL
from looplab.worlds.prefgrid import PrefGrid, PrefGridConfig, Segments


def test_soft_optimum_identities_and_normalisation():
    grid = PrefGrid(PrefGridConfig(width=4))
    logpi = grid.A / grid.config.alpha  # A* = alpha log pi*
    assert np.allclose(np.exp(logpi).sum(-1), 1.0)
    assert grid.normalised(np.full((grid.n, 4), 0.25)) == pytest.approx(0.0)
    Q = grid.hard_q(grid.r)
    assert grid.normalised(np.eye(4)[Q.argmax(-1)]) == pytest.approx(1.0)


def test_regret_labels_prefer_the_segment_with_more_advantage():
    grid = PrefGrid(PrefGridConfig(width=4, pairs=3000, alpha=0.01))
    d = grid.segments(1, np.random.default_rng(0))
    disc = grid.config.gamma ** np.arange(grid.config.segment)
    score = (grid.A[d.s, d.a] * disc).sum(-1)[0]
    clear = np.abs(score[:, 0] - score[:, 1]) > 0.1
    winner = np.where(score[:, 0] > score[:, 1], 0, 1)
    assert (d.pref[0][clear] == winner[clear]).mean() > 0.99


def test_cpl_loss_gradient_matches_finite_differences(monkeypatch):
    grid = PrefGrid(PrefGridConfig(width=3, pairs=20, segment=3))
    d = grid.segments(1, np.random.default_rng(3))
    captured = {}

    def fake_adam(grad_fn, x, steps, lr):
        captured["g"] = grad_fn
        return x

    monkeypatch.setattr("looplab.policies.cpl.adam", fake_adam)
    CPL(l2=0.0).fit(grid, d)
    theta = np.random.default_rng(0).normal(size=(1, grid.n, 4))
    disc = grid.config.gamma ** np.arange(3)

    def loss(th):
        logp = th - np.log(np.exp(th).sum(-1, keepdims=True))
        w = np.take_along_axis(d.s, d.pref[..., None, None], 2)[:, :, 0]
        lo = np.take_along_axis(d.s, 1 - d.pref[..., None, None], 2)[:, :, 0]
        aw = np.take_along_axis(d.a, d.pref[..., None, None], 2)[:, :, 0]
        al = np.take_along_axis(d.a, 1 - d.pref[..., None, None], 2)[:, :, 0]
        m = (logp[0, w[0], aw[0]] * disc).sum(-1) - (logp[0, lo[0], al[0]] * disc).sum(-1)
        return float(np.mean(np.log1p(np.exp(-m))))

    eps = 1e-6
    num = np.zeros_like(theta)
    for idx in np.ndindex(theta.shape):
        up, dn = theta.copy(), theta.copy()
        up[idx] += eps
        dn[idx] -= eps
        num[idx] = (loss(up) - loss(dn)) / (2 * eps)
    assert np.allclose(captured["g"](theta), num, atol=1e-6)


def test_segments_are_identical_across_label_models_for_one_seed():
    a = PrefGrid(PrefGridConfig(width=4, labels="regret")).segments(2, np.random.default_rng(5))
    b = PrefGrid(PrefGridConfig(width=4, labels="return")).segments(2, np.random.default_rng(5))
    assert isinstance(a, Segments) and np.array_equal(a.s, b.s) and np.array_equal(a.a, b.a)


def test_family_run_is_deterministic():
    from looplab.families.cpl import FAMILY

    cfg = FAMILY.scenario(name="t", replicates=2, world=PrefGridConfig(width=3, pairs=40),
                          policies={"cpl": {"type": "cpl", "steps": 5},
                                    "rl": {"type": "reward_rl", "steps": 5,
                                           "labels": "return"}})
    a, b = FAMILY.run(cfg, None), FAMILY.run(cfg, None)
    assert a.equals(b) and set(a["labels"]) == {"regret", "return"}


def test_value_iteration_stops_per_batch_member():
    """A batch member's Q is the one it gets alone: the stopping rule is not pooled over
    the batch (a zero reward converges at once, the true reward takes ~200 sweeps)."""
    grid = PrefGrid(PrefGridConfig(width=4))
    batch = np.stack([np.zeros_like(grid.r), grid.r, 0.5 * grid.r])
    Q = grid.hard_q(batch)
    Qs, Vs = grid.soft_q(batch)
    for i in range(3):
        np.testing.assert_array_equal(Q[i], grid.hard_q(batch[i]))
        q, v = grid.soft_q(batch[i])
        np.testing.assert_array_equal(Qs[i], q)
        np.testing.assert_array_equal(Vs[i], v)
