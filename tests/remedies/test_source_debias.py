"""The black-box source-debias regulariser: gradients, invariances, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from looplab.remedies.source_debias import SourceDebias, softmax_entropy
from tests.conftest import numeric_grad


def test_penalty_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4, 2, 5))
    x_rw = x + 0.3 * rng.standard_normal(x.shape)
    u, u_rw = rng.standard_normal((2, 4, 5)), rng.standard_normal((2, 4, 5))
    reg = SourceDebias(news_weight=1.0, user_weight=0.3)
    _, g_u, g_u_rw = reg.penalty(x, x_rw, u, u_rw)
    num_u = numeric_grad(lambda a: reg.penalty(x, x_rw, a, u_rw)[0].sum(), u)
    num_rw = numeric_grad(lambda a: reg.penalty(x, x_rw, u, a)[0].sum(), u_rw)
    assert np.allclose(g_u, num_u, atol=1e-6) and np.allclose(g_u_rw, num_rw, atol=1e-6)


def test_penalty_is_only_the_entropy_terms_when_rewriting_changes_nothing():
    rng = np.random.default_rng(1)
    x, u = rng.standard_normal((1, 3, 2, 4)), rng.standard_normal((1, 3, 4))
    reg = SourceDebias(news_weight=1.0, user_weight=0.01)
    value, _, _ = reg.penalty(x, x.copy(), u, u.copy())
    h, _ = softmax_entropy(u)
    assert value[0] == pytest.approx(0.01 * 2 * h.mean())


def test_news_term_grows_with_the_score_gap_between_an_item_and_its_rewrite():
    x = np.ones((1, 1, 2, 3))
    u = np.array([[[1.0, 0.0, 0.0]]])
    reg = SourceDebias(news_weight=1.0, user_weight=0.0)
    shift = np.zeros_like(x)
    shift[..., 0] = 0.5
    small = reg.penalty(x, x + shift, u, u)[0][0]
    large = reg.penalty(x, x + 2 * shift, u, u)[0][0]
    assert small == pytest.approx(0.5) and large == pytest.approx(1.0)


def test_entropy_is_maximal_for_a_flat_user_vector():
    h, grad = softmax_entropy(np.zeros((1, 4)))
    assert h[0] == pytest.approx(np.log(4)) and np.allclose(grad, 0)


@pytest.mark.parametrize(
    "kwargs, field",
    [({"news_weight": -1}, "news_weight"), ({"user_weight": -0.1}, "user_weight"),
     ({"rewrite_prob": 1.5}, "rewrite_prob")],
)
def test_bad_weights_name_the_field(kwargs, field):
    with pytest.raises(ValueError, match=field):
        SourceDebias(**kwargs)


def test_rewrite_mask_rate_matches_rewrite_prob():
    m = SourceDebias(rewrite_prob=0.5).rewrite_mask((10,), np.random.default_rng(2), (50, 40))
    assert m.shape == (50, 40, 10) and abs(m.mean() - 0.5) < 0.02
