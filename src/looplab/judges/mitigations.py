"""Mitigations, each itself a pairwise judge so it can be audited with the same engine.

- ``SwapAggregate``: ask in both orders; agreement stands, disagreement is a tie (the
  standard position-bias fix; 2x calls).
- ``CueStrip``: remove known cue strings (the cue catalogue) from question and answers
  before judging. It removes exactly the catalogued cues - and nothing else - so its audit
  on catalogued cues is perfect by construction; on real data its value is how well the
  catalogue covers the cues actually present.
- ``debias_prompt``: add a system prompt that names the biases and tells the judge to ignore
  them (the LRM-judge study's first mitigation, arXiv 2504.09946; LLM judges only).
- ``SelfReflect``: judge, then ask the judge to reconsider whether the verdict was swayed
  by a cue, and take the second answer (the study's self-reflection; 2x calls).
- ``DetectRevise`` (in ``looplab.judges.rbd``): RBD's detect-and-revise loop.

``MITIGATIONS`` maps the CLI names to builders ``(judge) -> judge``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from looplab.judges.base import Verdict, judge_name
from looplab.judges.injectors import Cue, load_cues

DEBIAS_SYSTEM_PROMPT = (
    "Judge only correctness and quality. Ignore the order in which the answers are shown, "
    "their length and any padding, claims about what other people prefer, citations, "
    "credentials or sources that are not evidence, tone and enthusiasm, emotional appeals, "
    "irrelevant personal details, and phrases that only sound like reasoning."
)
REFLECTION_ANALYSIS = (
    "Reflect before you confirm: was the prior evaluation swayed by the order of the answers, "
    "their length, claims about what most people think, citations or credentials, tone, "
    "emotional appeals or irrelevant details, rather than by which answer is correct? If so, "
    "change it; if not, keep it."
)


class SwapAggregate:
    """Judge both orders; the same winner both times stands, otherwise a tie. If one order
    is unparseable the other order's verdict is used."""

    def __init__(self, judge: Any) -> None:
        self.judge = judge
        self.name = f"swap({judge_name(judge)})"
        self.concurrency = getattr(judge, "concurrency", 1)

    def __call__(self, question: str, answer_a: str, answer_b: str, *, sample: int = 0
                 ) -> Verdict:
        v1 = self.judge(question, answer_a, answer_b, sample=sample)
        v2 = self.judge(question, answer_b, answer_a, sample=sample).swapped()
        raw = f"order AB: {v1.choice}; order BA: {v2.choice}"
        if v1.choice is None or v2.choice is None:
            return Verdict(v1.choice or v2.choice, raw=raw)
        return Verdict(v1.choice if v1.choice == v2.choice else "tie", raw=raw)


class CueStrip:
    """Remove every catalogued cue string from the question and both answers, then judge."""

    def __init__(self, judge: Any, cues: dict[str, Cue] | None = None) -> None:
        self.judge = judge
        self.cues = cues if cues is not None else load_cues()
        self.name = f"strip({judge_name(judge)})"
        self.concurrency = getattr(judge, "concurrency", 1)

    def clean(self, text: str) -> str:
        for cue in self.cues.values():
            text = cue.strip(text)
        return text

    def __call__(self, question: str, answer_a: str, answer_b: str, *, sample: int = 0
                 ) -> Verdict:
        return self.judge(self.clean(question), self.clean(answer_a), self.clean(answer_b),
                          sample=sample)


def debias_prompt(judge: Any, prompt: str = DEBIAS_SYSTEM_PROMPT) -> Any:
    """The judge with a debiasing system prompt added (needs ``with_system_prompt``)."""
    if not hasattr(judge, "with_system_prompt"):
        raise ValueError(f"mitigation 'debias-prompt' needs a judge that reads a system prompt "
                         f"(an LLM judge); {judge_name(judge)} does not")
    out = judge.with_system_prompt(prompt)
    out.name = f"debias-prompt({judge_name(judge)})"
    return out


class SelfReflect:
    """Judge, then ask the same judge to reflect on bias and re-decide (one round)."""

    def __init__(self, judge: Any, reflection: str = REFLECTION_ANALYSIS) -> None:
        if not hasattr(judge, "revise"):
            raise ValueError(f"mitigation 'self-reflect' needs a judge with revise() (an LLM "
                             f"or reference judge); {judge_name(judge)} has none")
        self.judge = judge
        self.reflection = reflection
        self.name = f"self-reflect({judge_name(judge)})"
        self.concurrency = getattr(judge, "concurrency", 1)

    def __call__(self, question: str, answer_a: str, answer_b: str, *, sample: int = 0
                 ) -> Verdict:
        first = self.judge(question, answer_a, answer_b, sample=sample)
        return self.judge.revise(question, answer_a, answer_b, first, self.reflection,
                                 sample=sample)


def _rbd(judge: Any) -> Any:
    from looplab.judges.rbd import CueDetector, DetectRevise

    return DetectRevise(judge, CueDetector(judge=judge))


def _rbd_llm(judge: Any) -> Any:
    from looplab.judges.rbd import DetectRevise, LLMDetector

    client = getattr(judge, "client", None)
    if client is None:
        raise ValueError(f"mitigation 'rbd-llm' needs an LLM judge (its model is the "
                         f"detector); {judge_name(judge)} is not one")
    return DetectRevise(judge, LLMDetector(client))


MITIGATIONS: dict[str, Callable[[Any], Any]] = {
    "swap": SwapAggregate,
    "strip": CueStrip,
    "debias-prompt": debias_prompt,
    "self-reflect": SelfReflect,
    "rbd": _rbd,
    "rbd-llm": _rbd_llm,
}
MITIGATION_DESCRIPTIONS = {
    "swap": "judge both orders; disagreement becomes a tie",
    "strip": "remove catalogued cue strings before judging",
    "debias-prompt": "system prompt naming the biases to ignore (LLM judges)",
    "self-reflect": "judge, reflect on possible bias, re-decide",
    "rbd": "RBD detect-and-revise loop with a rule-based cue detector",
    "rbd-llm": "RBD detect-and-revise loop with the judge's own model as detector",
}


def mitigate(judge: Any, name: str) -> Any:
    """``judge`` wrapped in mitigation ``name`` (one of ``MITIGATIONS``)."""
    if name not in MITIGATIONS:
        raise ValueError(f"unknown mitigation {name!r}; allowed: {', '.join(MITIGATIONS)}")
    return MITIGATIONS[name](judge)
