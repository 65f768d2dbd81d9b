"""Reward models from noisy, selection-biased feedback, and the RAFT loop against them.

One kind, ``reward-model``, two modes:

* static (no ``[loop]`` section, ``rounds = 1``): each replicate draws one feedback data
  set; every arm (an objective, optionally on clean feedback) fits a reward model to it and
  is scored on clean held-out data: accuracy, Spearman, consistency, calibration (+ AUROC
  for pointwise feedback);
* loop (``[loop]`` given): ``rounds`` RAFT iterations per arm (``looplab.improve.raft``),
  monitoring proxy reward, true reward, their gap and policy entropy.

The long table has one row per (policy = arm name, round, replicate).

Replicates (issue 19): every random draw comes from a per-replicate stream
(``looplab.core.streams``), every fit reads one replicate's data and is seeded by that
replicate's own stream, and the clean test set is drawn from the replicate's run seed
alone, so a replicate's rows are the same whether it runs in a batch of any size, as a
shard or packed after another seed. Arms share the world data and the feedback draws of a
replicate (common random numbers: the clean-feedback arm labels the same items with the
same uniforms).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, field_validator, model_validator

from looplab.core.loop import ProgressHook, row_columns
from looplab.core.params import Params
from looplab.core.seeding import generator
from looplab.core.streams import Rows, Stream
from looplab.experiments import claims as C
from looplab.experiments.config import ScenarioBase
from looplab.families.base import Family, frame_bytes
from looplab.improve.raft import METRICS as LOOP_METRICS
from looplab.improve.raft import RaftConfig, run_raft
from looplab.preferences.data import (
    FeatureTask,
    PairwiseData,
    PairwiseSource,
    PointwiseData,
    PointwiseSource,
    RowBlocks,
    label_pairs,
    simulate_pointwise,
)
from looplab.preferences.metrics import evaluate, make_test_set
from looplab.preferences.objectives import OBJECTIVES
from looplab.preferences.reward_model import fit_reward_model
from looplab.stats import mean_ci

STATIC_METRICS = ("accuracy", "spearman", "consistency", "calibration", "auroc")
ALL_METRICS = tuple(dict.fromkeys((*STATIC_METRICS, *LOOP_METRICS)))


class _Section(Params):
    """A section of a reward-model scenario file."""


class TaskSpec(_Section):
    """The synthetic world (``looplab.preferences.data.FeatureTask``)."""

    context_dim: int = Field(4, ge=1, le=64)
    response_dim: int = Field(4, ge=1, le=64)
    nonlinearity: float = Field(0.0, ge=0.0)
    seed: int = Field(0, ge=0)


class FeedbackSpec(_Section):
    """The simulated feedback source: pairwise BT annotators or pointwise observational."""

    shape: Literal["pairwise", "pointwise"] = "pairwise"
    temperatures: list[float] = Field(default_factory=lambda: [1.0], min_length=1)
    flip_rate: float = Field(0.0, ge=0.0, lt=0.5)
    position_bias: float = 0.0
    alpha: float = Field(1.0, gt=0.0, le=1.0)
    r_hi: float = 2.0
    r10: float = Field(0.0, ge=0.0, lt=0.5)
    r01: float = Field(0.0, ge=0.0, lt=0.5)
    latent_sd: float = Field(0.5, ge=0.0)

    @field_validator("temperatures")
    @classmethod
    def _positive(cls, v: list[float]) -> list[float]:
        if any(t <= 0 for t in v):
            raise ValueError("every temperature must be > 0")
        return v

    def source(self, clean: bool = False) -> PairwiseSource | PointwiseSource:
        """The source object; ``clean`` drops flips, position bias and selection."""
        if self.shape == "pairwise":
            return PairwiseSource(
                temperatures=tuple(self.temperatures),
                flip_rate=0.0 if clean else self.flip_rate,
                position_bias=0.0 if clean else self.position_bias,
            )
        return PointwiseSource(
            alpha=1.0 if clean else self.alpha, r_hi=self.r_hi,
            r10=0.0 if clean else self.r10, r01=0.0 if clean else self.r01,
            latent_sd=self.latent_sd,
        )


class ArmSpec(_Section):
    """One compared arm: an objective, the model kind, its feedback and parameters."""

    objective: str
    model: Literal["linear", "mlp"] = "linear"
    feedback: Literal["scenario", "clean"] = "scenario"
    params: dict[str, float | int | str | list[int]] = Field(default_factory=dict)

    @field_validator("objective")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in OBJECTIVES:
            raise ValueError(f"unknown objective {v!r}; allowed: {', '.join(OBJECTIVES)}")
        return v

    @model_validator(mode="after")
    def _params(self) -> ArmSpec:
        """The objective's own parameter model checks ``params`` before any work."""
        model = OBJECTIVES[self.objective].params
        unknown = sorted(set(self.params) - set(model.model_fields))
        if unknown:
            allowed = ", ".join(model.model_fields) or "none"
            raise ValueError(f"params: unknown key(s) {', '.join(unknown)} for objective "
                             f"{self.objective!r}; allowed: {allowed}")
        try:
            model.model_validate(self.params)
        except ValidationError as exc:
            err = exc.errors()[0]
            key = ".".join(str(x) for x in err["loc"])
            raise ValueError(f"params.{key}: {err['msg']} (got {err.get('input')!r})") from None
        return self


