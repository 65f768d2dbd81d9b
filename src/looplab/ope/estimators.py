"""Off-policy estimators of a target policy's value from logged bandit feedback, each with a
normal-approximation confidence interval (``looplab.stats.normal_interval``).

With logged (x_i, a_i, p_i, r_i), target probabilities pi(a | x_i), importance weight
w_i = pi(a_i | x_i) / p_i and an outcome model q(x, a):
    IPS    V = 1/n sum_i w_i r_i                                  (Horvitz & Thompson 1952)
    SNIPS  V = sum_i w_i r_i / sum_i w_i                 (Swaminathan & Joachims 2015)
    DM     V = 1/n sum_i sum_a pi(a | x_i) q(x_i, a)
    DR     V = 1/n sum_i [ sum_a pi(a | x_i) q(x_i, a) + w_i (r_i - q(x_i, a_i)) ]
                                                          (Dudik, Langford & Li 2011)
Intervals: V +/- z * se with se the standard error of the per-row terms (IPS, DM, DR) or
the delta-method se of the ratio (SNIPS). DM's interval covers only the sampling of
contexts, not the outcome model's error: DM is biased when q is. Outcome models fitted on the
same log are cross-fitted (``fit_outcome_model``) so DR keeps its guarantees.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from looplab.core.seeding import generator
from looplab.ope.log import BanditLog, LogError
from looplab.policies.regression_oracles import BoostedOracle, RidgeOracle
from looplab.stats import Estimate, normal_interval, summary_frame

ESTIMATORS = ("ips", "snips", "dm", "dr")


def target_probabilities(log: BanditLog, target: np.ndarray) -> np.ndarray:
    """(n, K) validated target probabilities; an (n,) integer array means a deterministic
    target policy. Rows must sum to 1 and put no mass on unavailable actions."""
    t = np.asarray(target)
    n, K = len(log), log.n_actions
    if t.ndim == 1:
        if t.shape[0] != n:
            raise LogError(f"target has {t.shape[0]} actions for a log of {n} rows")
        if ((t < 0) | (t >= K)).any():
            raise LogError(f"target actions must be in 0..{K - 1}")
        t = (t[:, None] == np.arange(K)).astype(np.float64)
    if t.shape != (n, K):
        raise LogError(f"target probabilities have shape {t.shape}, expected ({n}, {K})")
    t = t.astype(np.float64)
    bad = np.isnan(t).any(axis=1) | (t < 0).any(axis=1) | (np.abs(t.sum(axis=1) - 1) > 1e-6)
    if bad.any():
        raise LogError(f"target probabilities: {int(bad.sum())} of {n} rows are not a "
                       "distribution (non-negative, summing to 1)")
    if log.avail is not None:
        off = ((t > 0) & ~log.avail).any(axis=1)
        if off.any():
            raise LogError(f"target probabilities: {int(off.sum())} of {n} rows put mass on "
                           "an unavailable action")
    return t


def _mean_estimate(terms: np.ndarray, level: float) -> Estimate:
    """Mean of the per-row terms +/- z se (normal, not t: n is a log's size)."""
    n = terms.shape[0]
    se = float(terms.std(ddof=1) / np.sqrt(n)) if n > 1 else float("nan")
    return normal_interval(float(terms.mean()), se, n, level)


def _weights(log: BanditLog, pi: np.ndarray) -> np.ndarray:
    return pi[np.arange(len(log)), log.action] / log.propensity


def _check_q(log: BanditLog, q: np.ndarray) -> np.ndarray:
    q = np.asarray(q, dtype=np.float64)
    if q.shape != (len(log), log.n_actions):
        raise LogError(f"outcome model predictions have shape {q.shape}, expected "
                       f"({len(log)}, {log.n_actions})")
    if np.isnan(q).any():
        raise LogError(f"outcome model predictions: {int(np.isnan(q).any(axis=1).sum())} rows "
                       "are NaN")
    return q


def ips(log: BanditLog, target: np.ndarray, level: float = 0.95) -> Estimate:
    """Inverse propensity scoring."""
    pi = target_probabilities(log, target)
    return _mean_estimate(_weights(log, pi) * log.reward, level)


def snips(log: BanditLog, target: np.ndarray, level: float = 0.95) -> Estimate:
    """Self-normalised IPS (delta-method interval)."""
    pi = target_probabilities(log, target)
    w = _weights(log, pi)
    tot = w.sum()
    if tot <= 0:
        raise LogError("target policy never takes a logged action: SNIPS is undefined")
    v = float((w * log.reward).sum() / tot)
    se = float(np.sqrt(((w * (log.reward - v)) ** 2).sum()) / tot)
    return normal_interval(v, se, len(log), level, method="normal-delta")


def direct_method(
    log: BanditLog, target: np.ndarray, q: np.ndarray, level: float = 0.95
) -> Estimate:
    """Direct method: the reward model's value of the target policy."""
    pi = target_probabilities(log, target)
    return _mean_estimate((pi * _check_q(log, q)).sum(axis=1), level)


def doubly_robust(
    log: BanditLog, target: np.ndarray, q: np.ndarray, level: float = 0.95
) -> Estimate:
    """Doubly robust: DM plus the importance-weighted residual of the logged action."""
    pi = target_probabilities(log, target)
    q = _check_q(log, q)
    idx = np.arange(len(log))
    terms = (pi * q).sum(axis=1) + _weights(log, pi) * (log.reward - q[idx, log.action])
    return _mean_estimate(terms, level)


def fit_outcome_model(
    log: BanditLog, model: str = "linear", folds: int = 2, seed: int = 0
) -> np.ndarray:
    """(n, K) cross-fitted outcome predictions q(x_i, a) = E[r | x_i, a]: each fold is
    predicted by a model fitted on the other folds (``linear``: per-action ridge; ``hgb``:
    gradient boosting). (Not a preference reward model: that is
    ``looplab.preferences.fit_reward_model``.)"""
    if log.context is None:
        raise LogError("an outcome model needs context columns (x_*)")
    if folds < 2:
        raise ValueError(f"folds must be >= 2, got {folds}")
    if model not in ("linear", "hgb"):
        raise ValueError(f"model must be 'linear' or 'hgb', got {model!r}")
    oracle = RidgeOracle() if model == "linear" else BoostedOracle()
    n, K, d = len(log), log.n_actions, log.context.shape[1]
    fold = generator(seed, "ope-folds").permutation(n) % folds
    q = np.empty((n, K))
    for f in range(folds):
        train = fold != f
        st = oracle.init(1, K, d)
        st = oracle.fit(st, log.context[None, train], log.action[None, train],
                        log.reward[None, train], np.ones((1, int(train.sum()))))
        q[~train] = oracle.predict(st, log.context[None, ~train])[0]
    return q


def evaluate_policy(
    log: BanditLog,
    target: np.ndarray,
    q: np.ndarray | None = None,
    estimators: tuple[str, ...] = ESTIMATORS,
    level: float = 0.95,
    outcome_model: str = "linear",
) -> pd.DataFrame:
    """Every requested estimator's value and interval as a table (one row each, the columns
    of ``looplab.stats.summary_frame`` keyed by ``estimator``). DM and DR use ``q`` if
    given, else a cross-fitted ``outcome_model`` (see ``fit_outcome_model``)."""
    unknown = [e for e in estimators if e not in ESTIMATORS]
    if unknown:
        raise ValueError(f"unknown estimator(s) {unknown}; allowed: {', '.join(ESTIMATORS)}")
    if q is None and ({"dm", "dr"} & set(estimators)):
        q = fit_outcome_model(log, outcome_model)
    rows: dict[str, Estimate] = {}
    for e in estimators:
        if e == "ips":
            rows[e] = ips(log, target, level)
        elif e == "snips":
            rows[e] = snips(log, target, level)
        elif e == "dm":
            rows[e] = direct_method(log, target, q, level)  # type: ignore[arg-type]
        else:
            rows[e] = doubly_robust(log, target, q, level)  # type: ignore[arg-type]
    return summary_frame(rows, key="estimator")


def true_value(log: BanditLog, target: np.ndarray) -> float:
    """The target policy's true value on the logged contexts (synthetic logs with true_*
    columns only): mean_i sum_a pi(a | x_i) E[r | x_i, a]."""
    if log.expected is None:
        raise LogError("the log has no true_* columns: its ground truth is unknown")
    pi = target_probabilities(log, target)
    return float((pi * log.expected).sum(axis=1).mean())
