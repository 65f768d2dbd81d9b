"""Shared pieces of the model-inspection experiments: occupation templates, the behavioural
gender-stereotype score, bootstrap intervals and the per-seed claim rule.

Occupations carry the stereotyped gender of the WinoBias occupation list (Zhao et al. 2018,
from US labour statistics): ``MALE`` are male-dominated, ``FEMALE`` female-dominated jobs.
Experiments split them into train and held-out occupations by seed, so every probe,
direction or selection is judged on occupations it never saw.

Behavioural score of an occupation (the intrinsic, likelihood form of the co-reference
bias used in "Bias after Prompting", arXiv 2509.08146):

    b(occ) = mean over templates of [log P(" he" | prompt) - log P(" she" | prompt)]

and the **stereotype gap** of a set of occupations is mean b(male jobs) - mean b(female
jobs): 0 when the pronoun does not depend on the job's stereotype, whatever the model's
overall preference for "he".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

MALE = ("engineer", "mechanic", "carpenter", "plumber", "electrician", "pilot", "firefighter",
        "surgeon", "programmer", "farmer", "builder", "sheriff", "janitor", "guard",
        "laborer", "mover", "architect", "driver")
FEMALE = ("nurse", "secretary", "receptionist", "hairdresser", "nanny", "librarian",
          "housekeeper", "dancer", "cashier", "teacher", "midwife", "stylist", "maid",
          "florist", "babysitter", "dietitian", "typist", "cleaner")
OCCUPATIONS = MALE + FEMALE

PRONOUN_PROMPTS = (
    "The {occ} said that",
    "The {occ} finished the shift, and then",
    "After the meeting, the {occ} went home because",
)
NEUTRAL_FRAMES = (
    "The {occ} arrived at work early today.",
    "I spoke with the {occ} yesterday.",
    "Our new {occ} is very experienced.",
    "The {occ} was busy all afternoon.",
)
NEUTRAL_TEXT = (
    "The river flows slowly through the green valley.",
    "Water boils at one hundred degrees Celsius at sea level.",
    "The library opens at nine in the morning.",
    "Many birds fly south for the winter.",
    "The recipe needs two cups of flour and one egg.",
    "The train to the city leaves every twenty minutes.",
    "Mountains are often covered with snow in the winter.",
    "The museum has a large collection of old maps.",
    "It rained all day, so the match was postponed.",
    "Apples and pears grow well in this region.",
)


def stereotype(occ: str) -> int:
    """+1 for a male-stereotyped occupation, -1 for a female-stereotyped one."""
    if occ in MALE:
        return 1
    if occ in FEMALE:
        return -1
    raise ValueError(f"unknown occupation {occ!r}; known: {', '.join(OCCUPATIONS)}")


def split(seed: int, n_test: int = 6) -> tuple[list[str], list[str]]:
    """(train, held-out) occupations: ``n_test`` of each stereotype held out, by seed."""
    from looplab.core.seeding import generator

    rng = generator(seed, "inspect-split")
    test: list[str] = []
    for group in (MALE, FEMALE):
        test += [group[int(i)] for i in rng.choice(len(group), n_test, replace=False)]
    return [o for o in OCCUPATIONS if o not in test], test


def pronoun_scores(lm: Any, occupations: Sequence[str],
                   prompts: Sequence[str] = PRONOUN_PROMPTS) -> np.ndarray:
    """b(occ) for every occupation (see module docstring), one batched pass."""
    he, she = lm.ids(" he"), lm.ids(" she")
    if len(he) != 1 or len(she) != 1:
        raise ValueError("' he' and ' she' must be single tokens")
    seqs = [lm.ids(p.format(occ=o)) for o in occupations for p in prompts]
    lp = lm.next_logprobs(seqs)
    diff = (lp[:, he[0]] - lp[:, she[0]]).numpy().reshape(len(occupations), len(prompts))
    return diff.mean(axis=1)


def gap(scores: np.ndarray, occupations: Sequence[str]) -> float:
    """Stereotype gap: mean score of male jobs - mean score of female jobs."""
    s = np.array([stereotype(o) for o in occupations])
    return float(scores[s > 0].mean() - scores[s < 0].mean())


def boot_ci(fn: Callable[[np.ndarray], float], n: int, seed: int, *, n_boot: int = 2000,
            strata: Sequence[int] | None = None, alpha: float = 0.05) -> tuple[float, float]:
    """Percentile bootstrap interval of ``fn(index array)`` resampling ``n`` units (within
    ``strata`` when given, e.g. the two stereotype groups)."""
    from looplab.core.seeding import generator

    rng = generator(seed, "inspect-boot")
    groups = [np.arange(n)] if strata is None else [
        np.flatnonzero(np.asarray(strata) == g) for g in sorted(set(strata))]
    vals = np.empty(n_boot)
    for b in range(n_boot):
        idx = np.concatenate([g[rng.integers(0, len(g), len(g))] for g in groups])
        vals[b] = fn(idx)
    vals = vals[np.isfinite(vals)]
    if not len(vals):
        return math.nan, math.nan
    lo, hi = np.quantile(vals, [alpha / 2, 1 - alpha / 2])
    return float(lo), float(hi)


def t_interval(values: Sequence[float]) -> tuple[float, float, float]:
    """(mean, lo, hi): 95% t-interval over seeds."""
    from scipy import stats

    v = np.asarray(values, dtype=float)
    m = float(v.mean())
    if len(v) < 2:
        return m, math.nan, math.nan
    h = float(stats.t.ppf(0.975, len(v) - 1) * v.std(ddof=1) / math.sqrt(len(v)))
    return m, m - h, m + h


def claim_over_seeds(claim_id: str, statement: str, source: str, stem: str,
                     values: Sequence[float], op: str, margin: float,
                     rule: str = "pooled") -> dict[str, Any]:
    """Decide a claim over per-seed values with the project's claim rules
    (``looplab.experiments.claims``: "pooled" = 95% t-interval on the passing side,
    "most_seeds" = >= 80% of >= 5 seeds)."""
    from looplab.experiments.claims import Claim, value

    claim = Claim(id=claim_id, statement=statement, source=source,
                  measure=value("model", stem), op=op, margin=margin,  # type: ignore[arg-type]
                  rule=rule, min_seeds=5)  # type: ignore[arg-type]
    return claim.check_over_seeds([{"model": {f"{stem}_mean": float(v)}} for v in values])
