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
prompt-rewriting feedback would keep. ``run_local`` is one synthesis round.

``run_rounds`` is the multi-round loop at toy scale. DPO on the 135M model's weights does not
fit a CPU test budget, so the trained part of the target is its choice of instruction: the
target is the mixture pi_phi(y | q) = sum_s softmax(phi)_s p_LM(y | q, s) over the two
``STYLES``, with the language model p_LM fixed. Answers written under different styles
differ, so log pi_phi(y) / pi_ref(y) = log softmax(phi)_{s(y)} - log softmax(phi_ref)_{s(y)}
and the DPO loss of a pair (Rafailov et al. 2023) is exactly
-log sigma(beta [(log pi_phi - log pi_ref)(s_w) - (log pi_phi - log pi_ref)(s_l)]), with the
reference reset to the current phi each round (iterative DPO). p_LM(. | q, s) is
represented by ``per_style`` answers sampled once per (question, style); each round draws
``k`` answers per question from the mixture (a style from softmax(phi), then one of that
style's answers uniformly), judges them, pairs (best, worst) and updates phi. Bias per
round: ``p_verbose`` (the target's probability of the verbose instruction), ``words`` and
``correct`` (expected word count and reference-check accuracy of the target's answers,
exact over the answer bank), ``pair_acc`` and ``sel_words`` (the selection differential
of the chosen answers against the round's draws, mean over questions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from looplab.judges.items import PairItem
from looplab.judges.selection import (
    SelectionCheck,
    check_selection,
    differentials,
    text_features,
)

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


def answer_bank(client: Any, items: Sequence[PairItem], per_style: int, *,
                max_tokens: int = 48, temperature: float = 1.0, seed: int = 0
                ) -> list[list[list[str]]]:
    """[question][style][j]: ``per_style`` sampled answers per (question, style)."""
    if per_style < 1:
        raise ValueError(f"per_style must be >= 1, got {per_style}")
    return [[[client.chat(it.question, system=st, max_tokens=max_tokens,
                          temperature=temperature, seed=seed * 1000 + 2 * j + si).text.strip()
              for j in range(per_style)] for si, st in enumerate(STYLES)] for it in items]


def run_rounds(client: Any, items: Sequence[PairItem], rounds: int = 3, *, per_style: int = 2,
               k: int = 4, beta: float = 0.5, lr: float = 0.5, steps: int = 5,
               tool_weight: float = 10.0, seed: int = 0, max_tokens: int = 48
               ) -> dict[str, list[dict[str, float]]]:
    """Multi-round Anyprefer with ``client`` as target and self-judge, against the tool judge
    (module docstring): {judge: one dict per round 0..rounds (round t = before update t)}.
    Both judges see the same answer bank and the same draws (``policy`` stream of seed)."""
    from looplab.core.seeding import generator

    bank = answer_bank(client, items, per_style, max_tokens=max_tokens, seed=seed)
    G, n_st = len(items), len(STYLES)
    text = [a for q in bank for st in q for a in st]
    self_s = np.array([float(lp["Yes"]) - float(lp["No"]) for lp in (
        client.logprobs(JUDGE_PROMPT.format(q=items[g].question, a=a), ["Yes", "No"])
        for g in range(G) for st in bank[g] for a in st)]).reshape(G, n_st, per_style)
    corr = np.array([reference_check(items[g], a) for g in range(G) for st in bank[g]
                     for a in st], dtype=np.float64).reshape(G, n_st, per_style)
    words = text_features(text)["words"].reshape(G, n_st, per_style)
    scores = {"self": self_s, "tool": self_s + tool_weight * corr}
    out: dict[str, list[dict[str, float]]] = {}
    for judge, sc in scores.items():
        rng = generator(seed, "policy")  # the same draws for every judge
        phi = np.zeros(n_st)
        rows: list[dict[str, float]] = []
        for t in range(rounds + 1):
            pi = np.exp(phi - phi.max())
            pi /= pi.sum()
            row = {"round": float(t), "p_verbose": float(pi[1]),
                   "words": float((pi[None] * words.mean(-1)).sum(-1).mean()),
                   "correct": float((pi[None] * corr.mean(-1)).sum(-1).mean())}
            if t == rounds:
                rows.append(row)
                break
            u = rng.random((1, G, k, 2))[0]  # one replicate: the leading axis is 1
            style = (u[..., 0] > pi[0]).astype(np.int64)  # (G, k)
            j = np.minimum((u[..., 1] * per_style).astype(np.int64), per_style - 1)
            g_idx = np.arange(G)[:, None]
            s_d, c_d, w_d = sc[g_idx, style, j], corr[g_idx, style, j], words[g_idx, style, j]
            ch, rj = s_d.argmax(-1), s_d.argmin(-1)
            rows_g = np.arange(G)
            dec = c_d[rows_g, ch] != c_d[rows_g, rj]
            row["pair_acc"] = float(c_d[rows_g, ch][dec].mean()) if dec.any() else float("nan")
            with np.errstate(invalid="ignore"):
                d = differentials(w_d[None, ..., None], ch[None, :, None])[0, :, 0]
            row["sel_words"] = float(np.nanmean(d)) if np.isfinite(d).any() else float("nan")
            rows.append(row)
            sw, sl = style[rows_g, ch], style[rows_g, rj]
            ref = phi.copy()
            eye = np.eye(n_st)
            for _ in range(steps):  # iterative DPO on the style logits
                logp = phi - np.log(np.exp(phi - phi.max()).sum()) - phi.max()
                lref = ref - np.log(np.exp(ref - ref.max()).sum()) - ref.max()
                z = beta * ((logp - lref)[sw] - (logp - lref)[sl])
                p = np.exp(logp)
                gz = beta * (1.0 - 1.0 / (1.0 + np.exp(-z)))  # -dL/dz
                grad = gz[:, None] * ((eye[sw] - p) - (eye[sl] - p))
                phi = phi + lr * grad.mean(0)
        out[judge] = rows
    return out
