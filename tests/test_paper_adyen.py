"""Paper claims of Vangara & Egg, "Contextual Bandits in Payment Processing at Adyen"
(arXiv 2412.00569), on the ``bandit-payments`` world with its default settings, on a seed
(1) and replicate count (8) different from the built-in scenario's, with stated margins.

Claims: (1) SquareCB beats uniform exploration from its first trained generation;
(2) as policies improve, their training windows grow more imbalanced (more successes);
(3) later generations can get worse and the generation reward oscillates; and the notes'
remedies, of which (4) mixing older generations' logs and (5) a small uniform slice are
expected to damp the oscillation, and (6) importance weighting and (7) class re-weighting
were hypothesised (notes, section 4) to damp it too.
"""

from __future__ import annotations

import pytest

from looplab.experiments.bandits import (
    DAMP_FACTOR,
    DROP_MARGIN,
    FIRST_GEN_MARGIN,
    IMBALANCE_MARGIN,
    NOISE_FACTOR,
    check_claims,
    run_bandit,
    summarize_bandit,
)
from looplab.experiments.registry import load_scenario

POLICIES = ("uniform", "greedy", "squarecb", "squarecb+older", "squarecb+uniform5",
            "squarecb+ipw", "squarecb+balance")

@pytest.fixture(scope="module")
def summary() -> dict[str, dict[str, float]]:
    cfg = load_scenario("bandit-payments", ["seed=1", "replicates=8"])
    cfg = cfg.model_copy(update={"policies": {k: cfg.policies[k] for k in POLICIES}})
    return summarize_bandit(run_bandit(cfg), cfg)


def test_squarecb_first_generation_beats_uniform_by_0_03(summary):
    assert (summary["squarecb"]["first_reward_mean"]
            >= summary["uniform"]["reward_mean"] + FIRST_GEN_MARGIN)


@pytest.mark.parametrize("policy", ["greedy", "squarecb"])
def test_training_window_grows_more_imbalanced_by_0_03(summary, policy):
    assert summary[policy]["imbalance_growth_mean"] >= IMBALANCE_MARGIN
    assert summary["uniform"]["imbalance_growth_mean"] < IMBALANCE_MARGIN


def test_squarecb_later_generations_degrade_and_oscillate_twice_the_noise_floor(summary):
    sq, un = summary["squarecb"], summary["uniform"]
    assert sq["max_drop_mean"] >= DROP_MARGIN
    assert sq["oscillation_amplitude_mean"] >= NOISE_FACTOR * un["oscillation_amplitude_mean"]


@pytest.mark.parametrize("remedy", ["squarecb+older", "squarecb+uniform5"])
def test_remedy_damps_oscillation_to_0_75_of_squarecb(summary, remedy):
    assert (summary[remedy]["oscillation_amplitude_mean"]
            <= DAMP_FACTOR * summary["squarecb"]["oscillation_amplitude_mean"])


@pytest.mark.parametrize("remedy", ["squarecb+ipw", "squarecb+balance"])
@pytest.mark.xfail(strict=True, reason="claim did not reproduce: importance weighting and "
                   "class re-weighting do not damp the oscillation on this world (their "
                   "amplitude is about SquareCB's or larger)")
def test_reweighting_remedy_damps_oscillation_to_0_75_of_squarecb(summary, remedy):
    assert (summary[remedy]["oscillation_amplitude_mean"]
            <= DAMP_FACTOR * summary["squarecb"]["oscillation_amplitude_mean"])


def test_check_claims_reports_the_same_verdicts(summary):
    verdicts = {c["claim"]: c["held"] for c in check_claims(summary)}
    assert len(verdicts) == 8
    assert [k for k, held in verdicts.items() if not held] == [
        "squarecb+ipw damps the oscillation (|Δ| <= 0.75 x SquareCB's)",
        "squarecb+balance damps the oscillation (|Δ| <= 0.75 x SquareCB's)",
    ]
