"""Paper tests read the families' claims tables: one parametrised case per (claim,
scenario), a strict xfail (with the measured numbers) where the claim is recorded as not
reproduced on that scenario."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

import pytest

from looplab.experiments.claims import Claim, Summary
from looplab.preferences.claims import Study, run_study


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


def claim_cases_where(
    claims: Iterable[Claim], scenarios: Sequence[str], where: dict[str, Sequence[str]]
) -> list:
    """``claim_cases`` restricted: a claim id listed in ``where`` is checked only on the
    scenarios given there (claims about arms or metrics a scenario does not have)."""
    out = []
    for c in claims:
        scs = [s for s in scenarios if s in where.get(c.id, scenarios)]
        out.extend(claim_cases([c], scs))
    return out


def assert_claim_over_seeds(claim: Claim, summaries: Sequence[Summary]) -> None:
    """The claim holds by its pass rule over one summary per seed (>= claim.min_seeds)."""
    assert summaries and all(claim.applies(s) for s in summaries), (
        f"a seed's summary lacks one of {claim.measure.terms}")
    v = claim.check_over_seeds(summaries)
    vals = ", ".join(f"{x:+.4g}" for x in v["values"])
    assert v["held"], (
        f"{claim.id} ({claim.rule}, needs {claim.op} {claim.margin:g}): held on "
        f"{v['n_held']}/{v['seeds']} seeds [{vals}]; pooled {v['mean']:+.4g} "
        f"[{v['ci_low']:+.4g}, {v['ci_high']:+.4g}]")


@functools.cache
def _study_verdicts(study: Study) -> dict[str, dict]:
    verdicts, _ = run_study(study)
    return {v["id"]: v for v in verdicts}


def study_cases(studies: Iterable[Study], measured: dict[str, str]) -> list:
    """pytest params (study, claim id), all slow; a strict xfail with the measured numbers
    where the claims table records the claim as not reproduced."""
    out = []
    for study in studies:
        for c in study.claims:
            marks = [pytest.mark.slow]
            if not c.expected_to_hold("*"):
                marks.append(pytest.mark.xfail(
                    strict=True, reason=f"not reproduced: {measured[c.id]}"))
            out.append(pytest.param(study, c.id, marks=marks, id=c.id))
    return out


def assert_study_claim(study: Study, claim_id: str) -> None:
    """The claim holds over the study's seeds (at least 5) by its rule."""
    r = _study_verdicts(study)[claim_id]
    assert r["seeds"] >= 5
    assert r["held"], (f"{claim_id}: {r['mean']:+.4f} [{r['ci_low']:+.4f}, "
                       f"{r['ci_high']:+.4f}] {r['op']} {r['margin']}, per seed {r['values']}")
