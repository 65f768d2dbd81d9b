"""Payments routing: a contextual bandit with dynamic action sets, an imbalanced binary
reward from a model the learner cannot fit exactly, and many transactions per round.

Setting of Vangara & Egg, "Contextual Bandits in Payment Processing at Adyen"
(arXiv 2412.00569): each transaction has categorical features (card network, issuer
country, merchant category) and numeric ones (log amount, risk score); the processor picks
one of K interventions among those available for it; the reward is the bank's
authorization (1) or refusal (0). The data are proprietary, so this world is synthetic.

One round is one batch period (a "day") of ``n_transactions`` transactions per replicate.
For transaction x with categorical codes c_1..c_J and numeric z, and action a:
    logit p(x, a) = beta_0 + u_a + sum_j B_a[j, c_j] + w_a . z
                    + C_a[c_1, c_2]                      (country x network x action)
                    + q_a (z_1^2 - 1)                    (non-linear amount effect)
    r ~ Bernoulli(p(x, a)),      beta_0 = logit(base_rate)
The learner sees one-hot(c) and z (plus an intercept): a model linear in those features,
per action, cannot represent C_a or q_a, so realizability fails as in the paper.
Action 0 (no intervention) is always available; each other action is available with
probability ``availability`` per transaction (dynamic action sets).

``balanced = true`` is the control world for the oscillation claims: the same reward model
with beta_0 = 0, so an authorization is as likely as a refusal (classes balanced: the
training window's positive rate stays near 0.5 whatever the policy does, instead of
drifting toward 1 as a policy improves at base rate 0.9). The world is stationary in both
settings (the reward model is drawn once per replicate); what differs is only the class
balance the learner's own choices produce, so a learner's swing on the balanced world is
its retraining-noise floor.

Defaults (K = 5, base rate 0.9, availability 0.7, 1000 transactions a day, effect sizes)
follow what the Adyen paper describes (a few interventions, a high base authorization
rate so successes dominate and the class imbalance it reports can arise, dynamic action
sets); the paper's data are proprietary, so the values are ours, fixed before any policy
was run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import Field
from scipy.special import expit

from looplab.core.params import Params
from looplab.core.streams import Stream
from looplab.core.types import Action, ActionSpec, Observation, Outcome
from looplab.worlds.contextual import contextual_outcome


class PaymentsConfig(Params):
    """Parameters of the payments world."""

    type: Literal["payments"] = "payments"
    n_transactions: int = Field(1000, gt=0, description="transactions per round (a day)")
    n_actions: int = Field(5, ge=2, le=50)
    categorical_levels: list[int] = Field(
        default_factory=lambda: [4, 6, 5], min_length=2,
        description="levels of card network, issuer country, merchant category, ...",
    )
    n_numeric: int = Field(2, ge=1, le=20, description="numeric features (log amount, risk)")
    availability: float = Field(0.7, gt=0.0, le=1.0)
    base_rate: float = Field(0.9, gt=0.0, lt=1.0)
    action_effect: float = Field(0.5, ge=0.0, description="sd of linear action effects (logit)")
    interaction: float = Field(0.8, ge=0.0, description="sd of C_a, the unfittable interaction")
    nonlinearity: float = Field(0.4, ge=0.0, description="sd of q_a, the quadratic effect")
    balanced: bool = Field(False, description="beta_0 = 0: balanced classes (control world)")


@dataclass
class PaymentsState:
    """Per-replicate instance of the reward model (drawn once at reset)."""

    beta0: np.ndarray  # (S,)
    u: np.ndarray  # (S, K)
    B: list[np.ndarray]  # per categorical j: (S, K, L_j)
    w: np.ndarray  # (S, K, n_numeric)
    C: np.ndarray  # (S, K, L_1, L_2)
    q: np.ndarray  # (S, K)
    cat_probs: list[np.ndarray]  # per categorical j: (S, L_j) category frequencies


class PaymentsWorld:
    """Synthetic payments routing; see the module docstring."""

    name = "payments"
    # contexts and availability are observed; truth repeats them for the channel to
    # forward with the rewards (the logged columns a learner trains on)
    public_truth = ("features", "avail")

    def __init__(self, config: PaymentsConfig | None = None) -> None:
        self.config = config or PaymentsConfig()
        c = self.config
        self.n_features = 1 + sum(c.categorical_levels) + c.n_numeric  # intercept first
        self._offsets = np.cumsum([1, *c.categorical_levels[:-1]])

    def action_spec(self) -> ActionSpec:
        return ActionSpec(n_arms=self.config.n_actions, n_features=self.n_features)

    def reset(self, replicates: int, rng: Stream) -> PaymentsState:
        c, S, K = self.config, replicates, self.config.n_actions
        L = c.categorical_levels
        beta0 = np.full(S, 0.0 if c.balanced else np.log(c.base_rate / (1 - c.base_rate)))
        u = rng.normal(0.0, c.action_effect / 2, (S, K))
        u[:, 0] = 0.0  # the default action is the reference
        B = [rng.normal(0.0, c.action_effect, (S, K, lj)) for lj in L]
        w = rng.normal(0.0, c.action_effect / 2, (S, K, c.n_numeric))
        C = rng.normal(0.0, c.interaction, (S, K, L[0], L[1]))
        q = rng.normal(0.0, c.nonlinearity, (S, K))
        # skewed category frequencies (a few networks / countries dominate)
        cat_probs = [rng.dirichlet(np.full(lj, 2.0), size=S) for lj in L]
        return PaymentsState(beta0, u, B, w, C, q, cat_probs)

    def observe(self, state: PaymentsState, rng: Stream) -> Observation:
        c = self.config
        S, N, K = state.beta0.shape[0], c.n_transactions, c.n_actions
        codes = np.empty((S, N, len(c.categorical_levels)), dtype=np.int64)
        for j, probs in enumerate(state.cat_probs):
            cdf = np.cumsum(probs, axis=1)  # (S, L_j)
            uj = rng.random((S, N, 1))
            codes[:, :, j] = np.minimum((uj > cdf[:, None, :]).sum(axis=2), probs.shape[1] - 1)
        z = rng.standard_normal((S, N, c.n_numeric))
        avail = rng.random((S, N, K)) < c.availability
        avail[:, :, 0] = True
        feats = np.zeros((S, N, self.n_features))
        feats[:, :, 0] = 1.0
        s_idx = np.arange(S)[:, None]
        n_idx = np.arange(N)[None, :]
        for j in range(codes.shape[2]):
            feats[s_idx, n_idx, self._offsets[j] + codes[:, :, j]] = 1.0
        feats[:, :, -c.n_numeric:] = z
        return Observation({"features": feats, "avail": avail, "codes": codes, "numeric": z})

    def expected_reward(self, state: PaymentsState, obs: Observation) -> np.ndarray:
        """(S, N, K) success probability of every action for every transaction."""
        codes, z = obs["codes"], obs["numeric"]
        S = codes.shape[0]
        s_idx = np.arange(S)[:, None]
        logit = state.beta0[:, None, None] + state.u[:, None, :]
        for j, Bj in enumerate(state.B):
            # Bj: (S, K, L_j) -> gather the transaction's level: (S, N, K)
            logit = logit + np.take_along_axis(
                Bj[:, None, :, :], codes[:, :, None, j : j + 1], axis=3
            )[..., 0]
        logit = logit + np.einsum("snm,skm->snk", z, state.w)
        inter = state.C[s_idx, :, codes[:, :, 0], codes[:, :, 1]]  # (S, N, K)
        logit = logit + inter + state.q[:, None, :] * (z[:, :, :1] ** 2 - 1.0)
        return expit(logit)

    def step(
        self, state: PaymentsState, action: Action, obs: Observation, rng: Stream
    ) -> tuple[PaymentsState, Outcome]:
        return state, contextual_outcome(self.expected_reward(state, obs), action, obs, rng)

