"""The replay family on the Open Bandit Dataset's uniform log: a small run, determinism,
the summary's shape and the scenario's errors."""

from __future__ import annotations

import importlib.util
import tomllib
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from looplab.families.replay import FAMILY

pytestmark = pytest.mark.skipif(importlib.util.find_spec("obp") is None,
                                reason="pip install --no-deps obp==0.4.1")


def small(**over: object) -> object:
    raw = tomllib.loads((resources.files("looplab") / "scenarios" / "replay-obd-men.toml")
                        .read_text())
    raw.update(rounds=2000, replicates=3)
    raw["retrain"].update(generation_rounds=1000, window=1000)
    raw["policies"] = {"uniform": {"type": "uniform"}, "greedy": {"type": "greedy"}}
    raw.update(over)
    return FAMILY.scenario.model_validate(raw)


def test_small_replay_run_is_deterministic_and_summarized():
    cfg = small()
    a, b = FAMILY.run(cfg, None), FAMILY.run(cfg, None)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 2 * 2 * 3  # policies x blocks x replicates
    kept = a[a.policy == "uniform"].kept.sum() / 3
    assert 2000 / 34 * 0.6 < kept < 2000 / 34 * 1.4  # ~1 in 34 events kept
    summary = FAMILY.summarize(a, cfg)
    assert set(summary) == {"uniform", "greedy"}
    row = summary["greedy"]
    for stem in ("ctr", "final_ctr", "lift", "kept", "propensity_entropy"):
        assert row[f"{stem}_ci_low"] <= row[f"{stem}_mean"] <= row[f"{stem}_ci_high"], stem
    assert summary["uniform"]["lift_mean"] == 0.0
    assert summary["uniform"]["propensity_entropy_mean"] == pytest.approx(np.log(34))


@pytest.mark.parametrize("over, message", [
    ({"retrain": {"online": True, "generation_rounds": 1000, "window": 1000, "delay": 2}},
     "retrain.delay must be 0"),
    ({"policies": {"greedy": {"type": "greedy"}}}, "include a 'uniform' policy"),
    ({"rounds": 2500}, "must be a multiple of retrain.generation_rounds"),
])
def test_scenario_errors_name_the_field(over, message):
    with pytest.raises(ValueError, match=message):
        small(**over)


def test_more_rounds_than_logged_events_is_an_error():
    cfg = small(rounds=12_000)
    with pytest.raises(ValueError, match="must be <= 10000"):
        FAMILY.run(cfg, None)