class DataSpec(_Section):
    """Static mode: training set size per replicate and test set sizes."""

    n_train: int = Field(4000, ge=10)
    n_test: int = Field(2000, ge=100)
    n_contrast: int = Field(500, ge=10)


class RewardModelScenario(ScenarioBase):
    """A reward-model scenario: world, feedback source, compared arms, optional loop."""

    kind: Literal["reward-model"] = "reward-model"
    rounds: int = Field(1, gt=0)
    task: TaskSpec = TaskSpec()
    feedback: FeedbackSpec = FeedbackSpec()
    arms: dict[str, ArmSpec] = Field(
        default_factory=lambda: {"bt": ArmSpec(objective="bt")}, min_length=1
    )
    data: DataSpec = DataSpec()
    loop: RaftConfig | None = None

    @model_validator(mode="after")
    def _consistent(self) -> RewardModelScenario:
        shape = "PairwiseData" if self.feedback.shape == "pairwise" else "PointwiseData"
        for name, arm in self.arms.items():
            need = OBJECTIVES[arm.objective].shape.__name__
            if need != shape:
                raise ValueError(
                    f"arm {name!r}: objective {arm.objective!r} needs "
                    f"{'pairwise' if need == 'PairwiseData' else 'pointwise'} feedback, "
                    f"but feedback.shape = {self.feedback.shape!r}"
                )
        if self.loop is None and self.rounds != 1:
            raise ValueError("rounds must be 1 without a [loop] section (static comparison)")
        return self




def memory_estimate(cfg: RewardModelScenario) -> int:
    """Coarse peak bytes: train, test and contrast sets (replicates x examples x features,
    x 16 working copies while fitting) per arm, the per-round table, and ~384 MiB for the
    torch runtime the fits load (measured: 442 MiB peak for rm-noisy-feedback)."""
    d = cfg.task.context_dim + cfg.task.response_dim
    n = cfg.data.n_train + cfg.data.n_test + cfg.data.n_contrast
    S, A = cfg.replicates, len(cfg.arms)
    return 384 * 2**20 + 8 * 16 * S * n * d * (A + 1) + frame_bytes(cfg.rounds * S * A)


def progress_total(cfg: RewardModelScenario) -> int:
    """Progress units: rounds per arm in loop mode, replicates per arm otherwise."""
    per_arm = cfg.rounds if cfg.loop is not None else cfg.replicates
    return per_arm * len(cfg.arms)


def _task(cfg: RewardModelScenario) -> FeatureTask:
    t = cfg.task
    return FeatureTask(t.context_dim, t.response_dim, t.nonlinearity, t.seed)


