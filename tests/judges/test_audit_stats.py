"""The audit's McNemar test against statsmodels' exact McNemar (which it replaced)."""

from __future__ import annotations

import numpy as np
import pytest

from looplab.judges.audit import mcnemar_p


def test_exact_mcnemar_equals_statsmodels():
    sm = pytest.importorskip("statsmodels.stats.contingency_tables")
    rng = np.random.default_rng(0)
    for _ in range(20):
        pb = rng.choice([0.0, 0.5, 1.0], size=60, p=[0.3, 0.1, 0.6])
        pw = rng.choice([0.0, 0.5, 1.0], size=60, p=[0.5, 0.1, 0.4])
        keep = np.isin(pb, (0.0, 1.0)) & np.isin(pw, (0.0, 1.0))
        a, b = pb[keep], pw[keep]
        table = [[np.sum((a == 1) & (b == 1)), np.sum((a == 1) & (b == 0))],
                 [np.sum((a == 0) & (b == 1)), np.sum((a == 0) & (b == 0))]]
        assert mcnemar_p(pb, pw) == pytest.approx(sm.mcnemar(table, exact=True).pvalue,
                                                  rel=1e-12)
    assert mcnemar_p(np.ones(5), np.ones(5)) == 1.0
