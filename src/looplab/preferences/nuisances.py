"""CausalRM's nuisances estimated from what an analyst observes (Wang et al. 2026, arXiv
2603.18736; issue 14).

CausalRM corrects observational feedback with two nuisances: the propensity of giving
feedback p(x) = P(o = 1 | x) and the class-conditional noise rates
rho_10 = P(y~ = 0 | y = 1), rho_01 = P(y~ = 1 | y = 0). The simulator knows both; an analyst
does not. Here they are estimated from observable data only:

* **Propensity, cross-fitted** (standard double/debiased-ML practice, Chernozhukov et al.
  2018): the items are split into ``folds`` folds; a logistic regression of the observation
  indicator o on the item features x (every shown item has features and an o, whether or
  not the user gave feedback) is fit on the other folds and predicts p_hat on the held-out
  fold, so no item's weight comes from a model that saw its own o. The true propensity
  alpha^(r_hi - r) depends on the *realized* reward, which features explain only in part,
  so this model is misspecified on purpose: that is the realistic case.
* **Noise rates from a clean-label subset**: the paper allows a small audited subset with
  clean labels. Among audited observed items, rho_10_hat = #{y=1, y~=0} / #{y=1} and
  rho_01_hat = #{y=0, y~=1} / #{y=0}, each shrunk by a Jeffreys prior (+0.5 / +1) so an
  empty cell gives a finite rate, then clipped so that rho_10 + rho_01 <= ``max_sum``
  (the backward-corrected loss divides by 1 - rho_10 - rho_01).
"""

from __future__ import annotations

import numpy as np

from looplab.preferences.data import PointwiseData

Array = np.ndarray


def crossfit_propensity(
    x: Array, observed: Array, rng: np.random.Generator, folds: int = 2, c: float = 1.0,
    floor: float = 1e-3,
) -> Array:
    """Cross-fitted P(o = 1 | x) by logistic regression (L2, ``c`` = sklearn's C) on
    ``folds`` random folds; clipped below at ``floor`` (the simulator's own floor)."""
    from sklearn.linear_model import LogisticRegression

    if folds < 2:
        raise ValueError(f"folds must be >= 2 for cross-fitting, got {folds}")
    x = np.asarray(x, dtype=np.float64)
    o = np.asarray(observed).astype(np.float64)
    n = o.size
    fold = rng.permutation(np.arange(n) % folds)
    p = np.empty(n)
    for k in range(folds):
        tr, te = fold != k, fold == k
        if o[tr].min() == o[tr].max():  # degenerate fold: constant propensity
            p[te] = o[tr].mean()
            continue
        lr = LogisticRegression(C=c, max_iter=1000).fit(x[tr], o[tr])
        p[te] = lr.predict_proba(x[te])[:, 1]
    return np.clip(p, floor, 1.0)


def noise_rates_from_clean_subset(
    noisy: Array, clean: Array, max_sum: float = 0.9
) -> tuple[float, float]:
    """(rho_10_hat, rho_01_hat) from paired noisy and clean labels of audited items."""
    noisy = np.asarray(noisy, dtype=np.float64)
    clean = np.asarray(clean, dtype=np.float64)
    if noisy.shape != clean.shape or noisy.size == 0:
        raise ValueError("noisy and clean must be non-empty arrays of one shape")
    pos, neg = clean == 1.0, clean == 0.0
    r10 = (np.sum(pos & (noisy == 0.0)) + 0.5) / (pos.sum() + 1.0)
    r01 = (np.sum(neg & (noisy == 1.0)) + 0.5) / (neg.sum() + 1.0)
    s = r10 + r01
    if s > max_sum:
        r10, r01 = r10 * max_sum / s, r01 * max_sum / s
    return float(r10), float(r01)


def estimate_nuisances(
    data: PointwiseData, rng: np.random.Generator, n_audit: int = 200, folds: int = 2,
) -> tuple[PointwiseData, Array]:
    """``data`` with its propensity replaced by the cross-fitted estimate and its noise rates
    by the clean-subset estimate, and the indices of the audited items.

    The audit draws ``n_audit`` observed items at random and reveals their clean labels
    (``data.truth.label``), as an annotation audit would; nothing else reads the truth.
    """
    if data.truth is None:
        raise ValueError("estimate_nuisances needs data.truth to simulate the clean audit")
    from dataclasses import replace

    p_hat = crossfit_propensity(data.x, data.observed, rng, folds=folds)
    obs_idx = np.flatnonzero(data.observed)
    audit = rng.choice(obs_idx, size=min(n_audit, obs_idx.size), replace=False)
    rates = noise_rates_from_clean_subset(data.label[audit], data.truth.label[audit])
    return replace(data, propensity=p_hat, noise_rates=rates), audit
