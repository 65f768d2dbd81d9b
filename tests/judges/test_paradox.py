"""The Paradox of Robustness design (issue 14): rule-bound decisions with and without
affective narratives; Cohen's h and a TOST verdict against a +/-3 pp ROPE, checked on
planted-bias decision judges whose effect is known."""

import pytest

from looplab.judges.paradox import SCENARIOS, PlantedDecisionJudge, paradox_audit, prompts


def test_design_is_nine_rule_bound_scenarios_with_neutral_and_affective_conditions():
    ps = prompts()
    assert len(SCENARIOS) == 9 and len(ps) == 9 * 9 * 2
    assert {p.pull for p in ps} == {-1, 0, 1}
    # options appear in both orders, and the correct letter follows the correct option
    assert {p.correct for p in ps} == {"A", "B"}


@pytest.mark.slow
def test_affect_blind_judge_is_certified_robust_on_most_seeds():
    verdicts = [paradox_audit(PlantedDecisionJudge(affect=0.0, seed=s), samples=20)
                for s in range(5)]
    assert sum(v["verdict"] == "robust" for v in verdicts) >= 4, verdicts
    assert all(abs(v["cohens_h"]) < 0.05 for v in verdicts)


@pytest.mark.slow
def test_affect_following_judge_is_flagged_with_a_positive_h():
    for s in range(5):
        v = paradox_audit(PlantedDecisionJudge(affect=1.5, seed=s), samples=20)
        assert v["verdict"] == "sensitive" and v["cohens_h"] > 0.1, v
        assert v["flip_rate"] > 0 and v["acc_affective"] < v["acc_neutral"]
