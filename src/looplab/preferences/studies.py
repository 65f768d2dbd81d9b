"""Per-seed studies behind the reward-model claims (issue 14): each returns one seed's
summary ``{arm: {"<metric>_mean": value}}``, the shape ``Claim.check_over_seeds`` reads.

All randomness flows from the ``seed`` argument; the clean test set is fixed per task
(``TEST_SEED``) so seeds differ only in training data and model seeds.
"""

from __future__ import annotations

import numpy as np

from looplab.preferences.data import (
    FeatureTask,
    PairwiseSource,
    PointwiseSource,
    simulate_pairs,
    simulate_pointwise,
)
from looplab.preferences.metrics import evaluate, make_test_set
from looplab.preferences.nuisances import estimate_nuisances
from looplab.preferences.reward_model import fit_reward_model

Summary = dict[str, dict[str, float]]
TASK = FeatureTask(seed=1)
TEST_SEED = 99

# CausalRM setting (same as tests/preferences/test_pref_claims.py): feedback observed
# w.p. 0.2^(2 - r), labels flipped 1->0 w.p. 0.2 and 0->1 w.p. 0.1
CAUSAL_SOURCE = PointwiseSource(alpha=0.2, r10=0.2, r01=0.1)
CAUSAL_ARMS = ("naive", "ips", "noise_aware", "causalrm")


def causalrm_ablation(seed: int, n: int = 5000, n_audit: int = 200,
                      source: PointwiseSource = CAUSAL_SOURCE) -> Summary:
    """Naive / IPS / noise-aware / both, each with the true nuisances (``<arm>@true``) and
    with estimated ones (``<arm>@est``: cross-fitted logistic propensity, noise rates from
    ``n_audit`` clean-labelled observed items). Metrics: AUROC and Spearman on a clean,
    unselected test set, plus the estimated noise rates and the propensity estimate's
    rank correlation with the truth (arm ``nuisance``)."""
    test = make_test_set(TASK, np.random.default_rng(TEST_SEED), pointwise=source)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(14, 2)))
    data = simulate_pointwise(TASK, n, source, rng)
    est, _ = estimate_nuisances(data, rng, n_audit=n_audit)
    out: Summary = {}
    for tag, d in (("true", data), ("est", est)):
        for arm in CAUSAL_ARMS:
            if arm == "naive" and tag == "est":
                out["naive@est"] = out["naive@true"]  # uses no nuisance
                continue
            ev = evaluate(fit_reward_model(d, arm, random_state=seed), test)
            out[f"{arm}@{tag}"] = {"auroc_mean": ev["auroc"].estimate,
                                  "spearman_mean": ev["spearman"].estimate}
    from scipy import stats

    r10, r01 = est.noise_rates  # type: ignore[misc]
    out["nuisance"] = {
        "rho_10_mean": r10, "rho_01_mean": r01,
        "propensity_spearman_mean": float(stats.spearmanr(est.propensity,
                                                          data.propensity).statistic),
    }
    return out


def _pairs_fit_eval(objectives: tuple[str, ...], seed: int, n: int, source: PairwiseSource,
                    model: str = "linear", n_contrast: int = 1000) -> Summary:
    test = make_test_set(TASK, np.random.default_rng(TEST_SEED), n_contrast=n_contrast)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(14, 3)))
    data = simulate_pairs(TASK, n, source, rng)
    out: Summary = {}
    for obj in objectives:
        ev = evaluate(fit_reward_model(data, obj, model=model, random_state=seed), test)
        out[obj] = {f"{k}_mean": v.estimate for k, v in ev.items()}
    return out


def consistency_study(seed: int, n: int = 2000, model: str = "linear") -> Summary:
    """Trickle-down's train-time and inference-time fixes: BT / ConvexDA / RewardFusion /
    both, consistency on contrast sets (near-duplicate contexts whose true preferences
    differ) and held-out accuracy; pairwise feedback with 25% flips."""
    return _pairs_fit_eval(("bt", "convexda", "reward_fusion", "convexda_fusion"), seed, n,
                           PairwiseSource(flip_rate=0.25), model=model)


__all__ = ["CAUSAL_ARMS", "causalrm_ablation", "consistency_study", "heron_study",
           "raft_study", "secrets_flip_detection"]


