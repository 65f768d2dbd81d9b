"""Shared support of the improve family's paper tests: run a built-in scenario once for
seeds 0..4 packed into one batch (``Rows.pack``: each seed's replicates are the rows that
seed's own run would give, so the verdicts are those of ``looplab claims SCENARIO --seeds
0..4`` and ``docs/claims_results.csv``), summarize each seed's rows, then decide each claim
with its own multi-seed pass rule."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from looplab.core.streams import Rows
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
    """One summary per seed 0..seeds-1 of ``name`` (the scenario's replicates each), run as
    one packed batch."""
    cfg = load(name)
    frame = FAMILY.run(cfg, None, rows=Rows.pack(range(seeds), cfg.replicates))  # type: ignore[attr-defined]
    return tuple(FAMILY.summarize(frame[frame["seed"] == s].drop(columns="seed"), cfg)
                 for s in range(seeds))


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
