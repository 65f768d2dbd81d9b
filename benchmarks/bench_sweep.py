"""Sweep throughput: cells per minute with 1 and 2 workers, on local processes and on a
local Ray instance, for a small and a medium cell. Prints figures and the Ray / process
pool ratios; asserts nothing.

    .venv/bin/python benchmarks/bench_sweep.py [--small-cells 8] [--medium-cells 4]
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


def cells_per_minute(size: str, n_cells: int, executor: str, workers: int) -> float:
    spec = SweepSpec(
        name=f"bench-{size}", scenarios=["lending-synthetic"], seeds=list(range(n_cells)),
        set=SIZES[size],
    )
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        res = run_sweep(spec, Path(tmp) / "out", executor=executor, workers=workers)
        dt = time.perf_counter() - t0
    assert res.done == n_cells and not res.failed, res.failed
    return n_cells / dt * 60


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--small-cells", type=int, default=8)
    ap.add_argument("--medium-cells", type=int, default=4)
    ap.add_argument("--no-ray", action="store_true")
    args = ap.parse_args()
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
