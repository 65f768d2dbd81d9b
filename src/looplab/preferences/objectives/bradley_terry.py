"""Bradley-Terry reward modeling (Bradley & Terry 1952; the RLHF reward-model loss of
Ouyang et al. 2022 / Secrets of RLHF II eq. 1).

    P(a > b) = sigmoid(r(a) - r(b)),   L = -E[ y log P(a > b) + (1 - y) log P(b > a) ]

No defaults beyond the model's ridge penalty.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from looplab.preferences.data import PairwiseData
from looplab.preferences.reward_model import RewardModel, Targets


def fit_bt(
    data: PairwiseData, make: Callable[[int], RewardModel], rng: np.random.Generator
) -> RewardModel:
    """Plain Bradley-Terry on the observed labels."""
    return make(0).fit_targets(Targets.pairs(data.xa, data.xb, data.label))
