"""Hand-written regression cases of the hardening issue, one (or a few) per class of bad
input; the property suite (test_properties.py) generalizes them."""

from __future__ import annotations

import json
import os
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from pydantic import BaseModel

from looplab.experiments import store
from looplab.experiments.config import ConfigError, ScenarioBase
from looplab.experiments.journal import Journal
from looplab.ope.log import LogError, from_frame
from tests.hardening.contract import assert_contract, assert_no_half_run, cli

TINY = ["--set", "rounds=4", "--set", "replicates=2", "--set", "oracle.rounds=4",
        "--set", "world.n_applicants=20"]


def _refused(res, *words: str) -> None:
    assert res.code == 2, (res.code, res.err)
    assert_contract(res)
    for w in words:
        assert w in res.err, res.err


def _fake_run(folder: Path, name: str = "demo", seed: int = 0) -> Path:
    frame = pd.DataFrame({"scenario": name, "seed": seed, "policy": np.repeat(["a", "b"], 4),
                          "round": np.tile([0, 1], 4), "replicate": np.tile([0, 0, 1, 1], 2),
                          "reward": np.arange(8, dtype=float)})
    manifest = {"scenario": name, "kind": "lending", "claim": "",
                "record": {"config": {"description": ""}, "seed": seed}, "summary": {}}
    return store.write_run(folder, frame, manifest)


# --- 1. one error path ------------------------------------------------------------------

def test_non_utf8_scenario_file_is_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_bytes(b'name = "caf\xe9"\nkind = "lending"\n')
    _refused(cli(["run", bad], tmp_path), "not UTF-8")


@pytest.mark.parametrize("command", [
    ["run", "lending-synthetic", *TINY],
    ["audit-judge", "--judge", "reference", "--biases", "position", "--max-items", "2"],
])
def test_out_under_a_file_is_refused_before_work(tmp_path, command):
    (tmp_path / "afile").write_text("x")
    with mock.patch("looplab.experiments.execute.execute_scenario") as ex, \
            mock.patch("looplab.judges.runner.run_audit_job") as job:
        res = cli([*command, "--out", tmp_path / "afile" / "sub"], tmp_path)
    _refused(res, "afile is a file")
    assert not ex.called and not job.called


