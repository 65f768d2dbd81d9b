"""Exp2 over a finite class of classifiers with semi-bandit loss estimates, for one-sided
feedback with an auditor panel.

Paper: Y. Bechavod and A. Roth, "Individually Fair Learning with One-Sided Feedback", ICML
2023 (arXiv 2206.04475), instantiating Exp2 (Bubeck, Cesa-Bianchi and Kakade, 2012) in
their reduction to contextual combinatorial semi-bandits.

Each round the k predictions are an action a in {0, 1}^k; its loss is linear,
    loss(a) = sum_i a_i (l_acc_i + l_fair_i),   l_acc_i = 1 - 2 y_i,
    l_fair_i = C * (#{(i, i') flagged by the panel} - #{(i', i) flagged}),
which equals errors + C * unfairness up to an action-independent constant. y_i is seen
only when a_i = 1, so the accuracy part is importance weighted (semi-bandit estimator):
    lhat_i = l_acc_i * 1[a_i = 1] / P_t(a_i = 1) + l_fair_i,  P_t(a_i = 1) = sum_h p_t(h) h(x_i)
(the panel's flags are fully known after the audit: no estimation). Weights over H:
    w_t(h) ∝ exp(-eta_t * sum_{s<t} <h(x_s), lhat_s>),  p_t = (1 - gamma) w_t + gamma / |H|.
Defaults: eta_t = sqrt(log|H| / (k t)) (the anytime form of the notes' sqrt(log|H| / (k T)));
gamma = 0.05, a small uniform floor that bounds the importance weights (the notes say
"small, tune"; fixed before running); C = the world's fairness weight (set by the family).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from pydantic import Field

from looplab.core.params import Params
from looplab.core.streams import Stream
from looplab.core.types import Action, ActionSpec, Feedback, Observation


def fairness_loss(flags: np.ndarray, weight: float) -> np.ndarray:
    """(S, k) linearised fairness loss C * (out-degree - in-degree) of the flagged pairs:
    predicting 1 for the favoured member of a flagged pair costs, for the other it pays."""
    f = flags.astype(np.float64)
    return weight * (f.sum(axis=2) - f.sum(axis=1))


def positive_prob(pred: np.ndarray, propensity: np.ndarray) -> np.ndarray:
    """P(a_i = 1) from the played predictions and their propensities."""
    return np.where(pred == 1, propensity, 1.0 - propensity)


class Exp2(Params):
    """Exp2 over the classifier class with importance-weighted one-sided label losses."""

    name: ClassVar[str] = "exp2"
    gamma: float = Field(0.05, ge=0.0, lt=1.0)
    eta_scale: float = Field(1.0, gt=0.0)
    fairness_weight: float = Field(0.5, ge=0.0)

    def init(self, spec: ActionSpec, replicates: int, rng: Stream) -> dict[str, Any]:
        return {"cum": None, "t": 0}

    def probs(self, st: dict[str, Any], H: int, k: int) -> np.ndarray:
        """(S, H) the distribution p_t over the class."""
        if st["cum"] is None:
            return np.full((1, H), 1.0 / H)
        eta = self.eta_scale * np.sqrt(np.log(H) / (k * max(st["t"], 1)))
        z = -eta * st["cum"]
        w = np.exp(z - z.max(axis=1, keepdims=True))
        w /= w.sum(axis=1, keepdims=True)
        return (1.0 - self.gamma) * w + self.gamma / H

    def act(self, st: dict[str, Any], obs: Observation, rng: Stream) -> Action:
        h_pred = obs["h_pred"]  # (S, H, k)
        S, H, k = h_pred.shape
        p = np.broadcast_to(self.probs(st, H, k), (S, H))
        cdf = np.cumsum(p, axis=1)
        h = np.minimum((cdf < rng.random((S, 1)) * cdf[:, -1:]).sum(axis=1), H - 1)
        pred = h_pred[np.arange(S), h]  # (S, k)
        p1 = (p[:, None, :] @ h_pred)[:, 0]
        prop = np.clip(np.where(pred == 1, p1, 1.0 - p1), 1e-12, 1.0)
        return Action(arm=pred.astype(np.int64), propensity=prop)

    def update(self, st: dict[str, Any], fb: Feedback) -> dict[str, Any]:
        h_pred = fb.signals["h_pred"]
        seen = fb.signals["label_seen"]
        p1 = positive_prob(fb.arm, fb.propensity)
        acc = np.where(seen, (1.0 - 2.0 * fb.reward) / np.maximum(p1, 1e-12), 0.0)
        lhat = acc + fairness_loss(fb.signals["panel_flags"], self.fairness_weight)
        inc = (h_pred @ lhat[:, :, None])[:, :, 0]
        cum = inc if st["cum"] is None else st["cum"] + inc
        return {"cum": cum, "t": st["t"] + 1}
