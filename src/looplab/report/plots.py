"""Curves over rounds with 95% across-replicate bands, one line per arm of an experiment."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from looplab.stats import mean_ci_along


def _band(wide: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and 95% t-interval across columns (replicates) for each row (round); with one
    replicate the band collapses onto the mean line."""
    if wide.shape[1] < 2:
        m = wide.mean(axis=1)
        return m, m, m
    return mean_ci_along(wide, axis=1)


def plot_curves(
    frame: pd.DataFrame,
    panels: Sequence[tuple[str, str, bool]],
    out: Path | IO[bytes],
    by: str = "policy",
    title: str = "",
) -> Path | IO[bytes]:
    """One panel per (metric, label, smooth) with a line and shaded band per ``by`` value.
    ``smooth`` applies a rolling mean over ~2% of the rounds. Writes a PNG to ``out`` (a path
    or a binary file object). Panels whose metric the frame lacks, or holds only as NaN, are
    left out (a family whose worlds or arms record different metrics); with none left the
    figure says so."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [p for p in panels if p[0] in frame.columns and frame[p[0]].notna().any()]
    if not panels:
        fig, ax = plt.subplots(figsize=(5.5, 2))
        ax.axis("off")
        ax.text(0.5, 0.5, "no per-round metrics in this scenario", ha="center", va="center")
        if title:
            fig.suptitle(title)
        if isinstance(out, Path):
            out.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out, dpi=110, format="png")
        plt.close(fig)
        return out
    fig, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 4), squeeze=False)
    for ax, (metric, label, smooth) in zip(axes[0], panels, strict=True):
        for name, df in frame.groupby(by, sort=False):
            wide = df.pivot(index="round", columns="replicate", values=metric)
            if smooth:
                wide = wide.rolling(max(1, len(wide) // 50), min_periods=1).mean()
            m, lo, hi = _band(wide.to_numpy())
            x = wide.index.to_numpy()
            ax.plot(x, m, label=str(name), lw=1.4)
            ax.fill_between(x, lo, hi, alpha=0.2)
        ax.set_xlabel("round")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if isinstance(out, Path):
        out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110, format="png")
    plt.close(fig)
    return out
