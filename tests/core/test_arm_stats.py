"""Per-arm statistics and confidence radii."""

from __future__ import annotations

import numpy as np

from looplab.core.types import Feedback
from looplab.policies.arm_stats import ArmStats


def _feed(stats: ArmStats, arm: np.ndarray, r: np.ndarray, g: np.ndarray) -> ArmStats:
    return stats.update(
        Feedback(arm=arm, propensity=np.ones(len(arm)), reward=r,
                 mask=np.ones(len(arm), bool), signals={"residuals": g})
    )


def test_welford_matches_numpy_mean_and_variance():
    rng = np.random.default_rng(0)
    st = ArmStats.zeros(2, 3, 1)
    xs = rng.normal(size=(50, 2))
    gs = rng.normal(size=(50, 2, 1))
    for x, g in zip(xs, gs, strict=True):
        st = _feed(st, np.array([1, 2]), x, g)
    assert np.allclose(st.mean_r[[0, 1], [1, 2]], xs.mean(0))
    assert np.allclose(st.m2_r[[0, 1], [1, 2]] / 49, xs.var(0, ddof=1))
    assert np.allclose(st.mean_g[[0, 1], [1, 2], 0], gs[:, :, 0].mean(0))
    assert st.n[0].tolist() == [0, 50, 0]


def test_radius_is_infinite_unplayed_and_shrinks_with_low_noise():
    st = ArmStats.zeros(1, 2, 0)
    for _ in range(200):
        st = _feed(st, np.array([0]), np.array([0.3]), np.zeros((1, 0)))
    rad = st.radius(st.m2_r, width=2.0, delta=0.05)
    assert np.isinf(rad[0, 1])
    # a noiseless quantity's radius after 200 plays is far below a range-sized radius
    assert rad[0, 0] < 0.05


def test_masked_replicates_are_not_updated():
    st = ArmStats.zeros(2, 2, 0)
    st = st.update(Feedback(arm=np.array([0, 0]), propensity=np.ones(2), reward=np.ones(2),
                            mask=np.array([True, False])))
    assert st.n.tolist() == [[1, 0], [0, 0]]
