"""The closed-loop fair-lending experiment: several policies, the steady-state oracle, one
table of reward, violation, group share and regret."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from looplab.core.channels import BanditFeedback
from looplab.core.loop import ProgressHook, run
from looplab.core.monitors import ConstraintMonitor, RegretMonitor, RewardMonitor
from looplab.core.params import Params
from looplab.core.streams import Rows
from looplab.core.types import Monitor, Policy
from looplab.experiments import claims as C
from looplab.experiments.config import ScenarioBase
from looplab.families.base import Family, entry_union, frame_bytes, params_of
from looplab.policies.greedy import EpsilonGreedy, FixedArm, FixedThreshold
from looplab.policies.ofs import OFS
from looplab.policies.primal_dual import PrimalDualUCB
from looplab.policies.ucb import UCB
from looplab.stats import mean_ci
from looplab.worlds.lending import (
    GroupShareMonitor,
    LendingConfig,
    LendingWorld,
    QualificationMonitor,
)
from looplab.worlds.lending_oracle import steady_state_sweep

STEADY_FRAC = 0.2  # "steady state" = the last 20% of rounds


class SteadyStateOracle(Params):
    """Best fixed threshold feasible at steady state (closed-loop sweep)."""


# name -> arm class: the scenario file's ``type`` values, their parameters and descriptions
POLICIES: dict[str, type[Params]] = {
    "ofs": OFS,
    "ucb": UCB,
    "primal_dual": PrimalDualUCB,
    "epsilon_greedy": EpsilonGreedy,
    "fixed": FixedThreshold,
    "oracle": SteadyStateOracle,
}
if TYPE_CHECKING:  # a tagged union built at run time: mypy sees Any
    PolicyEntry = Any
else:
    PolicyEntry = entry_union(POLICIES)


class OracleSweep(Params):
    """How the oracle's closed-loop sweep is run."""

    rounds: int = Field(800, gt=0)
    steady_frac: float = Field(0.5, gt=0.0, le=1.0)


class LendingScenario(ScenarioBase):
    """A lending scenario: a world, the policies to compare, and the oracle sweep."""

    kind: Literal["lending"] = "lending"
    world: LendingConfig = LendingConfig()
    policies: dict[str, PolicyEntry] = Field(  # type: ignore[valid-type]
        default_factory=lambda: {"ofs": {"type": "ofs"}, "oracle": {"type": "oracle"}},
        min_length=1, validate_default=True,
    )
    oracle: OracleSweep = OracleSweep()


def build_policy(entry: Any, world: LendingWorld, horizon: int, oracle_arm: np.ndarray) -> Policy:
    """The policy a validated scenario entry names. The world supplies what the user left
    unset: the reward range (1 + default cost) and the horizon (the run's rounds)."""
    if entry.type == "oracle":
        return FixedArm(arm=tuple(int(a) for a in oracle_arm), name="oracle")
    cls = POLICIES[entry.type]
    params = params_of(entry)
    if "reward_width" in cls.model_fields and "reward_width" not in entry.model_fields_set:
        params["reward_width"] = 1 + world.config.default_cost
    if "horizon" in cls.model_fields and params.get("horizon") is None:
        params["horizon"] = horizon
    return cls(**params)  # type: ignore[return-value]


def memory_estimate(cfg: LendingScenario) -> int:
    """Coarse peak bytes: the long table (rounds x replicates x policies) plus the
    applicant draws of one round (~32 float arrays of replicates x applicants) and the
    oracle sweep's per-threshold-pair state (grid^2 x replicates)."""
    S, n, G = cfg.replicates, cfg.world.n_applicants, cfg.world.grid_size
    return (frame_bytes(cfg.rounds * S * len(cfg.policies)) + 8 * 32 * S * n
            + 8 * 64 * S * G * G + frame_bytes(cfg.oracle.rounds * S, 8))


def progress_total(cfg: LendingScenario) -> int:
    """Progress units (rounds) the experiment will report."""
    return cfg.oracle.rounds + cfg.rounds * len(cfg.policies)


