"""Resumable sweeps: scenarios x parameter grid x seeds, one task per cell, on local
processes or Ray.

A cell is (validated scenario config without its seed, seed); its id is a hash of both.
Each cell writes ``cells/<id>/results.parquet`` + ``manifest.json`` atomically (the
manifest last), so a killed sweep never leaves a cell that looks finished but is not, and a
rerun skips exactly the finished cells. A failing cell writes ``error.json`` and the sweep
goes on.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from looplab.experiments import store
from looplab.experiments.config import ConfigError, read_toml, validate
from looplab.experiments.registry import load_scenario, scenario_names

SPEC_FILE = "sweep.json"
ERROR_FILE = "error.json"


class SeedRange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: int = Field(0, ge=0)
    count: int = Field(gt=0)


class SweepSpec(BaseModel):
    """A sweep: which scenarios, fixed overrides, a grid of overrides and the seeds."""

    model_config = ConfigDict(extra="forbid")

    name: str = "sweep"
    scenarios: list[str] = Field(min_length=1)
    seeds: list[int] | SeedRange = Field(default_factory=lambda: [0])
    set: dict[str, Any] = Field(default_factory=dict)
    grid: dict[str, list[Any]] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, raw: Any) -> Any:
        """Accept both ``"world.epsilon" = ...`` and TOML's nested ``world.epsilon = ...``."""
        if isinstance(raw, dict):
            raw = dict(raw)
            for key in ("set", "grid"):
                if isinstance(raw.get(key), dict):
                    raw[key] = _flat(raw[key])
        return raw

    @field_validator("scenarios")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        known = scenario_names()
        for name in v:
            if name not in known and not (name.endswith(".toml") and Path(name).exists()):
                raise ValueError(f"unknown scenario {name!r}; allowed: {', '.join(known)}")
        return v

    @field_validator("grid")
    @classmethod
    def _nonempty(cls, v: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for key, values in v.items():
            if not values:
                raise ValueError(f"grid key {key!r} has no values")
        return v

    def seed_list(self) -> list[int]:
        if isinstance(self.seeds, SeedRange):
            return list(range(self.seeds.start, self.seeds.start + self.seeds.count))
        if not self.seeds:
            raise ConfigError("invalid seeds: the seed list is empty")
        return list(self.seeds)


def _flat(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flat(v, key + "."))
        else:
            out[key] = v
    return out


@dataclass(frozen=True)
class Cell:
    """One unit of work: a scenario with overrides, at one seed."""

    scenario: str
    overrides: tuple[str, ...]
    params: dict[str, Any]
    seed: int
    cell_id: str
    config: dict[str, Any] = field(repr=False, default_factory=dict)


def _fmt_override(key: str, value: Any) -> str:
    return f"{key}={json.dumps(value)}"


def _config_hash(config: dict[str, Any]) -> str:
    blob = json.dumps(config, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:12]


def load_spec(path: Path) -> SweepSpec:
    """A validated sweep spec from TOML; errors name the key."""
    return validate(SweepSpec, read_toml(path))  # type: ignore[return-value]


def expand(spec: SweepSpec) -> list[Cell]:
    """All cells of the spec, each validated before any work starts."""
    cells: list[Cell] = []
    fixed = [_fmt_override(k, v) for k, v in spec.set.items()]
    keys = list(spec.grid)
    seeds = spec.seed_list()
    for scenario in spec.scenarios:
        for combo in itertools.product(*(spec.grid[k] for k in keys)):
            params = dict(zip(keys, combo, strict=True))
            overrides = tuple(fixed + [_fmt_override(k, v) for k, v in params.items()])
            for seed in seeds:
                cfg = load_scenario(scenario, [*overrides, f"seed={seed}"])
                config = cfg.model_dump(mode="json")
                unseeded = {k: v for k, v in config.items() if k != "seed"}
                cid = f"{cfg.name}-{_config_hash(unseeded)}-s{seed}"
                cells.append(Cell(scenario, overrides, params, seed, cid, config))
    ids = [c.cell_id for c in cells]
    if len(set(ids)) != len(ids):
        raise ConfigError("invalid grid: two cells resolve to the same config and seed")
    return cells


def spec_fingerprint(spec: SweepSpec) -> str:
    """A hash of the spec's content, to refuse mixing results of different specs."""
    return _config_hash(spec.model_dump(mode="json"))


def prepare_output(spec: SweepSpec, out: Path) -> None:
    """Create ``out`` for this spec, or check that it holds results of the same spec."""
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file, not a folder; choose another path")
    marker = out / SPEC_FILE
    fp = spec_fingerprint(spec)
    if marker.exists():
        old = json.loads(marker.read_text())
        if old.get("fingerprint") != fp:
            raise ConfigError(
                f"--out {out} holds results of a different sweep spec "
                f"({old.get('name')!r}); choose another folder"
            )
        return
    if out.exists() and any(out.iterdir()):
        raise ConfigError(f"--out {out} is not empty and holds no sweep; choose another folder")
    out.mkdir(parents=True, exist_ok=True)
    body = {"fingerprint": fp, "name": spec.name, "spec": spec.model_dump(mode="json")}
    store.atomic_write_text(marker, json.dumps(body, indent=2, sort_keys=True))


def cell_dir(out: Path, cell: Cell) -> Path:
    return out / "cells" / cell.cell_id


def run_cell(cell: Cell, out: str) -> dict[str, Any]:
    """Run one cell and write its results; never raises (errors are recorded)."""
    from looplab.experiments.execute import execute_scenario

    folder = cell_dir(Path(out), cell)
    t0 = time.perf_counter()
    try:
        cfg = load_scenario(cell.scenario, [*cell.overrides, f"seed={cell.seed}"])
        execute_scenario(cfg, folder, extra_columns=cell.params, extra_manifest={
            "sweep_cell": cell.cell_id, "params": cell.params, "scenario_ref": cell.scenario,
        }, plot=False)
        (folder / ERROR_FILE).unlink(missing_ok=True)
        return {"cell": cell.cell_id, "ok": True, "seconds": time.perf_counter() - t0}
    except BaseException as exc:  # noqa: BLE001 - a failing cell must not stop the sweep
        if isinstance(exc, KeyboardInterrupt):
            raise
        err = {"cell": cell.cell_id, "error": f"{type(exc).__name__}: {exc}",
               "traceback": traceback.format_exc()}
        try:
            folder.mkdir(parents=True, exist_ok=True)
            store.atomic_write_text(folder / ERROR_FILE, json.dumps(err, indent=2))
        except OSError as write_exc:  # the error is still reported to the sweep
            err["error"] += f" (error.json not written: {write_exc})"
        return {"cell": cell.cell_id, "ok": False, "error": err["error"],
                "seconds": time.perf_counter() - t0}


Executor = Literal["local", "ray"]


@dataclass
class SweepOutcome:
    total: int
    skipped: int
    done: int
    failed: list[dict[str, Any]]


def _result_or_failure(cell: Cell, get: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """A worker's result, or a failure record if the worker itself died."""
    try:
        return get()
    except Exception as exc:  # noqa: BLE001 - e.g. a killed worker process
        return {"cell": cell.cell_id, "ok": False, "seconds": float("nan"),
                "error": f"worker failed: {type(exc).__name__}: {exc}"}


def _local(cells: list[Cell], out: Path, workers: int) -> Iterator[dict[str, Any]]:
    import multiprocessing as mp

    ctx = mp.get_context("spawn")  # no inherited threads/locks from the parent
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = {pool.submit(run_cell, c, str(out)): c for c in cells}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                yield _result_or_failure(futures[fut], fut.result)


def _ray(cells: list[Cell], out: Path, workers: int, address: str | None) -> Iterator[dict]:
    try:
        import ray
    except ImportError:
        raise ConfigError("--executor ray needs ray: pip install 'looplab[ray]'") from None
    started = False
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"address": address} if address else {"num_cpus": workers}
        ray.init(ignore_reinit_error=True, log_to_driver=False, **kwargs)
        started = True
    try:
        remote = ray.remote(num_cpus=1)(run_cell)
        refs = {remote.remote(c, str(out.resolve())): c for c in cells}
        pending = list(refs)
        while pending:
            finished, pending = ray.wait(pending, num_returns=1)
            for ref in finished:
                yield _result_or_failure(refs[ref], lambda r=ref: ray.get(r))
    finally:
        if started:
            ray.shutdown()


def run_sweep(
    spec: SweepSpec,
    out: Path,
    executor: Executor = "local",
    workers: int | None = None,
    address: str | None = None,
    on_result: Callable[[dict[str, Any], int, int], None] | None = None,
) -> SweepOutcome:
    """Run every unfinished cell of ``spec`` into ``out``; report each result through
    ``on_result(result, finished_so_far, to_run)``."""
    if executor not in ("local", "ray"):
        raise ConfigError(f"invalid --executor {executor!r}; allowed: local, ray")
    workers = workers or max(1, (os.cpu_count() or 2))
    if workers < 1:
        raise ConfigError(f"invalid --workers {workers}; must be >= 1")
    cells = expand(spec)
    prepare_output(spec, out)
    todo = [c for c in cells if not store.is_complete(cell_dir(out, c))]
    outcome = SweepOutcome(total=len(cells), skipped=len(cells) - len(todo), done=0, failed=[])
    if not todo:
        return outcome
    stream = _local(todo, out, workers) if executor == "local" else _ray(
        todo, out, workers, address
    )
    for i, res in enumerate(stream, start=1):
        if res["ok"]:
            outcome.done += 1
        else:
            outcome.failed.append(res)
        if on_result is not None:
            on_result(res, i, len(todo))
    return outcome
