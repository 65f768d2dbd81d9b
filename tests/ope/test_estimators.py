"""Off-policy evaluation against known ground truth, on synthetic logs and on a looplab
log, and the errors for malformed logs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from looplab.core.channels import BanditFeedback
from looplab.core.loop import run
from looplab.ope import (
    LogError,
    LogRecorder,
    direct_method,
    doubly_robust,
    evaluate_policy,
    from_frame,
    ips,
    snips,
    true_value,
)
from looplab.ope.log import BanditLog
from looplab.policies.contextual import Retraining
from looplab.policies.uniform_erm import UniformERM
from looplab.worlds.payments import PaymentsConfig, PaymentsWorld

K, D = 4, 3


def synthetic_log(n: int, seed: int) -> tuple[BanditLog, np.ndarray, float]:
    """Logs of an epsilon-greedy-like logging policy with known propensities, a target
    policy different from it, and the target's true value on these contexts."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, D))
    theta = np.array([[0.5, -0.3, 0.2], [0.1, 0.4, -0.2], [-0.4, 0.1, 0.3], [0.0, 0.0, 0.0]])
    q = 1 / (1 + np.exp(-(x @ theta.T + 0.3)))
    logging = np.full((n, K), 0.1)
    logging[np.arange(n), (x[:, 0] > 0).astype(int)] += 0.6  # depends on context
    a = np.array([rng.choice(K, p=row) for row in logging]) if n <= 2000 else (
        (rng.random(n)[:, None] > np.cumsum(logging, axis=1)).sum(axis=1))
    r = (rng.random(n) < q[np.arange(n), a]).astype(float)
    target = np.full((n, K), 0.05)
    target[np.arange(n), q.argmax(axis=1)] += 0.8
    log = BanditLog(a, logging[np.arange(n), a], r, K, context=x, expected=q)
    return log, target, float((target * q).sum(axis=1).mean())


def test_estimators_recover_the_true_value_within_their_intervals():
    log, target, truth = synthetic_log(40_000, seed=0)
    assert true_value(log, target) == pytest.approx(truth)
    q_true = log.expected
    for est in (ips(log, target), snips(log, target), direct_method(log, target, q_true),
                doubly_robust(log, target, q_true)):
        assert est.low <= truth <= est.high, est
        assert est.high - est.low < 0.05, est  # informative, not just valid
    table = evaluate_policy(log, target)  # cross-fitted linear reward model
    dr = table.set_index("estimator").loc["dr"]
    assert dr.low <= truth <= dr.high


def test_interval_coverage_is_near_nominal_over_repeated_logs():
    hits = {"ips": 0, "snips": 0, "dr": 0}
    reps = 60
    for seed in range(reps):
        log, target, truth = synthetic_log(3000, seed=100 + seed)
        for name, est in (("ips", ips(log, target)), ("snips", snips(log, target)),
                          ("dr", doubly_robust(log, target, log.expected))):
            hits[name] += est.covers(truth)
    for name, h in hits.items():
        assert h / reps >= 0.85, (name, h)


def test_dm_with_a_misspecified_model_is_biased_but_dr_is_not():
    log, target, truth = synthetic_log(40_000, seed=1)
    wrong = np.full_like(log.expected, 0.5)
    assert abs(direct_method(log, target, wrong).estimate - truth) > 0.05
    dr = doubly_robust(log, target, wrong)
    assert dr.low <= truth <= dr.high


def test_looplab_log_evaluates_the_erm_policy_before_deploying_it():
    """Uniform logs from the payments loop; target = the best action by the true model
    (known only because the world is synthetic): DR's interval covers its true value."""
    world = PaymentsWorld(PaymentsConfig(n_transactions=2000))
    rec = LogRecorder()
    run(world, UniformERM(retraining=Retraining(online=False, every=2, window=2)),
        BanditFeedback(signals=("features", "avail"), delay=1), [rec], 2, 1, 0)
    frame = rec.frame()
    log = from_frame(frame)
    assert len(log) == 4000 and log.avail is not None and log.expected is not None
    best = np.where(log.avail, log.expected, -np.inf).argmax(axis=1)
    truth = true_value(log, best)
    table = evaluate_policy(log, best).set_index("estimator")
    for name in ("ips", "snips", "dr"):
        assert table.loc[name, "low"] <= truth <= table.loc[name, "high"], name


def _frame() -> pd.DataFrame:
    log, _, _ = synthetic_log(50, seed=3)
    df = pd.DataFrame({"action": log.action, "propensity": log.propensity,
                       "reward": log.reward})
    for j in range(D):
        df[f"x_{j}"] = log.context[:, j]
    return df


def test_user_dataframe_is_read():
    log = from_frame(_frame(), n_actions=K)
    assert len(log) == 50 and log.context.shape == (50, D) and log.avail is None


@pytest.mark.parametrize("mutate, message", [
    (lambda df: df.drop(columns="propensity"), "missing column(s) 'propensity'"),
    (lambda df: df.assign(propensity=np.r_[0.0, 1.5, np.nan, df.propensity[3:]]),
     "column 'propensity': 3 of 50 rows are outside (0, 1]"),
    (lambda df: df.assign(reward=np.r_[np.nan, np.nan, df.reward[2:]]),
     "column 'reward': 2 of 50 rows are NaN"),
    (lambda df: df.assign(action=np.r_[7, df.action[1:]]),
     "column 'action': 1 of 50 rows are not an action in 0..3"),
    (lambda df: df.assign(x_1=np.r_[np.nan, df.x_1[1:]]),
     "column 'x_*': 1 of 50 rows have a NaN context value"),
])
def test_malformed_logs_raise_naming_column_and_row_count(mutate, message):
    with pytest.raises(LogError) as err:
        from_frame(mutate(_frame()), n_actions=K)
    assert message in str(err.value)


def test_action_outside_the_availability_mask_is_an_error():
    df = _frame()
    for a in range(K):
        df[f"avail_{a}"] = True
    df.loc[[0, 1], [f"avail_{a}" for a in range(K)]] = False
    df.loc[[0, 1], "avail_0"] = df.loc[[0, 1], "action"] != 0
    with pytest.raises(LogError, match="'action': 2 of 50 rows choose an action outside the "
                       "availability mask"):
        from_frame(df)


def test_target_with_mass_on_unavailable_actions_is_an_error():
    avail = np.ones((3, 2), bool)
    avail[0, 1] = False
    log = BanditLog(np.zeros(3, np.int64), np.ones(3), np.ones(3), 2, avail=avail)
    with pytest.raises(LogError, match="1 of 3 rows put mass on an unavailable action"):
        ips(log, np.full((3, 2), 0.5))
