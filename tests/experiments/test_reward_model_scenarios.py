"""The reward-model scenarios through the CLI: JSON summary per objective, bad input."""

import json

from looplab.cli import main


def test_observational_scenario_reports_per_objective_metrics(tmp_path, capsys):
    code = main(["run", "rm-observational-feedback", "--json", "--replicates", "2",
                 "--set", "data.n_train=600", "--set", "data.n_test=300",
                 "--out", str(tmp_path / "obs")])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["policies"]) == {"naive", "ips", "noise_aware", "causalrm"}
    for row in out["policies"].values():
        for m in ("accuracy", "spearman", "consistency", "auroc"):
            assert 0.0 <= row[f"{m}_mean"] <= 1.0 or m == "spearman"
        assert row["gap_mean"] is None  # no loop in the static mode
    assert (tmp_path / "obs" / "plot.png").exists()


def test_loop_scenario_reports_gap_and_true_reward(tmp_path, capsys):
    code = main(["run", "rm-optimization-loop", "--json", "--rounds", "2", "--replicates", "1",
                 "--set", "loop.prompts=8", "--set", "loop.candidates=6",
                 "--out", str(tmp_path / "loop")])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["policies"]) == {"naive", "causalrm", "unbiased"}
    assert all(isinstance(r["gap_mean"], float) for r in out["policies"].values())


def test_bad_scenario_values_are_one_line_errors(tmp_path, capsys):
    assert main(["run", "rm-noisy-feedback", "--set", "arms.bt.objective=dpo",
                 "--out", str(tmp_path / "a")]) == 2
    assert "unknown objective 'dpo'" in capsys.readouterr().err
    assert main(["run", "rm-noisy-feedback", "--set", "arms.bt.objective=causalrm",
                 "--out", str(tmp_path / "b")]) == 2
    assert "needs pointwise feedback" in capsys.readouterr().err
    assert main(["run", "rm-noisy-feedback", "--set", "feedback.flip_rate=0.7",
                 "--out", str(tmp_path / "c")]) == 2
    assert "feedback.flip_rate" in capsys.readouterr().err
