"""The result store: one Parquet file and one JSON manifest per run, written atomically,
queried through DuckDB."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from looplab.experiments.config import ConfigError

RESULTS_FILE = "results.parquet"
MANIFEST_FILE = "manifest.json"
TMP_GLOB = ".*.tmp"


class CorruptRunError(ConfigError):
    """A run folder's results or manifest cannot be read; the message names the file."""


def inside(root: Path, path: Path) -> Path:
    """``path`` if it resolves to ``root`` or a path under it, else ConfigError: every write
    of a run is proven to stay in its output folder (names are data, never paths)."""
    r, p = Path(root).resolve(), Path(path).resolve()
    if p != r and r not in p.parents:
        raise ConfigError(f"refusing to write {path}: it is outside the output folder {root}")
    return path


def clean_tmp(folder: Path) -> int:
    """Remove the temp files an interrupted atomic write left in ``folder`` (and below);
    returns how many. Only our own ``.<name>.<random>.tmp`` files are touched."""
    n = 0
    if folder.is_dir():
        for tmp in folder.rglob(TMP_GLOB):
            if tmp.is_file():
                tmp.unlink(missing_ok=True)
                n += 1
    return n


def _atomic_write(path: Path, write: Any) -> None:
    """Write via a temp file in the same folder, fsync, then rename over ``path``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; results are meant to be shared
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""

    def dump(p: str) -> None:
        with open(p, "w") as fh:
            fh.write(text)

    _atomic_write(path, dump)


def write_results(out: Path, frame: pd.DataFrame) -> Path:
    """Write ``frame`` as ``out/results.parquet`` (atomically)."""
    out.mkdir(parents=True, exist_ok=True)
    _atomic_write(out / RESULTS_FILE, lambda p: frame.to_parquet(p, index=False))
    return out / RESULTS_FILE


def write_manifest(out: Path, manifest: dict[str, Any]) -> Path:
    """Write ``out/manifest.json`` (atomically): the last file a run writes."""
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(
        out / MANIFEST_FILE, json.dumps(manifest, indent=2, sort_keys=True, default=str)
    )
    return out / MANIFEST_FILE


def write_run(out: Path, frame: pd.DataFrame, manifest: dict[str, Any]) -> Path:
    """Write ``frame`` and ``manifest`` into folder ``out``. The manifest goes last, so a
    folder with a manifest always holds a complete Parquet file."""
    write_results(out, frame)
    write_manifest(out, manifest)
    return out


def is_complete(folder: Path) -> bool:
    """True if ``folder`` holds a finished run (manifest and results)."""
    return (folder / MANIFEST_FILE).is_file() and (folder / RESULTS_FILE).is_file()


def check_run(folder: Path) -> None:
    """Raise CorruptRunError if the finished run in ``folder`` cannot be read: a manifest
    that is not a JSON object, or a results file without Parquet's magic bytes at both
    ends (a truncated or foreign file). Cheap: reads the manifest and 8 bytes."""
    res = folder / RESULTS_FILE
    try:
        with open(res, "rb") as fh:
            head = fh.read(4)
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 4))
            tail = fh.read(4)
    except OSError as exc:
        raise CorruptRunError(f"cannot read {res}: {exc.strerror or exc}") from None
    if size < 12 or head != b"PAR1" or tail != b"PAR1":
        raise CorruptRunError(f"{res} is not a complete Parquet file (corrupt or truncated); "
                              "delete that run folder or rerun it")
    read_manifest(folder)


def is_valid(folder: Path) -> bool:
    """True if ``folder`` holds a finished run that can be read (``check_run``)."""
    if not is_complete(folder):
        return False
    try:
        check_run(folder)
    except CorruptRunError:
        return False
    return True


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of the run in ``folder`` (CorruptRunError if it is not a JSON object)."""
    path = folder / MANIFEST_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CorruptRunError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        data = None
    if not isinstance(data, dict):
        raise CorruptRunError(f"{path} is not a JSON object (corrupt or truncated); delete "
                              "that run folder or rerun it")
    return data


def open_results(path: str | Path, database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with every finished run under ``path`` as the view ``runs``
    (plus ``run_dir``) and their manifests as the view ``manifests``."""
    root = Path(path)
    if not root.exists():
        raise FileNotFoundError(f"no results folder at {root}")
    dirs = sorted({p.parent for p in root.rglob(MANIFEST_FILE) if is_complete(p.parent)})
    if not dirs:
        raise FileNotFoundError(f"no finished runs under {root}")
    for d in dirs:  # one line naming the bad file, not DuckDB's message, and before work
        check_run(d)
    con = duckdb.connect(database)
    files = _sql_list(d / RESULTS_FILE for d in dirs)
    manifests = _sql_list(d / MANIFEST_FILE for d in dirs)
    run_dir = "regexp_replace(filename, '/[^/]*$', '') AS run_dir"
    try:
        con.execute(
            f"CREATE OR REPLACE VIEW runs AS SELECT * EXCLUDE (filename), {run_dir} "
            f"FROM read_parquet({files}, union_by_name = true, filename = true)"
        )
        con.execute(
            f"CREATE OR REPLACE VIEW manifests AS SELECT * EXCLUDE (filename), {run_dir} "
            f"FROM read_json_auto({manifests}, filename = true, union_by_name = true)"
        )
    except duckdb.Error as exc:
        con.close()
        first = str(exc).splitlines()[0]
        raise CorruptRunError(f"cannot read the runs under {root}: {first}") from None
    return con


def glob_escape(path: str) -> str:
    """``path`` with DuckDB's glob characters (``* ? [``) matched literally: a run folder
    named ``a*b`` must not also read ``axb``."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in path)


def _sql_list(paths: Any) -> str:
    """A DuckDB list literal of quoted, glob-escaped paths (views cannot take bound
    parameters)."""
    return "[" + ", ".join(
        "'" + glob_escape(str(p)).replace("'", "''") + "'" for p in paths
    ) + "]"
