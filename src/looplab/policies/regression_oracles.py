"""Regression oracles for contextual-bandit policies: predict the expected reward of every
action in every context, batched over replicates.

``RidgeOracle`` — one ridge regression per action (the "disjoint" linear model of
Li et al. 2010), in numpy, over all replicates at once:
    A_a = l2 I + sum_i w_i x_i x_i^T,   b_a = sum_i w_i (r_i - mu) x_i,   theta_a = A_a^-1 b_a
    predict(x, a) = mu + theta_a . x,    variance(x, a) = x^T A_a^-1 x
Online updates are Sherman-Morrison rank-one updates of A_a^-1 (O(d^2) per decision, no
inverse) and the matching recursive-least-squares step for theta,
    theta_a <- theta_a + A_a^-1 x (r - mu - theta_a . x) / (1 + x^T A_a^-1 x)
(A_a^-1 the inverse before the update), which equals A_a^-1 b_a after it; batch refits
(generation boundaries) solve all (replicate, action) systems in one call. mu = 0 online
(the textbook model); a batch refit centres on the training window's weighted success
rate, so an action with little data predicts the overall rate rather than 0. l2 = 1 is
the usual default (MABWiser's and Li et al.'s).

``BoostedOracle`` — ``sklearn.ensemble.HistGradientBoostingClassifier`` on the features
plus a one-hot action (the industrial choice the Adyen paper reports: gradient-boosted
trees trained by ERM on logged feedback), one model per replicate, refit only at generation
boundaries. Defaults (50 trees, depth 3, learning rate 0.1) keep a refit well under a
second; no early stopping, so fits are deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol

import numpy as np
from pydantic import Field

from looplab.core.params import Params


def single_threaded() -> Any:
    """Run BLAS and OpenMP code on one thread: refits are many small problems, and on a
    shared 2-core machine thread oversubscription made them 7-100x slower."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


class Oracle(Protocol):
    """What a contextual policy needs from its reward model."""

    @property
    def has_variance(self) -> bool: ...

    def init(self, replicates: int, n_actions: int, n_features: int) -> Any: ...

    def predict(self, st: Any, X: np.ndarray) -> np.ndarray: ...

    def fit(
        self, st: Any, X: np.ndarray, arm: np.ndarray, reward: np.ndarray, weight: np.ndarray
    ) -> Any: ...


@dataclass(frozen=True)
class RidgeState:
    """Per (replicate, action) ridge statistics; ``update`` and ``fit`` return new ones."""

    A_inv: np.ndarray  # (S, K, d, d)
    theta: np.ndarray  # (S, K, d): row a is theta_a
    mu: np.ndarray  # (S,) prediction offset


class RidgeOracle(Params):
    """Per-action ridge regression with Sherman-Morrison updates; see module docstring."""

    type: Literal["linear"] = "linear"
    l2: float = Field(1.0, gt=0.0, description="ridge penalty")
    has_variance: ClassVar[bool] = True

    def init(self, replicates: int, n_actions: int, n_features: int) -> RidgeState:
        S, K, d = replicates, n_actions, n_features
        A_inv = np.broadcast_to(np.eye(d) / self.l2, (S, K, d, d)).copy()
        return RidgeState(A_inv, np.zeros((S, K, d)), np.zeros(S))

    def predict(self, st: RidgeState, X: np.ndarray) -> np.ndarray:
        """(S, N, K) predicted reward for contexts X (S, N, d)."""
        return np.matmul(X, st.theta.transpose(0, 2, 1)) + st.mu[:, None, None]

    def variance(self, st: RidgeState, X: np.ndarray) -> np.ndarray:
        """(S, N, K) x^T A_a^-1 x: the ridge posterior variance factor of each action."""
        S, K, d, _ = st.A_inv.shape
        N = X.shape[1]
        # rows of all K inverses stacked: one batched product, no copy of A_inv
        AX = np.matmul(st.A_inv.reshape(S, K * d, d), X.transpose(0, 2, 1))  # (S, K d, N)
        if N == 1:
            return (AX.reshape(S, K, d) * X).sum(axis=2)[:, None, :]
        return np.einsum("skdn,snd->snk", AX.reshape(S, K, d, N), X)

    def update(
        self, st: RidgeState, X: np.ndarray, arm: np.ndarray, reward: np.ndarray,
        mask: np.ndarray,
    ) -> RidgeState:
        """Online: fold in each revealed (x, a, r) with a Sherman-Morrison update of A^-1 and
        the recursive-least-squares step for theta (module docstring), on copies of the
        statistics (copy-on-write: the state given is left unchanged)."""
        S, K, d, _ = st.A_inv.shape
        rows = np.arange(S) if mask.all() else np.flatnonzero(mask)
        if rows.size == 0:
            return st
        A_inv, theta = st.A_inv.copy(), st.theta.copy()
        A2 = A_inv.reshape(S * K, d, d)  # flat (replicate, action) views: np.take and
        th2 = theta.reshape(S * K, d)  # flat assignment beat 2-D fancy indexing
        for n in range(X.shape[1]):
            x = X[rows, n]  # (R, d)
            idx = rows * K + arm[rows, n]
            Ai = np.take(A2, idx, axis=0)  # (R, d, d)
            v = np.matmul(Ai, x[:, :, None])  # (R, d, 1) = A^-1 x
            denom = 1.0 + np.matmul(x[:, None, :], v)  # (R, 1, 1)
            Ai -= np.matmul(v, v.transpose(0, 2, 1) / denom)
            A2[idx] = Ai
            th = np.take(th2, idx, axis=0)
            resid = reward[rows, n] - st.mu[rows] - np.einsum("rd,rd->r", th, x)
            th += v[:, :, 0] * (resid / denom[:, 0, 0])[:, None]
            th2[idx] = th
        return RidgeState(A_inv, theta, st.mu)

    def fit(
        self, st: RidgeState, X: np.ndarray, arm: np.ndarray, reward: np.ndarray,
        weight: np.ndarray,
    ) -> RidgeState:
        """Batch refit on (S, M, ...) training rows with per-row weights (0 = absent)."""
        with single_threaded():
            return self._fit(st, X, arm, reward, weight)

    def _fit(
        self, st: RidgeState, X: np.ndarray, arm: np.ndarray, reward: np.ndarray,
        weight: np.ndarray,
    ) -> RidgeState:
        S, K, d, _ = st.A_inv.shape
        wsum = weight.sum(axis=1)
        mu = np.where(wsum > 0, (weight * reward).sum(axis=1) / np.maximum(wsum, 1e-300), 0.0)
        A = np.empty((S, K, d, d))
        b = np.empty((S, K, d))
        y = reward - mu[:, None]
        for k in range(K):  # K small: one batched BLAS product per action
            wk = weight * (arm == k)
            Xw = X * wk[:, :, None]
            A[:, k] = np.matmul(Xw.transpose(0, 2, 1), X) + self.l2 * np.eye(d)
            b[:, k] = np.einsum("smd,sm->sd", Xw, y)
        A_inv = np.linalg.inv(A)
        theta = np.matmul(A_inv, b[..., None])[..., 0]  # (S, K, d)
        return RidgeState(A_inv, theta, mu)


