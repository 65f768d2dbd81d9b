"""Judge contracts: pairwise judges return a ``Verdict``, pointwise judges a score.

A pairwise judge is any object (or function) called as
``judge(question, answer_a, answer_b, *, sample=0) -> Verdict``. ``sample`` numbers repeated
asks of the same comparison: a stochastic judge must give independent draws for different
``sample`` values and the same answer for the same one (LLM judges pass it on as the request
seed, so each repeat is a distinct, cached request). A pointwise judge (a reward model) is
``judge(question, answer) -> float``; ``from_callable`` turns either shape into a pairwise
judge. Optional attributes: ``name`` (a label), ``concurrency`` (how many calls may run in
parallel; default 1), ``revise(...)`` (see ``Revisable``) and ``with_system_prompt(text)``.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

Choice = Literal["A", "B", "tie"]


@dataclass(frozen=True)
class Verdict:
    """A pairwise decision: ``choice`` is "A", "B", "tie", or None when the judge's output
    could not be read (never guessed). ``p_a`` is P(A is better) when the judge exposes it;
    ``raw`` is the judge's own output, kept for the transcript."""

    choice: Choice | None
    p_a: float | None = None
    raw: str | None = None

    @property
    def valid(self) -> bool:
        return self.choice is not None

    def swapped(self) -> Verdict:
        """The same verdict expressed for the answers in the other order."""
        flip: dict[Choice | None, Choice | None] = {"A": "B", "B": "A", "tie": "tie", None: None}
        return Verdict(flip[self.choice], None if self.p_a is None else 1.0 - self.p_a, self.raw)


UNPARSEABLE = Verdict(None)


@runtime_checkable
class PairwiseJudge(Protocol):
    """``(question, answer_a, answer_b, *, sample) -> Verdict``."""

    def __call__(self, question: str, answer_a: str, answer_b: str, *, sample: int = 0
                 ) -> Verdict: ...


class PointwiseJudge(Protocol):
    """``(question, answer) -> score``; higher is better (a reward model)."""

    def __call__(self, question: str, answer: str) -> float: ...


class Revisable(Protocol):
    """A judge that can reconsider a verdict given an analysis of possible bias (used by the
    self-reflection and detect-and-revise mitigations)."""

    def revise(self, question: str, answer_a: str, answer_b: str, prior: Verdict,
               analysis: str, *, sample: int = 0) -> Verdict: ...


_VERDICT_LINE = re.compile(
    r"(?:the\s+)?(?:better\s+)?(?:answer|output|option|response|choice|verdict)?\s*"
    r"(?:is\s*)?[:\-]?\s*(?:\[\[|\()?\s*([ab])\s*(?:\]\]|\))?\s*\.?",
    re.IGNORECASE,
)
_IS_BETTER_LINE = re.compile(
    r"(?:answer|output|option|response)?\s*\(?([ab])\)?\s+is\s+(?:the\s+)?better"
    r"(?:\s+answer)?\s*\.?",
    re.IGNORECASE,
)


def parse_verdict(text: str) -> Choice | None:
    """Strictly read a verdict: the first non-empty line must be nothing but a letter in an
    accepted wrapper ("A", "(b)", "Answer: A", "Output (a)", "[[B]]", "The better answer is
    A.", "Answer B is better."), or "tie". Anything else is None: a letter is never picked
    out of free text."""
    for line in text.splitlines():
        line = line.strip().strip("*_`'\" ")
        if not line:
            continue
        if line.lower().rstrip(".") == "tie":
            return "tie"
        m = _VERDICT_LINE.fullmatch(line) or _IS_BETTER_LINE.fullmatch(line)
        return m.group(1).upper() if m else None  # type: ignore[return-value]
    return None


def judge_name(judge: Any) -> str:
    """A judge's label: its ``name`` attribute, else its type or function name."""
    name = getattr(judge, "name", None)
    if isinstance(name, str) and name:
        return name
    return getattr(judge, "__name__", type(judge).__name__)


