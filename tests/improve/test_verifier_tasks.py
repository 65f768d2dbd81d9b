"""Unit tests of the improve family's worlds, monitors and update plumbing."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from looplab.core.seeding import generator
from looplab.core.streams import Rows
from looplab.experiments.config import ConfigError, validate
from looplab.families.improve import FAMILY
from looplab.improve import monitors as mon
from looplab.improve.grpo import GRPO
from looplab.improve.tasks import HardWorld, StandardWorld, logit_grad, make_task, sample
from looplab.improve.unlikeliness import Unlikeliness
from looplab.improve.verifier_loop import run_verifier_loop
from tests.conftest import numeric_grad
from tests.improve.claims_support import SCENARIOS, load


def test_sampler_matches_probabilities() -> None:
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(5), size=(2, 3))
    a = sample(p, 20000, rng)
    freq = np.stack([(a == k).mean(-1) for k in range(5)], -1)
    assert np.abs(freq - p).max() < 0.015


def test_exact_pass_at_n_matches_monte_carlo_and_unbiased_estimator() -> None:
    task = make_task(StandardWorld(prompts=4, candidates=16), 2, generator(1, "w"))
    probs = task.probs(task.init_theta())
    rng = np.random.default_rng(2)
    a = sample(probs, 4000, rng)
    c = np.take_along_axis(task.correct, a, -1)
    for n in (1, 8):
        exact = mon.pass_at_n_exact(probs, task.correct, n)
        est = mon.pass_at_k_unbiased(np.full(c.shape[:-1], 4000), c.sum(-1), n).mean(-1)
        assert np.allclose(exact, est, atol=0.03), (n, exact, est)


def test_logit_grad_is_the_score_function() -> None:
    rng = np.random.default_rng(3)
    z = rng.standard_normal((1, 1, 6))
    a = np.array([[[1, 4, 4]]])
    w = np.array([[[0.5, -1.0, 2.0]]])

    def f(zz: np.ndarray) -> float:
        lp = zz - np.log(np.exp(zz).sum(-1, keepdims=True))
        return float((np.take_along_axis(lp, a, -1) * w).sum())

    p = np.exp(z) / np.exp(z).sum(-1, keepdims=True)
    assert np.allclose(logit_grad(p, a, w), numeric_grad(f, z), atol=1e-6)


def test_hard_world_has_rare_correct_solutions() -> None:
    task = make_task(HardWorld(), 4, generator(0, "w"))
    q = mon.correct_mass(task.probs(task.init_theta()), task.correct)
    assert q.mean() < 0.01 and task.rare[task.correct].all()


def test_same_seed_is_bit_identical_and_seeds_differ() -> None:
    w = StandardWorld(prompts=8, candidates=16)
    a = run_verifier_loop(w, Unlikeliness(epochs=2), 5, Rows.of(7, 3))
    b = run_verifier_loop(w, Unlikeliness(epochs=2), 5, Rows.of(7, 3))
    c = run_verifier_loop(w, Unlikeliness(epochs=2), 5, Rows.of(8, 3))
    for k in a:
        assert np.array_equal(a[k], b[k], equal_nan=True)
    assert not np.array_equal(a["pass_1"], c["pass_1"])


def test_bad_parameters_name_the_field() -> None:
    with pytest.raises(ValidationError, match="clip_eps"):
        GRPO(clip_eps=1.5)
    with pytest.raises(ValidationError, match="correct must be < candidates"):
        StandardWorld(correct=10, candidates=8)
    with pytest.raises(ConfigError, match="arms"):
        validate(FAMILY.scenario, {"name": "x", "kind": "improve",
                                   "arms": {"a": {"type": "nope"}}})


def test_family_run_and_summary_shapes() -> None:
    cfg = validate(FAMILY.scenario, {
        "name": "t", "kind": "improve", "rounds": 3, "replicates": 2,
        "worlds": {"standard": {"type": "standard", "prompts": 4, "candidates": 8}},
        "arms": {"base": {"type": "base"}, "grpo": {"type": "grpo", "epochs": 2}},
    })
    frame = FAMILY.run(cfg, None)
    assert len(frame) == 2 * 4 * 2
    s = FAMILY.summarize(frame, cfg)
    assert s["base"]["d_pass_1_mean"] == 0.0
    assert 0.0 <= s["grpo"]["clip_fraction_mean"] <= 1.0


# scenarios whose cost is not set by rounds and replicates: shrunk further for the smoke run
SMALL = {"improve-cot-trained": {
    "worlds": {"cot_trained": {"type": "cot_trained", "difficulties": [3, 5], "max_step": 3,
                               "test_chains": 40}},
    "arms": {"weak": {"type": "cot_trained", "hidden": 16, "train_steps": 10, "batch": 16},
             "strong": {"type": "cot_trained", "hidden": 16, "train_steps": 20, "batch": 16}},
}}


@pytest.mark.parametrize("name", sorted(p.stem for p in SCENARIOS.glob("improve-*.toml")))
def test_every_builtin_scenario_runs_small(name: str) -> None:
    cfg = load(name, rounds=2, replicates=2, **SMALL.get(name, {}))
    s = FAMILY.summarize(FAMILY.run(cfg, None), cfg)
    assert set(s) and all(np.isfinite(r.get("pass_1_mean", np.nan)) or "cot" in name
                          for r in s.values())


def test_pass_curve_is_exact_at_base_and_final_round_only() -> None:
    """The pass@N-against-N columns agree with the per-round pass@N grid where both exist,
    rise with N, and are recorded at round 0 and the last round only."""
    cfg = validate(FAMILY.scenario, {
        "name": "t", "kind": "improve", "rounds": 3, "replicates": 2, "pass_curve": 64,
        "worlds": {"standard": {"type": "standard", "prompts": 4, "candidates": 8}},
        "arms": {"grpo": {"type": "grpo"}},
    })
    f = FAMILY.run(cfg, None)
    curve = f[[f"pass_curve_{n}" for n in range(1, 65)]].to_numpy()
    ends = f["round"].isin([0, 3]).to_numpy()
    assert np.isnan(curve[~ends]).all() and np.isfinite(curve[ends]).all()
    for n in (1, 4, 16, 64):
        assert np.allclose(f.loc[ends, f"pass_curve_{n}"], f.loc[ends, f"pass_{n}"])
    assert (np.diff(curve[ends], axis=1) >= 0).all()
    assert not any(k.startswith("pass_curve") for k in FAMILY.summarize(f, cfg)["grpo"])
