"""The RAFT loop against a refit reward model: mechanics and the papers' loop claims."""

import numpy as np
import pytest

from looplab.improve import RaftConfig, run_raft
from looplab.preferences import FeatureTask, PairwiseSource, PointwiseSource

TASK = FeatureTask(seed=0)
BIASED = PointwiseSource(alpha=0.2, r10=0.2, r01=0.1)
SMALL = RaftConfig(prompts=8, candidates=6, samples=2, initial_samples=4, best_of=4)


def test_raft_is_deterministic_and_sharpens_the_policy():
    a = run_raft(TASK, PairwiseSource(), "bt", SMALL, rounds=3, replicates=2, seed=4)
    b = run_raft(TASK, PairwiseSource(), "bt", SMALL, rounds=3, replicates=2, seed=4)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    assert np.allclose(a["entropy"][0], np.log(6))  # round 0: the uniform policy
    assert (a["entropy"][-1] < a["entropy"][0]).all()
    np.testing.assert_allclose(a["gap"], a["proxy_reward"] - a["true_reward"])


def test_raft_rejects_bad_sizes():
    with pytest.raises(ValueError, match="samples and initial_samples must be even"):
        RaftConfig(samples=3)
    with pytest.raises(ValueError, match="best_of"):
        RaftConfig(best_of=0)


@pytest.fixture(scope="module")
def loop_runs():
    """8 RAFT rounds x 4 replicates, seed 0, default sizes (the rm-optimization-loop
    scenario): naive RM on biased feedback, CausalRM on biased feedback, naive RM on
    unbiased feedback."""
    cfg = RaftConfig()
    return {
        "naive": run_raft(TASK, BIASED, "naive", cfg, 8, 4, 0),
        "causalrm": run_raft(TASK, BIASED, "causalrm", cfg, 8, 4, 0),
        "unbiased": run_raft(TASK, PointwiseSource(), "naive", cfg, 8, 4, 0),
    }


def test_gap_grows_by_01_when_the_reward_model_learns_from_biased_feedback(loop_runs):
    """RAFT over-optimization: after 8 rounds the proxy-true gap (z units) of the policy
    optimized against a reward model fit to selection-biased noisy feedback exceeds the
    gap under unbiased feedback by >= 0.1 (mean over 4 replicates)."""
    g_b = loop_runs["naive"]["gap"][-1].mean()
    g_u = loop_runs["unbiased"]["gap"][-1].mean()
    assert g_b >= g_u + 0.1, (g_b, g_u)


@pytest.mark.xfail(strict=True, reason="claim did not reproduce: CausalRM's final gap equals "
                   "the naive one (0.387 vs 0.385), though its true reward is higher")
def test_causalrm_shrinks_the_gap_by_005(loop_runs):
    """The remedy shrinks the proxy-true gap after 8 rounds by >= 0.05 (mean over 4
    replicates) relative to the naive reward model on the same biased feedback."""
    g_c = loop_runs["causalrm"]["gap"][-1].mean()
    g_n = loop_runs["naive"]["gap"][-1].mean()
    assert g_c <= g_n - 0.05, (g_c, g_n)


def test_causalrm_raises_the_policys_true_reward_by_01(loop_runs):
    """CausalRM's downstream claim (better RLHF from observational feedback): after 8
    rounds the policy's true reward (z units) is >= 0.1 higher with the CausalRM reward
    model than with the naive one (mean over 4 replicates)."""
    t_c = loop_runs["causalrm"]["true_reward"][-1].mean()
    t_n = loop_runs["naive"]["true_reward"][-1].mean()
    assert t_c >= t_n + 0.1, (t_c, t_n)
