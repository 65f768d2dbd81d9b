"""``inspect-model``: run the model-inspection experiments on the local SmolLM2 model.

Reached as ``looplab inspect-model ...`` (``looplab.cli`` hands it the arguments)::

    looplab inspect-model steering biaslens --seeds 0 1 2 3 4 --out runs/inspect

Each experiment prints its claim verdicts (id, held, pooled mean and interval). With
``--out DIR`` the run is written through the standard results path
(``looplab.experiments.store``): ``DIR/results.parquet`` holds one row per numeric result
(experiment, section, row, seed, metric, value: per-seed rows and claim verdicts),
``DIR/details.json`` everything the experiments returned, and ``DIR/manifest.json`` (last)
the run record and the claim verdicts, so ``looplab report`` / ``open_results`` see it like
any other run. Every experiment finishes in a few minutes on defaults on 2 CPU cores
(``--seeds 0`` for a quick look; claims need 5 seeds).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

from looplab.jsonable import jsonable

EXPERIMENTS = ("steering", "biaslens", "negative_bias", "cab", "after_prompting", "edge")
SECTIONS = ("rows", "table", "loops")  # where an experiment keeps its per-seed rows


def run_experiment(name: str, lm: Any, seeds: tuple[int, ...]) -> dict[str, Any]:
    """Run one experiment by name on the engine ``lm``."""
    import importlib

    if name not in EXPERIMENTS:
        raise ValueError(f"experiment must be one of: {', '.join(EXPERIMENTS)}; got {name!r}")
    mod = importlib.import_module(f"looplab.inspect.{name}")
    if name in ("biaslens",):
        return mod.run(lm, seed=seeds[0])
    return mod.run(lm, seeds=seeds)


def claims_of(res: dict[str, Any]) -> list[dict[str, Any]]:
    """An experiment's claim verdicts (a list under ``claims`` or one under ``claim``)."""
    return list(res.get("claims") or [res["claim"]])


def _number(v: Any) -> float | None:
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, int | float) and not isinstance(v, complex):
        return float(v)
    try:  # numpy scalars
        import numpy as np

        if isinstance(v, np.generic) and np.issubdtype(type(v), np.number):
            return float(v)
    except ImportError:  # pragma: no cover
        pass
    return None


def _claim_numbers(c: dict[str, Any]) -> dict[str, Any]:
    """held, mean, ci_low, ci_high, rho and seeds of a claim verdict (a bootstrap claim's
    ``ci`` pair becomes ci_low / ci_high)."""
    out: dict[str, Any] = {m: c[m] for m in ("held", "mean", "ci_low", "ci_high", "rho",
                                             "seeds") if m in c}
    ci = c.get("ci")
    if isinstance(ci, list | tuple) and len(ci) == 2:
        out["ci_low"], out["ci_high"] = ci
    return out


def results_frame(results: dict[str, dict[str, Any]]) -> Any:
    """One row per numeric result: (experiment, section, row, seed, metric, value).

    ``section`` is the experiment's per-seed table (``rows``/``table``/``loops``; list-
    valued fields such as per-round rates become ``metric[i]``), ``claims`` (held, mean,
    ci_low, ci_high or rho per claim, ``row`` = claim id) or ``summary`` (top-level
    scalars)."""
    import pandas as pd

    recs: list[dict[str, Any]] = []

    def add(exp: str, section: str, row: str, seed: float, metric: str, v: Any) -> None:
        x = _number(v)
        if x is not None:
            recs.append({"experiment": exp, "section": section, "row": row, "seed": seed,
                         "metric": metric, "value": x})
        elif isinstance(v, list | tuple) and all(_number(e) is not None for e in v):
            for i, e in enumerate(v):
                add(exp, section, row, seed, f"{metric}[{i}]", e)

    for exp, res in results.items():
        for key, val in res.items():
            if key in SECTIONS and isinstance(val, list):
                for i, r in enumerate(val):
                    seed = _number(r.get("seed"))
                    for m, v in r.items():
                        if m != "seed":
                            add(exp, key, str(i), math.nan if seed is None else seed, m, v)
            elif key not in ("claims", "claim"):
                add(exp, "summary", "", math.nan, key, val)
        for c in claims_of(res):
            for m, v in _claim_numbers(c).items():
                add(exp, "claims", str(c["id"]), math.nan, m, v)
    return pd.DataFrame(recs, columns=["experiment", "section", "row", "seed", "metric",
                                       "value"])


