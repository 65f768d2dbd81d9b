"""The audit against reference judges with planted biases of known size (closed-form truth).

The truth for a bias is computed here from the judge's exact choice probabilities, not by the
audit: effect = mean over items and orders of P(better | cue on better) - P(better | cue on
worse) (position: better shown first vs second).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from looplab.judges import (
    CueDetector,
    DetectRevise,
    ReferenceJudge,
    Verdict,
    audit,
    from_callable,
    load_cues,
    load_items,
    mitigate,
)
from looplab.judges.injectors import ORDERS, show

ITEMS = load_items()
CUES = load_cues()


def _p_better(judge: ReferenceJudge, s) -> float:
    p = judge.prob_a(s.question, s.answer_a, s.answer_b)
    return p if s.better_at == "A" else 1.0 - p


def true_effect(judge: ReferenceJudge, bias: str, seed: int) -> float:
    vals = []
    for it in ITEMS:
        if bias == "position":
            vals.append(_p_better(judge, show(it, "better-first"))
                        - _p_better(judge, show(it, "worse-first")))
            continue
        cue = CUES[bias]
        chosen = cue.choose(seed, it.id)
        for order in ORDERS:
            vals.append(_p_better(judge, show(it, order, cue, "better", chosen))
                        - _p_better(judge, show(it, order, cue, "worse", chosen)))
    return float(np.mean(vals))


def test_planted_position_and_verbosity_are_covered_and_flagged():
    """Planted position = 1.5 logits and verbosity slope = 0.5 logits per doubling, 40 items,
    30 seeds: the 95% interval covers the exact truth in >= 80% of seeds (nominal 95%; 80%
    is the 1% binomial tail at 30 seeds), both are flagged 'biased' in >= 90% of seeds, and
    the unplanted bandwagon cue (truth exactly 0) in <= 4 of 30."""
    seeds = range(30)
    cover = {"position": 0, "verbosity": 0, "bandwagon": 0}
    flagged = dict.fromkeys(cover, 0)
    for seed in seeds:
        judge = ReferenceJudge(ITEMS, position=1.5, verbosity=0.5, seed=seed)
        rep = audit(judge, ITEMS, list(cover), seed=seed, n_boot=1000)
        for bias in cover:
            e, truth = rep.effects[bias], true_effect(judge, bias, seed)
            cover[bias] += e.ci_low <= truth <= e.ci_high
            flagged[bias] += e.verdict == "biased"
    assert true_effect(ReferenceJudge(ITEMS, position=1.5, verbosity=0.5), "bandwagon", 0) == 0
    assert cover["position"] >= 24 and cover["verbosity"] >= 24 and cover["bandwagon"] >= 24, cover
    assert flagged["position"] >= 27 and flagged["verbosity"] >= 27, flagged
    assert flagged["bandwagon"] <= 4, flagged


# the 8 biases this calibration was sized for (the catalogue has grown since; issue 14)
EIGHT = ["position", "verbosity", "bandwagon", "authority", "distraction", "reflection",
         "sentiment", "emotional"]


def test_unbiased_judge_is_flagged_no_more_often_than_alpha_allows():
    """An unbiased (but noisy: 88% accurate) reference judge over 25 seeds x 8 biases = 200
    tests at alpha = 0.05: flagged <= 8% (the 99th percentile of Binomial(200, 0.05) is
    ~9.5%, so 8% still allows for modest conservatism only)."""
    flags = tests = 0
    for seed in range(25):
        rep = audit(ReferenceJudge(ITEMS, seed=seed), ITEMS, EIGHT, seed=seed, n_boot=500)
        flags += sum(e.verdict == "biased" for e in rep.effects.values())
        tests += len(rep.effects)
    assert tests == 200
    assert flags / tests <= 0.08, flags


def test_deterministic_unbiased_judge_is_certified_robust():
    """A judge that always picks the better answer: every effect is 0 and, with 40 items,
    the 90% interval (+/- 0.063 resolution floor) lies inside the +/- 0.10 margin."""
    oracle = {it.better for it in ITEMS}
    judge = from_callable(lambda q, a, b: "A" if any(x in a for x in oracle) else "B")
    rep = audit(judge, ITEMS, ["position", "authority", "bandwagon"])
    for e in rep.effects.values():
        assert e.estimate == 0 and e.verdict == "robust" and e.ci_low < 0 < e.ci_high
    assert rep.metric("clean", "accuracy") == 1.0


def test_too_few_items_is_not_enough_data():
    rep = audit(ReferenceJudge(ITEMS[:3], seed=1), ITEMS[:3], ["position"])
    assert rep.effects["position"].verdict == "not enough data"


def test_audit_is_deterministic_and_exports_frame_and_json():
    judge = ReferenceJudge(ITEMS, position=0.5, seed=4)
    a = audit(judge, ITEMS[:10], ["position", "authority"], repeats=2, seed=4)
    b = audit(judge, ITEMS[:10], ["position", "authority"], repeats=2, seed=4)
    assert a.to_frame().equals(b.to_frame()) and a.records.equals(b.records)
    frame = a.to_frame()
    assert list(frame.columns) == ["bias", "metric", "estimate", "ci_low", "ci_high", "n",
                                   "verdict"]
    eff = frame[frame.metric == "effect"]
    assert set(eff.bias) == {"position", "authority"} and eff.verdict.notna().all()
    data = json.loads(a.to_json())
    assert data["effects"]["position"]["verdict"] in ("biased", "robust", "not enough data")
    assert data["settings"]["repeats"] == 2
    # 10 items x 2 orders x 2 repeats x (clean + authority on better + on worse)
    assert len(a.records) == 10 * 2 * 2 * 3
    noise = a.metric("clean", "noise_flip_rate")
    assert 0 <= noise <= 1 and not math.isnan(a.metric("authority", "excess_flip_rate"))


def test_unparseable_verdicts_are_dropped_and_counted():
    """A judge that answers garbage whenever a citation is present: every authority ask is
    unparseable, so authority has no valid pair (no letter is guessed) and is 'not enough
    data', while position (clean asks) is still measured."""
    cue = CUES["authority"]

    def judge(q, a, b):
        return "I cannot say" if cue.in_answer(a) or cue.in_answer(b) else "A"

    rep = audit(from_callable(judge), ITEMS[:8], ["authority", "position"])
    assert rep.metric("authority", "invalid_rate") == 1.0
    assert rep.effects["authority"].n_items == 0
    assert rep.effects["authority"].verdict == "not enough data"
    assert rep.effects["position"].estimate == 1.0  # always "A": pure primacy


