"""The judge-loop family: scenarios, determinism, and its claims decided over 5 seed
blocks (each block = the scenario's replicates split into 5 disjoint sets, which use
independent random streams) with each claim's own pass rule."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd
import pytest

from looplab.experiments.config import read_toml, validate
from looplab.experiments.registry import family
from looplab.families.judge_loops import CLAIMS, FAMILY

SCENARIOS = Path(__file__).resolve().parents[2] / "src" / "looplab" / "scenarios"
SEEDS = 5


def load(name: str, **overrides: object):
    raw = read_toml(SCENARIOS / f"{name}.toml")
    raw.update(overrides)
    return validate(FAMILY.scenario, raw)


@cache
def blocks(name: str, per: int) -> tuple[dict, ...]:
    big = load(name, replicates=per * SEEDS)
    frame = FAMILY.run(big, None)
    return tuple(FAMILY.summarize(frame[(frame["replicate"] >= b * per)
                                        & (frame["replicate"] < (b + 1) * per)], big)
                 for b in range(SEEDS))


def test_registered_and_scenarios_validate():
    assert family("judge-loop") is FAMILY
    for name in ("judge-anyprefer", "judge-best-of-n"):
        assert load(name).kind == "judge-loop"


def test_arm_world_mismatch_is_a_clear_error():
    raw = read_toml(SCENARIOS / "judge-best-of-n.toml")
    raw["arms"] = {"self": {"type": "self"}}
    with pytest.raises(Exception, match="does not run on a text-pool world"):
        validate(FAMILY.scenario, raw)


@pytest.mark.parametrize("name", ["judge-anyprefer", "judge-best-of-n"])
def test_same_seed_same_table(name):
    cfg = load(name, replicates=2, rounds=2)
    pd.testing.assert_frame_equal(FAMILY.run(cfg, None), FAMILY.run(cfg, None),
                                  check_exact=True)


CASES = [(c, "judge-anyprefer", 4) for c in CLAIMS if c.id.startswith("anyprefer")] + \
    [(c, "judge-best-of-n", 4) for c in CLAIMS if c.id.startswith("seldiff")]


@pytest.mark.slow
@pytest.mark.parametrize(("claim", "name", "per"), CASES, ids=[c.id for c, _, _ in CASES])
def test_claim_over_seeds(claim, name, per):
    summaries = blocks(name, per)
    assert all(claim.applies(s) for s in summaries)
    v = claim.check_over_seeds(summaries)
    assert v["held"], v
