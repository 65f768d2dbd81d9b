"""Compare policies across every run in a folder: per policy (and grid key) mean and 95%
interval of a metric, and a paired comparison against a baseline policy.

The unit of comparison is one (seed, replicate): every policy of a run sees the same world
instance for the same (seed, replicate), so differences are paired on it. A metric whose
name starts with ``cum_`` is read at the last round; any other is averaged over rounds.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from looplab.experiments.config import ConfigError
from looplab.experiments.store import (
    MANIFEST_FILE,
    CorruptRunError,
    is_complete,
    open_results,
    read_manifest,
)
from looplab.stats import mean_ci, paired_difference

KEY_COLUMNS = {"scenario", "policy", "seed", "replicate", "round", "run_dir"}


def _quote(col: str) -> str:
    return '"' + col.replace('"', '""') + '"'


UNVERSIONED = "unversioned (before per-replicate streams)"


def stream_schemes(path: str | Path) -> dict[str, list[str]]:
    """Random-stream scheme -> the finished run folders under ``path`` made with it (runs
    from before the scheme was recorded count as one unversioned scheme)."""
    out: dict[str, list[str]] = {}
    for m in sorted(Path(path).rglob(MANIFEST_FILE)):
        if not is_complete(m.parent):
            continue
        record = read_manifest(m.parent).get("record") or {}
        scheme = record.get("stream_scheme") if isinstance(record, dict) else None
        out.setdefault(str(scheme or UNVERSIONED), []).append(str(m.parent))
    return out


def check_one_scheme(path: str | Path) -> None:
    """ConfigError if the runs under ``path`` were made with different random-stream
    schemes: their numbers are not comparable bit for bit, so they are not pooled."""
    schemes = stream_schemes(path)
    if len(schemes) > 1:
        parts = "; ".join(f"{k}: {len(v)} run(s), e.g. {v[0]}" for k, v in schemes.items())
        raise ConfigError(f"the runs under {path} mix random-stream schemes ({parts}); "
                          "compare runs of one scheme (rerun the older ones)")


def unit_values(path: str | Path, metric: str, by: list[str] | None = None) -> pd.DataFrame:
    """One row per (scenario, policy, by..., seed, replicate) with the metric's value.
    Runs made under different random-stream schemes are refused, not pooled."""
    if Path(path).exists():
        check_one_scheme(path)
    con = open_results(path)
    cols = {r[0]: r[1] for r in con.execute("DESCRIBE runs").fetchall()}
    numeric = sorted(
        c for c, t in cols.items()
        if c not in KEY_COLUMNS and any(k in t for k in ("DOUBLE", "FLOAT", "INT", "DECIMAL"))
    )
    if metric not in cols or metric in KEY_COLUMNS:
        raise ConfigError(f"unknown --metric {metric!r}; allowed: {', '.join(numeric)}")
    by = list(by or [])
    for key in by:
        if key not in cols:
            # grid keys are the dotted config paths a sweep adds as columns
            allowed = sorted(c for c in cols if "." in c)
            hint = (f"allowed: {', '.join(allowed)}" if allowed else
                    "these runs have no grid keys (a sweep's cells do)")
            raise ConfigError(f"unknown --by {key!r}; {hint}")
    m = _quote(metric)
    agg = f'arg_max({m}, "round")' if metric.startswith("cum_") else f"avg({m})"
    group = ", ".join(["scenario", "policy", *(_quote(k) for k in by), "seed", "replicate"])
    try:
        df = con.execute(
            f"SELECT {group}, {agg} AS value FROM runs GROUP BY {group} ORDER BY {group}"
        ).df()
    except duckdb.Error as exc:  # a damaged file that still has Parquet's magic bytes
        first = str(exc).splitlines()[0]
        raise CorruptRunError(f"cannot read the runs under {path}: {first}") from None
    finally:
        con.close()
    return df


def compare(
    path: str | Path, metric: str = "reward", by: list[str] | None = None,
    baseline: str | None = None,
) -> pd.DataFrame:
    """Per (scenario, by..., policy): n units, mean and 95% t-interval of ``metric``; with a
    ``baseline`` policy also the paired difference (policy - baseline), its interval and
    the paired t-test p-value."""
    by = list(by or [])
    units = unit_values(path, metric, by)
    policies = sorted(units["policy"].unique())
    if baseline is not None and baseline not in policies:
        raise ConfigError(f"unknown --baseline {baseline!r}; allowed: {', '.join(policies)}")
    keys = ["scenario", *by]
    rows = []
    for gkey, grp in units.groupby(keys, sort=True, dropna=False):
        gvals = dict(zip(keys, gkey if isinstance(gkey, tuple) else (gkey,), strict=True))
        base = None
        if baseline is not None:
            base = grp[grp["policy"] == baseline].set_index(["seed", "replicate"])["value"]
        for pol, pg in grp.groupby("policy", sort=False):
            vals = pg["value"].to_numpy(dtype=np.float64)
            m, lo, hi = mean_ci(vals)
            row = {**gvals, "policy": pol, "n": len(vals), "mean": m, "ci_low": lo, "ci_high": hi}
            if base is not None and pol != baseline:
                paired = pg.set_index(["seed", "replicate"])["value"].to_frame("v").join(
                    base.rename("b"), how="inner"
                )
                e = paired_difference(paired["v"].to_numpy(), paired["b"].to_numpy())
                row.update(diff=e.estimate, diff_ci_low=e.low, diff_ci_high=e.high,
                           p_value=e.p_value, n_pairs=e.n)
            rows.append(row)
    return pd.DataFrame(rows)
