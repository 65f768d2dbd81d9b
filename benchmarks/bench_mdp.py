"""Throughput of the batched average-reward learners: replicate-steps per second with all
replicates in one batch against a Python loop over replicates (one run each), on
RiverSwim-6 (the linear LOOP on RiverSwim-6 with its minimal 7-dimensional feature map).
Prints the ratio batched / looped per learner.

    PYTHONPATH=src python benchmarks/bench_mdp.py [--replicates 32] [--steps 2000]
"""

from __future__ import annotations

import argparse
import time

from looplab.core.loop import run
from looplab.policies.loop_linear import LinearLOOP
from looplab.policies.loop_mdp import LOOP
from looplab.policies.ucrl2 import UCRL2, GreedyMDP
from looplab.worlds.linear_mdp import (
    FeatureTransitionFeedback,
    LinearMDPConfig,
    LinearMDPWorld,
)
from looplab.worlds.mdp import GainRegretMonitor, SwitchMonitor


def _rate(policy, R: int, T: int, batched: bool) -> float:
    variant = "riverswim_lowrank" if isinstance(policy, LinearLOOP) else "riverswim"
    world = LinearMDPWorld(LinearMDPConfig(variant=variant))
    mons = [GainRegretMonitor(), SwitchMonitor()]
    ch = FeatureTransitionFeedback()
    t0 = time.perf_counter()
    if batched:
        run(world, policy, ch, mons, T, R, 0)
    else:
        for r in range(R):
            run(world, policy, ch, mons, T, 1, r)
    return R * T / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=32)
    ap.add_argument("--steps", type=int, default=2000)
    a = ap.parse_args()
    print(f"RiverSwim-6, {a.replicates} replicates x {a.steps} steps")
    print(f"{'learner':11} {'batched rep-steps/s':>20} {'looped rep-steps/s':>20} {'ratio':>7}")
    for pol in (LOOP(), UCRL2(), GreedyMDP(), LinearLOOP()):
        b = _rate(pol, a.replicates, a.steps, True)
        lp = _rate(pol, a.replicates, a.steps, False)
        print(f"{pol.name:11} {b:20,.0f} {lp:20,.0f} {b / lp:7.1f}")


if __name__ == "__main__":
    main()
