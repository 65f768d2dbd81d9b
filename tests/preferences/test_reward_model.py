"""Reward models and objectives: recovery, determinism, the objectives' mechanics."""

import numpy as np
import pytest

from looplab.preferences import (
    FeatureTask,
    LinearRewardModel,
    PairwiseSource,
    PointwiseSource,
    evaluate,
    fit_reward_model,
    make_test_set,
    simulate_pairs,
    simulate_pointwise,
)
from looplab.preferences.objectives.causalrm import noise_aware_coefficients
from looplab.preferences.objectives.convexda import hull_vertices_2d
from looplab.preferences.objectives.heron import hierarchical_labels
from looplab.preferences.objectives.reward_fusion import FusedRewardModel
from looplab.preferences.objectives.topology import collect_pairs

TASK = FeatureTask(seed=3)


def test_linear_bt_recovers_the_true_reward_on_clean_pairs():
    d = simulate_pairs(TASK, 3000, PairwiseSource(temperatures=(0.3,)), np.random.default_rng(0))
    ev = evaluate(fit_reward_model(d, "bt"), make_test_set(TASK, np.random.default_rng(1)),
                  np.random.default_rng(2))
    assert ev["accuracy"].estimate > 0.95
    assert ev["accuracy"].low <= ev["accuracy"].estimate <= ev["accuracy"].high
    assert ev["spearman"].estimate > 0.95


def test_mlp_reward_model_is_deterministic_and_learns():
    d = simulate_pairs(TASK, 800, PairwiseSource(temperatures=(0.3,)), np.random.default_rng(0))
    a = fit_reward_model(d, "bt", model="mlp", random_state=5,
                         model_params={"epochs": 60, "hidden": 8})
    b = fit_reward_model(d, "bt", model="mlp", random_state=5,
                         model_params={"epochs": 60, "hidden": 8})
    np.testing.assert_array_equal(a.score(d.xa), b.score(d.xa))
    assert evaluate(a, make_test_set(TASK, np.random.default_rng(1)))["accuracy"].estimate > 0.75


def test_entry_point_rejects_unknown_names_and_wrong_shapes():
    d = simulate_pairs(TASK, 50, PairwiseSource(), np.random.default_rng(0))
    with pytest.raises(ValueError, match="objective must be one of bt, label_smoothing"):
        fit_reward_model(d, "dpo")
    with pytest.raises(ValueError, match="model must be one of linear, mlp"):
        fit_reward_model(d, "bt", model="gbm")
    with pytest.raises(ValueError, match="objective 'causalrm' needs PointwiseData"):
        fit_reward_model(d, "causalrm")
    with pytest.raises(ValueError, match=r"alpha must be in \[0, 0.5\)"):
        fit_reward_model(d, "label_smoothing", alpha=0.7)
    with pytest.raises(ValueError, match="needs factors_a/factors_b"):
        fit_reward_model(d, "heron")


def test_noise_aware_loss_is_unbiased_for_the_clean_loss():
    # E_{noisy y}[l~(f, y~)] = l(f, y) for both true classes, any losses l1 = l(f,1), l0
    r10, r01, l1, l0 = 0.2, 0.1, 0.7, 1.9
    p1, n1 = noise_aware_coefficients(np.array([1.0, 0.0]), r10, r01)
    loss = p1 * l1 + n1 * l0  # [l~(f, 1), l~(f, 0)]
    assert np.isclose((1 - r10) * loss[0] + r10 * loss[1], l1)  # true y = 1
    assert np.isclose(r01 * loss[0] + (1 - r01) * loss[1], l0)  # true y = 0


def test_pointwise_objectives_fit_and_ips_weights_are_capped():
    src = PointwiseSource(alpha=0.2, r10=0.2, r01=0.1)
    d = simulate_pointwise(TASK, 2000, src, np.random.default_rng(0))
    for obj in ("naive", "ips", "noise_aware", "causalrm"):
        m = fit_reward_model(d, obj)
        assert np.isfinite(m.score(d.x)).all()
    with pytest.raises(ValueError, match=r"clip must be in \(0, 1\]"):
        fit_reward_model(d, "causalrm", clip=0.0)


def test_heron_labels_follow_the_factor_hierarchy():
    fa = np.array([[1.0, 0.0], [0.0, 5.0], [0.0, 0.0]])
    fb = np.array([[0.0, 9.0], [0.0, 1.0], [0.0, 0.0]])
    label, decided = hierarchical_labels(fa, fb, order=[0, 1], sigma=0.0)
    np.testing.assert_array_equal(label[decided], [1.0, 1.0])  # level 0 decides, then level 1
    np.testing.assert_array_equal(decided, [True, True, False])  # all-tie pair dropped
    label, _ = hierarchical_labels(fa, fb, order=[1, 0], sigma=0.0)
    assert label[0] == 0.0  # with factor 1 first, b wins the first pair
    with pytest.raises(ValueError, match="order must list distinct factor indices"):
        hierarchical_labels(fa, fb, order=[0, 0])


def test_heron_objective_ranks_the_top_factor_first():
    d = simulate_pairs(TASK, 1500, PairwiseSource(), np.random.default_rng(0), factors=True)
    m = fit_reward_model(d, "heron", order=[2, 0, 1])
    f = TASK.factors_of_features(d.xa)
    corr = [abs(np.corrcoef(m.score(d.xa), f[:, k])[0, 1]) for k in range(3)]
    assert int(np.argmax(corr)) == 2


def test_convex_hull_vertices_and_augmented_fit():
    square = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0], [0.5, 0.5, 0]], float)
    np.testing.assert_array_equal(hull_vertices_2d(square), [0, 1, 2, 3])
    d = simulate_pairs(TASK, 300, PairwiseSource(), np.random.default_rng(0))
    assert np.isfinite(fit_reward_model(d, "convexda").score(d.xa)).all()


def test_reward_fusion_averages_only_close_neighbours():
    base = LinearRewardModel()
    base.coef_, base.intercept_ = np.array([1.0, 0.0]), 0.0
    bank = np.array([[1.0, 0.05], [0.0, 1.0]])
    fused = FusedRewardModel(base, bank, k=2, threshold=0.9)
    q = np.array([[2.0, 0.0]])
    s = 0.05 / np.sqrt(1 + 0.05**2)  # cosine of q with bank[0] = 1/sqrt(1.0025)
    cos0 = 1 / np.sqrt(1 + 0.05**2)
    assert np.isclose(fused.score(q)[0], (2.0 + cos0 * 1.0) / (1 + cos0))
    assert s < 0.9
    far = FusedRewardModel(base, bank, k=2, threshold=0.9999)
    assert np.isclose(far.score(q)[0], 2.0)


def test_tree_and_chain_collection_have_equal_budgets():
    src = PairwiseSource()
    for topo in ("tree", "chain"):
        d = collect_pairs(TASK, 10, topo, src, np.random.default_rng(0), depth=3)
        assert d.n == 10 * 7
    with pytest.raises(ValueError, match="topology must be one of tree, chain"):
        collect_pairs(TASK, 10, "star", src, np.random.default_rng(0))
