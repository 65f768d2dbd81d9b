"""HERON: hierarchical reward modeling from ranked reward factors (Bukharin et al. 2023,
"Deploying RL Agents under Hard-to-Specify Rewards"; code abukharin3/HERON
``robots/stable_baselines3/ppo/heron.py``).

Each item has observed factors f in R^K and the user ranks the factors by importance
(``order``, most important first). A pair is labeled by a decision tree: at level l with
factor h = order[l],

    f_a[h] > f_b[h] + sigma * std(f[:, h])  =>  a > b ;   reverse  =>  b > a ;
    otherwise go to level l + 1;  a tie at every level drops the pair.

The reward model is then Bradley-Terry on these labels. Default ``sigma = 0.1`` (a margin
hyper-parameter in the paper's code), ``order = (0, 1, ..., K-1)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from looplab.preferences.data import PairwiseData
from looplab.preferences.reward_model import RewardModel, Targets


def hierarchical_labels(
    fa: np.ndarray, fb: np.ndarray, order: Sequence[int], sigma: float | Sequence[float] = 0.1
) -> tuple[np.ndarray, np.ndarray]:
    """(label, decided) for factor matrices (n, K): label 1 = a preferred; ``decided`` is
    False where every level tied (those pairs are dropped)."""
    K = fa.shape[1]
    order = list(order)
    if sorted(order) != sorted(set(order)) or not all(0 <= h < K for h in order) or not order:
        raise ValueError(f"order must list distinct factor indices in [0, {K}), got {order}")
    sig = np.broadcast_to(np.asarray(sigma, dtype=np.float64), (len(order),))
    if (sig < 0).any():
        raise ValueError(f"sigma must be >= 0, got {sigma}")
    std = np.concatenate([fa, fb]).std(0)
    label = np.zeros(fa.shape[0])
    decided = np.zeros(fa.shape[0], dtype=bool)
    for lvl, h in enumerate(order):
        thr = sig[lvl] * std[h]
        a_wins = ~decided & (fa[:, h] > fb[:, h] + thr)
        b_wins = ~decided & (fb[:, h] > fa[:, h] + thr)
        label[a_wins] = 1.0
        decided |= a_wins | b_wins
    return label, decided


def fit_heron(
    data: PairwiseData, make: Callable[[int], RewardModel], rng: np.random.Generator,
    order: Sequence[int] | None = None, sigma: float | Sequence[float] = 0.1,
) -> RewardModel:
    """BT on hierarchical labels computed from the observed factors (the data's own
    ``label`` column is ignored)."""
    if data.factors_a is None or data.factors_b is None:
        raise ValueError("objective 'heron' needs factors_a/factors_b (observed reward factors)")
    order = list(range(data.factors_a.shape[1])) if order is None else order
    label, decided = hierarchical_labels(data.factors_a, data.factors_b, order, sigma)
    if not decided.any():
        raise ValueError("every pair tied at every HERON level; lower sigma")
    return make(0).fit_targets(Targets.pairs(data.xa[decided], data.xb[decided], label[decided]))
