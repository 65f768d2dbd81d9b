"""A gridworld with segment preferences, labelled by regret or by return.

Setting of Hejna et al., "Contrastive Preference Learning: Learning from Human Feedback
without RL" (ICLR 2024), at the notes' smallest scale (reward-loops section 11b).

World: W x W grid, 4 actions, each move slips to a uniformly random action with probability
``slip``; reward +1 per step in the goal corner (bottom right), -1 in ``lava`` cells
(a short wall of them in the middle row), 0 elsewhere; discount gamma. The max-entropy
optimum at temperature alpha (soft value iteration) gives
    Q*(s,a) = r(s,a) + gamma E V*(s'),  V*(s) = alpha log sum_a exp(Q*(s,a)/alpha),
    A*(s,a) = Q* - V* = alpha log pi*(a|s).
Data: segments of length L from the uniform behaviour policy from uniform start states;
pairs labelled by the Bradley-Terry model on a segment score, with the same temperature:
    regret (the CPL paper's model): P(s1 > s2) = sigmoid((G_A(s1) - G_A(s2)) / alpha)
    return (the usual RLHF model):  P(s1 > s2) = sigmoid((G_r(s1) - G_r(s2)) / alpha)
with G_A(seg) = sum_t gamma^t A*(s_t, a_t) and G_r(seg) = sum_t gamma^t r(s_t, a_t).
A learned policy is scored by its exact discounted value from a uniform start state,
normalised so that the uniform policy scores 0 and the optimal (hard) policy 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import Field

from looplab.core.params import Params
from looplab.core.streams import Stream

MOVES = np.array([[-1, 0], [1, 0], [0, -1], [0, 1]])


class PrefGridConfig(Params):
    """Parameters of the preference gridworld and its comparison data."""

    width: int = Field(5, ge=3, le=15)
    slip: float = Field(0.1, ge=0.0, lt=1.0)
    gamma: float = Field(0.9, gt=0.0, lt=1.0)
    alpha: float = Field(0.1, gt=0.0)  # temperature of the max-ent optimum and the labels
    segment: int = Field(5, ge=1)
    pairs: int = Field(2000, ge=10)
    labels: Literal["regret", "return"] = "regret"


@dataclass(frozen=True)
class Segments:
    """Paired segments: states/actions (R, pairs, 2, L) and the preferred index (R, pairs)."""

    s: np.ndarray
    a: np.ndarray
    pref: np.ndarray


class PrefGrid:
    """The MDP (P, r), its soft optimum and exact policy evaluation."""

    name = "prefgrid"

    def __init__(self, config: PrefGridConfig | None = None) -> None:
        self.config = cfg = config or PrefGridConfig()
        W = cfg.width
        n = W * W
        rc = np.stack(np.divmod(np.arange(n), W), axis=1)
        nxt = np.clip(rc[:, None] + MOVES[None], 0, W - 1)
        nxt = nxt[..., 0] * W + nxt[..., 1]  # (n, 4)
        P = np.zeros((n, 4, n))
        for a in range(4):
            P[np.arange(n), a, nxt[:, a]] += 1 - cfg.slip
            for b in range(4):
                P[np.arange(n), a, nxt[:, b]] += cfg.slip / 4
        r = np.zeros((n, 4))
        r[n - 1] = 1.0
        lava = [(W // 2) * W + c for c in range(1, W - 1)]
        r[lava] = -1.0
        self.P, self.r, self.n, self.lava = P, r, n, lava
        self.Qsoft, self.Vsoft = self.soft_q(r)
        self.A = self.Qsoft - self.Vsoft[:, None]
        Qh = self.hard_q(r)
        self.v_opt = self.value(np.eye(4)[Qh.argmax(1)])
        self.v_unif = self.value(np.full((n, 4), 0.25))

    def soft_q(self, r: np.ndarray, iters: int = 2000) -> tuple[np.ndarray, np.ndarray]:
        """Soft value iteration for reward r (n, A) (or a batch (R, n, A)); each batch
        member stops on its own sup-norm change (< 1e-10), as if it ran alone."""
        a, g = self.config.alpha, self.config.gamma
        V = np.zeros(r.shape[:-1])
        Q = np.zeros(r.shape)
        done = np.zeros(r.shape[:-2], dtype=bool)
        for _ in range(iters):
            Qn = r + g * np.einsum("san,...n->...sa", self.P, V)
            m = Qn.max(-1)
            V2 = m + a * np.log(np.exp((Qn - m[..., None]) / a).sum(-1))
            conv = np.abs(V2 - V).max(-1) < 1e-10
            Q = np.where(done[..., None, None], Q, Qn)
            V = np.where(done[..., None], V, V2)
            done = done | conv
            if done.all():
                break
        return Q, V

    def hard_q(self, r: np.ndarray, iters: int = 2000) -> np.ndarray:
        """Value iteration for reward r (n, A) or (R, n, A); each batch member stops on its
        own sup-norm change (< 1e-10), so its Q does not depend on the rest of the batch
        (a stopping rule pooled over the batch would run converged members on)."""
        g = self.config.gamma
        V = np.zeros(r.shape[:-1])
        Q = np.zeros(r.shape)
        done = np.zeros(r.shape[:-2], dtype=bool)
        for _ in range(iters):
            Qn = r + g * np.einsum("san,...n->...sa", self.P, V)
            V2 = Qn.max(-1)
            Q = np.where(done[..., None, None], Q, Qn)
            conv = np.abs(V2 - V).max(-1) < 1e-10
            V = np.where((done | conv)[..., None], V, V2)
            done = done | conv
            if done.all():
                break
        return Q

    def value(self, pi: np.ndarray) -> np.ndarray:
        """Exact discounted value from a uniform start of policy pi (..., n, A)."""
        g = self.config.gamma
        Ppi = np.einsum("...sa,san->...sn", pi, self.P)
        rpi = (pi * self.r).sum(-1)
        V = np.linalg.solve(np.eye(self.n) - g * Ppi, rpi[..., None])[..., 0]
        return V.mean(-1)

    def normalised(self, pi: np.ndarray) -> np.ndarray:
        """(value - uniform's) / (optimal's - uniform's)."""
        return (self.value(pi) - self.v_unif) / (self.v_opt - self.v_unif)

    def segments(self, R: int, rng: np.random.Generator | Stream) -> Segments:
        """Uniform-behaviour segment pairs per replicate, labelled by the configured model
        (every draw leads with the replicate axis R, so a per-replicate ``Stream`` works)."""
        cfg = self.config
        M, L = cfg.pairs, cfg.segment
        s = np.empty((R, M, 2, L), dtype=np.int64)
        a = rng.integers(0, 4, (R, M, 2, L))
        s[..., 0] = rng.integers(0, self.n, (R, M, 2))
        cdf = np.cumsum(self.P, axis=-1)
        for t in range(1, L):
            c = cdf[s[..., t - 1], a[..., t - 1]]
            s[..., t] = np.minimum((c < rng.random((R, M, 2, 1))).sum(-1), self.n - 1)
        disc = cfg.gamma ** np.arange(L)
        table = self.A if cfg.labels == "regret" else self.r
        score = (table[s, a] * disc).sum(-1)  # (R, M, 2)
        p0 = 1.0 / (1.0 + np.exp(-(score[..., 0] - score[..., 1]) / cfg.alpha))
        pref = (rng.random((R, M)) >= p0).astype(np.int64)  # 0: the first is preferred
        return Segments(s=s, a=a, pref=pref)
