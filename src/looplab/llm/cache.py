"""A disk cache of language-model answers, keyed on the full request.

One JSON file per request, written atomically (temp file + rename) the moment the answer
arrives, so an interrupted run keeps every answer it already received and a rerun asks only
for the missing ones. Files live under ``<root>/<key[:2]>/<key>.json``; the key is the
SHA-256 of the canonical JSON of (backend identity, call kind, payload). Credentials are
never part of a request payload, so they never reach the disk.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import platformdirs


def default_cache_dir() -> Path:
    """``$LOOPLAB_CACHE_DIR`` if set, else the user cache directory (platformdirs)."""
    env = os.environ.get("LOOPLAB_CACHE_DIR")
    return Path(env) if env else Path(platformdirs.user_cache_dir("looplab"))


def request_key(request: dict[str, Any]) -> str:
    """SHA-256 hex digest of the canonical JSON of ``request``."""
    text = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


class DiskCache:
    """Request -> answer store on disk; safe for concurrent threads and processes."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored answer for ``key``, or None (a corrupt file counts as missing)."""
        try:
            with open(self._path(key)) as fh:
                return json.load(fh)["answer"]
        except (FileNotFoundError, json.JSONDecodeError, KeyError, TypeError):
            return None

    def put(self, key: str, request: dict[str, Any], answer: dict[str, Any]) -> None:
        """Store ``answer`` (with its request, for inspection) atomically."""
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{key[:8]}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as fh:
                json.dump({"request": request, "answer": answer}, fh, ensure_ascii=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def __len__(self) -> int:
        return sum(1 for _ in self.root.glob("*/*.json")) if self.root.exists() else 0
