"""The Open Bandit Dataset sample: loader, Bernoulli-TS action distribution, and the
"evaluation of OPE" set-up (BTS's click rate estimated from the random logs)."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from looplab.data import obd
from looplab.data.fairness import DataMissingError
from looplab.ope.obd_eval import bts_distribution, evaluate_bts_from_random
from looplab.policies.bernoulli_ts import bts_position_probabilities

needs_obd = pytest.mark.skipif(importlib.util.find_spec("obp") is None,
                               reason="pip install --no-deps obp==0.4.1")


@needs_obd
@pytest.mark.parametrize("campaign, items", [("all", 80), ("men", 34), ("women", 46)])
def test_loader_reads_every_file_into_a_bandit_log(campaign, items):
    for behavior in ("random", "bts"):
        d = obd.load_obd(behavior, campaign)
        assert len(d.log) == 10_000 and d.n_items == items and d.n_positions == 3
        assert set(np.unique(d.position)) == {0, 1, 2}
        assert d.log.context.shape[1] == d.user_features.shape[1] + 2  # + position one-hot
        assert d.affinity.shape == (10_000, items) and len(d.item_context) == items
        assert set(np.unique(d.log.reward)) <= {0.0, 1.0}
    rnd = obd.load_obd("random", campaign)
    np.testing.assert_allclose(rnd.log.propensity, 1 / items)  # uniform logging
    alpha, beta = obd.bts_prior(campaign)
    assert alpha.shape == beta.shape == (items,) and (alpha > 0).all() and (beta > 0).all()


def test_missing_wheel_is_a_one_line_error_naming_the_pip_command(monkeypatch):
    monkeypatch.setattr(obd.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(DataMissingError, match=r"pip install --no-deps obp==0\.4\.1") as err:
        obd.load_obd("random", "men")
    assert "\n" not in str(err.value)


def test_bad_campaign_names_the_allowed_values():
    with pytest.raises(ValueError, match="campaign must be one of all, men, women"):
        obd.load_obd("random", "kids")


def test_bts_probabilities_match_closed_forms():
    """Two items, Beta(2, 1) vs Beta(1, 1): P(theta_0 > theta_1) = 2/3 exactly."""
    P = bts_position_probabilities(np.array([2.0, 1.0]), np.array([1.0, 1.0]), 2, 200_000, 0)
    np.testing.assert_allclose(P.sum(axis=0), 1.0)
    assert P[0, 0] == pytest.approx(2 / 3, abs=0.005)
    assert P[1, 1] == pytest.approx(2 / 3, abs=0.005)
    same = bts_position_probabilities(np.ones(4), np.ones(4), 3, 100_000, 1)  # symmetric
    np.testing.assert_allclose(same, 0.25, atol=0.005)
    np.testing.assert_array_equal(
        bts_position_probabilities(np.ones(4), np.ones(4), 3, 1000, 5),
        bts_position_probabilities(np.ones(4), np.ones(4), 3, 1000, 5))


@needs_obd
def test_ope_estimates_of_bts_are_consistent_with_its_on_policy_click_rate():
    """Evaluation of OPE on real logs (Saito et al. 2021): with BTS's time-averaged action
    distribution, every estimator's relative-error interval contains 0 on every campaign
    (a test that fails if an estimator or the loader is off by more than the sampling
    noise of ~40-70 clicks per file)."""
    table = evaluate_bts_from_random(policy="empirical", n_sim=1)
    assert len(table) == 12 and np.isfinite(table.drop(columns=["campaign", "estimator"])
                                            .to_numpy(dtype=float)).all()
    for r in table.itertuples():
        assert r.ci_low <= r.estimate <= r.ci_high
        assert r.rel_ci_low <= 0.0 <= r.rel_ci_high, r


@needs_obd
def test_bts_prior_distribution_is_a_distribution_per_position():
    bts = obd.load_obd("bts", "men")
    dist = bts_distribution("men", "prior", bts, n_sim=20_000)
    assert dist.shape == (34, 3)
    np.testing.assert_allclose(dist.sum(axis=0), 1.0)
