"""Results that do not depend on how the work is split (issue 19): seeds packed into one
batch, a run sharded over processes or Ray, the random-stream scheme in every run record,
and ``compare`` refusing to pool runs of different schemes."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from looplab.core.streams import STREAM_SCHEME
from looplab.experiments import store
from looplab.experiments.batching import canonical, run_packed, run_sharded
from looplab.experiments.compare import compare
from looplab.experiments.config import ConfigError
from looplab.experiments.execute import execute_scenario
from looplab.experiments.registry import family, kinds, load_raw, load_scenario, scenario_names
from looplab.experiments.sweep import SweepSpec, expand, run_sweep

LENDING = ["rounds=60", "replicates=3", "oracle.rounds=30", "world.n_applicants=80",
           "world.grid_size=6"]
BANDIT = ["rounds=120", "replicates=3", "retrain.generation_rounds=40", "retrain.window=40"]


@pytest.mark.parametrize("scenario,sets", [("lending-synthetic", LENDING),
                                           ("bandit-linear", BANDIT)])
def test_packed_seeds_give_each_seed_its_own_run(scenario, sets):
    cfg = load_scenario(scenario, sets)
    packed = run_packed(cfg, [3, 1, 2])
    for seed in (3, 1, 2):
        alone = family(cfg.kind).run(cfg.model_copy(update={"seed": seed}), None)
        pd.testing.assert_frame_equal(packed[seed], alone, check_exact=True)


def test_a_sharded_run_merges_to_the_unsplit_run_on_local_processes():
    cfg = load_scenario("lending-synthetic", LENDING).model_copy(update={"replicates": 5})
    whole = canonical(family(cfg.kind).run(cfg, None))
    merged = run_sharded(cfg, shards=3, executor="local", workers=2)
    pd.testing.assert_frame_equal(merged, whole, check_exact=True)
    assert list(whole["replicate"].unique()) == [0, 1, 2, 3, 4]


@pytest.mark.slow
def test_a_sharded_run_merges_to_the_unsplit_run_on_ray():
    pytest.importorskip("ray")
    cfg = load_scenario("bandit-linear", BANDIT).model_copy(update={"replicates": 4})
    whole = canonical(family(cfg.kind).run(cfg, None))
    merged = run_sharded(cfg, shards=2, executor="ray", workers=2)
    pd.testing.assert_frame_equal(merged, whole, check_exact=True)


def test_a_family_that_cannot_split_its_replicates_says_why():
    undeclared = [k for k in kinds() if not family(k).replicate_rows]
    for k in undeclared:
        assert len(family(k).not_invariant) > 40, k
    names = [n for n in scenario_names() if load_raw(n).get("kind") in undeclared]
    if not names:
        pytest.skip("every built-in family splits its replicates")
    cfg = load_scenario(names[0])
    reason = re.escape(family(cfg.kind).not_invariant[:40])
    with pytest.raises(ConfigError, match=rf"cannot be sharded: {reason}"):
        run_sharded(cfg, shards=2)


def test_a_packed_sweep_stores_the_same_results_as_one_process_per_seed(tmp_path):
    spec = SweepSpec(name="pack", scenarios=["lending-synthetic"], seeds=[0, 1, 2, 3],
                     set={k: v for k, v in (s.split("=") for s in LENDING)})
    packed = run_sweep(spec, tmp_path / "packed", workers=2, pack=True)
    alone = run_sweep(spec, tmp_path / "alone", workers=2, pack=False)
    assert packed.done == alone.done == 4 and not packed.failed and not alone.failed
    for cell in expand(spec):
        a = pd.read_parquet(tmp_path / "packed" / "cells" / cell.cell_id / store.RESULTS_FILE)
        b = pd.read_parquet(tmp_path / "alone" / "cells" / cell.cell_id / store.RESULTS_FILE)
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        man = store.read_manifest(tmp_path / "packed" / "cells" / cell.cell_id)
        assert man["packed_seeds"] == [0, 1] or man["packed_seeds"] == [2, 3]
        assert man["summary"] == store.read_manifest(
            tmp_path / "alone" / "cells" / cell.cell_id)["summary"]


def test_run_with_seeds_stores_each_seed_as_run_alone_and_pools_over_seeds(tmp_path, capsys):
    from looplab.cli import main
    from looplab.stats import mean_ci

    sets = [a for s in LENDING for a in ("--set", s)]
    assert main(["run", "lending-synthetic", "--seeds", "0,5", "--workers", "2", *sets,
                 "--out", str(tmp_path / "seeds"), "--json"]) == 0
    pooled = json.loads(capsys.readouterr().out)
    assert main(["run", "lending-synthetic", "--seed", "5", *sets,
                 "--out", str(tmp_path / "alone"), "--json"]) == 0
    alone = json.loads(capsys.readouterr().out)
    cell = next((tmp_path / "seeds" / "cells").glob("*-s5"))
    pd.testing.assert_frame_equal(pd.read_parquet(cell / store.RESULTS_FILE),
                                  pd.read_parquet(tmp_path / "alone" / store.RESULTS_FILE),
                                  check_exact=True)
    s0 = store.read_manifest(next((tmp_path / "seeds" / "cells").glob("*-s0")))["summary"]
    assert pooled["seeds"] == [0, 5] and pooled["seeds_done"] == 2
    for arm, row in alone["policies"].items():
        m, lo, hi = mean_ci([s0[arm]["reward_mean"], row["reward_mean"]])
        assert pooled["policies"][arm]["reward_ci_high"] == pytest.approx(hi, rel=1e-12)
        assert pooled["policies"][arm]["reward_mean"] == pytest.approx(m, rel=1e-12)
        assert pooled["policies"][arm]["reward_ci_low"] == pytest.approx(lo, rel=1e-12)
    # a rerun finds every seed done and runs nothing
    assert main(["run", "lending-synthetic", "--seeds", "0,5", *sets,
                 "--out", str(tmp_path / "seeds")]) == 0
    assert "2 already done, 0 run" in capsys.readouterr().out


def test_runs_record_the_stream_scheme_and_compare_refuses_to_pool_two_schemes(tmp_path):
    cfg = load_scenario("lending-synthetic", LENDING)
    for seed in (0, 1):
        execute_scenario(cfg.model_copy(update={"seed": seed}), tmp_path / f"r{seed}",
                         plot=False)
    man = store.read_manifest(tmp_path / "r0")
    assert man["record"]["stream_scheme"] == STREAM_SCHEME
    assert len(compare(tmp_path, "reward")) == len(cfg.policies)
    path = tmp_path / "r1" / store.MANIFEST_FILE
    old = json.loads(path.read_text())
    del old["record"]["stream_scheme"]  # a run from before the scheme was recorded
    path.write_text(json.dumps(old))
    with pytest.raises(ConfigError, match="mix random-stream schemes"):
        compare(tmp_path, "reward")
