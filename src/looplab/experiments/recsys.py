"""The source echo chamber experiment: the recommender loop with and without the paper's
black-box debiasing, one row per (arm, stage, replicate)."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from threadpoolctl import threadpool_limits

from looplab.core.channels import BanditFeedback
from looplab.core.loop import ProgressHook, run
from looplab.core.monitors import RewardMonitor
from looplab.core.seeding import child_seed
from looplab.experiments.config import ScenarioBase
from looplab.experiments.summary import mean_ci
from looplab.policies.pooled_dot import PooledDotRecommender, RecommenderConfig
from looplab.remedies.source_debias import SourceDebias
from looplab.worlds.recsys import (
    LOG_SIGNALS,
    RecsysConfig,
    RecsysWorld,
    SourceRankingMonitor,
    SourceShareMonitor,
)

ARMS = ("baseline", "debiased")

POLICY_DESCRIPTIONS = {
    "baseline": "pooled-history dot-product recommender refit on its own clicks each stage",
    "debiased": "the same, trained with the black-box source-debias regulariser "
    "(L1 score invariance to rewriting items and histories + entropy; Zhou et al.)",
}


class DebiasSpec(BaseModel):
    """Weights of the debias regulariser (paper defaults)."""

    model_config = ConfigDict(extra="forbid")
    news_weight: float = Field(1.0, ge=0.0)
    user_weight: float = Field(0.01, ge=0.0)
    rewrite_prob: float = Field(0.5, ge=0.0, le=1.0)


class EchoChamberScenario(ScenarioBase):
    """A source echo chamber scenario: ``rounds`` = loop stages (deployed recommenders)."""

    kind: Literal["echo_chamber"] = "echo_chamber"
    rounds: int = Field(10, gt=0)
    world: RecsysConfig = RecsysConfig()
    recommender: RecommenderConfig = RecommenderConfig()
    debias: DebiasSpec = DebiasSpec()
    arms: list[Literal["baseline", "debiased"]] = Field(
        default_factory=lambda: list(ARMS), min_length=1
    )


def progress_total(cfg: EchoChamberScenario) -> int:
    """Progress units: one per loop round (stages + the logged warm-up round) per arm."""
    return (cfg.rounds + 1) * len(cfg.arms)


def run_echo_chamber(
    cfg: EchoChamberScenario, progress: ProgressHook | None = None
) -> pd.DataFrame:
    """Run every arm on the same world instances and seed. The warm-up round (the logged
    human-era clicks that train the first recommender) is run but not reported, so
    ``round`` 0 is the first deployed recommender."""
    # every matrix here is small (d x d, lists of 2 * candidates): BLAS threads only add
    # contention, and on a busy 2-core machine they doubled the wall time
    with threadpool_limits(1):
        return _run_arms(cfg, progress)


def _run_arms(cfg: EchoChamberScenario, progress: ProgressHook | None) -> pd.DataFrame:
    world = RecsysWorld(cfg.world)
    instance = world.reset(cfg.replicates, child_seed(cfg.seed, "world-instance"))
    frames = []
    for arm in cfg.arms:
        debias = SourceDebias(**cfg.debias.model_dump()) if arm == "debiased" else None
        policy = PooledDotRecommender(cfg.recommender, debias)
        monitors = [
            RewardMonitor(), SourceShareMonitor(), SourceRankingMonitor(cfg.world.candidates)
        ]
        res = run(
            world, policy, BanditFeedback(signals=LOG_SIGNALS), monitors,
            cfg.rounds + 1, cfg.replicates, cfg.seed, world_state=instance, progress=progress,
            progress_every=1,
        )
        res.metrics = {k: v[1:] for k, v in res.metrics.items()}
        res.rounds = cfg.rounds
        frames.append(res.to_frame(policy=arm))
    return pd.concat(frames, ignore_index=True)


SUMMARY_STAGE_METRICS = {
    "aigc_share_first": ("aigc_click_share", "first"),
    "aigc_share_last": ("aigc_click_share", "last"),
    "rel_bias_ndcg5_first": ("rel_bias_ndcg5", "first"),
    "rel_bias_ndcg5_last": ("rel_bias_ndcg5", "last"),
    "ndcg5_mixed_last": ("ndcg5_mixed", "last"),
    "ndcg5_hgc_last": ("ndcg5_hgc", "last"),
    "ndcg5_aigc_last": ("ndcg5_aigc", "last"),
    "aigc_preferred_last": ("aigc_preferred", "last"),
}


def summarize_echo_chamber(
    frame: pd.DataFrame, cfg: EchoChamberScenario
) -> dict[str, dict[str, float]]:
    """Per arm: mean and 95% interval across replicates of the AIGC click share at the first
    and last stage, the relative source bias on nDCG@5 (mixed list) at both, and nDCG@5 on
    the mixed, HGC-only and AIGC-only lists at the last stage."""
    out: dict[str, dict[str, float]] = {}
    first, last = int(frame["round"].min()), int(frame["round"].max())
    for arm, df in frame.groupby("policy", sort=False):
        at = {
            "first": df[df["round"] == first].sort_values("replicate"),
            "last": df[df["round"] == last].sort_values("replicate"),
        }
        row: dict[str, float] = {}
        for key, (col, when) in SUMMARY_STAGE_METRICS.items():
            m, lo, hi = mean_ci(at[when][col].to_numpy(dtype=np.float64))
            row[f"{key}_mean"], row[f"{key}_ci_low"], row[f"{key}_ci_high"] = m, lo, hi
        out[str(arm)] = row
    return out


# Margins of the paper's claims (Zhou et al.), shared by ``check_claims`` and the tests.
SHARE_GROWTH_MARGIN = 0.10  # baseline AIGC click share: last stage >= first stage + 0.10
BIAS_GROWTH_MARGIN = 10.0  # baseline relative bias (nDCG@5): last <= first - 10 points
PARITY_SHARE_MARGIN = 0.10  # debiased AIGC click share at the last stage within 0.5 +- 0.10
PARITY_BIAS_MARGIN = 10.0  # debiased |relative bias| at the last stage <= 10 points
NDCG_DROP_MARGIN = 0.02  # debiased mixed-list nDCG@5 >= baseline's - 0.02 (last stage)
CURB_MARGIN = 0.10  # debiased AIGC click share <= baseline's - 0.10 (last stage)


def check_claims(summary: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    """The Source Echo Chamber paper's claims, with the margins the tests use, on a summary."""
    out: list[dict[str, Any]] = []
    base, deb = summary.get("baseline"), summary.get("debiased")
    if base:
        a, b = base["aigc_share_first_mean"], base["aigc_share_last_mean"]
        out.append({
            "claim": f"without the remedy the AIGC click share grows by >= {SHARE_GROWTH_MARGIN}",
            "held": b >= a + SHARE_GROWTH_MARGIN, "detail": f"first {a:.3f}, last {b:.3f}",
        })
        a, b = base["rel_bias_ndcg5_first_mean"], base["rel_bias_ndcg5_last_mean"]
        out.append({
            "claim": "without the remedy the source bias (toward AIGC) grows by >= "
            f"{BIAS_GROWTH_MARGIN:g} points",
            "held": b <= a - BIAS_GROWTH_MARGIN, "detail": f"first {a:+.1f}, last {b:+.1f}",
        })
    if deb:
        s, r = deb["aigc_share_last_mean"], deb["rel_bias_ndcg5_last_mean"]
        out.append({
            "claim": f"with the remedy the AIGC click share stays within 0.5 +- "
            f"{PARITY_SHARE_MARGIN} and |relative bias| <= {PARITY_BIAS_MARGIN:g}",
            "held": abs(s - 0.5) <= PARITY_SHARE_MARGIN and abs(r) <= PARITY_BIAS_MARGIN,
            "detail": f"share {s:.3f}, relative bias {r:+.1f}",
        })
    if base and deb:
        a, b = base["ndcg5_mixed_last_mean"], deb["ndcg5_mixed_last_mean"]
        out.append({
            "claim": f"the remedy costs at most {NDCG_DROP_MARGIN} nDCG@5 on the mixed list",
            "held": b >= a - NDCG_DROP_MARGIN, "detail": f"baseline {a:.3f}, debiased {b:.3f}",
        })
        a, b = base["aigc_share_last_mean"], deb["aigc_share_last_mean"]
        out.append({
            "claim": f"the remedy lowers the last stage's AIGC click share by >= {CURB_MARGIN}",
            "held": b <= a - CURB_MARGIN, "detail": f"baseline {a:.3f}, debiased {b:.3f}",
        })
    return out
