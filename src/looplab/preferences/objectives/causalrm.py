"""CausalRM: reward models from observational user feedback (Wang et al. 2026,
arXiv 2603.18736).

Feedback o_i ~ Bernoulli(p(x_i)) is observed more often for responses users feel strongly
about, and observed labels are noisy with rho_10 = P(y~=0 | y=1), rho_01 = P(y~=1 | y=0).

Noise-aware surrogate (backward correction for class-conditional noise, Natarajan et al.
2013, which is unbiased for the clean loss: E_{y~}[l~(f, y~)] = l(f, y)):

    l~(f, 1) = [(1 - rho_01) l(f, 1) - rho_10 l(f, 0)] / (1 - rho_10 - rho_01)
    l~(f, 0) = [(1 - rho_10) l(f, 0) - rho_01 l(f, 1)] / (1 - rho_10 - rho_01)

Propensity reweighting (IPS) removes the selection bias:

    L = (1/N) sum_i  o_i * l~(f(x_i), y~_i) / p_i

with l the logistic loss on the score f(x) = logit P(y = 1 | x). Weights are capped at
1 / ``clip`` (default clip 0.05, i.e. weights <= 20, standard IPS practice). The paper's
loss form is reconstructed from its abstract (see notes/reward-loops.md, sec. 10); the
simulation follows its benchmark (propensity = alpha^(r_max - r), flips r10/r01).
``naive`` / ``ips`` / ``noise_aware`` are the ablations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

import numpy as np
from pydantic import Field

from looplab.preferences.data import PointwiseData
from looplab.preferences.reward_model import RewardModel, Targets


def noise_aware_coefficients(
    label: np.ndarray, rho_10: float, rho_01: float
) -> tuple[np.ndarray, np.ndarray]:
    """(coef of l(f,1), coef of l(f,0)) of the backward-corrected loss per noisy label."""
    if not (0 <= rho_10 < 1 and 0 <= rho_01 < 1 and rho_10 + rho_01 < 1):
        raise ValueError(f"noise rates must be in [0, 1) with sum < 1, got {rho_10}, {rho_01}")
    k = 1.0 - rho_10 - rho_01
    pos = np.where(label == 1.0, 1.0 - rho_01, -rho_01) / k
    neg = np.where(label == 1.0, -rho_10, 1.0 - rho_10) / k
    return pos, neg


def _fit(
    data: PointwiseData, make: Callable[[int], RewardModel], weighted: bool, noise_aware: bool,
    clip: float, noise_rates: tuple[float, float] | None,
) -> RewardModel:
    if not 0.0 < clip <= 1.0:
        raise ValueError(f"clip must be in (0, 1], got {clip}")
    o = data.observed
    y = data.label[o]
    if noise_aware:
        rates = noise_rates if noise_rates is not None else data.noise_rates
        if rates is None:
            raise ValueError("noise-aware loss needs noise_rates=(rho_10, rho_01): pass them "
                             "or set PointwiseData.noise_rates")
        pos, neg = noise_aware_coefficients(y, *rates)
    else:
        pos, neg = y, 1.0 - y
    # clipped inverse propensity min(1/p, 1/clip); the loss normalizes by the weight sum
    w = 1.0 / np.maximum(data.propensity[o], clip) if weighted else np.ones(y.size)
    return make(0).fit_targets(Targets(data.x[o], None, w * pos, w * neg, np.zeros(y.size)))


def fit_naive(data: PointwiseData, make: Callable[[int], RewardModel],
              rng: np.random.Generator) -> RewardModel:
    """Logistic loss on the observed noisy labels, unweighted."""
    return _fit(data, make, False, False, 1.0, None)


def fit_ips(data: PointwiseData, make: Callable[[int], RewardModel], rng: np.random.Generator,
            clip: Annotated[float, Field(gt=0.0, le=1.0)] = 0.05) -> RewardModel:
    """Propensity-weighted logistic loss (selection bias only)."""
    return _fit(data, make, True, False, clip, None)


def fit_noise_aware(data: PointwiseData, make: Callable[[int], RewardModel],
                    rng: np.random.Generator,
                    noise_rates: tuple[float, float] | None = None) -> RewardModel:
    """Backward-corrected loss (label noise only)."""
    return _fit(data, make, False, True, 1.0, noise_rates)


def fit_causalrm(data: PointwiseData, make: Callable[[int], RewardModel],
                 rng: np.random.Generator,
                 clip: Annotated[float, Field(gt=0.0, le=1.0)] = 0.05,
                 noise_rates: tuple[float, float] | None = None) -> RewardModel:
    """CausalRM: noise-aware surrogate loss with propensity reweighting."""
    return _fit(data, make, True, True, clip, noise_rates)
