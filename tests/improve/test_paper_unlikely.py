"""Paper claims of the improve family on ``improve-unlikely`` (+ its tabular variant),
decided over 5 independent seed blocks by each claim's pass rule (thresholds read from
the family's claims table)."""

from __future__ import annotations

import pytest

from tests.improve.claims_support import claim_params, verdict

SCENARIOS = ("improve-unlikely", "improve-unlikely-tabular")
PREFIX = "unlikely."


@pytest.mark.slow
@pytest.mark.parametrize(("scenario", "claim"), [
    pytest.param(sc, *p.values, marks=p.marks, id=f"{sc}-{p.id}")
    for sc in SCENARIOS for p in claim_params(sc, PREFIX)])
def test_claim(scenario: str, claim) -> None:
    v = verdict(scenario, claim)
    assert v["held"], (
        f"{claim.id}: {claim.statement}; per-seed {[round(x, 4) for x in v['values']]}, "
        f"mean {v['mean']:.4f} [{v['ci_low']:.4f}, {v['ci_high']:.4f}] needs {claim.op} "
        f"{claim.margin} ({claim.rule}, {v['n_held']}/{v['seeds']} seeds)")
