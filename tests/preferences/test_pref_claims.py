"""The reward-modeling papers' claims on fixed seeds, each with its stated margin.

Claims that did not reproduce with a faithful implementation stay as strict xfails.
"""

import numpy as np
import pytest

from looplab.preferences import (
    FeatureTask,
    PairwiseSource,
    PointwiseSource,
    evaluate,
    fit_reward_model,
    make_test_set,
    simulate_pairs,
    simulate_pointwise,
)
from looplab.preferences.objectives.topology import collect_pairs

TASK = FeatureTask(seed=1)
SEEDS = (0, 1, 2)


def _compare(objectives, data_fn, model="linear", metrics=("accuracy",), pointwise=None,
             n_contrast=500):
    test = make_test_set(TASK, np.random.default_rng(99), n_contrast=n_contrast,
                         pointwise=pointwise)
    out = {m: {o: [] for o in objectives} for m in metrics}
    for seed in SEEDS:
        data = data_fn(np.random.default_rng(seed))
        for obj in objectives:
            ev = evaluate(fit_reward_model(data, obj, model=model, random_state=seed), test)
            for m in metrics:
                out[m][obj].append(ev[m].estimate)
    return {m: {o: np.array(v) for o, v in d.items()} for m, d in out.items()}


def test_causalrm_beats_naive_on_auroc_by_002_and_spearman_by_005_under_selection_and_noise():
    """CausalRM (Wang et al. 2026): with feedback observed w.p. 0.2^(2 - r) and labels
    flipped 1->0 w.p. 0.2, 0->1 w.p. 0.1, the noise-aware + propensity-weighted loss beats
    the naive loss on a clean unbiased test set: mean AUROC gain >= 0.02, mean Spearman gain
    >= 0.05 over seeds 0-2, and no seed where it is worse."""
    src = PointwiseSource(alpha=0.2, r10=0.2, r01=0.1)
    r = _compare(("naive", "causalrm"), lambda rng: simulate_pointwise(TASK, 5000, src, rng),
                 metrics=("auroc", "spearman"), pointwise=src)
    d_auc = r["auroc"]["causalrm"] - r["auroc"]["naive"]
    d_sp = r["spearman"]["causalrm"] - r["spearman"]["naive"]
    assert d_auc.mean() >= 0.02 and (d_auc > 0).all(), d_auc
    assert d_sp.mean() >= 0.05 and (d_sp > 0).all(), d_sp


@pytest.mark.slow
def test_strength_flip_and_margin_beat_bt_by_001_accuracy_with_25pct_flips_mlp():
    """Secrets of RLHF II: with 25% flipped labels, ensemble preference strength with
    flipping + adaptive margin beats plain BT on held-out accuracy by >= 0.01 on average
    over seeds 0-2 and on every seed, for MLP reward models (which can fit the noise)."""
    src = PairwiseSource(flip_rate=0.25)
    r = _compare(("bt", "strength"), lambda rng: simulate_pairs(TASK, 2000, src, rng),
                 model="mlp")["accuracy"]
    gain = r["strength"] - r["bt"]
    assert gain.mean() >= 0.01 and (gain > 0).all(), gain


@pytest.mark.xfail(strict=True, reason="claim did not reproduce with a linear reward model: "
                   "BT is already robust to symmetric flips, strength loses 1-3 points")
def test_strength_beats_bt_by_001_accuracy_with_25pct_flips_linear():
    """Secrets of RLHF II, same claim and margin as above, for a linear reward model."""
    src = PairwiseSource(flip_rate=0.25)
    r = _compare(("bt", "strength"), lambda rng: simulate_pairs(TASK, 2000, src, rng))
    gain = r["accuracy"]["strength"] - r["accuracy"]["bt"]
    assert gain.mean() >= 0.01, gain


@pytest.mark.xfail(strict=True, reason="claim did not reproduce: RewardFusion (k=5, cos>=0.9) "
                   "lowers consistency of a linear RM by 0.01-0.02 (MLP: +0.004, under margin)")
def test_reward_fusion_raises_consistency_by_001():
    """Trickle-down (Shen et al. 2024): RewardFusion raises the consistency score on
    near-duplicate contexts whose true preference differs, by >= 0.01 on average over
    seeds 0-2 (pairwise feedback with 25% flips)."""
    src = PairwiseSource(flip_rate=0.25)
    r = _compare(("bt", "reward_fusion"), lambda rng: simulate_pairs(TASK, 2000, src, rng),
                 metrics=("consistency",), n_contrast=1000)["consistency"]
    assert (r["reward_fusion"] - r["bt"]).mean() >= 0.01


@pytest.mark.xfail(strict=True, reason="claim did not reproduce: chain collection is more "
                   "accurate (0.888 vs 0.830 mean held-out accuracy over seeds 0-5)")
def test_tree_collection_beats_chain_on_accuracy_and_reward_variance():
    """Topological RG (Qiu et al. 2024): with an equal budget (64 contexts x 7 comparisons),
    tree-structured collection gives higher held-out accuracy than chain collection on
    average over seeds 0-5, and a lower across-seed variance of the learned reward."""
    test = make_test_set(TASK, np.random.default_rng(99))
    src = PairwiseSource()
    acc, scores = {"tree": [], "chain": []}, {"tree": [], "chain": []}
    for seed in range(6):
        for topo in ("tree", "chain"):
            d = collect_pairs(TASK, 64, topo, src, np.random.default_rng(seed))
            m = fit_reward_model(d, "bt", random_state=seed)
            acc[topo].append(evaluate(m, test)["accuracy"].estimate)
            s = m.score(test.items)
            scores[topo].append((s - s.mean()) / s.std())
    var = {t: np.var(np.array(v), axis=0).mean() for t, v in scores.items()}
    assert np.mean(acc["tree"]) > np.mean(acc["chain"]), acc
    assert var["tree"] < var["chain"], var
