"""Preference data: shapes, bad input, simulated sources, loaders."""

import numpy as np
import pandas as pd
import pytest

from looplab.preferences import (
    FeatureTask,
    PairwiseData,
    PairwiseSource,
    PointwiseData,
    PointwiseSource,
    fit_reward_model,
    load_pairs,
    simulate_pairs,
    simulate_pointwise,
)

TASK = FeatureTask(seed=3)


def test_bad_labels_propensities_dims_and_empty_are_one_line_errors():
    x = np.ones((3, 2))
    with pytest.raises(ValueError, match=r"label must be in \{0.0, 1.0\}.*ties are not allowed"):
        PairwiseData(x, x, [0, 1, 0.5])
    with pytest.raises(ValueError, match="same shape"):
        PairwiseData(x, np.ones((3, 3)), [0, 1, 1])
    with pytest.raises(ValueError, match="empty"):
        PairwiseData(np.ones((0, 2)), np.ones((0, 2)), [])
    with pytest.raises(ValueError, match=r"propensity must be in \(0, 1\]"):
        PointwiseData(x, [1, 1, 1], [0.5, 0.0, 1.0], [1, 0, 1])
    with pytest.raises(ValueError, match=r"propensity must be in \(0, 1\]"):
        PointwiseData(x, [1, 1, 1], [0.5, 1.5, 1.0], [1, 0, 1])
    with pytest.raises(ValueError, match=r"label \(observed rows\) must be in"):
        PointwiseData(x, [1, 1, 0], [0.5, 0.5, 0.5], [1, 2, 7])
    with pytest.raises(ValueError, match="all False"):
        PointwiseData(x, [0, 0, 0], [0.5, 0.5, 0.5], [1, 0, 1])


def test_fitting_never_reads_the_truth_table():
    d = simulate_pairs(TASK, 500, PairwiseSource(flip_rate=0.2), np.random.default_rng(0))
    blind = PairwiseData(d.xa, d.xb, d.label, d.annotator)
    for obj in ("bt", "strength"):
        a = fit_reward_model(d, obj, random_state=1).score(d.xa)
        b = fit_reward_model(blind, obj, random_state=1).score(d.xa)
        np.testing.assert_array_equal(a, b)


def test_pairwise_source_flips_and_position_bias_act_as_configured():
    rng = np.random.default_rng(0)
    d = simulate_pairs(TASK, 20000, PairwiseSource(temperatures=(1e-9,), flip_rate=0.25), rng)
    assert abs(d.truth.flipped.mean() - 0.25) < 0.015
    # a perfect annotator's label disagrees with the truth exactly where it was flipped
    np.testing.assert_array_equal(d.label != d.truth.label, d.truth.flipped)
    first = simulate_pairs(TASK, 20000, PairwiseSource(position_bias=1.0), rng).label.mean()
    assert first > 0.6  # the first-shown item wins far more than half the time


def test_selection_bias_observes_high_reward_items_more():
    src = PointwiseSource(alpha=0.2, r10=0.2, r01=0.1)
    d = simulate_pointwise(TASK, 20000, src, np.random.default_rng(0))
    r = d.truth.reward
    assert r[d.observed].mean() > r.mean() + 0.5
    assert d.noise_rates == (0.2, 0.1)
    obs_y = d.truth.label[d.observed]
    flip_1to0 = ((obs_y == 1) & (d.label[d.observed] == 0)).sum() / (obs_y == 1).sum()
    assert abs(flip_1to0 - 0.2) < 0.02


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_load_pairs_with_explicit_column_mapping(tmp_path, suffix):
    frame = pd.DataFrame({"p1": [1.0, 2.0, 3.0], "t1": [5.0, 1.0, 2.0], "p2": [2.0, 1.0, 1.0],
                          "t2": [1.0, 1.0, 9.0], "pick": ["A", "B", "A"], "who": ["u", "v", "u"]})
    path = tmp_path / f"pairs{suffix}"
    {".csv": lambda: frame.to_csv(path, index=False),
     ".jsonl": lambda: frame.to_json(path, orient="records", lines=True),
     ".parquet": lambda: frame.to_parquet(path)}[suffix]()
    d = load_pairs(path, features_a=["p1", "t1"], features_b=["p2", "t2"], label="pick",
                   annotator="who", label_map={"A": 1, "B": 0})
    np.testing.assert_array_equal(d.label, [1, 0, 1])
    np.testing.assert_array_equal(d.xb[:, 1], [1, 1, 9])
    np.testing.assert_array_equal(d.annotator, [0, 1, 0])
    with pytest.raises(ValueError, match=r"columns not found: \['nope'\]"):
        load_pairs(path, features_a=["p1"], features_b=["nope"], label="pick",
                   label_map={"A": 1, "B": 0})
    with pytest.raises(ValueError, match="not in label_map"):
        load_pairs(path, features_a=["p1"], features_b=["p2"], label="pick", label_map={"A": 1})
    with pytest.raises(ValueError, match="label must be in"):
        load_pairs(path, features_a=["p1"], features_b=["p2"], label="t1")


def test_load_pairs_rejects_unknown_file_types(tmp_path):
    with pytest.raises(ValueError, match=r"unsupported file type '\.xlsx'"):
        load_pairs(tmp_path / "x.xlsx", features_a=["a"], features_b=["b"], label="y")
