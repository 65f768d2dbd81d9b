"""Reward learning from preferences, then RL: the standard RLHF pipeline CPL is compared to.

Papers: P. Christiano et al., "Deep RL from Human Preferences" (NeurIPS 2017) for the
pipeline; the comparison is that of Hejna et al., "Contrastive Preference Learning"
(ICLR 2024).

Step 1, reward learning under the partial-return Bradley-Terry model:
    P(s+ > s-) = sigmoid( (sum_t gamma^t rhat(s+_t, a+_t) - (same for s-)) / alpha ),
rhat tabular, fitted by full-batch Adam on the negative log-likelihood (+ ``l2`` ||rhat||^2).
Step 2, RL on rhat with the *true* dynamics (value iteration to convergence) -- the most
favourable RL step possible, so any gap is the reward model's, not the optimiser's.
Defaults as CPL's (``looplab.policies.cpl``): 500 Adam steps at rate 0.1, l2 = 1e-4.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field

from looplab.core.params import Params
from looplab.policies.cpl import adam
from looplab.worlds.prefgrid import PrefGrid, Segments


class RewardThenRL(Params):
    """Bradley-Terry reward model on segment returns, then value iteration on it."""

    name: ClassVar[str] = "reward_rl"
    steps: int = Field(500, ge=1)
    lr: float = Field(0.1, gt=0.0)
    l2: float = Field(1e-4, ge=0.0)

    def fit(self, grid: PrefGrid, data: Segments) -> np.ndarray:
        """(R, n, A) the greedy policy for the learned reward."""
        R, M, _, L = data.s.shape
        disc = grid.config.gamma ** np.arange(L)
        alpha = grid.config.alpha
        sgn = np.where(data.pref == 0, 1.0, -1.0)  # +: first preferred
        rows = np.broadcast_to(np.arange(R)[:, None, None, None], data.s.shape)
        w_pos = np.stack([disc, -disc])  # (2, L): first minus second

        def grad(r: np.ndarray) -> np.ndarray:
            score = (r[rows, data.s, data.a] * w_pos).sum((-1, -2)) / alpha  # s1 - s2
            c = -1.0 / (1.0 + np.exp(sgn * score)) * sgn / (M * alpha)  # (R, M)
            g = np.zeros_like(r)
            np.add.at(g, (rows, data.s, data.a), c[..., None, None] * w_pos)
            return g + 2 * self.l2 * r

        rhat = adam(grad, np.zeros((R, grid.n, 4)), self.steps, self.lr)
        Q = grid.hard_q(rhat)
        return np.eye(4)[Q.argmax(-1)]
