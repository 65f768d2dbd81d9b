"""The echo-chamber experiment: table shape, stages, arms, determinism, summary, CLI and
one-line errors on bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from looplab.cli import main
from looplab.experiments.registry import load_scenario
from looplab.families.recsys import (
    CLAIMS,
    check_claims,
    progress_total,
    run_echo_chamber,
    summarize_echo_chamber,
)
from looplab.worlds.recsys import SourceRankingMonitor

TINY = [
    "rounds=3", "replicates=2", "world.n_users=80", "world.n_items=300", "world.dim=8",
    "world.positives_per_user=12",
]


@pytest.fixture(scope="module")
def tiny():
    cfg = load_scenario("echo-chamber-synthetic", TINY)
    return cfg, run_echo_chamber(cfg)


def test_one_row_per_arm_stage_and_replicate(tiny):
    cfg, frame = tiny
    assert len(frame) == 2 * 3 * 2
    assert set(frame["policy"]) == {"baseline", "debiased"}
    assert sorted(frame["round"].unique()) == [0, 1, 2]
    for name in (*SourceRankingMonitor.names, "aigc_click_share", "train_aigc_share", "phase"):
        assert name in frame and frame[name].notna().all()
    # the first deployed recommender was trained on the human-era log only (phase 0)
    assert (frame.loc[frame["round"] == 0, "train_aigc_share"] == 0).all()
    assert progress_total(cfg) == (3 + 1) * 2


def test_arms_share_the_world_instance_and_differ_only_by_the_remedy(tiny):
    _, frame = tiny
    b = frame[frame["policy"] == "baseline"].reset_index(drop=True)
    d = frame[frame["policy"] == "debiased"].reset_index(drop=True)
    assert not np.allclose(b["aigc_preferred"], d["aigc_preferred"])


def test_same_config_and_seed_give_identical_tables(tiny):
    cfg, frame = tiny
    pd.testing.assert_frame_equal(frame, run_echo_chamber(cfg))


def test_summary_reports_first_and_last_stage_per_arm(tiny):
    cfg, frame = tiny
    s = summarize_echo_chamber(frame, cfg)
    for arm in ("baseline", "debiased"):
        first = frame[(frame["policy"] == arm) & (frame["round"] == 0)]["aigc_click_share"]
        assert s[arm]["aigc_share_first_mean"] == pytest.approx(first.mean())
        for key in ("aigc_share_last", "rel_bias_ndcg5_last", "ndcg5_mixed_last"):
            assert {f"{key}_mean", f"{key}_ci_low", f"{key}_ci_high"} <= set(s[arm])
    claims = check_claims(s)
    assert [c["id"] for c in claims] == [c.id for c in CLAIMS]
    assert all(isinstance(c["held"], bool) for c in claims)


def test_run_json_prints_per_arm_summary(tmp_path, capsys):
    out = tmp_path / "r"
    args = ["run", "echo-chamber-synthetic", "--json", "--out", str(out)]
    assert main(args + [x for t in TINY for x in ("--set", t)]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert set(payload["policies"]) == {"baseline", "debiased"}
    for row in payload["policies"].values():
        assert 0.0 <= row["aigc_share_first_mean"] <= 1.0
        assert 0.0 <= row["ndcg5_mixed_last_mean"] <= 1.0
    assert len(pd.read_parquet(out / "results.parquet")) == 2 * 3 * 2


@pytest.mark.parametrize(
    "override, words",
    [
        ("world.initial_aigc_share=1.2", ["world.initial_aigc_share"]),
        ("world.eta=-0.5", ["world.eta"]),
        ("world.n_items=4", ["n_items", "candidates"]),
        ("debias.rewrite_prob=2", ["debias.rewrite_prob"]),
        ("arms=[\"baseline\",\"oracle\"]", ["arms"]),
    ],
)
def test_bad_input_is_one_line_naming_the_field_and_exit_code_2(override, words, capsys):
    code = main(["run", "echo-chamber-synthetic", "--set", override])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err and err.startswith("looplab: error:")
    for w in words:
        assert w in err
