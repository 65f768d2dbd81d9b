"""Every built-in scenario gives the same summary and the same result table as on the commit
before the architecture change (issue 11): a structural change must not move a number."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from tests.golden.cases import ADDED_METRICS, CASES, SEEDS
from tests.golden.generate import DATA, run_case

pytestmark = pytest.mark.slow


def _stem(key: str) -> str:
    for suffix in ("_mean", "_ci_low", "_ci_high"):
        if key.endswith(suffix):
            return key[: -len(suffix)]
    return key


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_scenario_matches_golden_summary_and_results(name: str, seed: int, tmp_path: Path):
    summary, frame = run_case(name, seed, tmp_path / "run")
    golden = json.loads((DATA / f"{name}-{seed}.json").read_text())
    assert sorted(summary) == sorted(golden)
    for arm, row in golden.items():
        extra = {k for k in set(summary[arm]) - set(row) if _stem(k) not in ADDED_METRICS}
        assert set(row) <= set(summary[arm]) and not extra, (arm, extra)
        diff = {k: (summary[arm][k], v) for k, v in row.items() if not _same(summary[arm][k], v)}
        assert not diff, f"{arm}: {diff}"
    expected = pd.read_parquet(DATA / f"{name}-{seed}.parquet")
    pd.testing.assert_frame_equal(
        frame[expected.columns].reset_index(drop=True), expected, check_exact=True
    )
