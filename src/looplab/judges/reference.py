"""Reference judges: pairwise judges with planted biases of known size, for calibration.

A reference judge knows the truth (which answer of an item is better) and decides with

    logit P(A) = skill * (q_A - q_B)
               + position
               + verbosity * (log2 words_A - log2 words_B)
               + sum_k beta_k * (cue_k(A) - cue_k(B))          answer cues (authority, ...)
               + sum_k beta_k * (+1 if a prompt cue endorses A, -1 if it endorses B)

where q is 1 for the better answer and 0 for the worse one (``ItemIndex.quality``), cue_k is
1 when the answer carries a cue string of bias k (from the cue catalogue), ``position`` > 0
favours the first answer, and ``verbosity`` is a slope per doubling of length. It samples its
verdict from that probability with a draw fixed by (seed, the exact texts, sample), so it is
deterministic, thread-safe and independent across repeats. Because the rule is known,
the true effect of any cue on any item set is computable exactly (``prob_a``), which is what
the audit's tests check the audit's intervals and verdicts against (the "planted-bias
reference judges with closed-form truth" of the judge-bias notes). ``revise`` re-decides with
the bias terms scaled by ``1 - heed``: a planted stand-in for a judge that takes a bias
analysis to heart (``heed`` = 1) or ignores it (0). Defaults: ``skill`` = 2 gives 88%
accuracy without cues, a strong but imperfect judge.
"""

from __future__ import annotations

import hashlib
import math

from looplab.core.seeding import child_seed
from looplab.judges.base import Verdict
from looplab.judges.injectors import POSITION, Cue, load_cues
from looplab.judges.items import ItemIndex, PairItem


def _words(text: str) -> int:
    return max(1, len(text.split()))


class ReferenceJudge:
    """A pairwise judge with planted biases (``position``, ``verbosity`` and one coefficient
    per cue-catalogue bias, all logits; 0 = unbiased)."""

    def __init__(self, items: list[PairItem], *, skill: float = 2.0, heed: float = 1.0,
                 seed: int = 0, cues: dict[str, Cue] | None = None, name: str | None = None,
                 **biases: float) -> None:
        self.cues = cues if cues is not None else load_cues()
        allowed = (POSITION, *self.cues)
        for key in biases:
            if key not in allowed:
                raise ValueError(f"unknown planted bias {key!r}; allowed: {', '.join(allowed)}"
                                 ", skill, heed, seed")
        if not 0.0 <= heed <= 1.0:
            raise ValueError(f"heed must be in [0, 1], got {heed}")
        for key, value in {"skill": skill, **biases}.items():
            if not math.isfinite(float(value)):
                raise ValueError(f"{key} must be a finite number of logits, got {value}")
        if not float(seed).is_integer():
            raise ValueError(f"seed must be an integer, got {seed}")
        self.index = ItemIndex(items)
        self.skill, self.heed, self.seed = float(skill), float(heed), int(float(seed))
        self._key = child_seed(self.seed, "reference-judge").generate_state(4).tobytes()
        self.biases = {k: float(v) for k, v in biases.items()}
        planted = ",".join(f"{k}={v:g}" for k, v in self.biases.items() if v)
        self.name = name or f"reference({planted or 'unbiased'})"
        self.concurrency = 1

    def logit_a(self, question: str, answer_a: str, answer_b: str, bias_scale: float = 1.0
                ) -> float:
        """The log-odds that this judge picks A."""
        item = self.index.item_for(question)
        z = 0.0
        if item is not None:
            qa, qb = ItemIndex.quality(item, answer_a), ItemIndex.quality(item, answer_b)
            z += self.skill * (qa - qb)
        b = self.biases
        bias = b.get(POSITION, 0.0)
        if b.get("verbosity", 0.0):
            bias += b["verbosity"] * (math.log2(_words(answer_a)) - math.log2(_words(answer_b)))
        for name, cue in self.cues.items():
            beta = b.get(name, 0.0)
            if not beta or name == "verbosity":
                continue
            if cue.place == "answer":
                bias += beta * (cue.in_answer(answer_a) - cue.in_answer(answer_b))
            else:
                letter = cue.endorsed(question)
                bias += beta * (1.0 if letter == "A" else -1.0 if letter == "B" else 0.0)
        return z + bias_scale * bias

    def prob_a(self, question: str, answer_a: str, answer_b: str, bias_scale: float = 1.0
               ) -> float:
        """P(this judge picks A) for the shown comparison."""
        return 1.0 / (1.0 + math.exp(-self.logit_a(question, answer_a, answer_b, bias_scale)))

    def _draw(self, stream: str, question: str, answer_a: str, answer_b: str, sample: int
              ) -> float:
        # a counter-based draw: hash of the run's child-stream key and the call's identity
        # (a Generator per call would cost 100x more and the result would be the same kind)
        text = "\x00".join((stream, question, answer_a, answer_b, str(int(sample))))
        digest = hashlib.sha256(self._key + text.encode()).digest()
        return (int.from_bytes(digest[:8], "little") >> 11) / 2.0**53

    def __call__(self, question: str, answer_a: str, answer_b: str, *, sample: int = 0
                 ) -> Verdict:
        p = self.prob_a(question, answer_a, answer_b)
        u = self._draw("decide", question, answer_a, answer_b, sample)
        return Verdict("A" if u < p else "B", p_a=p, raw=f"p_a={p:.4f}")

    def revise(self, question: str, answer_a: str, answer_b: str, prior: Verdict,
               analysis: str, *, sample: int = 0) -> Verdict:
        """Re-decide with the bias terms scaled by ``1 - heed`` (the analysis is not read)."""
        p = self.prob_a(question, answer_a, answer_b, bias_scale=1.0 - self.heed)
        u = self._draw("revise", question, answer_a, answer_b, sample)
        return Verdict("A" if u < p else "B", p_a=p, raw=f"revised p_a={p:.4f}")
