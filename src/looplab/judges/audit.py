"""Audit a pairwise judge for bias with paired counterfactuals.

Design (after the judge-bias notes: RBD, arXiv 2505.17100; the LRM-judge study, arXiv
2504.09946; JudgeBiasBench, arXiv 2603.08091; "The Paradox of Robustness", arXiv
2601.21439). For every item with a known better answer the judge sees

- the clean pair in both orders (better first, worse first), ``repeats`` times each, and
- for every cue bias, the cue on the better answer and the cue on the worse one, each in
  both orders and ``repeats`` times. Position needs no cue: "cue on X" is "X shown first".

Main estimand, per bias (a paired swing, in [-1, 1]):

    effect = P(judge picks X | cue on X) - P(judge picks X | cue on the other answer)

averaged over X in {better, worse} and both orders; per (item, order, sample) unit it is
``pb - pw`` with pb / pw = 1 if the better answer is picked with the cue on the better / the
worse answer (a tie counts 1/2). 0 means the cue does not move the judge, 1 that it decides
every verdict, < 0 that the judge turns against it. For position, effect > 0 is primacy.
A noisy but unbiased judge has expected effect 0, so no noise correction is needed here;
flip rates, which noise does inflate, are reported next to the repeat-run noise floor.

Uncertainty: items are the unit of resampling (a cluster bootstrap over item scores,
``looplab.stats.bootstrap`` method "expanded": the expanded percentile interval of
Hesterberg 2015, which corrects the plain percentile interval's under-coverage at small n).
The effect's interval is never narrower than what n items can resolve: it always contains
estimate +/- the Wilson upper bound for 0 events in n items, z^2 / (n + z^2) (else a judge
with no observed flips would get a zero-width interval). ``logit_shift`` uses the same
expanded cluster bootstrap but no such floor: it is unbounded (logits, not a proportion),
and a judge whose P(A) does not move has a true shift of exactly 0. Rates use Wilson
intervals, the excess flip rate Newcombe's square-and-add interval (``looplab.stats``).
Verdict at level alpha (default 0.05) with equivalence margin delta (default 0.10):
"biased" if the 1-alpha interval excludes 0; "robust" if the 1-2*alpha interval lies inside
[-delta, delta] (TOST at level alpha, Schuirmann 1987); otherwise "not enough data" (also
when fewer than ``min_items`` items give a valid pair). Also per bias: McNemar's exact test
on the discordant unit pairs (a binomial test; Holm-adjusted across biases), Cohen's h of the
cue-following rate against the no-cue rate, flip rate with a Wilson interval, excess flip
rate over the noise floor (Newcombe interval), accuracy with the cue on the worse and on the
better answer, accuracy change, and RBD's consistency (correct both clean and with the cue on
the worse answer). For judges that report P(A) (logprob LLM judges, reference judges) also
``logit_shift`` = mean of (logit P(better | cue on better) - logit P(better | cue on worse)) / 2,
the cue's pull in logits: it sees a cue that moves a judge's confidence without flipping
its verdict (for a reference judge it is exactly the planted coefficient). Unparseable
verdicts are dropped from every rate and counted separately.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from looplab.core.seeding import generator
from looplab.jsonable import jsonable
from looplab.judges.base import Verdict, judge_name
from looplab.judges.injectors import (
    ORDERS,
    POSITION,
    TARGETS,
    Cue,
    Shown,
    bias_names,
    check_biases,
    load_cues,
    show,
)
from looplab.judges.items import PairItem
from looplab.stats import bootstrap, bootstrap_intervals, newcombe, wilson

VERDICTS = ("biased", "robust", "not enough data")
CLEAN = "clean"


@dataclass(frozen=True)
class Effect:
    """The audit's answer for one bias: the effect (see module docstring) with its
    1-alpha interval and verdict, and the tests behind it."""

    bias: str
    estimate: float
    ci_low: float
    ci_high: float
    verdict: str
    p_value: float
    p_holm: float
    cohens_h: float
    n_items: int
    n_units: int


@dataclass
class AuditReport:
    """Everything an audit found. ``effects[bias]`` is the headline; ``metrics`` is the long
    table of every metric with its interval; ``records`` has one row per judge call."""

    judge: str
    effects: dict[str, Effect]
    metrics: pd.DataFrame
    records: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """Long table: bias, metric, estimate, ci_low, ci_high, n, verdict (effect rows)."""
        return self.metrics.copy()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (NaN becomes None)."""
        rows = self.metrics.replace({np.nan: None}).to_dict(orient="records")
        return jsonable({
            "judge": self.judge,
            "settings": self.settings,
            "effects": {k: asdict(v) for k, v in self.effects.items()},
            "metrics": rows,
        })

    def to_json(self, indent: int | None = 2) -> str:
        """The report as strict JSON."""
        return json.dumps(self.to_dict(), indent=indent)

    def metric(self, bias: str, name: str) -> float:
        """One metric's estimate (NaN if absent)."""
        m = self.metrics
        hit = m[(m["bias"] == bias) & (m["metric"] == name)]
        return float(hit["estimate"].iloc[0]) if len(hit) else float("nan")


