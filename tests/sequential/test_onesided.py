"""One-sided world, its channel and learners: what the learner may see, propensities,
estimator unbiasedness, determinism and parameter validation."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from looplab.core.loop import run
from looplab.core.streams import stream
from looplab.core.types import Action
from looplab.families.onesided import FAMILY
from looplab.policies.exp2 import Exp2
from looplab.policies.ftpl import FTPL
from looplab.policies.naive_onesided import NaiveOneSided
from looplab.worlds.onesided import (
    OneSidedConfig,
    OneSidedFeedback,
    OneSidedMonitor,
    OneSidedWorld,
)

SMALL = OneSidedConfig(pool_size=60, arrivals=6)


def _step(world, policy, seed=0, S=3):
    st = world.reset(S, stream(seed, S, "world-instance"))
    rng = np.random.default_rng(seed)
    obs = world.observe(st, rng)
    ps = policy.init(world.action_spec(), S, rng)
    act = policy.act(ps, obs, rng)
    _st2, out = world.step(st, act, obs, rng)
    return obs, act, out


def test_channel_reveals_labels_only_for_predicted_positives():
    world = OneSidedWorld(SMALL)
    _obs, act, out = _step(world, Exp2())
    _, fb = OneSidedFeedback().transmit({"S": 3}, act, out, np.random.default_rng(0))
    rejected = act.arm == 0
    assert (fb.reward[rejected] == 0).all()
    assert np.array_equal(fb.signals["label_seen"], act.arm == 1)
    assert np.array_equal(fb.reward[~rejected], out.truth["label"][~rejected])
    assert "label" not in fb.signals and "p1" not in fb.signals


def test_exp2_propensity_is_the_mixture_probability_of_the_played_prediction():
    world = OneSidedWorld(SMALL)
    obs, act, _ = _step(world, Exp2(gamma=0.2))
    H = obs["h_pred"].shape[1]
    p1 = obs["h_pred"].mean(axis=1)  # untrained: the uniform distribution over H
    assert world.n_hypotheses == H
    assert np.allclose(act.propensity, np.where(act.arm == 1, p1, 1 - p1))


def test_ftpl_geometric_resampling_estimates_inverse_probability():
    # E[M] = 1/p for a redraw that hits with probability p (cap large): check by simulation
    pol = FTPL(max_resample=400)
    S, k = 2000, 1
    st = {"cum": np.tile([0.0, 0.0, 5.0, 5.0], (S, 1)), "t": 1,
          "rng": np.random.default_rng(1)}
    h_sep = np.broadcast_to(np.eye(4)[:, [0, 1, 2, 3]], (S, 4, 4)).astype(float)
    lead = pol.leaders(st, h_sep, 400, k, np.random.default_rng(2))
    p = (lead == 0).mean()  # P(the leader predicts 1 at a point only h0 accepts)
    hits = lead == 0
    M = np.where(hits.any(1), hits.argmax(1) + 1, 400)
    assert 0.05 < p < 0.95
    assert M.mean() == pytest.approx(1 / p, rel=0.1)


def test_naive_negative_learner_never_learns_on_rejected_and_grows_unlabelled_share():
    fam = FAMILY.scenario(name="t", rounds=300, replicates=3, seed=0)
    frame = FAMILY.run(fam, None)
    s = FAMILY.summarize(frame, fam)
    assert s["naive_negative"]["never_labelled_mean"] > s["exp2"]["never_labelled_mean"]


def test_same_seed_same_run():
    world = OneSidedWorld(SMALL)
    a = run(world, FTPL(), OneSidedFeedback(), [OneSidedMonitor()], 40, 3, 7)
    b = run(world, FTPL(), OneSidedFeedback(), [OneSidedMonitor()], 40, 3, 7)
    for k in a.metrics:
        assert np.array_equal(a.metrics[k], b.metrics[k]), k


def test_true_and_panel_violations_count_pairs_beyond_the_metric():
    world = OneSidedWorld(SMALL.model_copy(update={"alpha": 0.0}))
    st = world.reset(1, stream(0, 1, "world-instance"))
    obs = world.observe(st, np.random.default_rng(0))
    # accept only the first arrival, deterministically: violations are exactly the pairs
    # (0, i') whose true distance L * ||x_0 - x_i'|| is below 1
    arm = np.zeros((1, 6), dtype=np.int64)
    arm[0, 0] = 1
    _, out = world.step(st, Action(arm=arm, propensity=np.ones((1, 6))), obs,
                        np.random.default_rng(0))
    d = world.config.lipschitz * np.linalg.norm(obs["x"][0, 0] - obs["x"][0, 1:], axis=1)
    assert out.truth["true_violations"][0] == (d < 1).sum()


@pytest.mark.parametrize("bad, field", [
    ({"arrivals": 1}, "arrivals"), ({"quorum": 0.0}, "quorum"),
    ({"panel": (9,)}, "panel"), ({"auditors": (1.0, -2.0)}, "auditors"),
])
def test_bad_world_parameters_name_the_field(bad, field):
    with pytest.raises(ValidationError, match=field):
        OneSidedConfig(**bad)


def test_bad_policy_parameters_and_unknown_panel_are_errors():
    with pytest.raises(ValidationError, match="gamma"):
        Exp2(gamma=1.5)
    with pytest.raises(ValidationError, match="unlabelled"):
        NaiveOneSided(unlabelled="maybe")
    with pytest.raises(ValidationError, match="panel"):
        FAMILY.scenario(name="t", policies={"a": {"type": "exp2", "panel": "nope"}})
