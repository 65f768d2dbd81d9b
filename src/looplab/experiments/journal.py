"""An append-only JSONL journal of finished work units, so an interrupted run keeps them.

Each finished unit (e.g. one answered question) is one JSON line ``{"key": ..., "tag": ...,
"row": {...}}`` written with a single ``write`` call and flushed at once; a rerun with the
same journal reads the lines back and skips units whose key and tag match. ``tag`` is a hash
of the settings that produced the unit, so a changed setting recomputes it. A line cut
short by a crash (the only partial write possible) is ignored on reading and cut off the
file before the first append, so it is never glued to the next line.
Hand-written because the result store writes whole finished runs, not single rows.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from looplab.experiments.config import ConfigError
from looplab.jsonable import jsonable


def settings_tag(settings: Any) -> str:
    """A short stable hash of JSON-able ``settings``."""
    blob = json.dumps(settings, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


class Journal:
    """Finished units keyed by a string, stored in the JSONL file at ``path``."""

    def __init__(self, path: str | Path, sync_every: int = 50) -> None:
        self.path = Path(path)
        self.sync_every = sync_every
        self._done: dict[str, tuple[str, dict[str, Any]]] = {}
        self._pending = 0
        if self.path.is_dir():
            raise ConfigError(f"journal {self.path} is a folder; give a file path such as "
                              f"{self.path / 'journal.jsonl'}")
        if self.path.exists():
            data = self.path.read_bytes()
            whole = data[: data.rfind(b"\n") + 1]  # b"" if no line was ever finished
            for line in whole.splitlines():
                try:
                    rec = json.loads(line.decode("utf-8"))
                    self._done[str(rec["key"])] = (str(rec["tag"]), rec["row"])
                except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
                    continue  # a damaged line: its unit is simply recomputed
            if len(whole) < len(data):  # a torn last line: cut it before appending
                with open(self.path, "r+b") as fh:
                    fh.truncate(len(whole))
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()

    def get(self, key: str, tag: str) -> dict[str, Any] | None:
        """The stored row of ``key`` if it was produced with settings ``tag``."""
        hit = self._done.get(key)
        if hit is None or hit[0] != tag:
            return None
        return {k: (float("nan") if v is None else v) for k, v in hit[1].items()}

    def put(self, key: str, tag: str, row: dict[str, Any], extra: dict[str, Any] | None = None
            ) -> None:
        """Append one finished unit (``extra`` is stored beside the row, e.g. a trace)."""
        rec = {"key": key, "tag": tag, "row": jsonable(row)}
        if extra:
            rec["extra"] = jsonable(extra)
        self._fh.write(json.dumps(rec, sort_keys=True) + "\n")
        self._fh.flush()
        self._done[key] = (tag, rec["row"])
        self._pending += 1
        if self._pending >= self.sync_every:
            self.sync()

    def sync(self) -> None:
        """Force written lines to disk."""
        os.fsync(self._fh.fileno())
        self._pending = 0

    def close(self) -> None:
        """Sync and close the file."""
        if not self._fh.closed:
            self.sync()
            self._fh.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __len__(self) -> int:
        return len(self._done)
