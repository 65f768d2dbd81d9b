"""A deterministic reader for the synthetic world: a Reasoner that reads templated facts.

It stands in for a language model so that the retrieval loop's dynamics can be studied and
tested without one. It parses the world's question form and reads facts with a lexicon of
relation phrases (from ``looplab.agents.synthetic``) and nothing else: it sees text only,
never which passage is gold or a distractor.

Lexicon: the reader knows the first ``known`` surface forms of every relation (default 2,
the base templates; a ``paraphrase`` world states each fact in one of five forms chosen per
passage). A fact stated in a form it does not know is invisible to it, so its plan stalls
at that hop (the gap never closes) and it falls back to a guess: coverage ``known / 5``
makes planning and extraction fail in a controlled share of passages, for every method
alike, since all of them read through the same reader.

- ``answer``: follows the question's relation chain from its start entity through the
  facts in the evidence (majority object when sources disagree). If the chain breaks it
  guesses like a language model leaning on salience: the object most often stated for the
  question's final relation anywhere in the evidence (so popular, over-represented sources
  win the guess), or "unknown" when there is none.
- ``gaps``: the remaining hops after the chain has been followed through the known facts.
- ``plan_query``: asks for the next hop of the first gap. Agent ``index`` of a team starts
  from the ``index``-th of three phrasings (sub-question, verb phrase, entity name) and moves
  to the next phrasing when a query was already tried.
- ``filter``: keeps the facts that extend the chain from an entity already in play, on a
  relation the question asks for, and do not contradict a known fact.
- ``extract``: every fact a passage states that the lexicon reads, with no relevance or
  consistency check (what a cache without the evidence filter stores).
Token counts are whitespace words of what is read and written.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from looplab.agents.reasoner import Answer, Usage, count_tokens
from looplab.agents.synthetic import QUESTION_PREFIX, RELATIONS, render_fact, render_question

_NAME = r"[A-Z][a-z]+(?: [A-Z][a-z]+)*"
_NOUN_TO_KEY = {r.noun: r.key for r in RELATIONS}
_BY_KEY = {r.key: r for r in RELATIONS}
_QUESTION_RE = re.compile(
    "^" + re.escape(QUESTION_PREFIX) + r"(.+) of (" + _NAME + r")\?$"
)


def _template_regex(template: str) -> re.Pattern[str]:
    pat = re.escape(template)
    pat = pat.replace(r"\{s\}", f"(?P<s>{_NAME})").replace(r"\{o\}", f"(?P<o>{_NAME})")
    return re.compile(r"(?<!\w)" + pat)


FORMS = len(RELATIONS[0].forms)  # surface forms per relation in a paraphrase world
BASE_FORMS = len(RELATIONS[0].templates)


@lru_cache(maxsize=FORMS)
def _lexicon(known: int) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """(relation key, pattern) for the first ``known`` surface forms of every relation."""
    return tuple((r.key, _template_regex(t)) for r in RELATIONS for t in r.forms[:known])


Fact = tuple[str, str, str]


@lru_cache(maxsize=1 << 16)
def read_facts(text: str, known: int = BASE_FORMS) -> tuple[Fact, ...]:
    """The (subject, relation, object) facts stated in ``text`` in the first ``known``
    surface forms of each relation (the reader's lexicon)."""
    found: list[tuple[int, Fact]] = []
    for key, rx in _lexicon(known):
        for m in rx.finditer(text):
            found.append((m.start(), (m["s"], key, m["o"])))
    found.sort(key=lambda x: x[0])
    return tuple(f for _, f in found)


@lru_cache(maxsize=1 << 12)
def parse_question(text: str) -> tuple[str, tuple[str, ...]] | None:
    """(start entity, relation keys in hop order) of a synthetic-world question, else None."""
    m = _QUESTION_RE.match(text.strip())
    if m is None:
        return None
    nouns = m.group(1).split(" of the ")
    if any(n not in _NOUN_TO_KEY for n in nouns):
        return None
    return m.group(2), tuple(_NOUN_TO_KEY[n] for n in reversed(nouns))


def _table(facts: Sequence[Fact]) -> dict[tuple[str, str], Counter[str]]:
    table: dict[tuple[str, str], Counter[str]] = {}
    for s, r, o in facts:
        table.setdefault((s, r), Counter())[o] += 1
    return table


def _walk(start: str, rels: Sequence[str], facts: Sequence[Fact]) -> list[str]:
    """The chain of entities reached from ``start`` (``start`` first); stops at a gap.
    Counter.most_common keeps first-seen order among ties, so the walk is deterministic."""
    table = _table(facts)
    path = [start]
    for r in rels:
        objs = table.get((path[-1], r))
        if not objs:
            break
        path.append(objs.most_common(1)[0][0])
    return path


class DeterministicReader:
    """Rule-based Reasoner for the synthetic world (see the module docstring); ``known`` =
    surface forms per relation in its lexicon (1-5)."""

    def __init__(self, index: int = 0, known: int = BASE_FORMS) -> None:
        if not 1 <= known <= FORMS:
            raise ValueError(f"known must be between 1 and {FORMS} surface forms, got {known}")
        self.index = index
        self.known = known
        self.usage = Usage()

    def variant(self, index: int) -> DeterministicReader:
        """Reader for team member ``index`` (starts from another query phrasing)."""
        return DeterministicReader(index, self.known)

    def _facts_of(self, texts: Sequence[str]) -> list[Fact]:
        return [f for t in texts for f in read_facts(t, self.known)]

    def gaps(self, question: str, knowledge: Sequence[str]) -> list[str]:
        """Open sub-questions from the chain's frontier, nearest first."""
        parsed = parse_question(question)
        if parsed is None:
            out = [question]
        else:
            start, rels = parsed
            path = _walk(start, rels, self._facts_of(knowledge))
            done = len(path) - 1
            frontier = path[-1]
            out = [render_question(frontier, list(rels[done:j])) for j in
                   range(done + 1, len(rels) + 1)]
        self.usage.add(count_tokens(question, knowledge), count_tokens(out))
        return out

    def plan_query(
        self, question: str, knowledge: Sequence[str], gaps: Sequence[str], tried: Sequence[str]
    ) -> str:
        """A query for the next hop, in this agent's preferred phrasing not yet tried."""
        parsed = parse_question(question)
        if parsed is None:
            query = gaps[0] if gaps else question
        else:
            start, rels = parsed
            path = _walk(start, rels, self._facts_of(knowledge))
            frontier, hop = path[-1], min(len(path) - 1, len(rels) - 1)
            rel = _BY_KEY[rels[hop]]
            phrasings = [
                render_question(frontier, [rel.key]),
                rel.search.format(s=frontier),
                frontier,
            ]
            order = phrasings[self.index % 3:] + phrasings[: self.index % 3]
            query = next((q for q in order if q not in tried), order[0])
        self.usage.add(count_tokens(question, knowledge, gaps, tried), count_tokens(query))
        return query

    def filter(
        self, question: str, knowledge: Sequence[str], passages: Sequence[str]
    ) -> list[list[str]]:
        """Per passage, the new chain-extending facts it states (canonical sentences)."""
        parsed = parse_question(question)
        out: list[list[str]] = []
        if parsed is None:
            out = [[] for _ in passages]
        else:
            start, rels = parsed
            wanted = set(rels)
            known = {(s, r): o for s, r, o in self._facts_of(knowledge)}
            in_play = {start, *known.values()}
            for text in passages:
                kept: list[str] = []
                for s, r, o in read_facts(text, self.known):
                    if r not in wanted or s not in in_play or (s, r) in known:
                        continue  # off-question, unconnected, already known or contradicting
                    known[(s, r)] = o
                    in_play.add(o)
                    kept.append(render_fact(s, r, o))
                out.append(kept)
        self.usage.add(count_tokens(question, knowledge, passages), count_tokens(*out))
        return out

    def extract(self, passages: Sequence[str]) -> list[list[str]]:
        """Per passage, every fact it states that the lexicon reads (canonical sentences)."""
        out = [[render_fact(*f) for f in read_facts(t, self.known)] for t in passages]
        self.usage.add(count_tokens(passages), count_tokens(*out))
        return out

    def answer(self, question: str, evidence: Sequence[str]) -> Answer:
        """Follow the chain through the evidence; guess by salience if it breaks."""
        parsed = parse_question(question)
        if parsed is None:
            ans = Answer("unknown", False, "")
        else:
            start, rels = parsed
            facts = self._facts_of(evidence)
            path = _walk(start, rels, facts)
            steps = [render_fact(path[i], rels[i], path[i + 1]) for i in range(len(path) - 1)]
            if len(path) == len(rels) + 1:
                ans = Answer(path[-1], True, " ".join([*steps, f"So the answer is {path[-1]}."]))
            else:
                final = Counter(o for s, r, o in facts if r == rels[-1])
                guess = final.most_common(1)[0][0] if final else "unknown"
                ans = Answer(guess, False, " ".join([*steps, f"Perhaps the answer is {guess}."]))
        self.usage.add(count_tokens(question, evidence), count_tokens(ans.rationale))
        return ans
