"""The openai backend over real HTTP against a local OpenAI-compatible server."""

from __future__ import annotations

import math

import pytest

from looplab.llm import (
    LLMClient,
    LLMConnectionError,
    LLMRequestError,
    LLMResponseError,
)
from tests.llm.openai_server import FakeOpenAI


def _client(srv: FakeOpenAI, tmp_path, **kw) -> LLMClient:
    opts = {"timeout": 0.5, "max_retries": 2, "backoff": 0.01, "cache": tmp_path / "cache"}
    opts.update(kw)
    return LLMClient.openai(srv.base_url, "test-model", **opts)


def test_chat_complete_and_logprobs_round_trip(tmp_path):
    with FakeOpenAI() as srv, _client(srv, tmp_path) as llm:
        out = llm.chat("hello", system="be brief")
        assert out.text == "echo: hello" and out.finish_reason == "stop" and not out.cached
        assert llm.complete("once", max_tokens=3).text == " and then"
        lp = llm.logprobs("pick", ["A", "B", "C"])
        # "B" and " B" are both the letter B: their probabilities add up
        assert lp["A"] == pytest.approx(-0.25)
        assert lp["B"] == pytest.approx(math.log(math.exp(-1.6) + math.exp(-3.0)))
        assert lp["C"] is None
        assert srv.hits == 3


def test_retries_on_429_and_500_then_succeeds(tmp_path):
    with FakeOpenAI() as srv, _client(srv, tmp_path) as llm:
        srv.faults = ["429", "500"]
        assert llm.chat("x").text == "echo: x"
        assert srv.hits == 3  # two failures + one success


def test_timeout_is_retried_then_reported_as_one_clear_error(tmp_path):
    with FakeOpenAI(slow_seconds=1.0) as srv, _client(srv, tmp_path, max_retries=1) as llm:
        srv.faults = ["slow"]
        assert llm.chat("y").text == "echo: y"  # first attempt times out, retry succeeds
        srv.faults = ["slow", "slow"]
        with pytest.raises(LLMConnectionError, match=r"timed out.*gave up after 2 attempts"):
            llm.chat("z")


def test_malformed_body_is_a_clear_error_and_not_cached(tmp_path):
    with FakeOpenAI() as srv, _client(srv, tmp_path) as llm:
        srv.faults = ["malformed"]
        with pytest.raises(LLMResponseError, match=r"malformed response.*not JSON"):
            llm.chat("m")
        assert llm.chat("m").text == "echo: m"  # nothing bad was cached


def test_dropped_connection_is_retried(tmp_path):
    with FakeOpenAI() as srv, _client(srv, tmp_path) as llm:
        srv.faults = ["drop"]
        assert llm.chat("d").text == "echo: d"


def test_unknown_model_is_rejected_without_retry(tmp_path):
    with FakeOpenAI() as srv:
        llm = LLMClient.openai(srv.base_url, "no-such-model", cache=False, max_retries=3)
        with pytest.raises(LLMRequestError, match=r"HTTP 404.*no-such-model.*does not exist"):
            llm.chat("q")
        assert srv.hits == 1


def test_unreachable_endpoint_is_one_clear_error(tmp_path):
    with FakeOpenAI() as srv:
        url = srv.base_url
    llm = LLMClient.openai(url, "test-model", cache=False, max_retries=1, backoff=0.01)
    with pytest.raises(LLMConnectionError, match="cannot reach"):
        llm.chat("q")


def test_resumed_run_reads_answers_from_the_cache(tmp_path):
    prompts = [f"question {i}" for i in range(6)]
    with FakeOpenAI() as srv:
        with _client(srv, tmp_path) as llm:
            done = [llm.chat(p).text for p in prompts[:3]]
            srv.faults = ["500"] * 3  # the 4th prompt fails: the run is "interrupted"
            with pytest.raises(LLMConnectionError):
                llm.chat(prompts[3])
        hits_before = srv.hits
        with _client(srv, tmp_path) as llm:  # a fresh client, same cache folder
            again = [llm.chat(p) for p in prompts]
        assert [c.text for c in again[:3]] == done
        assert [c.cached for c in again] == [True] * 3 + [False] * 3
        assert srv.hits - hits_before == 3  # only the missing answers were asked
        # a different seed is a different request: asked again, not served from cache
        with _client(srv, tmp_path) as llm:
            assert not llm.chat(prompts[0], seed=1).cached


def test_api_key_comes_from_env_and_never_reaches_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LOOPLAB_TEST_KEY", "sk-secret-123")
    with FakeOpenAI() as srv, _client(srv, tmp_path, api_key_env="LOOPLAB_TEST_KEY") as llm:
        llm.chat("k")
        assert srv.auth[-1] == "Bearer sk-secret-123"
    stored = "".join(p.read_text() for p in (tmp_path / "cache").rglob("*.json"))
    assert "echo: k" in stored and "sk-secret-123" not in stored


def test_bounded_concurrency_from_threads(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    with FakeOpenAI() as srv, _client(srv, tmp_path, max_concurrency=3) as llm:
        with ThreadPoolExecutor(llm.max_concurrency) as pool:
            texts = list(pool.map(lambda i: llm.chat(f"p{i}").text, range(12)))
        assert texts == [f"echo: p{i}" for i in range(12)]
        assert llm.calls == 12


def test_bad_arguments_name_the_field():
    with pytest.raises(ValueError, match="base_url must start with http"):
        LLMClient.openai("localhost:8000", "m")
    with pytest.raises(ValueError, match="backend must be one of: local, openai"):
        LLMClient.from_name("vllm")
    with FakeOpenAI() as srv:
        llm = LLMClient.openai(srv.base_url, "test-model", cache=False)
        with pytest.raises(ValueError, match="temperature must be in"):
            llm.chat("x", temperature=5)
        with pytest.raises(ValueError, match="candidates must be distinct"):
            llm.logprobs("x", ["A", "A"])
