"""A plain linear-logistic contextual bandit: the peer-benchmark workload.

Each round every replicate sees ``n_contexts`` contexts x ~ N(0, I_d) (default 1, one
decision per round) and picks one of K actions, all available. The reward is
    r ~ Bernoulli(sigmoid(theta_a . x)),      theta_a ~ N(0, I / d) drawn once per replicate.
Defaults (K = 10, d = 10) are the workload of looplab issue 4's benchmark, chosen to match
what Vowpal Wabbit's and MABWiser's examples use; no intercept (sigmoid(0) = 1/2 for all
actions, so it does not change which action is best).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import Field
from scipy.special import expit

from looplab.core.params import Params
from looplab.core.seeding import loop_streams
from looplab.core.streams import Rows, Stream
from looplab.core.types import Action, ActionSpec, Observation, Outcome
from looplab.worlds.contextual import contextual_outcome


class LinearBanditConfig(Params):
    """Parameters of the linear-logistic bandit."""

    type: Literal["linear"] = "linear"
    n_actions: int = Field(10, ge=2, le=1000)
    n_features: int = Field(10, ge=1, le=1000)
    n_contexts: int = Field(1, ge=1, description="decisions per round per replicate")


@dataclass
class LinearBanditState:
    theta: np.ndarray  # (S, d, K): column a is theta_a
    avail: np.ndarray  # (S, N, K) all True, allocated once


class LinearBanditWorld:
    """The linear-logistic contextual bandit of the module docstring."""

    name = "linear"
    # contexts and availability are observed; truth repeats them for the channel to
    # forward with the rewards (the logged columns a learner trains on)
    public_truth = ("features", "avail")

    def __init__(self, config: LinearBanditConfig | None = None) -> None:
        self.config = config or LinearBanditConfig()
        self.n_features = self.config.n_features

    def action_spec(self) -> ActionSpec:
        return ActionSpec(n_arms=self.config.n_actions, n_features=self.n_features)

    def reset(self, replicates: int, rng: Stream) -> LinearBanditState:
        c = self.config
        theta = rng.normal(0.0, 1.0 / np.sqrt(c.n_features), (replicates, c.n_actions,
                                                                c.n_features))
        avail = np.ones((replicates, c.n_contexts, c.n_actions), dtype=bool)
        return LinearBanditState(np.ascontiguousarray(theta.transpose(0, 2, 1)), avail)

    def observe(self, state: LinearBanditState, rng: Stream) -> Observation:
        S, N, _ = state.avail.shape
        x = rng.standard_normal((S, N, self.config.n_features))
        return Observation({"features": x, "avail": state.avail})

    def expected_reward(self, state: LinearBanditState, obs: Observation) -> np.ndarray:
        """(S, N, K) success probability of every action for every context."""
        return expit(np.matmul(obs["features"], state.theta))

    def step(
        self, state: LinearBanditState, action: Action, obs: Observation,
        rng: Stream,
    ) -> tuple[LinearBanditState, Outcome]:
        p = self.expected_reward(state, obs)
        return state, contextual_outcome(p, action, obs, rng, all_available=True)

    def draw_streams(
        self, rounds: int, replicates: int, seed: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The data ``core.loop.run`` feeds this world with this seed, for running another
        implementation (a peer library, the single-stream fast path) on the same data:
        contexts (T, S, N, d), expected rewards (T, S, N, K) and the reward uniforms
        (T, S, N) of each round (reward = 1[u < expected of the chosen action])."""
        streams = loop_streams(Rows.of(seed, replicates))
        state = self.reset(replicates, streams.instance)
        rng = streams.world
        S, N, _K = state.avail.shape
        X = np.empty((rounds, S, N, self.config.n_features))
        U = np.empty((rounds, S, N))
        for t in range(rounds):  # the loop's order: observe draws x, step draws u
            X[t] = self.observe(state, rng)["features"]
            U[t] = rng.random((S, N))
        P = expit(np.einsum("tsnd,sdk->tsnk", X, state.theta))
        return X, P, U
