"""Anyprefer's synthesis step with a language model: a scripted client (quick) and the
local SmolLM2 (marker ``model``; numbers reported, not asserted beyond sanity)."""

from __future__ import annotations

import math
import time
from types import SimpleNamespace

import numpy as np
import pytest

from looplab.improve.anyprefer_llm import STYLES, reference_check, run_local
from looplab.judges import load_items

ARITH = [it for it in load_items() if it.category == "arithmetic"]


class ScriptedClient:
    """Terse answers are right half the time, verbose ones are always wrong; as a judge it
    likes long answers (a verbosity-biased self-judge)."""

    def chat(self, question, *, system, max_tokens, temperature, seed):
        it = next(i for i in ARITH if i.question == question)
        if system == STYLES[0]:
            return SimpleNamespace(text=it.better if seed % 4 == 0 else it.worse)
        return SimpleNamespace(text=f"Let us work through it carefully. {it.worse} "
                               "That is the final result, explained step by step.")

    def logprobs(self, prompt, candidates):
        n = len(prompt.split("Answer:")[1].split())
        return {"Yes": -1.0 + 0.05 * n, "No": -1.0}


def test_verbosity_biased_self_judge_is_flagged_and_the_tool_fixes_the_pairs():
    res = run_local(ScriptedClient(), ARITH, k=4)
    assert "words" in res["self"].selection.flagged
    assert res["self"].pair_acc == 0.0  # it always prefers the long wrong answer
    assert res["tool"].pair_acc == 1.0
    assert "words" not in res["tool"].selection.flagged
    assert res["self"].style_margin[1] > 0 and math.isnan(res["self"].style_margin[0])


def test_reference_check_reads_the_gold_answer():
    it = ARITH[0]
    assert reference_check(it, it.better) and not reference_check(it, it.worse)


@pytest.mark.model
def test_smollm2_synthesis_round(tmp_path):
    from looplab.llm import LLMClient

    t0 = time.time()
    client = LLMClient.local(cache=tmp_path / "cache")
    res = run_local(client, ARITH[:2], k=2, max_tokens=16)
    for name, r in res.items():
        assert r.chosen.shape == (2,) and 0 <= r.n_decidable <= 2
        assert np.isnan(r.pair_acc) or 0.0 <= r.pair_acc <= 1.0
        print(name, "pair_acc", r.pair_acc, "decidable", r.n_decidable,
              {row["feature"]: round(row["differential"], 3) for row in r.selection.table()})
    print(f"{time.time() - t0:.1f}s")
