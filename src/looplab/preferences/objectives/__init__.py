"""Reward-model objectives: one file per paper, one registry.

Each objective is ``fit(data, make_model, rng, **params) -> fitted model``; ``make_model(k)``
returns a fresh model (``k`` indexes ensemble members). ``OBJECTIVES[name].shape`` is the
data shape it accepts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from looplab.core.params import Params, signature_params
from looplab.preferences.data import PairwiseData, PointwiseData
from looplab.preferences.objectives import (
    bradley_terry,
    causalrm,
    convexda,
    heron,
    label_smoothing,
    preference_strength,
    reward_fusion,
)


@dataclass(frozen=True)
class Objective:
    """A registered objective: the data shape it needs, its fit function, one line. Its
    parameters are the fit function's keyword arguments, declared once in its signature;
    ``params`` is the validated model a scenario's ``arms.<name>.params`` is checked with."""

    shape: type
    fit: Callable[..., Any]
    description: str

    @property
    def params(self) -> type[Params]:
        """The objective's parameters as a ``Params`` model (from ``fit``'s signature)."""
        return signature_params(self.fit, skip=3)


OBJECTIVES: dict[str, Objective] = {
    "bt": Objective(PairwiseData, bradley_terry.fit_bt, "Bradley-Terry on observed labels"),
    "label_smoothing": Objective(
        PairwiseData, label_smoothing.fit_label_smoothing,
        "BT with smoothed labels (Secrets of RLHF II)"),
    "strength": Objective(
        PairwiseData, preference_strength.fit_strength,
        "ensemble preference strength: flip u<0 pairs + adaptive margin (Secrets of RLHF II)"),
    "convexda": Objective(
        PairwiseData, convexda.fit_convexda, "BT + convex-hull augmentation (Trickle-down)"),
    "reward_fusion": Objective(
        PairwiseData, reward_fusion.fit_reward_fusion,
        "BT scored with RewardFusion over similar training inputs (Trickle-down)"),
    "convexda_fusion": Objective(
        PairwiseData, reward_fusion.fit_convexda_fusion, "ConvexDA + RewardFusion (Trickle-down)"),
    "heron": Objective(
        PairwiseData, heron.fit_heron, "BT on hierarchical factor-comparison labels (HERON)"),
    "naive": Objective(
        PointwiseData, causalrm.fit_naive, "logistic loss on observed noisy feedback"),
    "ips": Objective(PointwiseData, causalrm.fit_ips, "propensity-weighted logistic loss"),
    "noise_aware": Objective(
        PointwiseData, causalrm.fit_noise_aware, "noise-corrected logistic loss"),
    "causalrm": Objective(
        PointwiseData, causalrm.fit_causalrm,
        "CausalRM: noise-aware loss + propensity reweighting"),
}

__all__ = ["OBJECTIVES", "Objective"]