def secrets_flip_detection(seed: int, n: int = 2000, flip_rate: float = 0.25,
                           members: int = 5) -> Summary:
    """Secrets of RLHF II: the ensemble's mean preference strength u_i (toward the observed
    label) ranks flipped pairs at the bottom. Measures the AUROC of ``-u`` for "this label
    was flipped" (truth table, read only here) with its bootstrap interval, and the share of
    flipped pairs among u < 0."""
    from looplab.preferences.metrics import _auroc, _boot
    from looplab.preferences.objectives.preference_strength import ensemble_strength
    from looplab.preferences.reward_model import make_model

    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(14, 6)))
    data = simulate_pairs(TASK, n, PairwiseSource(flip_rate=flip_rate), rng)
    u, _ = ensemble_strength(data, lambda k: make_model("linear", random_state=k), rng, members)
    flipped = data.truth.flipped.astype(np.float64)  # type: ignore[union-attr]
    est = _boot(_auroc, -u, flipped, rng=rng)
    neg = u < 0
    return {"ensemble": {"flip_auroc_mean": est.estimate, "flip_auroc_ci_low": est.low,
                         "flip_auroc_ci_high": est.high, "flip_auroc_lower_mean": est.low,
                         "flipped_share_below0_mean": float(flipped[neg].mean()) if neg.any()
                         else float("nan")}}


def heron_study(seed: int, n: int = 2000, prompts: int = 200, candidates: int = 16,
                weights: tuple[float, ...] = (1.0, 0.5, 0.25)) -> Summary:
    """HERON: a reward model trained on HERON's hierarchical labels (factor order 0 > 1 > 2,
    sigma 0.1) against the hand-tuned reward ``sum_k weights_k f_k`` (weights decreasing in
    the same order, the designer's hand-tuned combination). Measures the Spearman
    correlation of the two on held-out items, and the hand-tuned reward reached by a
    best-of-``candidates`` policy picking by each, as a share of the hand-tuned reward's
    own pick (both relative to a random pick)."""
    from scipy import stats

    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(14, 7)))
    data = simulate_pairs(TASK, n, PairwiseSource(), rng, factors=True)
    rm = fit_reward_model(data, "heron", random_state=seed)
    w = np.asarray(weights)
    c = rng.standard_normal((prompts, 1, TASK.context_dim))
    r = rng.standard_normal((prompts, candidates, TASK.response_dim))
    phi = TASK.features(c, r)  # (P, K, D)
    hand = TASK.factors_of_features(phi) @ w
    learned = rm.score(phi.reshape(-1, TASK.dim)).reshape(prompts, candidates)
    rows = np.arange(prompts)
    base = hand.mean()
    pick_h = hand[rows, learned.argmax(1)].mean() - base
    pick_opt = hand.max(1).mean() - base
    return {"heron": {"spearman_hand_mean": float(stats.spearmanr(learned.ravel(),
                                                                   hand.ravel()).statistic),
                      "policy_share_mean": float(pick_h / pick_opt)}}


RAFT_ROUNDS = 5


def raft_study(seed: int, prompts: int = 32, rounds: int = RAFT_ROUNDS) -> Summary:
    """RAFT against learned reward models: ``unbiased`` = BT on clean Bradley-Terry feedback;
    ``bt`` / ``convexda`` / ``reward_fusion`` = the same under 25% flipped labels. Per arm:
    the true reward (z-scored) of the policy at the first and last round and the reward
    model's mean consistency over rounds (2 replicates per seed, averaged)."""
    from looplab.improve.raft import RaftConfig, run_raft

    cfg = RaftConfig(prompts=prompts)
    arms = {"unbiased": ("bt", PairwiseSource()),
            "bt": ("bt", PairwiseSource(flip_rate=0.25)),
            "convexda": ("convexda", PairwiseSource(flip_rate=0.25)),
            "reward_fusion": ("reward_fusion", PairwiseSource(flip_rate=0.25))}
    out: Summary = {}
    for arm, (obj, src) in arms.items():
        o = run_raft(TASK, src, obj, cfg, rounds=rounds, replicates=2, seed=seed)
        out[arm] = {"true_first_mean": float(o["true_reward"][0].mean()),
                    "true_last_mean": float(o["true_reward"][-1].mean()),
                    "consistency_mean": float(o["consistency"].mean()),
                    "accuracy_mean": float(o["accuracy"].mean())}
    return out
