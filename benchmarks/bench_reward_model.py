"""Speed: a linear Bradley-Terry reward model on 100k pairs x 384 features.

looplab's L-BFGS fit (``LinearRewardModel``) against the baseline a practitioner would
reach for: scikit-learn ``LogisticRegression`` (lbfgs, no intercept) on the difference
vectors xa - xb with the same ridge strength. Prints both times, the ratio and the
agreement of the two fits. Usage: ``python benchmarks/bench_reward_model.py [n] [d]``.
"""

from __future__ import annotations

import sys
import time

import numpy as np
from sklearn.linear_model import LogisticRegression

from looplab.preferences import LinearRewardModel, PairwiseData


def main(n: int = 100_000, d: int = 384) -> None:
    rng = np.random.default_rng(0)
    w = rng.standard_normal(d) / np.sqrt(d)
    xa, xb = rng.standard_normal((n, d)), rng.standard_normal((n, d))
    p = 1 / (1 + np.exp(-(xa - xb) @ w))
    data = PairwiseData(xa, xb, (rng.random(n) < p).astype(float))
    l2 = 1e-3

    t0 = time.perf_counter()
    ours = LinearRewardModel(l2=l2).fit(data)
    t_ours = time.perf_counter() - t0

    t0 = time.perf_counter()
    z = xa - xb
    base = LogisticRegression(C=1.0 / (l2 * n), fit_intercept=False, max_iter=1000, tol=1e-8)
    base.fit(z, data.label)
    t_base = time.perf_counter() - t0

    cos = ours.coef_ @ base.coef_[0] / np.linalg.norm(ours.coef_) / np.linalg.norm(base.coef_)
    print(f"linear BT reward model, {n} pairs x {d} features")
    print(f"  looplab LinearRewardModel (L-BFGS): {t_ours:7.2f} s  ({ours.n_iter_} iterations)")
    print(f"  sklearn LogisticRegression on xa-xb: {t_base:7.2f} s")
    print(f"  ratio looplab / sklearn: {t_ours / t_base:.2f}   cosine(coef): {cos:.5f}")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    main(*args)
