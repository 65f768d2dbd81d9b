"""The loop runner: determinism, shapes, seeding and argument checks."""

from __future__ import annotations

import numpy as np
import pytest

from looplab.core.channels import BanditFeedback
from looplab.core.loop import run
from looplab.core.monitors import ConstraintMonitor, RegretMonitor, RewardMonitor
from looplab.core.seeding import child_seed, generator
from looplab.policies import OFS, EpsilonGreedy
from looplab.worlds.lending import LendingConfig, LendingWorld


def _run(seed: int, S: int = 4, rounds: int = 60, policy=None):
    world = LendingWorld(LendingConfig(n_applicants=100))
    return run(
        world,
        policy or OFS(),
        BanditFeedback(signals=("residuals",)),
        [RewardMonitor(), ConstraintMonitor(world.residual_names)],
        rounds,
        S,
        seed,
    )


def test_same_seed_gives_bit_identical_metrics():
    a, b = _run(7), _run(7)
    assert a.metrics.keys() == b.metrics.keys()
    for k in a.metrics:
        assert np.array_equal(a.metrics[k], b.metrics[k])


def test_randomized_policy_is_deterministic_too():
    a, b = _run(3, policy=EpsilonGreedy(epsilon=0.3)), _run(3, policy=EpsilonGreedy(epsilon=0.3))
    assert np.array_equal(a.metrics["reward"], b.metrics["reward"])


def test_different_seeds_differ():
    assert not np.array_equal(_run(1).metrics["reward"], _run(2).metrics["reward"])


def test_metrics_have_round_by_replicate_shape_and_frame_is_long():
    res = _run(0, S=5, rounds=30)
    assert res.metrics["reward"].shape == (30, 5)
    frame = res.to_frame(policy="ofs")
    assert len(frame) == 150
    assert set(frame.columns) >= {"policy", "round", "replicate", "reward", "cum_violation"}
    # cumulative violation is the running sum of the per-round violation
    v = res.metrics["violation"]
    assert np.allclose(res.metrics["cum_violation"], np.cumsum(v, axis=0))


def test_replicates_are_not_copies_of_each_other():
    r = _run(0, S=6).metrics["reward"]
    assert len({tuple(np.round(r[:, s], 12)) for s in range(6)}) == 6


@pytest.mark.parametrize("field,value", [("rounds", 0), ("replicates", -1)])
def test_nonpositive_rounds_or_replicates_rejected(field, value):
    world = LendingWorld()
    kwargs = {"rounds": 10, "replicates": 2, field: value}
    with pytest.raises(ValueError, match=field):
        run(world, OFS(), BanditFeedback(("residuals",)), [RewardMonitor()], seed=0, **kwargs)


def test_regret_monitor_accumulates_against_benchmark():
    world = LendingWorld(LendingConfig(n_applicants=50))
    res = run(world, OFS(), BanditFeedback(("residuals",)),
              [RewardMonitor(), RegretMonitor(np.full(3, 0.5))], 20, 3, 0)
    assert np.allclose(res.metrics["regret"], 0.5 - res.metrics["reward"])
    assert np.allclose(res.metrics["cum_regret"][-1], (0.5 - res.metrics["reward"]).sum(0))


def test_seed_streams_are_independent_of_call_order():
    a = generator(5, "world").random(3)
    _ = generator(5, "policy").random(3)
    assert np.array_equal(a, generator(5, "world").random(3))
    assert child_seed(5, "x").spawn_key != child_seed(5, "y").spawn_key


def test_delayed_feedback_withholds_then_releases():
    world = LendingWorld(LendingConfig(n_applicants=50))
    seen = []

    class Spy(RewardMonitor):
        names = ("mask",)

        def __call__(self, obs, action, outcome, feedback):
            seen.append(feedback.mask.copy())
            return {"mask": feedback.mask.astype(float)}

    run(world, OFS(), BanditFeedback(("residuals",), delay=3), [Spy()], 6, 2, 0)
    assert [bool(m.all()) for m in seen] == [False, False, False, True, True, True]


def test_run_returns_a_record_of_config_seed_versions_and_revision():
    res = _run(5, S=2, rounds=10)
    rec = res.record
    assert rec["seed"] == 5 and rec["replicates"] == 2
    assert rec["config"]["rounds"] == 10
    assert rec["config"]["world"]["config"]["n_applicants"] == 100
    assert rec["config"]["policy"]["params"]["delta"] == 0.05
    assert rec["config"]["policy"]["type"].endswith("OFS")
    assert "numpy" in rec["versions"] and "git_revision" in rec
    import json

    json.dumps(rec)  # the record is plain JSON