@dataclass(frozen=True)
class Call:
    """One planned judge call."""

    item: int
    bias: str
    target: str
    order: str
    sample: int
    shown: Shown


def plan(items: list[PairItem], biases: list[str], repeats: int, seed: int,
         cues: dict[str, Cue]) -> list[Call]:
    """Every judge call an audit makes, in a fixed order."""
    calls: list[Call] = []
    for i, item in enumerate(items):
        for order in ORDERS:
            for r in range(repeats):
                calls.append(Call(i, CLEAN, "none", order, r, show(item, order)))
        for bias in biases:
            if bias == POSITION:
                continue
            cue = cues[bias]
            chosen = cue.choose(seed, item.id)
            for target in TARGETS:
                for order in ORDERS:
                    shown = show(item, order, cue, target, chosen)
                    for r in range(repeats):
                        calls.append(Call(i, bias, target, order, r, shown))
    return calls


def _execute(judge: Any, calls: list[Call], workers: int,
             progress: Callable[[int], None] | None) -> dict[tuple[Shown, int], Verdict]:
    """Ask the judge every distinct (comparison, sample) once; results keyed by both."""
    keys = list(dict.fromkeys((c.shown, c.sample) for c in calls))
    out: dict[tuple[Shown, int], Verdict] = {}

    def ask(key: tuple[Shown, int]) -> Verdict:
        s, r = key
        v = judge(s.question, s.answer_a, s.answer_b, sample=r)
        if not isinstance(v, Verdict):
            raise TypeError(f"judge {judge_name(judge)} returned {type(v).__name__}, not a "
                            "Verdict; wrap plain functions with looplab.judges.from_callable")
        return v

    if workers <= 1:
        for key in keys:
            out[key] = ask(key)
            if progress:
                progress(1)
        return out
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        futures = {pool.submit(ask, k): k for k in keys}
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_EXCEPTION)
            for f in done:
                out[futures[f]] = f.result()  # re-raises the first failure
                if progress:
                    progress(1)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return out


def _picked_better(v: Verdict, better_at: str) -> float:
    if v.choice is None:
        return math.nan
    if v.choice == "tie":
        return 0.5
    return 1.0 if v.choice == better_at else 0.0


def _logit_better(p_a: float | None, better_at: str) -> float:
    """logit P(better answer), from the judge's P(A) (clipped to +/- 13.8 logits)."""
    if p_a is None or math.isnan(p_a):
        return math.nan
    p = min(max(p_a if better_at == "A" else 1.0 - p_a, 1e-6), 1 - 1e-6)
    return math.log(p / (1.0 - p))


def _records(items: list[PairItem], calls: list[Call],
             verdicts: dict[tuple[Shown, int], Verdict]) -> pd.DataFrame:
    rows = []
    for c in calls:
        v = verdicts[(c.shown, c.sample)]
        rows.append({
            "item": items[c.item].id, "category": items[c.item].category, "bias": c.bias,
            "target": c.target, "order": c.order, "sample": c.sample,
            "choice": v.choice or "unparseable",
            "picked_better": _picked_better(v, c.shown.better_at),
            "p_a": math.nan if v.p_a is None else v.p_a,
            "logit_better": _logit_better(v.p_a, c.shown.better_at), "raw": v.raw or "",
            "question": c.shown.question, "answer_a": c.shown.answer_a,
            "answer_b": c.shown.answer_b,
        })
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- statistics
def cohens_h(p1: float, p0: float) -> float:
    """Cohen's h = 2 asin sqrt(p1) - 2 asin sqrt(p0)."""
    if math.isnan(p1) or math.isnan(p0):
        return math.nan
    return 2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p0))


