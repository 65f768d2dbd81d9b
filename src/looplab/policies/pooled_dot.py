"""A learned pooled-history recommender, refit from scratch on each stage's clicks.

Model (a linear stand-in for the sequential user encoders of Zhou et al.'s Rec_SourceBias
code, which pool the last ``user_log_length = 10`` clicked item vectors of a frozen text
encoder and score by dot product):

    h = mean of the vectors of the user's last <= 10 clicked items      (masked mean)
    u = W h + b                                                          (learned W, b)
    score(item) = x_item . u

Training, as in that code: each logged click gives one positive and one negative sampled
uniformly from the other candidates displayed in the same list
(``negative_sampling_ratio = 1``); the loss is the cross-entropy of the positive among the
two, CE = log(1 + exp(s_neg - s_pos)). Adam with weight decay added to the gradient (torch's
``Adam(weight_decay=...)``). Each stage starts from the same initial weights (the code's
``get_new_model`` reloads the saved initial state); here W = 0, b = 0, so everything the
model prefers, including any preference for a source, is learned from the clicks.

Defaults are the code's ``parameters.py``: ``epochs = 3``, ``batch_size = 256``,
``lr = 1e-3``, ``weight_decay = 1e-5``.

An optional regulariser (``looplab.remedies.source_debias.SourceDebias``) adds the paper's
black-box debiasing terms; it needs each vector's rewritten copy, which the world provides.

All replicates are trained at once: parameters carry a leading replicate axis S and one
batched Adam step updates every replicate's model.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from pydantic import Field
from scipy.special import expit

from looplab.core.params import Params
from looplab.core.streams import Stream
from looplab.core.types import Action, ActionSpec, Feedback, Observation
from looplab.remedies.source_debias import SourceDebias

_BETA1, _BETA2, _EPS = 0.9, 0.999, 1e-8  # torch Adam defaults
_SCORE_BLOCK = 2048  # lists scored per block, to bound the gathered (S, block, C, d) array


class RecommenderConfig(Params):
    """Training hyper-parameters of the pooled-history recommender."""

    epochs: int = Field(3, gt=0)
    batch_size: int = Field(256, gt=0)
    lr: float = Field(1e-3, gt=0.0)
    weight_decay: float = Field(1e-5, ge=0.0)


def gather(table: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Rows of a per-replicate table: ``table`` (S, n, ...) and ``ids`` (S, ...) -> (S, ..., *)."""
    S = table.shape[0]
    rep = np.arange(S).reshape((S,) + (1,) * (ids.ndim - 1))
    return table[rep, ids]


