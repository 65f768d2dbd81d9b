"""The sequential families' built-in scenario files validate, and bad keys are named."""

from __future__ import annotations

from importlib import resources

import pytest

from looplab.experiments.config import ConfigError, read_toml, validate
from looplab.families import cpl, mdp, meta_bo, onesided, stitching

FILES = {"onesided-panel": onesided.FAMILY, "riverswim-loop": mdp.FAMILY,
         "random-mdp-loop": mdp.FAMILY, "stitching-two-rooms": stitching.FAMILY,
         "cpl-gridworld": cpl.FAMILY, "riverswim-linear-loop": mdp.FAMILY,
         "meta-bo-nap": meta_bo.FAMILY}


@pytest.mark.parametrize("name", FILES)
def test_builtin_scenario_validates(name):
    path = resources.files("looplab") / "scenarios" / f"{name}.toml"
    raw = read_toml(path)  # type: ignore[arg-type]
    cfg = validate(FILES[name].scenario, raw)
    assert cfg.name == name and cfg.kind == FILES[name].name


def test_unknown_policy_key_and_type_are_named():
    with pytest.raises(ConfigError, match=r"policies\.loop\.loop\.bogus|bogus"):
        validate(mdp.FAMILY.scenario, {"name": "x", "policies": {"loop": {"type": "loop",
                                                                           "bogus": 1}}})
    with pytest.raises(ConfigError, match=r"policies\.a"):
        validate(onesided.FAMILY.scenario, {"name": "x", "policies": {"a": {"type": "nope"}}})
    with pytest.raises(ConfigError, match=r"world\.quorum"):
        validate(onesided.FAMILY.scenario, {"name": "x", "world": {"quorum": 5}})
