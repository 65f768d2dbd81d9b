"""``looplab report``: one self-contained HTML page (figures embedded as PNG data) for every
run in a folder: curves with interval bands, summary tables, the paper claim each scenario
checks and whether it held, and each run's config, seed, versions and git revision."""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from looplab.experiments.claims import check_claims
from looplab.experiments.config import ConfigError
from looplab.experiments.registry import family, kinds
from looplab.experiments.store import (
    RESULTS_FILE,
    CorruptRunError,
    open_results,
    read_manifest,
)
from looplab.stats import format_mean_ci


def _figure_png(frame: pd.DataFrame, panels: tuple[tuple[str, str, bool], ...], title: str) -> str:
    """Base64 PNG of the kind's panels; units are (seed, replicate) pairs."""
    from looplab.report.plots import plot_curves

    buf = io.BytesIO()
    plot_curves(frame, [p for p in panels if p[0] in frame.columns], buf, title=title)
    return base64.b64encode(buf.getvalue()).decode()


def build_report(path: str | Path, title: str | None = None) -> str:
    """The HTML text of the report for every finished run under ``path``."""
    from jinja2 import Environment, select_autoescape

    con = open_results(path)
    query = "SELECT DISTINCT run_dir FROM manifests ORDER BY 1"
    dirs = [r[0] for r in con.execute(query).fetchall()]
    con.close()
    # each run is read on its own, not through DuckDB's union of all runs: different
    # scenario families have different configs and metric columns
    manifests = pd.DataFrame([{"run_dir": d, **read_manifest(Path(d))} for d in dirs])
    frames = {d: _read_results(Path(d)).assign(run_dir=d) for d in dirs}
    scenarios = []
    for name, runs in manifests.groupby("scenario", sort=True):
        first = runs.iloc[0]
        kind = _family_or_none(str(first["kind"]))
        sub = pd.concat([frames[d] for d in runs["run_dir"]], ignore_index=True)
        params = _param_columns(runs)
        groups = []
        for label, gframe, gruns in _split(sub, runs, params):
            units = gframe[["seed", "replicate"]].drop_duplicates()
            # one id per (seed, replicate): the unit curves and summaries are taken over
            gframe = gframe.copy()
            gframe["replicate"] = gframe["seed"].astype(np.int64) * 1_000_000 + gframe[
                "replicate"
            ].astype(np.int64)
            group: dict[str, Any] = {
                "label": label, "n_runs": len(gruns), "units": len(units),
                "seeds": ", ".join(str(s) for s in sorted(gframe["seed"].unique())),
                "headers": [], "rows": [], "claims": [],
            }
            panels = kind.panels if kind is not None else (("reward", "reward", True),)
            group["figure"] = _figure_png(gframe, panels, f"{name} {label}".strip())
            group["extra"] = []
            try:
                if kind is not None:
                    cfg = kind.scenario.model_validate(_record(gruns.iloc[0])["config"])
                    if kind.figures is not None:
                        group["extra"] = [
                            {"caption": cap, "png": base64.b64encode(png).decode()}
                            for cap, png in kind.figures(gframe, cfg)]
                    summary = kind.summarize(gframe, cfg)
                    group["headers"] = [h for h, _ in kind.table]
                    group["rows"] = [
                        {"policy": pol,
                         "cells": [format_mean_ci(row, stem) for _, stem in kind.table]}
                        for pol, row in summary.items()
                    ]
                    if kind.claims:
                        group["claims"] = check_claims(kind.claims, summary)
                        seeds = sorted(gframe["seed"].unique())
                        if len(seeds) > 1:
                            group["claims"] = _seed_verdicts(kind, cfg, gframe, seeds, name)
            except Exception as exc:  # broad on purpose: one bad group must not sink the report
                group["error"] = f"summary unavailable: {type(exc).__name__}: {exc}"
            groups.append(group)
        scenarios.append({
            "name": name, "anchor": f"s-{name}", "claim": first.get("claim") or "",
            "description": _record(first)["config"].get("description", ""),
            "groups": groups,
            "runs": [
                {
                    "dir": r["run_dir"], "seed": _record(r).get("seed"),
                    "git": _record(r).get("git_revision") or "n/a",
                    "created": _record(r).get("created_utc", ""),
                    "record": json.dumps(_record(r), indent=2, sort_keys=True, default=str),
                }
                for _, r in runs.iterrows()
            ],
        })
    from looplab import __version__

    env = Environment(autoescape=select_autoescape(["html", "j2"]))
    template = env.from_string(
        (resources.files("looplab") / "report" / "templates" / "report.html.j2").read_text()
    )
    return template.render(
        title=title or f"looplab report: {Path(path).name}", scenarios=scenarios,
        n_runs=len(manifests), source=str(path), version=__version__,
        generated=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _read_results(folder: Path) -> pd.DataFrame:
    """A run's results table; CorruptRunError naming the file if it cannot be read."""
    try:
        return pd.read_parquet(folder / RESULTS_FILE)
    except Exception as exc:  # broad on purpose: pyarrow raises several types for bad files
        raise CorruptRunError(f"cannot read {folder / RESULTS_FILE}: {type(exc).__name__}; "
                              "delete that run folder or rerun it") from None


def _seed_verdicts(kind: Any, cfg: Any, frame: pd.DataFrame, seeds: list[Any],
                   scenario: str) -> list[dict[str, Any]]:
    """Claims decided over the seeds of a group (each seed's runs summarised on their own),
    with every seed's verdict, in the shape the template lists."""
    from looplab.experiments.claims_run import claims_over_seeds, format_claim_row

    summaries = [kind.summarize(frame[frame["seed"] == s], cfg) for s in seeds]
    out = []
    for rec in claims_over_seeds(kind.claims, scenario, summaries).to_dict(orient="records"):
        cells = format_claim_row(rec)
        per = ", ".join(f"seed {s}: {'held' if h else 'failed'}"
                        for s, h in zip(seeds, rec["per_seed"], strict=True))
        out.append({
            "id": rec["claim"], "claim": rec["statement"], "held": rec["held"],
            "detail": f"rule {rec['rule']}: held on {cells['held']} ({per}); pooled "
            f"{cells['pooled']}, needs {cells['margin']}",
        })
    return out


def _record(row: Any) -> dict[str, Any]:
    return row["record"]


def _param_columns(runs: pd.DataFrame) -> list[str]:
    """Grid parameters of sweep cells (from the manifests' ``params``)."""
    if "params" not in runs.columns:
        return []
    keys: set[str] = set()
    for p in runs["params"]:
        if isinstance(p, dict):
            keys |= {k for k, v in p.items() if v is not None}
    return sorted(keys)


def _split(sub: pd.DataFrame, runs: pd.DataFrame, params: list[str]):
    """Yield (label, frame, runs) per combination of grid parameters."""
    cols = [p for p in params if p in sub.columns]
    if not cols:
        yield "", sub, runs
        return
    for combo, g in sub.groupby(cols, sort=True, dropna=False):
        combo = combo if isinstance(combo, tuple) else (combo,)
        label = ", ".join(f"{k} = {v}" for k, v in zip(cols, combo, strict=True))
        dirs = set(g["run_dir"])
        yield label, g, runs[runs["run_dir"].isin(dirs)]


def write_report(path: str | Path, out: str | Path, title: str | None = None) -> Path:
    """Write the report for ``path`` to ``out`` (atomically) and return ``out``."""
    from looplab.experiments.store import atomic_write_text

    out = Path(out)
    if out.is_dir():
        raise ConfigError(f"-o {out} is a folder; give a file path such as {out / 'report.html'}")
    html = build_report(path, title)  # all reading first: a bad input writes nothing
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out, html)
    return out


def _family_or_none(kind: str) -> Any:
    """The family of ``kind``, or None for a kind no installed family provides."""
    if kind not in kinds():
        return None
    try:
        return family(kind)
    except ConfigError:
        return None
