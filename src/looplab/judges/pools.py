"""Candidate pools for judge-driven selection: per question K answers of known quality
with random judge-irrelevant surface cues, scored pointwise by a judge.

A pool is the world of a best-of-n experiment: for every item, candidate k is the item's
better answer with probability ``p_better`` (else the worse one), and each answer-place cue
of the catalogue (verbosity padding, authority, distraction, reflection, sentiment) is put
on it independently with probability ``cue_rate``. The cues are independent of quality by
construction, so a judge that only sees quality leaves their selection differentials at
zero. ``utility`` turns a planted pairwise ``ReferenceJudge`` into a pointwise score: its
log-odds is additive, logit(a, b) = u(a) - u(b), so u(a) = logit(a, anchor) for a fixed
anchor answer; best-of-n with Gumbel noise on u is the Plackett-Luce / Bradley-Terry
choice of that judge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from looplab.judges.injectors import Cue, load_cues
from looplab.judges.items import ItemIndex, PairItem
from looplab.judges.reference import ReferenceJudge


@dataclass(frozen=True)
class TextPool:
    """``texts[g][k]`` answers to ``questions[g]``; ``quality`` (G, K) is 1 for the better
    answer, 0 for the worse; ``cued[name]`` (G, K) records which candidate carries which cue
    (the world's bookkeeping, never given to the selection check)."""

    questions: tuple[str, ...]
    texts: tuple[tuple[str, ...], ...]
    quality: np.ndarray
    cued: dict[str, np.ndarray]

    @property
    def shape(self) -> tuple[int, int]:
        return self.quality.shape  # type: ignore[return-value]


def make_pool(items: list[PairItem], k: int, rng: np.random.Generator, *,
              p_better: float = 0.5, cue_rate: float = 0.3,
              cues: dict[str, Cue] | None = None) -> TextPool:
    """A pool of ``k`` candidates per item (see the module docstring)."""
    if k < 2:
        raise ValueError(f"k must be >= 2, got {k}")
    if not 0.0 <= p_better <= 1.0 or not 0.0 <= cue_rate <= 1.0:
        raise ValueError("p_better and cue_rate must be in [0, 1]")
    cat = {n: c for n, c in (cues or load_cues()).items() if c.place == "answer"}
    G = len(items)
    better = rng.random((G, k)) < p_better
    on = {n: rng.random((G, k)) < cue_rate for n in cat}
    texts = []
    for g, it in enumerate(items):
        row = []
        for j in range(k):
            text = it.better if better[g, j] else it.worse
            for n, cue in cat.items():
                if on[n][g, j]:
                    idx = rng.choice(len(cue.cues), size=min(cue.n, len(cue.cues)),
                                     replace=False)
                    text = cue.on_answer(text, tuple(cue.cues[int(i)] for i in idx))
            row.append(text)
        texts.append(tuple(row))
    return TextPool(tuple(it.question for it in items), tuple(texts),
                    better.astype(np.float64), {n: v.astype(np.float64) for n, v in on.items()})


def utility(judge: ReferenceJudge, pool: TextPool, items: list[PairItem]) -> np.ndarray:
    """(G, K) pointwise utility of every candidate under a planted reference judge: its
    log-odds against the item's bare worse answer."""
    return np.array([[judge.logit_a(q, a, it.worse) for a in row]
                     for q, row, it in zip(pool.questions, pool.texts, items, strict=True)])


def best_of_n_choice(u: np.ndarray, rng: np.random.Generator, noise: float = 1.0
                     ) -> np.ndarray:
    """(G, 1) index of the best candidate by ``u`` + ``noise`` x Gumbel (``noise=1``: the
    judge's Bradley-Terry choice among K; 0: a deterministic argmax)."""
    g = rng.gumbel(size=u.shape) if noise > 0 else 0.0
    return (u + noise * g).argmax(-1)[:, None]


__all__ = ["ItemIndex", "TextPool", "best_of_n_choice", "make_pool", "utility"]
