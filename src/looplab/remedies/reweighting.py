"""Training-set re-weighting remedies for learners that retrain on their own logs.

- Importance weighting (inverse propensity): w_i = min(1 / p_i, clip), normalised to mean 1
  per replicate. Training on w-weighted logs targets the loss under uniform action choice,
  undoing the policy's own selection of which actions get data (the standard IPS-weighted
  ERM correction for logged bandit data). clip = 20 bounds the variance.
- Class re-weighting: positives and negatives each get half the total weight per replicate,
  w_i = 1 / (2 rate) for r_i = 1 and 1 / (2 (1 - rate)) for r_i = 0, so a window that grows
  more imbalanced (the Adyen paper's finding 1) does not swamp the rare class.
"""

from __future__ import annotations

import numpy as np


def _normalise(w: np.ndarray, valid: np.ndarray) -> np.ndarray:
    w = np.where(valid, w, 0.0)
    n = valid.sum(axis=1, keepdims=True)
    tot = w.sum(axis=1, keepdims=True)
    return np.where(tot > 0, w * n / np.where(tot > 0, tot, 1.0), w)


def importance_weights(
    propensity: np.ndarray, valid: np.ndarray, clip: float = 20.0
) -> np.ndarray:
    """(S, M) weights min(1/p, clip), mean 1 over each replicate's valid rows."""
    if clip < 1.0:
        raise ValueError(f"clip must be >= 1, got {clip}")
    p = np.where(valid, propensity, 1.0)
    return _normalise(np.minimum(1.0 / p, clip), valid)


def class_balance_weights(reward: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """(S, M) weights giving each class half the weight of a replicate's valid rows."""
    pos = (reward > 0.5) & valid
    n = valid.sum(axis=1, keepdims=True)
    n_pos = pos.sum(axis=1, keepdims=True)
    n_neg = n - n_pos
    w_pos = np.where(n_pos > 0, n / np.maximum(2.0 * n_pos, 1.0), 0.0)
    w_neg = np.where(n_neg > 0, n / np.maximum(2.0 * n_neg, 1.0), 0.0)
    # a replicate with a single class keeps weight 1
    single = (n_pos == 0) | (n_neg == 0)
    w = np.where(pos, w_pos, w_neg)
    return np.where(valid, np.where(single, 1.0, w), 0.0)
