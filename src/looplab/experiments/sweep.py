"""Resumable sweeps: scenarios x parameter grid x seeds, one task per cell, on local
processes or Ray.

A cell is (validated scenario config without its seed, seed); its id is a hash of both.
Each cell writes ``cells/<id>/results.parquet`` + ``manifest.json`` atomically (the
manifest last), so a killed sweep never leaves a cell that looks finished but is not, and a
rerun skips exactly the finished cells. A failing cell writes ``error.json`` and the sweep
goes on.
"""

from __future__ import annotations

import functools
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

from pydantic import ConfigDict, Field, ValidationError, field_validator, model_validator

from looplab.core.params import StrictNumbers
from looplab.experiments import store
from looplab.experiments.config import MAX_SEED, ConfigError, check_slug, read_toml, validate
from looplab.experiments.registry import load_scenario, scenario_names

SPEC_FILE = "sweep.json"
ERROR_FILE = "error.json"
# Most cells one sweep may expand to: checked from the spec's sizes before any cell is
# built (expansion validates every cell, ~1 ms each), so a huge grid or seed count is
# refused at once instead of hanging.
MAX_CELLS = 100_000


class SeedRange(StrictNumbers):
    """``seeds = {start = 0, count = 5}``: seeds start, start+1, ..., start+count-1."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    start: int = Field(0, ge=0, le=MAX_SEED)
    count: int = Field(gt=0, le=MAX_CELLS)

    @model_validator(mode="after")
    def _in_range(self) -> SeedRange:
        if self.start + self.count - 1 > MAX_SEED:
            raise ValueError(f"the last seed (start + count - 1) must be <= {MAX_SEED}")
        return self


class SweepSpec(StrictNumbers):
    """A sweep: which scenarios, fixed overrides, a grid of overrides and the seeds."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    name: str = "sweep"
    scenarios: list[str] = Field(min_length=1)
    seeds: list[int] | SeedRange = Field(default_factory=lambda: [0])
    set: dict[str, Any] = Field(default_factory=dict)
    grid: dict[str, list[Any]] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _slug(cls, v: str) -> str:
        return check_slug(v, "name")

    @field_validator("seeds", mode="before")
    @classmethod
    def _seeds(cls, v: Any) -> Any:
        """One message for both accepted shapes (pydantic would report only the first
        branch of the union)."""
        if isinstance(v, dict):
            try:
                return SeedRange.model_validate(v)
            except ValidationError as exc:
                e = exc.errors()[0]
                where = ".".join(str(p) for p in e["loc"]) or "range"
                raise ValueError(f"{where}: {e['msg'].removeprefix('Value error, ')} (a seed "
                                 "range is {start = 0, count = 5})") from None
        if isinstance(v, list) and all(
            isinstance(s, int) and not isinstance(s, bool) and 0 <= s <= MAX_SEED for s in v
        ):
            if len(v) > MAX_CELLS:
                raise ValueError(f"at most {MAX_CELLS} seeds")
            return v
        raise ValueError(f"seeds must be a list of integers in 0..{MAX_SEED} (e.g. [0, 1, 2]) "
                         f"or a range {{start = 0, count = 5}}; got {v!r}"[:300])

    @model_validator(mode="after")
    def _size(self) -> SweepSpec:
        n = len(self.scenarios) * (self.seeds.count if isinstance(self.seeds, SeedRange)
                                   else len(self.seeds))
        for values in self.grid.values():
            n *= len(values)
        if n > MAX_CELLS:
            raise ValueError(f"the sweep has {n} cells (scenarios x grid x seeds); at most "
                             f"{MAX_CELLS}")
        return self

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


def expand(spec: SweepSpec, max_memory: int | None = None, workers: int = 1) -> list[Cell]:
    """All cells of the spec, each validated, and its memory estimate checked against
    ``max_memory`` and the available memory shared by ``workers`` parallel cells, before
    any work starts."""
    from looplab.experiments.execute import check_memory

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
                if seed == seeds[0]:  # the seed does not change the sizes
                    check_memory(cfg, max_memory, share=workers)
                config = cfg.model_dump(mode="json")
                unseeded = {k: v for k, v in config.items() if k != "seed"}
                cid = f"{cfg.name}-{_config_hash(unseeded)}-s{seed}"
                cells.append(Cell(scenario, overrides, params, seed, cid, config))
    ids = [c.cell_id for c in cells]
    if len(set(ids)) != len(ids):
        raise ConfigError("invalid grid: two cells resolve to the same config and seed")
    return cells


