"""Helpers the sequential-decision families share: arms whose Params class gains extra
scenario fields, per-replicate window statistics of a long run table, and the
{arm: {stem_mean, stem_ci_low, stem_ci_high}} summary shape."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, create_model

from looplab.stats import mean_ci


def with_fields(cls: type[BaseModel], **fields: tuple[Any, Any]) -> type[BaseModel]:
    """A subclass of ``cls`` with extra scenario-level fields (e.g. which panel an arm runs
    under); it validates exactly as ``cls`` does for the rest."""
    return create_model(  # type: ignore[call-overload,no-any-return]
        f"{cls.__name__}Arm", __base__=cls, __module__=cls.__module__, **fields
    )


def build(classes: Mapping[str, type[BaseModel]], entry: BaseModel, drop: tuple[str, ...] = (),
          **defaults: Any) -> Any:
    """The algorithm object of a validated arm entry: its class with the entry's parameters
    (minus ``type`` and ``drop``); ``defaults`` fill fields the entry did not set."""
    params = {k: getattr(entry, k) for k in type(entry).model_fields
              if k != "type" and k not in drop and k in entry.model_fields_set}
    cls = classes[entry.type]  # type: ignore[attr-defined]
    for k, v in defaults.items():
        if k in cls.model_fields and k not in params:
            params[k] = v
    return cls(**params)


def summarize_stats(
    frame: pd.DataFrame, stats: Callable[[pd.DataFrame], dict[str, np.ndarray]],
    by: str = "policy",
) -> dict[str, dict[str, float]]:
    """Per arm, mean and 95% t-interval across replicates of each per-replicate statistic."""
    out: dict[str, dict[str, float]] = {}
    for name, df in frame.groupby(by, sort=False):
        row: dict[str, float] = {}
        for key, vals in stats(df).items():
            m, lo, hi = mean_ci(np.asarray(vals, dtype=np.float64))
            row[f"{key}_mean"], row[f"{key}_ci_low"], row[f"{key}_ci_high"] = m, lo, hi
        out[str(name)] = row
    return out


def window_mean(df: pd.DataFrame, col: str, lo: float, hi: float) -> np.ndarray:
    """Per replicate, the mean of ``col`` over rounds in [lo, hi) * rounds."""
    T = int(df["round"].max()) + 1
    sel = df[(df["round"] >= int(lo * T)) & (df["round"] < max(int(hi * T), int(lo * T) + 1))]
    return sel.groupby("replicate")[col].mean().sort_index().to_numpy()


def final(df: pd.DataFrame, col: str) -> np.ndarray:
    """Per replicate, the value of ``col`` in the last round."""
    T = int(df["round"].max())
    return df[df["round"] == T].set_index("replicate").sort_index()[col].to_numpy()
