"""Helpers for state trees whose arrays carry a leading replicate axis."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np


def map_replicates(tree: Any, fn: Any) -> Any:
    """Apply ``fn`` to every array in a dataclass / dict / tuple tree; scalars pass through."""
    if isinstance(tree, np.ndarray):
        return fn(tree)
    if dataclasses.is_dataclass(tree) and not isinstance(tree, type):
        return dataclasses.replace(
            tree,
            **{f.name: map_replicates(getattr(tree, f.name), fn) for f in dataclasses.fields(tree)},
        )
    if isinstance(tree, dict):
        return {k: map_replicates(v, fn) for k, v in tree.items()}
    if isinstance(tree, tuple):
        return tuple(map_replicates(v, fn) for v in tree)
    return tree


def tile_replicates(tree: Any, k: int) -> Any:
    """Stack ``k`` copies of every replicate: new index ``j * S + s`` is copy ``j`` of ``s``."""
    return map_replicates(tree, lambda a: np.concatenate([a] * k, axis=0))
