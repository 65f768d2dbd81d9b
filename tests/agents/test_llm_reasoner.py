"""The LLM reasoner: reply parsing and the whole loop over real HTTP to a scripted
OpenAI-compatible server, a dead endpoint midway (answered questions are kept), and one
end-to-end run with the local SmolLM2 model (marked ``model``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from looplab.experiments.config import ConfigError
from looplab.experiments.registry import load_scenario
from looplab.families import retrieval as R
from tests.llm.openai_server import FakeOpenAI

HOTPOT = Path(__file__).parent / "data" / "hotpot_mini.json"


def scripted(body: dict[str, Any]) -> str:
    """A stand-in model that follows the prompts' formats."""
    prompt = body["messages"][-1]["content"]
    if "What is still missing" in prompt:
        return "Who makes the Velo?" if "(nothing yet)" in prompt else "DONE"
    if "Write one new search query" in prompt:
        return '"Velo bicycle maker headquarters"'
    if "For each passage" in prompt:
        return "1: The Velo is made by Orbis Cycles.\n2: Orbis Cycles is based in Tarnow."
    if "Answer with a short phrase" in prompt:
        return "Tarnow." if "makes the Velo" in prompt else "INSUFFICIENT: Varta"
    return "?"


def llm_cfg(base_url: str, *sets: str) -> R.RetrievalScenario:
    return load_scenario("retrieval-kair", [  # type: ignore[return-value]
        'data.type="hotpotqa"', f'data.path="{HOTPOT}"', "replicates=1", "top_k=2",
        'reasoner.type="llm"', 'reasoner.backend="openai"', f'reasoner.base_url="{base_url}"',
        'reasoner.model="test-model"', "reasoner.max_retries=0", "reasoner.cache=false",
        *sets,
    ])


def test_llm_reasoner_runs_every_method_over_http_and_parses_replies():
    with FakeOpenAI(reply=scripted) as srv:
        cfg = llm_cfg(srv.base_url)
        frame = R.run_retrieval(cfg)
    kair = frame[frame.policy == "kair"].set_index("question")
    assert kair.loc["hq-1", "answer"] == "Tarnow" and kair.loc["hq-1", "em"] == 1.0
    assert kair.loc["hq-1", "steps"] == 1  # DONE after the first cache update
    assert kair.loc["hq-1", "calls"] == 5  # gaps, plan, filter, gaps, answer
    assert kair.loc["hq-1", "tokens"] == 5 * 7  # the server's usage counts
    assert kair.loc["hq-2", "answer"] == "Varta"  # an INSUFFICIENT guess is still an answer
    conv = frame[frame.policy == "conventional"]
    assert set(conv["answer"]) == {"Tarnow", "Varta"} and len(frame) == 7 * 2


def test_dead_endpoint_midway_keeps_answered_questions(tmp_path):
    journal = tmp_path / "answers.jsonl"
    with FakeOpenAI(reply=scripted) as srv:
        cfg = llm_cfg(srv.base_url, f'journal="{journal}"')

        def break_after_first(n: int) -> None:
            srv.faults.extend(["500"] * 50)  # the endpoint fails from now on

        with pytest.raises(ConfigError, match=r"language model openai:test-model: .*HTTP 500"):
            R.run_retrieval(cfg, break_after_first)
        assert len(journal.read_text().splitlines()) == 1
        srv.faults.clear()
        frame = R.run_retrieval(cfg)
    lines = journal.read_text().splitlines()
    assert len(frame) == 14 and len(lines) == 14  # the first answer was not asked again
    assert sum('"single_step|0|hq-1"' in line for line in lines) == 1


@pytest.mark.model
def test_local_smollm2_answers_end_to_end_through_single_step_and_kair(tmp_path):
    """A few questions with the real local model; checks the plumbing, not its accuracy."""
    cfg = load_scenario("retrieval-kair", [
        'data.type="hotpotqa"', f'data.path="{HOTPOT}"', "replicates=1", "rounds=1",
        "top_k=2", "max_steps=1", 'reasoner.type="llm"', 'reasoner.backend="local"',
        "reasoner.max_tokens=16", "reasoner.cache=false",
        'policies={single_step={type="single_step"}, kair={type="kair"}}',
    ])
    frame = R.run_retrieval(cfg).set_index("policy")
    assert frame.loc["single_step", "calls"] == 1 and frame.loc["kair", "calls"] == 5
    for policy in ("single_step", "kair"):
        row = frame.loc[policy]
        assert isinstance(row["answer"], str) and row["answer"]
        assert row["tokens"] > 0 and 0.0 <= row["f1"] <= 1.0
        assert 0.0 <= row["gold_recall"] <= 1.0