def _accepts_sample(fn: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "sample" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def _positional_arity(fn: Callable[..., Any]) -> int | None:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    pos = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
           and p.default is p.empty]
    return len(pos)


def as_verdict(out: Any) -> Verdict:
    """A judge function's return value as a Verdict: a Verdict as is; "A"/"B"/"tie"
    (case and surrounding space ignored); anything else is unparseable (kept in ``raw``)."""
    if isinstance(out, Verdict):
        return out
    if isinstance(out, str):
        s = out.strip()
        if s.upper() in ("A", "B"):
            return Verdict(s.upper(), raw=out)  # type: ignore[arg-type]
        if s.lower() == "tie":
            return Verdict("tie", raw=out)
        return Verdict(None, raw=out)
    return Verdict(None, raw=None if out is None else repr(out))


class CallableJudge:
    """A pairwise judge around a function ``fn(question, a, b[, sample=...])``."""

    def __init__(self, fn: Callable[..., Any], name: str | None = None,
                 concurrency: int = 1) -> None:
        self.fn = fn
        self.name = name or getattr(fn, "__name__", "callable")
        self.concurrency = concurrency
        self._sample = _accepts_sample(fn)

    def __call__(self, question: str, answer_a: str, answer_b: str, *, sample: int = 0
                 ) -> Verdict:
        if self._sample:
            return as_verdict(self.fn(question, answer_a, answer_b, sample=sample))
        return as_verdict(self.fn(question, answer_a, answer_b))


class PairwiseFromPointwise:
    """A pairwise judge from a pointwise scorer: the higher score wins; scores within
    ``tie_tol`` are a tie; a non-finite score makes the verdict unparseable."""

    def __init__(self, score: Callable[[str, str], float], name: str | None = None,
                 tie_tol: float = 0.0, concurrency: int = 1) -> None:
        if tie_tol < 0:
            raise ValueError(f"tie_tol must be >= 0, got {tie_tol}")
        self.score = score
        self.name = name or getattr(score, "name", None) or getattr(score, "__name__", "scorer")
        self.tie_tol = tie_tol
        self.concurrency = concurrency

    def __call__(self, question: str, answer_a: str, answer_b: str, *, sample: int = 0
                 ) -> Verdict:
        sa, sb = float(self.score(question, answer_a)), float(self.score(question, answer_b))
        raw = f"score_a={sa:.6g} score_b={sb:.6g}"
        if not (sa == sa and sb == sb) or abs(sa) == float("inf") or abs(sb) == float("inf"):
            return Verdict(None, raw=raw)
        if abs(sa - sb) <= self.tie_tol:
            return Verdict("tie", raw=raw)
        return Verdict("A" if sa > sb else "B", raw=raw)


def from_callable(fn: Callable[..., Any], *, kind: Literal["pairwise", "pointwise"] | None = None,
                  name: str | None = None, concurrency: int = 1) -> PairwiseJudge:
    """Wrap a Python function as a pairwise judge. ``fn(question, a, b)`` returning a
    Verdict or "A"/"B"/"tie" is pairwise; ``fn(question, answer) -> float`` is pointwise
    (compared by score). ``kind`` is inferred from the number of required positional
    parameters when not given."""
    if not callable(fn):
        raise TypeError(f"from_callable needs a callable, got {type(fn).__name__}")
    if kind is None:
        arity = _positional_arity(fn)
        if arity == 3:
            kind = "pairwise"
        elif arity == 2:
            kind = "pointwise"
        else:
            raise ValueError("cannot tell the judge's shape: pass kind='pairwise' for "
                             "fn(question, a, b) or kind='pointwise' for fn(question, answer)")
    if kind == "pairwise":
        return CallableJudge(fn, name=name, concurrency=concurrency)
    if kind == "pointwise":
        return PairwiseFromPointwise(fn, name=name, concurrency=concurrency)
    raise ValueError(f"kind must be 'pairwise' or 'pointwise', got {kind!r}")
