"""Oracle-efficient Context-Semi-Bandit-FTPL with geometric resampling, for one-sided
feedback with an auditor panel.

Papers: Y. Bechavod and A. Roth, "Individually Fair Learning with One-Sided Feedback", ICML
2023 (arXiv 2206.04475), instantiating Context-Semi-Bandit-FTPL of V. Syrgkanis, A.
Krishnamurthy and R. Schapire, "Efficient Algorithms for Adversarial Contextual Learning"
(ICML 2016); geometric resampling from G. Neu and G. Bartok (2013).

Same linear loss as Exp2 (``looplab.policies.exp2``). Instead of weights over H, each round
calls an ERM oracle on the past estimated losses plus Laplace-perturbed fake examples on a
separator set X_sep of the class (the world publishes H's predictions on it):
    h_t = argmin_h  sum_{s<t} <h(x_s), lhat_s> + <h(X_sep), eps_t>,
    eps_t ~ Laplace(0, sigma_t) per separator point,  sigma_t = noise_scale * sqrt(k t).
P_t(a_i = 1) has no closed form, so the importance weight is estimated by geometric
resampling: redraw the perturbation until a redraw's leader predicts 1 at x_i, M_i draws
(capped at ``max_resample``), and use lhat_i = l_acc_i * M_i * 1[a_i = 1] + l_fair_i
(E[M_i] = 1 / P_t(a_i = 1) up to the cap). The propensities handed to the panel are the
Monte-Carlo estimate of pi_t(x_i) over the played and ``max_resample`` fresh draws.
Defaults: sigma_t grows like sqrt(t), the scale of 1/eta_t in Exp2; noise_scale = 1 and a
cap of 32 redraws (bias <= (1 - p)^32, small for p >= 0.1) fixed before running.
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar

import numpy as np
from pydantic import Field

from looplab.core.params import Params
from looplab.core.streams import Stream
from looplab.core.types import Action, ActionSpec, Feedback, Observation
from looplab.policies.exp2 import fairness_loss


class FTPL(Params):
    """Oracle-efficient FTPL with perturbed fake examples and geometric resampling."""

    name: ClassVar[str] = "ftpl"
    noise_scale: float = Field(1.0, gt=0.0)
    max_resample: int = Field(32, ge=1)
    fairness_weight: float = Field(0.5, ge=0.0)

    def init(self, spec: ActionSpec, replicates: int, rng: Stream) -> dict[str, Any]:
        # resampling in update needs its own stream: a child stream kept in the state; update
        # draws from a copy and returns the copy, so the state it was given stays unchanged
        return {"cum": None, "t": 0, "rng": rng.child("resample")}

    def leaders(self, st: dict[str, Any], h_sep: np.ndarray, draws: int, k: int,
                rng: Stream) -> np.ndarray:
        """(S, draws) the oracle's argmin under ``draws`` independent perturbations."""
        S, _H, n = h_sep.shape
        sigma = self.noise_scale * np.sqrt(k * max(st["t"], 1))
        eps = rng.laplace(0.0, sigma, (S, draws, n))
        score = eps @ h_sep.transpose(0, 2, 1)  # (S, draws, H)
        if st["cum"] is not None:
            score = score + st["cum"][:, None, :]
        return score.argmin(axis=2)

    def act(self, st: dict[str, Any], obs: Observation, rng: Stream) -> Action:
        h_pred = obs["h_pred"]
        _S, _H, k = h_pred.shape
        lead = self.leaders(st, obs["h_sep"], 1 + self.max_resample, k, rng)
        preds = np.take_along_axis(h_pred, lead[:, :, None], axis=1)  # (S, D, k)
        pred = preds[:, 0]
        p1 = preds.mean(axis=1)
        prop = np.where(pred == 1, p1, 1.0 - p1)
        return Action(arm=pred.astype(np.int64), propensity=prop)

    def update(self, st: dict[str, Any], fb: Feedback) -> dict[str, Any]:
        h_pred = fb.signals["h_pred"]
        _S, _H, k = h_pred.shape
        seen = fb.signals["label_seen"]
        h_sep = fb.signals["h_sep"]
        resample: Stream = copy.deepcopy(st["rng"])
        lead = self.leaders(st, h_sep, self.max_resample, k, resample)
        hits = np.take_along_axis(h_pred, lead[:, :, None], axis=1) == 1  # (S, M, k)
        first = np.where(hits.any(axis=1), hits.argmax(axis=1) + 1, self.max_resample)
        acc = np.where(seen, (1.0 - 2.0 * fb.reward) * first, 0.0)
        lhat = acc + fairness_loss(fb.signals["panel_flags"], self.fairness_weight)
        inc = (h_pred @ lhat[:, :, None])[:, :, 0]
        cum = inc if st["cum"] is None else st["cum"] + inc
        return {"cum": cum, "t": st["t"] + 1, "rng": resample}
