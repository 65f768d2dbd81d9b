"""Bandit task families for meta-learning exploration, and how exploration is measured.

Setting of Rentschler and Roberts, "Exploitation Is All You Need... for Exploration"
(arXiv 2508.01287), at the notes' CI scale (decision-loops section 6: K-armed Bernoulli
bandits, horizon 20-50; K = 4 and H = 20 here).

- ``structured`` (recurring structure): each task has one good arm (mean ``high``) and
  K - 1 poor arms (mean ``low``); which arm is good is uniform per task and fixed within it,
  so early pulls carry information worth seeking.
- ``unstructured`` (the paper's "no structure" ablation): arm means redrawn from
  U(0, 1) at every step, so history carries no information about the future.
Test tasks are always structured (every agent is scored on the same tasks).
Exploration rate: the share of pulls, in the first half of a task, on an arm other than
the current empirical best (arms not pulled yet count as other) -- information seeking.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field

from looplab.core.params import Params


class MetaBanditConfig(Params):
    """Parameters of the bandit task families."""

    arms: int = Field(4, ge=2, le=16)
    horizon: int = Field(20, ge=4)
    high: float = Field(0.9, gt=0.0, lt=1.0)
    low: float = Field(0.2, ge=0.0, lt=1.0)
    test_tasks: int = Field(2000, ge=10)


def structured_means(n: int, K: int, high: float, low: float,
                     rng: np.random.Generator) -> np.ndarray:
    """(n, K) one good arm per task."""
    m = np.full((n, K), low)
    m[np.arange(n), rng.integers(0, K, n)] = high
    return m


def torch_tasks(cfg: MetaBanditConfig, family: Literal["structured", "unstructured"]) -> Any:
    """A sampler ``(n, gen) -> means_at(t)`` for training (torch tensors)."""
    import torch

    K = cfg.arms

    def draw(n: int, gen: Any) -> Any:
        if family == "structured":
            m = torch.full((n, K), cfg.low)
            m[torch.arange(n), torch.randint(0, K, (n,), generator=gen)] = cfg.high
            return lambda t: m
        return lambda t: torch.rand(n, K, generator=gen)
    return draw


def exploration_rate(actions: np.ndarray, rewards: np.ndarray, K: int) -> np.ndarray:
    """(n,) share of first-half pulls not on the current empirical best arm."""
    n, H = actions.shape
    s = np.zeros((n, K))
    c = np.zeros((n, K))
    other = np.zeros(n)
    rows = np.arange(n)
    for t in range(H // 2):  # H is small: a loop over steps, vectorised over tasks
        mean = np.where(c > 0, s / np.maximum(c, 1), -np.inf)
        best = mean.argmax(1)
        other += (actions[:, t] != best) | (c[rows, best] == 0)
        s[rows, actions[:, t]] += rewards[:, t]
        c[rows, actions[:, t]] += 1
    return other / (H // 2)


def myopic(means: np.ndarray, H: int, rng: np.random.Generator) -> tuple[np.ndarray,
                                                                        np.ndarray]:
    """The myopic baseline: pull the arm with the highest empirical mean (unpulled arms
    count 0.5, the prior mean; ties at random)."""
    n, K = means.shape
    s, c = np.zeros((n, K)), np.zeros((n, K))
    A, Rw = np.zeros((n, H), np.int64), np.zeros((n, H))
    rows = np.arange(n)
    for t in range(H):
        est = np.where(c > 0, s / np.maximum(c, 1), 0.5) + 1e-9 * rng.random((n, K))
        a = est.argmax(1)
        r = (rng.random(n) < means[rows, a]).astype(float)
        s[rows, a] += r
        c[rows, a] += 1
        A[:, t], Rw[:, t] = a, r
    return A, Rw


def thompson(means: np.ndarray, H: int, rng: np.random.Generator) -> tuple[np.ndarray,
                                                                          np.ndarray]:
    """Beta(1, 1) Thompson sampling, a reference explorer."""
    n, K = means.shape
    a_, b_ = np.ones((n, K)), np.ones((n, K))
    A, Rw = np.zeros((n, H), np.int64), np.zeros((n, H))
    rows = np.arange(n)
    for t in range(H):
        a = rng.beta(a_, b_).argmax(1)
        r = (rng.random(n) < means[rows, a]).astype(float)
        a_[rows, a] += r
        b_[rows, a] += 1 - r
        A[:, t], Rw[:, t] = a, r
    return A, Rw
