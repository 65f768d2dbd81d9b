"""RationalRewards (PARROT critique model vs scalar BT; generate-critique-refine) on the
controlled world. Its claims are rows of the judge-loop family's claims table, decided on
the ``judge-rationalrewards`` scenario in ``test_family.py``."""

from __future__ import annotations

import numpy as np

from looplab.judges.rational_rewards import RationalWorld, run_rational


def test_deterministic_and_filter_keeps_most_rationales():
    a, b = run_rational(RationalWorld(), 2, 3), run_rational(RationalWorld(), 2, 3)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert np.all((a["kept"] > 0.7) & (a["kept"] < 1.0))
