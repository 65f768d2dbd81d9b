"""The source echo chamber experiment: the recommender loop with and without the paper's
black-box debiasing, one row per (arm, stage, replicate)."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field
from threadpoolctl import threadpool_limits

from looplab.core.channels import BanditFeedback
from looplab.core.loop import ProgressHook, run
from looplab.core.monitors import RewardMonitor
from looplab.core.params import Params
from looplab.core.seeding import loop_streams
from looplab.core.streams import Rows
from looplab.core.types import Monitor
from looplab.experiments import claims as C
from looplab.experiments.config import ScenarioBase
from looplab.families.base import Family, frame_bytes
from looplab.policies.pooled_dot import PooledDotRecommender, RecommenderConfig
from looplab.remedies.source_debias import SourceDebias
from looplab.stats import mean_ci
from looplab.worlds.recsys import (
    LOG_SIGNALS,
    RecsysConfig,
    RecsysWorld,
    SourceRankingMonitor,
    SourceShareMonitor,
)

Arm = Literal["baseline", "debiased"]
ARMS: tuple[Arm, ...] = ("baseline", "debiased")

class Baseline(Params):
    """Pooled-history dot-product recommender refit on its own clicks each stage."""


class Debiased(Params):
    """The same, trained with the black-box source-debias regulariser ([debias] weights)."""


POLICIES: dict[str, type[Params]] = {"baseline": Baseline, "debiased": Debiased}


class EchoChamberScenario(ScenarioBase):
    """A source echo chamber scenario: ``rounds`` = loop stages (deployed recommenders)."""

    kind: Literal["echo_chamber"] = "echo_chamber"
    rounds: int = Field(10, gt=0)
    world: RecsysConfig = RecsysConfig()
    recommender: RecommenderConfig = RecommenderConfig()
    debias: SourceDebias = SourceDebias()
    arms: list[Arm] = Field(default_factory=lambda: list(ARMS), min_length=1)


def memory_estimate(cfg: EchoChamberScenario) -> int:
    """Coarse peak bytes: item embeddings and their AI rewrites (replicates x items x dim,
    x 2), the users' positive-affinity draws and one stage's impressions (histories and
    candidates, x dim), per arm."""
    w, S = cfg.world, cfg.replicates
    items = 8 * 2 * S * w.n_items * w.dim
    draws = 8 * 2 * S * w.n_users * w.positives_per_user * w.affinity_draws
    shown = 8 * S * w.n_users * w.impressions_per_user * (
        w.history_length + 2 * w.candidates) * w.dim
    return len(cfg.arms) * (items + draws + shown) + frame_bytes((cfg.rounds + 1) * S * 2)


def progress_total(cfg: EchoChamberScenario) -> int:
    """Progress units: one per loop round (stages + the logged warm-up round) per arm."""
    return (cfg.rounds + 1) * len(cfg.arms)


def run_echo_chamber(
    cfg: EchoChamberScenario, progress: ProgressHook | None = None, rows: Rows | None = None
) -> pd.DataFrame:
    """Run every arm on the same world instances and seed. The warm-up round (the logged
    human-era clicks that train the first recommender) is run but not reported, so
    ``round`` 0 is the first deployed recommender."""
    # every matrix here is small (d x d, lists of 2 * candidates): BLAS threads only add
    # contention, and on a busy 2-core machine they doubled the wall time
    with threadpool_limits(1):
        return _run_arms(cfg, progress, rows)


def _run_arms(cfg: EchoChamberScenario, progress: ProgressHook | None, rows: Rows | None
              ) -> pd.DataFrame:
    world = RecsysWorld(cfg.world)
    rows = rows if rows is not None else Rows.of(cfg.seed, cfg.replicates)
    instance = world.reset(len(rows), loop_streams(rows).instance)
    frames = []
    for arm in cfg.arms:
        debias = cfg.debias if arm == "debiased" else None
        policy = PooledDotRecommender(cfg.recommender, debias)
        monitors: list[Monitor] = [
            RewardMonitor(), SourceShareMonitor(), SourceRankingMonitor(cfg.world.candidates)
        ]
        res = run(
            world, policy, BanditFeedback(signals=LOG_SIGNALS), monitors,
            cfg.rounds + 1, len(rows), cfg.seed, rows=rows, world_state=instance,
            progress=progress, progress_every=1,
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
# Every claim compares means (a growth, a level within a band, a difference between arms),
# so each is decided on the pooled 95% interval over seeds.
SOURCE = "Zhou et al. 2024, Source Echo Chamber (arXiv 2405.17998)"
# Notes carry the pooled evidence of 5 seeds x 8 replicates (``looplab claims
# echo-chamber-synthetic echo-chamber-movielens --seeds 0..4``): mean [95% t-interval].
_PARITY_NOTE = (
    "with the paper's weights (1, 0.01, rewrite prob 0.5) the remedy does not stop the "
    "escalation: the debiased AIGC click share climbs to about 0.64 and the relative bias "
    "to about -15 points; pooled over 5 seeds (rows-v2 streams), share - 0.5 = +0.142 "
    "[+0.132, +0.151] (synthetic), +0.127 [+0.113, +0.140] (movielens); bias -15.6 "
    "[-17.0, -14.2] (synthetic), -14.3 [-16.1, -12.5] (movielens). "
    "The CE signal toward the clicked source outgrows the bounded L1 pull"
)
CLAIMS = (
    C.Claim(
        "baseline-aigc-share-grows",
        "without the remedy the AIGC click share grows by >= 0.10", SOURCE,
        C.diff("baseline", "aigc_share_last", "baseline", "aigc_share_first"), ">=", 0.10,
        rule="pooled",
        not_reproduced=("*",),
        note="turns on the draws, so not reproduced: synthetic +0.156 [-0.026, +0.338], "
        ">= 0.10 on 3 of 5 seeds (0.081, -0.022, 0.242, 0.355, 0.124; per-replicate streams "
        "rows-v2); it held with rows-v1 streams (+0.264 [+0.154, +0.374]) and grew on 4 of 5 "
        "seeds with the earlier shared stream (+0.208 [+0.085, +0.331]); movielens: the loop "
        "amplifies whichever source the first recommender favours, replicates split between "
        "AIGC and HGC dominance and the mean share barely grows: +0.074 [-0.053, +0.201]",
    ),
    C.Claim(
        "baseline-source-bias-grows",
        "without the remedy the source bias (toward AIGC) grows by >= 10 points", SOURCE,
        C.diff("baseline", "rel_bias_ndcg5_last", "baseline", "rel_bias_ndcg5_first"),
        "<=", -10.0, rule="pooled",
        not_reproduced=("*",),
        note="synthetic: the bias grows on 4 of 5 seeds but the pooled change -25.1 "
        "[-55.2, +5.1] points does not clear -10 (rows-v2; it held with rows-v1, -32.9 "
        "[-50.8, -15.1]); movielens: the bias moves toward HGC as often as toward AIGC "
        "(replicates split), -10.2 [-34.2, +13.8]",
    ),
    C.Claim(
        "debiased-share-near-parity",
        "with the remedy the last stage's AIGC click share stays within 0.5 +- 0.10", SOURCE,
        C.custom((("debiased", "aigc_share_last"),), lambda x: x - 0.5, "debiased share - 0.5"),
        "abs<=", 0.10, rule="pooled",
        not_reproduced=("*",), note=_PARITY_NOTE,
    ),
    C.Claim(
        "debiased-bias-near-parity",
        "with the remedy |relative bias (nDCG@5)| at the last stage stays <= 10 points", SOURCE,
        C.value("debiased", "rel_bias_ndcg5_last"), "abs<=", 10.0, rule="pooled",
        not_reproduced=("*",), note=_PARITY_NOTE,
    ),
    C.Claim(
        "remedy-costs-little-ndcg",
        "the remedy costs at most 0.02 nDCG@5 on the mixed list", SOURCE,
        C.diff("debiased", "ndcg5_mixed_last", "baseline"), ">=", -0.02, rule="pooled",
    ),
    C.Claim(
        "remedy-curbs-aigc-share",
        "the remedy lowers the last stage's AIGC click share by >= 0.10", SOURCE,
        C.diff("debiased", "aigc_share_last", "baseline"), "<=", -0.10, rule="pooled",
        not_reproduced=("*",),
        note="turns on the draws, so not reproduced: synthetic -0.107 [-0.359, +0.144], "
        "lower by >= 0.10 on 3 of 5 seeds (rows-v2; -0.283 [-0.420, -0.146] with rows-v1, "
        "-0.138 [-0.265, -0.010] with the earlier shared stream); movielens: the debiased "
        "share ends about as high as the baseline's, +0.052 [-0.172, +0.276]: the baseline's "
        "replicates split between AIGC and HGC dominance, the debiased ones drift to ~0.63 "
        "AIGC",
    ),
)

def check_claims(summary: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    """The Source Echo Chamber paper's claims (``CLAIMS``) on a summary."""
    return C.check_claims(CLAIMS, summary)


FAMILY = Family(
    name="echo_chamber",
    description="a recommender refit on its own clicks over human- and AI-written items",
    scenario=EchoChamberScenario,
    run=run_echo_chamber,
    replicate_rows=True,
    summarize=summarize_echo_chamber,
    progress_total=progress_total,
    memory_estimate=memory_estimate,
    table=(
        ("AIGC share first", "aigc_share_first"),
        ("AIGC share last", "aigc_share_last"),
        ("rel. bias nDCG@5 first", "rel_bias_ndcg5_first"),
        ("rel. bias nDCG@5 last", "rel_bias_ndcg5_last"),
        ("nDCG@5 mixed last", "ndcg5_mixed_last"),
    ),
    panels=(
        ("aigc_click_share", "AIGC share of clicks per stage", False),
        ("rel_bias_ndcg5", "relative source bias, nDCG@5 (%; < 0 = AIGC favoured)", False),
        ("ndcg5_mixed", "nDCG@5 on the mixed list (either copy relevant)", False),
    ),
    policies=POLICIES,
    worlds={
        "recsys": "recommender retrained on its own clicks over human- and AI-generated "
        "copies of every item (source echo chamber; variants: synthetic, movielens)",
    },
    claims=CLAIMS,
)
