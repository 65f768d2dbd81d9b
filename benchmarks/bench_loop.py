"""Loop throughput: replicate-rounds per second on lending-synthetic (OFS) for S = 1, 16, 256
replicates run as one batch, against the same world and policy run once per replicate in a
Python loop. Prints figures and ratios; asserts nothing.

    .venv/bin/python benchmarks/bench_loop.py [--rounds 300]
"""

from __future__ import annotations

import argparse
import time

from looplab.core.channels import BanditFeedback
from looplab.core.loop import run
from looplab.core.monitors import ConstraintMonitor, RewardMonitor
from looplab.experiments.registry import load_scenario
from looplab.policies import OFS
from looplab.worlds.lending import GroupShareMonitor, LendingWorld


def one_run(world: LendingWorld, S: int, rounds: int, seed: int) -> float:
    """Wall time of one batched run of ``S`` replicates."""
    monitors = [RewardMonitor(), ConstraintMonitor(world.residual_names), GroupShareMonitor()]
    t0 = time.perf_counter()
    run(world, OFS(), BanditFeedback(("residuals",)), monitors, rounds, S, seed)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=300)
    args = ap.parse_args()
    cfg = load_scenario("lending-synthetic")
    world = LendingWorld(cfg.world)
    T = args.rounds
    one_run(world, 4, 20, 0)  # warm-up (imports, allocator)
    print(f"lending-synthetic, OFS, N={cfg.world.n_applicants} applicants/round, {T} rounds")
    print(f"{'S':>5} {'batched rr/s':>14} {'us per rr':>10} {'vs S=1':>8}")
    base = None
    per = {}
    for S in (1, 16, 256):
        dt = one_run(world, S, T, 1)
        rr = S * T / dt
        per[S] = dt / (S * T)
        base = base or per[S]
        print(f"{S:>5} {rr:>14,.0f} {per[S] * 1e6:>10.1f} {base / per[S]:>7.1f}x")
    # the same 256 replicates as a Python loop of single-replicate runs (on a 32-replicate
    # subset, extrapolated per replicate-round)
    n_loop = 32
    t0 = time.perf_counter()
    for s in range(n_loop):
        one_run(world, 1, T, 1000 + s)
    loop_per = (time.perf_counter() - t0) / (n_loop * T)
    print(f"python loop over replicates: {1 / loop_per:,.0f} rr/s; "
          f"batched S=256 is {loop_per / per[256]:.1f}x faster per replicate-round")


if __name__ == "__main__":
    main()