def run_lending(cfg: LendingScenario, progress: ProgressHook | None = None,
                rows: Rows | None = None) -> pd.DataFrame:
    """Run the oracle sweep, then every policy on the same replicate instances and seed
    (``rows``: which replicates, default all of ``cfg``'s). Returns the long table
    (policy, round, replicate, metrics...)."""
    world = LendingWorld(cfg.world)
    rows = rows if rows is not None else Rows.of(cfg.seed, cfg.replicates)
    sweep = steady_state_sweep(
        world, world.residual_names, len(rows), cfg.seed, cfg.oracle.rounds,
        cfg.oracle.steady_frac, progress=progress, rows=rows,
    )
    frames = []
    for name, spec in cfg.policies.items():
        policy = build_policy(spec, world, cfg.rounds, sweep.arm)
        monitors: list[Monitor] = [
            RewardMonitor(),
            ConstraintMonitor(world.residual_names),
            RegretMonitor(sweep.oracle_reward),
            GroupShareMonitor(),
        ]
        if cfg.world.dynamic:
            monitors.append(QualificationMonitor())
        res = run(
            world, policy, BanditFeedback(signals=("residuals",)), monitors,
            cfg.rounds, len(rows), cfg.seed, rows=rows, progress=progress,
        )
        frame = res.to_frame(policy=name)
        frame["oracle_reward"] = np.tile(sweep.oracle_reward, cfg.rounds)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def summarize_lending(frame: pd.DataFrame, rounds: int) -> dict[str, dict[str, float]]:
    """Per policy: means and 95% intervals across replicates of reward, steady reward,
    cumulative violation, final group-B share, cumulative regret and steady gap to oracle.

    With an ``oracle`` arm in the frame, also ``excess_violation``: the policy's cumulative
    violation minus the oracle's on the same replicate instance. The oracle plays one
    feasible fixed threshold, so its violation is pure sampling noise (a round's observed
    DP gap exceeds epsilon by chance); the excess is the violation the policy's learning
    adds on top of that floor (on German Credit the floor is most of the raw figure).
    With qualification dynamics, also each group's mean score at the last round
    (``final_score_mean_a``/``_b``) and the change of group B's since round 0."""
    steady_start = int(rounds * (1 - STEADY_FRAC))
    out: dict[str, dict[str, float]] = {}
    floor = None
    if "oracle" in set(frame["policy"]):
        o = frame[(frame["policy"] == "oracle") & (frame["round"] == rounds - 1)]
        floor = o.set_index("replicate").sort_index()["cum_violation"].to_numpy()
    dynamic = "score_mean_b" in frame.columns
    for name, df in frame.groupby("policy", sort=False):
        per_rep = df.groupby("replicate")
        last = df[df["round"] == rounds - 1].set_index("replicate").sort_index()
        steady = df[df["round"] >= steady_start].groupby("replicate")
        stats = {
            "reward": per_rep["reward"].mean().to_numpy(),
            "steady_reward": steady["reward"].mean().to_numpy(),
            "cum_violation": last["cum_violation"].to_numpy(),
            "final_share_b": last["share_b"].to_numpy(),
            "regret": last["cum_regret"].to_numpy(),
            "steady_gap_to_oracle": (
                steady["oracle_reward"].mean() - steady["reward"].mean()
            ).to_numpy(),
        }
        if floor is not None:
            stats["excess_violation"] = last["cum_violation"].to_numpy() - floor
        if dynamic:
            first = df[df["round"] == 0].set_index("replicate").sort_index()
            stats["final_score_mean_a"] = last["score_mean_a"].to_numpy()
            stats["final_score_mean_b"] = last["score_mean_b"].to_numpy()
            stats["score_shift_b"] = (last["score_mean_b"] - first["score_mean_b"]).to_numpy()
        row: dict[str, float] = {}
        for key, vals in stats.items():
            m, lo, hi = mean_ci(vals)
            row[f"{key}_mean"], row[f"{key}_ci_low"], row[f"{key}_ci_high"] = m, lo, hi
        out[str(name)] = row
    return out


