"""Goal-conditioned TD learning on an offline dataset: the learner that stitches.

Paper: R. Ghugare, M. Geist, G. Berseth and B. Eysenbach, "Closing the Gap between TD
Learning and Supervised Learning -- A Generalisation Point of View", ICLR 2024: TD methods
compose trajectories through shared states because the Bellman backup propagates value
along *any* dataset transition, whichever trajectory it came from.

Offline goal-conditioned Q-learning (tabular), run to its fixed point by value iteration
over the dataset's transitions only, for every goal g at once:
    Q(s, a, g) = 1                              if s' = g   ((s, a, s') in the dataset)
    Q(s, a, g) = gamma * max_a' Q(s', a', g)    otherwise
    Q(s, a, g) = -inf                           for (s, a) never in the dataset
(the sparse goal-reaching reward of the paper's set-up; unseen actions are never taken).
Greedy policy; a state with no dataset action takes a uniformly random one.
Default gamma = 0.95, long enough for the grid's diameter.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from pydantic import Field

from looplab.core.params import Params
from looplab.worlds.stitching import Dataset, StitchGrid


class GoalTD(Params):
    """Offline goal-conditioned Q-learning (tabular value iteration on dataset transitions)."""

    name: ClassVar[str] = "td"
    gamma: float = Field(0.95, gt=0.0, lt=1.0)

    def fit(self, grid: StitchGrid, data: Dataset, rng: np.random.Generator) -> Any:
        n, A = grid.n_states, grid.n_actions
        seen = np.zeros((n, A), dtype=bool)
        seen[data.s, data.a] = True
        s2 = np.full((n, A), -1)
        s2[data.s, data.a] = data.s2  # deterministic grid: one next state per (s, a)
        Q = np.where(seen[..., None], 0.0, -np.inf) * np.ones((1, 1, n))  # (n, A, goals)
        hit = (s2[..., None] == np.arange(n)[None, None]) & seen[..., None]
        for _ in range(4 * n):
            V = np.maximum(Q.max(axis=1), 0.0)  # (n, goals); dead ends value 0
            new = np.where(hit, 1.0, self.gamma * V[np.maximum(s2, 0)])
            new = np.where(seen[..., None], new, -np.inf)
            if np.array_equal(new, Q):
                break
            Q = new
        return {"Q": Q, "rng": rng}

    @staticmethod
    def policy(model: Any, grid: StitchGrid) -> Any:
        Q, rng = model["Q"], model["rng"]

        def act(s: np.ndarray, g: np.ndarray) -> np.ndarray:
            q = Q[s, :, g]  # (P, A)
            rand = rng.integers(0, grid.n_actions, s.size)
            return np.where(np.isfinite(q).any(axis=1), q.argmax(axis=1), rand)
        return act
