"""Contextual bandits with delayed, batched, logged feedback: the generation loop of the
Adyen paper (``bandit-payments``) and a plain linear bandit (``bandit-linear``).

Every policy runs on the same world instances and the same random contexts and outcomes
(common random numbers). A "generation" is ``retrain.generation_rounds`` rounds: a
batch-retrained policy refits its oracle at every generation boundary on the last
``retrain.window`` rounds of revealed logs; an online policy learns every round and the
generation is only the reporting block. The result table has one row per (policy,
generation, replicate): ``round`` is the generation index.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from looplab.core.channels import BanditFeedback
from looplab.core.loop import ProgressHook, run
from looplab.core.monitors import (
    ContextRegretMonitor,
    PropensityEntropyMonitor,
    RewardMonitor,
    WindowPositiveRateMonitor,
    sign_changes,
)
from looplab.experiments.config import ScenarioBase
from looplab.experiments.summary import mean_ci
from looplab.policies.contextual import ContextualPolicy, Retraining
from looplab.policies.contextual_epsilon_greedy import ContextualEpsilonGreedy
from looplab.policies.contextual_greedy import ContextualGreedy
from looplab.policies.linear_thompson import LinearThompson
from looplab.policies.linucb import LinUCB
from looplab.policies.regression_oracles import BoostedOracle, RidgeOracle, single_threaded
from looplab.policies.squarecb import SquareCB
from looplab.policies.uniform_erm import UniformERM
from looplab.remedies.training_set import TrainingRemedies
from looplab.worlds.linear_bandit import LinearBanditConfig, LinearBanditWorld
from looplab.worlds.payments import PaymentsConfig, PaymentsWorld


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LinearOracleSpec(_Strict):
    type: Literal["linear"] = "linear"
    l2: float = Field(1.0, gt=0.0)


class HGBOracleSpec(_Strict):
    type: Literal["hgb"] = "hgb"
    max_iter: int = Field(50, ge=1, le=2000)
    max_depth: int = Field(3, ge=1, le=32)
    learning_rate: float = Field(0.1, gt=0.0, le=1.0)


OracleSpec = Annotated[LinearOracleSpec | HGBOracleSpec, Field(discriminator="type")]


class RemedySpec(_Strict):
    """Remedies against the self-made imbalance of a policy's training logs."""

    importance_weighting: bool = False
    weight_clip: float = Field(20.0, ge=1.0)
    class_balance: bool = False
    uniform_slice: float = Field(0.0, ge=0.0, le=1.0)
    older_rounds: int = Field(0, ge=0)
    older_weight: float = Field(0.5, gt=0.0, le=1.0)


class _PolicySpec(_Strict):
    oracle: OracleSpec = LinearOracleSpec()
    remedies: RemedySpec = RemedySpec()


class UniformSpec(_PolicySpec):
    type: Literal["uniform"] = "uniform"


class GreedySpec(_PolicySpec):
    type: Literal["greedy"] = "greedy"


class EpsilonGreedySpec(_PolicySpec):
    type: Literal["epsilon_greedy"] = "epsilon_greedy"
    epsilon: float = Field(0.1, ge=0.0, le=1.0)


class LinUCBSpec(_PolicySpec):
    type: Literal["linucb"] = "linucb"
    oracle: LinearOracleSpec = LinearOracleSpec()  # needs the ridge posterior
    alpha: float = Field(1.0, ge=0.0)


class LinTSSpec(_PolicySpec):
    type: Literal["lints"] = "lints"
    oracle: LinearOracleSpec = LinearOracleSpec()  # needs the ridge posterior
    v: float = Field(1.0, gt=0.0)


class SquareCBSpec(_PolicySpec):
    type: Literal["squarecb"] = "squarecb"
    gamma_scale: float = Field(10.0, gt=0.0)
    gamma_exponent: float = Field(0.5, ge=0.0)


PolicySpec = Annotated[
    UniformSpec | GreedySpec | EpsilonGreedySpec | LinUCBSpec | LinTSSpec | SquareCBSpec,
    Field(discriminator="type"),
]

POLICY_DESCRIPTIONS = {
    "uniform": "uniform over available actions; ERM model trained on its logs (baseline)",
    "greedy": "best predicted action, no exploration",
    "epsilon_greedy": "greedy w.p. 1 - epsilon, else uniform over available actions",
    "linucb": "LinUCB (Li et al. 2010): ridge mean + alpha * posterior sd",
    "lints": "linear Thompson sampling (Agrawal & Goyal 2013), quadrature propensities",
    "squarecb": "SquareCB inverse-gap weighting (Foster & Rakhlin 2020), VW's gamma schedule",
}


class RetrainSpec(_Strict):
    """When policies learn, and how feedback reaches them."""

    online: bool = False
    generation_rounds: int = Field(4, ge=1, description="rounds per generation")
    window: int = Field(4, ge=1, description="rounds of revealed logs in the training set")
    delay: int = Field(1, ge=0, description="rounds before an outcome is revealed")


