"""Sweeps: validation before work, resumability, kill -9 safety, local and Ray executors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from looplab.cli import main
from looplab.experiments import store
from looplab.experiments.config import ConfigError
from looplab.experiments.sweep import Cell, expand, load_spec, run_cell, run_sweep

SPEC = """
name = "tiny"
scenarios = ["lending-synthetic"]
seeds = [0, 1]
[set]
rounds = 60
replicates = 2
oracle.rounds = 30
"world.n_applicants" = 100
[grid]
world.epsilon = [0.05, 0.1]
"""


def _spec(tmp_path: Path, text: str = SPEC, name: str = "spec.toml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_spec_expands_to_scenarios_x_grid_x_seeds(tmp_path):
    cells = expand(load_spec(_spec(tmp_path)))
    assert len(cells) == 4
    assert len({c.cell_id for c in cells}) == 4
    assert {c.params["world.epsilon"] for c in cells} == {0.05, 0.1}
    assert all(c.config["rounds"] == 60 for c in cells)


@pytest.mark.parametrize(
    "text,needle",
    [
        (SPEC.replace('"lending-synthetic"', '"nope"'), "unknown scenario 'nope'"),
        (SPEC.replace("world.epsilon = [0.05, 0.1]", "world.epsilon = []"), "no values"),
        (SPEC.replace("world.epsilon", "world.epsilonn"), "unknown key 'world.epsilonn'"),
        (SPEC.replace("world.epsilon = [0.05, 0.1]", "world.epsilon = [0.05, 2.0]"),
         "world.epsilon"),
        ("bogus = 1\n" + SPEC, "unknown key 'bogus'"),
    ],
)
def test_bad_spec_is_one_line_exit_2_before_any_work(tmp_path, capsys, text, needle):
    out = tmp_path / "out"
    code = main(["sweep", str(_spec(tmp_path, text)), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert needle in err and err.count("\n") == 1
    assert not out.exists()


def test_output_folder_of_another_spec_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["sweep", str(_spec(tmp_path)), "--out", str(out), "--workers", "1"]) == 0
    other = _spec(tmp_path, SPEC.replace("seeds = [0, 1]", "seeds = [5]"), "other.toml")
    capsys.readouterr()
    assert main(["sweep", str(other), "--out", str(out)]) == 2
    assert "different sweep spec" in capsys.readouterr().err


def test_rerun_skips_finished_cells_and_results_are_deterministic(tmp_path):
    spec = load_spec(_spec(tmp_path))
    out = tmp_path / "out"
    first = run_sweep(spec, out, workers=2)
    assert (first.total, first.done, first.skipped, first.failed) == (4, 4, 0, [])
    again = run_sweep(spec, out, workers=2)
    assert (again.done, again.skipped) == (0, 4)
    # grid keys are columns compare can group by; each group pools 2 seeds x 2 replicates
    from looplab.experiments.compare import compare

    table = compare(out, metric="reward", by=["world.epsilon"], baseline="oracle")
    assert sorted(table["world.epsilon"].unique()) == [0.05, 0.1]
    assert (table["n"] == 4).all()
    # a cell is the same whatever process ran it: rerun one in-process and compare
    cell = expand(spec)[0]
    folder = out / "cells" / cell.cell_id
    before = pd.read_parquet(folder / store.RESULTS_FILE)
    (folder / store.MANIFEST_FILE).unlink()  # as if killed before the manifest landed
    assert run_sweep(spec, out, workers=1).done == 1
    pd.testing.assert_frame_equal(before, pd.read_parquet(folder / store.RESULTS_FILE))


def test_failing_cell_records_its_error_and_is_retried(tmp_path):
    cell = Cell("no-such-scenario", (), {}, 0, "broken-s0")
    res = run_cell(cell, str(tmp_path))
    assert not res["ok"] and "unknown scenario" in res["error"]
    err = json.loads((tmp_path / "cells" / "broken-s0" / "error.json").read_text())
    assert "unknown scenario" in err["error"] and "Traceback" in err["traceback"]
    assert not store.is_complete(tmp_path / "cells" / "broken-s0")


def test_kill_9_midway_leaves_only_whole_cells_and_rerun_finishes(tmp_path):
    text = SPEC.replace("seeds = [0, 1]", "seeds = {start = 0, count = 5}").replace(
        "rounds = 60", "rounds = 300")
    spec_path = _spec(tmp_path, text)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "looplab.cli", "sweep", str(spec_path), "--out", str(out),
         "--workers", "2"],
        start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 120
    while time.time() < deadline:
        done = list(out.glob("cells/*/manifest.json")) if out.exists() else []
        if len(done) >= 2 or proc.poll() is not None:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = [p.parent for p in out.glob("cells/*/manifest.json")]
    assert finished, "no cell finished before the kill"
    for folder in finished:  # every cell that looks finished is whole and readable
        assert len(pd.read_parquet(folder / store.RESULTS_FILE)) > 0
        json.loads((folder / store.MANIFEST_FILE).read_text())
    outcome = run_sweep(load_spec(spec_path), out, workers=2)
    assert outcome.skipped >= len(finished)
    assert outcome.skipped + outcome.done == outcome.total == 10 and not outcome.failed
    con = store.open_results(out)
    assert con.execute("SELECT count(DISTINCT run_dir) FROM runs").fetchone() == (10,)


def test_unknown_executor_rejected(tmp_path):
    with pytest.raises(ConfigError, match="local, ray"):
        run_sweep(load_spec(_spec(tmp_path)), tmp_path / "o", executor="dask")  # type: ignore


@pytest.mark.slow
def test_ray_executor_gives_the_same_cells_as_local_processes(tmp_path):
    pytest.importorskip("ray")
    spec = load_spec(_spec(tmp_path))
    local = run_sweep(spec, tmp_path / "local", workers=2)
    remote = run_sweep(spec, tmp_path / "ray", executor="ray", workers=2)
    assert local.done == remote.done == 4 and not remote.failed
    for cell in expand(spec):
        a = pd.read_parquet(tmp_path / "local" / "cells" / cell.cell_id / store.RESULTS_FILE)
        b = pd.read_parquet(tmp_path / "ray" / "cells" / cell.cell_id / store.RESULTS_FILE)
        pd.testing.assert_frame_equal(a, b)


def test_a_failing_cell_does_not_stop_the_sweep_and_the_exit_code_says_so(tmp_path, capsys):
    spec_path = _spec(tmp_path)
    spec = load_spec(spec_path)
    out = tmp_path / "out"
    from looplab.experiments.sweep import prepare_output

    cells = expand(spec)
    prepare_output(spec, out, cells)  # the fingerprint covers every cell's config
    broken = cells[0]
    (out / "cells").mkdir()
    (out / "cells" / broken.cell_id).write_text("a file where the cell folder should be")
    code = main(["sweep", str(spec_path), "--out", str(out), "--workers", "2"])
    text = capsys.readouterr()
    assert code == 1
    assert "3 run, 1 failed" in text.out
    assert broken.cell_id in text.err
    assert sum(store.is_complete(out / "cells" / c.cell_id) for c in expand(spec)) == 3
