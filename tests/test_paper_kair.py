"""Song (2025), "Knowledge-Aware Iterative Retrieval for Multi-Agent Systems": the paper's
claims on the built-in ``retrieval-kair`` scenario (synthetic 1-4 hop world, BM25,
deterministic reader, 5 worlds x 25 questions per hop count, seed 0). Claims and
margins are ``looplab.families.retrieval.CLAIMS``, fixed before the first run.
Claims that did not reproduce are strict xfails with the numbers seen.
"""

from __future__ import annotations

import pytest

from looplab.experiments.registry import load_scenario
from looplab.families import retrieval as R
from tests.claims_util import assert_claim, claim_cases


@pytest.fixture(scope="module")
def summary() -> dict[str, dict[str, float]]:
    cfg = load_scenario("retrieval-kair")
    assert cfg.replicates == 5 and cfg.seed == 0
    return R.summarize_retrieval(R.run_retrieval(cfg), cfg)


@pytest.mark.parametrize(("claim", "scenario"), claim_cases(R.CLAIMS, ["retrieval-kair"]))
def test_paper_claim_holds_with_its_margin(summary, claim, scenario):
    assert_claim(claim, summary)


def test_team_cost_grows_with_agents(summary):
    """Three-agent cost/benefit is reported, not claimed: cost must grow with team size."""
    tokens = [summary[a]["tokens_mean"] for a in ("kair", "kair_2", "kair_3")]
    assert tokens[0] < tokens[1] < tokens[2]
