"""Assemble the training set a batch-retrained policy learns from, applying the remedies.

A policy that retrains at generation boundaries keeps its revealed logs as ``LogBatch``es
(one per round). The training set is the last ``window`` rounds (short-term memory), plus
with the log-mixing remedy the ``older_rounds`` rounds before them at weight
``older_weight`` (older generations' logs, which hold data on actions the current policy
has stopped choosing), then importance and/or class re-weighting on top.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import Field

from looplab.core.params import Params
from looplab.remedies.reweighting import class_balance_weights, importance_weights


@dataclass(frozen=True)
class LogBatch:
    """One round of revealed logs for every replicate: (S, N, ...) arrays; ``mask`` (S,)
    marks replicates whose feedback arrived."""

    features: np.ndarray  # (S, N, d)
    avail: np.ndarray  # (S, N, K)
    arm: np.ndarray  # (S, N)
    propensity: np.ndarray  # (S, N)
    reward: np.ndarray  # (S, N)
    mask: np.ndarray  # (S,)


class TrainingRemedies(Params):
    """Which remedies a batch-retrained policy applies (all off by default)."""

    importance_weighting: bool = False
    weight_clip: float = Field(20.0, ge=1.0)
    class_balance: bool = False
    uniform_slice: float = Field(0.0, ge=0.0, le=1.0)
    older_rounds: int = Field(0, ge=0)
    older_weight: float = Field(0.5, gt=0.0, le=1.0)


    def label(self) -> str:
        """Short tag listing the active remedies ('' if none)."""
        parts = []
        if self.importance_weighting:
            parts.append("ipw")
        if self.class_balance:
            parts.append("balance")
        if self.uniform_slice > 0:
            parts.append(f"uniform{self.uniform_slice:g}")
        if self.older_rounds > 0:
            parts.append(f"older{self.older_rounds}")
        return "+".join(parts)


def build_training_set(
    window: Sequence[LogBatch], older: Sequence[LogBatch], remedies: TrainingRemedies
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(X (S, M, d), arm (S, M), reward (S, M), weight (S, M)) from the window (and older
    rounds when the mixing remedy is on); rows of replicates without feedback weigh 0."""
    batches = list(older)[-remedies.older_rounds:] if remedies.older_rounds else []
    n_older = len(batches)
    batches += list(window)
    X = np.concatenate([b.features for b in batches], axis=1)
    arm = np.concatenate([b.arm for b in batches], axis=1)
    reward = np.concatenate([b.reward for b in batches], axis=1)
    prop = np.concatenate([b.propensity for b in batches], axis=1)
    valid = np.concatenate(
        [np.broadcast_to(b.mask[:, None], b.arm.shape) for b in batches], axis=1
    )
    base = np.concatenate(
        [np.full(b.arm.shape, remedies.older_weight if i < n_older else 1.0)
         for i, b in enumerate(batches)],
        axis=1,
    )
    w = np.where(valid, base, 0.0)
    if remedies.importance_weighting:
        w = w * importance_weights(prop, valid, remedies.weight_clip)
    if remedies.class_balance:
        w = w * class_balance_weights(reward, valid)
    return X, arm, reward, w
