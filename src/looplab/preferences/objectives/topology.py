"""Tree- versus chain-structured preference collection (Qiu et al. 2024, "Reward
Generalization in RLHF: A Topological Perspective").

Responses are built from D segments, ``r = (s_1 + ... + s_D) / sqrt(D)``. With the same
budget of 2^D responses and 2^D - 1 comparisons per context:

* chain: 2^D independent responses compared consecutively (r_1 vs r_2, r_2 vs r_3, ...);
* tree: the 2^D responses are the leaves of a binary prefix tree (siblings share every
  segment above their split), and each internal node compares a random leaf of its left
  subtree with a random leaf of its right subtree, so many comparisons differ only in
  their last segments.

The paper's claim: the tree topology lowers the variance of the learned reward (and raises
held-out accuracy) for the same number of comparisons. Reward-model training itself is
plain Bradley-Terry on the collected pairs. Default depth D = 3 (8 responses/context).
"""

from __future__ import annotations

import numpy as np

from looplab.preferences.data import FeatureTask, PairwiseData, PairwiseSource, label_pairs

TOPOLOGIES = ("tree", "chain")


def collect_pairs(
    task: FeatureTask, n_contexts: int, topology: str, source: PairwiseSource,
    rng: np.random.Generator, depth: int = 3,
) -> PairwiseData:
    """(2^depth - 1) comparisons per context, collected with ``topology``."""
    if topology not in TOPOLOGIES:
        raise ValueError(f"topology must be one of {', '.join(TOPOLOGIES)}; got {topology!r}")
    if depth < 1 or n_contexts < 1:
        raise ValueError(f"depth and n_contexts must be >= 1, got {depth}, {n_contexts}")
    L, rd = 2**depth, task.response_dim
    c = rng.standard_normal((n_contexts, task.context_dim))
    if topology == "chain":
        resp = rng.standard_normal((n_contexts, L, depth, rd)).sum(2) / np.sqrt(depth)
        ia, ib = np.arange(L - 1), np.arange(1, L)
        ra, rb = resp[:, ia], resp[:, ib]
    else:
        leaves = np.arange(L)
        resp = np.zeros((n_contexts, L, rd))
        for lvl in range(depth):  # segment at depth lvl is shared by leaves with equal prefix
            seg = rng.standard_normal((n_contexts, 2 ** (lvl + 1), rd))
            resp += seg[:, leaves >> (depth - 1 - lvl)]
        resp /= np.sqrt(depth)
        ia_l, ib_l = [], []
        for lvl in range(depth):  # internal nodes at depth lvl: prefixes q of length lvl
            span = 2 ** (depth - 1 - lvl)
            q = np.arange(2**lvl)
            ia_l.append(np.broadcast_to((2 * q) * span, (n_contexts, q.size))
                        + rng.integers(0, span, (n_contexts, q.size)))
            ib_l.append(np.broadcast_to((2 * q + 1) * span, (n_contexts, q.size))
                        + rng.integers(0, span, (n_contexts, q.size)))
        ia, ib = np.concatenate(ia_l, 1), np.concatenate(ib_l, 1)
        rows = np.arange(n_contexts)[:, None]
        ra, rb = resp[rows, ia], resp[rows, ib]
    cc = np.repeat(c[:, None, :], L - 1, axis=1)
    xa = task.features(cc, ra).reshape(-1, task.dim)
    xb = task.features(cc, rb).reshape(-1, task.dim)
    return label_pairs(task, xa, xb, source, rng)
