"""The result store: atomic Parquet + manifest, queried through a real DuckDB."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from looplab.experiments import store


def _frame(policy: str, n: int = 10) -> pd.DataFrame:
    return pd.DataFrame({"policy": policy, "round": range(n), "replicate": 0,
                         "reward": [float(i) for i in range(n)]})


def test_runs_are_queryable_through_duckdb(tmp_path):
    store.write_run(tmp_path / "a", _frame("ofs"), {"scenario": "s", "seed": 1})
    store.write_run(tmp_path / "b", _frame("ucb", 5), {"scenario": "s", "seed": 2})
    con = store.open_results(tmp_path, database=str(tmp_path / "q.duckdb"))
    rows = con.execute(
        "SELECT policy, count(*), sum(reward) FROM runs GROUP BY policy ORDER BY policy"
    ).fetchall()
    assert rows == [("ofs", 10, 45.0), ("ucb", 5, 10.0)]
    seeds = con.execute("SELECT seed FROM manifests ORDER BY seed").fetchall()
    assert seeds == [(1,), (2,)]


def test_a_crash_while_writing_leaves_previous_results_intact(tmp_path):
    out = tmp_path / "run"
    store.write_run(out, _frame("ofs"), {"v": 1})

    class Boom(pd.DataFrame):
        def to_parquet(self, *a, **k):  # simulates a crash halfway through the write
            with open(a[0], "wb") as fh:
                fh.write(b"PAR1 half a file")
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        store.write_run(out, Boom(_frame("ucb")), {"v": 2})
    assert pd.read_parquet(out / store.RESULTS_FILE)["policy"].unique().tolist() == ["ofs"]
    assert json.loads((out / store.MANIFEST_FILE).read_text()) == {"v": 1}
    assert [p.name for p in out.iterdir() if p.name.endswith(".tmp")] == []


def test_unfinished_runs_are_not_listed(tmp_path):
    (tmp_path / "half").mkdir()
    _frame("x").to_parquet(tmp_path / "half" / store.RESULTS_FILE)  # no manifest
    store.write_run(tmp_path / "done", _frame("ofs"), {"ok": True})
    con = store.open_results(tmp_path)
    assert con.execute("SELECT DISTINCT policy FROM runs").fetchall() == [("ofs",)]


def test_open_results_on_empty_folder_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="no finished runs"):
        store.open_results(tmp_path)
