"""The command line: run, list, JSON output, and one-line errors on bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from looplab.cli import main
from looplab.experiments.store import open_results


def test_run_json_prints_the_documented_object_and_writes_results(tmp_path, capsys):
    out = tmp_path / "r"
    code = main(["run", "lending-synthetic", "--rounds", "60", "--replicates", "3",
                 "--seed", "4", "--out", str(out), "--json",
                 "--set", "world.n_applicants=100", "--set", "oracle.rounds=50"])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["scenario"] == "lending-synthetic"
    assert (payload["rounds"], payload["replicates"], payload["seed"]) == (60, 3, 4)
    assert set(payload["policies"]) == {"ofs", "ucb", "primal_dual", "oracle"}
    for stats in payload["policies"].values():
        for key in ("reward_mean", "steady_reward_mean", "cum_violation_mean", "regret_mean"):
            assert isinstance(stats[key], float)
    assert payload["out"] == str(out)
    frame = pd.read_parquet(out / "results.parquet")
    assert len(frame) == 4 * 60 * 3
    manifest = json.loads((out / "manifest.json").read_text())
    rec = manifest["record"]
    assert rec["seed"] == 4 and rec["config"]["world"]["n_applicants"] == 100
    assert "numpy" in rec["versions"] and "git_revision" in rec
    assert (out / "plot.png").stat().st_size > 0
    con = open_results(out)
    assert con.execute("SELECT count(DISTINCT policy) FROM runs").fetchone() == (4,)


def test_same_command_twice_gives_identical_results(tmp_path):
    args = ["run", "lending-synthetic", "--rounds", "40", "--replicates", "2", "--json",
            "--set", "world.n_applicants=80", "--set", "oracle.rounds=30"]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    assert main([*args, "--out", str(tmp_path / "b")]) == 0
    a = pd.read_parquet(tmp_path / "a" / "results.parquet")
    b = pd.read_parquet(tmp_path / "b" / "results.parquet")
    pd.testing.assert_frame_equal(a, b)


def test_table_output_on_a_terminal_less_run(tmp_path, capsys):
    code = main(["run", "lending-synthetic", "--rounds", "30", "--replicates", "2",
                 "--out", str(tmp_path / "t"), "--set", "oracle.rounds=20"])
    assert code == 0
    text = capsys.readouterr().out
    assert "ofs" in text and "regret" in text and "oracle" in text


def test_list_names_scenarios_and_policies(capsys):
    assert main(["list"]) == 0
    text = capsys.readouterr().out
    for name in ("lending-synthetic", "lending-german", "lending-compas", "ofs", "primal_dual"):
        assert name in text


@pytest.mark.parametrize(
    "args,needle",
    [
        (["run", "nope"], "unknown scenario 'nope'; allowed: "),
        (["run", "lending-synthetic", "--set", "world.bogus=1"], "unknown key 'world.bogus'"),
        (["run", "lending-synthetic", "--set", "world.epsilon=1.5"], "world.epsilon"),
        (["run", "lending-synthetic", "--set", "world.epsilon=0"], "world.epsilon"),
        (["run", "lending-synthetic", "--set", "world.n_applicants=abc"],
         "world.n_applicants"),
        (["run", "lending-synthetic", "--rounds", "0"], "rounds"),
        (["run", "lending-synthetic", "--replicates", "-2"], "replicates"),
        (["run", "lending-synthetic", "--set", "world.variant=mars"], "world.variant"),
        (["run", "lending-synthetic", "--set", "policies.x.type=magic"], "policies.x"),
        (["run", "lending-synthetic", "--set", "noequals"], "key=value"),
        (["run", "lending-synthetic", "--rounds", "abc"], "rounds"),
        (["run", "lending-synthetic", "--seeds", "3..1"], "--seeds"),
        (["run", "lending-synthetic", "--seeds", "0,x"], "--seeds"),
        (["run", "lending-synthetic", "--seeds", "0..2", "--seed", "1"], "--seeds"),
        (["run", "lending-synthetic", "--workers", "2"], "--workers"),
        (["run", "lending-synthetic", "--seeds", "0..2", "--workers", "0"], "--workers"),
        (["run", "lending-synthetic", "--seeds", "0..2", "--set", "world.epsilon=2"],
         "world.epsilon"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, args, needle):
    out = tmp_path / "never"
    code = main([*args, "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert needle in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()


def test_unknown_key_error_lists_allowed_keys(capsys):
    main(["run", "lending-synthetic", "--set", "world.bogus=1"])
    err = capsys.readouterr().err
    assert "epsilon" in err and "n_applicants" in err


def test_refuses_to_overwrite_a_finished_run(tmp_path, capsys):
    args = ["run", "lending-synthetic", "--rounds", "20", "--replicates", "1", "--json",
            "--set", "oracle.rounds=10", "--out", str(tmp_path / "o")]
    assert main(args) == 0
    capsys.readouterr()
    assert main(args) == 2
    assert "already holds a finished run" in capsys.readouterr().err


@pytest.mark.parametrize("cmd", [
    ["run", "lending-synthetic", "--rounds", "5"],
    ["audit-judge", "--judge", "reference:position=1", "--max-items", "2"],
])
def test_out_that_is_a_file_is_refused_before_any_work(tmp_path, capsys, cmd):
    target = tmp_path / "a-file"
    target.write_text("not a folder")
    assert main([*cmd, "--out", str(target)]) == 2
    err = capsys.readouterr().err
    assert "is a file, not a folder" in err and err.count("\n") == 1
    assert target.read_text() == "not a folder"


@pytest.mark.parametrize("spec", ["reference:position=nan", "reference:verbosity=1e400",
                                  "reference:seed=1.5"])
def test_non_finite_planted_bias_or_fractional_seed_is_refused(capsys, spec):
    assert main(["audit-judge", "--judge", spec, "--max-items", "2"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
