"""LLM judges over real HTTP against a local OpenAI-compatible server whose answers come
from a planted-bias reference judge: logprob verdicts, strict parsing, an endpoint that dies
mid-audit and a resumed audit that re-asks only what is missing."""

from __future__ import annotations

import math
import re

import pytest
from pandas.testing import assert_frame_equal

from looplab.judges import LLMJudge, ReferenceJudge, Verdict, audit, from_callable, load_items
from looplab.llm import LLMClient, LLMConnectionError
from tests.llm.openai_server import FakeOpenAI

ITEMS = load_items()[:8]
BIASES = ["position", "authority", "bandwagon"]
TRUTH = ReferenceJudge(ITEMS, position=1.0, authority=1.5, seed=0)
PROMPT = re.compile(r"Question: (.*)\n\nAnswer A: (.*)\n\nAnswer B: (.*)\n\nWhich answer is "
                    r"better\?", re.DOTALL)


def _shown(body) -> tuple[str, str, str]:
    m = PROMPT.search(body["messages"][-1]["content"])
    assert m, body
    return m.group(1), m.group(2), m.group(3)


def top_from_reference(body):
    p = TRUTH.prob_a(*_shown(body))
    return [("A", math.log(p)), ("B", math.log1p(-p)), ("The", -9.0)]


def argmax_reference(q, a, b):
    p = TRUTH.prob_a(q, a, b)
    return Verdict("A" if p > 0.5 else "B" if p < 0.5 else "tie", p_a=p)


def _same(rep, ref) -> None:
    # verdicts and every rate identical; P(A) went through exp(log p): equal to ~1e-12
    assert_frame_equal(rep.to_frame(), ref.to_frame(), check_exact=False, rtol=1e-9)


def _client(srv, tmp_path, **kw):
    return LLMClient.openai(srv.base_url, "test-model", cache=tmp_path / "cache", timeout=2,
                            max_retries=1, backoff=0.01, max_concurrency=4, **kw)


def test_logprob_judge_over_http_matches_the_same_rule_in_process(tmp_path):
    with FakeOpenAI(top=top_from_reference) as srv:
        rep = audit(LLMJudge(_client(srv, tmp_path), mode="logprobs"), ITEMS, BIASES, seed=1)
    ref = audit(from_callable(argmax_reference), ITEMS, BIASES, seed=1)
    _same(rep, ref)
    assert rep.records["p_a"].between(0, 1).all()


def test_interrupted_audit_keeps_every_verdict_and_resumes(tmp_path):
    with FakeOpenAI(top=top_from_reference) as srv:
        srv.fail_after = 30  # the endpoint goes down after 30 answers
        with pytest.raises(LLMConnectionError, match="HTTP 500"):
            audit(LLMJudge(_client(srv, tmp_path), mode="logprobs"), ITEMS, BIASES, seed=1)
        kept = len(list((tmp_path / "cache").rglob("*.json")))
        assert kept == 30  # every answer received before the failure is on disk
        srv.fail_after = None
        before = srv.hits
        client = _client(srv, tmp_path)
        rep = audit(LLMJudge(client, mode="logprobs"), ITEMS, BIASES, seed=1)
        asked = srv.hits - before
    assert rep.settings["calls"] == kept + asked and client.hits == kept
    ref = audit(from_callable(argmax_reference), ITEMS, BIASES, seed=1)
    _same(rep, ref)


def test_server_without_logprobs_falls_back_to_strict_parsing(tmp_path):
    def reply(body):
        q, a, b = _shown(body)
        if "Canberra" in a + b:
            return "Both answers have merit."  # no letter: unparseable, never guessed
        return "Answer A is better." if argmax_reference(q, a, b).choice == "A" else "B"

    with FakeOpenAI(reply=reply, top=lambda body: None) as srv:
        judge = LLMJudge(_client(srv, tmp_path))
        rep = audit(judge, load_items()[20:28], ["position"], seed=1)
    assert not judge._use_logprobs
    invalid = rep.metric("clean", "invalid_rate")
    assert invalid == pytest.approx(1 / 8)  # the Canberra item, in both orders
    assert set(rep.records["choice"]) <= {"A", "B", "unparseable"}


def test_revise_and_debias_prompt_reach_the_server(tmp_path):
    seen = []

    def reply(body):
        seen.append(body["messages"])
        return "A"

    with FakeOpenAI(reply=reply, top=lambda body: None) as srv:
        judge = LLMJudge(_client(srv, tmp_path), mode="parse")
        it = ITEMS[0]
        v = judge.revise(it.question, it.better, it.worse, Verdict("B"), "B has a citation.")
        assert v.choice == "A"
        assert "Prior evaluation: Answer B" in seen[-1][-1]["content"]
        from looplab.judges import debias_prompt

        debias_prompt(judge)(it.question, it.better, it.worse)
        assert "Ignore the order" in seen[-1][0]["content"] and seen[-1][0]["role"] == "system"


def test_rbd_loop_with_an_llm_detector_over_http(tmp_path):
    """The detector says 'Biased: Yes' every time and the judge never changes its mind: the
    loop asks detector and judge exactly max_rounds (3) times each after the first verdict."""
    kinds = []

    def reply(body):
        text = body["messages"][-1]["content"]
        if text.startswith("You check an AI judge"):
            kinds.append("detect")
            return "Answer B carries a citation that is not evidence.\nBiased: Yes"
        kinds.append("revise" if "Prior evaluation" in text else "judge")
        return "B"

    from looplab.judges import mitigate

    with FakeOpenAI(reply=reply, top=lambda body: None) as srv:
        loop = mitigate(LLMJudge(_client(srv, tmp_path), mode="parse"), "rbd-llm")
        it = ITEMS[0]
        assert loop(it.question, it.better, it.worse).choice == "B"
    assert kinds == ["judge"] + ["detect", "revise"] * 3
