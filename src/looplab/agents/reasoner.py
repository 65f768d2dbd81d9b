"""The Reasoner interface every retrieval agent talks to, and its cost counter.

A reasoner reads text only: the question, what the agent already knows (fact sentences)
and retrieved passages. It never sees which passages are gold or distractors. Two kinds
implement it: ``DeterministicReader`` (reads the synthetic world's templated facts) and
``LLMReasoner`` (a language model through ``looplab.llm``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass
class Usage:
    """Calls made and tokens read (prompt) and written (completion) by one reasoner."""

    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def tokens(self) -> int:
        """Prompt plus completion tokens."""
        return self.prompt_tokens + self.completion_tokens

    def add(self, prompt_tokens: int, completion_tokens: int) -> None:
        """Count one call."""
        self.calls += 1
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens


@dataclass(frozen=True)
class Answer:
    """An answer, whether the reasoner found the evidence sufficient, and its rationale
    (the text a conventional iterative retriever may turn into its next query)."""

    text: str
    complete: bool
    rationale: str = ""


@runtime_checkable
class Reasoner(Protocol):
    """What a retrieval agent asks of a language model (or of a rule-based stand-in)."""

    usage: Usage

    def gaps(self, question: str, knowledge: Sequence[str]) -> list[str]:
        """Sub-questions still open given the known facts; [] when the question is answerable."""
        ...

    def plan_query(
        self, question: str, knowledge: Sequence[str], gaps: Sequence[str], tried: Sequence[str]
    ) -> str:
        """The next search query, planned from the question, the known facts and the open
        gaps (``tried`` lists earlier queries, to avoid repeating one that found nothing)."""
        ...

    def filter(
        self, question: str, knowledge: Sequence[str], passages: Sequence[str]
    ) -> list[list[str]]:
        """Per passage, the fact sentences it adds that bear on the question and agree with
        the known facts; an empty list drops the passage."""
        ...

    def extract(self, passages: Sequence[str]) -> list[list[str]]:
        """Per passage, every fact sentence it states, relevant or not (what a knowledge
        cache stores when the evidence filter is switched off)."""
        ...

    def answer(self, question: str, evidence: Sequence[str]) -> Answer:
        """Answer from evidence (passages or fact sentences)."""
        ...

    def variant(self, index: int) -> Reasoner:
        """A fresh reasoner for agent ``index`` of a team (own usage counter; may differ in
        how it phrases queries, so a team explores more than one agent)."""
        ...


def count_tokens(*texts: str | Sequence[str]) -> int:
    """Whitespace tokens in the given texts (the deterministic reader's token count)."""
    n = 0
    for t in texts:
        if isinstance(t, str):
            n += len(t.split())
        else:
            n += sum(len(x.split()) for x in t)
    return n
