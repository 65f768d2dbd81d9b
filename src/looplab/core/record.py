"""The run record: what is needed to reproduce a result, stored next to it."""

from __future__ import annotations

import dataclasses
import functools
import platform
import subprocess
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from looplab.core.streams import STREAM_SCHEME

TRACKED_PACKAGES = (
    "looplab", "numpy", "scipy", "pandas", "pyarrow", "duckdb", "pydantic", "scikit-learn",
    "torch",
)


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that can change a result."""
    out: dict[str, str] = {}
    for name in TRACKED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


@functools.lru_cache(maxsize=8)
def git_revision(path: Path | None = None) -> str | None:
    """The git commit of the source tree (``+dirty`` if modified), or None outside git."""
    here = Path(path or Path(__file__).resolve().parent)
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        )
        if rev.returncode != 0:
            return None
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here, capture_output=True, text=True, timeout=5,
        )
        return rev.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return None


def run_record(config: dict[str, Any], seed: int, replicates: int) -> dict[str, Any]:
    """Config, seed, replicate count, random-stream scheme, package versions, git revision,
    platform, time."""
    return {
        "config": config,
        "seed": seed,
        "replicates": replicates,
        "stream_scheme": STREAM_SCHEME,
        "versions": package_versions(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "git_revision": git_revision(),
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _jsonable(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        return x.tolist() if x.size <= 64 else f"array{tuple(x.shape)}"
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, list | tuple):
        return [_jsonable(v) for v in x][:64]
    if isinstance(x, dict):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if x is None or isinstance(x, bool | int | float | str):
        return x
    return describe(x)


def describe(obj: Any) -> dict[str, Any]:
    """A JSON-able description of a world, policy, channel or monitor: its class and its
    settings (a pydantic ``config`` or the dataclass fields)."""
    out: dict[str, Any] = {"type": f"{type(obj).__module__}.{type(obj).__qualname__}"}
    cfg = getattr(obj, "config", None)
    if cfg is not None and hasattr(cfg, "model_dump"):
        out["config"] = cfg.model_dump(mode="json")
    dump = getattr(obj, "model_dump", None)
    if callable(dump) and not isinstance(obj, type):  # a Params model: its parameters
        out["params"] = {k: _jsonable(v) for k, v in dump().items()}
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out["params"] = {
            f.name: _jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)
        }
    return out