def _static(cfg: RewardModelScenario, progress: ProgressHook | None,
            rows: Rows) -> pd.DataFrame:
    task = _task(cfg)
    S, n = len(rows), cfg.data.n_train
    pointwise = cfg.feedback.shape == "pointwise"
    test_src = cfg.feedback.source() if pointwise else None
    assert test_src is None or isinstance(test_src, PointwiseSource)  # shape == "pointwise"
    tests = {sd: make_test_set(task, generator(sd, "test"), cfg.data.n_test,
                               cfg.data.n_contrast, test_src)
             for sd in dict.fromkeys(rows.seeds.tolist())}  # one clean test set per seed
    # replicate r's n training items are rows r*n .. (r+1)*n-1 of one flat batch, drawn from
    # r's own counters; the same items for every arm
    w_rng = RowBlocks(Stream(rows, "world-instance"), n)
    if pointwise:
        items = task.sample_items(S * n, w_rng)
    else:
        xa, xb = task.sample_context_pairs(S * n, w_rng)
    fit_seeds = Stream(rows, "fit").seeds()  # the same fit seed for every arm of a replicate
    frames = []
    for name, arm in cfg.arms.items():
        src = cfg.feedback.source(clean=arm.feedback == "clean")
        f_rng = RowBlocks(Stream(rows, "channel"), n)  # common random numbers across arms
        full: PairwiseData | PointwiseData
        if pointwise:
            assert isinstance(src, PointwiseSource)  # source() follows feedback.shape
            full = simulate_pointwise(task, S * n, src, f_rng, items=items)
        else:
            assert isinstance(src, PairwiseSource)
            full = label_pairs(task, xa, xb, src, f_rng, factors=True)
        vals = {m: np.full(S, np.nan) for m in ALL_METRICS}
        for s, (sd, _) in enumerate(rows.pairs()):  # refit boundary: one model per replicate
            idx = np.arange(s * n, (s + 1) * n)
            rm = fit_reward_model(full.subset(idx), arm.objective, model=arm.model,
                                  random_state=int(fit_seeds[s]), model_params=None,
                                  **arm.params)
            ev = evaluate(rm, tests[sd])
            for m in ALL_METRICS:
                if m in ev:
                    vals[m][s] = ev[m].estimate
            if progress is not None:
                progress(1)
        frames.append(pd.DataFrame({"policy": name, "round": np.zeros(S, np.int64),
                                    **row_columns(rows, 1), **vals}))
    return pd.concat(frames, ignore_index=True)


def _loop(cfg: RewardModelScenario, progress: ProgressHook | None,
          rows: Rows) -> pd.DataFrame:
    task = _task(cfg)
    raft = cfg.loop
    assert raft is not None
    frames = []
    for name, arm in cfg.arms.items():
        src = cfg.feedback.source(clean=arm.feedback == "clean")
        out = run_raft(task, src, arm.objective, raft, cfg.rounds, len(rows), cfg.seed,
                       model=arm.model, objective_params=dict(arm.params), progress=progress,
                       rows=rows)
        cols: dict[str, Any] = {
            "policy": name,
            "round": np.repeat(np.arange(cfg.rounds), len(rows)).astype(np.int32),
            **row_columns(rows, cfg.rounds)}
        for m in ALL_METRICS:
            cols[m] = out[m].ravel() if m in out else np.nan
        frames.append(pd.DataFrame(cols))
    return pd.concat(frames, ignore_index=True)


def run_reward_models(
    cfg: RewardModelScenario, progress: ProgressHook | None = None, rows: Rows | None = None
) -> pd.DataFrame:
    """The long table (policy, round, replicate, metrics...) of a reward-model scenario.
    ``rows`` (default: replicates ``0..replicates-1`` of ``cfg.seed``) may be any replicate
    range of a seed or several seeds packed (then the table has a ``seed`` column)."""
    rows = rows if rows is not None else Rows.of(cfg.seed, cfg.replicates)
    return _loop(cfg, progress, rows) if cfg.loop is not None else _static(cfg, progress, rows)


def summarize_reward_models(
    frame: pd.DataFrame, cfg: RewardModelScenario
) -> dict[str, dict[str, float]]:
    """Per arm: mean and 95% interval across replicates of every metric at the last round
    (NaN where a metric does not apply to the mode or feedback shape)."""
    last = frame[frame["round"] == frame["round"].max()]
    out: dict[str, dict[str, float]] = {}
    for name, df in last.groupby("policy", sort=False):
        row: dict[str, float] = {}
        for m in ALL_METRICS:
            vals = df.sort_values("replicate")[m].to_numpy(np.float64)
            if np.isnan(vals).all():
                lo = hi = mean = float("nan")
            else:
                mean, lo, hi = mean_ci(vals)
            row[f"{m}_mean"], row[f"{m}_ci_low"], row[f"{m}_ci_high"] = mean, lo, hi
        out[str(name)] = row
    return out


