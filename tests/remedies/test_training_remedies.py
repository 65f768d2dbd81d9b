"""Remedies for policies retrained on their own logs: importance and class weights, the
uniform slice, and the training set with older logs mixed in."""

from __future__ import annotations

import numpy as np
import pytest

from looplab.remedies import (
    LogBatch,
    TrainingRemedies,
    build_training_set,
    class_balance_weights,
    importance_weights,
    mix_uniform,
)


def test_importance_weights_are_clipped_inverse_propensities_with_mean_one():
    p = np.array([[0.5, 0.25, 0.01, 1.0]])
    valid = np.ones_like(p, dtype=bool)
    w = importance_weights(p, valid, clip=20.0)
    raw = np.array([2.0, 4.0, 20.0, 1.0])
    assert np.allclose(w[0], raw / raw.mean())
    with pytest.raises(ValueError, match="clip"):
        importance_weights(p, valid, clip=0.5)


def test_class_balance_gives_each_class_half_the_weight():
    r = np.array([[1, 1, 1, 1, 1, 1, 1, 1, 0, 0], [1] * 10], dtype=float)
    valid = np.ones_like(r, dtype=bool)
    w = class_balance_weights(r, valid)
    assert np.isclose(w[0, r[0] == 1].sum(), w[0, r[0] == 0].sum())
    assert np.isclose(w[0].sum(), 10)
    assert np.allclose(w[1], 1.0)  # one class only: unchanged


def test_uniform_slice_keeps_every_available_action_explored():
    probs = np.array([[1.0, 0.0, 0.0, 0.0]])
    avail = np.array([[True, True, False, True]])
    mixed = mix_uniform(probs, avail, 0.05)
    assert np.isclose(mixed.sum(), 1.0) and mixed[0, 2] == 0.0
    assert np.isclose(mixed[0, 1], 0.05 / 3)


def _batch(value: float, S=2, N=3) -> LogBatch:
    return LogBatch(
        features=np.full((S, N, 2), value), avail=np.ones((S, N, 2), bool),
        arm=np.zeros((S, N), np.int64), propensity=np.full((S, N), 0.5),
        reward=np.ones((S, N)), mask=np.array([True, False]),
    )


def test_training_set_mixes_older_logs_at_their_weight_and_skips_missing_feedback():
    rem = TrainingRemedies(older_rounds=1, older_weight=0.25)
    X, _arm, _r, w = build_training_set([_batch(1.0)], [_batch(9.0), _batch(0.0)], rem)
    assert X.shape == (2, 6, 2)
    assert (X[0, :3] == 0.0).all()  # only the most recent older round
    assert np.allclose(w[0], [0.25] * 3 + [1.0] * 3)
    assert (w[1] == 0).all()  # replicate 1 got no feedback
    assert TrainingRemedies(importance_weighting=True, uniform_slice=0.05).label() == (
        "ipw+uniform0.05")
