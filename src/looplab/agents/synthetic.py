"""The built-in multi-hop benchmark, generated offline from a seed.

A world of invented entities in five layers (person -> organization -> city -> region ->
language), each entity linked to one entity of the next layer by a functional relation
(employer, headquarters city, region, official language). Every fact is rendered as a short
natural-language passage whose source is the subject's own page. Questions of 1 to 4 hops
compose the relations from a start entity ("What is the region of the headquarters city of
the employer of Tarvo Brenn?") and have one exact answer and gold passages (one per hop).

The bias-reinforcement loop needs "popular" sources: a few trending sites publish many
distractor passages (``distractor_ratio`` per gold passage) that repeat true facts about a
few popular entities, use the question's relation words, and name-drop random entities of
the world. They never state a fact on any question's chain, but they share surface terms
with the questions, so lexical retrieval ranks them high, and a query built from their text
retrieves their near-duplicates.

With ``paraphrase`` on, every fact (on gold pages and in distractors) is stated in one of
five surface forms of its relation (the two base templates and three paraphrases, drawn
uniformly per passage from the world's RNG) and the distractors' "readers keep asking"
line is reworded too, so a reader whose lexicon lacks a form cannot read those passages
(see ``looplab.agents.reader``): extraction, and with it the plan, can fail. Off (the
default), the world and its random draws are exactly those of the base world.

Default sizes (40/30/24/16/10 entities, 2 popular chains, 3 popular sources, 2 distractors
per gold passage, 2 name-drops, 25 questions per hop) were fixed before any agent was run,
to give a corpus of ~350 passages where each question's words also occur in distractors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import ConfigDict, Field

from looplab.agents.corpus import Corpus, Passage, Question
from looplab.core.params import StrictNumbers
from looplab.core.seeding import generator


@dataclass(frozen=True)
class Relation:
    """A relation between consecutive layers: its question noun, the templates that state it
    (``{s}`` subject, ``{o}`` object), a verb phrase used to search for it, and the further
    surface forms a ``paraphrase`` world also uses (``forms`` = templates + paraphrases)."""

    key: str
    noun: str
    templates: tuple[str, ...]
    search: str
    paraphrases: tuple[str, ...] = ()

    @property
    def forms(self) -> tuple[str, ...]:
        """Every surface template, the two base templates first."""
        return self.templates + self.paraphrases


RELATIONS: tuple[Relation, ...] = (
    Relation(
        "employer", "employer", ("{s} works for {o}.", "{o} employs {s}."), "{s} works for",
        ("{s} is on the staff of {o}.", "{s} draws a salary from {o}.",
         "{o} lists {s} among its people."),
    ),
    Relation(
        "hq",
        "headquarters city",
        ("{s} is headquartered in {o}.", "The headquarters of {s} are in {o}."),
        "{s} is headquartered in",
        ("{s} runs its business from {o}.", "{o} hosts the head office of {s}.",
         "The main office of {s} sits in {o}."),
    ),
    Relation(
        "region",
        "region",
        ("{s} lies in the region of {o}.", "The city of {s} belongs to the region of {o}."),
        "{s} lies in the region of",
        ("{s} is a town within {o}.", "{o} is the province around {s}.",
         "Maps place {s} inside {o}."),
    ),
    Relation(
        "language",
        "official language",
        ("The official language of {s} is {o}.", "People in {s} speak {o}."),
        "official language of {s}",
        ("{o} is the tongue used across {s}.", "Schools in {s} teach in {o}.",
         "Signs in {s} are written in {o}."),
    ),
)
# the "readers keep asking" line of a distractor; a paraphrase world picks one per passage
_ASKED = (
    "Readers keep asking about the {0}, the {1} and the {2}.",
    "Everyone wants to know the {0}, the {1} and the {2}.",
    "Our inbox is full of questions on the {0}, the {1} and the {2}.",
)
LAYERS = ("person", "organization", "city", "region", "language")
QUESTION_PREFIX = "What is the "

_ONSETS = ("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "dr",
           "kr", "st", "tr", "th", "sh", "gl")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ou", "ei")
_CODAS = ("", "n", "r", "l", "s", "th", "x", "m")
_ORG_SUFFIX = ("Works", "Labs", "Group", "Systems", "Holdings")
_REGION_SUFFIX = ("ia", "land", "mark")
_LANG_SUFFIX = ("ish", "ese", "ic")
_FILLERS = (
    "The entry was compiled from public records.",
    "This page is part of the regional atlas.",
    "Details were confirmed by local archives.",
    "The record was last reviewed this year.",
)
_SOURCES = ("TrendWire", "BuzzDaily", "ViralHub", "HotTake", "ClickStream", "NewsPulse")


class SyntheticWorldConfig(StrictNumbers):
    """Sizes of the synthetic multi-hop world (see the module docstring for defaults)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    persons: int = Field(40, ge=1)
    organizations: int = Field(30, ge=1)
    cities: int = Field(24, ge=1)
    regions: int = Field(16, ge=1)
    languages: int = Field(10, ge=1)
    popular_chains: int = Field(2, ge=1)
    popular_sources: int = Field(3, ge=1, le=len(_SOURCES))
    distractor_ratio: float = Field(2.0, ge=0.0, le=20.0)
    name_drops: int = Field(2, ge=0, le=10)
    questions_per_hop: int = Field(25, ge=1)
    max_hops: int = Field(4, ge=1, le=4)
    paraphrase: bool = Field(
        False, description="state facts with all five surface forms per relation (and vary "
        "the distractors' wording), not only the two base templates")


