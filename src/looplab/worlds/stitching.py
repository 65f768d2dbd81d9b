"""A two-room gridworld offline dataset built so that no trajectory joins a start region to
a goal region: the test of "stitching" as combinatorial generalisation.

Setting of Ghugare, Geist, Berseth and Eysenbach, "Closing the Gap between TD Learning and
Supervised Learning -- A Generalisation Point of View" (ICLR 2024), scaled to the notes'
smallest set-up (reward-loops section 17b): a W x W grid split by a wall in the middle
column whose only door is in the top row (the waypoint), actions up/down/left/right (moves
into a wall or the border stay put). Two families of noisy shortest-path trajectories:
    family 1: a random cell of the left room  -> the door
    family 2: the door -> a random cell of the right room
Each step follows a shortest-path move with probability 1 - noise, else a uniform action;
a noisy step that would leave the family's side (its room plus the door) stays put, so no
trajectory holds both rooms.
Test pairs: (start in the left room, goal in the right room) -- never in one trajectory, so
the only way there is through the shared waypoint, and heading straight for the goal runs
into the wall (an open grid would let a coordinate model "generalise" by heading for the
goal, which is not stitching). Control pairs: (start in the left room, goal = the door),
seen together in the data. An episode succeeds if the goal is reached within 4 (W - 1)
steps.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from pydantic import Field

from looplab.core.params import Params

MOVES = np.array([[-1, 0], [1, 0], [0, -1], [0, 1]])  # up, down, left, right (row, col)


class StitchConfig(Params):
    """Parameters of the stitching gridworld and its dataset."""

    width: int = Field(9, ge=5, le=31)
    trajectories: int = Field(200, ge=10)  # per family
    noise: float = Field(0.2, ge=0.0, lt=1.0)
    test_pairs: int = Field(200, ge=10)


@dataclass(frozen=True)
class Dataset:
    """Trajectories as flat arrays: state (cell index), action, next state, trajectory id,
    position in the trajectory; ``ends[j]`` is one past the last row of trajectory j."""

    s: np.ndarray
    a: np.ndarray
    s2: np.ndarray
    traj: np.ndarray
    starts: np.ndarray
    ends: np.ndarray


class StitchGrid:
    """The grid, its dataset generator and a batched greedy rollout."""

    name = "stitching"

    def __init__(self, config: StitchConfig | None = None) -> None:
        self.config = config or StitchConfig()
        W = self.config.width
        self.W, self.n_states, self.n_actions = W, W * W, 4
        rc = np.stack(np.divmod(np.arange(W * W), W), axis=1)
        self.rc = rc
        mid = W // 2
        wall = (rc[:, 1] == mid) & (rc[:, 0] != 0)
        nxt = np.clip(rc[:, None, :] + MOVES[None], 0, W - 1)
        nxt_idx = nxt[..., 0] * W + nxt[..., 1]
        self.next = np.where(wall[nxt_idx], np.arange(W * W)[:, None], nxt_idx)  # (n, 4)
        self.wall = wall
        self.centre = mid  # the door: row 0, middle column (name kept: the waypoint)
        self.left = np.flatnonzero(rc[:, 1] < mid)
        self.right = np.flatnonzero(rc[:, 1] > mid)
        self.horizon = 4 * (W - 1)
        # all-pairs shortest-path distances (BFS by repeated relaxation; n <= 961)
        n = W * W
        dist = np.full((n, n), np.inf)
        dist[np.arange(n), np.arange(n)] = 0.0
        for _ in range(n):
            new = np.minimum(dist, dist[self.next].min(axis=1) + 1.0)
            if np.array_equal(new, dist):
                break
            dist = new
        self.dist = dist  # dist[s, g]

    def coords(self, s: np.ndarray) -> np.ndarray:
        """(..., 2) row/col of cells scaled to [0, 1]."""
        return self.rc[s] / (self.W - 1)

    def _path(self, start: int, goal: int, allowed: np.ndarray,
              rng: np.random.Generator) -> list[int]:
        s, out = start, [start]
        for _ in range(self.horizon):
            if s == goal:
                break
            good = np.flatnonzero(self.dist[self.next[s], goal] < self.dist[s, goal])
            a = rng.integers(4) if rng.random() < self.config.noise else rng.choice(good)
            if allowed[self.next[s, a]]:  # a noisy step out of the family's side: stay
                s = int(self.next[s, a])
            out.append(s)
        return out

    def dataset(self, rng: np.random.Generator) -> Dataset:
        """Family-1 and family-2 trajectories (actions recovered from the moves)."""
        rows_s: list[int] = []
        rows_a: list[int] = []
        rows_s2: list[int] = []
        rows_t: list[int] = []
        starts: list[int] = []
        ends: list[int] = []
        n = self.config.trajectories
        pairs = [(int(rng.choice(self.left)), self.centre) for _ in range(n)]
        pairs += [(self.centre, int(rng.choice(self.right))) for _ in range(n)]
        side1 = np.isin(np.arange(self.n_states), np.append(self.left, self.centre))
        side2 = np.isin(np.arange(self.n_states), np.append(self.right, self.centre))
        for j, (a, b) in enumerate(pairs):
            path = self._path(a, b, side1 if j < n else side2, rng)
            starts.append(len(rows_s))
            for s, s2 in itertools.pairwise(path):
                # the action that makes this move under the grid's dynamics (a blocked
                # step only happens at the door, where up and down stay put)
                hits = np.flatnonzero(self.next[s] == s2)
                act = int(hits[0]) if hits.size else 0
                rows_s.append(s)
                rows_a.append(act)
                rows_s2.append(s2)
                rows_t.append(j)
            ends.append(len(rows_s))
        return Dataset(np.array(rows_s), np.array(rows_a), np.array(rows_s2),
                       np.array(rows_t), np.array(starts), np.array(ends))

    def test_pairs(self, rng: np.random.Generator, control: bool = False) -> np.ndarray:
        """(P, 2) (start, goal): left -> right (test) or left -> centre (control)."""
        P = self.config.test_pairs
        start = rng.choice(self.left, P)
        goal = np.full(P, self.centre) if control else rng.choice(self.right, P)
        return np.stack([start, goal], axis=1)

    def success(self, act: Callable[[np.ndarray, np.ndarray], np.ndarray],
                pairs: np.ndarray) -> float:
        """Share of pairs whose goal the greedy policy ``act(states, goals)`` reaches."""
        s, g = pairs[:, 0].copy(), pairs[:, 1]
        done = s == g
        for _ in range(self.horizon):
            a = act(s, g)
            s = np.where(done, s, self.next[s, a])
            done |= s == g
            if done.all():
                break
        return float(done.mean())
