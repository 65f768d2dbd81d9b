"""Knowledge-aware iterative retrieval: agents whose query planning is guided by their own
knowledge cache (Song 2025), the single-step, conventional iterative and planned iterative
(KAIR's plan without its cache) baselines, their retrievers (BM25, dense MiniLM), reasoners
(a deterministic reader for the synthetic world, a language model through ``looplab.llm``),
the synthetic multi-hop benchmark, loaders for a user's data and the monitors of an
episode."""

from looplab.agents.baselines import run_conventional, run_planned, run_single_step
from looplab.agents.cache import CachedFact, KnowledgeCache
from looplab.agents.corpus import (
    Corpus,
    Passage,
    Question,
    RetrievalInputError,
    load_corpus_jsonl,
    load_hotpotqa,
    load_questions_jsonl,
)
from looplab.agents.episode import Episode, StepRecord
from looplab.agents.kair import KAIRSettings, run_kair
from looplab.agents.monitors import episode_metrics, exact_match, source_entropy, token_f1
from looplab.agents.reader import DeterministicReader
from looplab.agents.reasoner import Answer, Reasoner, Usage
from looplab.agents.retrievers import BM25Retriever, DenseRetriever, Retriever, build_retriever
from looplab.agents.synthetic import SyntheticWorld, SyntheticWorldConfig, make_world

__all__ = [
    "Answer",
    "BM25Retriever",
    "CachedFact",
    "Corpus",
    "DenseRetriever",
    "DeterministicReader",
    "Episode",
    "KAIRSettings",
    "KnowledgeCache",
    "Passage",
    "Question",
    "Reasoner",
    "RetrievalInputError",
    "Retriever",
    "StepRecord",
    "SyntheticWorld",
    "SyntheticWorldConfig",
    "Usage",
    "build_retriever",
    "episode_metrics",
    "exact_match",
    "load_corpus_jsonl",
    "load_hotpotqa",
    "load_questions_jsonl",
    "make_world",
    "run_conventional",
    "run_kair",
    "run_planned",
    "run_single_step",
    "source_entropy",
    "token_f1",
]
