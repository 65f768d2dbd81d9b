"""Sweep throughput: cells per minute with 1 and 2 workers, on local processes and on a
local Ray instance, for a small and a medium cell; and the many-seed workload, a 50-seed
lending-synthetic sweep on the scenario's defaults with seeds packed into one batch per
worker vs one process per seed (the results are the same: test_batching checks it). Prints
figures and ratios; asserts nothing.

    .venv/bin/python benchmarks/bench_sweep.py [--small-cells 8] [--medium-cells 4]
        [--seeds 50] [--only-seeds] [--packed-only]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from looplab.experiments.sweep import SweepSpec, run_sweep

SIZES = {
    "small": {"rounds": 300, "replicates": 2, "oracle.rounds": 100},
    "medium": {"rounds": 5000, "replicates": 16, "oracle.rounds": 800},
}


def sweep_seconds(size: str | None, n_cells: int, executor: str, workers: int,
                  pack: bool) -> float:
    spec = SweepSpec(
        name=f"bench-{size or 'defaults'}", scenarios=["lending-synthetic"],
        seeds=list(range(n_cells)), set=SIZES[size] if size else {},
    )
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        res = run_sweep(spec, Path(tmp) / "out", executor=executor, workers=workers,
                        pack=pack)
        dt = time.perf_counter() - t0
    assert res.done == n_cells and not res.failed, res.failed
    return dt


def cells_per_minute(size: str, n_cells: int, executor: str, workers: int) -> float:
    return n_cells / sweep_seconds(size, n_cells, executor, workers, pack=False) * 60


def many_seeds(n: int, packed_only: bool = False) -> None:
    """The research workload of issue 19: n seeds of lending-synthetic on defaults."""
    packed = sweep_seconds(None, n, "local", 2, pack=True)
    if packed_only:
        print(f"lending-synthetic defaults, {n} seeds, 2 workers: packed {packed:.1f} s")
        return
    alone = sweep_seconds(None, n, "local", 2, pack=False)
    print(f"lending-synthetic defaults, {n} seeds, 2 workers: packed {packed:.1f} s, one "
          f"process per seed {alone:.1f} s -> packed is {alone / packed:.2f}x faster")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--small-cells", type=int, default=8)
    ap.add_argument("--medium-cells", type=int, default=4)
    ap.add_argument("--no-ray", action="store_true")
    ap.add_argument("--seeds", type=int, default=50, help="seeds of the many-seed sweep")
    ap.add_argument("--only-seeds", action="store_true", help="only the many-seed sweep")
    ap.add_argument("--packed-only", action="store_true",
                    help="the many-seed sweep packed only (skip one process per seed)")
    args = ap.parse_args()
    many_seeds(args.seeds, args.packed_only)
    if args.only_seeds:
        return
    try:
        import ray  # noqa: F401

        executors = ["local"] if args.no_ray else ["local", "ray"]
    except ImportError:
        executors = ["local"]
    print(f"{'cell':>7} {'executor':>8} {'workers':>7} {'cells/min':>10} {'vs local':>9}")
    for size, n in (("small", args.small_cells), ("medium", args.medium_cells)):
        local: dict[int, float] = {}
        for ex in executors:
            for w in (1, 2):
                cpm = cells_per_minute(size, n, ex, w)
                if ex == "local":
                    local[w] = cpm
                ratio = cpm / local[w]
                print(f"{size:>7} {ex:>8} {w:>7} {cpm:>10.1f} {ratio:>8.2f}x")
        print(f"{size:>7} local 2-worker speed-up over 1 worker: {local[2] / local[1]:.2f}x")


if __name__ == "__main__":
    main()
