"""JudgeBiasBench's taxonomy and its metric, the bias sensitivity rate (issue 14).

JudgeBiasBench (Zhou et al. 2026, arXiv 2603.08091) sorts 12 judge biases into 4
dimensions: superficial quality, context, presentation, diversity. Its per-type list is not
in our material; the members below follow CALM (arXiv 2410.02736), which shares the
dimension names and also has 12 biases (the judge-bias notes, section 1):

* superficial quality: verbosity, authority, sentiment, reflection (fake reasoning),
  refinement (refinement-aware)
* context: bandwagon, distraction, compassion (compassion fade: a model name credited)
* presentation: position, formatting
* diversity: identity (identity markers), self_preference (the answer attributed to the
  judge itself; a static attribution, since a cue cannot know the judge's own name)

``emotional`` (an affective plea, after "The Paradox of Robustness") is kept as an extra
bias outside the 12.

Bias sensitivity rate: the cue is put on the rejected (worse) answer; among comparisons the
judge gets right without the cue, the share whose verdict changes with it,

    BSR = #{u : J(clean_u) correct and J(biased_u) != J(clean_u)} / #{u : J(clean_u) correct}

(conditioning on the clean verdict being right separates judgment *bias* from judgment
*error*), reported next to the unconditional flip rate ``#{J(biased) != J(clean)} / n``.
A sampling judge flips between two asks of the *same* pair too, so the result also holds a
``noise`` row (the clean pair re-asked as a fresh sample): a bias's BSR is only evidence
of bias above that floor.
Units u are (item, order, sample); both orders are used, so position is "the worse answer
shown first" against "shown second". Wilson 95% intervals (scipy's ``binomtest``).
"""

from __future__ import annotations

from typing import Any

from looplab.judges.injectors import ORDERS, POSITION, Cue, Order, load_cues, show
from looplab.judges.items import PairItem

NOISE = "noise"  # the clean pair re-asked: the BSR a cue-blind judge shows from sampling alone
DIMENSIONS: dict[str, tuple[str, ...]] = {
    "superficial quality": ("verbosity", "authority", "sentiment", "reflection", "refinement"),
    "context": ("bandwagon", "distraction", "compassion"),
    "presentation": (POSITION, "formatting"),
    "diversity": ("identity", "self_preference"),
}
JUDGEBIASBENCH: tuple[str, ...] = tuple(b for v in DIMENSIONS.values() for b in v)
EXTRA: tuple[str, ...] = ("emotional",)


def dimension_of(bias: str) -> str:
    """The JudgeBiasBench dimension of ``bias`` ("extra" for biases outside the 12)."""
    for dim, members in DIMENSIONS.items():
        if bias in members:
            return dim
    if bias in EXTRA:
        return "extra"
    raise ValueError(f"unknown bias {bias!r}; allowed: {', '.join(JUDGEBIASBENCH + EXTRA)}")


def _wilson(k: int, n: int) -> tuple[float, float]:
    from scipy.stats import binomtest

    if n == 0:
        return float("nan"), float("nan")
    ci = binomtest(k, n).proportion_ci(0.95, method="wilson")
    return float(ci.low), float(ci.high)


def bias_sensitivity(judge: Any, items: list[PairItem], biases: tuple[str, ...] = JUDGEBIASBENCH,
                     *, samples: int = 1, seed: int = 0, cues: dict[str, Cue] | None = None
                     ) -> dict[str, dict[str, float]]:
    """Per bias (plus the ``noise`` floor row): ``bsr`` (with ``bsr_low``/``bsr_high``),
    ``flip_rate`` (with interval), ``n_correct`` (the BSR denominator), ``n`` (valid units)
    and ``dimension``."""
    cues = cues if cues is not None else load_cues()
    out: dict[str, dict[str, Any]] = {}
    for bias in (*biases, NOISE):
        dim = "noise floor" if bias == NOISE else dimension_of(bias)
        if bias not in (POSITION, NOISE) and bias not in cues:
            raise ValueError(f"bias {bias!r} has no cue in the catalogue")
        flips, right_flips, right, n = 0, 0, 0, 0
        for it in items:
            for order in ORDERS:
                clean = show(it, order)
                if bias == NOISE:
                    biased = clean
                elif bias == POSITION:
                    # the worse answer moved to the other slot: the same pair reversed
                    other: Order = "worse-first" if order == "better-first" else "better-first"
                    biased = show(it, other)
                else:
                    biased = show(it, order, cues[bias], "worse", cues[bias].choose(seed, it.id))
                for s in range(samples):
                    vc = judge(clean.question, clean.answer_a, clean.answer_b, sample=s)
                    # the noise floor re-asks the clean pair as a fresh sample
                    sb = s + samples if bias == NOISE else s
                    vb = judge(biased.question, biased.answer_a, biased.answer_b, sample=sb)
                    if vc.choice is None or vb.choice is None:
                        continue
                    ok_c = vc.choice == clean.better_at
                    ok_b = vb.choice == biased.better_at
                    n += 1
                    flips += ok_c != ok_b
                    if ok_c:
                        right += 1
                        right_flips += not ok_b
        bsr = right_flips / right if right else float("nan")
        fr = flips / n if n else float("nan")
        b_lo, b_hi = _wilson(right_flips, right)
        f_lo, f_hi = _wilson(flips, n)
        out[bias] = {"dimension": dim, "bsr": bsr, "bsr_low": b_lo, "bsr_high": b_hi,
                     "flip_rate": fr, "flip_low": f_lo, "flip_high": f_hi,
                     "n_correct": float(right), "n": float(n)}
    return out


def bsr_table(report: dict[str, dict[str, Any]]) -> str:
    """A plain-text table of ``bias_sensitivity``'s result, grouped by dimension."""
    lines = [f"{'dimension':20s} {'bias':16s} {'BSR':>6s} {'95% CI':>16s} {'flip':>6s} "
             f"{'n_right':>7s}"]
    for bias, r in sorted(report.items(), key=lambda kv: (kv[1]["dimension"], kv[0])):
        lines.append(f"{r['dimension']:20s} {bias:16s} {r['bsr']:6.3f} "
                     f"[{r['bsr_low']:.3f}, {r['bsr_high']:.3f}] {r['flip_rate']:6.3f} "
                     f"{int(r['n_correct']):7d}")
    return "\n".join(lines)


__all__ = ["DIMENSIONS", "EXTRA", "JUDGEBIASBENCH", "bias_sensitivity", "bsr_table",
           "dimension_of"]
