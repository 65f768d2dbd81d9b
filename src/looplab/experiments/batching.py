"""Work split by replicate rows: several seeds packed into one batch, one run sharded over
processes or Ray by replicate ranges. Both rely on a family declaring ``replicate_rows``
(its replicates draw from per-replicate streams, ``looplab.core.streams``), so a packed
seed's table and a merged sharded table are bit-identical to running them alone."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from looplab.core.loop import ProgressHook
from looplab.core.streams import Rows
from looplab.experiments.config import ConfigError, ScenarioBase
from looplab.experiments.registry import family

ORDER_KEYS = ("policy", "arm", "panel", "round", "replicate")


def supports_rows(cfg: ScenarioBase) -> bool:
    """Whether ``cfg``'s family can run a replicate range or a pack of seeds."""
    return bool(family(cfg.kind).replicate_rows)


def _require_rows(cfg: ScenarioBase, what: str) -> Any:
    fam = family(cfg.kind)
    if not fam.replicate_rows:
        raise ConfigError(f"{cfg.name}: the {cfg.kind!r} family cannot be {what}: "
                          f"{fam.not_invariant}")
    return fam


def run_packed(
    cfg: ScenarioBase, seeds: Sequence[int], progress: ProgressHook | None = None
) -> dict[int, pd.DataFrame]:
    """Run ``cfg`` for every seed in ``seeds`` as ONE batch of ``len(seeds) x replicates``
    rows; returns seed -> that seed's long table, identical to ``run`` with that seed."""
    fam = _require_rows(cfg, "packed")
    seeds = list(dict.fromkeys(int(s) for s in seeds))
    if not seeds:
        raise ConfigError("run_packed needs at least one seed")
    frame = fam.run(cfg.model_copy(update={"seed": seeds[0]}), progress,
                    rows=Rows.pack(seeds, cfg.replicates))
    if len(seeds) == 1:
        return {seeds[0]: frame}
    out = {}
    for s in seeds:
        part = frame[frame["seed"] == s].drop(columns="seed").reset_index(drop=True)
        out[s] = part
    return out


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` in a layout that does not depend on how its replicates were split: rows
    ordered by arm (in order of first appearance), round and replicate."""
    keys: list[str] = []
    cols: dict[str, Any] = {}
    for k in ORDER_KEYS:
        if k in frame.columns:
            if frame[k].dtype == object or isinstance(frame[k].dtype, pd.CategoricalDtype):
                rank = {v: i for i, v in enumerate(pd.unique(frame[k]))}
                cols[f"__{k}"] = frame[k].map(rank).to_numpy()
            else:
                cols[f"__{k}"] = frame[k].to_numpy()
            keys.append(f"__{k}")
    if not keys:
        return frame.reset_index(drop=True)
    order = np.lexsort([cols[k] for k in reversed(keys)])
    return frame.iloc[order].reset_index(drop=True)


def _run_shard(cfg_json: dict[str, Any], start: int, count: int) -> pd.DataFrame:
    """One shard on a worker: the config travels as JSON and is validated again there."""
    from looplab.experiments.config import validate

    fam = family(cfg_json["kind"])
    cfg = validate(fam.scenario, cfg_json)
    return fam.run(cfg, None, rows=Rows.of(cfg_json["seed"], count, start))


def run_sharded(
    cfg: ScenarioBase, shards: int, executor: Literal["local", "ray"] = "local",
    workers: int | None = None, address: str | None = None,
) -> pd.DataFrame:
    """Run ``cfg`` split into ``shards`` contiguous replicate ranges on local processes or
    Ray tasks and merge them: the merged table equals ``canonical(run(cfg))`` bit for bit."""
    _require_rows(cfg, "sharded")
    if shards < 1:
        raise ConfigError(f"invalid shards {shards}; must be >= 1")
    parts = Rows.of(cfg.seed, cfg.replicates).split(shards)
    ranges = [(int(p.replicates[0]), len(p)) for p in parts]
    payload = cfg.model_dump(mode="json")
    if executor == "ray":
        frames = _ray_shards(payload, ranges, workers or len(ranges), address)
    elif executor == "local":
        frames = _local_shards(payload, ranges, workers or len(ranges))
    else:
        raise ConfigError(f"invalid executor {executor!r}; allowed: local, ray")
    return canonical(pd.concat(frames, ignore_index=True))


def _local_shards(payload: dict[str, Any], ranges: list[tuple[int, int]], workers: int
                  ) -> list[pd.DataFrame]:
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    if workers <= 1 or len(ranges) == 1:
        return [_run_shard(payload, a, n) for a, n in ranges]
    ctx = mp.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(workers, len(ranges)), mp_context=ctx) as pool:
        futs = [pool.submit(_run_shard, payload, a, n) for a, n in ranges]
        return [f.result() for f in futs]


@contextlib.contextmanager
def ray_session(workers: int, address: str | None) -> Iterator[Any]:
    """The ``ray`` module with a session: joins a running one, else starts a local instance
    with ``workers`` CPUs (or connects to ``address``) and shuts it down afterwards."""
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
        yield ray
    finally:
        if started:
            ray.shutdown()


def _ray_shards(payload: dict[str, Any], ranges: list[tuple[int, int]], workers: int,
                address: str | None) -> list[pd.DataFrame]:
    with ray_session(workers, address) as ray:
        remote = ray.remote(num_cpus=1)(_run_shard)
        refs = [remote.remote(payload, a, n) for a, n in ranges]
        return [ray.get(r) for r in refs]
