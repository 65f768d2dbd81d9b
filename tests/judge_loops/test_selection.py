"""The selection-differential check: arithmetic, the text feature detector, and the
best-of-n experiment where a planted verbosity judge is caught and an unbiased one is not."""

from __future__ import annotations

import numpy as np
import pytest

from looplab.core.seeding import generator
from looplab.improve import RaftConfig, run_raft
from looplab.judges import ReferenceJudge, load_items
from looplab.judges.pools import best_of_n_choice, make_pool, utility
from looplab.judges.selection import (
    TEXT_FEATURES,
    check_selection,
    differentials,
    text_features,
)
from looplab.preferences.data import FeatureTask, PairwiseSource

ITEMS = load_items()
K = 8


def test_differential_of_selection_on_the_feature_itself_is_the_selection_intensity():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4000, K, 1))
    d = differentials(x, x[..., 0].argmax(-1)[:, None])
    # E[max of 8 standard normals] = 1.4236; the pooled SD of 8 draws is sqrt(7/8)
    assert np.nanmean(d) == pytest.approx(1.4236 / np.sqrt(7 / 8), abs=0.03)
    rand = differentials(x, rng.integers(0, K, (4000, 1)))
    assert abs(np.nanmean(rand)) < 0.05


def test_indices_and_mask_agree_and_empty_groups_are_nan():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, K, 2))
    idx = np.array([[0, 3]] * 5)
    mask = np.zeros((5, K), bool)
    mask[:, [0, 3]] = True
    np.testing.assert_allclose(differentials(x, idx), differentials(x, mask))
    mask[2] = False
    assert np.isnan(differentials(x, mask)[2]).all()


def test_bad_inputs_name_the_problem():
    f = {"words": np.ones((3, K))}
    with pytest.raises(ValueError, match="irrelevant features"):
        check_selection(f, np.zeros((3, 1), int), irrelevant=["tone"])
    with pytest.raises(ValueError, match="selection shape"):
        differentials(np.ones((3, K, 1)), np.zeros((4, 1), int))
    with pytest.raises(ValueError, match="integer indices or a boolean mask"):
        differentials(np.ones((3, K, 1)), np.zeros((3, 1)))


def test_text_features_detect_generic_surface_cues():
    f = text_features(["408.", "Good news! 408. What a wonderful result!",
                       "- 408\n- **done**", "Wait, let me think... 408 (Citation: Journal "
                       "of Things, 2020). Most people agree."])
    assert list(f) == list(TEXT_FEATURES)
    assert f["words"][1] > f["words"][0]
    assert f["positive_tone"][1] == 2 and f["exclamations"][1] == 2
    assert f["formatting"][2] >= 2 and f["formatting"][0] == 0
    assert f["hedging"][3] >= 1 and f["citations"][3] >= 1 and f["crowd_appeal"][3] == 1


def _best_of_n(seed: int, **bias: float):
    pool = make_pool(ITEMS, K, generator(seed, "pool"))
    u = utility(ReferenceJudge(ITEMS, seed=seed, **bias), pool, ITEMS)
    chosen = best_of_n_choice(u, generator(seed, "select"))
    flat = text_features([t for row in pool.texts for t in row])
    feats = {k: v.reshape(len(ITEMS), K) for k, v in flat.items()}
    feats["position"] = np.tile(np.arange(K, dtype=float), (len(ITEMS), 1))
    return check_selection(feats, chosen), float(pool.quality[np.arange(len(ITEMS)),
                                                              chosen[:, 0]].mean())


def test_planted_verbosity_judge_driving_best_of_n_is_caught():
    """Rule: flagged on ``words`` in >= 80% of 10 seeds (Bonferroni level over the 9
    features); the unbiased judge below is the false-positive control."""
    checks = [_best_of_n(s, verbosity=1.0)[0] for s in range(10)]
    caught = [c.exploited and "words" in c.flagged for c in checks]
    assert np.mean(caught) >= 0.8, [c.flagged for c in checks]
    assert np.mean([c.estimates["words"].estimate for c in checks]) > 0.3


def test_unbiased_judge_is_not_flagged_over_seeds():
    """False-positive control: an unbiased judge (skill only) is flagged on any of the 9
    features in at most 2 of 20 seeds (nominal family-wise rate 5%)."""
    runs = [_best_of_n(s) for s in range(20)]
    assert sum(c.exploited for c, _ in runs) <= 2, [c.flagged for c, _ in runs]
    assert np.mean([q for _, q in runs]) > 0.6  # it still selects on quality


def test_raft_records_its_selection_differentials():
    task = FeatureTask(4, 4, 0.0, 0)
    cfg = RaftConfig(prompts=16, candidates=8, sft_steps=2)
    out = run_raft(task, PairwiseSource(), "bt", cfg, rounds=2, replicates=2, seed=2)
    for m in ("sel_proxy", "sel_true", "sel_offtruth"):
        assert out[m].shape == (2, 2) and np.isfinite(out[m]).all()
    # best-of-8 on the proxy selects the proxy hardest (intensity ~1.4 on its own scale)
    assert (out["sel_proxy"] >= out["sel_true"] - 1e-9).mean() > 0.5
    assert out["sel_proxy"].mean() > 0.8


def test_improve_selectors_report_differentials_on_irrelevant_features():
    from looplab.improve.monitors import irrelevant_differential
    from looplab.improve.tasks import StandardWorld, gather, make_task, sample

    task = make_task(StandardWorld(prompts=64), 4, generator(0, "world-instance"))
    rng = generator(0, "policy")
    a = sample(task.probs(task.init_theta()), 8, rng)
    verifier = gather(task.correct, a) + 1e-3 * rng.random(a.shape)
    null = irrelevant_differential(task, a, verifier.argmax(-1)[..., None])
    assert np.all(np.abs(null) < 0.15), null  # the exact verifier ignores phi[..., 2:]
    planted = verifier + 2.0 * gather(task.phi[..., 2], a)  # a judge that rewards feature 2
    hit = irrelevant_differential(task, a, planted.argmax(-1)[..., None])
    assert np.all(hit > 0.05) and np.all(hit > null), hit
