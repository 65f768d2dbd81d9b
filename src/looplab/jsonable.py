"""Strict-JSON values: the one sanitiser behind every JSON looplab writes (CLI output, the
judge audit's report, the journal), since ``json.dumps`` writes NaN/inf as bare ``NaN`` /
``Infinity`` tokens that strict parsers reject."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def jsonable(x: Any) -> Any:
    """``x`` with NaN/inf floats replaced by None, numpy scalars by Python ones, tuples and arrays
    by lists, recursively through dicts and lists; anything else unchanged."""
    if isinstance(x, dict):
        return {k: jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return jsonable(x.tolist())
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x
