"""The KAIR ablation parts: the paraphrase world, the reader's incomplete lexicon, the
unfiltered fact extraction, planned iterative retrieval and KAIR without its filter."""

from __future__ import annotations

import pytest

from looplab.agents import (
    BM25Retriever,
    DeterministicReader,
    KAIRSettings,
    SyntheticWorldConfig,
    make_world,
    run_kair,
    run_planned,
)
from looplab.agents.baselines import PlannedIterative
from looplab.agents.reader import FORMS, read_facts
from looplab.agents.synthetic import RELATIONS, render_fact
from looplab.experiments.config import ConfigError
from looplab.experiments.registry import load_scenario
from looplab.families import retrieval as R

PARA = SyntheticWorldConfig(questions_per_hop=4, paraphrase=True)


@pytest.fixture(scope="module")
def world():
    return make_world(PARA, seed=3)


@pytest.fixture(scope="module")
def bm25(world):
    return BM25Retriever(world.corpus)


def _form(text: str) -> int | None:
    """Which surface form states the passage's first fact (by full-lexicon reading)."""
    for k in range(1, FORMS + 1):
        if read_facts(text, k):
            return k - 1
    return None


def test_paraphrase_world_uses_every_form_and_is_a_pure_function_of_the_seed(world):
    assert all(len(r.forms) == FORMS for r in RELATIONS)
    gold = [p.text for p in world.corpus.passages if p.id.startswith("g")]
    forms = [_form(t) for t in gold]
    assert None not in forms and set(forms) == set(range(FORMS))
    again = make_world(PARA, seed=3)
    assert [p.text for p in again.corpus.passages] == [p.text for p in world.corpus.passages]
    base = make_world(SyntheticWorldConfig(questions_per_hop=4), seed=3)
    assert {_form(p.text) for p in base.corpus.passages if p.id.startswith("g")} == {0, 1}
    dis = [p.text for p in world.corpus.passages if p.id.startswith("d")]
    assert not all("Readers keep asking" in t for t in dis)  # paraphrased distractors


def test_reader_reads_only_the_forms_in_its_lexicon():
    facts = [render_fact("Tarvo Brenn", "employer", "Kalo Labs", k) for k in range(FORMS)]
    for known in range(1, FORMS + 1):
        seen = [bool(read_facts(f, known)) for f in facts]
        assert seen == [k < known for k in range(FORMS)]
        assert read_facts(facts[0], known) == (("Tarvo Brenn", "employer", "Kalo Labs"),)
    with pytest.raises(ValueError, match="known must be between 1 and 5"):
        DeterministicReader(known=6)
    assert DeterministicReader(known=3).variant(1).known == 3


def test_extract_keeps_every_readable_fact_and_filter_only_the_chain(world):
    q = next(q for q in world.questions if q.hops == 2)
    reader = DeterministicReader(known=FORMS)
    passages = [world.corpus[i].text for i in range(len(world.corpus))]
    distractor = next(t for t, p in zip(passages, world.corpus.passages, strict=True)
                      if p.id.startswith("d") and read_facts(t, FORMS))
    assert reader.extract([distractor])[0]  # facts about popular entities are stored
    assert reader.filter(q.text, [], [distractor]) == [[]]  # and filtered out
    assert reader.usage.calls == 2


def test_unreadable_gold_passage_stalls_the_plan_for_every_planned_method(world, bm25):
    """A hop whose passage is in a form the reader does not know never closes its gap."""
    full, weak = DeterministicReader(known=FORMS), DeterministicReader(known=1)
    q = next(q for q in world.questions if q.hops == 1
             and _form(world.corpus[world.corpus.index[q.gold[0]]].text) > 0)
    for run in (run_planned, run_kair):
        good, bad = run(q.text, bm25, full), run(q.text, bm25, weak)
        assert good.answer.text == q.answers[0] and good.stop == "no_gaps"
        assert bad.stop == "max_steps" and bad.steps == 6 and bad.answer.text != q.answers[0]


def test_planned_iterative_follows_kairs_plan_without_a_cache(world, bm25):
    q = next(q for q in world.questions if q.hops == 3)
    reader = DeterministicReader(known=FORMS)
    planned = PlannedIterative().run(q.text, bm25, reader)
    kair = run_kair(q.text, bm25, reader)
    nofilter = KAIRSettings(filter_evidence=False).run(q.text, bm25, reader)
    assert [r.query for r in planned.records] == [r.query for r in kair.records]
    assert planned.answer.text == kair.answer.text == nofilter.answer.text == q.answers[0]
    assert planned.provenance == {} and kair.provenance  # no cache, no provenance
    assert len(nofilter.provenance) > len(kair.provenance)  # unfiltered facts are cached
    # planned reads raw passages: 1 + 2 calls per step; kair: 1 + 3 per step (+ answer)
    assert planned.usage[0].calls == 2 + 2 * planned.steps
    assert kair.usage[0].calls == 2 + 3 * kair.steps
    assert planned.usage[0].tokens > kair.usage[0].tokens


def test_ablation_scenario_validates_its_arms_and_reader():
    cfg = load_scenario("retrieval-kair-ablation")
    assert cfg.data.world.paraphrase and cfg.reasoner.known_forms == 4
    assert cfg.policies["planned"].type == "planned"
    assert cfg.policies["kair_nofilter"].filter_evidence is False
    assert R.POLICIES["planned"] is PlannedIterative
    with pytest.raises(ConfigError, match="known_forms"):
        load_scenario("retrieval-kair-ablation", ["reasoner.known_forms=9"])
