"""A trained bias detector for RBD's detect-and-revise loop (issue 14).

RBD (Yang et al., NeurIPS 2025, arXiv 2505.17100) trains a detector that reads the item
and the evaluator's verdict and reports whether, and why, the verdict is biased. The rule
detector ``looplab.judges.rbd.CueDetector`` matches the injector's own cue catalogue: an
oracle, under which detect-and-revise helps by construction. This detector is *learned*
and never sees the catalogue of the biases it is evaluated on:

* Texts are cut into segments (sentences and parenthesised asides); a segment is the unit
  that carries a cue or not.
* A logistic regression on character n-grams (``char_wb`` 2-4 grams, TF-IDF; Bojanowski-style
  sub-word features that transfer across wordings) is fit on segments of clean questions and
  answers (label 0) and on cue strings of the *training* families only (label 1), with
  balanced class weights.
* At detection time, every segment of the chosen answer that the other answer does not share,
  and every question segment that names the chosen letter, is scored; the ones with
  P(cue) >= ``threshold`` are quoted in the analysis: ``Possible bias: "<segment>" ...``.
  With ``judge`` given, a verdict that changes when the answers swap places is reported as
  position bias (the swap test RBD shows its detector for position items).

The analysis quotes text; a revising judge can only act on what is quoted
(``ReferenceJudge.revise`` corrects the biases whose cue text overlaps a quote). Recall on
held-out cue families and on paraphrased cues is measured by ``segment_recall``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np

from looplab.judges.base import Verdict
from looplab.judges.injectors import Cue
from looplab.judges.items import PairItem
from looplab.judges.rbd import Detection

_PAREN = re.compile(r"\([^()]*\)")
_SENT = re.compile(r"(?<=[.!?…])\s+|\n+")
_LETTER = re.compile(r"\b(?:Answer|Output|Option|Response)\s*\(?([AB])\)?")


def segments(text: str) -> list[str]:
    """Parenthesised asides and sentences of ``text`` (non-empty, stripped)."""
    out = [m.group(0).strip() for m in _PAREN.finditer(text)]
    rest = _PAREN.sub(" ", text)
    out += [s.strip() for s in _SENT.split(rest) if s and s.strip()]
    return [s for s in out if len(s) >= 2]


def cue_examples(cue: Cue) -> list[str]:
    """The texts of one cue family as they appear in a prompt (letters filled both ways)."""
    out: list[str] = []
    for c in cue.cues:
        variants = [c.replace("{letter}", x) for x in "AB"] if "{letter}" in c else [c]
        for v in variants:
            for part in v.split("{answer}"):
                out.extend(segments(part))
    return out


def clean_examples(items: Iterable[PairItem]) -> list[str]:
    """Segments of clean questions and answers (the negatives)."""
    out: list[str] = []
    for it in items:
        for t in (it.question, it.better, it.worse):
            out.extend(segments(t))
    return out


class TrainedCueDetector:
    """Character n-gram logistic regression: "is this segment a bias cue?" (see module)."""

    def __init__(self, train_cues: dict[str, Cue], train_items: list[PairItem], *,
                 threshold: float = 0.5, judge: Any = None, c: float = 10.0) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        if not train_cues:
            raise ValueError("train_cues must hold at least one cue family")
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold must be in (0, 1), got {threshold}")
        pos = [s for cue in train_cues.values() for s in cue_examples(cue)]
        neg = clean_examples(train_items)
        self.vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), lowercase=True,
                                   sublinear_tf=True)
        X = self.vec.fit_transform(pos + neg)
        y = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
        self.clf = LogisticRegression(C=c, class_weight="balanced", max_iter=2000).fit(X, y)
        self.threshold = threshold
        self.judge = judge
        self._cache: dict[str, float] = {}
        self.families = tuple(train_cues)
        self.name = f"trained-detector({'+'.join(self.families)}, t={threshold:g})"

    def prob(self, texts: list[str]) -> np.ndarray:
        """P(cue) per text segment."""
        new = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if new:
            p = self.clf.predict_proba(self.vec.transform(new))[:, 1]
            self._cache.update(zip(new, (float(v) for v in p), strict=True))
        return np.array([self._cache[t] for t in texts], dtype=np.float64)

    def with_threshold(self, threshold: float) -> TrainedCueDetector:
        """The same fitted model at another threshold (a lower or higher recall)."""
        import copy

        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold must be in (0, 1), got {threshold}")
        out = copy.copy(self)
        out.threshold = threshold
        out.name = f"trained-detector({'+'.join(self.families)}, t={threshold:g})"
        return out

    def flagged(self, texts: list[str]) -> list[str]:
        """The segments scored at or above the threshold."""
        p = self.prob(texts)
        return [t for t, q in zip(texts, p, strict=True) if q >= self.threshold]

    def __call__(self, question: str, answer_a: str, answer_b: str, verdict: Verdict, *,
                 sample: int = 0) -> Detection:
        if verdict.choice not in ("A", "B"):
            return Detection(False)
        chosen, other = (answer_a, answer_b) if verdict.choice == "A" else (answer_b, answer_a)
        other_segs = set(segments(other))
        cand = [s for s in segments(chosen) if s not in other_segs]
        q_cand = [s for s in segments(question)
                  if (m := _LETTER.search(s)) is not None and m.group(1) == verdict.choice]
        notes = [f'"{s}" in the chosen answer is not evidence of correctness'
                 for s in self.flagged(cand)]
        notes += [f'the verdict agrees with "{s}" in the prompt, which is not evidence'
                  for s in self.flagged(q_cand)]
        if self.judge is not None and not notes:
            swapped = self.judge(question, answer_b, answer_a, sample=sample).swapped()
            if swapped.choice in ("A", "B") and swapped.choice != verdict.choice:
                notes.append("the verdict changes when the two answers swap places (position)")
        if not notes:
            return Detection(False)
        return Detection(True, "Possible bias: " + "; ".join(notes) + ".")


def segment_recall(detector: TrainedCueDetector, cue: Cue) -> float:
    """Share of a cue family's segments the detector flags (its recall on that family)."""
    ex = cue_examples(cue)
    return float(np.mean(detector.prob(ex) >= detector.threshold)) if ex else float("nan")


def false_positive_rate(detector: TrainedCueDetector, items: list[PairItem]) -> float:
    """Share of clean segments of ``items`` the detector flags."""
    ex = clean_examples(items)
    return float(np.mean(detector.prob(ex) >= detector.threshold)) if ex else float("nan")