class BanditScenario(ScenarioBase):
    """A contextual-bandit scenario: a world, the retraining schedule, the policies."""

    kind: Literal["bandit"] = "bandit"
    world: Annotated[PaymentsConfig | LinearBanditConfig, Field(discriminator="type")] = (
        PaymentsConfig()
    )
    retrain: RetrainSpec = RetrainSpec()
    policies: dict[str, PolicySpec] = Field(
        default_factory=lambda: {"uniform": UniformSpec(), "squarecb": SquareCBSpec()},
        min_length=1,
    )
    oscillation_tol: float = Field(0.002, ge=0.0, description="dead-band for sign changes")

    @model_validator(mode="after")
    def _check(self) -> BanditScenario:
        g = self.retrain.generation_rounds
        if self.rounds % g or self.rounds < 2 * g:
            raise ValueError(
                f"rounds ({self.rounds}) must be a multiple of retrain.generation_rounds "
                f"({g}) and span at least 2 generations"
            )
        for name, spec in self.policies.items():
            if self.retrain.online and isinstance(spec.oracle, HGBOracleSpec):
                raise ValueError(
                    f"policies.{name}.oracle: the hgb oracle retrains only at generation "
                    "boundaries; set retrain.online = false or use the linear oracle"
                )
        return self

    @property
    def generations(self) -> int:
        return self.rounds // self.retrain.generation_rounds

    @property
    def first_trained(self) -> int:
        """The first generation that deploys a trained model (0 when learning online)."""
        return 0 if self.retrain.online else 1


def build_world(cfg: BanditScenario) -> PaymentsWorld | LinearBanditWorld:
    """The world object for the scenario's world config."""
    if isinstance(cfg.world, PaymentsConfig):
        return PaymentsWorld(cfg.world)
    return LinearBanditWorld(cfg.world)


def build_policy(name: str, spec: Any, retrain: RetrainSpec) -> ContextualPolicy:
    """The policy object for a validated spec."""
    o = spec.oracle
    oracle = (
        RidgeOracle(l2=o.l2) if isinstance(o, LinearOracleSpec)
        else BoostedOracle(max_iter=o.max_iter, max_depth=o.max_depth,
                           learning_rate=o.learning_rate)
    )
    common: dict[str, Any] = {
        "oracle": oracle,
        "retraining": Retraining(online=retrain.online, every=retrain.generation_rounds,
                                 window=retrain.window),
        "remedies": TrainingRemedies(**spec.remedies.model_dump()),
        "name": name,
    }
    if isinstance(spec, UniformSpec):
        return UniformERM(**common)
    if isinstance(spec, GreedySpec):
        return ContextualGreedy(**common)
    if isinstance(spec, EpsilonGreedySpec):
        return ContextualEpsilonGreedy(epsilon=spec.epsilon, **common)
    if isinstance(spec, LinUCBSpec):
        return LinUCB(alpha=spec.alpha, **common)
    if isinstance(spec, LinTSSpec):
        return LinearThompson(v=spec.v, **common)
    if isinstance(spec, SquareCBSpec):
        return SquareCB(gamma_scale=spec.gamma_scale, gamma_exponent=spec.gamma_exponent,
                        **common)
    raise TypeError(f"unknown policy spec {spec!r}")


def progress_total(cfg: BanditScenario) -> int:
    """Progress units (rounds) the experiment will report."""
    return cfg.rounds * len(cfg.policies)


METRICS = ("reward", "expected_reward", "regret", "propensity_entropy", "window_positive_rate")


def run_bandit(cfg: BanditScenario, progress: ProgressHook | None = None) -> pd.DataFrame:
    """Run every policy on the same replicate instances and seed; one row per (policy,
    generation, replicate) with per-generation means (window positive rate: at the
    generation's last round, i.e. what the next refit trains on)."""
    world = build_world(cfg)
    G, g = cfg.generations, cfg.retrain.generation_rounds
    S = cfg.replicates
    frames = []
    for name, spec in cfg.policies.items():
        policy = build_policy(name, spec, cfg.retrain)
        monitors = [
            RewardMonitor(), ContextRegretMonitor(), PropensityEntropyMonitor(),
            WindowPositiveRateMonitor(cfg.retrain.window),
        ]
        with single_threaded():  # many small batched ops: threads only contend
            res = run(
                world, policy,
                BanditFeedback(signals=("features", "avail"), delay=cfg.retrain.delay),
                monitors, cfg.rounds, S, cfg.seed, progress=progress,
                progress_every=max(1, min(50, g)),
            )
        cols: dict[str, Any] = {
            "policy": name,
            "round": np.repeat(np.arange(G), S).astype(np.int32),
            "replicate": np.tile(np.arange(S), G).astype(np.int32),
        }
        for m in METRICS:
            blocks = res.metrics[m].reshape(G, g, S)
            cols[m] = (blocks[:, -1] if m == "window_positive_rate" else blocks.mean(axis=1)
                       ).ravel()
        frames.append(pd.DataFrame(cols))
    return pd.concat(frames, ignore_index=True)


