"""What per-replicate streams cost: the loop families run with ``core.streams`` (Philox,
keyed by replicate) against the same runs fed by one shared PCG64 generator per stream
name (the scheme before issue 19), in the same process; and the raw draw rates. Prints
seconds and ratios; asserts nothing.

    .venv/bin/python benchmarks/bench_streams.py [--repeat 2]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

import looplab.core.loop as loop_mod
from looplab.core.seeding import STREAMS, LoopStreams, generator
from looplab.core.streams import Rows, Stream
from looplab.experiments.registry import family, load_scenario

RUNS = {
    "lending-synthetic": ["rounds=2000", "replicates=32", "oracle.rounds=500"],
    "bandit-linear": ["rounds=2000", "replicates=16"],
    "riverswim-loop": ["rounds=20000", "replicates=16"],
    "onesided-panel": ["rounds=2000", "replicates=16"],
}


class SharedStream:
    """One numpy generator for the whole batch (the old scheme), with Stream's extras."""

    def __init__(self, gen: np.random.Generator, S: int) -> None:
        self._g, self.S = gen, S

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # copy/deepcopy probe before __init__ ran
            raise AttributeError(name)
        return getattr(self._g, name)

    def child(self, *names: str) -> SharedStream:
        return SharedStream(np.random.default_rng(self._g.integers(2**63)), self.S)

    def common(self) -> SharedStream:
        return self

    def permutations(self, n: int) -> np.ndarray:
        return np.argsort(self._g.random((self.S, n)), axis=1)

    def seeds(self) -> np.ndarray:
        return self._g.integers(0, 2**31 - 1, self.S)


def shared_streams(rows: Rows) -> LoopStreams:
    seed = int(rows.seeds[0])
    return LoopStreams(*(SharedStream(generator(seed, n), len(rows)) for n in STREAMS))


def timed(name: str, sets: list[str], repeat: int) -> float:
    cfg = load_scenario(name, sets)
    fam = family(cfg.kind)
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fam.run(cfg, None)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    print(f"{'scenario':>20} {'per-replicate s':>16} {'shared s':>10} {'ratio':>7}")
    for name, sets in RUNS.items():
        mine = timed(name, sets, args.repeat)
        original = loop_mod.loop_streams
        loop_mod.loop_streams = shared_streams  # type: ignore[assignment]
        try:
            old = timed(name, sets, args.repeat)
        finally:
            loop_mod.loop_streams = original
        print(f"{name:>20} {mine:>16.2f} {old:>10.2f} {mine / old:>6.2f}x")
    S, n = 256, 1000
    s, g = Stream(Rows.of(0, S), "bench"), np.random.default_rng(0)
    for what, a, b in [
        ("uniform", lambda: s.random((S, n)), lambda: g.random((S, n))),
        ("normal", lambda: s.normal(size=(S, n)), lambda: g.normal(size=(S, n))),
        ("binomial", lambda: s.binomial(200, np.full(S, 0.3)),
         lambda: g.binomial(200, np.full(S, 0.3))),
    ]:
        ta = min(_clock(a) for _ in range(5))
        tb = min(_clock(b) for _ in range(5))
        print(f"draw {what:>9} ({S} x {n if what != 'binomial' else 1}): Philox stream "
              f"{ta * 1e3:.2f} ms, PCG64 {tb * 1e3:.2f} ms, ratio {ta / tb:.1f}x")


def _clock(fn: Any) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


if __name__ == "__main__":
    main()
