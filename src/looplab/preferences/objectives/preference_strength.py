"""Preference strength from a reward-model ensemble, with label flipping and an adaptive
margin (Secrets of RLHF Part II: Reward Modeling, Wang et al. 2024, arXiv 2401.06080).

Train M reward models; for pair i (oriented chosen -> rejected by its observed label)

    d_im = r_m(x_chosen) - r_m(x_rejected),   u_i = mean_m d_im,   s_i = std_m d_im

Pairs with ``u_i < 0`` (the ensemble votes against the label; about 25% of HH-RLHF in the
paper) are flipped; then every pair is trained with the adaptive margin

    L = -E[ log sigmoid(r(x_c) - r(x_r) - margin_scale * max(u'_i, 0)) ]

where u'_i is the strength after flipping (-u_i for flipped pairs). With the default
``flip="negative"`` every pair ends with u'_i = |u_i|; with ``"bottom20"`` or ``"none"`` a
pair the ensemble still votes against keeps a zero margin rather than a positive one.
Defaults: M = 5 members (the paper uses an ensemble of several RMs; 5 here for CPU),
``flip="negative"`` (flip u < 0), ``margin_scale = 1``. Deviation: the paper varies only
data order/seed between members; a convex (linear) model would then give identical
members, so each member is fit on a bootstrap resample of the pairs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

import numpy as np
from pydantic import Field

from looplab.preferences.data import PairwiseData
from looplab.preferences.reward_model import RewardModel, Targets


def ensemble_strength(
    data: PairwiseData, make: Callable[[int], RewardModel], rng: np.random.Generator,
    members: int = 5,
) -> tuple[np.ndarray, np.ndarray]:
    """(mean, population std) over ``members`` bootstrap-fit BT models of the margin
    toward the observed winner of each pair."""
    if members < 2:
        raise ValueError(f"members must be >= 2, got {members}")
    sign = 2.0 * data.label - 1.0
    d = np.empty((members, data.n))
    for m in range(members):
        idx = rng.integers(0, data.n, data.n)
        model = make(m + 1).fit_targets(
            Targets.pairs(data.xa[idx], data.xb[idx], data.label[idx])
        )
        d[m] = sign * (model.score(data.xa) - model.score(data.xb))
    return d.mean(0), d.std(0)


def fit_strength(
    data: PairwiseData, make: Callable[[int], RewardModel], rng: np.random.Generator,
    members: Annotated[int, Field(ge=2, le=100)] = 5,
    flip: Literal["negative", "none", "bottom20"] = "negative",
    margin_scale: Annotated[float, Field(ge=0.0)] = 1.0,
) -> RewardModel:
    """Flip the pairs the ensemble votes against, then BT with margin max(u'_i, 0).

    ``flip``: "negative" (u < 0), "none", or "bottom20" (the lowest-u 20%)."""
    if flip not in ("negative", "none", "bottom20"):
        raise ValueError(f"flip must be one of negative, none, bottom20; got {flip!r}")
    if margin_scale < 0:
        raise ValueError(f"margin_scale must be >= 0, got {margin_scale}")
    u, _ = ensemble_strength(data, make, rng, members)
    if flip == "negative":
        flipped = u < 0
    elif flip == "bottom20":
        flipped = u <= np.quantile(u, 0.2)
    else:
        flipped = np.zeros(data.n, dtype=bool)
    label = np.where(flipped, 1.0 - data.label, data.label)
    strength = np.where(flipped, -u, u)
    # orient every pair chosen -> rejected so the margin applies to the chosen side
    chosen = np.where(label[:, None] == 1.0, data.xa, data.xb)
    rejected = np.where(label[:, None] == 1.0, data.xb, data.xa)
    delta = margin_scale * np.maximum(strength, 0.0)
    return make(0).fit_targets(Targets.pairs(chosen, rejected, np.ones(data.n), delta=delta))
