"""UCRL2: optimism over L1 confidence sets with doubling epochs.

Paper: T. Jaksch, R. Ortner and P. Auer, "Near-optimal Regret Bounds for Reinforcement
Learning", JMLR 11 (2010).

Rule (per replicate): at the start of epoch k, plan by extended value iteration over the
confidence sets (``looplab.policies.tabular_mdp``) and play the optimistic policy until
the visits nu_k(s, a) of some pair in the epoch reach max(1, N_k(s, a)) (its count at the
epoch start doubles). Regret O~(D n sqrt(A T)) with O(n A log T) epochs.
Defaults: delta = 0.05 (the notes'); radius scale 0.2 multiplies both radii. The paper's
constants (scale 1) are worst-case union bounds: with them RiverSwim-6 is still in its
forced-exploration phase after 2e4 steps (measured: cumulative-regret log-log slope 1.00
for UCRL2 and 0.96 for LOOP over [2e3, 2e4], both linear, like greedy), so no growth rate
can be read at a CI-sized horizon. 0.2 is applied equally to UCRL2 and LOOP, which share
the confidence sets; ``radius_scale = 1`` restores the paper's constants.
``greedy`` is the certainty-equivalent baseline on the same doubling schedule (plug-in
model, no bonus; unseen pairs: uniform next state, reward 0).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from pydantic import Field

from looplab.core.params import Params
from looplab.core.streams import Stream
from looplab.core.types import ActionSpec, Feedback, Observation
from looplab.policies.tabular_mdp import (
    SwitchAction,
    act_from,
    fresh,
    plan,
    record,
    zeros_stats,
)


class UCRL2(Params):
    """UCRL2: extended value iteration over L1 confidence sets, replanned when a count doubles."""

    name: ClassVar[str] = "ucrl2"
    optimistic: ClassVar[bool] = True
    delta: float = Field(0.05, gt=0.0, lt=1.0)
    radius_scale: float = Field(0.2, gt=0.0)

    def init(self, spec: ActionSpec, replicates: int, rng: Stream) -> dict[str, Any]:
        st = zeros_stats(replicates, spec.n_features, spec.n_arms)
        st["Nk"] = np.zeros_like(st["N"])
        st["nu"] = np.zeros_like(st["N"])
        plan(st, np.arange(replicates), self.delta, self.radius_scale, self.optimistic)
        return st

    def act(self, st: dict[str, Any], obs: Observation, rng: Stream) -> SwitchAction:
        return act_from(st, obs)

    def update(self, st: dict[str, Any], fb: Feedback) -> dict[str, Any]:
        st = fresh(st)
        s, a, _ = record(st, fb)
        rows = np.arange(s.shape[0])
        st["nu"][rows, s, a] += 1
        end = st["nu"][rows, s, a] >= np.maximum(1.0, st["Nk"][rows, s, a])
        idx = np.flatnonzero(end)
        if idx.size:
            st["Nk"][idx] = st["N"][idx]
            st["nu"][idx] = 0.0
            plan(st, idx, self.delta, self.radius_scale, self.optimistic)
        return st


class GreedyMDP(UCRL2):
    """Certainty-equivalent greedy: the plug-in model's optimal policy, replanned on doubling."""

    name: ClassVar[str] = "greedy"
    optimistic: ClassVar[bool] = False
