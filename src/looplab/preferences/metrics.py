"""Reward-model metrics against the hidden truth, each a ``looplab.stats.Estimate`` with a
95% paired percentile bootstrap interval (``looplab.stats.bootstrap``, 999 resamples).

* ``pairwise_accuracy``: share of held-out pairs ordered as the true reward orders them.
* ``spearman``: rank correlation of the model's scores with the true reward.
* ``auroc``: ranking of items by score against their true binary label (CausalRM).
* ``consistency``: on near-duplicate contexts whose true preferences differ (the
  Contrast-Instructions analogue of Shen et al. 2024), the share of sets where the model
  gets both comparisons right.
* ``calibration_error``: expected calibration error (10 equal-width bins) of predicted
  probabilities against true binary outcomes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special, stats

from looplab.preferences.data import (
    FeatureTask,
    PairwiseData,
    PairwiseSource,
    PointwiseSource,
    simulate_pairs,
)
from looplab.stats import Estimate, bootstrap

Array = np.ndarray
N_RESAMPLES = 999


def _boot(statistic: Any, *arrays: Array, rng: np.random.Generator,
          n_resamples: int = N_RESAMPLES) -> Estimate:
    """Paired percentile bootstrap over the units (last axis) of ``arrays``."""
    return bootstrap(arrays, statistic, method="percentile", n_resamples=n_resamples, rng=rng,
                     paired=True, axis=-1)


def _mean(x: Array, axis: int = -1) -> Array:
    return np.mean(x, axis=axis)


def _spearman(a: Array, b: Array, axis: int = -1) -> Array:
    ra = stats.rankdata(a, axis=axis)
    rb = stats.rankdata(b, axis=axis)
    ra = ra - ra.mean(axis=axis, keepdims=True)
    rb = rb - rb.mean(axis=axis, keepdims=True)
    return (ra * rb).sum(axis) / np.sqrt((ra * ra).sum(axis) * (rb * rb).sum(axis))


def _auroc(score: Array, y: Array, axis: int = -1) -> Array:
    r = stats.rankdata(score, axis=axis)
    n1 = y.sum(axis)
    n0 = y.shape[axis] - n1
    return ((r * y).sum(axis) - n1 * (n1 + 1) / 2) / (n1 * n0)


def pairwise_accuracy(model: Any, pairs: PairwiseData, rng: np.random.Generator) -> Estimate:
    """Share of pairs whose true preference (truth table) the model reproduces."""
    if pairs.truth is None:
        raise ValueError("pairwise_accuracy needs pairs with a truth table")
    m = model.score(pairs.xa) - model.score(pairs.xb)
    correct = ((m > 0) == (pairs.truth.reward_a > pairs.truth.reward_b)).astype(np.float64)
    return _boot(_mean, correct, rng=rng)


def spearman(model: Any, X: Array, true_reward: Array, rng: np.random.Generator) -> Estimate:
    """Spearman correlation of ``model.score(X)`` with ``true_reward``."""
    return _boot(_spearman, model.score(X), np.asarray(true_reward, np.float64), rng=rng)


def auroc(model: Any, X: Array, true_label: Array, rng: np.random.Generator) -> Estimate:
    """AUROC of ``model.score(X)`` against binary ``true_label``."""
    y = np.asarray(true_label, np.float64)
    if y.min() == y.max():
        raise ValueError("auroc needs both classes in true_label")
    return _boot(_auroc, model.score(X), y, rng=rng)


def consistency(
    model: Any, sets: tuple[Array, Array, Array, Array], rng: np.random.Generator
) -> Estimate:
    """Share of contrast sets (x11, x12, x21, x22) with r(x11) > r(x12) and r(x22) > r(x21)."""
    x11, x12, x21, x22 = sets
    ok = (model.score(x11) > model.score(x12)) & (model.score(x22) > model.score(x21))
    return _boot(_mean, ok.astype(np.float64), rng=rng)


def _ece(p: Array, y: Array, axis: int = -1, bins: int = 10) -> Array | float:
    idx = np.minimum((p * bins).astype(int), bins - 1)
    out: Array | float = 0.0
    n = p.shape[axis]
    for b in range(bins):
        inb = idx == b
        cnt = inb.sum(axis)
        gap = np.abs((p * inb).sum(axis) - (y * inb).sum(axis))
        out = out + np.where(cnt > 0, gap, 0.0) / n
    return out


def calibration_error(p: Array, y: Array, rng: np.random.Generator) -> Estimate:
    """Expected calibration error of probabilities ``p`` against binary outcomes ``y``."""
    p = np.asarray(p, np.float64)
    if ((p < 0) | (p > 1)).any():
        raise ValueError("calibration_error needs probabilities in [0, 1]")
    return _boot(_ece, p, np.asarray(y, np.float64), rng=rng)


def pair_probabilities(model: Any, pairs: PairwiseData) -> Array:
    """Model P(first item preferred) = sigmoid(r(a) - r(b))."""
    return special.expit(model.score(pairs.xa) - model.score(pairs.xb))


@dataclass(frozen=True)
class TestSet:
    """Fixed clean test data from a task: same-context pairs (true order), random items
    (true reward; true label under ``pointwise``'s threshold, no selection, no noise) and
    contrast sets."""

    pairs: PairwiseData
    items: Array
    reward: Array
    label: Array | None
    contrast: tuple[Array, Array, Array, Array]


def make_test_set(
    task: FeatureTask, rng: np.random.Generator, n_test: int = 2000, n_contrast: int = 500,
    pointwise: PointwiseSource | None = None,
) -> TestSet:
    """Clean held-out data for ``evaluate`` (the pairs are labeled by a perfect annotator)."""
    pairs = simulate_pairs(task, n_test, PairwiseSource(temperatures=(1e-9,)), rng)
    items = task.sample_items(n_test, rng)
    r = task.reward_of_features(items)
    label = None if pointwise is None else pointwise.observe(r, rng)[3]
    return TestSet(pairs, items, r, label, task.contrast_sets(n_contrast, rng))


def evaluate(
    model: Any, test: TestSet, rng: np.random.Generator | None = None
) -> dict[str, Estimate]:
    """Accuracy, Spearman, consistency and calibration (pairs: P(a>b) against the true
    order; pointwise: P(y=1) against the true label), plus AUROC for pointwise test sets.
    ``rng`` None skips the bootstrap (intervals are NaN), for use inside loops."""
    pairs = test.pairs
    m = model.score(pairs.xa) - model.score(pairs.xb)
    truth = pairs.truth.label  # type: ignore[union-attr]
    x11, x12, x21, x22 = test.contrast
    s = model.score(test.items)
    cols: dict[str, tuple[Any, tuple[Array, ...]]] = {
        "accuracy": (_mean, (((m > 0) == (truth == 1.0)).astype(np.float64),)),
        "spearman": (_spearman, (s, test.reward)),
        "consistency": (_mean, (((model.score(x11) > model.score(x12))
                                 & (model.score(x22) > model.score(x21))).astype(np.float64),)),
    }
    if test.label is not None:
        cols["auroc"] = (_auroc, (s, test.label))
        cols["calibration"] = (_ece, (special.expit(s), test.label))
    else:
        cols["calibration"] = (_ece, (special.expit(m), truth))
    out = {}
    for name, (stat, arrays) in cols.items():
        if rng is None:
            out[name] = Estimate(float(stat(*arrays, axis=-1)), float("nan"), float("nan"),
                                 int(arrays[0].shape[-1]), "none", 0.95)
        else:
            out[name] = _boot(stat, *arrays, rng=rng)
    return out
