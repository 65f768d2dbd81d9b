"""One statistics vocabulary: every interval looplab reports is an ``Estimate`` made here.

* ``mean_ci`` / ``mean_estimate``: mean with a Student-t interval, mean +/- t_{n-1, 1-a/2}
  s / sqrt(n) (s the ddof=1 standard deviation); the across-replicate summary of every
  family. One value gives NaN bounds (no spread to estimate).
* ``normal_interval``: estimate +/- z_{1-a/2} se for an estimator with a known standard error
  (the off-policy estimators; large-sample normal approximation).
* ``wilson``: the Wilson score interval for a proportion (Wilson 1927; Newcombe 1998 method
  3), via ``scipy.stats.binomtest(...).proportion_ci(method="wilson")``; fractional counts
  (a tie counted as half a success) use the same closed form. ``newcombe``: the interval of a
  difference of two independent proportions from their Wilson intervals (Newcombe 1998
  method 10, the "square-and-add" interval).
* ``bootstrap`` / ``bootstrap_intervals``: resampling intervals through
  ``scipy.stats.bootstrap``: ``percentile``, ``basic``, ``bca`` (Efron 1987, bias-corrected
  and accelerated) and ``expanded`` (Hesterberg 2015, "What teachers should know about the
  bootstrap", sec. 4.2: the percentile interval of a mean under-covers at small n because
  it ignores the t-vs-normal and the sqrt(n/(n-1)) variance corrections; the expanded
  interval reads the percentiles at the tail probability a' = 2 Phi(-sqrt(n/(n-1))
  t_{n-1, 1-a/2}) instead of a, so it is as wide as a t-interval in the normal case).
* ``paired_difference``: mean of a - b over paired units with its t-interval and the paired
  t-test p-value.
* ``summary_frame``: any collection of estimates as one pandas DataFrame.

``format_mean_ci`` renders a summary row's ``<stem>_mean/_ci_low/_ci_high`` as "m ± h".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

METHODS = ("percentile", "basic", "bca", "expanded")

Array = np.ndarray


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its two-sided interval at ``level`` from ``n`` units.

    ``method`` names how the interval was made ("t", "normal", "wilson", "newcombe",
    "percentile", "basic", "bca", "expanded", "paired-t", or "none" for a bare value); ``se``
    is the standard error where the method has one and ``p_value`` the p-value of the test
    of estimate = 0 where it has one (NaN otherwise)."""

    estimate: float
    low: float
    high: float
    n: int
    method: str
    level: float
    se: float = math.nan
    p_value: float = math.nan

    @property
    def half_width(self) -> float:
        """(high - low) / 2."""
        return (self.high - self.low) / 2

    def as_tuple(self) -> tuple[float, float, float]:
        """(estimate, low, high)."""
        return self.estimate, self.low, self.high

    def covers(self, x: float) -> bool:
        """Whether low <= x <= high."""
        return bool(self.low <= x <= self.high)


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level}")


