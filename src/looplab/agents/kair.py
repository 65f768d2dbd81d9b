"""Knowledge-aware iterative retrieval (KAIR), single- and multi-agent.

Paper: Seyoung Song, "Knowledge-Aware Iterative Retrieval for Multi-Agent Systems",
arXiv 2503.13275 (2025). The agent keeps an internal knowledge cache K apart from the
external sources; the cache, not the text it last retrieved, plans the next query and
filters the evidence, which is what breaks the bias-reinforcement loop of iterative
retrieval. Per step t (the paper's Query Planning -> Knowledge Update -> Contextual
Filtering; the code is a reconstruction from the abstract, see the notes):

    q_t   = plan(Q, K_t, U_t)                  query from the question, cache and gaps
    D_t   = top_k(retriever, q_t) \\ seen       retrieval
    F_t   = filter(Q, K_t, D_t)                evidence kept only if relevant & consistent
    K_t+1 = K_t  u  F_t   (fact -> source ids)  cache update with provenance
    U_t+1 = gaps(Q, K_t+1);  stop when U = {}   gap check, dynamic termination
    answer = reason(Q, K_T)

Multi-agent (n agents, each its own reasoner variant and retrieval history):
collaborative sharing merges every agent's new facts into one cache after each step;
competitive sharing lets each agent keep a private cache and picks the final answer by
evidence (a complete answer with the most source passages behind it) or by vote.

Ablation (``filter_evidence = False``): F_t = every fact the reader finds in D_t, with no
relevance or consistency check, so the cache still plans and stops the loop but no longer
selects evidence; with ``baselines.PlannedIterative`` (the same plan, no cache at all) it
separates the cache's and the filter's share of the gain from the decomposition's.

Defaults: top_k = 5 and max_steps = 6 sit in the 5-10 passages and 5-8 steps the notes
give for the paper's set-up (``../shared/notes/decision-loops.md`` section 7); the paper
reports two agents as the best cost/benefit and three as diminishing returns.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Literal

from pydantic import Field

from looplab.agents.cache import KnowledgeCache
from looplab.agents.episode import Episode, StepRecord
from looplab.agents.reasoner import Answer, Reasoner
from looplab.agents.retrievers import Retriever
from looplab.core.params import Params


class KAIRSettings(Params):
    """Knowledge-aware iterative retrieval (Song 2025): a fact cache plans, filters, stops."""

    top_k: int = Field(5, ge=1, le=50, description="passages per retrieval")
    max_steps: int = Field(6, ge=1, le=20, description="retrieval steps at most")
    agents: int = Field(1, ge=1, le=8, description="agents in the team")
    sharing: Literal["collaborative", "competitive"] = "collaborative"
    select: Literal["evidence", "vote"] = "evidence"
    filter_evidence: bool = Field(
        True, description="contextual filtering; False = cache every fact read (ablation)")

    def run(self, question: str, retriever: Retriever, reasoner: Reasoner) -> Episode:
        """One episode on ``question``."""
        return run_kair(question, retriever, reasoner, self)


def _team_episode(
    question: str, retriever: Retriever, team: Sequence[Reasoner], settings: KAIRSettings
) -> tuple[Episode, KnowledgeCache]:
    """Agents that share one cache, merged after each step (one agent = plain KAIR)."""
    corpus = retriever.corpus
    lead = team[0]
    cache = KnowledgeCache()
    seen: list[set[int]] = [set() for _ in team]
    tried: list[list[str]] = [[] for _ in team]
    records: list[StepRecord] = []
    gaps = lead.gaps(question, [])
    step = 0
    while gaps and step < settings.max_steps:
        step += 1
        known = cache.texts()
        learned: list[tuple[str, str, int]] = []
        for i, agent in enumerate(team):
            query = agent.plan_query(question, known, gaps, tried[i])
            tried[i].append(query)
            hits = retriever.search(query, settings.top_k, seen[i])
            seen[i].update(hits)
            texts = [corpus[h].text for h in hits]
            kept = (agent.filter(question, known, texts) if settings.filter_evidence
                    else agent.extract(texts))
            facts = [(f, corpus[h].id, i) for h, fs in zip(hits, kept, strict=True) for f in fs]
            learned.extend(facts)
            records.append(
                StepRecord(
                    step, i, query, tuple(hits),
                    tuple(h for h, fs in zip(hits, kept, strict=True) if fs),
                    tuple(f for f, _, _ in facts),
                )
            )
        for fact, source, agent_i in learned:
            cache.add(fact, source, step, agent_i)
        gaps = lead.gaps(question, cache.texts())
    answer = lead.answer(question, cache.texts())
    episode = Episode(
        answer=answer,
        steps=step,
        records=records,
        usage=[a.usage for a in team],
        stop="no_gaps" if not gaps else "max_steps",
        provenance=cache.provenance(),
    )
    return episode, cache


def _select(episodes: list[Episode], caches: list[KnowledgeCache], how: str) -> int:
    """Index of the competing agent whose answer the team gives."""
    if how == "evidence":
        complete = [i for i, e in enumerate(episodes) if e.answer.complete]
        if complete:
            return max(complete, key=lambda i: (
                sum(len(s) for s in caches[i].provenance().values()), -i))
    votes = Counter(e.answer.text for e in episodes if e.answer.text != "unknown")
    if not votes:
        return 0
    top = max(votes.values())
    winners = [i for i, e in enumerate(episodes) if votes.get(e.answer.text, 0) == top]
    return min(winners, key=lambda i: (not episodes[i].answer.complete, i))


def run_kair(
    question: str, retriever: Retriever, reasoner: Reasoner, settings: KAIRSettings | None = None
) -> Episode:
    """Answer ``question`` with a KAIR agent (or a team of ``settings.agents``); agent i
    reasons with ``reasoner.variant(i)``."""
    s = settings or KAIRSettings()
    team = [reasoner.variant(i) for i in range(s.agents)]  # fresh usage counters
    if s.sharing == "collaborative" or s.agents == 1:
        return _team_episode(question, retriever, team, s)[0]
    runs = [_team_episode(question, retriever, [agent], s) for agent in team]
    episodes = [e for e, _ in runs]
    win = _select(episodes, [c for _, c in runs], s.select)
    records = [
        StepRecord(r.step, i, r.query, r.retrieved, r.kept, r.facts)
        for i, e in enumerate(episodes)
        for r in e.records
    ]
    chosen = episodes[win]
    return Episode(
        answer=Answer(chosen.answer.text, chosen.answer.complete, chosen.answer.rationale),
        steps=max(e.steps for e in episodes),
        records=records,
        usage=[a.usage for a in team],
        stop=chosen.stop,
        provenance=chosen.provenance,
    )
