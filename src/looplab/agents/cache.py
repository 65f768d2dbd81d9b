"""The knowledge cache of Song (arXiv 2503.13275): facts an agent has learned, kept apart
from the sources, each with the passages (and step, agent) that taught it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class CachedFact:
    """A fact sentence with its provenance."""

    text: str
    sources: list[str] = field(default_factory=list)  # passage ids, first teacher first
    step: int = 0  # step it was first learned
    agent: int = 0  # agent that first learned it


class KnowledgeCache:
    """An insertion-ordered set of facts with provenance (fact -> source passage ids)."""

    def __init__(self) -> None:
        self._facts: dict[str, CachedFact] = {}

    def __len__(self) -> int:
        return len(self._facts)

    def __contains__(self, fact: str) -> bool:
        return fact in self._facts

    def add(self, fact: str, source: str, step: int = 0, agent: int = 0) -> bool:
        """Record that passage ``source`` states ``fact``; True if the fact is new."""
        entry = self._facts.get(fact)
        if entry is None:
            self._facts[fact] = CachedFact(fact, [source], step, agent)
            return True
        if source not in entry.sources:
            entry.sources.append(source)
        return False

    def merge(self, other: KnowledgeCache) -> None:
        """Add every fact of ``other`` with its provenance (collaborative sharing)."""
        for f in other._facts.values():
            for src in f.sources:
                self.add(f.text, src, f.step, f.agent)

    def texts(self) -> list[str]:
        """The fact sentences, in the order they were learned."""
        return list(self._facts)

    def provenance(self) -> dict[str, list[str]]:
        """fact -> passage ids that taught it: the traceable path of the search."""
        return {k: list(v.sources) for k, v in self._facts.items()}

    def facts(self) -> list[CachedFact]:
        """The cached facts with their provenance records."""
        return list(self._facts.values())