def pool_history(vectors: np.ndarray, hist: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Masked mean of the history vectors: ``hist``/``mask`` (S, n, L) -> (S, n, d)."""
    w = mask / np.maximum(mask.sum(axis=-1, keepdims=True), 1)
    return (w[..., None, :] @ gather(vectors, hist))[..., 0, :]


def user_vectors(W: np.ndarray, b: np.ndarray, pooled: np.ndarray) -> np.ndarray:
    """u = W h + b for every row: W (S, d, d), b (S, d), pooled (S, n, d) -> (S, n, d)."""
    return pooled @ W.transpose(0, 2, 1) + b[:, None, :]


class PooledDotRecommender:
    """Batched policy: ``act`` scores every candidate list, ``update`` refits on the clicks.

    Observation keys read: ``vectors`` (S, n_copies, d), ``history``/``history_mask``
    (S, U, L), ``impression_user`` (S, N), ``candidates`` (S, N, C). The action's ``arm``
    holds the scores (S, N, C). Feedback signals read: ``vectors``, ``rewrites``,
    ``log_history``/``log_history_mask`` (S, U, L), ``log_user`` (S, n), ``log_slate``/
    ``log_slate_mask`` (S, n, C), ``log_click`` (S, n).
    """

    def __init__(
        self, config: RecommenderConfig | None = None, debias: SourceDebias | None = None
    ) -> None:
        self.config = config or RecommenderConfig()
        self.debias = debias
        self.name = "debiased" if debias is not None else "baseline"

    def init(self, spec: ActionSpec, replicates: int, rng: Stream) -> Any:
        """No model until the first refit; act then ranks with the initial weights."""
        return {"W": None, "b": None, "S": replicates, "rng": rng.child("refit")}

    @staticmethod
    def _initial(S: int, d: int) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros((S, d, d)), np.zeros((S, d))

    def act(self, pstate: Any, obs: Observation, rng: Stream) -> Action:
        vectors = obs["vectors"]
        S, d = vectors.shape[0], vectors.shape[-1]
        W, b = (pstate["W"], pstate["b"]) if pstate["W"] is not None else self._initial(S, d)
        users = user_vectors(W, b, pool_history(vectors, obs["history"], obs["history_mask"]))
        cand = obs["candidates"]
        rows = obs["impression_user"]
        scores = np.empty(cand.shape, dtype=np.float64)
        for lo in range(0, cand.shape[1], _SCORE_BLOCK):
            hi = min(lo + _SCORE_BLOCK, cand.shape[1])
            u = gather(users, rows[:, lo:hi])
            scores[:, lo:hi] = (gather(vectors, cand[:, lo:hi]) @ u[..., None])[..., 0]
        return Action(arm=scores, propensity=np.ones(S))

    def update(self, pstate: Any, feedback: Feedback) -> Any:
        """Fit a fresh model on the logged clicks (one sampled negative per click)."""
        sig = feedback.signals
        # draw from a copy of the state's generator and return it: the state given stays
        # unchanged (the loop's purity contract) and the draws are the same
        rng: Stream = copy.deepcopy(pstate["rng"])
        slate, slate_mask, click = sig["log_slate"], sig["log_slate_mask"], sig["log_click"]
        S, n, C = slate.shape
        # one negative per click: uniform over the other displayed candidates
        w = slate_mask.astype(np.float64)
        np.put_along_axis(w, click[..., None], 0.0, axis=-1)
        cdf = np.cumsum(w, axis=-1)
        pick = rng.random((S, n, 1)) * cdf[..., -1:]
        neg = np.minimum((cdf <= pick).sum(axis=-1), C - 1)
        pos_ids = np.take_along_axis(slate, click[..., None], axis=-1)[..., 0]
        neg_ids = np.take_along_axis(slate, neg[..., None], axis=-1)[..., 0]
        W, b = self.fit(
            sig["vectors"], sig["rewrites"], sig["log_history"], sig["log_history_mask"],
            sig["log_user"], np.stack([pos_ids, neg_ids], axis=-1), rng,
        )
        return {**pstate, "W": W, "b": b, "rng": rng}

    def loss_and_grads(
        self,
        W: np.ndarray,
        b: np.ndarray,
        h: np.ndarray,
        x: np.ndarray,
        h_rw: np.ndarray | None = None,
        x_rw: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Batch loss per replicate (S,) and its gradients w.r.t. W and b.

        ``h`` (S, B, d) pooled histories, ``x`` (S, B, 2, d) [positive, negative] vectors;
        with the debias regulariser also ``h_rw`` (pooled partly rewritten histories) and
        ``x_rw`` (the candidates' rewrites).
        """
        nb = h.shape[1]
        u = user_vectors(W, b, h)
        logits = (x @ u[..., None])[..., 0]
        margin = logits[..., 1] - logits[..., 0]
        loss = np.logaddexp(0.0, margin).mean(axis=1)  # CE of the positive among the two
        p = expit(margin)  # dCE/dmargin
        g_u = (p / nb)[..., None] * (x[:, :, 1] - x[:, :, 0])
        gW = g_u.transpose(0, 2, 1) @ h
        gb = g_u.sum(axis=1)
        if self.debias is not None:
            assert h_rw is not None and x_rw is not None
            u_rw = user_vectors(W, b, h_rw)
            pen, g_pen, g_pen_rw = self.debias.penalty(x, x_rw, u, u_rw)
            loss = loss + pen
            gW = gW + g_pen.transpose(0, 2, 1) @ h + g_pen_rw.transpose(0, 2, 1) @ h_rw
            gb = gb + g_pen.sum(axis=1) + g_pen_rw.sum(axis=1)
        return loss, gW, gb

    def fit(
        self,
        vectors: np.ndarray,
        rewrites: np.ndarray,
        hist: np.ndarray,
        hist_mask: np.ndarray,
        users: np.ndarray,
        cand: np.ndarray,
        rng: Stream,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Adam on CE(positive among [positive, negative]) (+ the debias penalty).

        ``hist``/``hist_mask`` (S, U, L) copy ids of each user's history, ``users`` (S, n)
        the user of each example, ``cand`` (S, n, 2) copy ids with the positive first.
        Returns the fitted (W, b).
        """
        cfg = self.config
        S, n = cand.shape[:2]
        d = vectors.shape[-1]
        W, b = self._initial(S, d)
        mW, vW, mb, vb = np.zeros_like(W), np.zeros_like(W), np.zeros_like(b), np.zeros_like(b)
        rep = np.arange(S)[:, None]
        hist_vecs = gather(vectors, hist)  # (S, U, L, d)
        weights = hist_mask / np.maximum(hist_mask.sum(axis=-1, keepdims=True), 1)
        pooled = (weights[..., None, :] @ hist_vecs)[..., 0, :]  # (S, U, d)
        x_all = gather(vectors, cand)  # (S, n, 2, d)
        if self.debias is not None:
            # what rewriting history slot l adds to the pooled vector
            swap_delta = weights[..., None] * (gather(rewrites, hist) - hist_vecs)
            x_rw_all = gather(rewrites, cand)
        t = 0
        B = min(cfg.batch_size, n)
        for _ in range(cfg.epochs):
            perm = rng.permuted(np.broadcast_to(np.arange(n), (S, n)), axis=1)
            for lo in range(0, n, B):
                idx = perm[:, lo:lo + B]
                nb = idx.shape[1]
                who = users[rep, idx]
                h = pooled[rep, who]
                h_rw = x_rw = None
                if self.debias is not None:
                    swap = self.debias.rewrite_mask(hist.shape[-1:], rng, (S, nb))
                    h_rw = h + (swap[..., None, :] @ swap_delta[rep, who])[..., 0, :]
                    x_rw = x_rw_all[rep, idx]
                _, gW, gb = self.loss_and_grads(W, b, h, x_all[rep, idx], h_rw, x_rw)
                gW = gW + cfg.weight_decay * W
                gb = gb + cfg.weight_decay * b
                t += 1
                W, mW, vW = _adam(W, gW, mW, vW, t, cfg.lr)
                b, mb, vb = _adam(b, gb, mb, vb, t, cfg.lr)
        return W, b


def _adam(
    p: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, t: int, lr: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One Adam step (torch's update rule and defaults)."""
    m = _BETA1 * m + (1 - _BETA1) * g
    v = _BETA2 * v + (1 - _BETA2) * g * g
    m_hat = m / (1 - _BETA1**t)
    v_hat = v / (1 - _BETA2**t)
    return p - lr * m_hat / (np.sqrt(v_hat) + _EPS), m, v