@dataclass
class SyntheticWorld:
    """One generated world: corpus, questions, and the truth behind them."""

    corpus: Corpus
    questions: list[Question]
    facts: dict[tuple[str, str], str]  # (subject, relation key) -> object
    popular: frozenset[str]  # names of popular entities
    distractor_ids: frozenset[str]


def render_fact(subject: str, relation: str, obj: str, template: int = 0) -> str:
    """The sentence stating ``relation(subject) = obj`` with surface form ``template``
    (0, 1: the base templates; 2-4: the paraphrases)."""
    rel = _relation(relation)
    return rel.forms[template % len(rel.forms)].format(s=subject, o=obj)


def render_question(start: str, relations: list[str]) -> str:
    """The question composing ``relations`` (in hop order) from ``start``."""
    nouns = [_relation(r).noun for r in reversed(relations)]
    return QUESTION_PREFIX + " of the ".join(nouns) + f" of {start}?"


def _relation(key: str) -> Relation:
    for r in RELATIONS:
        if r.key == key:
            return r
    raise ValueError(f"unknown relation {key!r}; allowed: {', '.join(r.key for r in RELATIONS)}")


def _names(rng: np.random.Generator, n: int, layer: str, taken: set[str]) -> list[str]:
    """``n`` new invented names for a layer, unique across the world."""

    def word() -> str:
        k = int(rng.integers(2, 4))
        syl = "".join(
            _ONSETS[rng.integers(len(_ONSETS))] + _VOWELS[rng.integers(len(_VOWELS))]
            for _ in range(k - 1)
        )
        return (syl + _CODAS[rng.integers(len(_CODAS))]).capitalize()

    out: list[str] = []
    while len(out) < n:
        if layer == "person":
            name = f"{word()} {word()}"
        elif layer == "organization":
            name = f"{word()} {_ORG_SUFFIX[rng.integers(len(_ORG_SUFFIX))]}"
        elif layer == "region":
            name = word() + _REGION_SUFFIX[rng.integers(len(_REGION_SUFFIX))]
        elif layer == "language":
            name = word().rstrip("aeiou") + _LANG_SUFFIX[rng.integers(len(_LANG_SUFFIX))]
        else:
            name = word()
        if name not in taken and len(name) > 3:
            taken.add(name)
            out.append(name)
    return out


