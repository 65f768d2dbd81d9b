"""Song (2025), "Knowledge-Aware Iterative Retrieval for Multi-Agent Systems": the paper's
claims on the built-in ``retrieval-kair`` scenario (synthetic 1-4 hop world, BM25,
deterministic reader, 5 worlds x 25 questions per hop count, seed 0). Margins are the
module constants of ``looplab.experiments.retrieval`` and were fixed before the first run.
Claims that did not reproduce are strict xfails with the numbers seen.
"""

from __future__ import annotations

import pytest

from looplab.experiments import retrieval as R
from looplab.experiments.registry import load_scenario

HOPS = (1, 2, 3, 4)


@pytest.fixture(scope="module")
def summary() -> dict[str, dict[str, float]]:
    cfg = load_scenario("retrieval-kair")
    assert cfg.replicates == 5 and cfg.seed == 0
    return R.summarize_retrieval(R.run_retrieval(cfg), cfg)


def em(summary, arm: str, h: int) -> float:
    return summary[arm][f"em_h{h}_mean"]


def test_claim_kair_at_least_as_accurate_as_single_step_at_every_hop_count_margin_002(summary):
    for h in HOPS:
        assert em(summary, "kair", h) >= em(summary, "single_step", h) - R.MARGIN_VS_SINGLE, h


@pytest.mark.parametrize("conventional", ["conventional", "conventional_gen"])
def test_claim_kair_lead_over_conventional_grows_with_hops_by_015_dips_at_most_005(
    summary, conventional
):
    lead = [em(summary, "kair", h) - em(summary, conventional, h) for h in HOPS]
    for a, b in zip(lead, lead[1:], strict=False):
        assert b >= a - R.MARGIN_LEAD_STEP, lead
    assert lead[-1] - lead[0] >= R.MARGIN_LEAD_GROWTH, lead


def test_claim_kair_steps_grow_with_hop_count_by_at_least_half_a_step_per_hop(summary):
    steps = [summary["kair"][f"steps_h{h}_mean"] for h in HOPS]
    for a, b in zip(steps, steps[1:], strict=False):
        assert b - a >= R.MARGIN_STEPS, steps


def _rise(summary, arm: str) -> float:
    row = summary[arm]
    return row["distractor_share_step4_mean"] - row["distractor_share_step1_mean"]


def test_claim_kair_distractor_share_does_not_rise_over_steps_on_4_hop_questions_margin_005(
    summary,
):
    assert _rise(summary, "kair") <= R.MARGIN_DRIFT_FLAT


DRIFT_PASSAGE = (
    "claim did not reproduce: with the next query = question + last retrieved passage, the "
    "distractor share on 4-hop questions falls from 0.80 (step 1) to 0.31 (step 4): the top "
    "passage of step 1 is the gold hop-1 page for 75% of them, and the queries built from it "
    "pull in look-alike atlas pages of other entities (67% of steps 2-4), not popular sources"
)
DRIFT_GENERATION = (
    "claim did not reproduce at the stated margin: with the next query = question + last "
    "generation, the distractor share on 4-hop questions rises only from 0.800 to 0.862 "
    "(+0.062 < +0.10); it starts near its ceiling because the first query is the question"
)


@pytest.mark.parametrize("conventional", [
    pytest.param("conventional", marks=pytest.mark.xfail(strict=True, reason=DRIFT_PASSAGE)),
    pytest.param("conventional_gen",
                 marks=pytest.mark.xfail(strict=True, reason=DRIFT_GENERATION)),
])
def test_claim_conventional_loop_distractor_share_rises_over_steps_by_010(summary, conventional):
    assert _rise(summary, conventional) >= R.MARGIN_DRIFT_UP


@pytest.mark.xfail(
    strict=True,
    reason="claim did not reproduce: one cache-guided agent already answers 0.992 of 4-hop "
    "questions with the deterministic reader (it never misreads), so two agents (0.992) "
    "cannot gain the +0.05 EM margin",
)
def test_claim_two_collaborating_agents_beat_one_on_4_hop_questions_by_005_em(summary):
    gain = summary["kair_2"]["em_hardest_mean"] - summary["kair"]["em_hardest_mean"]
    assert gain >= R.MARGIN_TEAM


def test_team_cost_grows_with_agents_and_check_claims_agrees_with_these_tests(summary):
    """Three-agent cost/benefit is reported, not claimed: cost must grow with team size."""
    tokens = [summary[a]["tokens_mean"] for a in ("kair", "kair_2", "kair_3")]
    assert tokens[0] < tokens[1] < tokens[2]
    held = {c["claim"].split(" (")[0]: c["held"] for c in R.check_claims(summary)}
    assert held["cache-guided steps grow by >= 0.5 per hop"]
    assert not held["two agents beat one on the hardest questions"]
