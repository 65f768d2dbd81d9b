"""The pooled-history recommender: its gradients, and that it learns (not is given) a
preference for a source from the clicks it is trained on."""

from __future__ import annotations

import numpy as np
import pytest

from looplab.policies.pooled_dot import PooledDotRecommender, RecommenderConfig, pool_history
from looplab.remedies.source_debias import SourceDebias
from tests.conftest import numeric_grad


@pytest.mark.parametrize("debias", [None, SourceDebias(news_weight=1.0, user_weight=0.5)])
def test_loss_gradients_match_finite_differences(debias):
    rng = np.random.default_rng(0)
    S, B, d = 2, 6, 4
    W, b = rng.standard_normal((S, d, d)), rng.standard_normal((S, d))
    h, x = rng.standard_normal((S, B, d)), rng.standard_normal((S, B, 2, d))
    h_rw, x_rw = h + 0.2 * rng.standard_normal(h.shape), x + 0.2 * rng.standard_normal(x.shape)
    rec = PooledDotRecommender(debias=debias)
    _, gW, gb = rec.loss_and_grads(W, b, h, x, h_rw, x_rw)
    num_W = numeric_grad(lambda a: rec.loss_and_grads(a, b, h, x, h_rw, x_rw)[0].sum(), W)
    num_b = numeric_grad(lambda a: rec.loss_and_grads(W, a, h, x, h_rw, x_rw)[0].sum(), b)
    assert np.allclose(gW, num_W, atol=1e-6) and np.allclose(gb, num_b, atol=1e-6)


def test_pool_history_is_the_masked_mean():
    vectors = np.arange(12, dtype=float).reshape(1, 6, 2)
    hist = np.array([[[0, 2, 5]]])
    mask = np.array([[[True, True, False]]])
    assert np.allclose(pool_history(vectors, hist, mask), [[[2.0, 3.0]]])


def _style_data(aigc_positive_rate, S=3, n_items=300, n=1500, d=8, shift=0.5, seed=0):
    """Items with an HGC copy (row i) and an AIGC copy (row n_items + i) shifted along a
    style direction; positives are AIGC copies at the given rate, negatives at rate 0.5."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((S, n_items, d)) / np.sqrt(d)
    style = np.zeros(d)
    style[0] = 1.0
    vectors = np.concatenate([z, z + shift * style], axis=1)
    users = np.broadcast_to(rng.integers(0, 100, n), (S, n))
    hist = rng.integers(0, n_items, (S, 100, 5))
    pos = rng.integers(0, n_items, (S, n)) + n_items * (rng.random((S, n)) < aigc_positive_rate)
    neg = rng.integers(0, n_items, (S, n)) + n_items * (rng.random((S, n)) < 0.5)
    return vectors, hist, users, np.stack([pos, neg], -1), style, shift


@pytest.mark.parametrize("rate, sign", [(0.9, 1.0), (0.1, -1.0)])
def test_learns_to_prefer_the_source_its_clicks_favour(rate, sign):
    vectors, hist, users, cand, style, _ = _style_data(rate)
    rec = PooledDotRecommender(RecommenderConfig(epochs=5))
    mask = np.ones(hist.shape, bool)
    W, b = rec.fit(vectors, vectors, hist, mask, users, cand, np.random.default_rng(1))
    u = pool_history(vectors, hist, mask) @ W.transpose(0, 2, 1) + b[:, None, :]
    # the AIGC copy's score minus the HGC copy's is shift * (style . u) for every item
    assert (sign * (u @ style) > 0).mean() > 0.9


def test_debias_regulariser_shrinks_the_learned_source_preference():
    vectors, hist, users, cand, style, shift = _style_data(0.9)
    rewrites = vectors.copy()  # the black-box rewrite: HGC -> its AIGC copy, AIGC -> again
    n_items = vectors.shape[1] // 2
    rewrites[:, :n_items] = vectors[:, n_items:]
    rewrites[:, n_items:] = vectors[:, n_items:] + shift * style
    mask = np.ones(hist.shape, bool)
    prefs = {}
    for name, debias in (("baseline", None), ("debiased", SourceDebias())):
        rec = PooledDotRecommender(RecommenderConfig(epochs=5), debias)
        W, b = rec.fit(vectors, rewrites, hist, mask, users, cand, np.random.default_rng(1))
        u = pool_history(vectors, hist, mask) @ W.transpose(0, 2, 1) + b[:, None, :]
        prefs[name] = np.abs(u @ style).mean() / np.linalg.norm(u, axis=-1).mean()
    assert prefs["debiased"] < 0.5 * prefs["baseline"]


def test_bad_training_config_names_the_field():
    with pytest.raises(ValueError, match="lr"):
        RecommenderConfig(lr=0)
