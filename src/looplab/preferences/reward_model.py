"""Reward models on feature vectors: linear (numpy/scipy) and a small MLP (torch, lazy).

Every model minimizes one generic weighted logistic loss over *margins*, which is all the
objectives in ``looplab.preferences.objectives`` need:

    L(theta) = sum_i [ pos_i * softplus(-(m_i - delta_i)) + neg_i * softplus(m_i - delta_i) ]
               / sum_i (pos_i + neg_i)  +  (l2 / 2) * ||theta||^2

with ``m_i = r(xa_i) - r(xb_i)`` for pairs and ``m_i = r(x_i)`` (plus a bias) for single
items. Plain Bradley-Terry is ``pos = label``, ``neg = 1 - label``, ``delta = 0``; label
smoothing, adaptive margins, noise-aware and propensity-weighted losses only change
``pos``, ``neg`` and ``delta`` (see ``Targets``).

``fit_reward_model(data, objective=..., model="linear"|"mlp", random_state=...)`` is the
one entry point; ``model.fit(data)`` fits plain Bradley-Terry (pairs) or logistic
regression on the observed labels (pointwise); ``model.score(X)`` returns rewards.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from scipy import optimize, special

from looplab.extras import require
from looplab.preferences.data import PairwiseData, PointwiseData

Array = np.ndarray


@dataclass(frozen=True)
class Targets:
    """What an objective hands a model: rows ``xa`` (and ``xb`` for pairs, None for single
    items), the coefficients ``pos``/``neg`` of the two logistic terms and the margin
    offsets ``delta`` (all (n,))."""

    xa: Array
    xb: Array | None
    pos: Array
    neg: Array
    delta: Array

    @staticmethod
    def pairs(xa: Array, xb: Array, label: Array, weight: Array | None = None,
              delta: Array | None = None) -> Targets:
        """Bradley-Terry targets for ``label`` in [0, 1] (soft labels allowed)."""
        w = np.ones(len(label)) if weight is None else np.asarray(weight, dtype=np.float64)
        return Targets(xa, xb, w * label, w * (1.0 - label),
                       np.zeros(len(label)) if delta is None else delta)

    @staticmethod
    def from_data(data: PairwiseData | PointwiseData) -> Targets:
        """Plain targets: BT on pairs, logistic regression on observed single items."""
        if isinstance(data, PairwiseData):
            return Targets.pairs(data.xa, data.xb, data.label)
        o = data.observed
        y = data.label[o]
        return Targets(data.x[o], None, y, 1.0 - y, np.zeros(y.size))

    @property
    def pointwise(self) -> bool:
        return self.xb is None


class RewardModel(Protocol):
    """A fitted reward model: higher score = more preferred."""

    def fit(self, data: PairwiseData | PointwiseData) -> RewardModel: ...

    def fit_targets(self, targets: Targets) -> RewardModel: ...

    def score(self, X: Array) -> Array: ...


def _loss_grad_margin(m: Array, t: Targets) -> tuple[float, Array]:
    z = m - t.delta
    loss = t.pos * np.logaddexp(0.0, -z) + t.neg * np.logaddexp(0.0, z)
    g = -t.pos * special.expit(-z) + t.neg * special.expit(z)
    return float(loss.sum()), g


@functools.cache
def _blas_controller() -> Any:
    """One threadpoolctl controller (finding the loaded BLAS libraries costs ~10 ms, more
    than a small fit)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@dataclass
class LinearRewardModel:
    """r(x) = w . x (+ b for single-item feedback), fitted with L-BFGS (scipy).

    ``l2`` is the ridge penalty on w (default 1e-3 keeps BT identifiable under separable
    data and bounds the noise-aware loss from below). Fitted: ``coef_``, ``intercept_``.

    Stopping: L-BFGS-B stops on the projected gradient (``gtol = tol``) *or* on the relative
    loss improvement ``(f_k - f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) <= ftol``. scipy's default
    ``ftol`` (2.2e-9) ends the fit after a handful of iterations while the gradient is still
    ~1e-5 (coefficients 1e-5 away from scikit-learn's optimum on the same loss), so ``ftol``
    is set to machine epsilon and the gradient test alone decides (issue 14).
    """

    l2: float = 1e-3
    max_iter: int = 500
    tol: float = 1e-8

    def fit(self, data: PairwiseData | PointwiseData) -> LinearRewardModel:
        return self.fit_targets(Targets.from_data(data))

    def fit_targets(self, t: Targets) -> LinearRewardModel:
        if self.l2 < 0:
            raise ValueError(f"l2 must be >= 0, got {self.l2}")
        Z = t.xa if t.xb is None else t.xa - t.xb
        _n, d = Z.shape
        total = float(np.sum(t.pos + t.neg))
        if total <= 0:
            raise ValueError("targets carry no weight (sum of pos + neg <= 0)")
        bias = t.pointwise
        l2 = self.l2

        def fun(theta: Array) -> tuple[float, Array]:
            w = theta[:d]
            m = Z @ w + (theta[d] if bias else 0.0)
            loss, g = _loss_grad_margin(m, t)
            grad = np.empty_like(theta)
            grad[:d] = Z.T @ g / total + l2 * w
            if bias:
                grad[d] = g.sum() / total
            return loss / total + 0.5 * l2 * float(w @ w), grad

        theta0 = np.zeros(d + (1 if bias else 0))
        # one BLAS thread: a fit is a small problem, and on a shared 2-core machine OpenBLAS
        # threads made the L-BFGS-B fits of a RAFT run 16x slower (7.4 s vs 0.45 s measured);
        # it also makes the fit's rounding independent of the machine's core count
        with _blas_controller().limit(limits=1, user_api="blas"):
            res = optimize.minimize(fun, theta0, jac=True, method="L-BFGS-B",
                                    options={"maxiter": self.max_iter, "gtol": self.tol,
                                             "ftol": float(np.finfo(np.float64).eps)})
        self.coef_ = res.x[:d]
        self.intercept_ = float(res.x[d]) if bias else 0.0
        self.n_iter_ = int(res.nit)
        return self

    def score(self, X: Array) -> Array:
        return np.asarray(X, dtype=np.float64) @ self.coef_ + self.intercept_


