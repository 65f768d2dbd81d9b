"""Goal-conditioned behaviour cloning, with or without temporal goal augmentation.

Paper: R. Ghugare, M. Geist, G. Berseth and B. Eysenbach, "Closing the Gap between TD
Learning and Supervised Learning -- A Generalisation Point of View", ICLR 2024 (code:
RajGhugare19/stitching-is-combinatorial-generalisation, ``utils/data.py``).

GCBC: fit pi(a | s, g) by maximum likelihood on (s_t, a_t, g = s_{t+d}) with d >= 1 drawn
uniformly from the rest of the same trajectory (hindsight relabelling):
    max_pi  sum log pi(a_t | s_t, s_{t+d}).
Temporal goal augmentation (the paper's remedy): with probability ``augment_prob`` the goal
s_{t+d}'s cluster is looked up, a dataset row of *another* trajectory in the same cluster is
drawn, and the goal is replaced by a uniformly drawn later state of that trajectory -- a
(state, goal) pair that crosses trajectories through a shared waypoint. Clusters: k-means
over state coordinates (the code's default is 40 clusters on D4RL mazes; ``n_clusters`` =
9 here for a 9 x 9 grid, i.e. about 3 x 3 cells per cluster).
Model: an MLP classifier on (row, col) of state and goal scaled to [0, 1] (scikit-learn;
two hidden layers of 64, the size of the code's DMLP at this input width).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from pydantic import Field

from looplab.core.params import Params
from looplab.worlds.stitching import Dataset, StitchGrid


class GCBC(Params):
    """Goal-conditioned behaviour cloning (optionally with temporal goal augmentation)."""

    name: ClassVar[str] = "gcbc"
    augment_prob: float = Field(0.0, ge=0.0, le=1.0)
    goals_per_step: int = Field(2, ge=1)
    n_clusters: int = Field(9, ge=2)
    hidden: int = Field(64, ge=4)
    max_iter: int = Field(200, ge=10)

    def training_set(self, grid: StitchGrid, data: Dataset,
                     rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(states, goals, actions) of the relabelled (and augmented) training set."""
        idx = np.repeat(np.arange(data.s.size), self.goals_per_step)
        end = data.ends[data.traj[idx]]  # one past the last row of the same trajectory
        # goal = s2 of a uniformly drawn row in [t, end): a later state of the trajectory
        gi = idx + (rng.random(idx.size) * (end - idx)).astype(np.int64)
        goal = data.s2[gi]
        if self.augment_prob > 0:
            from sklearn.cluster import KMeans

            km = KMeans(self.n_clusters, n_init=3, random_state=int(rng.integers(2**31)))
            cl_rows = km.fit_predict(grid.coords(data.s))  # cluster of every dataset row
            cl_goal = km.predict(grid.coords(goal))
            aug = rng.random(idx.size) < self.augment_prob
            for c in np.unique(cl_goal[aug]):  # one pass per cluster, vectorised within
                sel = np.flatnonzero(aug & (cl_goal == c))
                pool = np.flatnonzero(cl_rows == c)
                j = pool[rng.integers(0, pool.size, sel.size)]
                other = data.traj[j] != data.traj[idx[sel]]
                jend = data.ends[data.traj[j]]
                k = j + (rng.random(sel.size) * (jend - j)).astype(np.int64)
                goal[sel] = np.where(other, data.s2[k], goal[sel])
        return data.s[idx], goal, data.a[idx]

    def fit(self, grid: StitchGrid, data: Dataset, rng: np.random.Generator) -> Any:
        """The fitted classifier; ``act(model, grid)`` turns it into a greedy policy."""
        import warnings

        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier
        from threadpoolctl import threadpool_limits

        s, g, a = self.training_set(grid, data, rng)
        X = np.concatenate([grid.coords(s), grid.coords(g)], axis=1)
        model = MLPClassifier((self.hidden, self.hidden), max_iter=self.max_iter,
                              random_state=int(rng.integers(2**31)))
        # one BLAS thread: these matrices are tiny and thread hand-offs cost more than the
        # arithmetic (measured 30x slower on 2 busy cores); a fixed epoch budget is the
        # training budget, so the "not converged" warning is expected and silenced
        with threadpool_limits(1), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, a)
        return model

    @staticmethod
    def policy(model: Any, grid: StitchGrid) -> Any:
        """Greedy action a = argmax pi(a | s, g)."""
        def act(s: np.ndarray, g: np.ndarray) -> np.ndarray:
            X = np.concatenate([grid.coords(s), grid.coords(g)], axis=1)
            return model.classes_[model.predict_proba(X).argmax(axis=1)]
        return act
