"""The replay family (scenario ``kind = "replay"``): looplab's contextual-bandit policies run
offline on the Open Bandit Dataset's uniform-random logs by rejection-sampling replay
(Li et al. 2011; ``looplab.worlds.replay``).

Why not the ``bandit`` family: its worlds are simulators that know every action's expected
reward (its regret and expected-reward monitors read it) and its channel reveals every
decision; on logged data the truth is one click per row, and only decisions that match the
logged item are revealed. The policies, their parameters and the retraining schedule are
the bandit family's, so any policy a bandit scenario can name runs here unchanged.

Every policy replays the same streams (common random numbers: the same seed draws the same
order of rows per replicate). Result table: one row per (policy, block, replicate)
with the kept events, clicks and replay click rate of the block (``round`` = block index,
a block = ``retrain.generation_rounds`` logged events) and the propensity entropy.
Summary per policy, mean across replicates of: replay click rate over the run (``ctr``) and
in the last block, kept events, the click rate minus uniform's on the same streams
(``lift``), propensity entropy. Intervals: with ``resample = "permutation"`` (default) the
replicates replay the same log, so an interval across them would miss the data's sampling
noise; the click-rate intervals are instead the sampling interval of one replay, mean +/-
z sqrt(mean_s c_s (1 - c_s) / k_s) (c_s, k_s: replicate s's click rate and kept events),
and the lift's adds the two policies' variances (ignoring their positive correlation
through shared events: conservative). With ``bootstrap`` replicates are resamples and the
interval across them (Student t) is used -- but see ``worlds.replay`` for its optimism.
"""

from __future__ import annotations

from functools import cache
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator
from scipy import stats

from looplab.core.loop import ProgressHook, row_columns, run
from looplab.core.monitors import PropensityEntropyMonitor
from looplab.core.params import Params
from looplab.core.streams import Rows
from looplab.experiments.config import ScenarioBase
from looplab.families.bandits import POLICIES, PolicyEntry, RetrainSpec, build_policy
from looplab.families.base import Family, frame_bytes
from looplab.ope.log import BanditLog
from looplab.policies.regression_oracles import single_threaded
from looplab.stats import mean_ci
from looplab.worlds.replay import ReplayFeedback, ReplayMonitor, ReplayWorld, replay_value


class OBDSource(Params):
    """Which uniform-random OBD log to replay, and how replicates resample it."""

    type: Literal["obd"] = "obd"
    campaign: Literal["all", "men", "women"] = Field(
        "men", description="ZOZOTOWN campaign: all (80 items), men (34), women (46)")
    resample: Literal["permutation", "bootstrap"] = Field(
        "permutation", description="each replicate's stream: a reordering of the log "
        "(unbiased) or a bootstrap draw (optimistic for memorising learners)")
    position_context: bool = Field(True, description="position one-hot in the context")


class ReplayScenario(ScenarioBase):
    """Contextual-bandit policies replayed on logged uniform-random data."""

    kind: Literal["replay"] = "replay"
    rounds: int = Field(10_000, gt=0, description="logged events per replicate")
    data: OBDSource = OBDSource()
    retrain: RetrainSpec = RetrainSpec(online=True, generation_rounds=2000, window=2000,
                                       delay=0)
    policies: dict[str, PolicyEntry] = Field(  # type: ignore[valid-type]
        default_factory=lambda: {"uniform": {"type": "uniform"},
                                 "linucb": {"type": "linucb"}},
        min_length=1, validate_default=True,
    )

    @model_validator(mode="after")
    def _check(self) -> ReplayScenario:
        g = self.retrain.generation_rounds
        if self.rounds % g:
            raise ValueError(f"rounds ({self.rounds}) must be a multiple of "
                             f"retrain.generation_rounds ({g}), the reporting block")
        if self.retrain.delay != 0:
            raise ValueError("retrain.delay must be 0: replay reveals a kept event at once")
        if "uniform" not in {getattr(p, "type", None) for p in self.policies.values()}:
            raise ValueError("policies: include a 'uniform' policy (the reference the lift "
                             "is measured against)")
        for name, entry in self.policies.items():
            if self.retrain.online and entry.oracle.type == "hgb":
                raise ValueError(f"policies.{name}.oracle: the hgb oracle retrains only at "
                                 "generation boundaries; set retrain.online = false")
        return self

    @property
    def blocks(self) -> int:
        return self.rounds // self.retrain.generation_rounds


@cache
def _obd_log(campaign: str, position_context: bool) -> BanditLog:
    from looplab.data.obd import load_obd

    return load_obd("random", campaign, position_context).log


def build_world(cfg: ReplayScenario) -> ReplayWorld:
    """The replay world over the scenario's uniform-random log."""
    return ReplayWorld(_obd_log(cfg.data.campaign, cfg.data.position_context),
                       cfg.data.resample)


def memory_estimate(cfg: ReplayScenario) -> int:
    """Coarse peak bytes: the OBD log (~100 MiB read, the men campaign's is smaller) and
    each replicate's resampled stream of ``rounds`` events (~64 float columns), per policy."""
    S, P = cfg.replicates, len(cfg.policies)
    return 100 * 2**20 + 8 * 64 * S * cfg.rounds * 2 + frame_bytes(cfg.rounds * S * P, 8)


