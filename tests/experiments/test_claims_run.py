"""Claims over seeds: seed/override parsing, the per-claim verdict table, and the sweep-
backed runner on a tiny scenario (the CLI command too)."""

from __future__ import annotations

import json

import pytest

from looplab.cli import main
from looplab.experiments import claims as C
from looplab.experiments.claims_run import (
    claims_over_seeds,
    evaluate_claims,
    parse_overrides,
    parse_seeds,
)
from looplab.experiments.config import ConfigError


def test_parse_seeds_ranges_and_lists():
    assert parse_seeds("0..4") == [0, 1, 2, 3, 4]
    assert parse_seeds("3,5..6") == [3, 5, 6]
    for bad in ("4..1", "a", "1,1"):
        with pytest.raises(ConfigError, match="--seeds"):
            parse_seeds(bad)


def test_parse_overrides_types():
    assert parse_overrides(["rounds=30", "world.variant=german", "x=true"]) == {
        "rounds": 30, "world.variant": "german", "x": True}
    with pytest.raises(ConfigError, match="key=value"):
        parse_overrides(["rounds"])


def _summary(x: float) -> dict:
    return {"a": {"m_mean": x}, "b": {"m_mean": 0.0}}


def test_rules_decide_differently_on_the_same_values():
    """4 of 5 seeds above the margin: "most_seeds" passes; the pooled interval, pulled down
    by the fifth seed, does not clear the margin, so "pooled" fails."""
    vals = [1.0, 1.1, 0.9, 1.05, -3.0]
    rows = []
    for rule in ("most_seeds", "pooled"):
        claim = C.Claim(f"c-{rule}", "a beats b", "test", C.diff("a", "m", "b"), ">=", 0.5,
                        rule=rule)
        rows.append(claims_over_seeds([claim], "sc", [_summary(v) for v in vals]))
    most, pooled = rows[0].iloc[0], rows[1].iloc[0]
    assert most["n_held"] == 4 and most["held"] and most["verdict"] == "holds"
    assert not pooled["held"] and pooled["ci_low"] < 0.5
    assert pooled["per_seed"] == [True, True, True, True, False]


def test_too_few_seeds_never_pass_and_recorded_failures_are_marked():
    claim = C.Claim("c", "s", "t", C.value("a", "m"), ">=", 0.0, not_reproduced=("*",))
    row = claims_over_seeds([claim], "sc", [_summary(1.0)] * 3).iloc[0]
    assert not row["held"] and row["verdict"] == "fails (recorded: not reproduced)"


def test_evaluate_claims_on_a_tiny_lending_run(tmp_path):
    ov = ["rounds=60", "replicates=2", "oracle.rounds=40"]
    table = evaluate_claims(["lending-synthetic"], [0, 1, 2, 3, 4], ov, out=tmp_path,
                            workers=1)
    assert set(table["claim"]) >= {"ofs-violation-half", "ofs-near-oracle"}
    assert (table["seeds"] == 5).all()
    assert "dynamics-move-group-b-score" not in set(table["claim"])  # no score metric
    again = evaluate_claims(["lending-synthetic"], [0, 1, 2, 3, 4], ov, out=tmp_path,
                            workers=1)  # finished seed runs are reused: same numbers
    assert again["values"].tolist() == table["values"].tolist()


def test_cli_claims_json(tmp_path, capsys):
    rc = main(["claims", "lending-synthetic", "--seeds", "0..4", "--set", "rounds=60",
               "--set", "replicates=2", "--set", "oracle.rounds=40", "--workers", "1",
               "--out", str(tmp_path), "--json"])
    assert rc == 0
    recs = json.loads(capsys.readouterr().out)
    assert {r["rule"] for r in recs} <= {"most_seeds", "pooled"}
    assert all(len(r["per_seed"]) == 5 for r in recs)
