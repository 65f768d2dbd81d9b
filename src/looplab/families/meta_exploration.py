"""The emergent-exploration family (scenario kind ``meta_exploration``): a GRU meta-learner
trained only to exploit across bandit tasks, with its ablations (no memory, no recurring
structure, no long-horizon credit), against a greedy heuristic and Thompson sampling, all
scored greedily on the same structured test tasks (Rentschler & Roberts, 2025).

Not a round-by-round loop: each replicate trains every learner once (its own torch seed)
and evaluates it on one shared set of test tasks; the table has one row per (policy,
replicate) with ``round`` = 0. torch is imported only when a GRU arm runs."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from looplab.core.loop import ProgressHook
from looplab.core.params import Params
from looplab.core.seeding import generator
from looplab.core.streams import Rows
from looplab.experiments.claims import Claim, diff
from looplab.experiments.config import ScenarioBase
from looplab.families.base import Family, entry_union
from looplab.families.seqcommon import build, summarize_stats, with_fields
from looplab.policies.meta_gru import MetaGRU
from looplab.worlds.meta_bandit import (
    MetaBanditConfig,
    exploration_rate,
    myopic,
    structured_means,
    thompson,
    torch_tasks,
)


class Heuristic(Params):
    """A non-learning reference: ``greedy`` (empirical best, unpulled arms at 0.5) or
    ``thompson`` (Beta(1, 1) Thompson sampling)."""

    rule: Literal["greedy", "thompson"] = "greedy"


POLICIES: dict[str, type[Params]] = {"meta_gru": MetaGRU, "heuristic": Heuristic}
Family_ = Literal["structured", "unstructured"]
ARMS = {n: with_fields(c, train_on=(Family_, "structured")) for n, c in POLICIES.items()}


class MetaExplorationScenario(ScenarioBase):
    """Learners (and ablations) trained on a task family, tested on structured tasks."""

    kind: Literal["meta_exploration"] = "meta_exploration"
    rounds: int = Field(1, ge=1, le=1)
    replicates: int = Field(1, gt=0)
    world: MetaBanditConfig = MetaBanditConfig()
    policies: dict[str, entry_union(ARMS)] = Field(  # type: ignore[valid-type]
        default_factory=lambda: {
            "gru": {"type": "meta_gru"},
            "gru_no_memory": {"type": "meta_gru", "memory": False},
            "gru_no_structure": {"type": "meta_gru", "train_on": "unstructured"},
            "gru_myopic": {"type": "meta_gru", "long_horizon": False},
            "greedy": {"type": "heuristic", "rule": "greedy"},
            "thompson": {"type": "heuristic", "rule": "thompson"}},
        min_length=1, validate_default=True)


def run_meta(cfg: MetaExplorationScenario, progress: ProgressHook | None = None,
             rows: Rows | None = None) -> pd.DataFrame:
    """Per replicate: train each GRU arm, then score every arm greedily on the same tasks.
    Replicate r of seed s draws only from generators named by (s, r)."""
    w = cfg.world
    rows = rows if rows is not None else Rows.of(cfg.seed, cfg.replicates)
    out = []
    for run_seed, r in rows.pairs():
        rng = generator(run_seed, "meta-tasks", str(r))
        test = structured_means(w.test_tasks, w.arms, w.high, w.low, rng)
        best = test.max(1) * w.horizon
        for name, entry in cfg.policies.items():
            seed = int(generator(run_seed, "meta-train", str(r), name).integers(2**31))
            if entry.type == "meta_gru":
                learner = build(POLICIES, entry, drop=("train_on",))
                net = learner.train(torch_tasks(w, entry.train_on), w.arms, w.horizon, seed)
                A, R = learner.evaluate(net, test, w.horizon, seed + 1)
            else:
                fn = myopic if entry.rule == "greedy" else thompson
                A, R = fn(test, w.horizon, np.random.default_rng(seed))
            got = test[np.arange(test.shape[0])[:, None], A].sum(1)
            out.append({"policy": name, "round": 0, "replicate": r,
                        **({"seed": run_seed} if rows.packed else {}),
                        "regret": float((best - got).mean()),
                        "exploration": float(exploration_rate(A, R, w.arms).mean())})
            if progress is not None:
                progress(1)
    return pd.DataFrame(out)


def _stats(df: pd.DataFrame) -> dict[str, np.ndarray]:
    df = df.sort_values("replicate")
    return {"regret": df["regret"].to_numpy(), "exploration": df["exploration"].to_numpy()}


def summarize_meta(frame: pd.DataFrame, cfg: Any) -> dict[str, dict[str, float]]:
    """Per arm: per-task regret on structured test tasks and first-half exploration rate."""
    return summarize_stats(frame, _stats)


# measured (seeds 0-4, scenario defaults): memory_needed holds on 4/5 seeds (no-memory -
# gru regret -1.61, 2.47, 5.24, 4.84, 6.33), structure_needed on 5/5 (2.53 ... 7.62)
SOURCE = "Rentschler & Roberts, Exploitation Is All You Need... for Exploration (2025)"
CLAIMS = (
    Claim("memory_needed",
          "Without memory the exploit-only learner has >= 1.0 more regret per task than with it",
          SOURCE, diff("gru_no_memory", "regret", "gru"), ">=", 1.0),
    Claim("structure_needed",
          "Trained without recurring structure, the learner has >= 1.0 more regret per "
          "structured test task", SOURCE, diff("gru_no_structure", "regret", "gru"), ">=", 1.0),
    Claim("beats_greedy_heuristic",
          "With memory and structure, the exploit-only learner's regret is below the greedy "
          "heuristic's", SOURCE, diff("greedy", "regret", "gru"), ">=", 0.0,
          # measured, seeds 0-4 on the scenario defaults (400 REINFORCE updates of 256
          # tasks): greedy - gru regret = -7.81, -3.75, -1.07, -1.40, -0.38 (gru 10.36, 6.25,
          # 3.40, 3.83, 2.98 vs greedy ~2.5 per task); the greedy heuristic's 0.5 prior on
          # unpulled arms already explores this task family, and the CI-sized training
          # budget leaves the GRU short of it (seed 0 collapsed to committing early)
          not_reproduced=("*",)),
)

def memory_estimate(cfg: MetaExplorationScenario) -> int:
    """Coarse peak bytes: the test tasks' episodes (tasks x horizon x arms, x 64 floats)
    per replicate and policy, plus ~384 MiB for the torch runtime the GRU loads."""
    w, S, P = cfg.world, cfg.replicates, len(cfg.policies)
    return 384 * 2**20 + 8 * 64 * S * P * w.test_tasks * w.horizon * w.arms


FAMILY = Family(
    memory_estimate=memory_estimate,
    name="meta_exploration",
    description="exploration emerging from exploitation: a GRU meta-learner and its "
                "ablations on bandit task families",
    scenario=MetaExplorationScenario,
    run=run_meta,
    replicate_rows=True,
    summarize=summarize_meta,
    progress_total=lambda cfg: cfg.replicates * len(cfg.policies),
    table=(("regret/task", "regret"), ("exploration", "exploration")),
    policies=POLICIES,
    worlds={"meta_bandit": "K-armed Bernoulli tasks, one good arm (structured) or means "
                           "redrawn every step (unstructured)"},
    claims=CLAIMS,
)
