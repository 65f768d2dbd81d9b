"""Policy-update throughput of the improve family: GRPO (4 epochs, G = 16) and B-STaR on
the standard world (32 prompts x 64 candidates, and a small 8 x 16 one), all replicates in
one batched call against a Python loop over replicates (S = 1 per call). Prints prompt x
sample updates per second and the batched / looped ratio. Then the trained chain-of-thought
step models (``looplab.improve.cot_trained``, defaults: 128 hidden units, batch 256): S
replicates trained as one batched network against S separate trainings, in training
examples per second. Asserts nothing.

    .venv/bin/python benchmarks/bench_improve.py [--replicates 64] [--rounds 20]
        [--cot-replicates 5] [--cot-steps 200]
"""

from __future__ import annotations

import argparse
import time

from looplab.core.streams import Rows, Stream
from looplab.improve.bstar import BStar
from looplab.improve.grpo import GRPO
from looplab.improve.rule import Rule
from looplab.improve.tasks import StandardWorld
from looplab.improve.verifier_loop import run_verifier_loop


def throughput(rule: Rule, world: StandardWorld, S: int, rounds: int, batched: bool) -> float:
    """prompt x sample updates per second over ``S`` replicates."""
    t0 = time.perf_counter()
    if batched:
        run_verifier_loop(world, rule, rounds, Rows.of(0, S))
    else:
        for s in range(S):  # the per-replicate Python loop the batch replaces
            run_verifier_loop(world, rule, rounds, Rows.of(0, 1, start=s))
    dt = time.perf_counter() - t0
    return world.prompts * rule.group * S * rounds / dt


def cot_throughput(S: int, steps: int, batched: bool) -> float:
    """Training examples per second of S step models (torch on one thread, as the study
    runs them)."""
    import numpy as np
    import torch

    from looplab.improve.cot_trained import CotTrainedModel, CotTrainedWorld, train_step_model

    world, arm = CotTrainedWorld(), CotTrainedModel(train_steps=steps)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    if batched:
        train_step_model(world, arm, Stream(Rows.of(0, S), "policy"))
    else:
        for s in range(S):  # the per-replicate loop the batched network replaces
            train_step_model(world, arm, Stream(Rows.of(0, 1, start=s), "policy"))
    dt = time.perf_counter() - t0
    torch.set_num_threads(threads)
    return float(np.float64(S * steps * arm.batch) / dt)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replicates", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--cot-replicates", type=int, default=5)
    ap.add_argument("--cot-steps", type=int, default=200)
    args = ap.parse_args()
    print(f"S = {args.replicates} replicates, {args.rounds} updates; prompt x sample "
          "updates per second")
    print(f"{'world':16s} {'rule':10s} {'batched /s':>12s} {'looped /s':>12s} {'ratio':>7s}")
    for world in (StandardWorld(), StandardWorld(prompts=8, candidates=16)):
        label = f"{world.prompts}x{world.candidates}"
        for name, rule in (("grpo x4", GRPO(epochs=4)), ("bstar", BStar())):
            b = throughput(rule, world, args.replicates, args.rounds, True)
            lo = throughput(rule, world, args.replicates, args.rounds, False)
            print(f"{label:16s} {name:10s} {b:12.0f} {lo:12.0f} {b / lo:6.1f}x")
    S, steps = args.cot_replicates, args.cot_steps
    cot_throughput(S, 5, True)  # warm-up: torch's first calls allocate and dispatch slowly
    b = cot_throughput(S, steps, True)
    lo = cot_throughput(S, steps, False)
    print(f"\nCoT step models, S = {S}, {steps} Adam steps; training examples per second")
    print(f"{'batched /s':>12s} {'looped /s':>12s} {'ratio':>7s}")
    print(f"{b:12.0f} {lo:12.0f} {b / lo:6.1f}x")


if __name__ == "__main__":
    main()
