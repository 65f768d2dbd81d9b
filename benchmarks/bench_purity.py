"""Cost of pure updates (issue 11): loops whose state is now copied instead of changed in
place (the ridge oracle's statistics, the contextual policies' log buffers, the delayed
channel's queue, the recommender's generator and per-replicate negatives table), timed on
this source tree and on another one (``--against``, e.g. an export of the commit before),
plus the wall time of running every contract checker once. ``core.loop.run`` never calls
the checkers. Prints seconds and ratios; asserts nothing.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_purity.py --against /tmp/base/src
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable

REPEAT = 3  # best of REPEAT (the machine is shared and noisy)


def workloads() -> dict[str, Callable[[], None]]:
    """name -> one run (imports inside: the same code runs against either tree)."""
    from looplab.core.channels import BanditFeedback
    from looplab.core.loop import run
    from looplab.core.monitors import RewardMonitor
    from looplab.policies.contextual import Retraining
    from looplab.policies.linucb import LinUCB
    from looplab.policies.pooled_dot import PooledDotRecommender
    from looplab.policies.squarecb import SquareCB
    from looplab.worlds.linear_bandit import LinearBanditWorld
    from looplab.worlds.payments import PaymentsConfig, PaymentsWorld
    from looplab.worlds.recsys import LOG_SIGNALS, RecsysConfig, RecsysWorld

    linear = LinearBanditWorld()  # K = 10, d = 10, one context per round
    payments = PaymentsWorld(PaymentsConfig(n_transactions=200))
    recsys = RecsysWorld(RecsysConfig(n_users=500, n_items=2000))
    cb = BanditFeedback(signals=("features", "avail"))
    cb_delayed = BanditFeedback(signals=("features", "avail"), delay=1)
    gen = Retraining(online=False, every=10, window=10)
    return {
        "linucb online, linear, S=1, 2000 rounds": lambda: run(
            linear, LinUCB(), cb, [RewardMonitor()], 2000, 1, 0),
        "linucb online, linear, S=100, 300 rounds": lambda: run(
            linear, LinUCB(), cb, [RewardMonitor()], 300, 100, 0),
        "squarecb online, payments N=200, S=4, 30 rounds": lambda: run(
            payments, SquareCB(), cb, [RewardMonitor()], 30, 4, 0),
        "squarecb generations+delay, payments, S=4, 100 rounds": lambda: run(
            payments, SquareCB(retraining=gen), cb_delayed, [RewardMonitor()], 100, 4, 0),
        "recommender, recsys 500 users, S=2, 3 stages": lambda: run(
            recsys, PooledDotRecommender(), BanditFeedback(signals=LOG_SIGNALS),
            [RewardMonitor()], 3, 2, 0),
    }


def time_all() -> dict[str, float]:
    from threadpoolctl import threadpool_limits

    out = {}
    with threadpool_limits(1):
        for name, fn in workloads().items():
            fn()  # warm-up
            best = float("inf")
            for _ in range(REPEAT):
                t0 = time.perf_counter()
                fn()
                best = min(best, time.perf_counter() - t0)
            out[name] = best
    return out


def time_checkers() -> float:
    """Seconds to run the contract test module once (every checker over every component)."""
    import pytest

    t0 = time.perf_counter()
    pytest.main(["-q", "-p", "no:cacheprovider", "tests/core/test_contracts.py"])
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--against", help="src folder of the tree to compare with")
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.json:
        print(json.dumps(time_all()))
        return
    here = time_all()
    other = None
    if args.against:
        env = {**os.environ, "PYTHONPATH": args.against}
        res = subprocess.run([sys.executable, __file__, "--json"], env=env, check=True,
                             capture_output=True, text=True)
        other = json.loads(res.stdout.strip().splitlines()[-1])
    print(f"{'workload':<56} {'this s':>8} {'other s':>8} {'ratio':>6}")
    for name, t in here.items():
        o = other.get(name) if other else None
        print(f"{name:<56} {t:>8.3f} " + (f"{o:>8.3f} {t / o:>6.2f}" if o else ""))
    print(f"every contract checker over every component: {time_checkers():.1f} s "
          "(tests only; core.loop.run never calls them)")


if __name__ == "__main__":
    main()
