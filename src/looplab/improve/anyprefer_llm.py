"""Anyprefer's pair-synthesis step with a real language model as target and judge (the
harness the controlled world in ``looplab.improve.anyprefer`` abstracts).

For each question the target (any ``looplab.llm.LLMClient``: the local SmolLM2 or a served
model) writes ``k`` answers, half under a terse and half under a verbose instruction (the
two "prompt rewrites" the feedback step chooses between). A pointwise judge scores them and
the pair is (best, worst). Judges:

* ``self``: the target itself, score = log P("Yes") - log P("No") for "Is this answer
  correct?" (self-rewarding);
* ``tool``: the same judge plus a tool, an exact check of the question's reference answer
  in the text, which adds ``tool_weight`` when it matches (the tool sees the truth on the
  correctness feature only).

Reported per judge: pair accuracy against the reference check (chosen correct and rejected
not, among pairs where exactly one is correct), the selection check of the chosen answers
against the pool (``looplab.judges.selection``, text features), and the pair-quality reward
of each instruction (mean judge margin of the pairs drawn under it), which is what the
prompt-rewriting feedback would keep. No parameters are updated here: DPO on a 135M model
does not fit a CPU test budget, so the loop is one synthesis round.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from looplab.judges.items import PairItem
from looplab.judges.selection import SelectionCheck, check_selection, text_features

STYLES = ("Answer in one short sentence.",
          "Explain your answer in detail, step by step, then give the result.")
JUDGE_PROMPT = ("Question: {q}\nAnswer: {a}\n\nIs this answer correct? Reply Yes or No.")


def reference_check(item: PairItem, answer: str) -> bool:
    """The tool: does the answer contain the item's reference (short gold answer)?"""
    ref = (item.reference or item.better).strip().rstrip(".")
    return ref.lower() in answer.lower()


@dataclass(frozen=True)
class SynthesisResult:
    """One judge's pairs: ``chosen``/``rejected`` (G,) indices into the k answers,
    ``pair_acc`` (share of decidable pairs ordered right, NaN if none), ``n_decidable``,
    ``selection`` (the check of the chosen answers), ``style_margin`` {instruction index:
    mean margin of pairs whose chosen answer was written under it}."""

    chosen: np.ndarray
    rejected: np.ndarray
    pair_acc: float
    n_decidable: int
    selection: SelectionCheck
    style_margin: dict[int, float]


def generate_pool(client: Any, items: Sequence[PairItem], k: int, *, max_tokens: int = 48,
                  temperature: float = 1.0, seed: int = 0) -> list[list[str]]:
    """k answers per question: answer j under instruction ``STYLES[j % 2]``, sampled with
    seed ``seed * 1000 + j``."""
    if k < 2:
        raise ValueError(f"k must be >= 2, got {k}")
    return [[client.chat(it.question, system=STYLES[j % 2], max_tokens=max_tokens,
                         temperature=temperature, seed=seed * 1000 + j).text.strip()
             for j in range(k)] for it in items]


def self_scores(client: Any, items: Sequence[PairItem], pool: list[list[str]]) -> np.ndarray:
    """(G, k) log P(Yes) - log P(No) from the client as judge."""
    out = np.empty((len(items), len(pool[0])))
    for g, (it, row) in enumerate(zip(items, pool, strict=True)):
        for j, a in enumerate(row):
            lp = client.logprobs(JUDGE_PROMPT.format(q=it.question, a=a), ["Yes", "No"])
            out[g, j] = float(lp["Yes"]) - float(lp["No"])
    return out


def synthesize(items: Sequence[PairItem], pool: list[list[str]], scores: np.ndarray
               ) -> SynthesisResult:
    """Pairs (argmax, argmin of ``scores``) and their diagnostics (see the class)."""
    G, k = scores.shape
    correct = np.array([[reference_check(it, a) for a in row]
                        for it, row in zip(items, pool, strict=True)])
    ch, rj = scores.argmax(-1), scores.argmin(-1)
    rows = np.arange(G)
    dec = correct[rows, ch] != correct[rows, rj]
    acc = float(correct[rows, ch][dec].mean()) if dec.any() else float("nan")
    flat = text_features([a for row in pool for a in row])
    feats = {n: v.reshape(G, k) for n, v in flat.items()}
    feats["position"] = np.tile(np.arange(k, dtype=np.float64), (G, 1))
    feats["verbose_style"] = np.tile((np.arange(k) % 2).astype(np.float64), (G, 1))
    sel = check_selection(feats, ch[:, None])
    margin = scores[rows, ch] - scores[rows, rj]
    style = {s: float(margin[ch % 2 == s].mean()) if (ch % 2 == s).any() else float("nan")
             for s in (0, 1)}
    return SynthesisResult(ch, rj, acc, int(dec.sum()), sel, style)


def run_local(client: Any, items: Sequence[PairItem], k: int = 4, *, tool_weight: float = 10.0,
              seed: int = 0, max_tokens: int = 48) -> dict[str, SynthesisResult]:
    """One synthesis round with ``client`` as target and self-judge, and the tool judge."""
    pool = generate_pool(client, items, k, max_tokens=max_tokens, seed=seed)
    s = self_scores(client, items, pool)
    tool = s + tool_weight * np.array([[reference_check(it, a) for a in row]
                                       for it, row in zip(items, pool, strict=True)])
    return {"self": synthesize(items, pool, s), "tool": synthesize(items, pool, tool)}
