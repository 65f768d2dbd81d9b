"""RewardFusion: inference-time smoothing of a reward model over similar training inputs
(Shen et al., "The Trickle-down Impact of Reward (In-)consistency on RLHF", ICLR 2024;
code shadowkiller33/Contrast-Instruction ``code/reward_fusion.py``).

For a query x, retrieve the top-k training inputs x_j with cosine similarity
s_j >= ``threshold``, and return the similarity-weighted mean reward, the query itself
included with weight 1:

    r_fused(x) = ( r(x) + sum_j s_j r(x_j) ) / ( 1 + sum_j s_j )

Defaults from the paper: k = 5, threshold = 0.9 (SimCSE cosine there; cosine on the feature
vectors here).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

import numpy as np
from pydantic import Field

from looplab.preferences.data import PairwiseData
from looplab.preferences.reward_model import RewardModel

_CHUNK = 1024


@dataclass
class FusedRewardModel:
    """A fitted reward model whose ``score`` fuses each query with its neighbours in
    ``bank`` (the training inputs)."""

    base: RewardModel
    bank: np.ndarray
    k: int = 5
    threshold: float = 0.9

    def __post_init__(self) -> None:
        if self.k < 1:
            raise ValueError(f"k must be >= 1, got {self.k}")
        if not -1.0 <= self.threshold <= 1.0:
            raise ValueError(f"threshold must be in [-1, 1], got {self.threshold}")
        self._unit = self.bank / (np.linalg.norm(self.bank, axis=1, keepdims=True) + 1e-12)
        self._bank_scores = self.base.score(self.bank)

    def fit(self, data: object) -> FusedRewardModel:  # pragma: no cover - protocol shape
        raise TypeError("FusedRewardModel wraps a fitted model; fit the base model instead")

    def fit_targets(self, targets: object) -> FusedRewardModel:  # pragma: no cover
        raise TypeError("FusedRewardModel wraps a fitted model; fit the base model instead")

    def score(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        out = self.base.score(X)
        k = min(self.k, self.bank.shape[0])
        for lo in range(0, X.shape[0], _CHUNK):  # chunks bound the similarity matrix
            q = X[lo : lo + _CHUNK]
            sim = (q / (np.linalg.norm(q, axis=1, keepdims=True) + 1e-12)) @ self._unit.T
            top = np.argpartition(-sim, k - 1, axis=1)[:, :k]
            s = np.take_along_axis(sim, top, axis=1)
            s = np.where(s >= self.threshold, s, 0.0)
            num = out[lo : lo + _CHUNK] + (s * self._bank_scores[top]).sum(1)
            out[lo : lo + _CHUNK] = num / (1.0 + s.sum(1))
        return out


def fuse(model: RewardModel, data: PairwiseData, k: int = 5,
         threshold: float = 0.9) -> FusedRewardModel:
    """Wrap a fitted ``model`` with RewardFusion over the items of ``data``."""
    return FusedRewardModel(model, np.concatenate([data.xa, data.xb]), k, threshold)


def fit_reward_fusion(
    data: PairwiseData, make: Callable[[int], RewardModel], rng: np.random.Generator,
    k: Annotated[int, Field(ge=1, le=1000)] = 5,
    threshold: Annotated[float, Field(ge=-1.0, le=1.0)] = 0.9,
) -> FusedRewardModel:
    """Plain BT, scored with RewardFusion."""
    from looplab.preferences.objectives.bradley_terry import fit_bt

    return fuse(fit_bt(data, make, rng), data, k, threshold)


def fit_convexda_fusion(
    data: PairwiseData, make: Callable[[int], RewardModel], rng: np.random.Generator,
    k: Annotated[int, Field(ge=1, le=1000)] = 5,
    threshold: Annotated[float, Field(ge=-1.0, le=1.0)] = 0.9,
    n_aug: Annotated[int, Field(ge=3, le=1000)] = 5,
    noise: Annotated[float, Field(gt=0.0)] = 0.05,
) -> FusedRewardModel:
    """ConvexDA at training time plus RewardFusion at inference (the paper's combination)."""
    from looplab.preferences.objectives.convexda import fit_convexda

    return fuse(fit_convexda(data, make, rng, n_aug, noise), data, k, threshold)
