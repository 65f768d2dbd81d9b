"""Per-arm running statistics and variance-aware confidence radii, batched over replicates.

Shared by every finite-arm policy (OFS, UCB, primal-dual, epsilon-greedy).

Radius for a quantity of range width b after n plays, at round t with K arms:
    v_hat = (M2 + b^2 / 4) / (n + 1)          (sample variance shrunk toward the worst case
                                                b^2/4 by one pseudo-observation)
    rad   = c * sqrt(2 * v_hat * L_t / n),     L_t = log(K * max(t, 2) / delta)
The radius scales with each quantity's own noise: a DP residual averaged over hundreds of
applicants has a standard deviation of a few hundredths, and its radius shrinks with it,
while a radius sized for the full range would keep infeasible arms plausible for thousands
of rounds. Unplayed arms have an infinite radius. L_t is the
usual union bound over K arms and t rounds at confidence delta.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from looplab.core.types import Feedback


@dataclass(frozen=True)
class ArmStats:
    """Counts, means and sums of squared deviations per (replicate, arm[, constraint])."""

    n: np.ndarray  # (S, K)
    mean_r: np.ndarray  # (S, K)
    m2_r: np.ndarray  # (S, K)
    mean_g: np.ndarray  # (S, K, m)
    m2_g: np.ndarray  # (S, K, m)
    t: int = 0

    @classmethod
    def zeros(cls, S: int, K: int, m: int) -> ArmStats:
        z = np.zeros((S, K))
        return cls(z, z.copy(), z.copy(), np.zeros((S, K, m)), np.zeros((S, K, m)))

    def update(self, fb: Feedback) -> ArmStats:
        """Welford update of the played arm of every replicate that got feedback."""
        rows = np.flatnonzero(fb.mask)
        if rows.size == 0:
            return replace(self, t=self.t + 1)
        arms = fb.arm[rows]
        n, mr, m2r = self.n.copy(), self.mean_r.copy(), self.m2_r.copy()
        n[rows, arms] += 1
        cnt = n[rows, arms]
        x = fb.reward[rows]
        d = x - mr[rows, arms]
        mr[rows, arms] += d / cnt
        m2r[rows, arms] += d * (x - mr[rows, arms])
        mg, m2g = self.mean_g, self.m2_g
        if mg.shape[2]:
            mg, m2g = mg.copy(), m2g.copy()
            g = fb.signals["residuals"][rows]
            dg = g - mg[rows, arms]
            mg[rows, arms] += dg / cnt[:, None]
            m2g[rows, arms] += dg * (g - mg[rows, arms])
        return ArmStats(n, mr, m2r, mg, m2g, self.t + 1)

    def radius(self, m2: np.ndarray, width: float, delta: float, c: float = 1.0) -> np.ndarray:
        """Variance-aware radius (module docstring) for the statistic whose M2 is ``m2``."""
        K = self.n.shape[1]
        n = self.n if m2.ndim == 2 else self.n[..., None]
        L = np.log(K * max(self.t, 2) / delta)
        v = (m2 + width**2 / 4.0) / (n + 1.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            rad = c * np.sqrt(2.0 * v * L / n)
        return np.where(n > 0, rad, np.inf)


def first_unplayed(n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(has_unplayed (S,), lowest-index unplayed arm (S,)): the initial round-robin."""
    unplayed = n == 0
    return unplayed.any(axis=1), unplayed.argmax(axis=1)
