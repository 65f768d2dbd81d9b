"""Monitors of a retrieval episode: they read the hidden truth (answers, gold passages,
distractors) that the agent never saw.

Per question: exact match and token F1 (SQuAD normalisation), recall of gold passages,
steps to termination, share of retrieved passages that are distractors (overall and at
each step: the drift), source concentration (Shannon entropy in bits of the sources of
everything retrieved; lower = more concentrated), calls and tokens (total and per agent).
"""

from __future__ import annotations

import re
import string
from collections import Counter

from scipy.stats import entropy

from looplab.agents.corpus import Corpus, Question
from looplab.agents.episode import Episode

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT = str.maketrans("", "", string.punctuation)
NAN = float("nan")


def normalize_answer(text: str) -> str:
    """Lower case, no punctuation, no articles, single spaces (SQuAD's normalisation)."""
    return " ".join(_ARTICLES.sub(" ", text.lower().translate(_PUNCT)).split())


def exact_match(prediction: str, answers: tuple[str, ...] | list[str]) -> float:
    """1.0 if the normalised prediction equals a normalised answer, else 0.0."""
    p = normalize_answer(prediction)
    return float(any(p == normalize_answer(a) for a in answers))


def token_f1(prediction: str, answers: tuple[str, ...] | list[str]) -> float:
    """Best token-overlap F1 of the prediction against the answers."""
    p = normalize_answer(prediction).split()
    best = 0.0
    for a in answers:
        g = normalize_answer(a).split()
        common = sum((Counter(p) & Counter(g)).values())
        if common:
            prec, rec = common / len(p), common / len(g)
            best = max(best, 2 * prec * rec / (prec + rec))
    return best


def source_entropy(sources: list[str]) -> float:
    """Shannon entropy (bits) of the empirical distribution of ``sources``."""
    if not sources:
        return NAN
    return float(entropy(list(Counter(sources).values()), base=2))


def metric_names(max_steps: int) -> list[str]:
    """The keys ``episode_metrics`` returns, in order."""
    return ["em", "f1", "gold_recall", "distractor_share",
            *(f"distractor_share_step{t}" for t in range(1, max_steps + 1)),
            "source_entropy", "steps", "calls", "tokens", "calls_per_agent", "tokens_per_agent",
            "agents", "complete"]


def episode_metrics(
    episode: Episode, question: Question, corpus: Corpus, max_steps: int
) -> dict[str, float]:
    """The monitor values of one episode (NaN where the truth is unknown)."""
    retrieved = [h for r in episode.records for h in r.retrieved]
    ids = [corpus[h].id for h in retrieved]
    out: dict[str, float] = {}
    if question.answers:
        out["em"] = exact_match(episode.answer.text, question.answers)
        out["f1"] = token_f1(episode.answer.text, question.answers)
    else:
        out["em"] = out["f1"] = NAN
    out["gold_recall"] = (
        len(set(question.gold) & set(ids)) / len(set(question.gold)) if question.gold else NAN
    )
    dis = question.distractors
    out["distractor_share"] = (
        sum(i in dis for i in ids) / len(ids) if dis is not None and ids else NAN
    )
    for t in range(1, max_steps + 1):
        at = [corpus[h].id for r in episode.records if r.step == t for h in r.retrieved]
        out[f"distractor_share_step{t}"] = (
            sum(i in dis for i in at) / len(at) if dis is not None and at else NAN
        )
    out["source_entropy"] = source_entropy([corpus[h].source for h in retrieved])
    out["steps"] = float(episode.steps)
    calls = sum(u.calls for u in episode.usage)
    tokens = sum(u.tokens for u in episode.usage)
    out["calls"] = float(calls)
    out["tokens"] = float(tokens)
    out["calls_per_agent"] = calls / episode.agents
    out["tokens_per_agent"] = tokens / episode.agents
    out["agents"] = float(episode.agents)
    out["complete"] = float(episode.answer.complete)
    return out


