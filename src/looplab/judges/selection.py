"""Selection differential: is a judge that drives selection being exploited?

When a judge's or reward model's scores choose what is kept (best-of-n, RAFT, rejection
sampling, tree search, preference-pair synthesis), the optimiser learns whatever the judge
rewards, including cues the task does not care about. The check compares the *selected*
candidates with the *pool* they were chosen from on features the true quality should not
depend on (length, tone, formatting, citations, position, ...). This is the breeder's
selection differential (Falconer & Mackay 1996, "Introduction to Quantitative Genetics",
ch. 11): for a feature x and a group g (one prompt's candidates),

    d_g = mean_{k selected in g} x_gk  -  mean_{k in g} x_gk,

reported in units of the pooled within-group standard deviation of x (the selection
*intensity*; best-of-K selection on x itself has intensity E[max of K standard normals],
1.42 for K = 8). A judge whose score is independent of an irrelevant feature leaves its
differential at zero whatever the judge's noise; a judge that rewards the feature moves it
up. So a positive differential on a judge-irrelevant feature flags exploitation (the lesson
COS(M+O)S, arXiv 2501.17104, draws for judge-in-the-loop search; see also the RBD and
LRM-judge bias catalogues the audit module injects).

The interval of a differential is a Student-t interval over groups (``looplab.stats``); the
flag uses a Bonferroni level 1 - alpha / F over the F features checked, so an unbiased
judge is flagged on any feature with probability at most about alpha.

Features come from ``text_features``, a detector written here from general patterns (word
count, upbeat vocabulary, exclamation marks, markdown formatting, citation/credential
markers, hedging "wait / let me think" openers, crowd-appeal phrases); it never reads the
audit's cue catalogue, so it is blind to which candidate had a cue injected. Position (the
candidate's index in the pool) is supplied by the caller. Feature-vector worlds (RAFT's
``FeatureTask``, the improve family's candidates) pass their own feature arrays.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from looplab.stats import Estimate, mean_estimate

TEXT_FEATURES = ("words", "sentences", "positive_tone", "exclamations", "formatting",
                 "citations", "hedging", "crowd_appeal")

_POSITIVE = frozenset("""good great wonderful delightful happy happily fortunately pleasure
excellent satisfying amazing glad lovely fantastic brilliant awesome pleased joy superb
perfect nice truly""".split())  # noqa: SIM905 (a word list reads best as text)
_NEGATIVE = frozenset("""bad sadly unfortunately terrible awful poor horrible disappointing
regrettably unhappy""".split())  # noqa: SIM905 (a word list reads best as text)
_WORD = re.compile(r"[A-Za-z']+|\d+(?:[.,]\d+)*")
_SENTENCE = re.compile(r"[.!?]+(?:\s|$)")
_FORMAT = re.compile(r"(?m)^\s*(?:[-*+]\s|\d+[.)]\s|#{1,6}\s)|\*\*[^*]+\*\*|`[^`]+`")
_CITATION = re.compile(
    r"\((?:citation|source|according to|verified|reviewed|see)\b|\bet al\.|\bdr\.\s|"
    r"\bprofessor\b|\buniversity\b|\binstitute\b|\bjournal\b|\bacademy\b|\bp\.\s*\d+",
    re.IGNORECASE)
_HEDGE = re.compile(r"\b(?:wait|hmm|let me (?:think|double-check|check|reconsider))\b",
                    re.IGNORECASE)
_CROWD = re.compile(r"\d+\s*%\s+of\b|\bmost people\b|\bmajority\b|\breviewers\b|"
                    r"\bout of (?:ten|\d+)\b|\beveryone\b", re.IGNORECASE)


def text_features(texts: Sequence[str]) -> dict[str, np.ndarray]:
    """{feature: (n,) float} for each text: ``words``, ``sentences``, ``positive_tone``
    (positive minus negative lexicon words), ``exclamations``, ``formatting`` (markdown
    bullets, numbered items, headers, bold, code), ``citations`` (source / credential
    markers), ``hedging`` (reasoning-mimicking openers), ``crowd_appeal`` (majority
    claims). Counts, not rates: a longer answer may carry more of each."""
    out = {name: np.zeros(len(texts)) for name in TEXT_FEATURES}
    for i, t in enumerate(texts):
        words = [w.lower() for w in _WORD.findall(t)]
        out["words"][i] = len(words)
        out["sentences"][i] = max(1, len(_SENTENCE.findall(t))) if t.strip() else 0
        out["positive_tone"][i] = (sum(w in _POSITIVE for w in words)
                                   - sum(w in _NEGATIVE for w in words))
        out["exclamations"][i] = t.count("!")
        out["formatting"][i] = len(_FORMAT.findall(t))
        out["citations"][i] = len(_CITATION.findall(t))
        out["hedging"][i] = len(_HEDGE.findall(t))
        out["crowd_appeal"][i] = len(_CROWD.findall(t))
    return out


def _mask_from(chosen: np.ndarray, k: int) -> np.ndarray:
    """(..., K) float selection weights from indices (..., m) or a (..., K) bool mask."""
    chosen = np.asarray(chosen)
    if chosen.dtype == bool:
        if chosen.shape[-1] != k:
            raise ValueError(f"a selection mask needs last axis K={k}, got {chosen.shape}")
        return chosen.astype(np.float64)
    if not np.issubdtype(chosen.dtype, np.integer):
        raise ValueError("chosen must be integer indices or a boolean mask")
    w = np.zeros((*chosen.shape[:-1], k))
    idx = np.indices(chosen.shape)[:-1]
    np.add.at(w, (*idx, chosen), 1.0)  # a candidate kept twice counts twice
    return w


def differentials(x: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Standardized selection differential per group: (..., G, F) from features ``x``
    (..., G, K, F) and the selection ``chosen`` ((..., G, m) kept indices, or a (..., G, K)
    boolean mask). Groups with nothing selected are NaN. The scale is the pooled within-group
    standard deviation over the G groups of each leading index (a feature constant within
    every group gives NaN: it cannot be selected on)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 3:
        raise ValueError(f"x must be (..., groups, candidates, features), got {x.shape}")
    w = _mask_from(chosen, x.shape[-2])
    if w.shape != x.shape[:-1]:
        raise ValueError(f"selection shape {w.shape} does not match the pool {x.shape[:-1]}")
    n_sel = w.sum(-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        sel = np.einsum("...k,...kf->...f", w, x) / n_sel
        pool = x.mean(-2)
        sd = np.sqrt(((x - pool[..., None, :]) ** 2).mean((-3, -2)))  # (..., F)
        d = (sel - pool) / np.where(sd > 0, sd, np.nan)[..., None, :]
    return np.where(n_sel > 0, d, np.nan)


@dataclass(frozen=True)
class SelectionCheck:
    """Differentials of one selection: ``estimates[feature]`` is the mean standardized
    differential over groups with its interval at ``level`` (Bonferroni-adjusted over the
    checked features); ``flagged`` lists the judge-irrelevant features whose interval lies
    above ``margin``."""

    estimates: dict[str, Estimate]
    irrelevant: tuple[str, ...]
    margin: float
    level: float
    flagged: tuple[str, ...] = field(default=())

    @property
    def exploited(self) -> bool:
        """True when any judge-irrelevant feature is flagged."""
        return bool(self.flagged)

    def table(self) -> list[dict[str, object]]:
        """One row per feature: feature, differential, low, high, irrelevant, flagged."""
        return [{"feature": f, "differential": e.estimate, "low": e.low, "high": e.high,
                 "irrelevant": f in self.irrelevant, "flagged": f in self.flagged}
                for f, e in self.estimates.items()]


def check_selection(
    features: Mapping[str, np.ndarray],
    chosen: np.ndarray,
    irrelevant: Sequence[str] | None = None,
    *,
    alpha: float = 0.05,
    margin: float = 0.0,
) -> SelectionCheck:
    """Selection differentials of ``chosen`` against the pool for every feature.

    ``features[name]`` is (G, K) (group = one prompt's candidate pool), ``chosen`` (G, m)
    indices or a (G, K) boolean mask. ``irrelevant`` names the features the true quality
    does not depend on (default: all of them); a feature is flagged when the lower end of
    its interval (level 1 - alpha / len(irrelevant), t over groups) exceeds ``margin``."""
    if not features:
        raise ValueError("features is empty")
    names = list(features)
    irr = tuple(names if irrelevant is None else irrelevant)
    unknown = set(irr) - set(names)
    if unknown:
        raise ValueError(f"irrelevant features {sorted(unknown)} not among {names}")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha}")
    x = np.stack([np.asarray(features[n], dtype=np.float64) for n in names], -1)
    d = differentials(x, chosen)  # (G, F)
    level = 1.0 - alpha / max(1, len(irr))
    est: dict[str, Estimate] = {}
    for j, n in enumerate(names):
        col = d[:, j]
        est[n] = mean_estimate(col[np.isfinite(col)], level)
    flagged = tuple(n for n in irr if est[n].n > 1 and est[n].low > margin)
    return SelectionCheck(est, irr, margin, level, flagged)


def best_of_n(scores: np.ndarray, n: int | None = None) -> np.ndarray:
    """(..., 1) index of the highest score among the first ``n`` candidates (all if None);
    ties go to the lower index."""
    s = np.asarray(scores, dtype=np.float64)
    if n is not None:
        s = s[..., :n]
    return s.argmax(-1)[..., None]
