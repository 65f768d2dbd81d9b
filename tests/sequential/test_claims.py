"""Paper claims of the sequential-decision families, read from each family's claims table
and decided over 5 seeds by the claim's own pass rule ("most_seeds": holds on >= 80% of
seeds; "pooled": the 95% t-interval over seeds lies on the passing side). Claims recorded
as not reproduced are strict xfails."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

import pytest

from looplab.families import cpl, mdp, meta_bo, meta_exploration, onesided, stitching
from tests.claims_util import assert_claim_over_seeds

SEEDS = range(5)
# (family, scenario name used for not_reproduced, config overrides of the test runs)
CASES: dict[str, tuple[Any, str, dict[str, Any]]] = {
    # the one-sided claims need the scenario defaults (8 replicates x 2000 rounds): with 4
    # replicates x 1500 the panel ratio was 0.85, 0.86, 0.80, 0.96, 1.24 over seeds 0-4
    "onesided": (onesided.FAMILY, "onesided-panel", {}),
    "average_reward": (mdp.FAMILY, "riverswim-loop", {"replicates": 4}),
    # LOOP's linear form next to the tabular one on RiverSwim's minimal feature map
    "average_reward_linear": (mdp.FAMILY, "riverswim-linear-loop", {
        "replicates": 3, "world": {"variant": "riverswim_lowrank"},
        "policies": {"loop_linear": {"type": "loop_linear"}, "loop": {"type": "loop"}}}),
    # one dataset + fit per seed (the scenario's 4 replicates would cost 4x the time)
    "stitching": (stitching.FAMILY, "stitching-two-rooms", {"replicates": 1}),
    "preference_gridworld": (cpl.FAMILY, "cpl-gridworld", {"replicates": 4}),
    # 4 GRU trainings per seed: ~80 s a seed on 2 idle cores, so 5 seeds exceed the slow
    # budget; run with LOOPLAB_HEAVY=1 (the claims table records the measured verdicts).
    # A budget that would fit (100 updates of 128 tasks, 1/8 of the default) leaves every
    # GRU untrained (regret ~9-10.6 per task, like no memory): memory_needed held on 2/5
    # seeds, structure_needed on 1/5 -- not an honest smaller version of the claims
    "meta_exploration": (meta_exploration.FAMILY, "meta-exploration-bandits", {}),
    # 2 NAP trainings per seed: 274 s a seed on the shared 2-core machine (load ~15), so 5
    # seeds exceed the slow budget by far; LOOPLAB_HEAVY=1 (the claims table records the
    # measured verdicts)
    "meta_bo": (meta_bo.FAMILY, "meta-bo-nap", {}),
}
HEAVY = {"meta_exploration", "meta_bo"}
# a case checks the claims whose arms it runs; the linear case only the linear-LOOP ones
# (the tabular claims are decided on riverswim-loop)
ONLY = {"average_reward_linear": lambda c: "loop_linear" in c.arms}


def applicable(kind: str, claim: Any) -> bool:
    fam, name, kw = CASES[kind]
    arms = set(fam.scenario(name=name, **kw).policies)
    return set(claim.arms) <= arms and ONLY.get(kind, lambda c: True)(claim)


@cache
def summaries(kind: str) -> tuple[dict[str, dict[str, float]], ...]:
    fam, name, kw = CASES[kind]
    out = []
    for seed in SEEDS:
        cfg = fam.scenario(name=name, seed=seed, **kw)
        out.append(fam.summarize(fam.run(cfg, None), cfg))
    return tuple(out)


PARAMS = [
    pytest.param(kind, claim, id=f"{kind}:{claim.id}",
                 marks=[pytest.mark.slow]
                 + ([pytest.mark.xfail(strict=True, reason=claim.id)]
                    if not claim.expected_to_hold(CASES[kind][1]) else [])
                 + ([pytest.mark.skipif(not os.environ.get("LOOPLAB_HEAVY"),
                                        reason="heavy (torch training): LOOPLAB_HEAVY=1")]
                    if kind in HEAVY else []))
    for kind, (fam, _, _) in CASES.items() for claim in fam.claims if applicable(kind, claim)
]


@pytest.mark.parametrize("kind, claim", PARAMS)
def test_paper_claim_over_seeds(kind, claim):
    assert_claim_over_seeds(claim, list(summaries(kind)))