def per_generation(frame: pd.DataFrame, metric: str) -> np.ndarray:
    """(generations, replicates) array of one metric for one policy's rows."""
    return frame.pivot(index="round", columns="replicate", values=metric).to_numpy()


def summarize_bandit(frame: pd.DataFrame, cfg: BanditScenario) -> dict[str, dict[str, float]]:
    """Per policy, means and 95% intervals across replicates of: mean realized reward;
    expected reward in the first trained and in the last generation; per-decision regret;
    the training window's positive rate after generation 0 and at the end, and its growth;
    propensity entropy of the trained generations; and the oscillation of the generation
    reward (sign changes of its differences beyond ``oscillation_tol``, mean |difference|
    and the largest drop)."""
    f0 = cfg.first_trained
    out: dict[str, dict[str, float]] = {}
    for name, df in frame.groupby("policy", sort=False):
        er = per_generation(df, "expected_reward")
        wp = per_generation(df, "window_positive_rate")
        trained = er[f0:]
        diffs = np.diff(trained, axis=0)
        stats = {
            "reward": per_generation(df, "reward").mean(axis=0),
            "expected_reward": er.mean(axis=0),
            "first_reward": er[f0],
            "final_reward": er[-1],
            "regret": per_generation(df, "regret").mean(axis=0),
            "first_window_positive_rate": wp[0],
            "final_window_positive_rate": wp[-1],
            "imbalance_growth": wp[-1] - wp[0],
            "propensity_entropy": per_generation(df, "propensity_entropy")[f0:].mean(axis=0),
            "oscillation": sign_changes(trained, cfg.oscillation_tol).astype(np.float64),
            "oscillation_amplitude": (np.abs(diffs).mean(axis=0) if len(diffs)
                                      else np.zeros(trained.shape[1])),
            "max_drop": (np.maximum(-diffs, 0.0).max(axis=0) if len(diffs)
                         else np.zeros(trained.shape[1])),
        }
        row: dict[str, float] = {}
        for key, vals in stats.items():
            m, lo, hi = mean_ci(vals)
            row[f"{key}_mean"], row[f"{key}_ci_low"], row[f"{key}_ci_high"] = m, lo, hi
        out[str(name)] = row
    return out


# Margins of the Adyen paper's claims (Vangara & Egg 2024), shared by ``check_claims`` and
# the tests (tests/test_paper_adyen.py); fixed before the test seed was run.
FIRST_GEN_MARGIN = 0.03  # SquareCB's first trained generation over uniform (reward)
IMBALANCE_MARGIN = 0.03  # growth of the training window's positive-class rate
NOISE_FACTOR = 2.0  # oscillation amplitude vs uniform's (the noise floor of |Δ| per gen)
DROP_MARGIN = 0.01  # a later generation at least this much worse than the one before
DAMP_FACTOR = 0.75  # a remedy damps: amplitude <= 0.75 x SquareCB's without it


def check_claims(summary: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    """The Adyen paper's claims (and the notes' remedy hypotheses) on a summary, for the
    arms present: uniform, greedy, squarecb and squarecb+<remedy>."""
    out: list[dict[str, Any]] = []
    un, sq, gr = (summary.get(k) for k in ("uniform", "squarecb", "greedy"))
    if un and sq:
        a, b = sq["first_reward_mean"], un["reward_mean"]
        out.append({"claim": f"SquareCB's first trained generation beats uniform by >= "
                    f"{FIRST_GEN_MARGIN}", "held": a >= b + FIRST_GEN_MARGIN,
                    "detail": f"SquareCB {a:.4f} vs uniform {b:.4f}"})
        amp, amp_u, drop = (sq["oscillation_amplitude_mean"], un["oscillation_amplitude_mean"],
                            sq["max_drop_mean"])
        out.append({
            "claim": f"later SquareCB generations get worse (a drop >= {DROP_MARGIN}) and "
            f"oscillate (mean |Δ| >= {NOISE_FACTOR:g} x uniform's)",
            "held": drop >= DROP_MARGIN and amp >= NOISE_FACTOR * amp_u,
            "detail": f"max drop {drop:.4f}; |Δ| {amp:.4f} vs uniform {amp_u:.4f}",
        })
    for name, row in (("greedy", gr), ("squarecb", sq)):
        if row:
            g = row["imbalance_growth_mean"]
            out.append({"claim": f"{name}'s training window grows more imbalanced (positive "
                        f"rate +{IMBALANCE_MARGIN} or more)", "held": g >= IMBALANCE_MARGIN,
                        "detail": f"growth {g:+.4f}"})
    if sq:
        for name, row in summary.items():
            if name.startswith("squarecb+"):
                a, b = row["oscillation_amplitude_mean"], sq["oscillation_amplitude_mean"]
                out.append({"claim": f"{name} damps the oscillation (|Δ| <= {DAMP_FACTOR} x "
                            "SquareCB's)", "held": a <= DAMP_FACTOR * b,
                            "detail": f"{a:.4f} vs {b:.4f}"})
    return out
