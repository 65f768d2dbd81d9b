"""Paper claims as data.

Each family lists its claims once, as ``Claim`` rows: an id, the statement, the paper, the
arms it compares, a measured quantity (a ``Measure`` over a run summary), how that quantity
is compared with the margin, and the scenarios on which the claim did not reproduce.
``check_claims``, the HTML report and the paper tests all read the same rows, so no threshold
is written twice.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Summary = dict[str, dict[str, float]]
Op = Literal[">=", "<=", "abs<="]
Rule = Literal["most_seeds", "pooled"]


@dataclass(frozen=True)
class Measure:
    """A number computed from a summary's ``<stem>_mean`` entries: ``fn`` gets the values of
    ``terms`` (arm, stem) in order. ``label`` says what it is, for tables."""

    terms: tuple[tuple[str, str], ...]
    fn: Callable[..., float]
    label: str

    def __call__(self, summary: Summary) -> float:
        vals = [summary[arm][f"{stem}_mean"] for arm, stem in self.terms]
        return float(self.fn(*vals))

    def available(self, summary: Summary) -> bool:
        """Whether every term is present (and finite) in ``summary``."""
        for arm, stem in self.terms:
            v = summary.get(arm, {}).get(f"{stem}_mean")
            if v is None or not math.isfinite(v):
                return False
        return True


def value(arm: str, stem: str) -> Measure:
    """One arm's mean of ``stem``."""
    return Measure(((arm, stem),), lambda a: a, f"{arm} {stem}")


def diff(a: str, stem_a: str, b: str, stem_b: str | None = None) -> Measure:
    """``a.stem_a - b.stem_b`` (``stem_b`` defaults to ``stem_a``; ``a`` may equal ``b``
    to compare two metrics of one arm)."""
    sb = stem_b or stem_a
    return Measure(((a, stem_a), (b, sb)), lambda x, y: x - y, f"{a} {stem_a} - {b} {sb}")


def ratio(a: str, stem: str, b: str) -> Measure:
    """``a.stem / b.stem``."""
    return Measure(((a, stem), (b, stem)), lambda x, y: x / y if y else math.inf,
                   f"{a} / {b} {stem}")


def worst_ratio(a: str, stem: str, others: Sequence[str]) -> Measure:
    """The largest of ``a.stem / o.stem`` over ``others``."""
    terms = ((a, stem), *((o, stem) for o in others))
    return Measure(terms, lambda x, *ys: max(x / y if y else math.inf for y in ys),
                   f"{a} {stem} / min over {', '.join(others)}")


def custom(terms: Iterable[tuple[str, str]], fn: Callable[..., float], label: str) -> Measure:
    """Any function of the terms' means."""
    return Measure(tuple(terms), fn, label)


@dataclass(frozen=True)
class Claim:
    """One paper claim: ``measure op margin`` must hold (``abs<=``: ``|measure| <= margin``).

    ``not_reproduced`` names the scenarios (``"*"`` for all) on which a faithful
    implementation did not reproduce it, and ``note`` says what was measured instead; the
    paper tests mark those strict xfails with the note as the reason.
    """

    id: str
    statement: str
    source: str
    measure: Measure
    op: Op
    margin: float
    not_reproduced: tuple[str, ...] = ()
    note: str = ""  # what was measured where it did not reproduce, and why
    arms: tuple[str, ...] = field(default=())
    # multi-seed pass rule: "most_seeds" = holds on at least 80% of seeds (4 of 5);
    # "pooled" = the 95% t-interval of the per-seed values lies on the passing side
    rule: Rule = "most_seeds"
    min_seeds: int = 5

    def __post_init__(self) -> None:
        if not self.arms:
            object.__setattr__(self, "arms", tuple(dict.fromkeys(a for a, _ in self.measure.terms)))

    def applies(self, summary: Summary) -> bool:
        """Whether the summary has every arm and metric the claim reads."""
        return self.measure.available(summary)

    def holds(self, x: float) -> bool:
        """The pass rule on a measured value."""
        if self.op == ">=":
            return x >= self.margin
        if self.op == "<=":
            return x <= self.margin
        return abs(x) <= self.margin

    def expected_to_hold(self, scenario: str) -> bool:
        """False where the claim is recorded as not reproduced on ``scenario``."""
        return not ("*" in self.not_reproduced or scenario in self.not_reproduced)

    def check(self, summary: Summary) -> dict[str, Any]:
        """{"id", "claim", "held", "value", "margin", "detail"} on one summary."""
        x = self.measure(summary)
        shown = ", ".join(
            f"{arm} {stem} {summary[arm][f'{stem}_mean']:.4g}" for arm, stem in self.measure.terms
        )
        return {
            "id": self.id, "claim": self.statement, "held": bool(self.holds(x)), "value": x,
            "margin": self.margin,
            "detail": f"{self.measure.label} = {x:+.4g} (needs {self.op} {self.margin:g}); "
            f"{shown}",
        }


    def check_over_seeds(self, summaries: Sequence[Summary]) -> dict[str, Any]:
        """The verdict over one summary per seed, by ``rule``: per-seed values and verdicts,
        the pooled mean and its 95% t-interval, and whether the claim holds."""
        import numpy as np

        from looplab.stats import mean_estimate

        vals = np.array([self.measure(s) for s in summaries], dtype=np.float64)
        per_seed = [bool(self.holds(float(v))) for v in vals]
        n = vals.size
        mean, lo, hi = mean_estimate(vals).as_tuple()
        if n < self.min_seeds:
            held = False
        elif self.rule == "most_seeds":
            held = sum(per_seed) >= math.ceil(0.8 * n)
        elif self.op == ">=":
            held = lo >= self.margin
        elif self.op == "<=":
            held = hi <= self.margin
        else:
            held = -self.margin <= lo and hi <= self.margin
        return {
            "id": self.id, "claim": self.statement, "rule": self.rule, "seeds": n,
            "values": vals.tolist(), "per_seed_held": per_seed, "n_held": int(sum(per_seed)),
            "mean": mean, "ci_low": lo, "ci_high": hi, "margin": self.margin, "op": self.op,
            "held": bool(held),
        }


def check_claims(claims: Iterable[Claim], summary: Summary) -> list[dict[str, Any]]:
    """The verdict of every claim that applies to ``summary``."""
    return [c.check(summary) for c in claims if c.applies(summary)]


def claim_by_id(claims: Iterable[Claim], claim_id: str) -> Claim:
    """The claim with id ``claim_id`` (KeyError naming the known ids otherwise)."""
    table = {c.id: c for c in claims}
    if claim_id not in table:
        raise KeyError(f"no claim {claim_id!r}; known: {', '.join(table)}")
    return table[claim_id]
