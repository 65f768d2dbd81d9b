"""Meta-BO pieces: GP task sampling, the references (GP-EI, random search), a tiny NAP
run, and the paper's claim (slow: one NAP training per arm and seed)."""

from __future__ import annotations

import numpy as np
import pytest

from looplab.families.meta_bo import FAMILY
from looplab.worlds.gp_functions import (
    GPFunctionsConfig,
    gp_expected_improvement,
    grid_points,
    kernel,
    random_search,
    sample_tasks,
    simple_regret,
)

SMALL = GPFunctionsConfig(grid=24, horizon=5, test_tasks=64)


def test_sampled_functions_have_the_kernel_covariance():
    cfg = GPFunctionsConfig(grid=16)
    f, first = sample_tasks(cfg, 20000, np.random.default_rng(0))
    x = grid_points(cfg)
    assert np.abs(np.cov(f.T) - kernel(x, x, cfg.lengthscale)).max() < 0.05
    assert first.min() >= 0 and first.max() < 16


def test_references_query_distinct_points_and_ei_beats_random_search():
    f, first = sample_tasks(SMALL, SMALL.test_tasks, np.random.default_rng(1))
    ei = gp_expected_improvement(f, first, SMALL.horizon, SMALL)
    rs = random_search(f, first, SMALL.horizon, np.random.default_rng(2))
    for Q in (ei, rs):
        assert Q.shape == (64, 6) and (Q[:, 0] == first).all()
        assert all(len(set(row)) == 6 for row in Q.tolist())
        reg = simple_regret(f, Q)
        assert (np.diff(reg, axis=1) <= 0).all() and (reg >= 0).all()
    assert simple_regret(f, ei)[:, -1].mean() < 0.5 * simple_regret(f, rs)[:, -1].mean()


@pytest.mark.slow
def test_tiny_nap_scenario_is_deterministic():
    pytest.importorskip("torch")
    cfg = FAMILY.scenario(
        name="t", world=SMALL,
        policies={"nap": {"type": "nap", "updates": 2, "batch": 8, "d_model": 8},
                  "ei": {"type": "reference"}})
    a, b = FAMILY.run(cfg, None), FAMILY.run(cfg, None)
    assert a.equals(b) and set(a["policy"]) == {"nap", "ei"}
    assert len(a) == 2 * (SMALL.horizon + 1)