def write_results(out: Path, results: dict[str, dict[str, Any]], seeds: tuple[int, ...]
                  ) -> Path:
    """Write a finished inspect-model run into folder ``out`` (Parquet, details, manifest
    last)."""
    from looplab.core.record import run_record
    from looplab.experiments import store
    from looplab.llm.local import SMOLLM2_NAME

    frame = results_frame(results)
    store.write_results(out, frame)
    store.atomic_write_text(out / "details.json", json.dumps(jsonable(results), indent=2))
    config = {"experiments": list(results), "seeds": list(seeds), "model": SMOLLM2_NAME}
    manifest = {
        "scenario": "inspect-model",
        "kind": "model-inspection",
        "record": run_record(config, seeds[0], len(seeds)),
        "summary": {exp: {"seconds": res.get("seconds"), "cpu_seconds": res.get("cpu_seconds"),
                          "claims": [{k: c.get(k) for k in ("id", "held", "mean", "ci_low",
                                                             "ci_high", "rho", "ci")
                                      if k in c} for c in claims_of(res)]}
                    for exp, res in results.items()},
    }
    store.write_manifest(out, jsonable(manifest))
    return out


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    ap = argparse.ArgumentParser(prog="inspect-model", description=__doc__.splitlines()[0])
    ap.add_argument("experiments", nargs="*", default=list(EXPERIMENTS),
                    help=f"any of: {', '.join(EXPERIMENTS)} (default: all)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--out", type=Path, default=None,
                    help="run folder for results.parquet, details.json and manifest.json")
    args = ap.parse_args(argv)
    bad = [e for e in args.experiments if e not in EXPERIMENTS]
    if bad:
        print(f"inspect-model: experiment must be one of: {', '.join(EXPERIMENTS)}; got "
              f"{', '.join(bad)}", file=sys.stderr)
        return 2
    if any(s < 0 for s in args.seeds):
        print(f"inspect-model: --seeds must be >= 0, got {args.seeds}", file=sys.stderr)
        return 2
    if args.out is not None:
        from looplab.experiments import store
        from looplab.experiments.config import ConfigError
        from looplab.experiments.sweep import check_writable

        try:
            check_writable(args.out)
        except ConfigError as exc:
            print(f"inspect-model: {exc}", file=sys.stderr)
            return 2
        if store.is_complete(args.out):
            print(f"inspect-model: --out {args.out} already holds a finished run; choose "
                  "another folder", file=sys.stderr)
            return 2
    from looplab.llm.batched import LocalLM

    try:
        lm = LocalLM.load()
    except Exception as exc:  # missing model or extras: one clear line
        print(f"inspect-model: {exc}", file=sys.stderr)
        return 2
    seeds = tuple(dict.fromkeys(args.seeds))
    results: dict[str, Any] = {}
    for name in dict.fromkeys(args.experiments):
        t, cpu = time.perf_counter(), time.process_time()
        try:
            res = run_experiment(name, lm, seeds)
        except ValueError as exc:
            print(f"inspect-model: {exc}", file=sys.stderr)
            return 2
        res["seconds"] = time.perf_counter() - t
        res["cpu_seconds"] = time.process_time() - cpu
        results[name] = res
        for c in claims_of(res):
            extra = (f"mean={c['mean']:.3f} [{c['ci_low']:.3f}, {c['ci_high']:.3f}]"
                     if "mean" in c else f"rho={c.get('rho', math.nan):.3f} "
                     f"ci={tuple(round(float(x), 3) for x in c.get('ci', ()))}")
            print(f"{name:16s} {c['id']:28s} held={c['held']!s:5s} {extra}")
        print(f"{name:16s} {res['seconds']:.1f} s wall, {res['cpu_seconds']:.1f} s CPU")
    if args.out:
        write_results(args.out, results, seeds)
        print(f"results: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
