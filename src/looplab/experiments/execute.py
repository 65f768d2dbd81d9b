"""Run one validated scenario and write its results: the step shared by ``looplab run``
and every sweep cell. Also the resource check that refuses a run that cannot fit."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pandas as pd

from looplab.core.loop import ProgressHook
from looplab.core.record import run_record
from looplab.experiments import store
from looplab.experiments.config import ConfigError, ScenarioBase
from looplab.experiments.registry import family

_UNITS = {"": 1, "b": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def parse_size(text: str) -> int:
    """``"4G"``, ``"512MiB"``, ``"1.5g"`` or a plain byte count -> bytes."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmgtKMGT]?)(?:i?[bB])?\s*", str(text))
    if m is None or float(m.group(1)) <= 0:
        raise ConfigError(f"invalid --max-memory {text!r}; give a size such as 4G, 512M or "
                          "a byte count")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def format_size(n: float) -> str:
    """Bytes as a short human string (``1.5 GiB``)."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"  # pragma: no cover


def available_memory() -> int | None:
    """Bytes the machine can give a new allocation now (psutil if installed, else
    /proc/meminfo's MemAvailable); None if neither can tell."""
    try:
        import psutil

        return int(psutil.virtual_memory().available)
    except Exception:  # broad on purpose: psutil missing or unsupported here
        pass
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def memory_estimate(cfg: ScenarioBase) -> int:
    """The family's estimate of the run's peak memory in bytes (the output table's size if
    the family gives none)."""
    from looplab.families.base import frame_bytes

    fam = family(cfg.kind)
    if fam.memory_estimate is not None:
        return int(fam.memory_estimate(cfg))
    arms = len(getattr(cfg, "policies", None) or getattr(cfg, "arms", None) or [1])
    return frame_bytes(cfg.rounds * cfg.replicates * arms)


def check_memory(cfg: ScenarioBase, limit: int | None = None, share: int = 1) -> int:
    """Refuse (ConfigError, one line stating the estimate) a run whose estimated peak memory
    exceeds ``limit`` or the available memory divided among ``share`` parallel runs; return
    the estimate. Nothing is allocated: the estimate comes from the config alone."""
    try:
        est = memory_estimate(cfg)
    except OverflowError:
        est = 2**63
    what = (f"{cfg.name}: estimated peak memory {format_size(est)} "
            f"({cfg.rounds} rounds x {cfg.replicates} replicates)")
    hint = "lower rounds, replicates or the world's sizes"
    if limit is not None and est > limit:
        raise ConfigError(f"{what} exceeds --max-memory {format_size(limit)}; {hint}")
    avail = available_memory()
    if avail is not None and est > avail // max(1, share):
        per = f" for each of {share} parallel cells" if share > 1 else ""
        raise ConfigError(f"{what} exceeds the {format_size(avail)} available{per}; {hint} "
                          "(or free memory)")
    return est


def execute_scenario(
    cfg: ScenarioBase,
    out: Path,
    progress: ProgressHook | None = None,
    extra_columns: dict[str, Any] | None = None,
    extra_manifest: dict[str, Any] | None = None,
    plot: bool = True,
    frame: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, dict[str, dict[str, float]], Path | None]:
    """Run ``cfg`` (or take its already computed long table ``frame``, e.g. from a packed
    batch of seeds), write results.parquet (+ plot.png) + manifest.json into ``out``; return
    the frame, the per-arm summary and the plot path. The manifest is the last file
    written, so a folder with a manifest holds everything the run writes."""
    kind = family(cfg.kind)
    if frame is None:
        if kind.checkpoint is not None:
            out.mkdir(parents=True, exist_ok=True)
            cfg = kind.checkpoint(cfg, out)
        frame = kind.run(cfg, progress)
    summary = kind.summarize(frame, cfg)
    manifest: dict[str, Any] = {
        "scenario": cfg.name,
        "kind": cfg.kind,
        "claim": cfg.claim,
        "record": run_record(cfg.model_dump(mode="json"), cfg.seed, cfg.replicates),
        "summary": summary,
        **(extra_manifest or {}),
    }
    frame.insert(0, "scenario", cfg.name)
    frame.insert(1, "seed", cfg.seed)
    for key, value in (extra_columns or {}).items():
        frame[key] = value
    store.write_results(out, frame)
    plot_path = None
    if plot:
        from looplab.report.plots import plot_curves

        target = out / "plot.png"
        tmp = out / f".plot.{os.getpid()}.png.tmp"
        try:
            plot_curves(frame, kind.panels, tmp, title=cfg.name)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        plot_path = target
    store.write_manifest(out, manifest)
    return frame, summary, plot_path
