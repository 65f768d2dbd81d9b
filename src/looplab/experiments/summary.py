"""Across-replicate summaries: means with 95% t-intervals."""

from __future__ import annotations

import numpy as np
from scipy import stats


def mean_ci(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high): Student-t interval across replicates; NaN bounds for one replicate."""
    x = np.asarray(values, dtype=np.float64)
    m = float(x.mean())
    if x.size < 2:
        return m, float("nan"), float("nan")
    se = float(x.std(ddof=1) / np.sqrt(x.size))
    h = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * se)
    return m, m - h, m + h


def format_mean_ci(row: dict[str, float], stem: str) -> str:
    """``"mean ± half-width"`` of a summary row's ``<stem>_mean/_ci_low/_ci_high``; the mean
    alone without an interval, ``-`` if the metric is absent."""
    m, lo, hi = row.get(f"{stem}_mean"), row.get(f"{stem}_ci_low"), row.get(f"{stem}_ci_high")
    if m is None:
        return "-"
    if lo is None or hi is None or np.isnan(lo):
        return f"{m:.4g}"
    return f"{m:.4g} ± {(hi - lo) / 2:.2g}"
