"""Naive one-sided learners: follow-the-leader over the classifier class that either ignores
unlabelled individuals or counts them as negatives.

The baselines of Bechavod & Roth, "Individually Fair Learning with One-Sided Feedback"
(ICML 2023, arXiv 2206.04475), section 1 (the hidden-outcome problem): a learner that trains
only on the labels its own acceptances revealed. With the same linearised loss as Exp2
(``looplab.policies.exp2``), per individual
    ignore:    l_i = (1 - 2 y_i) if labelled else 0
    negative:  l_i = (1 - 2 y_i) if labelled else +1   (unlabelled taken as y = 0)
plus the panel's fairness term, and it plays h_t = argmin_h sum_{s<t} <h(x_s), l_s>
deterministically (no importance weights, no exploration; ties to the lowest index). The
first round's classifier is a uniform draw per replicate.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
from pydantic import Field

from looplab.core.params import Params
from looplab.core.streams import Stream
from looplab.core.types import Action, ActionSpec, Feedback, Observation
from looplab.policies.exp2 import fairness_loss


class NaiveOneSided(Params):
    """Greedy follow-the-leader on revealed labels only (no importance weights, no exploration)."""

    name: ClassVar[str] = "naive_onesided"
    unlabelled: Literal["ignore", "negative"] = "ignore"
    fairness_weight: float = Field(0.5, ge=0.0)

    def init(self, spec: ActionSpec, replicates: int, rng: Stream) -> dict[str, Any]:
        return {"cum": None, "u": rng.random(replicates)}

    def act(self, st: dict[str, Any], obs: Observation, rng: Stream) -> Action:
        h_pred = obs["h_pred"]
        S, H, _ = h_pred.shape
        if st["cum"] is None:  # nothing learned yet: a uniformly drawn classifier
            h = np.minimum((st["u"] * H).astype(np.int64), H - 1)
        else:
            h = st["cum"].argmin(axis=1)
        pred = h_pred[np.arange(S), h].astype(np.int64)
        return Action(arm=pred, propensity=np.ones(pred.shape))

    def update(self, st: dict[str, Any], fb: Feedback) -> dict[str, Any]:
        seen = fb.signals["label_seen"]
        other = 0.0 if self.unlabelled == "ignore" else 1.0
        l_acc = np.where(seen, 1.0 - 2.0 * fb.reward, other)
        lhat = l_acc + fairness_loss(fb.signals["panel_flags"], self.fairness_weight)
        inc = (fb.signals["h_pred"] @ lhat[:, :, None])[:, :, 0]
        return {"cum": inc if st["cum"] is None else st["cum"] + inc, "u": st["u"]}
