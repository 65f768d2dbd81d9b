"""Property-based hardening suite (hypothesis): generated overrides, sweep spec files, item
files and OPE frames, valid and invalid. The contract (``contract.py``): valid input runs at
tiny sizes, anything else is refused with one line on stderr and exit 2; never a traceback,
never a write outside ``--out``, never a half-written run.

Budgets (2 cores): the OPE and item-file properties are quick (~10 s together); the CLI
``run`` and ``sweep`` properties execute real runs and are marked ``slow`` (~60 s together).
Examples are derandomized so CI sees the same cases every time.
"""

from __future__ import annotations

import json
import math
import tempfile
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from looplab.ope.log import BanditLog, LogError, from_frame
from tests.hardening.contract import (
    assert_contract,
    assert_finished_run,
    assert_no_half_run,
    cli,
    files_under,
)


def _settings(n: int) -> settings:
    return settings(max_examples=n, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _toml_float(x: float) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return repr(x)


HOSTILE = ['"../../evil"', '"/tmp/abs"', '"a*b"', '"."', '""', '"x/y"', "[1, 2]", "{}",
           "inf", "-inf", "nan", "1e308", "true", "false", '"7"', "10000000000000000000000"]
VALUES = st.one_of(
    st.integers(-3, 30).map(str),
    st.integers(10**6, 10**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(_toml_float),
    st.floats(0.01, 0.99).map(repr),
    st.sampled_from(HOSTILE),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=10).map(
        json.dumps),
)
KEYS = st.sampled_from([
    "rounds", "replicates", "seed", "name", "description", "world.epsilon",
    "world.default_cost", "world.n_applicants", "world.grid_size", "world.score_concentration",
    "world.kappa", "oracle.rounds", "oracle.steady_frac", "policies.ofs.type", "nosuch",
    "world.nosuch", "world",
])
TINY = ["rounds=4", "replicates=2", "oracle.rounds=4", "world.n_applicants=20"]
# valid overrides (half the examples use only these, so the "runs" branch is exercised)
VALID_PAIRS = st.one_of(
    st.tuples(st.sampled_from(["rounds", "oracle.rounds"]), st.integers(1, 6).map(str)),
    st.tuples(st.just("replicates"), st.integers(1, 3).map(str)),
    st.tuples(st.just("seed"), st.integers(0, 2**32 - 1).map(str)),
    st.tuples(st.just("name"), st.from_regex(r"[a-z0-9][a-z0-9_-]{0,8}", fullmatch=True).map(
        json.dumps)),
    st.tuples(st.sampled_from(["world.epsilon", "world.kappa", "oracle.steady_frac"]),
              st.floats(0.05, 0.95).map(repr)),
    st.tuples(st.just("world.default_cost"), st.floats(0, 5).map(repr)),
)
OVERRIDES = st.one_of(st.lists(VALID_PAIRS, max_size=3),
                      st.lists(st.tuples(KEYS, VALUES), max_size=3))


def _sandbox() -> tuple[tempfile.TemporaryDirectory, Path, Path, Path]:
    tmp = tempfile.TemporaryDirectory()
    root = Path(tmp.name)
    (root / "cwd").mkdir()
    return tmp, root, root / "cwd", root / "out"


def _only_in(root: Path, out: Path) -> None:
    """Every file written lies inside ``out`` (the cwd, where ``runs/`` would go, and the
    rest of the sandbox stay empty)."""
    stray = [p for p in files_under(root) if out not in p.parents]
    assert not stray, stray


@pytest.mark.slow
@_settings(25)
@given(OVERRIDES)
def test_run_overrides_run_or_are_refused_in_one_line(pairs):
    tmp, root, cwd, out = _sandbox()
    with tmp:
        args = ["run", "lending-synthetic", "--out", out, "--max-memory", "32M"]
        for o in TINY + [f"{k}={v}" for k, v in pairs]:
            args += ["--set", o]
        res = cli(args, cwd)
        assert_contract(res)
        event(f"exit {res.code}")
        _only_in(root, out)
        if res.code == 0:
            assert_finished_run(out)
        else:
            assert_no_half_run(out)


SEEDS = st.one_of(
    st.lists(st.integers(0, 3), min_size=1, max_size=2, unique=True).map(json.dumps),
    st.sampled_from(["[]", "[-1]", "[true]", '"x"', "[1.5]", "{start = 0, count = 2}",
                     "{count = 1000000000}", "{start = 4294967295, count = 2}",
                     "{count = 0}", "[4294967296]"]),
)
GRIDS = st.sampled_from([
    "", '"world.epsilon" = [0.1, 0.2]', '"world.epsilon" = []', "rounds = [1000000000000]",
    '"world.epsilon" = [inf]', "nosuch = [1]", '"world.kappa" = [0.1, true]',
    '"replicates" = [1, 100000]',
])
NAMES = st.one_of(st.sampled_from(['"ok-sweep"', '"../up"', '"/abs"', '"a*b"', '""', "3"]),
                  st.text(max_size=6).map(json.dumps))
SCENARIOS = st.sampled_from(['["lending-synthetic"]', '["nope"]', "[]", '"lending-synthetic"',
                             '["lending-synthetic", "lending-synthetic"]'])


def _in_process(tasks, out, workers):
    """The local executor without worker processes (same ``run_pack``), to keep the
    property fast; the process pool itself is covered by tests/experiments."""
    from looplab.experiments.sweep import run_pack

    for task in tasks:  # a task is a list of cells (seeds packed into one batch)
        yield from run_pack(task, str(out))


VALID_SPEC = st.tuples(
    st.sampled_from(['"ok-sweep"', '"s.1"']), st.just('["lending-synthetic"]'),
    st.sampled_from(["[0]", "[1, 2]", "{start = 3, count = 2}"]),
    st.sampled_from(["", '"world.epsilon" = [0.1, 0.2]', '"world.kappa" = [0.2]']),
    st.just(False), st.just(b""))
SPEC = st.one_of(VALID_SPEC, st.tuples(NAMES, SCENARIOS, SEEDS, GRIDS, st.booleans(),
                                       st.binary(max_size=8)))


@pytest.mark.slow
@_settings(20)
@given(SPEC)
def test_sweep_specs_run_or_are_refused_in_one_line(parts):
    name, scenarios, seeds, grid, garble, junk = parts
    tmp, root, cwd, out = _sandbox()
    with tmp:
        text = (f"name = {name}\nscenarios = {scenarios}\nseeds = {seeds}\n"
                "[set]\nrounds = 4\nreplicates = 2\n\"oracle.rounds\" = 4\n"
                f"\"world.n_applicants\" = 20\n[grid]\n{grid}\n")
        spec = root / "spec.toml"
        spec.write_bytes(text.encode() + (b"\n#" + junk if garble else b""))
        with mock.patch("looplab.experiments.sweep._local", _in_process):
            res = cli(["sweep", spec, "--out", out, "--workers", "1", "--max-memory", "32M"],
                      cwd)
        assert_contract(res)
        event(f"exit {res.code}")
        stray = [p for p in files_under(root) if out not in p.parents and p != spec]
        assert not stray, stray
        if res.code == 0:
            cells = sorted((out / "cells").iterdir())
            assert cells
            for c in cells:
                assert_finished_run(c, plot=False)
        else:
            assert_no_half_run(out)


ITEM_VALUE = st.one_of(st.text(max_size=8), st.integers(), st.none(), st.booleans(),
                       st.floats(allow_nan=True), st.lists(st.integers(), max_size=2))
GOOD_ITEM = st.builds(
    lambda q, i: {"id": f"q{i}", "question": f"What is {q}?", "better": f"{q}", "worse":
                  f"not {q}", "reference": str(q)},
    st.integers(0, 99), st.integers(0, 10**6))
ITEM = st.one_of(
    GOOD_ITEM,
    st.dictionaries(st.sampled_from(["id", "question", "better", "worse", "category",
                                     "reference", "extra"]), ITEM_VALUE, max_size=6),
    ITEM_VALUE,
)


@_settings(20)
@given(st.one_of(
    st.tuples(st.lists(GOOD_ITEM, min_size=1, max_size=4, unique_by=lambda d: d["id"]),
              st.just(b"")),
    st.tuples(st.lists(ITEM, min_size=0, max_size=4),
              st.sampled_from([b"", b"{not json", b"\xff\xfe"]))))
def test_item_files_audit_or_are_refused_in_one_line(case):
    items, tail = case
    tmp, root, cwd, out = _sandbox()
    with tmp:
        path = root / "items.jsonl"
        path.write_bytes(b"\n".join(json.dumps(i).encode() for i in items) + b"\n" + tail)
        res = cli(["audit-judge", "--judge", "reference", "--items", path, "--biases",
                   "position", "--out", out, "--json"], cwd)
        assert_contract(res)
        event(f"exit {res.code}")
        stray = [p for p in files_under(root) if out not in p.parents and p != path]
        assert not stray, stray
        if res.code == 0:
            assert_finished_run(out, plot=False)
        else:
            assert_no_half_run(out)


CELL = st.one_of(st.integers(-2, 5), st.floats(allow_nan=True, allow_infinity=True),
                 st.sampled_from(["a", "1", "", None]))
VALID_CELL = {"action": st.integers(0, 3), "propensity": st.floats(0.05, 1.0),
              "reward": st.floats(-1, 1), "x_0": st.floats(-1, 1)}


def _column(name: str, n: int, valid: bool):
    cell = VALID_CELL[name] if valid else st.one_of(VALID_CELL[name], CELL)
    return st.lists(cell, min_size=n, max_size=n)


@_settings(150)
@given(st.tuples(st.integers(1, 6), st.booleans()).flatmap(
    lambda nv: st.fixed_dictionaries({c: _column(c, *nv) for c in VALID_CELL})),
    st.one_of(st.none(), st.integers(-2, 6), st.booleans(), st.just(2.5)))
def test_ope_frames_give_a_valid_log_or_one_line_log_error(cols, n_actions):
    frame = pd.DataFrame(cols)
    try:
        log = from_frame(frame, n_actions=n_actions)
        event("valid log")
    except LogError as exc:
        event("LogError")
        msg = str(exc)
        assert "\n" not in msg and msg
        assert any(w in msg for w in ("action", "propensity", "reward", "x_", "n_actions",
                                      "rows")), msg
        return
    assert isinstance(log, BanditLog)
    assert np.isfinite(log.reward).all()
    assert ((log.propensity > 0) & (log.propensity <= 1)).all()
    assert ((log.action >= 0) & (log.action < log.n_actions)).all()
    assert log.context is None or np.isfinite(log.context).all()
