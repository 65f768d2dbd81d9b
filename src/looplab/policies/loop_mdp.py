"""LOOP (Local-fitted Optimization with OPtimism), tabular model-based form.

Paper: J. He, H. Zhong and Z. Yang, "Sample-efficient Learning of Infinite-horizon
Average-reward MDPs with General Function Approximation", ICLR 2024 (arXiv 2404.12648),
Algorithm 1 instantiated for a tabular class (the notes' instantiation (i)).

Confidence set and optimism: the plug-in model with UCRL2's L1 / Hoeffding balls, planned
by extended value iteration, gives f_t = (Q_f, J_f) = argmax_{f in B_t} J_f.
Low switching (what makes it LOOP, not UCRL2): keep f fixed while the *local-fitted*
discrepancy of f on the data since the last switch stays small,
    L(f) = sum_i (Q_f(s_i,a_i) - y_i)^2 - min_g sum_i (g(s_i,a_i) - y_i)^2
         = sum_{s,a} n(s,a) (Q_f(s,a) - ybar(s,a))^2,   y_i = r_i - J_f + V_f(s'_i),
(the min over all tabular g is the per-pair mean ybar), and recompute B_t and f_t only
when L(f) > beta. The subtraction removes the noise: for the true model E[L] is at most
n A Var(y) <= n A (1 + sp(V_f))^2 / 4, so
    beta = beta_scale * (1 + sp(V_f))^2 * (n A / 4 + log(1 / delta)).
An optimistic f whose bonus b is paid on n visits triggers after n b^2 ~ beta visits; with
b ~ 1/sqrt(N) at the switch this is a doubling of the counts: O(n A log T) switches.
Defaults: delta = 0.05 and radius scale 0.2 as in UCRL2 (``looplab.policies.ucrl2`` says
why 0.2; the same confidence sets, so the two differ only in when they replan);
beta_scale = 1, the noise bound itself.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from pydantic import Field

from looplab.core.params import Params
from looplab.core.streams import Stream
from looplab.core.types import ActionSpec, Feedback, Observation
from looplab.policies.tabular_mdp import (
    SwitchAction,
    act_from,
    fresh,
    plan,
    record,
    zeros_stats,
)


class LOOP(Params):
    """LOOP, tabular: optimistic planning, replanned when the local-fitted discrepancy > beta."""

    name: ClassVar[str] = "loop"
    delta: float = Field(0.05, gt=0.0, lt=1.0)
    radius_scale: float = Field(0.2, gt=0.0)
    beta_scale: float = Field(1.0, gt=0.0)

    def init(self, spec: ActionSpec, replicates: int, rng: Stream) -> dict[str, Any]:
        st = zeros_stats(replicates, spec.n_features, spec.n_arms)
        st["n_since"] = np.zeros_like(st["N"])
        st["ysum"] = np.zeros_like(st["N"])
        plan(st, np.arange(replicates), self.delta, self.radius_scale)
        return st

    def act(self, st: dict[str, Any], obs: Observation, rng: Stream) -> SwitchAction:
        return act_from(st, obs)

    def beta(self, st: dict[str, Any]) -> np.ndarray:
        """(R,) the switching threshold of each replicate's current f."""
        sp = st["h"].max(axis=1) - st["h"].min(axis=1)
        return self.beta_scale * (1 + sp) ** 2 * (st["n"] * st["A"] / 4 + np.log(1 / self.delta))

    def update(self, st: dict[str, Any], fb: Feedback) -> dict[str, Any]:
        st = fresh(st)
        s, a, s2 = record(st, fb)
        rows = np.arange(s.shape[0])
        y = fb.reward - st["J"] + st["h"][rows, s2]
        st["n_since"][rows, s, a] += 1
        st["ysum"][rows, s, a] += y
        n = st["n_since"]
        ybar = st["ysum"] / np.maximum(n, 1.0)
        disc = (n * (st["Q"] - ybar) ** 2).sum(axis=(1, 2))
        idx = np.flatnonzero(disc > self.beta(st))
        if idx.size:
            st["n_since"][idx] = 0.0
            st["ysum"][idx] = 0.0
            plan(st, idx, self.delta, self.radius_scale)
        return st
