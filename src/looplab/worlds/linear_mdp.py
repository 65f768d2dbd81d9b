"""Average-reward MDPs with a known feature map phi(s, a) in R^d, batched over replicates:
the worlds of LOOP's linear form (He, Zhong and Yang, ICLR 2024, arXiv 2404.12648; the
notes' instantiation (ii), decision-loops section 5a).

- ``riverswim`` / ``random``: exactly ``looplab.worlds.mdp``'s MDPs (same draws, same
  steps), with the one-hot feature map phi(s, a) = e_{(s, a)}, d = n A: the tabular
  special case of a linear MDP.
- ``linear``: a low-rank ("simplex feature") linear MDP (Jin, Yang, Wang and Jordan,
  "Provably Efficient Reinforcement Learning with Linear Function Approximation", COLT
  2020, Example 2.2): per replicate, phi(s, a) ~ Dirichlet(``feature_concentration`` 1_d),
  d latent next-state distributions mu_k ~ Dirichlet(``dirichlet`` 1_n) and latent mean
  rewards theta_k ~ U(0, 1); then
      P(. | s, a) = sum_k phi_k(s, a) mu_k,      r(s, a) = phi(s, a) . theta,
  realised rewards Bernoulli(r). The learner knows phi, not mu or theta: d parameters per
  next state instead of n A. Defaults: n = 10 states, A = 3 actions, d = 4 (d < n A = 30),
  concentration 0.3 (each pair leans on one or two latent factors, so pairs differ).

The observation is the current state and the feature map (R, n, A, d), which is public:
the step's truth repeats it (``public_truth``) so ``FeatureTransitionFeedback`` can hand it
to the learner with the transition. Regret as in ``looplab.worlds.mdp`` (J* - rbar).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import Field

from looplab.core.streams import Stream
from looplab.core.types import Action, ActionSpec, Feedback, Observation, Outcome
from looplab.worlds.mdp import (
    MDPConfig,
    MDPState,
    MDPWorld,
    relative_value_iteration,
    riverswim,
)


class LinearMDPConfig(MDPConfig):
    """Parameters of an MDP with a feature map (``linear``: low-rank, else one-hot)."""

    variant: Literal["riverswim", "random", "linear", "riverswim_lowrank"] = (
        "riverswim"  # type: ignore[assignment]
    )
    dim: int = Field(4, ge=1, le=64, description="feature dimension d of the linear variant")
    feature_concentration: float = Field(0.3, gt=0.0)


@dataclass
class FeatureMDPState(MDPState):
    """An MDP state with the replicate's feature map."""

    phi: np.ndarray = None  # type: ignore[assignment]  # (R, n, A, d)


class LinearMDPWorld(MDPWorld):
    """A batch of MDPs with known features; ``riverswim``/``random`` equal ``MDPWorld``'s."""

    name = "linear_mdp"
    # the current state and the feature map are observed; the truth repeats them for the
    # channel to forward with the transition
    public_truth = ("features", "state")

    def __init__(self, config: LinearMDPConfig | None = None) -> None:
        cfg = config or LinearMDPConfig()
        if cfg.variant == "linear":
            self.config = cfg  # type: ignore[assignment]
            self.n_states, self.n_actions = cfg.n_states, cfg.n_actions
        else:
            super().__init__(cfg.model_copy(update={"variant": "riverswim"})
                             if cfg.variant == "riverswim_lowrank" else cfg)
            self.config = cfg  # type: ignore[assignment]
        n, A = cfg.n_states, cfg.n_actions
        self.dim = {"linear": cfg.dim, "riverswim_lowrank": n + 1}.get(cfg.variant, n * A)

    def reset(self, replicates: int, rng: Stream) -> FeatureMDPState:
        cfg, R = self.config, replicates
        n, A = cfg.n_states, cfg.n_actions
        if cfg.variant == "riverswim_lowrank":
            P1, r1 = riverswim(n)
            phi1 = lowrank_features(P1, r1)
            P = np.broadcast_to(P1, (R, *P1.shape)).copy()
            r = np.broadcast_to(r1, (R, *r1.shape)).copy()
            gain, _ = relative_value_iteration(P, r)
            return FeatureMDPState(P, r, gain, np.zeros(R, np.int64),
                                   np.broadcast_to(phi1, (R, *phi1.shape)))
        if cfg.variant != "linear":
            base = super().reset(R, rng)
            phi = np.broadcast_to(np.eye(n * A).reshape(n, A, n * A), (R, n, A, n * A))
            return FeatureMDPState(base.P, base.r, base.gain, base.s, phi)
        c: LinearMDPConfig = cfg  # type: ignore[assignment]
        phi = rng.dirichlet(np.full(c.dim, c.feature_concentration), size=(R, n, A))
        mu = rng.dirichlet(np.full(n, c.dirichlet), size=(R, c.dim))
        theta = rng.random((R, c.dim))
        P = np.einsum("rsak,rkn->rsan", phi, mu)
        r = np.einsum("rsak,rk->rsa", phi, theta)
        gain, _ = relative_value_iteration(P, r)
        return FeatureMDPState(P, r, gain, rng.integers(0, n, R), phi)

    def observe(self, state: MDPState, rng: Stream) -> Observation:
        return Observation({"state": state.s, "features": state.phi})  # type: ignore[attr-defined]

    def step(
        self, state: MDPState, action: Action, obs: Observation, rng: Stream
    ) -> tuple[FeatureMDPState, Outcome]:
        nxt, out = super().step(state, action, obs, rng)
        phi = state.phi  # type: ignore[attr-defined]
        return (FeatureMDPState(nxt.P, nxt.r, nxt.gain, nxt.s, phi),
                Outcome(out.reward, {**out.truth, "features": phi}))


def lowrank_features(P: np.ndarray, r: np.ndarray) -> np.ndarray:
    """(n, A, k) the minimal exact feature map of an MDP: the rows of [P | r] (one per
    (s, a)) factor as Phi Psi through their SVD, Phi = U_k diag(s_k), k the rank; then
    P(.|s, a) and r(s, a) are linear in phi(s, a) (a linear MDP of dimension k)."""
    n, A, _ = P.shape
    X = np.concatenate([P.reshape(n * A, n), r.reshape(n * A, 1)], axis=1)
    U, sv, _ = np.linalg.svd(X, full_matrices=False)
    k = int((sv > 1e-10 * sv[0]).sum())
    return (U[:, :k] * sv[:k]).reshape(n, A, k)


@dataclass
class FeatureTransitionFeedback:
    """``TransitionFeedback`` plus the public feature map: the learner sees its reward, the
    next state and phi (``signals['features']``); the model and the gain stay hidden."""

    def init(
        self, spec: ActionSpec, replicates: int, rng: Stream
    ) -> dict[str, int]:
        return {"S": replicates}

    def transmit(
        self, cstate: dict[str, int], action: Action, outcome: Outcome, rng: Stream
    ) -> tuple[dict[str, int], Feedback]:
        t = outcome.truth
        return cstate, Feedback(
            arm=action.arm, propensity=action.propensity, reward=outcome.reward,
            mask=np.ones(cstate["S"], dtype=bool),
            signals={"state": t["state"], "next_state": t["next_state"],
                     "features": t["features"]},
        )
