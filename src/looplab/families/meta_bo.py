"""The meta-Bayesian-optimisation family (scenario kind ``meta_bo``): NAP, a transformer
neural process trained end to end with RL on the sparse regret reward, with and without
its auxiliary neural-process loss, against GP expected improvement and random search on
the same GP-sampled 1-D test functions (Maraval et al., NeurIPS 2023).

Not a round-by-round loop: each replicate trains every NAP arm once (its own torch seed)
and runs every optimiser on one shared set of test tasks; the table has one row per
(policy, replicate, query t) with the mean simple regret after query t (t = 0 is the
shared random first query). torch is imported only when a NAP arm runs."""

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
from looplab.families.seqcommon import build, summarize_stats
from looplab.policies.nap import NAP
from looplab.worlds.gp_functions import (
    GPFunctionsConfig,
    gp_expected_improvement,
    grid_points,
    random_search,
    sample_tasks,
    simple_regret,
    torch_task_sampler,
)


class Reference(Params):
    """A non-learned optimiser: ``gp_ei`` (GP expected improvement with the true prior) or
    ``random`` (uniform random search)."""

    rule: Literal["gp_ei", "random"] = "gp_ei"


POLICIES: dict[str, type[Params]] = {"nap": NAP, "reference": Reference}


class MetaBOScenario(ScenarioBase):
    """NAP (with / without its auxiliary loss) and references on GP-sampled test tasks."""

    kind: Literal["meta_bo"] = "meta_bo"
    rounds: int = Field(1, ge=1, le=1)
    replicates: int = Field(1, gt=0)
    world: GPFunctionsConfig = GPFunctionsConfig()
    policies: dict[str, entry_union(POLICIES)] = Field(  # type: ignore[valid-type]
        default_factory=lambda: {
            "nap": {"type": "nap"},
            "nap_rl_only": {"type": "nap", "aux_weight": 0.0},
            "gp_ei": {"type": "reference", "rule": "gp_ei"},
            "random": {"type": "reference", "rule": "random"}},
        min_length=1, validate_default=True)


def run_meta_bo(cfg: MetaBOScenario, progress: ProgressHook | None = None,
                rows: Rows | None = None) -> pd.DataFrame:
    """Per replicate: train each NAP arm, then every arm optimises the same test tasks.
    Replicate r of seed s draws only from generators named by (s, r)."""
    w = cfg.world
    x = grid_points(w)
    rows = rows if rows is not None else Rows.of(cfg.seed, cfg.replicates)
    out: list[dict[str, Any]] = []
    for run_seed, r in rows.pairs():
        f, first = sample_tasks(w, w.test_tasks, generator(run_seed, "meta-bo-tasks", str(r)))
        for name, entry in cfg.policies.items():
            seed = int(generator(run_seed, "meta-bo-train", str(r), name).integers(2**31))
            if entry.type == "nap":
                learner = build(POLICIES, entry)
                net = learner.train(torch_task_sampler(w), x, w.horizon, seed)
                Q = learner.evaluate(net, f, first, x, w.horizon)
            elif entry.rule == "gp_ei":
                Q = gp_expected_improvement(f, first, w.horizon, w)
            else:
                Q = random_search(f, first, w.horizon, np.random.default_rng(seed))
            curve = simple_regret(f, Q).mean(axis=0)
            out.extend({"policy": name, "round": t, "replicate": r,
                        **({"seed": run_seed} if rows.packed else {}), "simple_regret": float(v)}
                       for t, v in enumerate(curve))
            if progress is not None:
                progress(1)
    return pd.DataFrame(out)


def _stats(df: pd.DataFrame) -> dict[str, np.ndarray]:
    curves = df.pivot(index="replicate", columns="round", values="simple_regret").to_numpy()
    return {"final_regret": curves[:, -1], "mean_regret": curves[:, 1:].mean(axis=1)}


def summarize_meta_bo(frame: pd.DataFrame, cfg: Any) -> dict[str, dict[str, float]]:
    """Per arm: the simple regret after the last query, and its mean over the queries."""
    return summarize_stats(frame, _stats)


SOURCE = "Maraval et al., End-to-End Meta-Bayesian Optimisation with Transformer Neural " \
         "Processes (NeurIPS 2023)"
CLAIMS = (
    Claim("aux_loss_makes_rl_work",
          "Under the sparse regret reward, NAP trained with the auxiliary neural-process "
          "loss ends with >= 0.05 less simple regret than the same transformer trained by "
          "RL alone", SOURCE, diff("nap_rl_only", "final_regret", "nap"), ">=", 0.05,
          not_reproduced=("*",),
          note="measured on seeds 0-4 (scenario defaults: 300 REINFORCE updates of 64 "
               "episodes, ~4 min a seed on the shared 2-core machine): RL-only - NAP final "
               "simple regret = +0.160, +0.099, -0.072, +0.012, -0.007 (held on 2/5; mean "
               "+0.038); NAP 0.122, 0.159, 0.211, 0.123, 0.114 vs RL-only 0.282, 0.258, "
               "0.139, 0.135, 0.107 (random search 0.22-0.26, GP-EI 0.006-0.016). At this "
               "budget RL alone often does learn (below random search) and the auxiliary "
               "loss helps on some seeds only. Doubling the budget (600 updates) did not "
               "change this: +0.112, +0.021, -0.074, +0.023, +0.009 (held on 1/5). The "
               "paper trains orders of magnitude longer"),
    Claim("nap_matches_gp_ei",
          "NAP ends with no more simple regret than GP expected improvement (the paper "
          "reports NAP at or below its GP-based baselines)", SOURCE,
          diff("gp_ei", "final_regret", "nap"), ">=", 0.0, not_reproduced=("*",),
          note="measured on seeds 0-4 at the CI-sized budget (300 REINFORCE updates of 64 "
               "episodes): GP-EI - NAP final simple regret = -0.111, -0.146, -0.205, "
               "-0.107, -0.104 (NAP 0.146 on average vs GP-EI 0.011); GP-EI is given the "
               "task family's true prior, and the paper trains far longer"),
)


def memory_estimate(cfg: MetaBOScenario) -> int:
    """Coarse peak bytes: the test functions and the transformer's activations over a
    training batch (batch x (grid + horizon) tokens x d_model x 64 floats), plus ~384 MiB
    for the torch runtime."""
    w = cfg.world
    return 384 * 2**20 + 8 * w.test_tasks * w.grid * 16 + 8 * 64 * 128 * (
        w.grid + w.horizon) * 64 * len(cfg.policies)


FAMILY = Family(
    memory_estimate=memory_estimate,
    name="meta_bo",
    description="meta-Bayesian optimisation: a transformer neural process trained with RL "
                "(NAP), with and without its auxiliary loss, against GP expected improvement",
    scenario=MetaBOScenario,
    run=run_meta_bo,
    replicate_rows=True,
    summarize=summarize_meta_bo,
    progress_total=lambda cfg: cfg.replicates * len(cfg.policies),
    table=(("final simple regret", "final_regret"), ("mean simple regret", "mean_regret")),
    panels=(("simple_regret", "simple regret after query t", False),),
    policies=POLICIES,
    worlds={"gp_functions": "1-D functions drawn from a GP (squared-exponential kernel) on "
                            "a grid; optimise in a fixed number of queries"},
    claims=CLAIMS,
)
