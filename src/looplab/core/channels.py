"""Feedback channels: what of an Outcome the learner gets to see, and when."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from looplab.core.types import Action, Feedback, Outcome


@dataclass
class BanditFeedback:
    """Bandit feedback: the learner sees the reward (and the observed ``signals``) of the
    arm it played and nothing about the others, ``delay`` rounds late (0 = at once).

    ``signals`` names the keys of ``Outcome.truth`` that are observable for the played arm
    (e.g. the constraint residuals of the deployed threshold).
    """

    signals: tuple[str, ...] = ()
    delay: int = 0

    def __post_init__(self) -> None:
        if self.delay < 0:
            raise ValueError(f"delay must be >= 0, got {self.delay}")

    def init(self, replicates: int) -> Any:
        return {"queue": deque(), "S": replicates}

    def transmit(
        self, cstate: Any, action: Action, outcome: Outcome, rng: np.random.Generator
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
        q = cstate["queue"]
        q.append(fb)
        if len(q) > self.delay:
            return cstate, q.popleft()
        S = cstate["S"]
        empty = Feedback(
            arm=np.zeros(S, dtype=np.int64),
            propensity=np.ones(S),
            reward=np.zeros(S),
            mask=np.zeros(S, dtype=bool),
            signals={k: np.zeros_like(v) for k, v in fb.signals.items()},
        )
        return cstate, empty
