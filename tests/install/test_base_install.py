"""A base install (``pip install looplab``, no extras) in a fresh virtual environment:
every subpackage imports, the CLI runs a scenario, and a feature that needs an extra says
which one in one line (exit 2) instead of a traceback."""

from __future__ import annotations

import subprocess
import venv
from pathlib import Path

import pytest

pytestmark = [pytest.mark.install, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]

IMPORT_ALL = r"""
import importlib, pkgutil, looplab
from looplab.extras import MissingExtraError
failed, extras = [], []
for m in pkgutil.walk_packages(looplab.__path__, "looplab."):
    try:
        importlib.import_module(m.name)
    except MissingExtraError as exc:  # an adapter module for an extra: one clear line
        extras.append((m.name, str(exc)))
    except Exception as exc:
        failed.append((m.name, repr(exc)))
print("FAILED", failed)
for name, msg in extras:
    print("EXTRA", name, msg)
print("VERSION", looplab.__version__)
"""


@pytest.fixture(scope="module")
def base_env(tmp_path_factory) -> Path:
    """A fresh venv with looplab and its base dependencies only."""
    env = tmp_path_factory.mktemp("base") / "venv"
    venv.EnvBuilder(with_pip=True).create(env)
    py = env / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", str(ROOT)], check=True,
                   capture_output=True, text=True, timeout=900)
    return env


def _run(env: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(env / "bin" / args[0]), *args[1:]], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


def test_no_extra_is_installed_by_the_base_install(base_env, tmp_path):
    out = _run(base_env, "python", "-c",
               "import importlib.util as u; print([m for m in ('torch', 'transformers', "
               "'gymnasium', 'ray', 'httpx', 'statsmodels') if u.find_spec(m)])", cwd=tmp_path)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_every_subpackage_imports_or_names_its_extra(base_env, tmp_path):
    out = _run(base_env, "python", "-c", IMPORT_ALL, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "FAILED []" in out.stdout, out.stdout
    for line in out.stdout.splitlines():
        if line.startswith("EXTRA"):
            assert "pip install 'looplab[" in line, line
    assert "VERSION 0+unknown" not in out.stdout  # read from the installed metadata


def test_cli_lists_and_runs_a_scenario_on_a_base_install(base_env, tmp_path):
    out = _run(base_env, "looplab", "list", cwd=tmp_path)
    assert out.returncode == 0 and "lending-synthetic" in out.stdout, out.stderr
    out = _run(base_env, "looplab", "run", "lending-synthetic", "--rounds", "50",
               "--replicates", "2", "--set", "oracle.rounds=20", "--json", "--out", "r",
               cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "r" / "manifest.json").exists()


@pytest.mark.parametrize(("scenario", "needs"), [
    ("rm-noisy-feedback", "looplab[ml]"),
    ("retrieval-kair", "looplab[llm]"),
])
def test_a_feature_that_needs_an_extra_is_one_line_naming_it(base_env, tmp_path, scenario,
                                                               needs):
    out = _run(base_env, "looplab", "run", scenario, "--replicates", "1", "--out", "r",
               cwd=tmp_path)
    assert out.returncode == 2, out.stderr
    assert needs in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert not (tmp_path / "r" / "manifest.json").exists()
