"""The retrieval-kair scenario through the CLI: JSON output, determinism, bad input as one
line, and an interrupted run that keeps the questions already answered."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pandas as pd
import pytest

from looplab.cli import main
from looplab.experiments.config import ConfigError
from looplab.experiments.registry import load_scenario
from looplab.families import retrieval as R

SMALL = ["--set", "data.world.questions_per_hop=2", "--set", "rounds=8"]
DATA = Path(__file__).parents[1] / "agents" / "data"


def small_cfg(**over: str) -> R.RetrievalScenario:
    sets = ["data.world.questions_per_hop=3", "rounds=12", "replicates=2"]
    sets += [f"{k}={v}" for k, v in over.items()]
    return load_scenario("retrieval-kair", sets)  # type: ignore[return-value]


def test_run_json_reports_every_arm_and_writes_per_question_rows(tmp_path, capsys):
    out = tmp_path / "r"
    code = main(["run", "retrieval-kair", "--replicates", "2", "--json", "--out", str(out),
                 *SMALL])
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    arms = {"single_step", "conventional", "conventional_gen", "kair", "kair_2", "kair_3",
            "kair_2_competitive"}
    assert set(payload["policies"]) == arms
    for stats in payload["policies"].values():
        for key in ("em_mean", "em_h4_mean", "steps_h1_mean", "gold_recall_mean",
                    "distractor_share_step1_mean", "source_entropy_mean", "calls_per_agent_mean",
                    "tokens_mean"):
            assert isinstance(stats[key], float), key
    frame = pd.read_parquet(out / "results.parquet")
    assert len(frame) == len(arms) * 8 * 2
    assert list(frame.groupby("policy")["round"].max().unique()) == [7]
    first = frame[(frame.policy == "kair") & (frame.replicate == 0)].sort_values("round")
    assert first["hops"].is_monotonic_increasing and set(first["hops"]) == {1, 2, 3, 4}
    assert (out / "plot.png").stat().st_size > 0


def test_same_config_gives_identical_results():
    a, b = R.run_retrieval(small_cfg()), R.run_retrieval(small_cfg())
    pd.testing.assert_frame_equal(a, b)


def stop_after(count: int):
    """A progress hook that interrupts the run (Ctrl-C) after ``count`` answers."""
    done = []

    def hook(n: int) -> None:
        done.append(n)
        if len(done) == count:
            raise KeyboardInterrupt

    return hook


def test_interrupted_run_keeps_answered_questions_and_resumes(tmp_path):
    journal = tmp_path / "answers.jsonl"
    cfg = small_cfg(journal=f'"{journal}"')
    with pytest.raises(KeyboardInterrupt):
        R.run_retrieval(cfg, stop_after(5))
    lines = journal.read_text().splitlines()
    assert len(lines) == 5
    rec = json.loads(lines[0])
    assert rec["row"]["policy"] == "single_step" and "provenance" in rec["extra"]
    resumed = R.run_retrieval(cfg)
    total = len(resumed)
    assert len(journal.read_text().splitlines()) == total  # the five were not asked again
    fresh = R.run_retrieval(small_cfg())
    pd.testing.assert_frame_equal(resumed, fresh, check_dtype=False)
    # a changed setting does not reuse stale answers
    changed = R.run_retrieval(small_cfg(journal=f'"{journal}"', top_k=3))
    assert len(journal.read_text().splitlines()) == 2 * total
    assert not changed["tokens"].equals(fresh["tokens"])


def test_a_packed_journaled_run_resumes_and_keeps_each_seeds_answers_apart(tmp_path):
    """Two seeds packed in one batch journal under keys that hold the seed; an interrupted
    packed run resumes without asking again, and each seed's rows equal that seed run
    alone (replicate rows, issue 19)."""
    from looplab.core.streams import Rows

    journal = tmp_path / "answers.jsonl"
    cfg = small_cfg(journal=f'"{journal}"', replicates="1")
    pack = Rows.pack([0, 1], 1)
    with pytest.raises(KeyboardInterrupt):
        R.run_retrieval(cfg, stop_after(7), rows=pack)
    resumed = R.run_retrieval(cfg, rows=pack)
    assert len(journal.read_text().splitlines()) == len(resumed)  # nothing asked twice
    keys = {json.loads(line)["key"].split("|")[1] for line in journal.read_text().splitlines()}
    assert keys == {"0", "1"}
    for seed in (0, 1):
        alone = R.run_retrieval(small_cfg(replicates="1", seed=str(seed)))
        part = resumed[resumed["seed"] == seed].drop(columns="seed").reset_index(drop=True)
        pd.testing.assert_frame_equal(part, alone, check_dtype=False)


def _write_toml(tmp_path: Path, data: str, reasoner: str = "") -> Path:
    reasoner = reasoner or ('type = "llm"\nbackend = "openai"\nbase_url = '
                            '"http://127.0.0.1:9/v1"\nmodel = "m"\nmax_retries = 0')
    path = tmp_path / "s.toml"
    path.write_text(f'name = "mine"\nkind = "retrieval"\nreplicates = 1\n[data]\n{data}\n'
                    f'[reasoner]\n{reasoner}\n[policies.kair]\ntype = "kair"\n')
    return path


def _one_line_error(capsys, args: list[str]) -> str:
    code = main(args)
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err and err.startswith("looplab: error:")
    return err


def test_empty_corpus_is_one_line_error(tmp_path, capsys):
    (tmp_path / "c.jsonl").write_text("")
    (tmp_path / "q.jsonl").write_text('{"question": "Where?", "answer": "Here"}\n')
    toml = _write_toml(tmp_path, f'type = "jsonl"\ncorpus = "{tmp_path / "c.jsonl"}"\n'
                                 f'questions = "{tmp_path / "q.jsonl"}"')
    err = _one_line_error(capsys, ["run", str(toml), "--out", str(tmp_path / "o")])
    assert "corpus file" in err and "is empty" in err


def test_questions_without_answers_are_an_error_only_when_scoring(tmp_path, capsys):
    (tmp_path / "c.jsonl").write_text('{"id": "p", "text": "Orbis Cycles is in Tarnow."}\n')
    (tmp_path / "q.jsonl").write_text('{"id": "q1", "question": "Where is Orbis?"}\n')
    data = (f'type = "jsonl"\ncorpus = "{tmp_path / "c.jsonl"}"\n'
            f'questions = "{tmp_path / "q.jsonl"}"')
    err = _one_line_error(capsys, ["run", str(_write_toml(tmp_path, data)),
                                   "--out", str(tmp_path / "o")])
    assert "'q1'" in err and "scoring needs" in err and "data.score = false" in err
    # without scoring the same file passes validation and reaches the model endpoint
    err = _one_line_error(capsys, ["run", str(_write_toml(tmp_path, data + "\nscore = false")),
                                   "--out", str(tmp_path / "o2")])
    assert "language model" in err


def test_unreachable_endpoint_is_one_line_error(tmp_path, capsys):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    reasoner = (f'type = "llm"\nbackend = "openai"\nbase_url = "http://127.0.0.1:{port}/v1"\n'
                'model = "m"\nmax_retries = 0\ncache = false')
    toml = _write_toml(tmp_path, f'type = "hotpotqa"\npath = "{DATA / "hotpot_mini.json"}"',
                       reasoner)
    err = _one_line_error(capsys, ["run", str(toml), "--out", str(tmp_path / "o")])
    assert "language model openai:m" in err and f"127.0.0.1:{port}" in err


@pytest.mark.parametrize(
    ("sets", "match"),
    [
        (['data.type="hotpotqa"', 'data.path="x.json"', "replicates=1"],
         "deterministic' reads only the synthetic world"),
        (['data.type="hotpotqa"', 'data.path="x.json"', 'reasoner.type="llm"'],
         "replicates must be 1"),
        (['data.type="hotpotqa"'], "data.path"),
        (['policies.kair.type="magic"'], "policies.kair"),
        (["top_k=0"], "top_k"),
        (['reasoner.type="llm"', 'reasoner.backend="openai"'], "base_url"),
    ],
)
def test_bad_config_names_the_field(sets, match):
    with pytest.raises(ConfigError, match=match):
        load_scenario("retrieval-kair", sets)


def test_cli_run_interrupted_by_sigint_resumes_from_its_own_folder(tmp_path):
    """A plain `looplab run` journals into its --out folder: Ctrl-C keeps the answered
    questions, and rerunning into the same folder resumes instead of asking again."""
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "run"
    args = [sys.executable, "-m", "looplab.cli", "run", "retrieval-kair", "--replicates", "1",
            "--json", "--out", str(out)]
    # SIGINT's default action restored in the child: a test run started in the background
    # (``cmd &`` without job control, as CI may do) ignores SIGINT, a child inherits that,
    # and Python then never raises KeyboardInterrupt
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    journal = out / "journal.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None:
        if journal.exists() and len(journal.read_text().splitlines()) >= 30:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "rerun with --out" in err
    kept = len(journal.read_text().splitlines())
    assert kept >= 30 and not (out / "manifest.json").exists()
    done = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    total = len(pd.read_parquet(out / "results.parquet"))
    assert len(journal.read_text().splitlines()) == total  # nothing was answered twice
    fresh = tmp_path / "fresh"
    again = subprocess.run([*args[:-1], str(fresh)], capture_output=True, timeout=300)
    assert again.returncode == 0
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "results.parquet"), pd.read_parquet(fresh / "results.parquet")
    )


def test_ablation_scenario_runs_every_arm_deterministically():
    sets = ["data.world.questions_per_hop=2", "rounds=8", "replicates=1"]
    a = R.run_retrieval(load_scenario("retrieval-kair-ablation", sets))
    b = R.run_retrieval(load_scenario("retrieval-kair-ablation", sets))
    pd.testing.assert_frame_equal(a, b)
    assert set(a["policy"]) == {"single_step", "conventional", "conventional_gen", "planned",
                                "kair_nofilter", "kair", "kair_2"}
    table = R.hop_table([a])
    assert list(table.columns) == ["method", "hops", "em", "steps", "distractor_share",
                                   "calls", "tokens"]
    assert len(table) == 7 * 4
