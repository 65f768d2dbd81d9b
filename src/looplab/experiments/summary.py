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
