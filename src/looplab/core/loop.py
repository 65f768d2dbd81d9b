"""The loop runner: policy acts, world answers, channel filters, policy learns, monitors watch."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from looplab.core.record import describe, run_record
from looplab.core.seeding import loop_streams
from looplab.core.streams import Rows
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
    rows: Rows | None = None

    def to_frame(self, **constant_columns: Any) -> pd.DataFrame:
        """Long table with columns round, replicate (the row's replicate index within its
        seed), one column per metric (plus constants); a packed batch of several seeds also
        gets a ``seed`` column."""
        rows = self.rows if self.rows is not None else Rows.of(0, self.replicates)
        cols: dict[str, Any] = {k: v for k, v in constant_columns.items()}
        cols["round"] = np.repeat(np.arange(self.rounds), self.replicates).astype(np.int32)
        cols.update(row_columns(rows, self.rounds))
        for name, arr in self.metrics.items():
            cols[name] = arr.ravel()
        return pd.DataFrame(cols)


def row_columns(rows: Rows, blocks: int) -> dict[str, np.ndarray]:
    """The ``replicate`` column (each row's replicate index within its seed) of a long table
    with ``blocks`` round-major blocks of the batch's rows, plus a ``seed`` column when the
    batch packs several seeds."""
    cols = {"replicate": np.tile(rows.replicates, blocks).astype(np.int32)}
    if rows.packed:
        cols["seed"] = np.tile(rows.seeds, blocks).astype(np.int64)
    return cols


def run(
    world: World,
    policy: Policy,
    channel: FeedbackChannel,
    monitors: Sequence[Monitor],
    rounds: int,
    replicates: int,
    seed: int,
    *,
    rows: Rows | None = None,
    world_state: Any = None,
    progress: ProgressHook | None = None,
    progress_every: int = 50,
) -> RunResult:
    """Run ``rounds`` rounds of the loop on ``replicates`` replicates as one batch.

    Replicate ``i`` of seed ``seed`` draws only from its own streams (``core.streams``), so
    its trajectory is the same whatever the batch size, and ``rows`` may run any replicate
    range of a seed, or several seeds packed in one batch (then ``seed``/``replicates``
    are ignored). ``world_state`` lets a caller pass an already reset (e.g. tiled) world.
    """
    if rounds <= 0:
        raise ValueError(f"rounds must be > 0, got {rounds}")
    if rows is None:
        rows = Rows.of(seed, replicates)
    S = len(rows)
    streams = loop_streams(rows)
    w_rng, p_rng, c_rng = streams.world, streams.policy, streams.channel
    state = world_state if world_state is not None else world.reset(S, streams.instance)
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
                     record=run_record(config, seed, S), rows=rows)
