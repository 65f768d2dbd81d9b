"""The registry: scenario ``kind`` -> loop family, and the built-in scenario files.

Families are imported lazily, on first use, so ``import looplab``, ``looplab list`` and a
lending run import only what they need (never torch, transformers or ray up front).
Built-in families are listed in ``BUILTIN``; a third-party package adds its own through the
``looplab.families`` entry-point group, one entry per family::

    [project.entry-points."looplab.families"]
    my_kind = "my_package.family:FAMILY"

The entry's name is the scenario ``kind``; the object it points to is a
``looplab.families.base.Family`` whose ``name`` equals that kind.
"""

from __future__ import annotations

import importlib
from functools import cache
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from looplab.experiments.config import (
    ConfigError,
    ScenarioBase,
    apply_overrides,
    read_toml,
    validate,
)

if TYPE_CHECKING:
    from looplab.families.base import Family

ENTRY_POINT_GROUP = "looplab.families"

# kind -> "module:attribute" of its Family, imported on first use
BUILTIN: dict[str, str] = {
    "judge-loop": "looplab.families.judge_loops:FAMILY",
    "lending": "looplab.families.lending:FAMILY",
    "retrieval": "looplab.families.retrieval:FAMILY",
    "echo_chamber": "looplab.families.recsys:FAMILY",
    "reward-model": "looplab.families.reward_models:FAMILY",
    "bandit": "looplab.families.bandits:FAMILY",
    "replay": "looplab.families.replay:FAMILY",
    "improve": "looplab.families.improve:FAMILY",
    "onesided": "looplab.families.onesided:FAMILY",
    "average_reward": "looplab.families.mdp:FAMILY",
    "stitching": "looplab.families.stitching:FAMILY",
    "preference_gridworld": "looplab.families.cpl:FAMILY",
    "meta_exploration": "looplab.families.meta_exploration:FAMILY",
    "meta_bo": "looplab.families.meta_bo:FAMILY",
}


@cache
def _entry_points() -> dict[str, metadata.EntryPoint]:
    return {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}


def kinds() -> list[str]:
    """Every registered scenario kind: the built-in ones, then third-party ones."""
    return [*BUILTIN, *(k for k in _entry_points() if k not in BUILTIN)]


@cache
def family(kind: str) -> Family:
    """The family of scenario kind ``kind`` (imported now if it was not yet)."""
    from looplab.families.base import Family

    if kind in BUILTIN:
        module, _, attr = BUILTIN[kind].partition(":")
        fam = getattr(importlib.import_module(module), attr)
    elif kind in _entry_points():
        try:
            fam = _entry_points()[kind].load()
        except Exception as exc:  # a broken plugin must say which one, in one line
            raise ConfigError(
                f"family {kind!r} (entry point {_entry_points()[kind].value}) failed to "
                f"load: {type(exc).__name__}: {exc}"
            ) from None
    else:
        raise ConfigError(f"invalid kind: {kind!r}; allowed: {', '.join(kinds())}")
    if not isinstance(fam, Family) or fam.name != kind:
        raise ConfigError(f"entry for kind {kind!r} is not a looplab Family named {kind!r}")
    return fam


def _scenario_dirs() -> list[Any]:
    dirs: list[Any] = [resources.files("looplab") / "scenarios"]
    for kind in kinds():
        if kind not in BUILTIN:
            try:
                extra = family(kind).scenarios
            except ConfigError:
                continue
            if extra is not None:
                dirs.append(extra)
    return dirs


def _scenario_files() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for d in _scenario_dirs():
        for p in d.iterdir():
            if p.name.endswith(".toml"):
                out.setdefault(p.name.removesuffix(".toml"), p)
    return out


def scenario_names() -> list[str]:
    """Names of the built-in scenarios (looplab's and every registered family's)."""
    return sorted(_scenario_files())


def load_raw(name_or_path: str) -> dict[str, Any]:
    """The raw dict of a built-in scenario, or of a TOML file given by path."""
    path = Path(name_or_path)
    if name_or_path.endswith(".toml") and path.exists():
        return read_toml(path)
    files = _scenario_files()
    if name_or_path not in files:
        raise ConfigError(
            f"unknown scenario {name_or_path!r}; allowed: {', '.join(sorted(files))} "
            "or a path to a .toml file"
        )
    with resources.as_file(files[name_or_path]) as p:
        return read_toml(Path(p))


def load_scenario(name_or_path: str, overrides: list[str] | None = None) -> ScenarioBase:
    """A validated scenario config, with ``key=value`` overrides applied."""
    raw = apply_overrides(load_raw(name_or_path), overrides or [])
    kind = raw.get("kind")
    if not isinstance(kind, str) or kind not in kinds():
        raise ConfigError(f"invalid kind: {kind!r}; allowed: {', '.join(kinds())}")
    return validate(family(kind).scenario, raw)  # type: ignore[return-value]