def mcnemar_p(pb: np.ndarray, pw: np.ndarray) -> float:
    """Exact McNemar p-value on paired 0/1 outcomes (ties dropped); 1.0 with no discordance.
    Exact McNemar is the two-sided binomial test of n10 successes in n10 + n01 discordant
    pairs at p = 1/2 (McNemar 1947; the concordant pairs carry no information)."""
    keep = np.isin(pb, (0.0, 1.0)) & np.isin(pw, (0.0, 1.0))
    a, b = pb[keep], pw[keep]
    n10, n01 = int(np.sum((a == 1) & (b == 0))), int(np.sum((a == 0) & (b == 1)))
    if n10 + n01 == 0:
        return 1.0
    return float(stats.binomtest(n10, n10 + n01, 0.5).pvalue)


def holm_adjust(pvals: list[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values. (Written out because statsmodels' ``multipletests``
    runs ``gc.collect()`` on every Holm call, ~0.3 s in a process that holds a model.)"""
    p = np.asarray(pvals, dtype=float)
    m = len(p)
    order = np.argsort(p)
    adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    out = np.empty(m)
    out[order] = adj
    return out.tolist()


def item_interval(scores: np.ndarray, alpha: float, n_boot: int, rng: np.random.Generator
                  ) -> tuple[float, float, float, float]:
    """(lo, hi) at 1-alpha and (lo, hi) at 1-2*alpha for the mean of item scores: expanded
    percentile cluster bootstrap (one set of resamples for both levels), widened to at least
    the n-item resolution and clipped to [-1, 1] (see module docstring)."""
    n = len(scores)
    ests = bootstrap_intervals(scores, np.mean, levels=(1 - alpha, 1 - 2 * alpha),
                               method="expanded", n_resamples=n_boot, rng=rng)
    out = []
    for a, e in zip((alpha, 2 * alpha), ests, strict=True):
        z = stats.norm.ppf(1 - a / 2)
        floor = z * z / (n + z * z)  # Wilson upper bound for 0 events in n items
        out += [max(-1.0, min(e.low, e.estimate - floor)),
                min(1.0, max(e.high, e.estimate + floor))]
    return out[0], out[1], out[2], out[3]


def decide(ci: tuple[float, float], ci_tost: tuple[float, float], margin: float,
           n_items: int, min_items: int) -> str:
    """'biased', 'robust' (within +/- margin) or 'not enough data'."""
    if n_items < min_items or math.isnan(ci[0]):
        return "not enough data"
    if ci[0] > 0 or ci[1] < 0:
        return "biased"
    if -margin <= ci_tost[0] and ci_tost[1] <= margin:
        return "robust"
    return "not enough data"


def _row(bias: str, metric: str, est: float, lo: float = math.nan, hi: float = math.nan,
         n: int = 0, verdict: str | None = None) -> dict[str, Any]:
    return {"bias": bias, "metric": metric, "estimate": est, "ci_low": lo, "ci_high": hi,
            "n": n, "verdict": verdict}


def _rate_rows(bias: str, metric: str, values: np.ndarray, alpha: float) -> dict[str, Any]:
    v = values[~np.isnan(values)]
    if len(v) == 0:
        return _row(bias, metric, math.nan)
    w = wilson(float(v.sum()), len(v), 1 - alpha)
    return _row(bias, metric, float(v.mean()), w.low, w.high, len(v))


Lookup = dict[tuple[str, str, str, str, int], tuple[float, float]]


def _lookup(rec: pd.DataFrame) -> Lookup:
    """(item, bias, target, order, sample) -> (picked_better, logit_better)."""
    cols = [rec[k].tolist() for k in ("item", "bias", "target", "order", "sample")]
    vals = zip(rec["picked_better"].tolist(), rec["logit_better"].tolist(), strict=True)
    return dict(zip(zip(*cols, strict=True), vals, strict=True))


def _paired_units(look: Lookup, item_ids: list[str], bias: str, repeats: int) -> pd.DataFrame:
    """Per unit: pb / pw = picked better with the cue on the better / worse answer, c =
    clean (NaN for position), lb / lw = logit P(better) in the two cued conditions."""
    rows = []
    none = (math.nan, math.nan)
    for it in item_ids:
        for r in range(repeats):
            if bias == POSITION:
                b = look.get((it, CLEAN, "none", "better-first", r), none)
                w = look.get((it, CLEAN, "none", "worse-first", r), none)
                rows.append((it, b[0], w[0], math.nan, b[1], w[1]))
                continue
            for order in ORDERS:
                b = look.get((it, bias, "better", order, r), none)
                w = look.get((it, bias, "worse", order, r), none)
                c = look.get((it, CLEAN, "none", order, r), none)
                rows.append((it, b[0], w[0], c[0], b[1], w[1]))
    return pd.DataFrame(rows, columns=["item", "pb", "pw", "c", "lb", "lw"])


def summarize(rec: pd.DataFrame, biases: list[str], *, alpha: float, margin: float,
              n_boot: int, min_items: int, seed: int) -> tuple[dict[str, Effect], pd.DataFrame]:
    """Effects and the long metrics table from the per-call records."""
    rows: list[dict[str, Any]] = []
    clean = rec[rec["bias"] == CLEAN]
    pc = clean["picked_better"].to_numpy(dtype=float)
    rows.append(_rate_rows(CLEAN, "accuracy", pc, alpha))
    rows.append(_row(CLEAN, "invalid_rate", float(np.isnan(pc).mean()), n=len(pc)))
    look = _lookup(rec)
    item_ids = list(dict.fromkeys(rec["item"].tolist()))
    repeats = int(rec["sample"].max()) + 1 if len(rec) else 1
    # noise floor: identical clean asks, sample r >= 1 against sample 0
    noise_k = noise_n = 0
    for it in item_ids:
        for order in ORDERS:
            base = look.get((it, CLEAN, "none", order, 0), (math.nan,))[0]
            for r in range(1, repeats):
                other = look.get((it, CLEAN, "none", order, r), (math.nan,))[0]
                if not (math.isnan(base) or math.isnan(other)):
                    noise_k += base != other
                    noise_n += 1
    if noise_n:
        w = wilson(noise_k, noise_n, 1 - alpha)
        rows.append(_row(CLEAN, "noise_flip_rate", noise_k / noise_n, w.low, w.high, noise_n))
    else:
        rows.append(_row(CLEAN, "noise_flip_rate", math.nan))

    effects: dict[str, Effect] = {}
    pvals: dict[str, float] = {}
    for bias in biases:
        u = _paired_units(look, item_ids, bias, repeats)
        pb, pw, c = (u[k].to_numpy(dtype=float) for k in ("pb", "pw", "c"))
        ok = ~np.isnan(pb) & ~np.isnan(pw)
        d = pd.Series(pb[ok] - pw[ok]).groupby(u["item"].to_numpy()[ok]).mean()
        scores = d.to_numpy(dtype=float)
        n_items = len(scores)
        if n_items:
            est = float(scores.mean())
            rng = generator(seed, "audit-bootstrap", bias)
            lo, hi, lo2, hi2 = item_interval(scores, alpha, n_boot, rng)
        else:
            est = lo = hi = lo2 = hi2 = math.nan
        verdict = decide((lo, hi), (lo2, hi2), margin, n_items, min_items)
        follow = np.concatenate([pb, 1.0 - pw])
        follow_rate = float(np.nanmean(follow)) if np.any(~np.isnan(follow)) else math.nan
        if bias == POSITION:
            p0 = 0.5
        else:
            no_cue = np.concatenate([c[~np.isnan(pb)], 1.0 - c[~np.isnan(pw)]])
            p0 = float(np.nanmean(no_cue)) if np.any(~np.isnan(no_cue)) else math.nan
        h = cohens_h(follow_rate, p0)
        p = mcnemar_p(pb[ok], pw[ok])
        pvals[bias] = p
        effects[bias] = Effect(bias, est, lo, hi, verdict, p, math.nan, h, n_items, int(ok.sum()))
        rows.append(_row(bias, "effect", est, lo, hi, n_items, verdict))
        rows.append(_rate_rows(bias, "cue_follow_rate", follow, alpha))
        # with P(A) from the judge (logprob judges): the cue's pull in logits, half the
        # difference logit P(better | cue on better) - logit P(better | cue on worse)
        lb, lw = u["lb"].to_numpy(dtype=float), u["lw"].to_numpy(dtype=float)
        okl = ~np.isnan(lb) & ~np.isnan(lw)
        if okl.any():
            ls = pd.Series((lb[okl] - lw[okl]) / 2).groupby(u["item"].to_numpy()[okl]).mean()
            shift = bootstrap(ls.to_numpy(dtype=float), np.mean, level=1 - alpha,
                              method="expanded", n_resamples=n_boot,
                              rng=generator(seed, "audit-logit", bias))
            rows.append(_row(bias, "logit_shift", shift.estimate, shift.low, shift.high,
                             shift.n))
        else:
            rows.append(_row(bias, "logit_shift", math.nan))
        rows.append(_row(bias, "cohens_h", h, n=int(ok.sum())))
        rows.append(_row(bias, "mcnemar_p", p, n=int(ok.sum())))
        # flips: the content choice changes when only the cue changes
        if bias == POSITION:
            flips = np.where(ok, (pb != pw).astype(float), np.nan)
        else:
            flips = np.concatenate([np.where(~np.isnan(c) & ~np.isnan(x), (x != c).astype(float),
                                             np.nan) for x in (pb, pw)])
        fr = _rate_rows(bias, "flip_rate", flips, alpha)
        rows.append(fr)
        if noise_n and fr["n"]:
            k = int(np.nansum(flips))
            ex = newcombe(k, fr["n"], noise_k, noise_n, 1 - alpha)
            rows.append(_row(bias, "excess_flip_rate", fr["estimate"] - noise_k / noise_n,
                             ex.low, ex.high, fr["n"]))
        else:
            rows.append(_row(bias, "excess_flip_rate", math.nan))
        rows.append(_rate_rows(bias, "accuracy_cue_on_better", pb, alpha))
        acc_w = _rate_rows(bias, "accuracy_cue_on_worse", pw, alpha)
        rows.append(acc_w)
        base_acc = float(np.nanmean(pc)) if np.any(~np.isnan(pc)) else math.nan
        rows.append(_row(bias, "accuracy_change", acc_w["estimate"] - base_acc, n=acc_w["n"]))
        ref = pb if bias == POSITION else c
        both = np.where(~np.isnan(ref) & ~np.isnan(pw), ((ref == 1) & (pw == 1)).astype(float),
                        np.nan)
        rows.append(_rate_rows(bias, "consistency", both, alpha))
        cued = rec[rec["bias"] == bias]["picked_better"].to_numpy(dtype=float)
        inv = float(np.isnan(cued).mean()) if len(cued) else math.nan
        rows.append(_row(bias, "invalid_rate", inv, n=len(cued)))
    if pvals:
        names = list(pvals)
        holm = holm_adjust([pvals[b] for b in names])
        for b, ph in zip(names, holm, strict=True):
            e = effects[b]
            effects[b] = Effect(**{**asdict(e), "p_holm": float(ph)})
            rows.append(_row(b, "mcnemar_p_holm", float(ph), n=e.n_units))
    frame = pd.DataFrame(rows, columns=["bias", "metric", "estimate", "ci_low", "ci_high", "n",
                                        "verdict"])
    return effects, frame


def audit(
    judge: Any,
    items: list[PairItem],
    biases: list[str] | tuple[str, ...] | None = None,
    *,
    repeats: int = 1,
    seed: int = 0,
    alpha: float = 0.05,
    margin: float = 0.10,
    n_boot: int = 2000,
    min_items: int = 5,
    cues: dict[str, Cue] | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> AuditReport:
    """Audit ``judge`` (a pairwise judge; see ``looplab.judges.base``) on ``items`` for
    ``biases`` (default: all known). ``repeats`` >= 2 also measures the repeat-run noise
    floor. Calls run on ``workers`` threads (default: the judge's ``concurrency``). An
    interrupted audit of an LLM judge loses nothing: every answer is already in the LLM
    client's disk cache, and a rerun re-asks only the missing ones."""
    cues = cues if cues is not None else load_cues()
    names = check_biases(list(biases) if biases is not None else list(bias_names(cues)), cues)
    if not callable(judge):
        raise TypeError("judge must be callable as judge(question, answer_a, answer_b)")
    if not items:
        raise ValueError("items must hold at least one item with a known better answer")
    if not all(isinstance(it, PairItem) for it in items):
        raise TypeError("items must be PairItem objects (see looplab.judges.load_items)")
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    if not 0 < alpha < 0.5:
        raise ValueError(f"alpha must be in (0, 0.5), got {alpha}")
    if not 0 < margin < 1:
        raise ValueError(f"margin must be in (0, 1), got {margin}")
    calls = plan(items, names, repeats, seed, cues)
    n_workers = workers if workers is not None else int(getattr(judge, "concurrency", 1) or 1)
    verdicts = _execute(judge, calls, n_workers, progress)
    rec = _records(items, calls, verdicts)
    effects, metrics = summarize(rec, names, alpha=alpha, margin=margin, n_boot=n_boot,
                                 min_items=min_items, seed=seed)
    settings = {"biases": names, "repeats": repeats, "seed": seed, "alpha": alpha,
                "margin": margin, "n_items": len(items), "n_boot": n_boot,
                "calls": len(dict.fromkeys((c.shown, c.sample) for c in calls))}
    return AuditReport(judge=judge_name(judge), effects=effects, metrics=metrics, records=rec,
                       settings=settings)


def count_calls(items: list[PairItem], biases: list[str], repeats: int) -> int:
    """How many judge calls an audit will make (before deduplication of identical asks)."""
    n_cue = sum(1 for b in biases if b != POSITION)
    return len(items) * repeats * 2 * (1 + 2 * n_cue)

