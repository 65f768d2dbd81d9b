"""looplab compare: per-policy intervals and paired differences through DuckDB."""

from __future__ import annotations

import json

import numpy as np
import pytest

from looplab.cli import main
from looplab.experiments.compare import compare, unit_values
from looplab.experiments.config import ConfigError


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("cmp")
    for seed in (0, 1):
        assert main(["run", "lending-synthetic", "--rounds", "80", "--replicates", "3",
                     "--seed", str(seed), "--out", str(root / f"s{seed}"), "--json",
                     "--set", "oracle.rounds=40", "--set", "world.n_applicants=100"]) == 0
    return root


def test_units_are_seed_by_replicate_and_cumulative_metrics_read_the_last_round(two_runs):
    u = unit_values(two_runs, "cum_violation")
    assert len(u) == 4 * 2 * 3  # policies x seeds x replicates
    per_round = unit_values(two_runs, "violation")
    merged = u.merge(per_round, on=["scenario", "policy", "seed", "replicate"])
    # the final cumulative violation is the per-round mean times the number of rounds
    assert np.allclose(merged["value_x"], merged["value_y"] * 80)


def test_paired_difference_matches_the_difference_of_means(two_runs):
    table = compare(two_runs, metric="reward", baseline="oracle")
    ofs = table[table["policy"] == "ofs"].iloc[0]
    orc = table[table["policy"] == "oracle"].iloc[0]
    assert ofs["n_pairs"] == 6
    assert np.isclose(ofs["diff"], ofs["mean"] - orc["mean"])
    assert ofs["diff_ci_low"] <= ofs["diff"] <= ofs["diff_ci_high"]
    assert 0 <= ofs["p_value"] <= 1


def test_unknown_metric_or_baseline_names_the_allowed_values(two_runs):
    with pytest.raises(ConfigError, match=r"allowed: .*cum_violation"):
        compare(two_runs, metric="nope")
    with pytest.raises(ConfigError, match=r"allowed: oracle, ofs, primal_dual, ucb|allowed: .*ofs"):
        compare(two_runs, baseline="nope")
    with pytest.raises(ConfigError, match=r"unknown --by 'world.nope'; these runs have no grid"):
        compare(two_runs, by=["world.nope"])


def test_compare_cli_json(two_runs, capsys):
    assert main(["compare", str(two_runs), "--metric", "cum_violation", "--baseline", "ucb",
                 "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["policy"] for r in rows} == {"ofs", "ucb", "primal_dual", "oracle"}
    assert all(r["n"] == 6 for r in rows)


def test_compare_on_missing_folder_is_one_line_exit_2(tmp_path, capsys):
    assert main(["compare", str(tmp_path / "none")]) == 2
    assert capsys.readouterr().err.count("\n") == 1
