"""The linear reward model reaches the optimum of its loss (issue 14): with scipy's default
relative-improvement stop L-BFGS-B ended after a few iterations, 1e-5 off scikit-learn."""

import numpy as np
from sklearn.linear_model import LogisticRegression

from looplab.preferences.reward_model import LinearRewardModel, Targets


def _data(seed: int, n: int = 400, d: int = 8):
    rng = np.random.default_rng(seed)
    xa, xb = rng.normal(size=(n, d)), rng.normal(size=(n, d))
    w = rng.normal(size=d)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-xa @ w))).astype(np.float64)
    return xa, xb, y


def test_pointwise_fit_matches_sklearn_logistic_regression_within_1e7():
    # ours: mean log-loss + l2/2 |w|^2 (intercept free) == sklearn's C = 1 / (l2 n)
    l2 = 1e-3
    for seed in range(3):
        xa, _, y = _data(seed)
        m = LinearRewardModel(l2=l2).fit_targets(Targets(xa, None, y, 1 - y, np.zeros(y.size)))
        sk = LogisticRegression(C=1 / (l2 * y.size), tol=1e-12, max_iter=10_000).fit(xa, y)
        assert np.abs(m.coef_ - sk.coef_[0]).max() < 1e-7
        assert abs(m.intercept_ - sk.intercept_[0]) < 1e-7


def test_pairwise_bt_fit_matches_sklearn_on_the_feature_differences_within_1e7():
    l2 = 1e-3
    for seed in range(3):
        xa, xb, y = _data(seed)
        m = LinearRewardModel(l2=l2).fit_targets(Targets.pairs(xa, xb, y))
        sk = LogisticRegression(C=1 / (l2 * y.size), tol=1e-12, max_iter=10_000,
                                fit_intercept=False).fit(xa - xb, y)
        assert np.abs(m.coef_ - sk.coef_[0]).max() < 1e-7
