"""The batched local engine gives the unbatched backend's answers (loads SmolLM2: ``model``).

The model is loaded once per process (``looplab.llm.local.load_smollm2`` caches it), so
these tests share it with every other model test in the session.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from looplab.judges import load_items
from looplab.judges.audit import plan
from looplab.judges.injectors import load_cues
from looplab.judges.llm_judge import DEFAULT_SYSTEM, TEMPLATE
from looplab.llm.client import LLMClient, as_messages

pytestmark = pytest.mark.model


def _payloads() -> list[dict]:
    items = load_items()[:1]
    calls = plan(items, ["position", "verbosity", "bandwagon"], 1, 0, load_cues())
    shown = list(dict.fromkeys(c.shown for c in calls))[:6]
    out = [{"messages": as_messages(TEMPLATE.format(question=s.question, answer_a=s.answer_a,
                                                    answer_b=s.answer_b), DEFAULT_SYSTEM),
            "candidates": ["A", "B"]} for s in shown]
    out.append({"messages": as_messages("What is the capital of Italy? One word."),
                "candidates": ["Rome", "Banana split", "A"]})
    return out


@pytest.fixture(scope="module")
def reference() -> tuple[list[dict], list[dict]]:
    from looplab.llm.local import LocalBackend

    pls = _payloads()
    return pls, [LocalBackend().logprobs(p)["logprobs"] for p in pls]


def _max_diff(ref: list[dict], got: list[dict]) -> float:
    assert [list(r) for r in ref] == [list(g) for g in got]
    return max(abs(r[k] - g[k]) for r, g in zip(ref, got, strict=True) for k in r)


@pytest.mark.parametrize("mode", ["cascade", "tree", "padded"])
def test_batched_logprobs_equal_the_unbatched_path(reference, mode):
    from looplab.llm.batched import LocalLM

    pls, ref = reference
    eng = LocalLM.load(max_batch=16, mode=mode)
    got = [a["logprobs"] for a in eng.logprobs_payloads(pls)]
    assert _max_diff(ref, got) < 1e-5
    # the shared system prompt + question ran once per batch, not once per row
    n_tokens = sum(len(eng.chat_ids(p["messages"])) for p in pls)
    assert eng.tokens_computed < 0.8 * n_tokens
    # a second call reuses the cached prefix and still agrees
    again = [a["logprobs"] for a in eng.logprobs_payloads(pls[:3])]
    assert _max_diff(ref[:3], again) < 1e-5


def test_threaded_backend_batches_concurrent_calls(reference, tmp_path):
    from looplab.llm.batched import batched_local_client

    pls, ref = reference
    client = batched_local_client(cache=tmp_path, max_batch=8)
    try:
        with ThreadPoolExecutor(8) as pool:
            got = list(pool.map(lambda p: client.logprobs(p["messages"], p["candidates"]), pls))
        assert client.backend.batches_run < len(pls)  # gathered into batches
    finally:
        client.close()
    assert _max_diff(ref, got) < 1e-5
    assert isinstance(client, LLMClient) and client.name == "local:smollm2-135m-instruct"


def test_hidden_states_and_zero_steering():
    from looplab.llm.batched import LocalLM

    eng = LocalLM.load()
    texts = ["The nurse said that", "An engineer is a person who builds"]
    h = eng.hidden(texts)
    assert h.shape == (2, eng.n_layers + 1, eng.model.config.hidden_size)
    assert np.all(np.isfinite(h))
    # batched hidden states equal one-at-a-time ones
    single = np.concatenate([eng.hidden([t]) for t in texts])
    np.testing.assert_allclose(h, single, atol=1e-4, rtol=1e-4)
    ids = [eng.ids(t) for t in texts]
    base = eng.next_logprobs(ids)
    with eng.steering({10: np.zeros(eng.model.config.hidden_size)}):
        same = eng.next_logprobs(ids)
    v = h[1, 11] - h[0, 11]
    with eng.steering({10: v}, strength=1.0):
        moved = eng.next_logprobs(ids)
        # the steered residual after block 10 is the unsteered one plus v
        np.testing.assert_allclose(eng.hidden(texts)[:, 11], h[:, 11] + v, atol=1e-3)
    assert float((same - base).abs().max()) < 1e-5
    assert float((moved - base).abs().max()) > 1e-2
    after = eng.next_logprobs(ids)  # steering is gone after the block
    assert float((after - base).abs().max()) < 1e-5


def test_batched_greedy_generation_matches_unbatched():
    from looplab.llm.batched import LocalLM
    from looplab.llm.local import LocalBackend

    eng = LocalLM.load()
    prompts = ["What is the capital of France?", "Name a colour of the sky."]
    got = eng.generate_text(prompts, max_new_tokens=8)
    be = LocalBackend()
    ref = [be.chat({"messages": as_messages(p), "max_tokens": 8})["text"] for p in prompts]
    assert got == ref


@pytest.mark.parametrize("mode", ["cascade", "tree"])
def test_prefix_tree_passes_compute_each_distinct_prefix_once(reference, mode):
    from looplab.llm.batched import LocalLM

    pls, ref = reference
    # min_segment=1: the cascade computes no short segment twice (the default trades a few
    # such tokens for fewer passes)
    eng = LocalLM.load(max_batch=16, mode=mode, min_segment=1)
    seqs = [eng.chat_ids(p["messages"]) for p in pls[:6]]  # one item: 6 judge prompts
    lp = eng.next_logprobs(seqs)
    a, b = eng.ids("A")[0], eng.ids("B")[0]
    assert _max_diff(ref[:6], [{"A": float(lp[r, a]), "B": float(lp[r, b])}
                               for r in range(6)]) < 1e-5
    # the prefix tree: the shared system prompt and question, and each answer's prefix,
    # computed once; nothing twice and no padding
    distinct = {tuple(s[:k]) for s in seqs for k in range(1, len(s) + 1)}
    assert eng.tokens_computed == len(distinct) < 0.7 * sum(map(len, seqs))
    if mode == "tree":
        assert eng.forward_passes <= 2  # the cached common prefix, then one packed pass
