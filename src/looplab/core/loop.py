"""The loop runner: policy acts, world answers, channel filters, policy learns, monitors watch."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from looplab.core.record import describe, run_record
from looplab.core.seeding import child_seed, generator
from looplab.core.types import FeedbackChannel, Monitor, Policy, World

ProgressHook = Callable[[int], None]


@dataclass
class RunResult:
    """Columnar result of one loop: ``metrics[name]`` is a (rounds, S) array; ``record``
    holds the config (world, policy, channel, monitors), seed, versions and git revision."""

    metrics: dict[str, np.ndarray]
    rounds: int
    replicates: int
    record: dict[str, Any] = field(default_factory=dict)

    def to_frame(self, **constant_columns: Any) -> pd.DataFrame:
        """Long table with columns round, replicate, one column per metric (plus constants)."""
        r, s = np.meshgrid(np.arange(self.rounds), np.arange(self.replicates), indexing="ij")
        cols: dict[str, Any] = {k: v for k, v in constant_columns.items()}
        cols["round"] = r.ravel().astype(np.int32)
        cols["replicate"] = s.ravel().astype(np.int32)
        for name, arr in self.metrics.items():
            cols[name] = arr.ravel()
        return pd.DataFrame(cols)


def run(
    world: World,
    policy: Policy,
    channel: FeedbackChannel,
    monitors: Sequence[Monitor],
    rounds: int,
    replicates: int,
    seed: int,
    *,
    world_state: Any = None,
    progress: ProgressHook | None = None,
    progress_every: int = 50,
) -> RunResult:
    """Run ``rounds`` rounds of the loop on ``replicates`` replicates as one batch.

    The same (world, policy, channel, rounds, replicates, seed) gives bit-identical
    metrics. ``world_state`` lets a caller pass an already reset (e.g. tiled) world.
    """
    if rounds <= 0:
        raise ValueError(f"rounds must be > 0, got {rounds}")
    if replicates <= 0:
        raise ValueError(f"replicates must be > 0, got {replicates}")
    S = replicates
    w_rng = generator(seed, "world")
    p_rng = generator(seed, "policy")
    c_rng = generator(seed, "channel")
    state = world_state if world_state is not None else world.reset(
        S, child_seed(seed, "world-instance")
    )
    pstate = policy.init(world.action_spec(), S, p_rng)
    cstate = channel.init(world.action_spec(), S, c_rng)
    for m in monitors:
        m.reset(S)
    names = [n for m in monitors for n in m.names]
    if len(set(names)) != len(names):
        raise ValueError(f"monitor names collide: {names}")
    out = {n: np.empty((rounds, S), dtype=np.float64) for n in names}
    reported = 0
    for t in range(rounds):
        obs = world.observe(state, w_rng)
        action = policy.act(pstate, obs, p_rng)
        state, outcome = world.step(state, action, obs, w_rng)
        cstate, fb = channel.transmit(cstate, action, outcome, c_rng)
        pstate = policy.update(pstate, fb)
        for m in monitors:
            for name, value in m(obs, action, outcome, fb).items():
                out[name][t] = value
        if progress is not None and ((t + 1) % progress_every == 0 or t + 1 == rounds):
            progress(t + 1 - reported)
            reported = t + 1
    config = {
        "world": describe(world),
        "policy": describe(policy),
        "channel": describe(channel),
        "monitors": [describe(m) for m in monitors],
        "rounds": rounds,
    }
    return RunResult(metrics=out, rounds=rounds, replicates=S,
                     record=run_record(config, seed, S))
