"""The improve family's report figures (beyond the per-round panels): exact pass@N against N
of the final policy vs the base model, entropy over iterations, judge accuracy over
iterations on the policy's own vs base-model samples (SPARK's self-judging bias), and
measured accuracy against chain length (the trained chain-of-thought study).

Every figure is drawn only when the long table holds its metric; lines are means over
units (the ``replicate`` column) with 95% t-interval bands. matplotlib is imported lazily.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from looplab.improve.verifier_loop import CURVE_PREFIX
from looplab.stats import mean_ci_along


def _band(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and 95% interval over units (axis 0) of (units, x) values."""
    if rows.shape[0] < 2:
        m = rows.mean(0)
        return m, m, m
    m, lo, hi = mean_ci_along(rows, axis=0)
    return m, lo, hi


def _png(draw: Callable[[Any], None], n_panels: int, title: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, n_panels, figsize=(5.5 * n_panels, 4), squeeze=False)
    draw(axes[0])
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, dpi=100, format="png")
    plt.close(fig)
    return buf.getvalue()


def _curve_columns(frame: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    cols = [c for c in frame.columns if c.startswith(CURVE_PREFIX)]
    ns = np.array([int(c[len(CURVE_PREFIX):]) for c in cols])
    order = np.argsort(ns)
    return ns[order], [cols[i] for i in order]


def pass_curve_figure(frame: pd.DataFrame, title: str = "") -> bytes | None:
    """One panel per world: exact pass@N for every recorded N of each arm's final policy,
    and of the base model (round 0, dashed)."""
    ns, cols = _curve_columns(frame)
    if not cols:
        return None
    worlds = [w for w, g in frame.groupby("world", sort=False) if g[cols].notna().any().any()]
    if not worlds:
        return None

    def draw(axes: Any) -> None:
        for ax, w in zip(axes, worlds, strict=True):
            g = frame[frame["world"] == w]
            base_done = False
            for pol, df in g.groupby("policy", sort=False):
                first = df[df["round"] == df["round"].min()].sort_values("replicate")
                last = df[df["round"] == df["round"].max()].sort_values("replicate")
                if not base_done and first[cols].notna().all().all():
                    m, lo, hi = _band(first[cols].to_numpy(np.float64))
                    ax.plot(ns, m, "k--", lw=1.6, label="base model", zorder=5)
                    ax.fill_between(ns, lo, hi, color="k", alpha=0.08, zorder=4)
                    base_done = True
                vals = last[cols].to_numpy(np.float64)
                if np.isnan(vals).all():
                    continue
                m, lo, hi = _band(vals)
                ax.plot(ns, m, lw=1.4, label=f"{pol} (final)")
                ax.fill_between(ns, lo, hi, alpha=0.2)
            ax.set_xscale("log", base=2)
            ax.set_xlabel("N (samples)")
            ax.set_ylabel("pass@N (exact)")
            ax.set_title(f"world {w}")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8)

    return _png(draw, len(worlds), title)


def _over_rounds(frame: pd.DataFrame, metrics: list[tuple[str, str]], ylabel: str,
                 title: str) -> bytes | None:
    """One panel: each (policy, metric) line over rounds, where it has any value."""
    present = [(m, style) for m, style in metrics if m in frame.columns]
    lines = [(pol, m, style, df) for pol, df in frame.groupby("policy", sort=False)
             for m, style in present if df[m].notna().any()]
    if not lines:
        return None

    def draw(axes: Any) -> None:
        ax = axes[0]
        colors: dict[str, str] = {}  # one colour per arm, one line style per metric
        for pol, m, style, df in lines:
            wide = df.pivot(index="round", columns="replicate", values=m).dropna(how="all")
            mu, lo, hi = _band(wide.to_numpy(np.float64).T)
            x = wide.index.to_numpy()
            label = pol if len(present) == 1 else f"{pol}: {m}"
            color = colors.setdefault(str(pol), f"C{len(colors)}")
            ax.plot(x, mu, style, color=color, lw=1.4, label=label)
            ax.fill_between(x, lo, hi, color=color, alpha=0.12)
        ax.set_xlabel("iteration (round)")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)

    return _png(draw, 1, title)


def chain_length_figure(frame: pd.DataFrame, title: str = "") -> bytes | None:
    """One panel per difficulty D: measured chain accuracy against chain length k."""
    cols = sorted((c for c in frame.columns if re.fullmatch(r"acc_D\d+", c)),
                  key=lambda c: int(c[5:]))
    if not cols:
        return None

    def draw(axes: Any) -> None:
        for ax, c in zip(axes, cols, strict=True):
            for pol, df in frame.groupby("policy", sort=False):
                wide = df.pivot(index="round", columns="replicate", values=c).dropna(how="all")
                if wide.empty:
                    continue
                mu, lo, hi = _band(wide.to_numpy(np.float64).T)
                x = wide.index.to_numpy()
                ax.plot(x, mu, "o-", ms=3, lw=1.4, label=str(pol))
                ax.fill_between(x, lo, hi, alpha=0.2)
            ax.set_xlabel("chain length k (steps)")
            ax.set_ylabel("accuracy")
            ax.set_title(f"difficulty D = {c[5:]}")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=8)

    return _png(draw, len(cols), title)


def improve_figures(frame: pd.DataFrame, cfg: Any) -> list[tuple[str, bytes]]:
    """(caption, PNG) of every improve figure the table has data for."""
    out: list[tuple[str, bytes | None]] = [
        ("pass@N against N (exact, N = 1..{}) of each arm's final policy and of the base "
         "model".format(getattr(cfg, "pass_curve", "")), pass_curve_figure(frame)),
        ("entropy over iterations (nats)",
         _over_rounds(frame, [("entropy", "-")], "entropy (nats)", "")),
        ("judge accuracy over iterations: on the policy's own samples (solid) and on "
         "base-model samples (dashed)",
         _over_rounds(frame, [("judge_acc_on", "-"), ("judge_acc_off", "--")],
                      "judge accuracy", "")),
        ("accuracy against chain-of-thought length (trained step models)",
         chain_length_figure(frame)),
    ]
    return [(cap, png) for cap, png in out if png is not None]
