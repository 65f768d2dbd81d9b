"""The retrieval agents' parts: synthetic world, deterministic reader, cache, retrievers,
the KAIR loop and its baselines, monitors and the data loaders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from looplab.agents import (
    BM25Retriever,
    Corpus,
    DeterministicReader,
    KAIRSettings,
    KnowledgeCache,
    Passage,
    RetrievalInputError,
    SyntheticWorldConfig,
    exact_match,
    load_corpus_jsonl,
    load_hotpotqa,
    load_questions_jsonl,
    make_world,
    run_conventional,
    run_kair,
    run_single_step,
    source_entropy,
    token_f1,
)
from looplab.agents.corpus import require_answers
from looplab.agents.monitors import episode_metrics
from looplab.agents.reader import parse_question, read_facts
from looplab.agents.synthetic import render_fact

DATA = Path(__file__).parent / "data"
SMALL = SyntheticWorldConfig(questions_per_hop=4)


@pytest.fixture(scope="module")
def world():
    return make_world(SMALL, seed=3)


@pytest.fixture(scope="module")
def bm25(world):
    return BM25Retriever(world.corpus)


def test_world_is_a_pure_function_of_seed_and_replicate():
    a, b = make_world(SMALL, 5, 1), make_world(SMALL, 5, 1)
    assert a.corpus.texts == b.corpus.texts
    assert [q.text for q in a.questions] == [q.text for q in b.questions]
    assert make_world(SMALL, 5, 2).corpus.texts != a.corpus.texts


def test_questions_have_one_to_four_hops_exact_answers_and_gold_chains(world):
    assert sorted({q.hops for q in world.questions}) == [1, 2, 3, 4]
    for q in world.questions:
        start, rels = parse_question(q.text)
        assert len(rels) == q.hops == len(q.gold)
        node = start
        for r, pid in zip(rels, q.gold, strict=True):
            stated = read_facts(world.corpus[world.corpus.index[pid]].text)
            assert stated == ((node, r, world.facts[(node, r)]),)
            node = world.facts[(node, r)]
        assert q.answers == (node,)


def test_distractors_are_over_represented_and_never_state_a_question_chain_fact(world):
    n_dis = len(world.distractor_ids)
    assert n_dis == round(2.0 * len(world.facts))  # two per gold passage by default
    chain_subjects = {s for (s, _r) in world.facts if s not in world.popular}
    for p in world.corpus.passages:
        if p.id in world.distractor_ids:
            assert p.source in {"TrendWire", "BuzzDaily", "ViralHub"}
            assert all(s not in chain_subjects for s, _r, _o in read_facts(p.text))


def test_reader_answers_from_gold_passages_and_guesses_by_salience_otherwise(world):
    reader = DeterministicReader()
    q = next(q for q in world.questions if q.hops == 3)
    gold = [world.corpus[world.corpus.index[g]].text for g in q.gold]
    ans = reader.answer(q.text, gold)
    assert ans.complete and ans.text == q.answers[0]
    # chain broken: the most often stated object of the final relation wins the guess
    _start, rels = parse_question(q.text)
    noise = [render_fact("Aaa", rels[-1], "Popularis")] * 3 + [render_fact("Bbb", rels[-1], "Rare")]
    guess = reader.answer(q.text, gold[:1] + noise)
    assert not guess.complete and guess.text == "Popularis"
    assert reader.answer(q.text, []).text == "unknown"
    assert reader.usage.calls == 3 and reader.usage.tokens > 0


def test_reader_filter_keeps_only_facts_that_extend_the_chain(world):
    reader = DeterministicReader()
    q = next(q for q in world.questions if q.hops == 2)
    start, rels = parse_question(q.text)
    hop1 = world.corpus[world.corpus.index[q.gold[0]]].text
    hop2 = world.corpus[world.corpus.index[q.gold[1]]].text
    distractor = world.corpus[world.corpus.index[sorted(world.distractor_ids)[0]]].text
    kept = reader.filter(q.text, [], [distractor, hop2, hop1])
    assert kept[0] == [] and kept[1] == []  # off-chain, and not yet connected to the start
    assert kept[2] == [render_fact(start, rels[0], world.facts[(start, rels[0])])]
    # a fact contradicting what is known is dropped
    known = [render_fact(start, rels[0], "Someone Else")]
    assert reader.filter(q.text, known, [hop1]) == [[]]


def test_reader_gaps_shrink_as_knowledge_grows_and_team_members_phrase_queries_differently(world):
    q = next(q for q in world.questions if q.hops == 2)
    start, rels = parse_question(q.text)
    r0, r1 = DeterministicReader(), DeterministicReader().variant(1)
    assert len(r0.gaps(q.text, [])) == 2
    mid = world.facts[(start, rels[0])]
    known = [render_fact(start, rels[0], mid)]
    gaps = r0.gaps(q.text, known)
    assert len(gaps) == 1 and mid in gaps[0]
    assert r0.gaps(q.text, [*known, render_fact(mid, rels[1], q.answers[0])]) == []
    q0, q1 = r0.plan_query(q.text, known, gaps, []), r1.plan_query(q.text, known, gaps, [])
    assert q0 != q1 and mid in q0 and mid in q1
    assert r0.plan_query(q.text, known, gaps, [q0]) != q0  # a tried query is not repeated


def test_cache_keeps_provenance_and_merges():
    a, b = KnowledgeCache(), KnowledgeCache()
    assert a.add("X works for Y.", "g1", step=1)
    assert not a.add("X works for Y.", "g7", step=2)
    b.add("Y is headquartered in Z.", "g2", step=1, agent=1)
    b.add("X works for Y.", "g9")
    a.merge(b)
    assert a.provenance() == {"X works for Y.": ["g1", "g7", "g9"],
                              "Y is headquartered in Z.": ["g2"]}
    assert a.facts()[1].agent == 1 and len(a) == 2


def test_bm25_finds_the_targeted_passage_excludes_seen_and_is_deterministic(world, bm25):
    q = next(q for q in world.questions if q.hops == 1)
    start, _rels = parse_question(q.text)
    gold = world.corpus.index[q.gold[0]]
    hits = bm25.search(f"{start}", 5)
    assert gold in hits and hits == bm25.search(f"{start}", 5)
    assert gold not in bm25.search(f"{start}", 5, exclude={gold})
    assert len(bm25.search("zzzz qqqq", 5)) == 5  # no match still returns k (score 0, by index)


def test_kair_follows_the_chain_with_provenance_and_stops_when_no_gap_is_left(world, bm25):
    q = next(q for q in world.questions if q.hops == 4)
    ep = run_kair(q.text, bm25, DeterministicReader())
    assert ep.answer.text == q.answers[0] and ep.stop == "no_gaps"
    assert ep.steps == 4 and ep.agents == 1
    taught = {src for srcs in ep.provenance.values() for src in srcs}
    assert set(q.gold) <= taught  # every hop's fact traces back to its gold passage
    assert [r.step for r in ep.records] == [1, 2, 3, 4]


def test_kair_teams_share_or_compete_and_count_cost_per_agent(world, bm25):
    q = next(q for q in world.questions if q.hops == 3)
    collab = run_kair(q.text, bm25, DeterministicReader(), KAIRSettings(agents=2))
    comp = run_kair(q.text, bm25, DeterministicReader(),
                    KAIRSettings(agents=3, sharing="competitive", select="vote"))
    assert collab.agents == 2 and {r.agent for r in collab.records} == {0, 1}
    assert comp.agents == 3 and comp.answer.text == q.answers[0]
    assert all(u.calls > 0 for u in comp.usage)
    with pytest.raises(ValueError, match="sharing"):
        KAIRSettings(sharing="shared")


def test_conventional_builds_its_next_query_from_the_last_retrieved_text(world, bm25):
    q = next(q for q in world.questions if q.hops == 4)
    ep = run_conventional(q.text, bm25, DeterministicReader(), max_steps=3)
    assert ep.records[0].query == q.text
    for prev, nxt in zip(ep.records, ep.records[1:], strict=False):
        assert nxt.query == f"{q.text} {world.corpus[prev.retrieved[0]].text}"
    gen = run_conventional(q.text, bm25, DeterministicReader(), max_steps=2, expand="generation")
    assert gen.records[1].query.startswith(q.text) and "answer is" in gen.records[1].query
    single = run_single_step(q.text, bm25, DeterministicReader())
    assert single.steps == 1 and len(single.records[0].retrieved) == 5


def test_monitors_read_the_truth_the_agent_never_saw(world, bm25):
    q = next(q for q in world.questions if q.hops == 2)
    ep = run_kair(q.text, bm25, DeterministicReader())
    m = episode_metrics(ep, q, world.corpus, max_steps=6)
    assert m["em"] == 1.0 and m["f1"] == 1.0 and m["gold_recall"] == 1.0
    n_ret = sum(len(r.retrieved) for r in ep.records)
    n_dis = sum(world.corpus[h].id in world.distractor_ids for r in ep.records
                for h in r.retrieved)
    assert m["distractor_share"] == pytest.approx(n_dis / n_ret)
    assert m["steps"] == 2 and m["calls"] == ep.usage[0].calls
    assert m["distractor_share_step3"] != m["distractor_share_step3"]  # NaN: no third step


def test_answer_scores_and_source_entropy():
    assert exact_match("The  Paris.", ("paris",)) == 1.0
    assert token_f1("New York City", ("New York",)) == pytest.approx(0.8)
    assert source_entropy(["a", "a", "b", "b"]) == pytest.approx(1.0)
    assert source_entropy(["a"] * 5) == 0.0


def test_empty_corpus_is_one_clear_error(tmp_path):
    with pytest.raises(RetrievalInputError, match="empty"):
        Corpus([])
    empty = tmp_path / "c.jsonl"
    empty.write_text("\n")
    with pytest.raises(RetrievalInputError, match=r"corpus file .* is empty"):
        load_corpus_jsonl(empty)
    with pytest.raises(RetrievalInputError, match="duplicate passage id"):
        Corpus([Passage("a", "x"), Passage("a", "y")])


def test_jsonl_loaders_and_missing_answers(tmp_path):
    corpus_file = tmp_path / "c.jsonl"
    corpus_file.write_text("\n".join(json.dumps(r) for r in [
        {"id": "p1", "text": "Orbis Cycles makes the Velo.", "title": "Orbis"},
        {"id": "p2", "text": "Orbis Cycles is in Tarnow.", "source": "atlas"},
    ]))
    corpus = load_corpus_jsonl(corpus_file)
    assert [p.source for p in corpus.passages] == ["Orbis", "atlas"]
    qfile = tmp_path / "q.jsonl"
    qfile.write_text(json.dumps({"id": "q1", "question": "Where is Orbis?", "gold": ["p2"]}))
    qs = load_questions_jsonl(qfile, corpus)
    assert qs[0].hops == 1 and qs[0].answers == ()
    with pytest.raises(RetrievalInputError, match=r"no answer .*'q1'.*scoring needs"):
        require_answers(qs, f"questions file {qfile}")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"question": "x", "gold": ["nope"]}))
    with pytest.raises(RetrievalInputError, match="gold passage 'nope' is not in the corpus"):
        load_questions_jsonl(bad, corpus)


def test_hotpotqa_loader_reads_gold_and_distractor_paragraphs():
    corpus, qs = load_hotpotqa(DATA / "hotpot_mini.json")
    assert len(corpus) == 7  # "Orbis Cycles" appears in both contexts: one passage
    q = qs[0]
    assert q.answers == ("Tarnow",) and q.hops == 2
    assert q.gold == ("Velo (bicycle)", "Orbis Cycles")
    assert q.distractors == {"Velo Club", "Tour of the City"}
    assert corpus[corpus.index["Orbis Cycles"]].text.startswith("Orbis Cycles: Orbis Cycles is")


@pytest.mark.model
def test_dense_minilm_retriever_ranks_the_relevant_paragraph_first_behind_the_same_interface():
    from looplab.agents import build_retriever

    corpus, _ = load_hotpotqa(DATA / "hotpot_mini.json")
    dense = build_retriever("dense", corpus)
    top = dense.search("Where are the headquarters of the bicycle maker Orbis Cycles?", 3)
    assert corpus[top[0]].id == "Orbis Cycles"
    assert corpus.index["Orbis Cycles"] not in dense.search("bicycle maker", 3,
                                                            exclude={top[0]})
    scores = dense.scores("a painter born in Borovo")
    assert scores.shape == (len(corpus),) and corpus[int(scores.argmax())].id == "Anna Lisk"