def spec_fingerprint(spec: SweepSpec, cells: list[Cell] | None = None) -> str:
    """A hash of the spec's content and of the resolved config of every cell (so an edited
    scenario file changes it too), to refuse mixing results of different configs."""
    body: dict[str, Any] = {"spec": spec.model_dump(mode="json")}
    if cells is not None:
        body["cells"] = sorted(c.cell_id for c in cells)
    return _config_hash(body)


def prepare_output(spec: SweepSpec, out: Path, cells: list[Cell] | None = None) -> None:
    """Create ``out`` for this spec, or check that it holds results of the same spec and
    cell configs; leftovers of an interrupted write (``.tmp`` files) are removed."""
    check_writable(out)
    marker = out / SPEC_FILE
    fp = spec_fingerprint(spec, cells)
    if marker.exists():
        try:
            old = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            old = None
        if not isinstance(old, dict):
            raise ConfigError(f"{marker} is corrupt (not a JSON object); delete it to rerun "
                              "every cell, or choose another --out")
        if old.get("fingerprint") != fp:
            raise ConfigError(
                f"--out {out} holds results of a different sweep spec or scenario config "
                f"({old.get('name')!r}); choose another folder"
            )
        store.clean_tmp(out)
        return
    if out.exists() and any(out.iterdir()):
        raise ConfigError(f"--out {out} is not empty and holds no sweep; choose another folder")
    out.mkdir(parents=True, exist_ok=True)
    body = {"fingerprint": fp, "name": spec.name, "spec": spec.model_dump(mode="json")}
    store.atomic_write_text(marker, json.dumps(body, indent=2, sort_keys=True))


def check_writable(out: Path) -> None:
    """ConfigError unless ``out`` is (or can be created as) a writable folder: checked
    before any work, so a bad --out never costs a finished sweep."""
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file, not a folder; choose another path")
    probe = out
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise ConfigError(f"--out {out}: {probe} is a file, not a folder; choose another path")
    if probe.exists() and not os.access(probe, os.W_OK | os.X_OK):
        raise ConfigError(f"--out {out}: folder {probe} is not writable; choose another path")


def cell_dir(out: Path, cell: Cell) -> Path:
    """The cell's folder, proven to lie inside ``out``."""
    return store.inside(out, out / "cells" / cell.cell_id)


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
    except BaseException as exc:  # broad on purpose: a failing cell must not stop the sweep
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


def _check_pack_memory(tasks: list[list[Cell]], max_memory: int | None, workers: int) -> None:
    """Refuse (one line) a packed task whose batch of seeds cannot fit, before any work."""
    from looplab.experiments.execute import check_memory

    for task in tasks:
        if len(task) > 1:
            c = task[0]
            cfg = load_scenario(c.scenario, [*c.overrides, f"seed={c.seed}"])
            packed = cfg.model_copy(update={"replicates": cfg.replicates * len(task)})
            try:
                check_memory(packed, max_memory, share=workers)
            except ConfigError as exc:
                raise ConfigError(f"{exc} ({len(task)} seeds packed in one batch; "
                                  "run with --no-pack to run them one by one)") from None


@dataclass
class SweepOutcome:
    total: int
    skipped: int
    done: int
    failed: list[dict[str, Any]]
    cells: list[Cell] = field(default_factory=list)  # every cell of the spec, in order


def _ray_result(ray: Any, ref: Any) -> list[dict[str, Any]]:
    """The finished task's result records (what ``run_pack`` returned on the worker)."""
    result: list[dict[str, Any]] = ray.get(ref)
    return result


def _results_or_failure(task: list[Cell], get: Callable[[], list[dict[str, Any]]]
                        ) -> list[dict[str, Any]]:
    """A worker's results, or a failure record per cell if the worker itself died."""
    try:
        return get()
    except Exception as exc:  # broad on purpose: e.g. a killed worker process
        return [{"cell": c.cell_id, "ok": False, "seconds": float("nan"),
                 "error": f"worker failed: {type(exc).__name__}: {exc}"} for c in task]


def run_pack(cells: list[Cell], out: str) -> list[dict[str, Any]]:
    """Run cells that differ only in their seed as one packed batch (see
    ``looplab.experiments.batching``) and write each cell's results exactly as ``run_cell``
    would; a single cell, or a family that cannot pack, runs cell by cell. Never raises."""
    from looplab.experiments.batching import run_packed
    from looplab.experiments.execute import execute_scenario

    if len(cells) == 1:
        return [run_cell(cells[0], out)]
    t0 = time.perf_counter()
    first = cells[0]
    try:
        cfg = load_scenario(first.scenario, [*first.overrides, f"seed={first.seed}"])
        frames = run_packed(cfg, [c.seed for c in cells])
    except BaseException as exc:  # broad on purpose: the cells are retried one by one
        if isinstance(exc, KeyboardInterrupt):
            raise
        return [run_cell(c, out) for c in cells]
    share = (time.perf_counter() - t0) / len(cells)
    results = []
    for c in cells:
        folder = cell_dir(Path(out), c)
        t1 = time.perf_counter()
        try:
            cfg_c = load_scenario(c.scenario, [*c.overrides, f"seed={c.seed}"])
            execute_scenario(cfg_c, folder, extra_columns=c.params, extra_manifest={
                "sweep_cell": c.cell_id, "params": c.params, "scenario_ref": c.scenario,
                "packed_seeds": [x.seed for x in cells],
            }, plot=False, frame=frames[c.seed])
            (folder / ERROR_FILE).unlink(missing_ok=True)
            results.append({"cell": c.cell_id, "ok": True,
                            "seconds": share + time.perf_counter() - t1})
        except Exception:  # the write failed: record it as run_cell would
            results.append(run_cell(c, out))
    return results


