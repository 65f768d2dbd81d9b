"""Ranking metrics over batched candidate lists: order, nDCG@k, MAP@k, relative bias.

Every array has leading axes (S, N): S replicates, N lists; the last axis holds a list's
candidates. Ties are broken by a key the caller draws (so a tie favours neither side).
Definitions follow the ``metrics.py`` of Zhou et al.'s Rec_SourceBias code, with binary
relevance:
    nDCG@k = sum_{p<k} rel_(p) / log2(p + 2)  /  sum_{p<min(k, R)} 1 / log2(p + 2)
    MAP@k  = sum_{p<k} rel_(p) * (sum_{q<=p} rel_(q)) / (p + 1)  /  R
where rel_(p) is the relevance of the candidate at rank p (0 = top) and R the number of
relevant candidates in the list (MAP@k divides by R, not min(k, R), as that code does).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def rank_order(scores: np.ndarray, tiebreak: np.ndarray | None = None) -> np.ndarray:
    """Candidate indices sorted best first along the last axis; ``tiebreak`` (same shape,
    e.g. uniform draws) orders equal scores, else the lower index wins."""
    if tiebreak is None:
        return np.argsort(-scores, axis=-1, kind="stable")
    return np.lexsort((tiebreak, -scores), axis=-1)


def ranks_from_order(order: np.ndarray) -> np.ndarray:
    """The rank (0 = top) of every candidate, the inverse permutation of ``order``."""
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(order.shape[-1]), axis=-1)
    return ranks


def ndcg_map_at_k(
    order: np.ndarray, relevant: np.ndarray, ks: Iterable[int]
) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    """nDCG@k and MAP@k of every list (shape ``order.shape[:-1]``) for each k in ``ks``.

    ``relevant`` is a boolean mask over the candidates in their original positions. Lists
    without a relevant candidate score 0.
    """
    rel = np.take_along_axis(relevant, order, axis=-1).astype(np.float64)
    n = rel.shape[-1]
    n_rel = rel.sum(axis=-1)
    disc = 1.0 / np.log2(np.arange(n) + 2.0)
    prec = np.cumsum(rel, axis=-1) / (np.arange(n) + 1.0)
    ndcg: dict[int, np.ndarray] = {}
    mapk: dict[int, np.ndarray] = {}
    ideal_cum = np.concatenate([[0.0], np.cumsum(disc)])
    safe = np.maximum(n_rel, 1.0)
    for k in ks:
        if k <= 0:
            raise ValueError(f"k must be > 0, got {k}")
        kk = min(k, n)
        dcg = (rel[..., :kk] * disc[:kk]).sum(axis=-1)
        idcg = ideal_cum[np.minimum(n_rel, kk).astype(np.int64)]
        ndcg[k] = np.where(n_rel > 0, dcg / np.maximum(idcg, 1e-300), 0.0)
        mapk[k] = np.where(n_rel > 0, (rel[..., :kk] * prec[..., :kk]).sum(axis=-1) / safe, 0.0)
    return ndcg, mapk


def relative_bias(m_first: np.ndarray, m_second: np.ndarray) -> np.ndarray:
    """(M_1 - M_2) / mean(M_1, M_2) * 100, elementwise; 0 where both are 0.

    With M_1 = a metric crediting human-written items and M_2 the same metric crediting
    their AI-written copies, a negative value means the ranker favours AI-written items.
    """
    a = np.asarray(m_first, dtype=np.float64)
    b = np.asarray(m_second, dtype=np.float64)
    mean = (a + b) / 2.0
    return np.where(mean > 0, (a - b) / np.where(mean > 0, mean, 1.0) * 100.0, 0.0)