def test_swap_removes_position_bias_exactly_and_strip_removes_catalogued_cues():
    judge = ReferenceJudge(ITEMS, position=1.5, bandwagon=1.5, authority=1.5, seed=2)
    base = audit(judge, ITEMS, ["position", "bandwagon", "authority"], seed=2)
    assert all(e.verdict == "biased" for e in base.effects.values())
    swap = audit(mitigate(judge, "swap"), ITEMS, ["position"], seed=2)
    assert swap.effects["position"].estimate == 0.0
    strip = audit(mitigate(judge, "strip"), ITEMS, ["bandwagon", "authority"], seed=2)
    assert strip.effects["bandwagon"].estimate == 0.0
    assert strip.effects["authority"].estimate == 0.0


def test_self_reflection_helps_only_a_judge_that_heeds_it():
    """heed = 1: the reflected verdict has no planted bias (effect ~ 0, not 'biased');
    heed = 0: reflection is a fresh draw from the same biased rule, still 'biased'."""
    for heed, expect_biased in ((1.0, False), (0.0, True)):
        judge = ReferenceJudge(ITEMS, bandwagon=2.0, heed=heed, seed=5)
        rep = audit(mitigate(judge, "self-reflect"), ITEMS, ["bandwagon"], seed=5)
        assert (rep.effects["bandwagon"].verdict == "biased") is expect_biased