@dataclass
class BoostedState:
    """One fitted classifier (or a constant rate) per replicate."""

    models: list[Any]
    n_actions: int


class BoostedOracle(Params):
    """HistGradientBoostingClassifier on [x, one-hot(a)], one per replicate; batch only."""

    type: Literal["hgb"] = "hgb"
    max_iter: int = Field(50, ge=1, le=2000)
    max_depth: int = Field(3, ge=1, le=32)
    learning_rate: float = Field(0.1, gt=0.0, le=1.0)
    has_variance: ClassVar[bool] = False

    def init(self, replicates: int, n_actions: int, n_features: int) -> BoostedState:
        return BoostedState([0.5] * replicates, n_actions)

    @staticmethod
    def _design(X: np.ndarray, arm: np.ndarray, K: int) -> np.ndarray:
        return np.concatenate([X, np.eye(K)[arm]], axis=-1)

    def predict(self, st: BoostedState, X: np.ndarray) -> np.ndarray:
        S, N, _ = X.shape
        K = st.n_actions
        out = np.empty((S, N, K))
        arms = np.tile(np.arange(K), N)
        with single_threaded():
            for s, model in enumerate(st.models):  # one model per replicate
                self._predict_one(model, X[s], arms, K, out[s])
        return out

    def _predict_one(
        self, model: Any, Xs: np.ndarray, arms: np.ndarray, K: int, out: np.ndarray
    ) -> None:
        if isinstance(model, float):
            out[...] = model
        else:
            Z = self._design(np.repeat(Xs, K, axis=0), arms, K)
            out[...] = model.predict_proba(Z)[:, 1].reshape(Xs.shape[0], K)

    def fit(
        self, st: BoostedState, X: np.ndarray, arm: np.ndarray, reward: np.ndarray,
        weight: np.ndarray,
    ) -> BoostedState:
        # import (and so load sklearn's OpenMP runtime) before limiting threads: a limit set
        # before the runtime is loaded does not reach it, and the process's first fit ran
        # on every core (found by core.check's replay: its ``_bin_mapper.n_threads`` was 2)
        import sklearn.ensemble  # noqa: F401

        models: list[Any] = []
        with single_threaded():
            for s in range(X.shape[0]):  # refit boundary: one fit per replicate
                models.append(self._fit_one(X[s], arm[s], reward[s], weight[s], st.n_actions))
        return BoostedState(models, st.n_actions)

    def _fit_one(
        self, X: np.ndarray, arm: np.ndarray, reward: np.ndarray, weight: np.ndarray, K: int
    ) -> Any:
        from sklearn.ensemble import HistGradientBoostingClassifier

        keep = weight > 0
        y = reward[keep]
        if y.size == 0 or y.min() == y.max():
            return float(y.mean()) if y.size else 0.5
        clf = HistGradientBoostingClassifier(
            max_iter=self.max_iter, max_depth=self.max_depth,
            learning_rate=self.learning_rate, early_stopping=False, random_state=0,
        )
        w = weight[keep]
        # equal weights: pass none (sklearn's weighted binning is far slower, same fit)
        sw = None if np.all(w == w[0]) else w
        return clf.fit(self._design(X[keep], arm[keep], K), y.astype(np.int64),
                       sample_weight=sw)
