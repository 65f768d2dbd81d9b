"""GRPO plus the unlikeliness reward (He et al. 2025, "Rewarding the Unlikely: Lifting GRPO
Beyond Distribution Sharpening"; code AndreHe02/rewarding-unlikely-release,
``ray_lean_trainer.py::_compute_advantages``).

Within each group of G samples let l_i be sample i's old log-probability and
rank_i = argsort(argsort(l))_i / G in [0, 1) (the most likely sample has the largest rank).
The reward is reshaped before GRPO's normalisation,

    r~_i = r_i * (1 - beta_rank * rank_i),   A_i = (r~_i - mean r~) / (std r~ + eps),

so a correct but likely sample is paid less than a correct but rare one, countering GRPO's
rank bias (it reinforces already-likely correct solutions and neglects rare ones).
Default beta_rank = 0.25 (``lean.rank_penalty`` in the released scripts); ties in l are
broken by sample index, as argsort does in the released code.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from looplab.improve.grpo import GRPO
from looplab.improve.rule import group_normalise


class Unlikeliness(GRPO):
    """GRPO with the unlikeliness reward r * (1 - beta * rank of the sample's likelihood)."""

    rank_penalty: float = Field(0.25, ge=0.0, le=1.0)

    def advantages(self, r: np.ndarray, logp_old: np.ndarray) -> np.ndarray:
        """Rank-penalised rewards, then group normalisation."""
        G = r.shape[-1]
        rank = np.argsort(np.argsort(logp_old, axis=-1, kind="stable"), axis=-1,
                          kind="stable") / G
        return group_normalise(r * (1.0 - self.rank_penalty * rank))
