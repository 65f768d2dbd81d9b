"""Greedy on a regression oracle: play the available action with the best predicted
reward, p = 1 for it (no exploration). The pure-exploitation end of the Adyen paper's
comparison: its logs contain only the actions it already believes best.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from looplab.policies.contextual import CBState, ContextualPolicy


class ContextualGreedy(ContextualPolicy):
    """Best predicted action, no exploration."""

    name: str = "greedy"
    deterministic: ClassVar[bool] = True

    def index(self, st: CBState, X: np.ndarray) -> np.ndarray:
        return self.oracle.predict(st.oracle, X)
