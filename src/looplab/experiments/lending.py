"""The closed-loop fair-lending experiment: several policies, the steady-state oracle, one
table of reward, violation, group share and regret."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from looplab.core.channels import BanditFeedback
from looplab.core.loop import ProgressHook, run
from looplab.core.monitors import ConstraintMonitor, RegretMonitor, RewardMonitor
from looplab.core.types import Policy
from looplab.experiments.config import ScenarioBase
from looplab.experiments.summary import mean_ci
from looplab.policies.greedy import EpsilonGreedy, FixedArm
from looplab.policies.ofs import OFS
from looplab.policies.primal_dual import PrimalDualUCB
from looplab.policies.ucb import UCB
from looplab.worlds.lending import GroupShareMonitor, LendingConfig, LendingWorld
from looplab.worlds.lending_oracle import steady_state_sweep

STEADY_FRAC = 0.2  # "steady state" = the last 20% of rounds


class _PolicyBase(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OFSSpec(_PolicyBase):
    type: Literal["ofs"] = "ofs"
    delta: float = Field(0.05, gt=0.0, lt=1.0)
    c: float = Field(1.0, gt=0.0)


class UCBSpec(_PolicyBase):
    type: Literal["ucb"] = "ucb"
    delta: float = Field(0.05, gt=0.0, lt=1.0)
    c: float = Field(1.0, gt=0.0)


class PrimalDualSpec(_PolicyBase):
    type: Literal["primal_dual"] = "primal_dual"
    step_size: float | None = Field(None, gt=0.0)
    delta: float = Field(0.05, gt=0.0, lt=1.0)
    c: float = Field(1.0, gt=0.0)


class EpsilonGreedySpec(_PolicyBase):
    type: Literal["epsilon_greedy"] = "epsilon_greedy"
    epsilon: float = Field(0.1, ge=0.0, le=1.0)


class FixedSpec(_PolicyBase):
    type: Literal["fixed"] = "fixed"
    threshold: float = Field(0.5, ge=0.0, le=1.0)


class OracleSpec(_PolicyBase):
    type: Literal["oracle"] = "oracle"


PolicySpec = Annotated[
    OFSSpec | UCBSpec | PrimalDualSpec | EpsilonGreedySpec | FixedSpec | OracleSpec,
    Field(discriminator="type"),
]

POLICY_DESCRIPTIONS = {
    "ofs": "Optimistic Feasible Search: best optimistic reward among plausibly feasible arms",
    "ucb": "unconstrained UCB on reward only",
    "primal_dual": "UCB on the Lagrangian, multiplier updated by observed residuals",
    "epsilon_greedy": "uniform exploration w.p. epsilon, else the empirical best feasible arm",
    "fixed": "one fixed threshold",
    "oracle": "best fixed threshold feasible at steady state (closed-loop sweep)",
}


class SweepSpec(BaseModel):
    """How the oracle's closed-loop sweep is run."""

    model_config = ConfigDict(extra="forbid")
    rounds: int = Field(800, gt=0)
    steady_frac: float = Field(0.5, gt=0.0, le=1.0)


class LendingScenario(ScenarioBase):
    """A lending scenario: a world, the policies to compare, and the oracle sweep."""

    kind: Literal["lending"] = "lending"
    world: LendingConfig = LendingConfig()
    policies: dict[str, PolicySpec] = Field(
        default_factory=lambda: {"ofs": OFSSpec(), "oracle": OracleSpec()}, min_length=1
    )
    oracle: SweepSpec = SweepSpec()