def progress_total(cfg: ReplayScenario) -> int:
    """Progress units (logged events) the run will report."""
    return cfg.rounds * len(cfg.policies)


def run_replay(cfg: ReplayScenario, progress: ProgressHook | None = None,
               rows: Rows | None = None) -> pd.DataFrame:
    """Replay every policy on the same streams; one row per (policy, block, replicate)."""
    world = build_world(cfg)
    n = len(world.log)
    if cfg.rounds > n:
        raise ValueError(f"rounds ({cfg.rounds}) must be <= {n}, the log's length")
    rows = rows if rows is not None else Rows.of(cfg.seed, cfg.replicates)
    B, g, S = cfg.blocks, cfg.retrain.generation_rounds, len(rows)
    frames = []
    for name, entry in cfg.policies.items():
        policy = build_policy(name, entry, cfg.retrain)
        with single_threaded():
            res = run(world, policy, ReplayFeedback(),
                      [ReplayMonitor(), PropensityEntropyMonitor()], cfg.rounds, S, cfg.seed,
                      rows=rows, progress=progress, progress_every=min(500, g))
        kept = res.metrics["matched"].reshape(B, g, S).sum(axis=1)
        clicks = res.metrics["replay_reward"].reshape(B, g, S).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            ctr = np.where(kept > 0, clicks / np.maximum(kept, 1), np.nan)
        frames.append(pd.DataFrame({
            "policy": name,
            "round": np.repeat(np.arange(B), S).astype(np.int32),
            **row_columns(rows, B),
            "kept": kept.ravel(), "clicks": clicks.ravel(), "ctr": ctr.ravel(),
            "propensity_entropy": res.metrics["propensity_entropy"].reshape(B, g, S)
            .mean(axis=1).ravel(),
        }))
    return pd.concat(frames, ignore_index=True)


def _per_block(df: pd.DataFrame, metric: str) -> np.ndarray:
    return df.pivot(index="round", columns="replicate", values=metric).to_numpy()


def _binomial_var(kept: np.ndarray, clicks: np.ndarray) -> np.ndarray:
    """(S,) sampling variance of each replicate's replay click rate, c (1 - c) / k."""
    k = kept.sum(axis=0)
    c = replay_value(kept, clicks)
    return np.where(k > 0, c * (1 - c) / np.maximum(k, 1), np.nan)


def summarize_replay(frame: pd.DataFrame, cfg: ReplayScenario) -> dict[str, dict[str, float]]:
    """Per policy: replay click rate over the run and in the last block, kept events, lift
    over uniform (paired by replicate), propensity entropy: means and 95% intervals (module
    docstring: click-rate intervals are single-replay sampling intervals for permutation
    streams)."""
    z = float(stats.norm.ppf(0.975))
    shared = cfg.data.resample == "permutation"
    ref_name = next(k for k, p in cfg.policies.items() if p.type == "uniform")
    groups = dict(tuple(frame.groupby("policy", sort=False)))
    ref = groups[ref_name]
    ref_k, ref_c = _per_block(ref, "kept"), _per_block(ref, "clicks")
    ref_ctr, ref_var = replay_value(ref_k, ref_c), _binomial_var(ref_k, ref_c)
    out: dict[str, dict[str, float]] = {}
    for name, df in groups.items():
        kept, clicks = _per_block(df, "kept"), _per_block(df, "clicks")
        ctr, var = replay_value(kept, clicks), _binomial_var(kept, clicks)
        last_var = _binomial_var(kept[-1:], clicks[-1:])
        stats_ = {
            "ctr": (ctr, var),
            "final_ctr": (replay_value(kept[-1:], clicks[-1:]), last_var),
            "kept": (kept.sum(axis=0), None),
            "lift": (ctr - ref_ctr, var + ref_var if name != ref_name else 0 * var),
            "propensity_entropy": (_per_block(df, "propensity_entropy").mean(axis=0), None),
        }
        row: dict[str, float] = {}
        for key, (vals, v2) in stats_.items():
            ok = np.isfinite(vals)
            if not ok.any():
                m = lo = hi = float("nan")
            elif shared and v2 is not None:
                m = float(vals[ok].mean())
                h = z * float(np.sqrt(np.nanmean(v2[ok])))
                lo, hi = m - h, m + h
            else:
                m, lo, hi = mean_ci(vals[ok])
            row[f"{key}_mean"], row[f"{key}_ci_low"], row[f"{key}_ci_high"] = m, lo, hi
        out[str(name)] = row
    return out


FAMILY = Family(
    name="replay",
    description="contextual-bandit policies replayed on logged uniform-random data "
    "(Open Bandit Dataset; rejection sampling, Li et al. 2011)",
    scenario=ReplayScenario,
    run=run_replay,
    replicate_rows=True,
    summarize=summarize_replay,
    progress_total=progress_total,
    memory_estimate=memory_estimate,
    table=(("replay CTR", "ctr"), ("last block CTR", "final_ctr"),
           ("lift vs uniform", "lift"), ("kept events", "kept"),
           ("propensity entropy", "propensity_entropy")),
    panels=(("ctr", "replay click rate per block", False),
            ("kept", "kept events per block", False)),
    worlds={"obd": "Open Bandit Dataset uniform-random log (obp 0.4.1 wheel), replayed"},
    policies=POLICIES,
)
