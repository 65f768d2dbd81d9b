"""The loop's contracts: World, Policy, Feedback channel and Monitor.

Every array carries a leading replicate axis ``S``; one call advances all replicates.
Randomness only enters through the per-replicate ``core.streams.Stream`` handed to each
call (``reset`` included); every draw leads with the replicate axis, so replicate ``i``'s
numbers do not depend on the batch it sits in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

from looplab.core.streams import Stream

Array = np.ndarray


@dataclass(frozen=True)
class ActionSpec:
    """What a policy may choose: ``n_arms`` discrete arms and ``n_constraints`` residuals;
    ``n_features`` is the context dimension of a contextual world (0 if none)."""

    n_arms: int
    n_constraints: int = 0
    arm_values: Array | None = None  # e.g. the threshold grid; informative only
    n_features: int = 0


@dataclass(frozen=True)
class Observation:
    """What the learner sees before acting (contexts, candidates, scores), batched over S."""

    data: Mapping[str, Array] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Array:
        return self.data[key]


@dataclass(frozen=True)
class Action:
    """The chosen arm per replicate and the probability the policy gave it.

    Worlds that decide many items per round (N transactions of a contextual bandit) use an
    item axis: ``arm`` and ``propensity`` are (S, N), and so are the Outcome's ``reward``
    and the Feedback's arrays; the Feedback ``mask`` stays (S,).
    """

    arm: Array  # (S,) int, or (S, N) with an item axis
    propensity: Array  # same shape as arm, float in (0, 1]


@dataclass(frozen=True)
class Outcome:
    """The world's full answer. Monitors read it; policies never do.

    ``reward`` is the realized reward of the chosen action per replicate; ``truth`` holds
    everything else the world knows (constraint residuals, counterfactuals, group rates).
    """

    reward: Array  # (S,)
    truth: Mapping[str, Array] = field(default_factory=dict)


@dataclass(frozen=True)
class Feedback:
    """What the channel lets the learner see of an Outcome.

    ``mask`` marks replicates that receive feedback this round (delay and batching
    withhold it); ``signals`` carries extra observed quantities such as residuals.
    """

    arm: Array  # (S,) int, the arm the feedback is about
    propensity: Array  # (S,)
    reward: Array  # (S,)
    mask: Array  # (S,) bool
    signals: Mapping[str, Array] = field(default_factory=dict)


@runtime_checkable
class World(Protocol):
    """A batched environment; pure in (state, action, rng).

    Observations never carry a key of ``Outcome.truth``, except the keys a world lists in a
    ``public_truth`` attribute: truth columns that only echo the observation (e.g. the
    contexts a channel forwards alongside the reward), equal to it.
    """

    @property
    def name(self) -> str: ...

    def action_spec(self) -> ActionSpec: ...

    def reset(self, replicates: int, rng: Stream) -> Any: ...

    def observe(self, state: Any, rng: Stream) -> Observation: ...

    def step(
        self, state: Any, action: Action, obs: Observation, rng: Stream
    ) -> tuple[Any, Outcome]: ...


@runtime_checkable
class Policy(Protocol):
    """A batched learner: its state is data, its methods are pure."""

    @property
    def name(self) -> str: ...

    def init(self, spec: ActionSpec, replicates: int, rng: Stream) -> Any: ...

    def act(self, pstate: Any, obs: Observation, rng: Stream) -> Action: ...

    def update(self, pstate: Any, feedback: Feedback) -> Any: ...


@runtime_checkable
class FeedbackChannel(Protocol):
    """Turns an Outcome into the Feedback a learner may see: the one place for partial
    observability, delay, batching, noise and selection bias."""

    def init(self, spec: ActionSpec, replicates: int, rng: Stream) -> Any: ...

    def transmit(
        self, cstate: Any, action: Action, outcome: Outcome, rng: Stream
    ) -> tuple[Any, Feedback]: ...


@runtime_checkable
class Monitor(Protocol):
    """Reads each round and emits named scalar series per replicate; never steers the loop.

    A monitor lists the ``Outcome.truth`` keys it reads in a ``needs`` attribute (a tuple of
    keys; none if absent), so ``core.check.check_monitor`` can verify that a world produces
    them and that the monitor reads nothing else.
    """

    @property
    def names(self) -> tuple[str, ...]: ...

    def reset(self, replicates: int) -> None: ...

    def __call__(
        self, obs: Observation, action: Action, outcome: Outcome, feedback: Feedback
    ) -> Mapping[str, Array]: ...
