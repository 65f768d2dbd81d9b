"""LLM judges: a language model (``looplab.llm.LLMClient``) asked which answer is better.

The decision is read in one of two ways and never guessed:

- ``logprobs``: compare log P("A") and log P("B") as the first token of the reply; the
  verdict is the larger one and ``p_a`` = exp(lA) / (exp(lA) + exp(lB)). Deterministic, and
  far less noisy than sampling. A letter outside the server's top-20 counts as impossible;
  if neither letter is there the verdict is unparseable.
- ``parse``: generate a short reply and read it strictly (``parse_verdict``); anything but
  an explicit letter is unparseable.

``auto`` uses logprobs where the backend offers them and falls back to parsing once when
the server returns no logprobs. The prompt follows the LRM-judge study's pairwise format
(arXiv 2504.09946): question, Answer A, Answer B, "reply with one letter". ``revise`` is
RBD's revision step (arXiv 2505.17100): the prior verdict and a bias analysis are shown,
"for reference - use your own judgment", and the judge answers again.
"""

from __future__ import annotations

import math
import threading
from typing import Literal

from looplab.judges.base import Choice, Verdict, parse_verdict
from looplab.llm import LLMClient, LLMNoLogprobsError

DEFAULT_SYSTEM = (
    "You are a careful, impartial judge. Decide which of two answers to a question is "
    "better: correct, accurate and helpful. Reply with exactly one letter: A or B."
)
TEMPLATE = (
    "Question: {question}\n\nAnswer A: {answer_a}\n\nAnswer B: {answer_b}\n\n"
    "Which answer is better? Reply with one letter, A or B."
)
REVISE_TEMPLATE = (
    "Question: {question}\n\nAnswer A: {answer_a}\n\nAnswer B: {answer_b}\n\n"
    "Prior evaluation: Answer {prior} is better.\n\nBias analysis: {analysis}\n\n"
    "The bias analysis is for reference - use your own judgment to decide whether the prior "
    "evaluation remains valid. Which answer is better? Reply with one letter, A or B."
)


class LLMJudge:
    """A pairwise judge backed by a language model."""

    def __init__(
        self,
        client: LLMClient,
        *,
        mode: Literal["auto", "logprobs", "parse"] = "auto",
        system_prompt: str = DEFAULT_SYSTEM,
        temperature: float = 0.0,
        max_tokens: int = 8,
        name: str | None = None,
    ) -> None:
        if mode not in ("auto", "logprobs", "parse"):
            raise ValueError(f"mode must be one of: auto, logprobs, parse; got {mode!r}")
        self.client = client
        self.mode = mode
        self.system_prompt = system_prompt
        self.temperature = temperature
        self.max_tokens = max_tokens
        self.name = name or client.name
        self.concurrency = client.max_concurrency
        self._use_logprobs = mode != "parse"
        self._lock = threading.Lock()

    def with_system_prompt(self, extra: str) -> LLMJudge:
        """A copy whose system prompt has ``extra`` appended (the debiasing-prompt
        mitigation)."""
        return LLMJudge(self.client, mode=self.mode, temperature=self.temperature,
                        system_prompt=f"{self.system_prompt}\n\n{extra}",
                        max_tokens=self.max_tokens, name=self.name)

    def _decide(self, user: str, sample: int) -> Verdict:
        if self._use_logprobs:
            try:
                lp = self.client.logprobs(user, ["A", "B"], system=self.system_prompt)
            except LLMNoLogprobsError:
                if self.mode == "logprobs":
                    raise
                with self._lock:
                    self._use_logprobs = False  # this server gives no logprobs: parse instead
            else:
                return _from_logprobs(lp.get("A"), lp.get("B"))
        reply = self.client.chat(user, system=self.system_prompt, max_tokens=self.max_tokens,
                                 temperature=self.temperature, seed=sample)
        return Verdict(parse_verdict(reply.text), raw=reply.text)

    def __call__(self, question: str, answer_a: str, answer_b: str, *, sample: int = 0
                 ) -> Verdict:
        return self._decide(TEMPLATE.format(question=question, answer_a=answer_a,
                                            answer_b=answer_b), sample)

    def revise(self, question: str, answer_a: str, answer_b: str, prior: Verdict,
               analysis: str, *, sample: int = 0) -> Verdict:
        """Ask again, showing the prior verdict and a bias analysis (RBD's revision step)."""
        if prior.choice not in ("A", "B"):
            return self(question, answer_a, answer_b, sample=sample)
        user = REVISE_TEMPLATE.format(question=question, answer_a=answer_a, answer_b=answer_b,
                                      prior=prior.choice, analysis=analysis)
        return self._decide(user, sample)


def _from_logprobs(la: float | None, lb: float | None) -> Verdict:
    raw = f"logprob A={la} B={lb}"
    if la is None and lb is None:
        return Verdict(None, raw=raw)
    if la is None:
        return Verdict("B", p_a=0.0, raw=raw)
    if lb is None:
        return Verdict("A", p_a=1.0, raw=raw)
    p_a = 1.0 / (1.0 + math.exp(lb - la))
    choice: Choice = "A" if la > lb else "B" if lb > la else "tie"
    return Verdict(choice, p_a=p_a, raw=raw)
