"""Meta-exploration pieces: the exploration measure, the references, a tiny GRU run."""

from __future__ import annotations

import numpy as np
import pytest

from looplab.families.meta_exploration import FAMILY
from looplab.worlds.meta_bandit import (
    MetaBanditConfig,
    exploration_rate,
    myopic,
    structured_means,
    thompson,
)


def test_exploration_rate_counts_pulls_off_the_empirical_best():
    # 4 steps, first half = 2: step 0 nothing pulled (counts), step 1 pulls arm 1 while
    # arm 0 (reward 1) is best -> counts: 2 / 2
    A = np.array([[0, 1, 0, 0], [0, 0, 0, 0]])
    R = np.array([[1, 0, 1, 1], [1, 1, 1, 1]], dtype=float)
    assert np.allclose(exploration_rate(A, R, 2), [1.0, 0.5])


def test_references_play_valid_arms_and_thompson_finds_the_good_arm():
    rng = np.random.default_rng(0)
    means = structured_means(500, 4, 0.9, 0.2, rng)
    for fn in (myopic, thompson):
        A, R = fn(means, 30, np.random.default_rng(1))
        assert A.shape == R.shape == (500, 30) and ((A >= 0) & (A < 4)).all()
    A, _ = thompson(means, 30, np.random.default_rng(1))
    assert (means[np.arange(500), A[:, -1]] == 0.9).mean() > 0.8


@pytest.mark.slow
def test_tiny_gru_scenario_is_deterministic():
    pytest.importorskip("torch")
    cfg = FAMILY.scenario(
        name="t", world=MetaBanditConfig(test_tasks=50, horizon=6),
        policies={"gru": {"type": "meta_gru", "updates": 3, "batch": 16, "hidden": 8},
                  "greedy": {"type": "heuristic"}})
    a, b = FAMILY.run(cfg, None), FAMILY.run(cfg, None)
    assert a.equals(b) and set(a["policy"]) == {"gru", "greedy"}
