"""The one-sided-feedback family (scenario kind ``onesided``): individually fair
classification with labels seen only for predicted positives and an auditor panel
(Bechavod & Roth, ICML 2023). Every arm is a learner run under one named panel design on
the same pools and seed; the claims compare learners and panels."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from looplab.core.loop import ProgressHook, run
from looplab.core.params import Params
from looplab.core.streams import Rows
from looplab.experiments.claims import Claim, diff, ratio, value
from looplab.experiments.config import ScenarioBase
from looplab.families.base import Family, entry_union, frame_bytes
from looplab.families.seqcommon import build, final, summarize_stats, window_mean, with_fields
from looplab.policies.exp2 import Exp2
from looplab.policies.ftpl import FTPL
from looplab.policies.naive_onesided import NaiveOneSided
from looplab.worlds.onesided import (
    OneSidedConfig,
    OneSidedFeedback,
    OneSidedMonitor,
    OneSidedWorld,
)

POLICIES: dict[str, type[Params]] = {"exp2": Exp2, "ftpl": FTPL, "naive": NaiveOneSided}
LATE = 0.8  # "late" = the last 20% of rounds; "early" = the first 20%


class Panel(Params):
    """A panel design: which auditors may sit (empty: all), how many sit, the quorum."""

    panel: tuple[int, ...] = ()
    panel_size: int = Field(3, ge=1)
    quorum: float = Field(0.5, gt=0.0, le=1.0)


ARMS = {n: with_fields(c, panel=(str, "quorum")) for n, c in POLICIES.items()}


def _default_arms() -> dict[str, Any]:
    return {
        "exp2": ARMS["exp2"](),
        "ftpl": ARMS["ftpl"](),
        "naive_ignore": ARMS["naive"](unlabelled="ignore"),
        "naive_negative": ARMS["naive"](unlabelled="negative"),
        "exp2_biased": ARMS["exp2"](panel="biased"),
    }


def _tag(arms: dict[str, Any]) -> dict[str, Any]:
    # the defaults above are untagged; re-validate them through the tagged union
    types = {"Exp2Arm": "exp2", "FTPLArm": "ftpl", "NaiveOneSidedArm": "naive"}
    return {k: {"type": types[type(v).__name__], **v.model_dump(exclude_unset=True)}
            for k, v in arms.items()}


class OneSidedScenario(ScenarioBase):
    """A one-sided scenario: a world, named panel designs, and learner arms (each under a
    panel). Defaults: the quorum panel (3 of the 5 auditors, majority) and a single
    biased auditor (auditor 0, cross-group scale 4)."""

    kind: Literal["onesided"] = "onesided"
    rounds: int = Field(2000, gt=0)
    world: OneSidedConfig = OneSidedConfig()
    panels: dict[str, Panel] = Field(default_factory=lambda: {
        "quorum": Panel(), "biased": Panel(panel=(0,), panel_size=1, quorum=1.0)})
    policies: dict[str, entry_union(ARMS)] = Field(  # type: ignore[valid-type]
        default_factory=lambda: _tag(_default_arms()), min_length=1, validate_default=True)

    @model_validator(mode="after")
    def _panels_exist(self) -> OneSidedScenario:
        for name, arm in self.policies.items():
            if arm.panel not in self.panels:
                raise ValueError(f"policies.{name}.panel: {arm.panel!r} is not one of the "
                                 f"panels ({', '.join(self.panels)})")
        return self


def world_for(cfg: OneSidedScenario, panel: str) -> OneSidedWorld:
    """The world under one panel design (validated as a whole config)."""
    return OneSidedWorld(OneSidedConfig(**{**cfg.world.model_dump(),
                                           **cfg.panels[panel].model_dump()}))


def run_onesided(cfg: OneSidedScenario, progress: ProgressHook | None = None,
                 rows: Rows | None = None) -> pd.DataFrame:
    """Every arm on the same pools and seed; long table (policy, panel, round, replicate, ...)."""
    rows = rows if rows is not None else Rows.of(cfg.seed, cfg.replicates)
    frames = []
    for name, arm in cfg.policies.items():
        world = world_for(cfg, arm.panel)
        policy = build(POLICIES, arm, drop=("panel",),
                       fairness_weight=cfg.world.fairness_weight)
        res = run(world, policy, OneSidedFeedback(), [OneSidedMonitor()], cfg.rounds,
                  len(rows), cfg.seed, rows=rows, progress=progress)
        frames.append(res.to_frame(policy=name, panel=arm.panel))
    return pd.concat(frames, ignore_index=True)


def _stats(df: pd.DataFrame) -> dict[str, np.ndarray]:
    return {
        "late_regret": window_mean(df, "regret", LATE, 1.0),
        "early_regret": window_mean(df, "regret", 0.0, 0.2),
        "cum_regret": final(df, "cum_regret"),
        "late_acc_regret": window_mean(df, "acc_regret", LATE, 1.0),
        "late_error": window_mean(df, "error", LATE, 1.0),
        "late_true_violations": window_mean(df, "true_violations", LATE, 1.0),
        "late_excess_violations": window_mean(df, "excess_violations", LATE, 1.0),
        "late_panel_violations": window_mean(df, "panel_violations", LATE, 1.0),
        "cum_true_violations": final(df, "cum_true_violations"),
        "never_labelled": final(df, "never_labelled"),
    }


def summarize_onesided(frame: pd.DataFrame, cfg: Any) -> dict[str, dict[str, float]]:
    """Per arm: late (last 20%) and early per-round regret, violations, never-labelled share."""
    return summarize_stats(frame, _stats)


SOURCE = "Bechavod & Roth, Individually Fair Learning with One-Sided Feedback (ICML 2023)"
CLAIMS = (
    Claim("exp2_sublinear_regret",
          "Exp2's per-round regret on the hidden Lagrangian objective vanishes: <= 0.05 "
          "per round (of k = 8 decisions) over the last 20% of rounds", SOURCE,
          value("exp2", "late_regret"), "<=", 0.05),
    Claim("ftpl_sublinear_regret",
          "FTPL with geometric resampling: per-round regret <= 0.05 over the last 20%",
          SOURCE, value("ftpl", "late_regret"), "<=", 0.05),
    Claim("exp2_sublinear_violations",
          "Exp2's true-metric violations per round exceed the comparator's by <= 0.05 "
          "over the last 20% of rounds", SOURCE,
          value("exp2", "late_excess_violations"), "<=", 0.05),
    Claim("quorum_beats_biased_auditor",
          "Exp2 under a majority panel commits <= 0.85x the true-metric violations it "
          "commits when one biased auditor judges", SOURCE,
          ratio("exp2", "late_true_violations", "exp2_biased"), "<=", 0.85),
    Claim("naive_ignore_stalls",
          "Follow-the-leader ignoring unlabelled individuals keeps >= 0.1 more per-round "
          "regret than Exp2 late in the run", SOURCE,
          diff("naive_ignore", "late_regret", "exp2"), ">=", 0.1),
    Claim("naive_negative_stalls",
          "Follow-the-leader counting unlabelled as negative keeps >= 0.1 more per-round "
          "regret than Exp2 late in the run", SOURCE,
          diff("naive_negative", "late_regret", "exp2"), ">=", 0.1),
)

def memory_estimate(cfg: OneSidedScenario) -> int:
    """Coarse peak bytes: the long table (rounds x replicates x policies) and each
    replicate's applicant pool (x 32 working arrays), per policy."""
    S, P = cfg.replicates, len(cfg.policies)
    return frame_bytes(cfg.rounds * S * P) + 8 * 32 * S * P * cfg.world.pool_size


FAMILY = Family(
    memory_estimate=memory_estimate,
    name="onesided",
    description="individually fair classification, labels only for predicted positives, "
                "auditor panels (Bechavod & Roth)",
    scenario=OneSidedScenario,
    run=run_onesided,
    replicate_rows=True,
    summarize=summarize_onesided,
    progress_total=lambda cfg: cfg.rounds * len(cfg.policies),
    table=(("late regret", "late_regret"), ("cum regret", "cum_regret"),
           ("true viol.", "late_true_violations"), ("panel viol.", "late_panel_violations"),
           ("never labelled", "never_labelled")),
    panels=(("cum_regret", "cumulative regret", False),
            ("true_violations", "true-metric violations", True),
            ("panel_violations", "panel-reported violations", True),
            ("never_labelled", "share never labelled", False)),
    policies=POLICIES,
    worlds={"onesided": "k arrivals per round from a pool, labels only for predicted "
                        "positives, an auditor pool with a quorum panel"},
    claims=CLAIMS,
)
