"""What one agent (or team) did on one question: steps, answer, cost and provenance."""

from __future__ import annotations

from dataclasses import dataclass, field

from looplab.agents.reasoner import Answer, Usage


@dataclass(frozen=True)
class StepRecord:
    """One agent's step: its query, the passages retrieved (corpus indices, best first),
    the passages kept as evidence and the facts it learned from them."""

    step: int  # 1-based
    agent: int
    query: str
    retrieved: tuple[int, ...]
    kept: tuple[int, ...]
    facts: tuple[str, ...] = ()


@dataclass
class Episode:
    """The run of one method on one question."""

    answer: Answer
    steps: int
    records: list[StepRecord]
    usage: list[Usage]  # one per agent
    stop: str  # "single", "answered", "no_gaps" or "max_steps"
    provenance: dict[str, list[str]] = field(default_factory=dict)  # fact -> passage ids

    @property
    def agents(self) -> int:
        """Number of agents that took part."""
        return len(self.usage)
