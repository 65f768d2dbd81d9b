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
the terms of the biases *the analysis names* scaled by ``1 - heed`` and every other bias
term unchanged: a planted stand-in for a judge that takes a bias analysis to heart
(``heed`` = 1) or ignores it (0). A bias counts as named when the analysis uses its name or
one of its keywords (``BIAS_KEYWORDS``: "order" for position, "citation" for authority, ...),
or quotes (in double quotes) text that overlaps one of its cue strings. So RBD's revision
corrects exactly what the detector reported: an analysis that misses a bias, or quotes
nothing the judge can tie to it, leaves that bias in place (issue 14; before, revise ignored
the analysis and the detect-and-revise claim held by construction). Defaults: ``skill`` = 2
gives 88% accuracy without cues, a strong but imperfect judge.
"""

from __future__ import annotations

import hashlib
import math
import re

from looplab.core.seeding import child_seed
from looplab.judges.base import Verdict
from looplab.judges.injectors import POSITION, Cue, load_cues
from looplab.judges.items import ItemIndex, PairItem

# words by which an analysis names a bias (lower case; matched as substrings of the
# lower-cased analysis); a bias's own name always counts
BIAS_KEYWORDS: dict[str, tuple[str, ...]] = {
    POSITION: ("position", "order of the answers", "answer order", "swap", "swapped"),
    "verbosity": ("verbosity", "length", "longer", "padding", "filler"),
    "bandwagon": ("bandwagon", "most people", "majority", "popular"),
    "authority": ("authority", "citation", "credential"),
    "distraction": ("distraction", "irrelevant"),
    "reflection": ("superficial reflection", "reasoning-mimicking"),
    "sentiment": ("sentiment", "tone", "upbeat"),
    "emotional": ("emotional", "plea", "affective"),
    "refinement": ("refinement", "refined", "revised version"),
    "formatting": ("formatting", "markdown", "emoji"),
    "compassion": ("compassion", "model name", "credited"),
    "identity": ("identity", "gender", "religion"),
    "self_preference": ("self-preference", "self preference", "attributed to you"),
}
_QUOTED = re.compile(r'"([^"]{3,})"')


def named_biases(analysis: str, cues: dict[str, Cue]) -> set[str]:
    """The biases ``analysis`` names: by name or keyword (outside quotes, whole words,
    plurals allowed),
    or by quoting text that overlaps one of the bias's cue strings (either contains the
    other, or they share a run of >= 12 characters)."""
    quotes = [q.strip() for q in _QUOTED.findall(analysis)]
    low = _QUOTED.sub(" ", analysis).lower()  # keywords count outside quoted text only

    def says(words: tuple[str, ...]) -> bool:
        return any(re.search(rf"\b{re.escape(w)}(?:s|es)?\b", low) for w in words)

    out = {POSITION} if says(BIAS_KEYWORDS[POSITION]) else set()
    for name, cue in cues.items():
        if says((*BIAS_KEYWORDS.get(name, ()), name)):
            out.add(name)
            continue
        for q in quotes:
            if cue.in_answer(q) or cue.endorsed(q) is not None or any(
                    _overlap(q, part) for part in _cue_texts(cue)):
                out.add(name)
                break
    return out


def _cue_texts(cue: Cue) -> list[str]:
    parts: list[str] = []
    for c in cue.cues:
        for p in c.replace("{letter}", "").split("{answer}"):
            if p.strip():
                parts.append(p.strip())
    return parts


def _overlap(a: str, b: str, run: int = 12) -> bool:
    a, b = a.lower(), b.lower()
    if a in b or b in a:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return any(short[i:i + run] in long_ for i in range(0, max(1, len(short) - run + 1)))


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

    def logit_a(self, question: str, answer_a: str, answer_b: str, bias_scale: float = 1.0,
                scaled: set[str] | None = None) -> float:
        """The log-odds that this judge picks A. ``bias_scale`` multiplies the terms of the
        biases in ``scaled`` (None: every bias)."""
        item = self.index.item_for(question)
        z = 0.0
        if item is not None:
            qa, qb = ItemIndex.quality(item, answer_a), ItemIndex.quality(item, answer_b)
            z += self.skill * (qa - qb)
        b = self.biases

        def k(name: str) -> float:
            return bias_scale if scaled is None or name in scaled else 1.0

        bias = k(POSITION) * b.get(POSITION, 0.0)
        if b.get("verbosity", 0.0):
            bias += k("verbosity") * b["verbosity"] * (
                math.log2(_words(answer_a)) - math.log2(_words(answer_b)))
        for name, cue in self.cues.items():
            beta = b.get(name, 0.0)
            if not beta or name == "verbosity":
                continue
            if cue.place == "answer":
                bias += k(name) * beta * (cue.in_answer(answer_a) - cue.in_answer(answer_b))
            else:
                letter = cue.endorsed(question)
                bias += k(name) * beta * (1.0 if letter == "A" else -1.0 if letter == "B"
                                          else 0.0)
        return z + bias

    def prob_a(self, question: str, answer_a: str, answer_b: str, bias_scale: float = 1.0,
               scaled: set[str] | None = None) -> float:
        """P(this judge picks A) for the shown comparison."""
        return 1.0 / (1.0 + math.exp(-self.logit_a(question, answer_a, answer_b, bias_scale,
                                                   scaled)))

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
        """Re-decide with the terms of the biases ``analysis`` names (``named_biases``)
        scaled by ``1 - heed``; biases it does not name keep their full weight."""
        named = named_biases(analysis, self.cues)
        p = self.prob_a(question, answer_a, answer_b, bias_scale=1.0 - self.heed, scaled=named)
        u = self._draw("revise", question, answer_a, answer_b, sample)
        return Verdict("A" if u < p else "B", p_a=p, raw=f"revised p_a={p:.4f}")
