"""The local SmolLM2 backend (loads a real model: marked ``model``)."""

from __future__ import annotations

import math

import pytest

from looplab.llm import LLMClient

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def llm(tmp_path_factory) -> LLMClient:
    return LLMClient.local(cache=tmp_path_factory.mktemp("llm-cache"))


def test_local_chat_answers_a_factual_question(llm):
    out = llm.chat("What is the capital of France?", max_tokens=12)
    assert "Paris" in out.text and out.completion_tokens <= 12 and not out.cached
    again = llm.chat("What is the capital of France?", max_tokens=12)
    assert again.cached and again.text == out.text


def test_local_logprobs_are_normalised_and_multi_token_candidates_work(llm):
    lp = llm.logprobs("Reply with one letter, A or B.", ["A", "B"])
    assert all(v is not None and v < 0 for v in lp.values())
    assert math.exp(lp["A"]) + math.exp(lp["B"]) <= 1.0 + 1e-9
    multi = llm.logprobs("What is the capital of France? Answer in one word.",
                         ["Paris", "Banana split"])
    assert multi["Paris"] > multi["Banana split"]


def test_local_complete_continues_text(llm):
    out = llm.complete("One, two, three,", max_tokens=4)
    assert out.text and out.prompt_tokens > 0