SOURCE = "Du 2025, Optimistic Feasible Search (arXiv 2512.22313)"
# Notes carry the pooled evidence of 5 seeds x 8 replicates x 10,000 rounds (``looplab
# claims lending-synthetic lending-german lending-compas lending-dynamics --seeds 0..4
# --set replicates=8``): mean [95% t-interval over seeds].
# Pass rules: a comparison of means (a reward difference, a gap that must lie within a
# band) is decided on the pooled interval over seeds; a ratio of two noisy figures, whose
# mean over seeds is dominated by its worst seed, must hold on >= 80% of the seeds.
CLAIMS = (
    C.Claim(
        "ofs-more-reward-than-primal-dual",
        "OFS earns more reward than primal-dual", SOURCE,
        C.diff("ofs", "reward", "primal_dual"), ">=", 0.0, rule="pooled",
        not_reproduced=("*",),
        note="primal-dual (eta = 1/sqrt(T)) earns more reward than OFS because it keeps "
        "violating the DP constraint: OFS - primal-dual = -0.0136 [-0.0137, -0.0135] "
        "(synthetic), +0.0003 [-0.0004, +0.0009] (german), -0.0153 [-0.0176, -0.0129] "
        "(compas), -0.0171 [-0.0172, -0.0171] (dynamics)",
    ),
    C.Claim(
        "ofs-violation-half",
        "OFS cumulative violation <= 0.5 x UCB's and primal-dual's", SOURCE,
        C.worst_ratio("ofs", "cum_violation", ("ucb", "primal_dual")), "<=", 0.5,
        rule="most_seeds",
        not_reproduced=("lending-german",),
        note="on German Credit (age groups) the worst ratio is 0.76 [0.65, 0.88], <= 0.5 on 0 "
        "of 5 seeds: the oracle itself accrues 120 of OFS's 128 from sampling noise; in "
        "excess of that floor OFS's violation is 0.13x the others' (ofs-excess-violation-half)",
    ),
    C.Claim(
        "ofs-excess-violation-half",
        "OFS violation in excess of the oracle's noise floor <= 0.5 x UCB's and primal-dual's",
        SOURCE,
        C.worst_ratio("ofs", "excess_violation", ("ucb", "primal_dual")), "<=", 0.5,
        rule="most_seeds",
    ),
    C.Claim(
        "ofs-near-oracle",
        "OFS steady-state reward within 0.003 of the oracle's", SOURCE,
        C.value("ofs", "steady_gap_to_oracle"), "abs<=", 0.003, rule="pooled",
        # German Credit sits near the margin: +0.0019 [+0.0012, +0.0026] with the rows-v2
        # streams (holds); +0.0021 [+0.0009, +0.0034] with rows-v1 (did not)
    ),
    C.Claim(
        "dynamics-move-group-b-score",
        "with qualification dynamics, OFS's loop moves group B's mean score by >= 0.01 "
        "(the constraint's feasible set moves with the loop)",
        "Liu et al. 2018, Delayed Impact of Fair Machine Learning (ICML)",
        C.custom((("ofs", "score_shift_b"),), abs, "|OFS group-B score shift|"),
        ">=", 0.01, rule="pooled",
        not_reproduced=("lending-dynamics",),
        note="OFS keeps acceptance near the oracle's threshold, where repayments and "
        "defaults balance: group B's score moves by +0.0044 [-0.0026, +0.0115] (>= 0.01 on "
        "1 of 5 seeds); the dynamics do bite for primal-dual (-0.040) and UCB, which lifts "
        "group A's scores and earns 0.70 a round; OFS's claims hold on this world as well",
    ),
)


def check_claims(summary: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    """The OFS paper's claims (``CLAIMS``) on a summary."""
    return C.check_claims(CLAIMS, summary)


FAMILY = Family(
    name="lending",
    description="closed-loop threshold lending with a fairness constraint",
    scenario=LendingScenario,
    run=run_lending,
    replicate_rows=True,
    summarize=lambda frame, cfg: summarize_lending(frame, cfg.rounds),
    progress_total=progress_total,
    memory_estimate=memory_estimate,
    table=(
        ("mean reward", "reward"),
        ("steady reward", "steady_reward"),
        ("cum. violation", "cum_violation"),
        ("final share B", "final_share_b"),
        ("regret vs oracle", "regret"),
        ("excess violation", "excess_violation"),
    ),
    panels=(
        ("reward", "reward per round (rolling mean)", True),
        ("cum_violation", "cumulative constraint violation", False),
        ("share_b", "group-B share of applicants", False),
    ),
    policies=POLICIES,
    worlds={
        "lending": "threshold lending; acceptance rates feed back into the applicant mix "
        "(variants: synthetic, german, compas; optional qualification dynamics)",
    },
    claims=CLAIMS,
)
