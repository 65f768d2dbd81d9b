"""Small average-reward MDPs, batched over replicates: RiverSwim and random Dirichlet MDPs.

The worlds of the LOOP notes (decision-loops section 5b) for He, Zhong and Yang,
"Sample-efficient Learning of Infinite-horizon Average-reward MDPs with General Function
Approximation" (ICLR 2024, arXiv 2404.12648), which has no experiments of its own.

RiverSwim (Strehl and Littman 2008; the version used by Jaksch, Ortner and Auer 2010 for
UCRL2): a chain of n states, action 0 = swim left (always succeeds), action 1 = swim right
(from an inner state: right 0.35, stay 0.6, left 0.05; at the ends: right/stay 0.6/0.4 from
the left end, stay/left 0.6/0.4 at the right end). Mean rewards: 0.005 for swimming left in
the leftmost state, 1 for swimming right in the rightmost, 0 elsewhere; realized rewards
are Bernoulli with those means. Greedy learners settle for the small sure reward on the
left; the optimal gain needs persistent exploration to the right.

Random: per replicate, P(.|s, a) ~ Dirichlet(0.5 * 1) and mean rewards ~ U(0, 1) (a
communicating MDP almost surely), Bernoulli realized rewards.

The optimal gain J* (per replicate) comes from relative value iteration on the true MDP at
reset and is part of the hidden truth: regret_t = J* - rbar(s_t, a_t) (expected reward, so
the series is free of reward noise).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import Field

from looplab.core.params import Params
from looplab.core.streams import Stream
from looplab.core.types import Action, ActionSpec, Feedback, Observation, Outcome


class MDPConfig(Params):
    """Parameters of the tabular MDP world."""

    variant: Literal["riverswim", "random"] = "riverswim"
    n_states: int = Field(6, ge=2, le=200)
    n_actions: int = Field(2, ge=2, le=20)  # RiverSwim has exactly 2
    dirichlet: float = Field(0.5, gt=0.0)


def riverswim(n: int) -> tuple[np.ndarray, np.ndarray]:
    """(P (n, 2, n), r (n, 2)) of RiverSwim with n states."""
    P = np.zeros((n, 2, n))
    r = np.zeros((n, 2))
    for s in range(n):
        P[s, 0, max(s - 1, 0)] = 1.0
        if s == 0:
            P[s, 1, 0], P[s, 1, 1] = 0.4, 0.6
        elif s == n - 1:
            P[s, 1, s], P[s, 1, s - 1] = 0.6, 0.4
        else:
            P[s, 1, s + 1], P[s, 1, s], P[s, 1, s - 1] = 0.35, 0.6, 0.05
    r[0, 0] = 0.005
    r[n - 1, 1] = 1.0
    return P, r


def relative_value_iteration(
    P: np.ndarray, r: np.ndarray, tol: float = 1e-8, max_iter: int = 100_000
) -> tuple[np.ndarray, np.ndarray]:
    """Batched relative value iteration (with aperiodicity transform 0.5 I + 0.5 P):
    (gain J (R,), greedy policy (R, n)) for P (R, n, A, n), r (R, n, A). A replicate stops
    iterating once its own span falls below ``tol`` (its values are then frozen), so its
    answer does not depend on the other replicates in the batch."""
    R, n, _A, _ = P.shape
    h = np.zeros((R, n))
    Pa = 0.5 * P + 0.5 * np.eye(n)[None, :, None, :]
    q = np.zeros(r.shape)
    d = np.zeros((R, n))
    live = np.arange(R)
    for _ in range(max_iter):
        ql = r[live] + np.einsum("rsan,rn->rsa", Pa[live], h[live])
        v = ql.max(axis=2)
        dl = v - h[live]
        q[live], d[live], h[live] = ql, dl, v - v[:, :1]
        live = live[(dl.max(axis=1) - dl.min(axis=1)) >= tol]
        if live.size == 0:
            break
    gain = 0.5 * (d.max(axis=1) + d.min(axis=1))
    return gain, q.argmax(axis=2)


@dataclass
class MDPState:
    """Each replicate's MDP and its current state."""

    P: np.ndarray  # (R, n, A, n)
    r: np.ndarray  # (R, n, A) mean rewards
    gain: np.ndarray  # (R,) optimal gain J*
    s: np.ndarray  # (R,) current state


