"""A third-party family, installed by pip from a temporary package, registers through the
``looplab.families`` entry-point group and runs through ``looplab run`` like a built-in one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PYPROJECT = """
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "looplab-tinyfam"
version = "0.0.1"

[project.entry-points."looplab.families"]
tiny = "tinyfam:FAMILY"

[tool.setuptools]
packages = ["tinyfam"]

[tool.setuptools.package-data]
tinyfam = ["scenarios/*.toml"]
"""

FAMILY_SRC = '''
"""A two-armed Bernoulli bandit family, written against looplab's public API only."""
from importlib import resources
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from looplab.core import Action, ActionSpec, BanditFeedback, Observation, Outcome, run
from looplab.core.monitors import RewardMonitor
from looplab.core.params import Params
from looplab.experiments import claims as C
from looplab.experiments.config import ScenarioBase
from looplab.stats import mean_ci
from looplab.families.base import Family, entry_union, params_of
from looplab.policies import EpsilonGreedy, FixedArm


class CoinWorld(Params):
    """Two coins with success rates p0 and p1."""

    p: tuple[float, float] = (0.3, 0.7)
    name: str = "coins"

    def action_spec(self) -> ActionSpec:
        return ActionSpec(n_arms=2)

    def reset(self, replicates: int, seed: Any) -> Any:
        return None

    def observe(self, state: Any, rng: np.random.Generator) -> Observation:
        return Observation()

    def step(self, state, action: Action, obs, rng):
        p = np.asarray(self.p)[action.arm]
        return state, Outcome(reward=(rng.random(p.shape) < p).astype(float))


POLICIES = {"epsilon_greedy": EpsilonGreedy, "fixed": FixedArm}


class TinyScenario(ScenarioBase):
    kind: Literal["tiny"] = "tiny"
    world: CoinWorld = CoinWorld()
    policies: dict[str, entry_union(POLICIES)] = Field(
        default_factory=lambda: {"eg": {"type": "epsilon_greedy"}}, validate_default=True)


def _run(cfg, progress=None):
    frames = []
    for name, entry in cfg.policies.items():
        pol = POLICIES[entry.type](**params_of(entry))
        res = run(cfg.world, pol, BanditFeedback(), [RewardMonitor()], cfg.rounds,
                  cfg.replicates, cfg.seed, progress=progress)
        frames.append(res.to_frame(policy=name))
    return pd.concat(frames, ignore_index=True)


def _summarize(frame, cfg):
    out = {}
    for name, df in frame.groupby("policy", sort=False):
        m, lo, hi = mean_ci(df.groupby("replicate")["reward"].mean().to_numpy())
        out[name] = {"reward_mean": m, "reward_ci_low": lo, "reward_ci_high": hi}
    return out


FAMILY = Family(
    name="tiny", description="two coins", scenario=TinyScenario, run=_run,
    summarize=_summarize, progress_total=lambda cfg: cfg.rounds * len(cfg.policies),
    table=(("mean reward", "reward"),), panels=(("reward", "reward", True),),
    policies=POLICIES, worlds={"coins": "two Bernoulli arms"},
    claims=(C.Claim("eg-learns", "epsilon-greedy earns more than 0.5", "tinyfam",
                    C.value("eg", "reward"), ">=", 0.5),),
    scenarios=resources.files("tinyfam") / "scenarios",
)
'''

SCENARIO = """
name = "tiny-coins"
kind = "tiny"
rounds = 300
replicates = 4
[policies.eg]
type = "epsilon_greedy"
epsilon = 0.1
[policies.bad]
type = "fixed"
arm = 0
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A folder where pip installed the tiny family (as a user would, into site-packages)."""
    root = tmp_path_factory.mktemp("tinyfam")
    src = root / "src"
    (src / "tinyfam" / "scenarios").mkdir(parents=True)
    (src / "pyproject.toml").write_text(PYPROJECT)
    (src / "tinyfam" / "__init__.py").write_text(textwrap.dedent(FAMILY_SRC))
    (src / "tinyfam" / "scenarios" / "tiny-coins.toml").write_text(SCENARIO)
    target = root / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(src)],
        check=True, capture_output=True, text=True,
    )
    return target


def _looplab(site: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(site), *filter(None, [os.environ.get("PYTHONPATH")])])}
    return subprocess.run([sys.executable, "-m", "looplab.cli", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_installed_family_is_listed_with_its_scenario_world_and_policies(site, tmp_path):
    out = _looplab(site, "list", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "tiny-coins" in out.stdout and "two Bernoulli arms" in out.stdout
    assert "epsilon_greedy" in out.stdout


def test_installed_family_runs_through_looplab_run(site, tmp_path):
    out = _looplab(site, "run", "tiny-coins", "--json", "--out", str(tmp_path / "r"),
                   cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)["policies"]
    assert summary["eg"]["reward_mean"] > summary["bad"]["reward_mean"] + 0.2
    assert (tmp_path / "r" / "results.parquet").exists()
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["kind"] == "tiny"


def test_installed_family_validates_its_parameters_like_a_builtin(site, tmp_path):
    out = _looplab(site, "run", "tiny-coins", "--set", "policies.eg.epsilon=2",
                   "--out", str(tmp_path / "r"), cwd=tmp_path)
    assert out.returncode == 2
    assert "policies.eg" in out.stderr and "epsilon" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "r").exists()


def test_a_builtin_run_imports_no_heavy_package(tmp_path):
    """``looplab list`` and a lending run never import torch, transformers or ray."""
    code = ("import sys; from looplab.cli import main; "
            "main(['list']); main(['run', 'lending-synthetic', '--rounds', '20', "
            "'--replicates', '1', '--set', 'oracle.rounds=10', '--json', '--out', 'r']); "
            "print('HEAVY', sorted(m for m in ('torch', 'transformers', 'ray') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "HEAVY []" in out.stdout
