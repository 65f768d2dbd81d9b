"""The stitching family (scenario kind ``stitching``): goal-conditioned behaviour cloning,
with and without temporal goal augmentation, against goal-conditioned TD on a two-room
gridworld dataset whose trajectories meet only at the door (Ghugare et al., ICLR 2024).

Not a round-by-round loop: each replicate draws a dataset, fits every learner on it (the
same data for all) and rolls the greedy policies out on the same test and control pairs.
The table has one row per (policy, replicate) with ``round`` = 0."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from looplab.core.loop import ProgressHook
from looplab.core.params import Params
from looplab.core.seeding import generator
from looplab.core.streams import Rows
from looplab.experiments.claims import Claim, custom, value
from looplab.experiments.config import ScenarioBase
from looplab.families.base import Family, entry_union
from looplab.families.seqcommon import build, summarize_stats
from looplab.policies.gc_td import GoalTD
from looplab.policies.gcbc import GCBC
from looplab.worlds.stitching import StitchConfig, StitchGrid

POLICIES: dict[str, type[Params]] = {"gcbc": GCBC, "td": GoalTD}


class StitchScenario(ScenarioBase):
    """A stitching scenario: the gridworld/dataset and the learners."""

    kind: Literal["stitching"] = "stitching"
    rounds: int = Field(1, ge=1, le=1)  # one fit-and-evaluate per replicate
    replicates: int = Field(4, gt=0)
    world: StitchConfig = StitchConfig()
    policies: dict[str, entry_union(POLICIES)] = Field(  # type: ignore[valid-type]
        default_factory=lambda: {"gcbc": {"type": "gcbc"},
                                 "gcbc_aug": {"type": "gcbc", "augment_prob": 0.5},
                                 "td": {"type": "td"}},
        min_length=1, validate_default=True)


def run_stitching(cfg: StitchScenario, progress: ProgressHook | None = None,
                  rows: Rows | None = None) -> pd.DataFrame:
    """Per replicate: one dataset and pair set, every learner fitted and rolled out on it.
    Replicate r of seed s draws only from generators named by (s, r), so ``rows`` may be any
    replicate range or a pack of seeds."""
    grid = StitchGrid(cfg.world)
    rows = rows if rows is not None else Rows.of(cfg.seed, cfg.replicates)
    out = []
    for seed, r in rows.pairs():
        rng = generator(seed, "stitching", str(r))
        data = grid.dataset(rng)
        test, control = grid.test_pairs(rng), grid.test_pairs(rng, control=True)
        for name, entry in cfg.policies.items():
            learner = build(POLICIES, entry)
            fit_rng = generator(seed, "stitching-fit", str(r), name)
            act = learner.policy(learner.fit(grid, data, fit_rng), grid)
            out.append({"policy": name, "round": 0, "replicate": r,
                        **({"seed": seed} if rows.packed else {}),
                        "test_success": grid.success(act, test),
                        "control_success": grid.success(act, control)})
            if progress is not None:
                progress(1)
    return pd.DataFrame(out)


def _stats(df: pd.DataFrame) -> dict[str, np.ndarray]:
    df = df.sort_values("replicate")
    return {"test_success": df["test_success"].to_numpy(),
            "control_success": df["control_success"].to_numpy()}


def summarize_stitching(frame: pd.DataFrame, cfg: Any) -> dict[str, dict[str, float]]:
    """Per learner: success on unseen (start, goal) pairs and on seen (control) pairs."""
    return summarize_stats(frame, _stats)


SOURCE = "Ghugare et al., Closing the Gap between TD Learning and Supervised Learning (ICLR 2024)"
CLAIMS = (
    Claim("gcbc_fails_unseen_pairs",
          "GCBC reaches goals of (start, goal) pairs never seen together in <= 30% of cases",
          SOURCE, value("gcbc", "test_success"), "<=", 0.3),
    Claim("gcbc_works_on_seen_pairs",
          "Control: the same GCBC reaches seen-together goals (the door) in >= 90% of cases",
          SOURCE, value("gcbc", "control_success"), ">=", 0.9),
    Claim("augmentation_closes_most_of_gap",
          "Temporal goal augmentation closes >= half of the GCBC-to-TD gap on unseen pairs",
          SOURCE,
          custom((("gcbc_aug", "test_success"), ("gcbc", "test_success"), ("td", "test_success")),
                 lambda a, b, t: (a - b) / (t - b) if t > b else float("nan"),
                 "(aug - gcbc) / (td - gcbc) test success"), ">=", 0.5),
    Claim("td_stitches",
          "Goal-conditioned TD reaches >= 90% of unseen-pair goals", SOURCE,
          value("td", "test_success"), ">=", 0.9),
)

def memory_estimate(cfg: StitchScenario) -> int:
    """Coarse peak bytes: the trajectory data set and its relabelled pairs (~width^2 steps per
    trajectory, x 64 floats), per replicate and policy, plus ~384 MiB for the torch
    runtime the fits load."""
    w, S, P = cfg.world, cfg.replicates, len(cfg.policies)
    data = 8 * 64 * (w.trajectories * 4 * w.width**2 + w.test_pairs)
    return 384 * 2**20 + S * P * data


FAMILY = Family(
    memory_estimate=memory_estimate,
    name="stitching",
    description="stitching as combinatorial generalisation: GCBC (+ temporal goal "
                "augmentation) vs goal-conditioned TD on a two-room dataset",
    scenario=StitchScenario,
    run=run_stitching,
    replicate_rows=True,
    summarize=summarize_stitching,
    progress_total=lambda cfg: cfg.replicates * len(cfg.policies),
    table=(("unseen pairs", "test_success"), ("seen pairs", "control_success")),
    policies=POLICIES,
    worlds={"stitching": "two rooms joined by a door; trajectories left room -> door and "
                         "door -> right room"},
    claims=CLAIMS,
)
