"""Monitors of policy-improvement loops on verifiable tasks, exact where the policy is
enumerable.

* ``pass_at_n_exact``: with q_p = sum_m pi(m | p) c(p, m) the policy's probability of a
  correct sample, pass@N = mean_p [1 - (1 - q_p)^N] (N independent samples; exact, no
  sampling noise, N up to any size).
* ``pass_at_k_unbiased``: the unbiased estimator from n samples with c correct (Chen et al.
  2021, "Evaluating Large Language Models Trained on Code"): 1 - C(n - c, k) / C(n, k),
  for sampled policies.
* ``entropy``: mean_p H(pi(. | p)) in nats.
* ``rare_mass``: mean_p of the mass on correct solutions that are not the likely one (the
  solutions GRPO's rank bias neglects, He et al. 2025).
* ``distinct_correct``: expected number of distinct correct candidates among n samples,
  sum_{m correct} [1 - (1 - pi_m)^n] (B-STaR's exploration measure, exact).
* ``balance_score``: B-STaR's per-query score min(n'/n0, 1) * (n'/n) with n' the distinct
  correct among the selected samples and n the number selected (Zeng et al. 2025,
  ``cal_modi_acc_soft``; n0 = 8 in the released code), averaged over queries; 0 where
  nothing is selected.
* ``irrelevant_differential``: the selection differential (``looplab.judges.selection``) of
  the kept samples against the drawn group on the task's judge-irrelevant features
  ``phi[..., 2:]`` (pure noise: correctness shifts only ``phi[..., 1]``), averaged over
  features and prompts; about 0 for any selector that sees only correctness (the exact
  verifier, its noisy version), positive when a selector rewards those features.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from looplab.improve.tasks import Task, gather, scatter_weights
from looplab.judges.selection import differentials


def correct_mass(probs: np.ndarray, correct: np.ndarray) -> np.ndarray:
    """(S, P) probability of a correct sample per prompt."""
    return (probs * correct).sum(-1)


def pass_at_n_exact(probs: np.ndarray, correct: np.ndarray, n: int) -> np.ndarray:
    """(S,) mean over prompts of 1 - (1 - q_p)^n."""
    q = np.clip(correct_mass(probs, correct), 0.0, 1.0)
    return (-np.expm1(n * np.log1p(-np.minimum(q, 1 - 1e-16)))).mean(-1)


def pass_at_k_unbiased(n: np.ndarray, c: np.ndarray, k: int) -> np.ndarray:
    """1 - C(n - c, k) / C(n, k) elementwise (1 where n - c < k)."""
    n = np.asarray(n, dtype=np.float64)
    c = np.asarray(c, dtype=np.float64)
    ok = (n - c) >= k
    nc = np.where(ok, n - c, k)
    log_ratio = (gammaln(nc + 1) - gammaln(nc - k + 1)) - (gammaln(n + 1) - gammaln(n - k + 1))
    return np.where(ok, 1.0 - np.exp(log_ratio), 1.0)


def entropy(probs: np.ndarray) -> np.ndarray:
    """(S,) mean over prompts of the policy entropy in nats."""
    return -(probs * np.log(np.maximum(probs, 1e-300))).sum(-1).mean(-1)


def rare_mass(probs: np.ndarray, rare: np.ndarray) -> np.ndarray:
    """(S,) mean over prompts of the mass on rare correct solutions."""
    return (probs * rare).sum(-1).mean(-1)


def distinct_correct(probs: np.ndarray, correct: np.ndarray, n: int) -> np.ndarray:
    """(S,) mean over prompts of the expected number of distinct correct candidates among
    ``n`` samples."""
    hit = -np.expm1(n * np.log1p(-np.minimum(probs, 1 - 1e-16)))
    return (hit * correct).sum(-1).mean(-1)


def balance_score(actions: np.ndarray, correct_s: np.ndarray, selected: np.ndarray,
                  M: int, n0: int = 8) -> np.ndarray:
    """(S,) B-STaR balance score of one batch of samples.

    ``actions`` (S, P, K) candidate ids, ``correct_s`` (S, P, K) their verdicts,
    ``selected`` (S, P, K) which passed the reward filter."""
    sel_correct = selected & correct_s
    # distinct correct among the selected: count candidates hit at least once
    hits = scatter_weights(actions, sel_correct.astype(np.float64), M) > 0
    n_distinct = hits.sum(-1)
    n_sel = selected.sum(-1)
    bs = np.where(n_sel > 0, np.minimum(n_distinct / n0, 1.0) * n_distinct
                  / np.maximum(n_sel, 1), 0.0)
    return bs.mean(-1)


def irrelevant_differential(task: Task, actions: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """(S,) mean standardized selection differential of the kept samples (``kept``: (S, P,
    G) bool, or (S, P, m) indices into the G drawn ``actions``) over the judge-irrelevant
    features ``phi[..., 2:]``; NaN with fewer than three features or nothing kept."""
    S = actions.shape[0]
    D = task.phi.shape[-1]
    if D < 3:
        return np.full(S, np.nan)
    x = np.stack([gather(task.phi[..., j], actions) for j in range(2, D)], -1)  # (S,P,G,F)
    d = differentials(x, kept)  # (S, P, F)
    ok = np.isfinite(d)
    return np.where(ok.any((1, 2)), np.where(ok, d, 0.0).sum((1, 2))
                    / np.maximum(ok.sum((1, 2)), 1), np.nan)