class MDPWorld:
    """A batch of tabular MDPs stepped together; ``n_states``/``n_actions`` are public."""

    name = "mdp"
    public_truth: tuple[str, ...] = ("state",)  # the observed state, echoed for the channel

    def __init__(self, config: MDPConfig | None = None) -> None:
        self.config = config or MDPConfig()
        if self.config.variant == "riverswim" and self.config.n_actions != 2:
            raise ValueError("riverswim has n_actions = 2")
        self.n_states = self.config.n_states
        self.n_actions = self.config.n_actions

    def action_spec(self) -> ActionSpec:
        return ActionSpec(n_arms=self.n_actions, n_features=self.n_states)

    def reset(self, replicates: int, rng: Stream) -> MDPState:
        cfg, R = self.config, replicates
        if cfg.variant == "riverswim":
            P1, r1 = riverswim(cfg.n_states)
            P = np.broadcast_to(P1, (R, *P1.shape)).copy()
            r = np.broadcast_to(r1, (R, *r1.shape)).copy()
            s0 = np.zeros(R, dtype=np.int64)  # the classic start: the left bank
        else:
            n, A = cfg.n_states, cfg.n_actions
            P = rng.dirichlet(np.full(n, cfg.dirichlet), size=(R, n, A))
            r = rng.random((R, n, A))
            s0 = rng.integers(0, n, R)
        gain, _ = relative_value_iteration(P, r)
        return MDPState(P=P, r=r, gain=gain, s=s0)

    def observe(self, state: MDPState, rng: Stream) -> Observation:
        return Observation({"state": state.s})

    @property
    def observation_dim(self) -> int:
        return self.n_states

    def observation_vector(self, obs: Observation) -> np.ndarray:
        """One-hot state, for the Gymnasium adapter."""
        return np.eye(self.n_states)[obs["state"]]

    def step(
        self, state: MDPState, action: Action, obs: Observation, rng: Stream
    ) -> tuple[MDPState, Outcome]:
        R = state.s.shape[0]
        a = np.asarray(action.arm, dtype=np.int64)
        rows = np.arange(R)
        p = state.P[rows, state.s, a]  # (R, n)
        nxt = np.minimum((np.cumsum(p, axis=1) < rng.random((R, 1))).sum(axis=1),
                         self.n_states - 1)
        mean = state.r[rows, state.s, a]
        reward = (rng.random(R) < mean).astype(np.float64)
        truth = {"expected_reward": mean, "gain": state.gain, "next_state": nxt,
                 "state": state.s}
        return MDPState(P=state.P, r=state.r, gain=state.gain, s=nxt), Outcome(reward, truth)


@dataclass
class TransitionFeedback:
    """Full-information transitions for RL: the learner sees its reward and the next state
    (``signals['next_state']``), as any RL agent does; the model and the gain stay hidden."""

    def init(
        self, spec: ActionSpec, replicates: int, rng: Stream
    ) -> dict[str, int]:
        return {"S": replicates}

    def transmit(
        self, cstate: dict[str, int], action: Action, outcome: Outcome, rng: Stream
    ) -> tuple[dict[str, int], Feedback]:
        return cstate, Feedback(
            arm=action.arm, propensity=action.propensity, reward=outcome.reward,
            mask=np.ones(cstate["S"], dtype=bool),
            signals={"state": outcome.truth["state"], "next_state": outcome.truth["next_state"]},
        )


class GainRegretMonitor:
    """Average-reward regret J* - rbar(s_t, a_t) per step and its running sum."""

    names = ("regret", "cum_regret")

    def reset(self, replicates: int) -> None:
        self._cum = np.zeros(replicates)

    def __call__(
        self, obs: Observation, action: Action, outcome: Outcome, feedback: Feedback
    ) -> dict[str, np.ndarray]:
        reg = outcome.truth["gain"] - outcome.truth["expected_reward"]
        self._cum = self._cum + reg
        return {"regret": reg, "cum_regret": self._cum}


class SwitchMonitor:
    """Cumulative policy switches (recomputations of the deployed policy) per replicate,
    read from the ``switched`` flag of the tabular learners' actions (0 if absent)."""

    names = ("switches",)

    def reset(self, replicates: int) -> None:
        self._cum = np.zeros(replicates)

    def __call__(
        self, obs: Observation, action: Action, outcome: Outcome, feedback: Feedback
    ) -> dict[str, np.ndarray]:
        sw = getattr(action, "switched", None)
        if sw is not None:
            self._cum = self._cum + sw
        return {"switches": self._cum.copy()}
