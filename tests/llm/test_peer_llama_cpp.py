"""The llama.cpp peer: the same SmolLM2 GGUF served by ``llama-cpp-python[server]`` and asked
the same judge prompts through looplab's OpenAI-compatible client (``peer``, ``model``).

llama-cpp-python is built from source (~10 minutes on 2 cores), so it is deliberately not
in any extra or in CI's setup; without it this test skips and says how to install it. The
speed race is ``benchmarks/bench_local_llm.py --peer auto``; this test checks that the peer
answers the same questions as the local backend, so the race compares like with like.
"""

from __future__ import annotations

import pytest

from looplab.llm.llama_server import llama_cpp_available

pytestmark = [
    pytest.mark.peer,
    pytest.mark.model,
    pytest.mark.skipif(not llama_cpp_available(), reason=(
        "llama-cpp-python[server] is not installed: pip install 'llama-cpp-python[server]' "
        "(a ~10 minute source build, deliberately not part of CI's setup)")),
]


def test_llama_cpp_server_judges_like_the_local_backend():
    from looplab.judges import load_items
    from looplab.judges.audit import plan
    from looplab.judges.injectors import load_cues
    from looplab.judges.llm_judge import DEFAULT_SYSTEM, TEMPLATE
    from looplab.llm import LLMClient
    from looplab.llm.client import as_messages
    from looplab.llm.llama_server import llama_cpp_server
    from looplab.llm.local import LocalBackend

    shown = list(dict.fromkeys(c.shown for c in plan(
        load_items()[:2], ["position", "verbosity", "bandwagon"], 1, 0, load_cues())))
    users = [TEMPLATE.format(question=s.question, answer_a=s.answer_a, answer_b=s.answer_b)
             for s in shown]
    with llama_cpp_server(threads=2) as url:
        client = LLMClient.openai(url, "smollm2", cache=False, api_key_env=None, timeout=300)
        peer = [client.logprobs(u, ["A", "B"], system=DEFAULT_SYSTEM) for u in users]
    local = [LocalBackend().logprobs({"messages": as_messages(u, DEFAULT_SYSTEM),
                                      "candidates": ["A", "B"]})["logprobs"] for u in users]
    # both letters are among the server's top-20 first tokens for every prompt
    assert all(p["A"] is not None and p["B"] is not None for p in peer), peer
    # the same weights (Q4_1 arithmetic vs its float32 de-quantisation): the A-vs-B margin
    # agrees closely and the verdict agrees wherever the margin is not a near tie
    gaps = [(p["A"] - p["B"], q["A"] - q["B"]) for p, q in zip(peer, local, strict=True)]
    assert max(abs(a - b) for a, b in gaps) < PEER_TOL, gaps
    assert all((a > 0) == (b > 0) for a, b in gaps if abs(b) > PEER_TOL), gaps


PEER_TOL = 0.5  # logits: Q4_1 arithmetic vs its float32 de-quantisation (passed 2026-11-30)
