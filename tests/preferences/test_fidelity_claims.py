"""Reward-model claims decided on 5 seeds by their pass rule (issue 14). The thresholds live
in ``looplab.preferences.claims`` only; claims recorded as not reproduced are strict xfails
whose reason holds the measured numbers."""

from functools import cache

import numpy as np
import pytest
from scipy.stats import spearmanr

from looplab.preferences import PointwiseSource, simulate_pointwise
from looplab.preferences.claims import MEASURED, SEEDS, STUDIES
from looplab.preferences.data import FeatureTask
from looplab.preferences.nuisances import (
    crossfit_propensity,
    estimate_nuisances,
    noise_rates_from_clean_subset,
)


def test_noise_rates_from_a_clean_subset_recover_the_flip_rates():
    rng = np.random.default_rng(0)
    clean = (rng.random(20_000) < 0.4).astype(float)
    u = rng.random(clean.size)
    noisy = np.where(clean == 1, u >= 0.2, u < 0.1).astype(float)
    r10, r01 = noise_rates_from_clean_subset(noisy, clean)
    assert abs(r10 - 0.2) < 0.015 and abs(r01 - 0.1) < 0.01
    # an empty class still gives a finite rate, and the sum is kept below 1
    assert noise_rates_from_clean_subset(np.ones(3), np.ones(3)) == pytest.approx((0.125, 0.5))
    assert sum(noise_rates_from_clean_subset(np.zeros(4), np.ones(4))) <= 0.9 + 1e-12


def test_crossfit_propensity_tracks_the_true_propensity_and_never_sees_the_truth():
    task = FeatureTask(seed=1)
    src = PointwiseSource(alpha=0.2, r10=0.2, r01=0.1)
    data = simulate_pointwise(task, 4000, src, np.random.default_rng(0))
    p = crossfit_propensity(data.x, data.observed, np.random.default_rng(1))
    assert spearmanr(p, data.propensity).statistic > 0.6
    est, audit = estimate_nuisances(data, np.random.default_rng(2), n_audit=150)
    assert audit.size == 150 and data.observed[audit].all()
    assert not np.array_equal(est.propensity, data.propensity)
    assert est.noise_rates != data.noise_rates
    # same inputs, same estimates
    est2, _ = estimate_nuisances(data, np.random.default_rng(2), n_audit=150)
    np.testing.assert_array_equal(est.propensity, est2.propensity)


@cache
def _verdicts(study_name: str) -> dict[str, dict]:
    study = next(s for s in STUDIES if s.name == study_name)
    summaries = [study.run(s) for s in SEEDS]
    return {c.id: c.check_over_seeds(summaries) for c in study.claims}


def _cases():
    for study in STUDIES:
        for c in study.claims:
            marks = [pytest.mark.slow]
            if not c.expected_to_hold("*"):
                marks.append(pytest.mark.xfail(strict=True, reason=f"not reproduced: "
                                               f"{MEASURED[c.id]}"))
            yield pytest.param(study.name, c.id, marks=marks, id=c.id)


@pytest.mark.parametrize(("study", "claim_id"), list(_cases()))
def test_reward_model_claim_over_five_seeds(study: str, claim_id: str):
    r = _verdicts(study)[claim_id]
    assert r["seeds"] >= 5
    assert r["held"], (f"{claim_id}: {r['mean']:+.4f} [{r['ci_low']:+.4f}, "
                       f"{r['ci_high']:+.4f}] {r['op']} {r['margin']}, per seed {r['values']}")


def test_studies_are_deterministic_per_seed():
    from looplab.preferences.studies import causalrm_ablation, heron_study

    assert causalrm_ablation(3, n=800, n_audit=50) == causalrm_ablation(3, n=800, n_audit=50)
    assert heron_study(2, n=300, prompts=20) == heron_study(2, n=300, prompts=20)