def make_world(cfg: SyntheticWorldConfig, seed: int, replicate: int = 0) -> SyntheticWorld:
    """Generate world ``replicate`` of run seed ``seed`` (same inputs, same world)."""
    rng = generator(seed, "world-instance", "retrieval", f"replicate-{replicate}")
    sizes = (cfg.persons, cfg.organizations, cfg.cities, cfg.regions, cfg.languages)
    taken: set[str] = set()
    layers = [_names(rng, n, layer, taken) for n, layer in zip(sizes, LAYERS, strict=True)]
    popular_layers = [_names(rng, cfg.popular_chains, layer, taken) for layer in LAYERS]
    facts: dict[tuple[str, str], str] = {}
    for i, rel in enumerate(RELATIONS):
        nxt = layers[i + 1]
        for e in layers[i]:
            facts[(e, rel.key)] = nxt[int(rng.integers(len(nxt)))]
        for c in range(cfg.popular_chains):
            facts[(popular_layers[i][c], rel.key)] = popular_layers[i + 1][c]

    # surface forms per fact: the two base templates, or every form of a paraphrase world
    # (uniform per passage, drawn from the world's RNG)
    n_forms = len(RELATIONS[0].forms) if cfg.paraphrase else 2
    passages: list[Passage] = []
    fact_pid: dict[tuple[str, str], str] = {}
    for n, ((s, r), o) in enumerate(facts.items()):
        pid = f"g{n}"
        fact_pid[(s, r)] = pid
        text = render_fact(s, r, o, int(rng.integers(n_forms))) + " " + _FILLERS[
            int(rng.integers(len(_FILLERS)))
        ]
        passages.append(Passage(pid, text, s, s))

    ordinary = [e for layer in layers for e in layer]
    n_dis = round(cfg.distractor_ratio * len(facts))
    sources = _SOURCES[: cfg.popular_sources]
    for n in range(n_dis):
        src = sources[int(rng.integers(len(sources)))]
        chain = int(rng.integers(cfg.popular_chains))
        hop = int(rng.integers(len(RELATIONS) - 1))
        claims = [
            render_fact(
                popular_layers[h][chain], RELATIONS[h].key, popular_layers[h + 1][chain],
                int(rng.integers(n_forms)),
            )
            for h in (hop, hop + 1)
        ]
        nouns = [RELATIONS[int(k)].noun for k in rng.permutation(len(RELATIONS))]
        asked = _ASKED[int(rng.integers(len(_ASKED))) if cfg.paraphrase else 0].format(*nouns)
        drops = [ordinary[int(k)] for k in rng.choice(len(ordinary), cfg.name_drops, replace=False)]
        parts = [f"Trending on {src}:", *claims, asked]
        if drops:
            parts.append("Also trending: " + " and ".join(drops) + ".")
        passages.append(Passage(f"d{n}", " ".join(parts), f"{src} #{n}", src))
    order = rng.permutation(len(passages))
    corpus = Corpus([passages[int(i)] for i in order])
    distractor_ids = frozenset(p.id for p in passages if p.id.startswith("d"))

    questions: list[Question] = []
    for hops in range(1, cfg.max_hops + 1):
        starts = [(layer, e) for layer in range(len(RELATIONS) - hops + 1) for e in layers[layer]]
        pick = rng.choice(len(starts), cfg.questions_per_hop, replace=cfg.questions_per_hop
                          > len(starts))
        for k in pick:
            layer, start = starts[int(k)]
            rels = [RELATIONS[layer + h].key for h in range(hops)]
            node, gold = start, []
            for r in rels:
                gold.append(fact_pid[(node, r)])
                node = facts[(node, r)]
            questions.append(
                Question(
                    id=f"h{hops}-{len(questions)}",
                    text=render_question(start, rels),
                    answers=(node,),
                    gold=tuple(gold),
                    hops=hops,
                    distractors=distractor_ids,
                )
            )
    popular = frozenset(e for layer in popular_layers for e in layer)
    return SyntheticWorld(corpus, questions, facts, popular, distractor_ids)