# ---------------------------------------------------------------------------- t and normal
def mean_ci(values: Any, level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high): Student-t interval across replicates; NaN bounds for one value."""
    x = np.asarray(values, dtype=np.float64)
    m = float(x.mean())
    if x.size < 2:
        return m, float("nan"), float("nan")
    se = float(x.std(ddof=1) / np.sqrt(x.size))
    h = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * se)
    return m, m - h, m + h


def mean_estimate(values: Any, level: float = 0.95) -> Estimate:
    """``mean_ci`` as an ``Estimate`` (method "t"); an empty input gives NaNs and n = 0."""
    _check_level(level)
    x = np.asarray(values, dtype=np.float64).ravel()
    if x.size == 0:
        return Estimate(math.nan, math.nan, math.nan, 0, "t", level)
    m, lo, hi = mean_ci(x, level)
    se = float(x.std(ddof=1) / np.sqrt(x.size)) if x.size > 1 else math.nan
    return Estimate(m, lo, hi, int(x.size), "t", level, se)


def mean_ci_along(values: Any, axis: int = -1, level: float = 0.95
                  ) -> tuple[Array, Array, Array]:
    """``mean_ci`` of every slice along ``axis`` at once: (mean, low, high) arrays (e.g. the
    across-replicate band of a curve, one interval per round); NaN bounds for one value."""
    x = np.asarray(values, dtype=np.float64)
    n = x.shape[axis]
    m = x.mean(axis=axis)
    if n < 2:
        nan = np.full_like(m, np.nan)
        return m, nan, nan.copy()
    h = stats.t.ppf(0.5 + level / 2, n - 1) * (x.std(axis=axis, ddof=1) / np.sqrt(n))
    return m, m - h, m + h


def normal_interval(estimate: float, se: float, n: int, level: float = 0.95,
                    method: str = "normal") -> Estimate:
    """estimate +/- z_{(1+level)/2} se (large-sample normal approximation)."""
    _check_level(level)
    z = float(stats.norm.ppf(0.5 + level / 2))
    return Estimate(float(estimate), float(estimate - z * se), float(estimate + z * se), int(n),
                    method, level, float(se))


def paired_difference(a: Any, b: Any, level: float = 0.95) -> Estimate:
    """Mean of a - b over paired units with its t-interval (method "paired-t") and the
    paired t-test p-value (NaN with fewer than two pairs or no spread in the differences)."""
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"paired_difference needs equal shapes, got {x.shape} and {y.shape}")
    d = x - y
    if d.size == 0:
        return Estimate(math.nan, math.nan, math.nan, 0, "paired-t", level)
    e = mean_estimate(d, level)
    p = float(stats.ttest_rel(x, y).pvalue) if d.size > 1 and np.ptp(d) > 0 else math.nan
    return Estimate(e.estimate, e.low, e.high, e.n, "paired-t", level, e.se, p)


# ---------------------------------------------------------------------------- proportions
def wilson(count: float, n: int, level: float = 0.95) -> Estimate:
    """Wilson score interval of the proportion count / n (NaN for n = 0). An integer count
    goes through ``scipy.stats.binomtest``; a fractional one (ties counted 1/2) uses the
    same closed form, center +/- z / (2 (n + z^2)) sqrt(4 n p q + z^2) with center
    (2 n p + z^2) / (2 (n + z^2)) (Newcombe 1998, eq. 3)."""
    _check_level(level)
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan, 0, "wilson", level)
    if not 0 <= count <= n:
        raise ValueError(f"count must be in [0, n={n}], got {count}")
    p = count / n
    if float(count).is_integer():
        ci = stats.binomtest(int(count), int(n)).proportion_ci(level, method="wilson")
        return Estimate(float(p), float(ci.low), float(ci.high), int(n), "wilson", level)
    z = float(special.ndtri(0.5 + 0.5 * level))  # as scipy's binomtest does
    denom = 2 * (n + z**2)
    center = (2 * n * p + z**2) / denom
    delta = z / denom * math.sqrt(4 * n * p * (1 - p) + z**2)
    return Estimate(float(p), center - delta, center + delta, int(n), "wilson", level)


def newcombe(count1: float, n1: int, count2: float, n2: int, level: float = 0.95) -> Estimate:
    """Interval of p1 - p2 for two independent proportions from their Wilson intervals
    (l_i, u_i): d - sqrt((p1 - l1)^2 + (u2 - p2)^2), d + sqrt((u1 - p1)^2 + (p2 - l2)^2)
    (Newcombe 1998, "Interval estimation for the difference between independent
    proportions", method 10). ``n`` is n1 + n2."""
    w1, w2 = wilson(count1, n1, level), wilson(count2, n2, level)
    if n1 == 0 or n2 == 0:
        return Estimate(math.nan, math.nan, math.nan, n1 + n2, "newcombe", level)
    d = w1.estimate - w2.estimate
    lo = d - math.sqrt((w1.estimate - w1.low) ** 2 + (w2.high - w2.estimate) ** 2)
    hi = d + math.sqrt((w1.high - w1.estimate) ** 2 + (w2.estimate - w2.low) ** 2)
    return Estimate(d, lo, hi, n1 + n2, "newcombe", level)


# ------------------------------------------------------------------------------ bootstrap
def expanded_tail(n: int, level: float) -> float:
    """Hesterberg's expanded tail probability a' = 2 Phi(-sqrt(n/(n-1)) t_{n-1, 1-a/2}) for
    a = 1 - level (a itself for n < 2)."""
    a = 1.0 - level
    if n < 2:
        return a
    return float(2 * stats.norm.sf(math.sqrt(n / (n - 1)) * stats.t.ppf(1 - a / 2, n - 1)))


def bootstrap_intervals(
    data: Any,
    statistic: Callable[..., Any] = np.mean,
    *,
    levels: Sequence[float] = (0.95,),
    method: str = "percentile",
    n_resamples: int = 9999,
    rng: np.random.Generator | None = None,
    paired: bool = False,
    axis: int = -1,
) -> list[Estimate]:
    """Bootstrap intervals of ``statistic`` at every level in ``levels`` from ONE set of
    resamples (``scipy.stats.bootstrap``). ``data`` is one sample (an array) or a tuple of
    samples; ``statistic(*samples, axis=...)`` must be vectorized (numpy reductions are);
    ``paired`` resamples the samples' units together. A single sample with fewer than two
    units, or all units equal, has a point-mass bootstrap distribution: the interval is the
    estimate itself. ``method`` is one of percentile, basic, bca, expanded (see module).
    Clustered data (e.g. a judge's verdicts grouped by item): pass one value per cluster
    (the cluster mean), so whole clusters are resampled (the cluster bootstrap, Davison &
    Hinkley 1997 sec. 3.8, strategy 1 for equal-size clusters)."""
    if method not in METHODS:
        raise ValueError(f"unknown bootstrap method {method!r}; allowed: {', '.join(METHODS)}")
    for lv in levels:
        _check_level(lv)
    arrays = tuple(np.asarray(a) for a in data) if isinstance(data, tuple) else (np.asarray(data),)
    est = float(statistic(*arrays, axis=axis))
    n = int(arrays[0].shape[axis])
    first = arrays[0]
    if len(arrays) == 1 and (n < 2 or bool(np.all(first == first.flat[0]))):
        return [Estimate(est, est, est, n, method, lv, 0.0) for lv in levels]
    scipy_method = {"bca": "BCa", "expanded": "percentile"}.get(method, method)
    res = stats.bootstrap(arrays, statistic, n_resamples=n_resamples, method=scipy_method,
                          confidence_level=levels[0], rng=rng, vectorized=True, paired=paired,
                          axis=axis)
    out = []
    for i, lv in enumerate(levels):
        if method == "expanded":
            a = expanded_tail(n, lv)
            lo, hi = np.quantile(res.bootstrap_distribution, [a / 2, 1 - a / 2])
        elif i == 0:
            lo, hi = res.confidence_interval
        else:  # same resamples, another level
            lo, hi = stats.bootstrap(arrays, statistic, n_resamples=0, method=scipy_method,
                                     confidence_level=lv, bootstrap_result=res, rng=rng,
                                     vectorized=True, paired=paired,
                                     axis=axis).confidence_interval
        se = float(np.std(res.bootstrap_distribution, ddof=1))
        out.append(Estimate(est, float(lo), float(hi), n, method, lv, se))
    return out


def bootstrap(
    data: Any,
    statistic: Callable[..., Any] = np.mean,
    *,
    level: float = 0.95,
    method: str = "percentile",
    n_resamples: int = 9999,
    rng: np.random.Generator | None = None,
    paired: bool = False,
    axis: int = -1,
) -> Estimate:
    """One bootstrap interval of ``statistic`` (see ``bootstrap_intervals``)."""
    return bootstrap_intervals(data, statistic, levels=(level,), method=method,
                               n_resamples=n_resamples, rng=rng, paired=paired, axis=axis)[0]


# ------------------------------------------------------------------------------ tables
def summary_frame(
    estimates: Mapping[Any, Estimate] | Sequence[Estimate], key: str | Sequence[str] = "name"
) -> pd.DataFrame:
    """One row per estimate: the ``key`` column(s) (from a mapping's keys; tuple keys fill
    several columns) then estimate, low, high, n, method, level, se, p_value."""
    fields = ["estimate", "low", "high", "n", "method", "level", "se", "p_value"]
    if isinstance(estimates, Mapping):
        keys = [key] if isinstance(key, str) else list(key)
        rows = []
        for k, e in estimates.items():
            kv = k if isinstance(k, tuple) else (k,)
            if len(kv) != len(keys):
                raise ValueError(f"key {k!r} does not match the key columns {keys}")
            rows.append({**dict(zip(keys, kv, strict=True)), **asdict(e)})
        return pd.DataFrame(rows, columns=[*keys, *fields])
    return pd.DataFrame([asdict(e) for e in estimates], columns=fields)


def format_mean_ci(row: Mapping[str, float], stem: str) -> str:
    """``"mean ± half-width"`` of a summary row's ``<stem>_mean/_ci_low/_ci_high``; the mean
    alone without an interval, ``-`` if the metric is absent."""
    m, lo, hi = row.get(f"{stem}_mean"), row.get(f"{stem}_ci_low"), row.get(f"{stem}_ci_high")
    if m is None:
        return "-"
    if lo is None or hi is None or np.isnan(lo):
        return f"{m:.4g}"
    return f"{m:.4g} ± {(hi - lo) / 2:.2g}"
