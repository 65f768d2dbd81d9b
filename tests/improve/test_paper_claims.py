"""Paper claims of the improve family, one case per (scenario, claim), each decided over 5
independent seed blocks by the claim's own pass rule (margins and rules are read from the
family's claims table; strict xfail where the table records the claim as not reproduced)."""

from __future__ import annotations

import pytest

from tests.improve.claims_support import claim_params, verdict

# scenario -> the prefix of the claim ids that belong to it
SCENARIOS = {
    "improve-unlikely": "unlikely.",
    "improve-unlikely-tabular": "unlikely.",
    "improve-bstar": "bstar.",
    "improve-clipping": "clipping.",
    "improve-alignment": "alignment.",
    "improve-oreal": "oreal.",
    "improve-dypo": "dypo.",
    "improve-prefixrl": "prefixrl.",
    "improve-spark": "spark.",
    "improve-cot-length": "cot.",
}


@pytest.mark.slow
@pytest.mark.parametrize(("scenario", "claim"), [
    pytest.param(sc, *p.values, marks=p.marks, id=f"{sc}-{p.id}")
    for sc, prefix in SCENARIOS.items() for p in claim_params(sc, prefix)])
def test_claim(scenario: str, claim) -> None:
    v = verdict(scenario, claim)
    assert v["held"], (
        f"{claim.id}: {claim.statement}; per-seed {[round(x, 4) for x in v['values']]}, "
        f"mean {v['mean']:.4f} [{v['ci_low']:.4f}, {v['ci_high']:.4f}] needs {claim.op} "
        f"{claim.margin} ({claim.rule}, {v['n_held']}/{v['seeds']} seeds)")
