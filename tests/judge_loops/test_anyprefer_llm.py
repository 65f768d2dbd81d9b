"""Anyprefer's synthesis step with a language model: a scripted client (quick) and the
local SmolLM2 (marker ``model``; numbers reported, not asserted beyond sanity)."""

from __future__ import annotations

import math
import time
from types import SimpleNamespace

import numpy as np
import pytest

from looplab.improve.anyprefer_llm import STYLES, reference_check, run_local, run_rounds
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


def test_multi_round_self_judge_amplifies_verbosity_and_the_tool_reverses_it():
    """Scripted target: its verbose answers are long and wrong; the self-judge likes length,
    so iterative DPO on its pairs pushes the target toward the verbose instruction round
    after round. The tool judge orders every decidable pair right; where no drawn answer is
    correct it falls back on the self-judge's length preference, so it drifts far less."""
    res = run_rounds(ScriptedClient(), ARITH, rounds=3, k=4)
    pv = {j: [r["p_verbose"] for r in rows] for j, rows in res.items()}
    assert pv["self"][0] == pv["tool"][0] == 0.5
    assert all(b > a for a, b in zip(pv["self"], pv["self"][1:], strict=False))
    assert pv["self"][-1] - pv["tool"][-1] > 0.2
    assert res["self"][-1]["words"] > res["tool"][-1]["words"] > res["self"][0]["words"]
    assert res["self"][0]["sel_words"] > 0.5 > res["tool"][0]["sel_words"]
    assert res["tool"][0]["pair_acc"] == 1.0 and res["self"][0]["pair_acc"] == 0.0
    assert res["self"][-1]["correct"] < res["tool"][-1]["correct"]
    assert repr(res) == repr(run_rounds(ScriptedClient(), ARITH, rounds=3, k=4))  # NaN-safe


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


@pytest.mark.model
def test_smollm2_multi_round(tmp_path):
    """Anyprefer rounds with SmolLM2 as target and self-judge on 2 arithmetic questions
    (bias per round printed; the numbers are reported, not asserted beyond sanity; kept
    small for CI, the closing note reports a 3-question, 3-round run)."""
    from looplab.llm import LLMClient

    t0 = time.time()
    client = LLMClient.local(cache=tmp_path / "cache")
    res = run_rounds(client, ARITH[:2], rounds=2, per_style=2, k=4, max_tokens=24)
    for judge, rows in res.items():
        assert len(rows) == 3 and all(0.0 <= r["p_verbose"] <= 1.0 for r in rows)
        for r in rows:
            print(judge, {k: round(v, 3) for k, v in r.items()})
    print(f"{time.time() - t0:.1f}s")
