"""Bernoulli Thompson sampling for a ranked list: the probability that it shows each item
at each position, by Monte Carlo.

Policy: Chapelle & Li, "An Empirical Evaluation of Thompson Sampling", NeurIPS 2011, as run
in production by ZOZOTOWN and logged in the Open Bandit Dataset (Saito et al. 2021): every
impression draws theta_a ~ Beta(alpha_a + clicks_a, beta_a + views_a - clicks_a) per item and
shows the items with the ``len_list`` largest draws, the largest at position 0.

Its action distribution has no closed form, so (as obp's ``BernoulliTS.
compute_batch_action_dist``, which the OBD paper's "evaluation of OPE" uses) it is
estimated by simulation:
    P(item a at position k) ~= 1/n_sim sum_s 1[a is the k-th largest of theta^(s)]
obp draws one ranking per Python loop iteration; here all n_sim draws are one (chunked)
numpy batch. Default n_sim = 100,000 is obp's; the Monte Carlo sd of a probability p is
sqrt(p (1 - p) / n_sim) <= 0.0016.
"""

from __future__ import annotations

import numpy as np


def bts_position_probabilities(
    alpha: np.ndarray,
    beta: np.ndarray,
    len_list: int = 3,
    n_sim: int = 100_000,
    seed: int = 0,
    chunk: int = 20_000,
) -> np.ndarray:
    """(K, len_list) Monte Carlo estimate of P(item a shown at position k) for Bernoulli
    TS with Beta(alpha, beta) posteriors; each column sums to 1."""
    alpha = np.asarray(alpha, dtype=np.float64)
    beta = np.asarray(beta, dtype=np.float64)
    if alpha.ndim != 1 or alpha.shape != beta.shape:
        raise ValueError(f"alpha and beta must be 1-D of equal length, got {alpha.shape} and "
                         f"{beta.shape}")
    if (alpha <= 0).any() or (beta <= 0).any():
        raise ValueError("alpha and beta must be > 0")
    K = alpha.shape[0]
    if not 1 <= len_list <= K:
        raise ValueError(f"len_list must be in 1..{K}, got {len_list}")
    if n_sim < 1:
        raise ValueError(f"n_sim must be >= 1, got {n_sim}")
    rng = np.random.default_rng(seed)
    counts = np.zeros((K, len_list))
    done = 0
    while done < n_sim:
        m = min(chunk, n_sim - done)
        theta = rng.beta(alpha, beta, size=(m, K))
        top = np.argpartition(-theta, len_list - 1, axis=1)[:, :len_list]
        order = np.argsort(-np.take_along_axis(theta, top, axis=1), axis=1, kind="stable")
        ranked = np.take_along_axis(top, order, axis=1)  # (m, len_list) best first
        for k in range(len_list):
            counts[:, k] += np.bincount(ranked[:, k], minlength=K)
        done += m
    return counts / n_sim
