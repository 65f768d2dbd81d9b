"""The COS(M+O)S harness with a language model: a scripted client (quick) and the local
SmolLM2 (marker ``model``; numbers reported, not asserted beyond sanity)."""

from __future__ import annotations

import hashlib
import time

import numpy as np
import pytest

from looplab.improve.cosmos_llm import STEP_STYLES, first_sentence, orpo_styles, run


def _u(text: str) -> float:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little") / 2**32


class ScriptedClient:
    """Style 2 writes long sentences; ratings and coherence are pseudo-random in the text
    and do not depend on length, so only a verbosity-biased judge prefers long stories."""

    class _R:
        def __init__(self, text: str) -> None:
            self.text = text

    def chat(self, story, *, system, max_tokens, temperature, seed):
        style = STEP_STYLES.index(system)
        body = ("then it rained", "but the map was a lie",
                "and the old road wound on past the hills, the mills and the quiet farms")
        return self._R(f"Step {seed} {body[style]}. More text here.")

    def logprobs(self, prompt, candidates, system=None):
        if candidates == ["Yes", "No"]:
            return {"Yes": -2.0 * _u(prompt), "No": -1.0}
        return {c: -len(c.split()) * (1.0 + 3.0 * _u(c)) for c in candidates}


def test_first_sentence():
    assert first_sentence("  One two.  Three! ") == "One two."
    assert first_sentence("no end mark") == "no end mark"


def test_orpo_moves_toward_the_chosen_style():
    phi = orpo_styles(np.zeros(3), [(1, 0), (1, 2)])
    assert phi.argmax() == 1 and np.isclose(phi.sum(), 0.0)


def test_scripted_loop_and_the_verbosity_judge_is_caught():
    prompts = [f"Prompt {i} begins." for i in range(6)]
    rows = run(ScriptedClient(), prompts, rounds=2, depth=2, branching=2, simulations=6,
               verbosity=1.0)
    assert [r["round"] for r in rows] == [0, 1]
    for r in rows:
        assert np.isclose(sum(r["styles"]), 1.0, atol=1e-3)
        assert np.isfinite(r["search_value"]) and np.isfinite(r["single_value"])
    assert rows[0]["sel_words_verbose"] > 0.5
    assert rows[0]["sel_words_debiased"] < rows[0]["sel_words_verbose"] - 0.5
    again = run(ScriptedClient(), prompts, rounds=2, depth=2, branching=2, simulations=6,
                verbosity=1.0)
    assert repr(rows) == repr(again)


@pytest.mark.model
def test_smollm2_cosmos_loop(tmp_path):
    """Two story prompts, depth 2, 2 simulations, 1 round with SmolLM2 as step generator,
    value model (surprisal + coherence) and judge: the loop runs end to end on a real model
    (kept small for CI; the closing note reports a 2-round, 3-simulation run)."""
    from looplab.llm import LLMClient

    t0 = time.time()
    client = LLMClient.local(cache=tmp_path / "cache")
    rows = run(client, rounds=1, depth=2, branching=2, simulations=2, max_tokens=12)
    for r in rows:
        assert np.isclose(sum(r["styles"]), 1.0, atol=1e-3)
        print({k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()})
    print(f"{time.time() - t0:.1f}s")
