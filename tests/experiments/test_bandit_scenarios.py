"""The bandit-payments and bandit-linear scenarios: config validation, the result table,
summaries and the CLI's --json output."""

from __future__ import annotations

import json

import pytest

from looplab.cli import main
from looplab.experiments.config import ConfigError
from looplab.experiments.registry import load_scenario
from looplab.families.bandits import run_bandit, summarize_bandit


@pytest.mark.parametrize("name", ["bandit-payments", "bandit-linear"])
def test_builtin_scenarios_validate(name):
    cfg = load_scenario(name)
    assert cfg.kind == "bandit" and cfg.policies


@pytest.mark.parametrize("override, key", [
    (["retrain.window=0"], "retrain.window"),
    (["rounds=10"], "multiple of retrain.generation_rounds"),
    (["policies.squarecb.gamma_scale=-1"], "policies.squarecb"),
    (["world.availability=2"], "world"),
    (["policies.linucb.oracle.type=hgb"], "policies.linucb"),
    (["policies.nope.type=thompson"], "policies.nope"),
])
def test_bad_values_name_the_key(override, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_scenario("bandit-payments", override)


def test_hgb_oracle_with_online_learning_is_rejected():
    with pytest.raises(ConfigError, match="hgb oracle retrains only at generation"):
        load_scenario("bandit-payments", ["retrain.online=true"])


def test_payments_table_has_one_row_per_policy_generation_replicate():
    cfg = load_scenario("bandit-payments", [
        "rounds=12", "replicates=2", "world.n_transactions=100", "retrain.generation_rounds=3",
        "retrain.window=3",
    ])
    cfg = cfg.model_copy(update={"policies": {k: cfg.policies[k]
                                              for k in ("uniform", "squarecb", "greedy+older")}})
    frame = run_bandit(cfg)
    assert len(frame) == 3 * 4 * 2
    assert sorted(frame["round"].unique()) == [0, 1, 2, 3]
    s = summarize_bandit(frame, cfg)
    assert set(s) == {"uniform", "squarecb", "greedy+older"}
    assert s["uniform"]["propensity_entropy_mean"] > s["squarecb"]["propensity_entropy_mean"]
    assert s["squarecb"]["first_window_positive_rate_mean"] > 0.5


def test_cli_runs_bandit_linear_with_json(tmp_path, capsys):
    code = main(["run", "bandit-linear", "--rounds", "300", "--replicates", "2", "--set",
                 "retrain.generation_rounds=100", "--out", str(tmp_path / "r"), "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["policies"]) == {"uniform", "greedy", "epsilon_greedy", "linucb",
                                    "lints", "squarecb"}
    assert out["policies"]["linucb"]["final_reward_mean"] > 0.5
    assert (tmp_path / "r" / "plot.png").exists()


def test_cli_bad_override_exits_2(capsys):
    assert main(["run", "bandit-payments", "--set", "retrain.delay=-1"]) == 2
    assert "retrain.delay" in capsys.readouterr().err
