"""LOOP, linear form: optimism over an elliptical confidence set on linear parameters, with
low-switching updates by determinant doubling.

Paper: J. He, H. Zhong and Z. Yang, "Sample-efficient Learning of Infinite-horizon
Average-reward MDPs with General Function Approximation", ICLR 2024 (arXiv 2404.12648),
Algorithm 1 (optimism over a confidence set, low-switching policy updates) instantiated
for a linear MDP (the notes' instantiation (ii); linear AMDPs are one of the classes the
paper's AGEC covers): P(. | s, a) = phi(s, a)^T M, r(s, a) = phi(s, a)^T theta with a known
feature map phi in R^d (``looplab.worlds.linear_mdp``).

Estimates (ridge regression, lambda = ``ridge``), over the data (s_i, a_i, r_i, s'_i):
    Lambda = lambda I + sum_i phi_i phi_i^T,   theta_hat = Lambda^-1 sum_i phi_i r_i,
    M_hat = Lambda^-1 sum_i phi_i e_{s'_i}^T,   w(s, a) = ||phi(s, a)||_{Lambda^-1}.
Confidence set (the self-normalised bound of Abbasi-Yadkori, Pal and Szepesvari, NeurIPS
2011, for noise in [0, 1], per coordinate):
    beta_t = 0.5 sqrt(2 log(1/delta) + d log(1 + t / (lambda d))) + sqrt(lambda d),
    |r(s, a) - phi^T theta_hat| <= c beta_t w(s, a),
    ||P(.|s, a) - Phat(.|s, a)||_1 <= c 2 sqrt(n) beta_t w(s, a)   (L1 <= sqrt(n) L2),
with Phat(.|s, a) the Euclidean projection of phi^T M_hat onto the simplex (Duchi et al.,
ICML 2008) and c = ``radius_scale``. Optimism: f_t = argmax_{f in B_t} J_f, computed by
extended value iteration over these sets (``looplab.policies.tabular_mdp``), which returns
(Q, J, h) and the greedy policy.
Low switching: the policy is recomputed only when det(Lambda) has grown by the factor
``switch_ratio`` (2: doubling) since the last switch; log det Lambda_T <= d log(1 +
T / (lambda d)), so there are at most d log_2(1 + T / (lambda d)) switches: logarithmic
in T. log det is tracked by the matrix determinant lemma, Lambda^-1 by Sherman-Morrison
(re-inverted exactly at each switch).
With one-hot features (d = n A, lambda -> 0) the estimates are the tabular counts and w =
1 / sqrt(N(s, a)): the tabular LOOP/UCRL2 confidence sets up to constants.
Defaults: delta = 0.05 and radius scale 0.2 as the tabular learners (the same reason:
``looplab.policies.ucrl2``); ridge 1 (the usual lambda of linear bandits); switch ratio 2
(the notes' determinant doubling). Before the first transition no features have been seen,
so the first policy is action 0 everywhere and the first update plans.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from pydantic import Field

from looplab.core.params import Params
from looplab.core.streams import Stream
from looplab.core.types import ActionSpec, Feedback, Observation
from looplab.policies.tabular_mdp import SwitchAction, extended_value_iteration


class LinearLOOP(Params):
    """LOOP, linear MDP: optimistic planning over ridge confidence ellipsoids, replanned when
    det(Lambda) doubles."""

    name: ClassVar[str] = "loop_linear"
    delta: float = Field(0.05, gt=0.0, lt=1.0)
    radius_scale: float = Field(0.2, gt=0.0)
    ridge: float = Field(1.0, gt=0.0)
    switch_ratio: float = Field(2.0, gt=1.0)

    def init(self, spec: ActionSpec, replicates: int, rng: Stream) -> dict[str, Any]:
        R, n = replicates, spec.n_features
        return {"n": n, "A": spec.n_arms, "t": 0, "Lam": None, "pi": np.zeros((R, n), np.int64),
                "J": np.zeros(R), "switches": np.zeros(R, np.int64),
                "switched": np.zeros(R, dtype=bool)}

    def act(self, st: dict[str, Any], obs: Observation, rng: Stream) -> SwitchAction:
        s = obs["state"]
        arm = st["pi"][np.arange(s.shape[0]), s]
        return SwitchAction(arm=arm, propensity=np.ones(arm.shape[0]), switched=st["switched"])

    def beta(self, t: int, d: int) -> float:
        """The ellipsoid radius beta_t (before ``radius_scale``)."""
        lam = self.ridge
        return float(0.5 * np.sqrt(2 * np.log(1 / self.delta) + d * np.log(1 + t / (lam * d)))
                     + np.sqrt(lam * d))

    def update(self, st: dict[str, Any], fb: Feedback) -> dict[str, Any]:
        sig = fb.signals
        s, s2, Phi = sig["state"], sig["next_state"], sig["features"]
        a = np.asarray(fb.arm, np.int64)
        R, n = s.shape[0], st["n"]
        rows = np.arange(R)
        d = Phi.shape[-1]
        new = dict(st)  # arrays below are replaced, never written in place
        if st["Lam"] is None:
            new["Lam"] = np.broadcast_to(self.ridge * np.eye(d), (R, d, d)).copy()
            new["Linv"] = np.broadcast_to(np.eye(d) / self.ridge, (R, d, d)).copy()
            new["Bsp"], new["c"] = np.zeros((R, d, n)), np.zeros((R, d))
            new["logdet"] = np.full(R, d * np.log(self.ridge))
            new["logdet_last"] = np.full(R, -np.inf)  # plan at the first update
        phi = Phi[rows, s, a]  # (R, d)
        Lphi = np.einsum("rij,rj->ri", new["Linv"], phi)
        q = np.einsum("ri,ri->r", phi, Lphi)
        new["Lam"] = new["Lam"] + phi[:, :, None] * phi[:, None, :]
        new["Linv"] = new["Linv"] - Lphi[:, :, None] * Lphi[:, None, :] / (1 + q)[:, None, None]
        new["logdet"] = new["logdet"] + np.log1p(q)
        Bsp = new["Bsp"].copy()
        Bsp[rows, :, s2] += phi
        new["Bsp"] = Bsp
        new["c"] = new["c"] + phi * np.asarray(fb.reward, np.float64)[:, None]
        new["t"] = st["t"] + 1
        idx = np.flatnonzero(new["logdet"] - new["logdet_last"] > np.log(self.switch_ratio))
        new["switched"] = np.zeros(R, dtype=bool)
        if idx.size:
            self._plan(new, idx, Phi[idx])
        return new

    def _plan(self, st: dict[str, Any], idx: np.ndarray, Phi: np.ndarray) -> None:
        """Recompute the optimistic policy of replicates ``idx`` (``st``'s arrays are fresh
        copies owned by this update, so they are written in place)."""
        n, d = st["n"], Phi.shape[-1]
        Linv = np.linalg.inv(st["Lam"][idx])
        st["Linv"] = st["Linv"].copy()
        st["Linv"][idx] = Linv
        M = Linv @ st["Bsp"][idx]  # (I, d, n)
        theta = np.einsum("rij,rj->ri", Linv, st["c"][idx])
        phat = project_simplex(np.einsum("rsak,rkn->rsan", Phi, M))
        rhat = np.einsum("rsak,rk->rsa", Phi, theta)
        w = np.sqrt(np.maximum(np.einsum("rsak,rkl,rsal->rsa", Phi, Linv, Phi), 0.0))
        b = self.radius_scale * self.beta(st["t"], d) * w
        r_opt = np.clip(rhat + b, 0.0, 1.0)
        rad = np.minimum(2 * np.sqrt(n) * b, 2.0)
        _Q, J, _h, pi = extended_value_iteration(phat, rad, r_opt, max(st["t"], 1))
        for key, val in (("pi", pi), ("J", J)):
            st[key] = st[key].copy()
            st[key][idx] = val
        st["switches"] = st["switches"].copy()
        st["switches"][idx] += 1
        st["switched"][idx] = True
        st["logdet_last"] = st["logdet_last"].copy()
        st["logdet_last"][idx] = st["logdet"][idx]


def project_simplex(v: np.ndarray) -> np.ndarray:
    """Euclidean projection of every vector along the last axis onto the probability
    simplex (Duchi, Shalev-Shwartz, Singer and Chandra, ICML 2008)."""
    n = v.shape[-1]
    u = -np.sort(-v, axis=-1)
    css = np.cumsum(u, axis=-1) - 1.0
    k = np.arange(1, n + 1)
    rho = (u - css / k > 0).sum(axis=-1, keepdims=True)
    tau = np.take_along_axis(css, rho - 1, axis=-1) / rho
    return np.maximum(v - tau, 0.0)
