"""Label smoothing for Bradley-Terry (Secrets of RLHF Part II, Wang et al. 2024, sec. 3).

    L_LS = -E[ (1 - alpha) log sigmoid(r_c - r_r) + alpha log(1 - sigmoid(r_c - r_r)) ]

i.e. BT with the soft label ``(1 - alpha) y + alpha (1 - y)``. Default ``alpha = 0.1``
(the paper's smoothing value; it is a hyper-parameter there too).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import numpy as np
from pydantic import Field

from looplab.preferences.data import PairwiseData
from looplab.preferences.reward_model import RewardModel, Targets


def fit_label_smoothing(
    data: PairwiseData, make: Callable[[int], RewardModel], rng: np.random.Generator,
    alpha: Annotated[float, Field(ge=0.0, lt=0.5)] = 0.1,
) -> RewardModel:
    """BT on labels smoothed by ``alpha`` in [0, 0.5)."""
    if not 0.0 <= alpha < 0.5:
        raise ValueError(f"alpha must be in [0, 0.5), got {alpha}")
    soft = (1.0 - alpha) * data.label + alpha * (1.0 - data.label)
    return make(0).fit_targets(Targets.pairs(data.xa, data.xb, soft))
