"""Paper claims of the improve family on scenario ``improve-clipping``,
decided over 5 independent seed blocks by each claim's pass rule (thresholds read from
the family's claims table)."""

from __future__ import annotations

import pytest

from tests.improve.claims_support import claim_params, verdict

SCENARIO = "improve-clipping"
PREFIX = "clipping."


@pytest.mark.slow
@pytest.mark.parametrize("claim", claim_params(SCENARIO, PREFIX))
def test_claim(claim) -> None:
    v = verdict(SCENARIO, claim)
    assert v["held"], (
        f"{claim.id}: {claim.statement}; per-seed {[round(x, 4) for x in v['values']]}, "
        f"mean {v['mean']:.4f} [{v['ci_low']:.4f}, {v['ci_high']:.4f}] needs {claim.op} "
        f"{claim.margin} ({claim.rule}, {v['n_held']}/{v['seeds']} seeds)")