def build_policy(spec: Any, world: LendingWorld, horizon: int, oracle_arm: np.ndarray) -> Policy:
    """The policy object for a validated spec."""
    if isinstance(spec, OFSSpec):
        return OFS(delta=spec.delta, c=spec.c, reward_width=1 + world.config.default_cost)
    if isinstance(spec, UCBSpec):
        return UCB(delta=spec.delta, c=spec.c, reward_width=1 + world.config.default_cost)
    if isinstance(spec, PrimalDualSpec):
        return PrimalDualUCB(
            horizon=horizon, step_size=spec.step_size, delta=spec.delta, c=spec.c,
            reward_width=1 + world.config.default_cost,
        )
    if isinstance(spec, EpsilonGreedySpec):
        return EpsilonGreedy(epsilon=spec.epsilon)
    if isinstance(spec, FixedSpec):
        return FixedArm(int(np.abs(world.grid - spec.threshold).argmin()), name="fixed")
    if isinstance(spec, OracleSpec):
        return FixedArm(tuple(int(a) for a in oracle_arm), name="oracle")
    raise TypeError(f"unknown policy spec {spec!r}")


def progress_total(cfg: LendingScenario) -> int:
    """Progress units (rounds) the experiment will report."""
    return cfg.oracle.rounds + cfg.rounds * len(cfg.policies)


def run_lending(cfg: LendingScenario, progress: ProgressHook | None = None) -> pd.DataFrame:
    """Run the oracle sweep, then every policy on the same replicate instances and seed.
    Returns the long table (policy, round, replicate, metrics...)."""
    world = LendingWorld(cfg.world)
    sweep = steady_state_sweep(
        world, world.residual_names, cfg.replicates, cfg.seed, cfg.oracle.rounds,
        cfg.oracle.steady_frac, progress=progress,
    )
    frames = []
    for name, spec in cfg.policies.items():
        policy = build_policy(spec, world, cfg.rounds, sweep.arm)
        monitors = [
            RewardMonitor(),
            ConstraintMonitor(world.residual_names),
            RegretMonitor(sweep.oracle_reward),
            GroupShareMonitor(),
        ]
        res = run(
            world, policy, BanditFeedback(signals=("residuals",)), monitors,
            cfg.rounds, cfg.replicates, cfg.seed, progress=progress,
        )
        frame = res.to_frame(policy=name)
        frame["oracle_reward"] = np.tile(sweep.oracle_reward, cfg.rounds)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def summarize_lending(frame: pd.DataFrame, rounds: int) -> dict[str, dict[str, float]]:
    """Per policy: means and 95% intervals across replicates of reward, steady reward,
    cumulative violation, final group-B share, cumulative regret and steady gap to oracle."""
    steady_start = int(rounds * (1 - STEADY_FRAC))
    out: dict[str, dict[str, float]] = {}
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
        row: dict[str, float] = {}
        for key, vals in stats.items():
            m, lo, hi = mean_ci(vals)
            row[f"{key}_mean"], row[f"{key}_ci_low"], row[f"{key}_ci_high"] = m, lo, hi
        out[str(name)] = row
    return out


def check_claims(summary: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    """The OFS paper's claims, with the margins the tests use, on a summary."""
    out: list[dict[str, Any]] = []
    ofs, pd_, ucb, orc = (summary.get(k) for k in ("ofs", "primal_dual", "ucb", "oracle"))
    if ofs and pd_:
        a, b = ofs["reward_mean"], pd_["reward_mean"]
        out.append({"claim": "OFS earns more reward than primal-dual", "held": a > b,
                    "detail": f"OFS {a:.4f} vs primal-dual {b:.4f}"})
    if ofs and pd_ and ucb:
        v, vu, vp = (x["cum_violation_mean"] for x in (ofs, ucb, pd_))
        out.append({
            "claim": "OFS cumulative violation <= 0.5 x UCB's and primal-dual's",
            "held": v <= 0.5 * vu and v <= 0.5 * vp,
            "detail": f"OFS {v:.1f}, UCB {vu:.1f}, primal-dual {vp:.1f}",
        })
    if ofs and orc:
        gap = ofs["steady_gap_to_oracle_mean"]
        out.append({"claim": "OFS steady-state reward within 0.003 of the oracle's",
                    "held": abs(gap) <= 0.003, "detail": f"gap {gap:+.4f}"})
    return out
