"""The best fixed arm that is feasible at steady state, found by sweeping every arm in the
closed loop (all arms x replicates run as one batch)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from looplab.core.batch import tile_replicates
from looplab.core.channels import BanditFeedback
from looplab.core.loop import ProgressHook, run
from looplab.core.monitors import ConstraintMonitor, RewardMonitor
from looplab.core.seeding import loop_streams
from looplab.core.streams import Rows
from looplab.core.types import World
from looplab.policies.greedy import FixedArm


@dataclass(frozen=True)
class SteadyStateSweep:
    """Per replicate and arm: steady-state mean reward (S, K) and residuals (S, K, m); the
    chosen oracle arm (S,), its steady reward (S,) and whether any arm was feasible (S,)."""

    reward: np.ndarray
    residuals: np.ndarray
    arm: np.ndarray
    oracle_reward: np.ndarray
    any_feasible: np.ndarray


def steady_state_sweep(
    world: World,
    residual_names: Sequence[str],
    replicates: int,
    seed: int,
    rounds: int,
    steady_frac: float = 0.5,
    progress: ProgressHook | None = None,
    rows: Rows | None = None,
) -> SteadyStateSweep:
    """Run every fixed arm on every replicate instance for ``rounds`` rounds and average the
    last ``steady_frac`` of them. An arm is feasible when every mean residual is <= 0; the
    oracle is the feasible arm with the highest steady reward (else the least violating).
    Copy j of replicate i draws from replicate i's own streams (common random numbers
    across arms), so each replicate's oracle is the same whatever batch it sits in."""
    rows = rows if rows is not None else Rows.of(seed, replicates)
    K, S = world.action_spec().n_arms, len(rows)
    state = tile_replicates(world.reset(S, loop_streams(rows).instance), K)
    tiled = Rows(np.tile(rows.seeds, K), np.tile(rows.replicates, K))
    arms = np.repeat(np.arange(K), S)  # copy j of every replicate plays arm j
    res = run(
        world,
        FixedArm(arm=tuple(int(a) for a in arms)),
        BanditFeedback(),
        [RewardMonitor(), ConstraintMonitor(tuple(residual_names))],
        rounds,
        S * K,
        seed,
        rows=tiled,
        world_state=state,
        progress=progress,
    )
    start = int(rounds * (1 - steady_frac))
    reward = res.metrics["reward"][start:].mean(axis=0).reshape(K, S).T
    g = np.stack([res.metrics[n][start:].mean(axis=0) for n in residual_names], axis=1)
    residuals = g.reshape(K, S, -1).transpose(1, 0, 2)
    feasible = np.all(residuals <= 0, axis=2)
    best = np.where(feasible, reward, -np.inf).argmax(axis=1)
    least = np.maximum(residuals, 0).sum(axis=2).argmin(axis=1)
    any_feasible = feasible.any(axis=1)
    arm = np.where(any_feasible, best, least)
    return SteadyStateSweep(
        reward, residuals, arm, reward[np.arange(S), arm], any_feasible
    )