def test_sweep_out_under_a_file_is_refused_before_work(tmp_path):
    (tmp_path / "afile").write_text("x")
    spec = tmp_path / "s.toml"
    spec.write_text('scenarios = ["lending-synthetic"]\n')
    with mock.patch("looplab.experiments.sweep.expand") as expand:
        res = cli(["sweep", spec, "--out", tmp_path / "afile" / "o"], tmp_path)
    _refused(res, "afile is a file")
    assert not expand.called


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write a read-only folder")
def test_unwritable_out_is_refused_before_work(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        _refused(cli(["run", "lending-synthetic", *TINY, "--out", ro / "x"], tmp_path),
                 "not writable")
    finally:
        ro.chmod(0o700)


@pytest.mark.parametrize("victim, data", [
    ("results.parquet", b"PAR1 garbage"),
    ("manifest.json", b"{\"scenario\": "),
    ("manifest.json", b"[1, 2]"),
])
@pytest.mark.parametrize("command", ["compare", "report"])
def test_corrupt_run_files_are_one_line_naming_the_file(tmp_path, victim, data, command):
    _fake_run(tmp_path / "runs" / "good")
    bad = _fake_run(tmp_path / "runs" / "bad")
    (bad / victim).write_bytes(data)
    extra = ["-o", tmp_path / "r.html"] if command == "report" else []
    res = cli([command, tmp_path / "runs", *extra], tmp_path)
    _refused(res, str(bad / victim))
    assert not (tmp_path / "r.html").exists()


def test_report_output_that_is_a_folder_is_refused(tmp_path):
    _fake_run(tmp_path / "runs" / "one")
    (tmp_path / "outdir").mkdir()
    _refused(cli(["report", tmp_path / "runs", "-o", tmp_path / "outdir"], tmp_path),
             "is a folder")


def test_corrupt_sweep_json_is_refused(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text('scenarios = ["lending-synthetic"]\n[set]\nrounds = 4\n')
    out = tmp_path / "out"
    out.mkdir()
    (out / "sweep.json").write_text("{torn")
    _refused(cli(["sweep", spec, "--out", out], tmp_path), "sweep.json is corrupt")


def test_journal_path_that_is_a_folder_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="is a folder"):
        Journal(tmp_path)


# --- 2. non-finite numbers, booleans ------------------------------------------------------

def _models(model: type[BaseModel], seen: set) -> None:
    if model in seen:
        return
    seen.add(model)
    for f in model.model_fields.values():
        stack = [f.annotation]
        while stack:
            a = stack.pop()
            if isinstance(a, type) and issubclass(a, BaseModel):
                _models(a, seen)
            stack.extend(getattr(a, "__args__", ()) or ())
            meta = getattr(a, "__metadata__", None)
            if meta is not None:
                stack.append(getattr(a, "__origin__", None))


def test_every_scenario_section_rejects_inf_nan_and_bool_numbers():
    from looplab.core.params import StrictNumbers
    from looplab.experiments.registry import family, kinds

    seen: set = set()
    for kind in kinds():
        _models(family(kind).scenario, seen)
    loose = sorted(m.__name__ for m in seen
                   if m.model_config.get("allow_inf_nan", True) or not issubclass(
                       m, StrictNumbers))
    assert not loose, loose
    assert len(seen) > 20


@pytest.mark.parametrize("override, words", [
    ("rounds=true", ["invalid rounds", "boolean"]),
    ("world.default_cost=inf", ["world.default_cost", "finite"]),
    ("world.score_concentration=nan", ["world.score_concentration", "finite"]),
    ("world.kappa=false", ["world.kappa", "boolean"]),
])
def test_non_finite_and_boolean_numbers_are_refused(tmp_path, override, words):
    res = cli(["run", "lending-synthetic", *TINY, "--set", override, "--out", tmp_path / "o"],
              tmp_path)
    _refused(res, *words)
    assert_no_half_run(tmp_path / "o")


# --- 3. resource estimate, upper bounds -------------------------------------------------

def test_every_builtin_scenario_has_a_positive_memory_estimate():
    from looplab.experiments.execute import memory_estimate
    from looplab.experiments.registry import family, kinds, load_scenario, scenario_names

    assert all(family(k).memory_estimate is not None for k in kinds())
    for name in scenario_names():
        try:
            cfg = load_scenario(name)
        except ConfigError:  # a scenario needing an uninstalled data set
            continue
        assert 0 < memory_estimate(cfg) < 2**40, name


@pytest.mark.parametrize("args, words", [
    (["--replicates", "1000000000"], ["--replicates", "100000"]),
    (["--rounds", "1000000000000"], ["--rounds"]),
    (["--rounds", "100000000", "--replicates", "100000"], ["estimated peak memory"]),
    (["--max-memory", "1M"], ["estimated peak memory", "exceeds --max-memory 1.0 MiB"]),
    (["--max-memory", "lots"], ["--max-memory"]),
    (["--set", "seed=99999999999999999999999"], ["seed"]),
])
def test_impossible_sizes_are_refused_before_work(tmp_path, args, words):
    with mock.patch("looplab.experiments.execute.execute_scenario") as ex:
        res = cli(["run", "lending-synthetic", *args, "--out", tmp_path / "o"], tmp_path)
    _refused(res, *words)
    assert not ex.called


@pytest.mark.parametrize("body, words", [
    ("seeds = {start = 0, count = 1000000000}", ["count"]),
    ('seeds = [0]\n[grid]\n"world.epsilon" = ' + str([0.1] * 400) + "\n"
     '"world.kappa" = ' + str([0.2] * 400), ["cells", "at most"]),
])
def test_huge_sweeps_are_refused_before_expansion(tmp_path, body, words):
    spec = tmp_path / "s.toml"
    spec.write_text(f'scenarios = ["lending-synthetic"]\n{body}\n')
    with mock.patch("looplab.experiments.sweep.expand") as expand:
        _refused(cli(["sweep", spec, "--out", tmp_path / "o"], tmp_path), *words)
    assert not expand.called


def test_audit_planner_bounds(tmp_path):
    _refused(cli(["audit-judge", "--judge", "reference", "--repeats", "1000000000",
                  "--out", tmp_path / "o"], tmp_path), "--repeats")
    assert not (tmp_path / "o").exists()


# --- 4. names are data, not paths ---------------------------------------------------------

@pytest.mark.parametrize("name", ["../../evil", "/abs/path", "a*b", ".hidden", "x/y"])
def test_unsafe_names_are_refused(tmp_path, name):
    res = cli(["run", "lending-synthetic", *TINY, "--set", f"name={json.dumps(name)}"],
              tmp_path)
    _refused(res, "invalid name")
    assert not any(tmp_path.iterdir())
    spec = tmp_path / "s.toml"
    spec.write_text(f'name = {json.dumps(name)}\nscenarios = ["lending-synthetic"]\n')
    _refused(cli(["sweep", spec], tmp_path), "invalid name")
    assert [p.name for p in tmp_path.iterdir()] == ["s.toml"]


def test_store_refuses_paths_outside_the_output_folder(tmp_path):
    with pytest.raises(ConfigError, match="outside"):
        store.inside(tmp_path / "out", tmp_path / "out" / ".." / "x")
    assert store.inside(tmp_path, tmp_path / "a" / "b") == tmp_path / "a" / "b"


def test_a_run_folder_named_with_a_glob_is_read_literally(tmp_path):
    _fake_run(tmp_path / "runs" / "a*b")
    _fake_run(tmp_path / "runs" / "axb", seed=1)
    _fake_run(tmp_path / "runs" / "a[x]?", seed=2)
    con = store.open_results(tmp_path / "runs")
    counts = dict(con.execute("SELECT run_dir, count(*) FROM runs GROUP BY 1").fetchall())
    assert sorted(counts.values()) == [8, 8, 8] and len(counts) == 3, counts


# --- 5/6. sweep fingerprints, crash leftovers ---------------------------------------------

def _in_process(tasks, out, workers):
    from looplab.experiments.sweep import run_pack

    for task in tasks:  # a task is a list of cells (seeds packed into one batch)
        yield from run_pack(task, str(out))


def _sweep(spec: Path, out: Path, cwd: Path):
    with mock.patch("looplab.experiments.sweep._local", _in_process):
        return cli(["sweep", spec, "--out", out, "--workers", "1"], cwd)


def test_sweep_refuses_a_changed_scenario_file_and_cleans_leftovers(tmp_path):
    from looplab.experiments.registry import load_raw

    raw = load_raw("lending-synthetic")
    scen = tmp_path / "mine.toml"
    lines = [f"{k} = {json.dumps(v)}" for k, v in raw.items() if not isinstance(v, dict)]
    scen.write_text("\n".join(lines) + "\n")
    spec = tmp_path / "s.toml"
    spec.write_text(f'scenarios = [{json.dumps(str(scen))}]\nseeds = [0]\n[set]\nrounds = 4\n'
                    'replicates = 2\n"oracle.rounds" = 4\n"world.n_applicants" = 20\n')
    out = tmp_path / "out"
    res = _sweep(spec, out, tmp_path)
    assert res.code == 0, res.err
    (cell,) = (out / "cells").iterdir()
    (cell / ".results.parquet.abc123.tmp").write_bytes(b"torn")
    (cell / "manifest.json").write_text("{")  # cut by a crash: the cell is run again
    res = _sweep(spec, out, tmp_path)
    assert res.code == 0 and "1 run" in res.out, res.out + res.err
    assert not list(out.rglob("*.tmp"))
    assert store.is_valid(cell)
    scen.write_text(scen.read_text().replace("description = ", 'description = "edited" #', 1))
    _refused(_sweep(spec, out, tmp_path), "different sweep spec or scenario config")


def test_journal_recovers_from_a_torn_last_line(tmp_path):
    path = tmp_path / "j.jsonl"
    with Journal(path) as j:
        j.put("a", "t", {"x": 1.0})
    with open(path, "ab") as fh:
        fh.write(b'{"key": "b", "tag": "t", "ro')  # kill -9 mid-write
    with Journal(path) as j:
        assert j.get("a", "t") == {"x": 1.0} and j.get("b", "t") is None
        j.put("c", "t", {"x": 3.0})
    lines = path.read_text().splitlines()
    assert len(lines) == 2 and all(json.loads(ln) for ln in lines)


def test_the_manifest_is_the_last_file_a_run_writes(tmp_path):
    seen = {}
    real = store.write_manifest

    def spy(out, manifest):
        seen["plot"] = (out / "plot.png").exists()
        return real(out, manifest)

    with mock.patch.object(store, "write_manifest", spy):
        res = cli(["run", "lending-synthetic", *TINY, "--out", tmp_path / "o"], tmp_path)
    assert res.code == 0 and seen == {"plot": True}, res.err
    with mock.patch("looplab.report.plots.plot_curves", side_effect=KeyboardInterrupt):
        res = cli(["run", "lending-synthetic", *TINY, "--out", tmp_path / "p"], tmp_path)
    assert res.code == 130
    assert not (tmp_path / "p" / "manifest.json").exists()
    assert not list((tmp_path / "p").rglob("*.tmp"))


# --- 7. unclear messages ------------------------------------------------------------------

def test_seeds_error_names_both_accepted_shapes(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text('scenarios = ["lending-synthetic"]\nseeds = "many"\n')
    _refused(cli(["sweep", spec], tmp_path), "list of integers", "{start = 0, count = 5}")


def test_items_folder_and_numeric_reference(tmp_path):
    _refused(cli(["audit-judge", "--judge", "reference", "--items", tmp_path], tmp_path),
             "is a folder")
    items = tmp_path / "i.jsonl"
    items.write_text(json.dumps({"question": "q", "better": "a", "worse": "b",
                                 "reference": 4}) + "\n")
    _refused(cli(["audit-judge", "--judge", "reference", "--items", items], tmp_path),
             "'reference' must be a string")


def test_negative_seed_names_the_flag(tmp_path):
    _refused(cli(["run", "lending-synthetic", "--seed", "-1"], tmp_path), "--seed")
    _refused(cli(["audit-judge", "--judge", "reference", "--seed", "-1"], tmp_path), "--seed")


# --- 8. Python API (OPE) ------------------------------------------------------------------

def _log_frame(**cols) -> pd.DataFrame:
    base = {"action": [0, 1, 0], "propensity": [0.5, 0.5, 0.5], "reward": [1.0, 0.0, 1.0],
            "x_0": [0.1, 0.2, 0.3]}
    return pd.DataFrame({**base, **cols})


@pytest.mark.parametrize("frame, kwargs, words", [
    (_log_frame(reward=[1.0, np.inf, 0.0]), {}, ["'reward'", "infinite"]),
    (_log_frame(reward=["1", "x", "0"]), {}, ["'reward'", "not numbers"]),
    (_log_frame(x_0=["a", 0.1, 0.2]), {}, ["'x_0'", "not numbers"]),
    (_log_frame(x_0=[np.inf, 0.1, 0.2]), {}, ["'x_*'", "infinite"]),
    (_log_frame(), {"n_actions": 0}, ["n_actions"]),
    (_log_frame(), {"n_actions": True}, ["n_actions"]),
    (_log_frame(action=[0, np.inf, 1]), {}, ["'action'"]),
])
def test_from_frame_names_the_bad_column(frame, kwargs, words):
    with pytest.raises(LogError) as err:
        from_frame(frame, **kwargs)
    for w in words:
        assert w in str(err.value)


def test_scenario_base_itself_is_strict():
    with pytest.raises(ValueError, match="boolean"):
        ScenarioBase(name="x", kind="k", rounds=True)
    with pytest.raises(ValueError, match="name"):
        ScenarioBase(name="../x", kind="k")


@pytest.mark.parametrize("exc, words", [
    (ModuleNotFoundError("No module named 'torch'", name="torch"), ["'torch'", "looplab[ml]"]),
    (OSError(28, "No space left on device", "/x/results.parquet"), ["No space left", "/x/"]),
    (MemoryError(), ["out of memory"]),
])
def test_missing_extras_and_system_errors_are_one_line(tmp_path, exc, words):
    with mock.patch("looplab.cli.execute_scenario", side_effect=exc):
        res = cli(["run", "lending-synthetic", *TINY, "--out", tmp_path / "o"], tmp_path)
    _refused(res, *words)


def test_unreachable_server_is_one_line(tmp_path):
    from looplab.llm.errors import LLMConnectionError

    err = LLMConnectionError("cannot reach http://localhost:9/v1 after 3 tries; start the "
                             "server or fix --base-url")
    with mock.patch("looplab.cli.execute_scenario", side_effect=err):
        res = cli(["run", "lending-synthetic", *TINY, "--out", tmp_path / "o"], tmp_path)
    _refused(res, "cannot reach")


@pytest.mark.parametrize("command", ["compare", "report"])
def test_damaged_parquet_with_valid_magic_is_one_line(tmp_path, command):
    bad = _fake_run(tmp_path / "runs" / "bad")
    data = (bad / "results.parquet").read_bytes()
    mid = len(data) // 2
    (bad / "results.parquet").write_bytes(data[:8] + b"\0" * (mid - 8) + data[mid:])
    extra = ["-o", tmp_path / "r.html"] if command == "report" else []
    _refused(cli([command, tmp_path / "runs", *extra], tmp_path), "cannot read")
    assert not (tmp_path / "r.html").exists()
