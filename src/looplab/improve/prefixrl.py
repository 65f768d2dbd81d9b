"""PrefixRL (2025, "Reuse your FLOPs: Scaling RL on Hard Problems by Conditioning on Very
Off-Policy Prefixes") on the combination lock, with its baselines.

Hard problems give on-policy RL no signal: with success probability V^-L almost every group
of G samples fails and GRPO's group-normalised advantage is zero. PrefixRL reuses a
successful off-policy trace tau* (here the lock, as rejection sampling from the base model
would find it; every arm is given the same trace): each round, each prompt is conditioned on
a prefix tau*_{1:j} with j ~ Uniform{0, ..., L - 1} (j = 0 keeps unprefixed problems in the
mix), the policy writes the continuation on-policy, and GRPO updates only the policy's own
tokens (the prefix is context, never supervised):

    theta <- theta + lr * (1/G) sum_i A_i sum_{k > j} grad log pi(x_ik | k, x_i,k-1),
    A_i = (r_i - mean r) / (std r + eps).

Longer prefixes make the problem easier, so groups are mixed and the gradient does not
vanish; what is learnt at late positions transfers to unprefixed problems through the shared
(position, previous token) table ("back-generalisation", here a reverse curriculum).

Baselines, same G and lr: ``LockGRPO`` (on-policy GRPO on unprefixed problems only) and
``SFTThenRL`` (``sft_rounds`` rounds of behaviour cloning on tau*, no samples drawn, then
GRPO). Defaults: G = 16 and lr = 1 (tabular logits; CPU-scale choice).
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from looplab.core.params import Params
from looplab.core.streams import Stream
from looplab.improve.rule import Info, State, group_normalise
from looplab.improve.sequence import LockTask, sample_sequences, sequence_grad


class LockRule(Params):
    """Base of the rules on the combination lock (token-sequence policy)."""

    group: int = Field(16, ge=2, le=1024)
    lr: float = Field(1.0, gt=0.0)

    def init_state(self, task: LockTask, rng: Stream) -> State:
        """Parameters at the base model, round counter at 0."""
        return {"theta": task.theta0.copy(), "t": 0}

    def prefixes(self, task: LockTask, rng: Stream) -> np.ndarray:
        """(S, P) prefix length per prompt this round (0: unprefixed)."""
        S, P, _L, _V = task.dims
        return np.zeros((S, P), int)

    def grpo(self, task: LockTask, state: State, rng: Stream) -> tuple[State, Info]:
        """One GRPO step on (possibly prefixed) problems, own tokens only."""
        _S, _P, L, _V = task.dims
        j = self.prefixes(task, rng)
        x, prev = sample_sequences(task, state["theta"], self.group, j, rng)
        r = (x == task.lock[:, :, None, :]).all(-1).astype(np.float64)
        A = group_normalise(r)
        trained = np.arange(L)[None, None, None, :] >= j[..., None, None]
        W = sequence_grad(task, state["theta"], x, prev, A / self.group,
                          np.broadcast_to(trained, x.shape))
        theta = state["theta"] + self.lr * W
        return {**state, "theta": theta, "t": state["t"] + 1}, {}

    def step(self, task: LockTask, state: State, rng: Stream
             ) -> tuple[State, Info]:
        """One update (GRPO by default)."""
        return self.grpo(task, state, rng)


class LockGRPO(LockRule):
    """On-policy GRPO on unprefixed lock problems only (vanishing signal when hard)."""


class PrefixRL(LockRule):
    """PrefixRL: on-policy RL conditioned on prefixes of an off-policy successful trace."""

    def prefixes(self, task: LockTask, rng: Stream) -> np.ndarray:
        """j ~ Uniform{0, ..., L - 1} per prompt."""
        S, P, L, _V = task.dims
        return rng.integers(0, L, (S, P))


class SFTThenRL(LockRule):
    """Behaviour cloning on the off-policy trace for a few rounds, then on-policy GRPO."""

    sft_rounds: int = Field(5, ge=0)
    sft_lr: float = Field(0.2, gt=0.0)

    def step(self, task: LockTask, state: State, rng: Stream
             ) -> tuple[State, Info]:
        """SFT on tau* (no samples drawn) during the first ``sft_rounds``, then GRPO."""
        if state["t"] >= self.sft_rounds:
            return self.grpo(task, state, rng)
        S, P, _L, _V = task.dims
        x = task.lock[:, :, None, :]
        prev = task.prev_on_path()[:, :, None, :]
        W = sequence_grad(task, state["theta"], x, prev, np.ones((S, P, 1)),
                          np.ones(x.shape, bool))
        theta = state["theta"] + self.sft_lr * W
        return ({**state, "theta": theta, "t": state["t"] + 1},
                {"samples_used": np.asarray(0.0)})
