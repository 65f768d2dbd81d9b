"""Contrastive Preference Learning (CPL): fit the policy straight from segment preferences.

Paper: J. Hejna, R. Rafailov, H. Sikchi, C. Finn, S. Niekum, W. B. Knox and D. Sadigh,
"Contrastive Preference Learning: Learning from Human Feedback without RL", ICLR 2024
(code: jhejna/cpl, ``research/algs/cpl.py``).

Under the regret preference model and max-entropy RL, A*(s,a) = alpha log pi*(a|s), so
    P(s+ > s-) = sigmoid( sum_t gamma^t A*(+) / alpha - sum_t gamma^t A*(-) / alpha )
               = sigmoid( S(+) - S(-) ),   S(seg) = sum_t gamma^t log pi*(a_t|s_t),
and CPL minimises the negative log-likelihood of the labels over a tabular softmax policy
pi = softmax(theta) -- no reward model, no RL:
    L(theta) = -mean log sigmoid( S_pi(+) - lambda S_pi(-) )
(alpha cancels with the labels' temperature), plus ``l2`` * ||theta||^2 to pin down states
the data never compare. Full-batch Adam, batched over replicates.
Defaults: lambda = 1 (plain CPL; the code's conservative lambda < 1 is optional), 500
Adam steps at rate 0.1 (converged on the 5 x 5 grid), l2 = 1e-4.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from pydantic import Field

from looplab.core.params import Params
from looplab.worlds.prefgrid import PrefGrid, Segments


def adam(grad_fn, x: np.ndarray, steps: int, lr: float) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Plain full-batch Adam (beta 0.9/0.999) on x with gradient grad_fn(x)."""
    m = np.zeros_like(x)
    v = np.zeros_like(x)
    for t in range(1, steps + 1):
        g = grad_fn(x)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        x = x - lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return x


def pair_grad(score_grad_w: np.ndarray, margin: np.ndarray) -> np.ndarray:
    """d/d margin of -log sigmoid(margin), times weights: -(1 - sigmoid(margin))."""
    return -(1.0 / (1.0 + np.exp(margin))) * score_grad_w


class CPL(Params):
    """Contrastive Preference Learning: a softmax policy fitted to preferences, no RL."""

    name: ClassVar[str] = "cpl"
    contrastive_bias: float = Field(1.0, gt=0.0, le=1.0)  # lambda
    steps: int = Field(500, ge=1)
    lr: float = Field(0.1, gt=0.0)
    l2: float = Field(1e-4, ge=0.0)

    def fit(self, grid: PrefGrid, data: Segments) -> np.ndarray:
        """(R, n, A) the learned policy's probabilities."""
        R, M, _, L = data.s.shape
        n, A = grid.n, 4
        disc = grid.config.gamma ** np.arange(L)
        win = np.take_along_axis(data.s, data.pref[..., None, None], 2)[:, :, 0]
        lose = np.take_along_axis(data.s, 1 - data.pref[..., None, None], 2)[:, :, 0]
        aw = np.take_along_axis(data.a, data.pref[..., None, None], 2)[:, :, 0]
        al = np.take_along_axis(data.a, 1 - data.pref[..., None, None], 2)[:, :, 0]
        rows = np.arange(R)[:, None, None]
        lam = self.contrastive_bias

        def grad(theta: np.ndarray) -> np.ndarray:
            logp = theta - np.log(np.exp(theta - theta.max(-1, keepdims=True)).sum(
                -1, keepdims=True)) - theta.max(-1, keepdims=True)
            sw = (logp[rows, win, aw] * disc).sum(-1)
            sl = (logp[rows, lose, al] * disc).sum(-1)
            c = -1.0 / (1.0 + np.exp(sw - lam * sl)) / M  # dL/d(margin), (R, M)
            pi = np.exp(logp)
            g = np.zeros_like(theta)
            for segs, acts, sign in ((win, aw, 1.0), (lose, al, -lam)):
                w = (c[..., None] * disc * sign)  # (R, M, L)
                np.add.at(g, (np.broadcast_to(rows, segs.shape), segs, acts), w)
                # minus pi(.|s) times the same weight: d log pi(a|s) / d theta(s, .)
                acc = np.zeros((R, n))
                np.add.at(acc, (np.broadcast_to(rows, segs.shape), segs), w)
                g -= acc[..., None] * pi
            return g + 2 * self.l2 * theta

        theta = adam(grad, np.zeros((R, n, A)), self.steps, self.lr)
        return np.eye(A)[theta.argmax(-1)]