@dataclass
class MLPRewardModel:
    """r(x) = v . relu(W x + c) + b: one hidden layer (torch CPU, imported lazily), trained
    full-batch with Adam (``epochs`` steps, ``lr``) and weight decay ``l2``; inputs are
    standardized with the training rows' mean and std."""

    hidden: int = 16
    epochs: int = 200
    lr: float = 0.01
    l2: float = 1e-3
    random_state: int = 0

    def fit(self, data: PairwiseData | PointwiseData) -> MLPRewardModel:
        return self.fit_targets(Targets.from_data(data))

    def fit_targets(self, t: Targets) -> MLPRewardModel:
        torch = require("torch", "ml", "the MLP reward model")

        torch.set_num_threads(1)  # tiny matrices: threads only add contention on shared CPUs
        g = torch.Generator().manual_seed(int(self.random_state))
        rows = t.xa if t.xb is None else np.concatenate([t.xa, t.xb])
        self.mean_ = rows.mean(0)
        self.std_ = rows.std(0) + 1e-8
        d, h = rows.shape[1], self.hidden
        W = (torch.randn(d, h, generator=g, dtype=torch.float64) * np.sqrt(2.0 / d))
        c = torch.zeros(h, dtype=torch.float64)
        v = torch.randn(h, generator=g, dtype=torch.float64) / np.sqrt(h)
        b = torch.zeros((), dtype=torch.float64)
        params = [p.requires_grad_() for p in (W, c, v, b)]
        f = self._forward
        xa = torch.as_tensor((t.xa - self.mean_) / self.std_)
        xb = None if t.xb is None else torch.as_tensor((t.xb - self.mean_) / self.std_)
        pos, neg = torch.as_tensor(t.pos), torch.as_tensor(t.neg)
        delta = torch.as_tensor(t.delta)
        total = float(np.sum(t.pos + t.neg))
        opt = torch.optim.Adam(params, lr=self.lr, weight_decay=self.l2)
        sp = torch.nn.functional.softplus
        for _ in range(self.epochs):
            opt.zero_grad()
            m = f(xa, params) - (f(xb, params) if xb is not None else 0.0) - delta
            loss = (pos * sp(-m) + neg * sp(m)).sum() / total
            loss.backward()
            opt.step()
        self.params_ = [p.detach() for p in params]
        return self

    @staticmethod
    def _forward(x: Any, params: list[Any]) -> Any:
        W, c, v, b = params
        return (x @ W + c).clamp_min(0.0) @ v + b

    def score(self, X: Array) -> Array:
        torch = require("torch", "ml", "the MLP reward model")

        x = torch.as_tensor((np.asarray(X, dtype=np.float64) - self.mean_) / self.std_)
        with torch.no_grad():
            return self._forward(x, self.params_).numpy()


MODELS = ("linear", "mlp")


def make_model(model: str, random_state: int = 0, **params: Any) -> RewardModel:
    """A fresh unfitted reward model of kind ``model`` ("linear" or "mlp")."""
    if model == "linear":
        return LinearRewardModel(**params)
    if model == "mlp":
        return MLPRewardModel(random_state=random_state, **params)
    raise ValueError(f"model must be one of {', '.join(MODELS)}; got {model!r}")


def fit_reward_model(
    data: PairwiseData | PointwiseData,
    objective: str = "bt",
    model: str = "linear",
    random_state: int = 0,
    model_params: dict[str, Any] | None = None,
    **objective_params: Any,
) -> RewardModel:
    """Fit a reward model to ``data`` with ``objective`` (a name in
    ``looplab.preferences.objectives.OBJECTIVES``) and model kind ``model``.

    ``objective_params`` go to the objective (e.g. ``alpha`` for label smoothing),
    ``model_params`` to the model constructor. Same inputs + ``random_state`` give the
    same model.
    """
    from looplab.preferences.objectives import OBJECTIVES

    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}; got {objective!r}")
    if model not in MODELS:
        raise ValueError(f"model must be one of {', '.join(MODELS)}; got {model!r}")
    spec = OBJECTIVES[objective]
    if not isinstance(data, spec.shape):
        raise ValueError(
            f"objective {objective!r} needs {spec.shape.__name__}, got {type(data).__name__}"
        )
    mp = dict(model_params or {})

    def factory(k: int = 0) -> RewardModel:
        """Ensemble member ``k``: its own seed, independent of call order."""
        ss = np.random.SeedSequence(random_state, spawn_key=(1, k))
        return make_model(model, random_state=int(ss.generate_state(1)[0]), **mp)

    rng = np.random.default_rng(np.random.SeedSequence(random_state, spawn_key=(0,)))
    return spec.fit(data, factory, rng, **objective_params)
