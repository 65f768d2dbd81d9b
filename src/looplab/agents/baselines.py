"""The baselines KAIR is compared with, through the same Retriever and Reasoner interfaces.

- Single-step retrieval (plain RAG): D = top_k(Q); answer = reason(Q, D).
- Conventional iterative retrieval (in the style of ITER-RETGEN / IRCoT): the next query is
  the question plus the text the loop just produced, and all retrieved text is evidence:
      q_1 = Q,   D_t = top_k(q_t) \\ seen,   C_t = C_{t-1} u D_t,   a_t = reason(Q, C_t)
      q_t+1 = Q + " " + (text of the best new passage of D_t   if expand = "passage"
                         rationale of a_t                      if expand = "generation")
  It stops when the reasoner finds the evidence sufficient or after max_steps. Because the
  query is built from retrieved text, a popular passage retrieved once pulls in its
  near-duplicates: the bias-reinforcement loop KAIR is designed to break.
- Planned iterative retrieval (the ablation of KAIR, Song 2025): the same question
  decomposition and query planner as KAIR, but no knowledge cache and no evidence filter;
  the planner reads every passage retrieved so far:
      U_1 = gaps(Q, {}),   q_t = plan(Q, C_{t-1}, U_t),   D_t = top_k(q_t) \\ seen,
      C_t = C_{t-1} u D_t,   U_t+1 = gaps(Q, C_t);   stop when U = {};   a = reason(Q, C_T)
  Against it, KAIR's gain splits into what the decomposition buys (planned - conventional)
  and what the cache and filter add on top (KAIR - planned).
Defaults (top_k = 5, max_steps = 6) match KAIR's so every method has the same budget.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from looplab.agents.episode import Episode, StepRecord
from looplab.agents.reasoner import Reasoner
from looplab.agents.retrievers import Retriever
from looplab.core.params import Params


def run_single_step(question: str, retriever: Retriever, reasoner: Reasoner,
                    top_k: int = 5) -> Episode:
    """Retrieve once with the question, answer from those passages."""
    agent = reasoner.variant(0)
    hits = retriever.search(question, top_k)
    answer = agent.answer(question, [retriever.corpus[h].text for h in hits])
    record = StepRecord(1, 0, question, tuple(hits), tuple(hits))
    return Episode(answer, 1, [record], [agent.usage], "single")


def run_conventional(
    question: str,
    retriever: Retriever,
    reasoner: Reasoner,
    top_k: int = 5,
    max_steps: int = 6,
    expand: Literal["passage", "generation"] = "passage",
) -> Episode:
    """Iterative retrieval whose next query is built from the last retrieved text
    (``expand="passage"``) or the last generation (``expand="generation"``)."""
    if expand not in ("passage", "generation"):
        raise ValueError(f"expand must be 'passage' or 'generation', got {expand!r}")
    if top_k < 1 or max_steps < 1:
        raise ValueError(f"top_k and max_steps must be >= 1, got {top_k}, {max_steps}")
    corpus = retriever.corpus
    agent = reasoner.variant(0)
    seen: set[int] = set()
    context: list[str] = []
    records: list[StepRecord] = []
    query = question
    step = 0
    while True:
        step += 1
        hits = retriever.search(query, top_k, seen)
        seen.update(hits)
        context.extend(corpus[h].text for h in hits)
        answer = agent.answer(question, context)
        records.append(StepRecord(step, 0, query, tuple(hits), tuple(hits)))
        if answer.complete or step >= max_steps or not hits:
            break
        last = corpus[hits[0]].text if expand == "passage" else answer.rationale
        query = f"{question} {last}"
    stop = "answered" if answer.complete else "max_steps"
    return Episode(answer, step, records, [agent.usage], stop)


def run_planned(question: str, retriever: Retriever, reasoner: Reasoner, top_k: int = 5,
                max_steps: int = 6) -> Episode:
    """Iterative retrieval that follows the reasoner's plan (gaps, plan_query) over the raw
    retrieved passages: KAIR without its knowledge cache and evidence filter."""
    if top_k < 1 or max_steps < 1:
        raise ValueError(f"top_k and max_steps must be >= 1, got {top_k}, {max_steps}")
    corpus = retriever.corpus
    agent = reasoner.variant(0)
    seen: set[int] = set()
    context: list[str] = []
    tried: list[str] = []
    records: list[StepRecord] = []
    gaps = agent.gaps(question, context)
    step = 0
    while gaps and step < max_steps:
        step += 1
        query = agent.plan_query(question, context, gaps, tried)
        tried.append(query)
        hits = retriever.search(query, top_k, seen)
        seen.update(hits)
        context.extend(corpus[h].text for h in hits)
        records.append(StepRecord(step, 0, query, tuple(hits), tuple(hits)))
        gaps = agent.gaps(question, context)
    answer = agent.answer(question, context)
    return Episode(answer, step, records, [agent.usage], "no_gaps" if not gaps else "max_steps")


class SingleStep(Params):
    """Retrieve top-k once with the question, answer from those passages."""

    top_k: int = Field(5, ge=1, le=50, description="passages per retrieval")
    max_steps: int = Field(6, ge=1, le=20, description="unused: one step")

    def run(self, question: str, retriever: Retriever, reasoner: Reasoner) -> Episode:
        """One episode on ``question``."""
        return run_single_step(question, retriever, reasoner, self.top_k)


class Conventional(Params):
    """Iterative retrieval; next query = question + last passage or last generation."""

    top_k: int = Field(5, ge=1, le=50, description="passages per retrieval")
    max_steps: int = Field(6, ge=1, le=20, description="retrieval steps at most")
    expand: Literal["passage", "generation"] = "passage"

    def run(self, question: str, retriever: Retriever, reasoner: Reasoner) -> Episode:
        """One episode on ``question``."""
        return run_conventional(question, retriever, reasoner, self.top_k, self.max_steps,
                                self.expand)


class PlannedIterative(Params):
    """Iterative retrieval on KAIR's plan with no knowledge cache and no evidence filter."""

    top_k: int = Field(5, ge=1, le=50, description="passages per retrieval")
    max_steps: int = Field(6, ge=1, le=20, description="retrieval steps at most")

    def run(self, question: str, retriever: Retriever, reasoner: Reasoner) -> Episode:
        """One episode on ``question``."""
        return run_planned(question, retriever, reasoner, self.top_k, self.max_steps)
