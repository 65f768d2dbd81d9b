"""Peers on the same data: Vowpal Wabbit's SquareCB and MABWiser's LinUCB against looplab's
on one bandit-linear stream. Checks that each learns and that looplab's mean reward is not
lower than the peer's by more than 0.02 (speed is measured in benchmarks/bench_bandits.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from looplab.core.streams import stream as policy_stream
from looplab.policies.linear_stream import run_linear_stream
from looplab.policies.linucb import LinUCB
from looplab.policies.squarecb import SquareCB
from looplab.worlds.linear_bandit import LinearBanditWorld

pytestmark = pytest.mark.peer
T = 4000


def _bench():
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_bandits.py"
    spec = importlib.util.spec_from_file_location("bench_bandits", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def stream():
    X, P, U = LinearBanditWorld().draw_streams(T, 1, 0)
    g = policy_stream(0, 1, "policy")
    V = np.array([g.random((1, 1))[0, 0] for _ in range(T)])
    return X[:, 0, 0], P[:, 0, 0], U[:, 0, 0], V


def test_vw_squarecb_and_looplab_squarecb_both_learn(stream):
    pytest.importorskip("vowpalwabbit")
    X, P, U, V = stream
    vw = _bench().vw_squarecb(X, P, U, V).mean()
    mine = run_linear_stream(SquareCB(), X, P, U, V).reward.mean()
    assert vw > P.mean() + 0.05 and mine > P.mean() + 0.05
    assert mine >= vw - 0.02


def test_mabwiser_linucb_and_looplab_linucb_both_learn(stream):
    pytest.importorskip("mabwiser")
    X, P, U, _ = stream
    mab = _bench().mabwiser_linucb(X, P, U, batch=100).mean()
    mine = run_linear_stream(LinUCB(), X, P, U).reward.mean()
    assert mab > P.mean() + 0.05 and mine > P.mean() + 0.05
    assert mine >= mab - 0.02
