"""Paper tests read the families' claims tables: one parametrised case per (claim,
scenario), a strict xfail (with the measured numbers) where the claim is recorded as not
reproduced on that scenario."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pytest

from looplab.experiments.claims import Claim, Summary


def claim_cases(claims: Iterable[Claim], scenarios: Sequence[str]) -> list:
    """pytest params (claim, scenario) for every claim on every scenario."""
    out = []
    for c in claims:
        for sc in scenarios:
            marks = [] if c.expected_to_hold(sc) else [pytest.mark.xfail(
                strict=True, reason=f"claim did not reproduce on {sc}: {c.note}")]
            out.append(pytest.param(c, sc, id=f"{c.id}[{sc}]", marks=marks))
    return out


def assert_claim(claim: Claim, summary: Summary) -> None:
    """The claim holds on ``summary`` (which must have every arm and metric it reads)."""
    assert claim.applies(summary), f"summary lacks one of {claim.measure.terms}"
    verdict = claim.check(summary)
    assert verdict["held"], verdict["detail"]