CAUSALRM = "Wang et al. 2026, CausalRM"
SECRETS = "Secrets of RLHF II (Wang et al. 2024)"
TRICKLE = "Trickle-down (Shen et al. 2023)"
RAFT = "RAFT (Dong et al. 2023)"
CLAIMS = (
    C.Claim("causalrm-auroc", "CausalRM beats the naive loss on AUROC on clean unbiased test "
            "data by >= 0.02", CAUSALRM, C.diff("causalrm", "auroc", "naive"), ">=", 0.02),
    C.Claim("causalrm-spearman", "CausalRM beats the naive loss on Spearman with the true "
            "reward by >= 0.05", CAUSALRM, C.diff("causalrm", "spearman", "naive"), ">=", 0.05),
    C.Claim("strength-accuracy", "strength flip + adaptive margin beats plain BT on held-out "
            "accuracy by >= 0.01", SECRETS, C.diff("strength", "accuracy", "bt"), ">=", 0.01),
    C.Claim("reward-fusion-consistency", "RewardFusion raises the consistency score by >= "
            "0.01", TRICKLE, C.diff("reward_fusion", "consistency", "bt"), ">=", 0.01,
            not_reproduced=("*",), note="RewardFusion (k=5, cos>=0.9) does not raise "
            "consistency over BT on the synthetic task: +0.0017 [-0.0033, +0.0066] over "
            "seeds 0-4, 0/5 seeds >= 0.01"),
    C.Claim("raft-gap-grows-under-bias", "the proxy-true gap grows by >= 0.1 when the reward "
            "model learns from biased feedback", RAFT, C.diff("naive", "gap", "unbiased"),
            ">=", 0.1),
    # rm-optimization-loop, seeds 0-4, streams philox4x64-10/rows-v2: held on 5/5 seeds,
    # -0.157 [-0.219, -0.095]. A fragile verdict: on the rows-v1 streams (same code) it held
    # on 3/5 seeds, -0.062 [-0.254, +0.130], and on the shared PCG64 batch on 3/5 too
    C.Claim("causalrm-shrinks-gap", "the remedy shrinks the proxy-true gap by >= 0.05",
            CAUSALRM, C.diff("causalrm", "gap", "naive"), "<=", -0.05),
    C.Claim("causalrm-raises-true-reward", "the remedy raises the policy's true reward by "
            ">= 0.1", CAUSALRM, C.diff("causalrm", "true_reward", "naive"), ">=", 0.1),
)


def check_claims(summary: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    """The papers' claims (``CLAIMS``) that apply to the arms and metrics in ``summary``."""
    return C.check_claims(CLAIMS, summary)


FAMILY = Family(
    name="reward-model",
    description="reward models from noisy, selection-biased preferences, and RAFT against them",
    scenario=RewardModelScenario,
    run=run_reward_models,
    replicate_rows=True,
    summarize=summarize_reward_models,
    progress_total=progress_total,
    memory_estimate=memory_estimate,
    table=(
        ("accuracy", "accuracy"),
        ("Spearman", "spearman"),
        ("consistency", "consistency"),
        ("AUROC", "auroc"),
        ("true reward", "true_reward"),
        ("proxy-true gap", "gap"),
        ("entropy", "entropy"),
        ("sel. diff. off-truth", "sel_offtruth"),
    ),
    panels=(
        ("true_reward", "true reward of the policy (z)", False),
        ("gap", "proxy - true reward (z)", False),
        ("spearman", "reward model Spearman vs truth", False),
        ("sel_offtruth", "RAFT selection differential, judge-irrelevant norm (SD)", False),
    ),
    policies=OBJECTIVES,
    worlds={
        "preferences": "contexts x candidate responses with a hidden true reward; feedback "
        "from Bradley-Terry annotators (flips, position bias) or selection-biased thumbs-up; "
        "a RAFT policy optimizes the learned reward",
    },
    claims=CLAIMS,
)