class _Counting:
    def __init__(self, inner):
        self.inner, self.calls, self.revisions = inner, 0, 0

    def __call__(self, q, a, b, *, sample=0):
        self.calls += 1
        return self.inner(q, a, b, sample=sample)

    def revise(self, q, a, b, prior, analysis, *, sample=0):
        self.revisions += 1
        return Verdict(prior.choice, raw="stubborn")


def test_detect_revise_stops_at_max_rounds_and_keeps_unflagged_verdicts():
    item = ITEMS[0]
    cue = CUES["authority"]
    cited = cue.on_answer(item.worse, cue.choose(0, item.id))
    judge = _Counting(from_callable(lambda q, a, b: "B"))  # always picks the cited answer
    loop = DetectRevise(judge, CueDetector(), max_rounds=3)
    assert loop(item.question, item.better, cited).choice == "B"
    assert judge.revisions == 3  # flagged every round; a stubborn judge never changes
    judge.revisions = 0
    assert loop(item.question, item.better, item.worse).choice == "B"
    assert judge.revisions == 0  # nothing to flag: the verdict stands untouched


def test_rule_detector_loop_lowers_cue_following():
    """RBD loop with the rule detector on a bandwagon-biased judge that heeds analyses: the
    effect drops from clearly positive. (With a one-sided detector it can overshoot below 0:
    only cue-following verdicts are re-drawn.)"""
    judge = ReferenceJudge(ITEMS, bandwagon=2.0, seed=6)
    base = audit(judge, ITEMS, ["bandwagon"], seed=6).effects["bandwagon"]
    fixed = audit(mitigate(judge, "rbd"), ITEMS, ["bandwagon"], seed=6).effects["bandwagon"]
    assert base.verdict == "biased" and fixed.estimate < base.estimate - 0.3


def test_bad_audit_arguments_name_the_field():
    judge = ReferenceJudge(ITEMS)
    with pytest.raises(ValueError, match="unknown bias 'length'"):
        audit(judge, ITEMS, ["length"])
    with pytest.raises(ValueError, match="items must hold at least one item"):
        audit(judge, [], ["position"])
    with pytest.raises(ValueError, match="repeats must be >= 1"):
        audit(judge, ITEMS, ["position"], repeats=0)
    with pytest.raises(ValueError, match="unknown planted bias 'tone'"):
        ReferenceJudge(ITEMS, tone=1.0)
    with pytest.raises(ValueError, match="unknown mitigation 'magic'; allowed: swap"):
        mitigate(judge, "magic")
    with pytest.raises(ValueError, match="debias-prompt' needs a judge that reads a system"):
        mitigate(judge, "debias-prompt")
    with pytest.raises(TypeError, match="not a Verdict"):
        audit(lambda q, a, b, sample=0: "A", ITEMS[:2], ["position"])


def test_logit_shift_recovers_planted_coefficients_exactly():
    """With P(A) exposed, the cue's pull in logits is the planted coefficient itself:
    position 1.5 and bandwagon 1.2 (cues that change no answer text, so no length term)."""
    judge = ReferenceJudge(ITEMS, position=1.5, bandwagon=1.2, emotional=-0.4, seed=1)
    rep = audit(judge, ITEMS, ["position", "bandwagon", "emotional", "authority"], seed=1)
    assert rep.metric("position", "logit_shift") == pytest.approx(1.5, abs=1e-9)
    assert rep.metric("bandwagon", "logit_shift") == pytest.approx(1.2, abs=1e-9)
    assert rep.metric("emotional", "logit_shift") == pytest.approx(-0.4, abs=1e-9)
    assert rep.metric("authority", "logit_shift") == 0.0
