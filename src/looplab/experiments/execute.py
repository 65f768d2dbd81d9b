"""Run one validated scenario and write its results: the step shared by ``looplab run``
and every sweep cell."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from looplab.core.loop import ProgressHook
from looplab.core.record import run_record
from looplab.experiments import store
from looplab.experiments.config import ScenarioBase
from looplab.experiments.registry import family


def execute_scenario(
    cfg: ScenarioBase,
    out: Path,
    progress: ProgressHook | None = None,
    extra_columns: dict[str, Any] | None = None,
    extra_manifest: dict[str, Any] | None = None,
    plot: bool = True,
) -> tuple[pd.DataFrame, dict[str, dict[str, float]], Path | None]:
    """Run ``cfg``, write results.parquet + manifest.json (+ plot.png) into ``out``; return
    the frame, the per-arm summary and the plot path."""
    kind = family(cfg.kind)
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
    store.write_run(out, frame, manifest)
    plot_path = None
    if plot:
        from looplab.report.plots import plot_curves

        plot_path = plot_curves(frame, kind.panels, out / "plot.png", title=cfg.name)
    return frame, summary, plot_path
