"""ConvexDA: convex-hull data augmentation for reward models (Shen et al., "The
Trickle-down Impact of Reward (In-)consistency on RLHF", ICLR 2024; code
shadowkiller33/Contrast-Instruction ``code/DA_convex.py``).

For each pair (chosen c, rejected r): make ``n_aug`` perturbed variants of c, project them
to 2-D with PCA, keep the variants that are vertices of their convex hull, and add
(variant, r) as extra preference pairs labeled "variant preferred":

    D' = D  u  { (c~_j, r) : c~_j in vertices(ConvexHull(PCA_2(c~_1..c~_n))) }

Defaults from the paper's code: ``n_aug = 5`` variants. The paper perturbs text with
nlpaug SpellingAug (<= 5% of words) of the *response* while the prompt stays; on feature
vectors a Gaussian perturbation stands in for it, of size ``noise`` (default 0.05) times
each feature's std across the pair differences ``xa - xb``, so features shared by both
sides of a comparison (the prompt) are not perturbed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import numpy as np
from pydantic import Field
from scipy.spatial import ConvexHull, QhullError

from looplab.preferences.data import PairwiseData
from looplab.preferences.reward_model import RewardModel, Targets


def hull_vertices_2d(points: np.ndarray) -> np.ndarray:
    """Indices of the convex-hull vertices of ``points`` (k, d) after PCA to 2-D."""
    centered = points - points.mean(0)
    _, _, vt = np.linalg.svd(centered, full_matrices=False)
    proj = centered @ vt[:2].T
    try:
        return np.sort(ConvexHull(proj).vertices)
    except QhullError:  # degenerate (collinear) projections: keep every variant
        return np.arange(points.shape[0])


def convex_augment(
    data: PairwiseData, rng: np.random.Generator, n_aug: int = 5, noise: float = 0.05
) -> tuple[np.ndarray, np.ndarray]:
    """(augmented chosen, matching rejected) pairs from the hull vertices per pair."""
    if n_aug < 3:
        raise ValueError(f"n_aug must be >= 3 (a 2-D hull needs 3 points), got {n_aug}")
    if noise <= 0:
        raise ValueError(f"noise must be > 0, got {noise}")
    win = data.label[:, None] == 1.0
    chosen = np.where(win, data.xa, data.xb)
    rejected = np.where(win, data.xb, data.xa)
    scale = noise * (data.xa - data.xb).std(0)
    variants = chosen[:, None, :] + scale * rng.standard_normal((data.n, n_aug, data.dim))
    aug_c, aug_r = [], []
    for i in range(data.n):  # scipy's Qhull works one point set at a time
        v = hull_vertices_2d(variants[i])
        aug_c.append(variants[i, v])
        aug_r.append(np.repeat(rejected[i : i + 1], v.size, axis=0))
    return np.concatenate(aug_c), np.concatenate(aug_r)


def fit_convexda(
    data: PairwiseData, make: Callable[[int], RewardModel], rng: np.random.Generator,
    n_aug: Annotated[int, Field(ge=3, le=1000)] = 5,
    noise: Annotated[float, Field(gt=0.0)] = 0.05,
) -> RewardModel:
    """BT on the original pairs plus their convex-hull augmentations."""
    ac, ar = convex_augment(data, rng, n_aug, noise)
    xa = np.concatenate([data.xa, ac])
    xb = np.concatenate([data.xb, ar])
    label = np.concatenate([data.label, np.ones(ac.shape[0])])
    return make(0).fit_targets(Targets.pairs(xa, xb, label))
