"""Echo-chamber stage time against catalogue size: one loop stage (new lists, ranking by the
deployed recommender, simulated clicks, refit of a fresh recommender, ranking monitors) for
1k, 10k and 100k items at the scenario's default users, for the baseline and the debiased
recommender. Also the replicate batching: S = 1 vs S = 8 per replicate-stage. Prints
figures and growth ratios; asserts nothing.

    .venv/bin/python benchmarks/bench_recsys.py [--replicates 4] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time

from threadpoolctl import threadpool_limits

from looplab.core.channels import BanditFeedback
from looplab.core.seeding import loop_streams
from looplab.core.streams import Rows, stream
from looplab.experiments.registry import load_scenario
from looplab.policies.pooled_dot import PooledDotRecommender
from looplab.remedies.source_debias import SourceDebias
from looplab.worlds.recsys import (
    LOG_SIGNALS,
    RecsysConfig,
    RecsysWorld,
    SourceRankingMonitor,
    SourceShareMonitor,
)


def stage_seconds(
    world_cfg: RecsysConfig, S: int, debias: bool, repeats: int
) -> tuple[float, float]:
    """(reset seconds, best seconds of one loop stage after the warm-up round)."""
    world = RecsysWorld(world_cfg)
    t0 = time.perf_counter()
    state = world.reset(S, stream(0, S, "world-instance"))
    reset = time.perf_counter() - t0
    policy = PooledDotRecommender(debias=SourceDebias() if debias else None)
    channel = BanditFeedback(signals=LOG_SIGNALS)
    monitors = [SourceShareMonitor(), SourceRankingMonitor(world_cfg.candidates)]
    streams = loop_streams(Rows.of(0, S))
    w_rng, p_rng, c_rng = streams.world, streams.policy, streams.channel
    pstate = policy.init(world.action_spec(), S, p_rng)
    cstate = channel.init(world.action_spec(), S, c_rng)
    best = float("inf")
    for r in range(repeats + 1):
        t0 = time.perf_counter()
        obs = world.observe(state, w_rng)
        action = policy.act(pstate, obs, p_rng)
        state, outcome = world.step(state, action, obs, w_rng)
        cstate, fb = channel.transmit(cstate, action, outcome, c_rng)
        pstate = policy.update(pstate, fb)
        for m in monitors:
            m(obs, action, outcome, fb)
        if r > 0:  # round 0 is the logged warm-up round
            best = min(best, time.perf_counter() - t0)
    return reset, best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replicates", type=int, default=4)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    base = load_scenario("echo-chamber-synthetic").world
    S = args.replicates
    print(f"echo-chamber synthetic: {base.n_users} users x {base.impressions_per_user} lists, "
          f"d={base.dim}, {S} replicates, best of {args.repeats} stages")
    with threadpool_limits(1):  # as run_echo_chamber does
        for debias in (False, True):
            name = "debiased" if debias else "baseline"
            print(f"\n{name}: {'items':>8} {'reset s':>8} {'stage s':>8} {'x prev':>7}")
            prev = None
            for n_items in (1_000, 10_000, 100_000):
                cfg = base.model_copy(update={"n_items": n_items})
                reset, stage = stage_seconds(cfg, S, debias, args.repeats)
                growth = f"{stage / prev:6.2f}x" if prev else "      -"
                print(f"{'':10}{n_items:>8,} {reset:>8.2f} {stage:>8.3f} {growth}")
                prev = stage
        print("\nreplicate batching (baseline, default catalogue): seconds per replicate-stage")
        per = {}
        for s in (1, 8):
            _, stage = stage_seconds(base, s, False, args.repeats)
            per[s] = stage / s
            print(f"  S={s}: {per[s]:.3f}")
        print(f"  S=8 / S=1 time per replicate-stage: {per[8] / per[1]:.2f} "
              "(< 1: batching saves time; the work is array-bound, so expect ~1)")


if __name__ == "__main__":
    main()
