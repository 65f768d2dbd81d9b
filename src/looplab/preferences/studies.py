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
            out[f"{arm}@{tag}"] = {"auroc_mean": ev["auroc"].value,
                                  "spearman_mean": ev["spearman"].value}
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
        out[obj] = {f"{k}_mean": v.value for k, v in ev.items()}
    return out


def consistency_study(seed: int, n: int = 2000, model: str = "linear") -> Summary:
    """Trickle-down's train-time and inference-time fixes: BT / ConvexDA / RewardFusion /
    both, consistency on contrast sets (near-duplicate contexts whose true preferences
    differ) and held-out accuracy; pairwise feedback with 25% flips."""
    return _pairs_fit_eval(("bt", "convexda", "reward_fusion", "convexda_fusion"), seed, n,
                           PairwiseSource(flip_rate=0.25), model=model)


__all__ = ["CAUSAL_ARMS", "causalrm_ablation", "consistency_study"]