def plan_tasks(cells: list[Cell], workers: int, pack: bool) -> list[list[Cell]]:
    """Group the cells into tasks: with ``pack``, cells of a family that declares replicate
    rows and that differ only in their seed share a task (split into at most ``workers``
    tasks per group so every worker gets one); otherwise one task per cell."""
    from looplab.experiments.batching import supports_rows

    if not pack:
        return [[c] for c in cells]
    groups: dict[tuple[str, tuple[str, ...]], list[Cell]] = {}
    for c in cells:
        groups.setdefault((c.scenario, c.overrides), []).append(c)
    tasks: list[list[Cell]] = []
    for group in groups.values():
        first = group[0]
        cfg = load_scenario(first.scenario, [*first.overrides, f"seed={first.seed}"])
        if len(group) == 1 or not supports_rows(cfg):
            tasks += [[c] for c in group]
            continue
        k = min(workers, len(group))
        bounds = [round(i * len(group) / k) for i in range(k + 1)]
        tasks += [group[a:b] for a, b in itertools.pairwise(bounds) if b > a]
    return tasks


def _local(tasks: list[list[Cell]], out: Path, workers: int) -> Iterator[dict[str, Any]]:
    import multiprocessing as mp

    ctx = mp.get_context("spawn")  # no inherited threads/locks from the parent
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        futures = {pool.submit(run_pack, t, str(out)): t for t in tasks}
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                yield from _results_or_failure(futures[fut], fut.result)


def _ray(tasks: list[list[Cell]], out: Path, workers: int, address: str | None
         ) -> Iterator[dict]:
    from looplab.experiments.batching import ray_session

    with ray_session(workers, address) as ray:
        remote = ray.remote(num_cpus=1)(run_pack)
        refs = {remote.remote(t, str(out.resolve())): t for t in tasks}
        pending = list(refs)
        while pending:
            finished, pending = ray.wait(pending, num_returns=1)
            for ref in finished:
                yield from _results_or_failure(refs[ref],
                                               functools.partial(_ray_result, ray, ref))


def run_sweep(
    spec: SweepSpec,
    out: Path,
    executor: Executor = "local",
    workers: int | None = None,
    address: str | None = None,
    on_result: Callable[[dict[str, Any], int, int], None] | None = None,
    max_memory: int | None = None,
    pack: bool = True,
) -> SweepOutcome:
    """Run every unfinished cell of ``spec`` into ``out``; report each result through
    ``on_result(result, finished_so_far, to_run)``. With ``pack`` (default), cells that
    differ only in their seed run as one batch per worker when the family allows it; each
    cell's stored results are the same as when it runs alone."""
    if executor not in ("local", "ray"):
        raise ConfigError(f"invalid --executor {executor!r}; allowed: local, ray")
    workers = workers or max(1, (os.cpu_count() or 2))
    if workers < 1:
        raise ConfigError(f"invalid --workers {workers}; must be >= 1")
    check_writable(out)
    cells = expand(spec, max_memory=max_memory, workers=min(workers, MAX_CELLS))
    prepare_output(spec, out, cells)
    # a cell whose files cannot be read (cut by a crash, edited) is run again
    todo = [c for c in cells if not store.is_valid(cell_dir(out, c))]
    outcome = SweepOutcome(total=len(cells), skipped=len(cells) - len(todo), done=0, failed=[],
                           cells=cells)
    if not todo:
        return outcome
    tasks = plan_tasks(todo, workers, pack)
    if pack:
        _check_pack_memory(tasks, max_memory, workers)
    stream = _local(tasks, out, workers) if executor == "local" else _ray(
        tasks, out, workers, address
    )
    for i, res in enumerate(stream, start=1):
        if res["ok"]:
            outcome.done += 1
        else:
            outcome.failed.append(res)
        if on_result is not None:
            on_result(res, i, len(todo))
    return outcome
