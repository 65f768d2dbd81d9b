"""Feedback channels: what of an Outcome the learner gets to see, and when."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from looplab.core.streams import Stream
from looplab.core.types import Action, ActionSpec, Feedback, Outcome


@dataclass
class BanditFeedback:
    """Bandit feedback: the learner sees the reward (and the observed ``signals``) of the
    arm it played and nothing about the others, ``delay`` rounds late (0 = at once).

    Delayed feedback leaves the channel in order, one round's batch at a time; a learner
    that retrains only at generation boundaries (batched, logged feedback) buffers what
    arrives and so never sees the last ``delay`` rounds before a boundary.

    ``signals`` names the keys of ``Outcome.truth`` that are observable for the played arm
    (e.g. the constraint residuals of the deployed threshold).
    """

    signals: tuple[str, ...] = ()
    delay: int = 0

    def __post_init__(self) -> None:
        if self.delay < 0:
            raise ValueError(f"delay must be >= 0, got {self.delay}")

    def init(self, spec: ActionSpec, replicates: int, rng: Stream) -> Any:
        return {"queue": (), "S": replicates}

    def transmit(
        self, cstate: Any, action: Action, outcome: Outcome, rng: Stream
    ) -> tuple[Any, Feedback]:
        fb = Feedback(
            arm=action.arm,
            propensity=action.propensity,
            reward=outcome.reward,
            mask=np.ones(cstate["S"], dtype=bool),
            signals={k: outcome.truth[k] for k in self.signals},
        )
        if self.delay == 0:
            return cstate, fb
        # the queue is a tuple, replaced rather than appended to: the state given is left
        # unchanged (the loop's purity contract); it holds at most delay + 1 batches
        queue = (*cstate["queue"], fb)
        if len(queue) > self.delay:
            return {**cstate, "queue": queue[1:]}, queue[0]
        # nothing revealed yet: placeholder arrays shaped like the real feedback (which may
        # carry an item axis, (S, N), for worlds that decide N transactions per round)
        empty = Feedback(
            arm=np.zeros_like(fb.arm),
            propensity=np.ones_like(fb.propensity),
            reward=np.zeros_like(fb.reward),
            mask=np.zeros(cstate["S"], dtype=bool),
            signals={k: np.zeros_like(v) for k, v in fb.signals.items()},
        )
        return {**cstate, "queue": queue}, empty
