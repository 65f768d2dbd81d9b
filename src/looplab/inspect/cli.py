"""``inspect-model``: run the model-inspection experiments on the local SmolLM2 model.

Reached as ``looplab inspect-model ...`` (``looplab.cli`` hands it the arguments)::

    looplab inspect-model steering biaslens --seeds 0 1 2 3 4 --out results.json

Each experiment prints its claim verdicts (id, held, pooled mean and interval) and, with
``--out``, writes everything as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from looplab.jsonable import jsonable

EXPERIMENTS = ("steering", "biaslens", "negative_bias", "cab", "after_prompting", "edge")


def run_experiment(name: str, lm: Any, seeds: tuple[int, ...]) -> dict[str, Any]:
    """Run one experiment by name on the engine ``lm``."""
    import importlib

    if name not in EXPERIMENTS:
        raise ValueError(f"experiment must be one of: {', '.join(EXPERIMENTS)}; got {name!r}")
    mod = importlib.import_module(f"looplab.inspect.{name}")
    if name in ("biaslens",):
        return mod.run(lm, seed=seeds[0])
    return mod.run(lm, seeds=seeds)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    ap = argparse.ArgumentParser(prog="inspect-model", description=__doc__.splitlines()[0])
    ap.add_argument("experiments", nargs="*", default=list(EXPERIMENTS),
                    help=f"any of: {', '.join(EXPERIMENTS)} (default: all)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    bad = [e for e in args.experiments if e not in EXPERIMENTS]
    if bad:
        print(f"inspect-model: experiment must be one of: {', '.join(EXPERIMENTS)}; got "
              f"{', '.join(bad)}", file=sys.stderr)
        return 2
    from looplab.llm.batched import LocalLM

    try:
        lm = LocalLM.load()
    except Exception as exc:  # missing model or extras: one clear line
        print(f"inspect-model: {exc}", file=sys.stderr)
        return 2
    results: dict[str, Any] = {}
    for name in args.experiments:
        t = time.perf_counter()
        try:
            res = run_experiment(name, lm, tuple(args.seeds))
        except ValueError as exc:
            print(f"inspect-model: {exc}", file=sys.stderr)
            return 2
        res["seconds"] = time.perf_counter() - t
        results[name] = res
        claims = res.get("claims") or [res["claim"]]
        for c in claims:
            extra = (f"mean={c['mean']:.3f} [{c['ci_low']:.3f}, {c['ci_high']:.3f}]"
                     if "mean" in c else f"{c}")
            print(f"{name:16s} {c['id']:28s} held={c['held']!s:5s} {extra}")
    if args.out:
        args.out.write_text(json.dumps(jsonable(results), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
