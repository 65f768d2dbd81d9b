"""Black-box source debiasing for recommenders (the "double align" regulariser).

Paper: Zhou, Dai, Pang, Wang, Dong, Xu, Wen, "Source Echo Chamber: Exploring the Escalation
of Source Bias in User, Data, and Recommender System Feedback Loop" (arXiv 2405.17998;
SIGIR 2025). Official code: Yuqi-Zhou/Rec_SourceBias, ``train_debias_double_align_epoch``
in ``src/train_loop.py``.

With u the user vector from the original history, u' the user vector from the same history
in which each item is replaced by its rewritten copy with probability ``rewrite_prob``,
x_c the training candidates (clicked + sampled negative) and R(x_c) their rewritten copies,
the training loss is

    L = CE(y, target)
        + news_weight * mean_c |x_c . u  -  R(x_c) . u|
        + user_weight * ( mean_c |x_c . u  -  x_c . u'|  +  H(softmax(u))  +  H(softmax(u')) )

where H is the entropy of the softmaxed user vector, averaged over the batch. The first
penalty makes a candidate's score invariant to rewriting it, the second makes the user vector
invariant to rewriting the history. A rewrite is a black-box call (an LLM rewrites whatever
text it is given), so no source label is needed at training or inference time.

Defaults are the code's ``parameters.py``: ``news_loss = 1``, ``user_loss = 0.01``,
``disturb_ratio = 0.5``. As in that code, the user penalty compares *scores* computed with u
and u' (``F.l1_loss(y_hat, distrub_users_y_hat)``), and both entropy terms enter with a plus
sign.

Line-by-line check against ``train_debias_double_align_epoch`` (commit 4bde9b8 of
Yuqi-Zhou/Rec_SourceBias) and ``parameters.py``:
- ``debias_news_loss = F.l1_loss(y_hat, disturb_news_y_hat)``: the mean over the batch's
  B x (1 + negative_sampling_ratio) candidate scores of |x_c . u - R(x_c) . u|; here the
  same sum divided by n = B * C.                                                    [same]
- ``rewrite_text2vector``: an HGC item's rewrite is its LLM copy, an AIGC item's rewrite is
  the LLM rewrite of the LLM text; the world's ``rewrites`` table is built the same way
  (``looplab.worlds.recsys``: HGC -> AIGC copy, AIGC -> second rewrite).             [same]
- ``random_choice = bernoulli(disturb_ratio)`` per history slot, the slot's vector replaced
  by its rewrite where it is 1: ``rewrite_mask`` per (example, slot). The code also draws
  for padded slots, whose vector is zero both ways; here padding has weight 0. [equivalent]
- ``debias_users_loss = F.l1_loss(y_hat, distrub_users_y_hat)``: scores of the SAME
  candidates under u and u'.                                                        [same]
- ``reg_loss``/``random_reg_loss``: entropy of softmax over the user vector's dimensions,
  averaged over the batch, both added with weight ``user_loss``.                     [same]
- total ``CE + news_loss * news + user_loss * (users + reg + random_reg)``, with
  news_loss = 1, user_loss = 0.01, disturb_ratio = 0.5.                               [same]
Differences that remain, by design of this CPU re-implementation: the code's user encoder
is a sequential network (BERT4Rec by default, dropout 0.2) over frozen BERT item vectors in
768 dimensions; here a linear pooled encoder over 32-dimensional vectors
(``looplab.policies.pooled_dot``), so the entropy term acts on 32 instead of 768 softmax
components. The code reseeds torch with the same seed at every loop stage
(``seed_torch(self.args.seed)``); here each stage continues one random stream.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from looplab.core.params import Params
from looplab.core.streams import Stream


def softmax_entropy(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """H(softmax(u)) along the last axis and its gradient dH/du = -p * (log p + H)."""
    z = u - u.max(axis=-1, keepdims=True)
    p = np.exp(z)
    p /= p.sum(axis=-1, keepdims=True)
    logp = np.log(p + 1e-10)
    h = -(p * logp).sum(axis=-1)
    return h, -p * (logp + h[..., None])


class SourceDebias(Params):
    """Black-box source debiasing (Zhou et al.): L1 score invariance to rewriting + entropy."""

    news_weight: float = Field(1.0, ge=0.0, description="weight of the item-side L1 term")
    user_weight: float = Field(0.01, ge=0.0, description="weight of the history-side term")
    rewrite_prob: float = Field(0.5, ge=0.0, le=1.0, description="history rewrite rate")


    def rewrite_mask(
        self, slots: tuple[int, ...], rng: Stream, batch: tuple[int, ...]
    ) -> np.ndarray:
        """Which history slots (shape ``batch + slots``) are replaced by their rewritten copy:
        independent Bernoulli(rewrite_prob), as a float 0/1 array."""
        return (rng.random(batch + slots) < self.rewrite_prob).astype(np.float64)

    def penalty(
        self, x: np.ndarray, x_rw: np.ndarray, u: np.ndarray, u_rw: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Penalty per replicate and its gradients w.r.t. u and u'.

        ``x``, ``x_rw``: (S, B, C, d) candidate vectors and their rewrites; ``u``, ``u_rw``:
        (S, B, d) user vectors from the original and the partly rewritten history.
        Returns (value (S,), dL/du (S, B, d), dL/du' (S, B, d)).
        """
        _S, B, C, _ = x.shape
        n = B * C
        y = (x @ u[..., None])[..., 0]
        y_news = (x_rw @ u[..., None])[..., 0]
        y_user = (x @ u_rw[..., None])[..., 0]
        d_news = y - y_news
        d_user = y - y_user
        h, dh = softmax_entropy(u)
        h_rw, dh_rw = softmax_entropy(u_rw)
        value = (
            self.news_weight * np.abs(d_news).sum(axis=(1, 2)) / n
            + self.user_weight * (
                np.abs(d_user).sum(axis=(1, 2)) / n + h.mean(axis=1) + h_rw.mean(axis=1)
            )
        )
        sn = np.sign(d_news) / n
        su = np.sign(d_user) / n
        g_user_scores = (su[..., None, :] @ x)[..., 0, :]
        g_u = (
            self.news_weight * (sn[..., None, :] @ (x - x_rw))[..., 0, :]
            + self.user_weight * (g_user_scores + dh / B)
        )
        g_u_rw = self.user_weight * (-g_user_scores + dh_rw / B)
        return value, g_u, g_u_rw
