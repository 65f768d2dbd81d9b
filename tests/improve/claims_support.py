"""Shared support of the improve family's paper tests: run a built-in scenario once with
its replicates repeated for several independent seed blocks (one batched run), split the
long table into the blocks and summarize each, then decide each claim with its own
multi-seed pass rule."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from looplab.experiments.config import read_toml, validate
from looplab.families.improve import FAMILY, NOT_REPRODUCED_NOTES

SCENARIOS = Path(__file__).resolve().parents[2] / "src" / "looplab" / "scenarios"
SEEDS = 5


def load(name: str, **overrides: object) -> object:
    """A built-in improve scenario, validated, with top-level overrides."""
    raw = read_toml(SCENARIOS / f"{name}.toml")
    raw.update(overrides)
    return validate(FAMILY.scenario, raw)


@cache
def seed_summaries(name: str, seeds: int = SEEDS) -> tuple[dict, ...]:
    """One summary per seed block of ``name`` (each block = the scenario's replicates)."""
    cfg = load(name)
    per = cfg.replicates  # type: ignore[attr-defined]
    big = load(name, replicates=per * seeds)
    frame = FAMILY.run(big, None)
    out = []
    for b in range(seeds):
        block = frame[(frame["replicate"] >= b * per) & (frame["replicate"] < (b + 1) * per)]
        out.append(FAMILY.summarize(block, cfg))
    return tuple(out)


def claim_params(name: str, prefix: str) -> list:
    """pytest params for the claims whose id starts with ``prefix``, on scenario ``name``:
    strict xfail where the claims table records the claim as not reproduced there."""
    params = []
    for c in (c for c in FAMILY.claims if c.id.startswith(prefix)):
        cid = c.id
        marks = () if c.expected_to_hold(name) else (
            pytest.mark.xfail(strict=True, reason=f"{cid} not reproduced on {name}: "
                              f"{NOT_REPRODUCED_NOTES.get(cid, 'see the claims table')}"),)
        params.append(pytest.param(c, id=cid, marks=marks))
    return params


def verdict(name: str, claim: object) -> dict:
    """The claim's multi-seed verdict on scenario ``name``."""
    summaries = seed_summaries(name)
    assert all(claim.applies(s) for s in summaries), f"{claim.id} does not apply to {name}"
    return claim.check_over_seeds(summaries)
