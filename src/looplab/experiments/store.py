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

RESULTS_FILE = "results.parquet"
MANIFEST_FILE = "manifest.json"


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


def write_run(out: Path, frame: pd.DataFrame, manifest: dict[str, Any]) -> Path:
    """Write ``frame`` and ``manifest`` into folder ``out``. The manifest goes last, so a
    folder with a manifest always holds a complete Parquet file."""
    out.mkdir(parents=True, exist_ok=True)
    _atomic_write(out / RESULTS_FILE, lambda p: frame.to_parquet(p, index=False))

    atomic_write_text(
        out / MANIFEST_FILE, json.dumps(manifest, indent=2, sort_keys=True, default=str)
    )
    return out


def is_complete(folder: Path) -> bool:
    """True if ``folder`` holds a finished run (manifest and results)."""
    return (folder / MANIFEST_FILE).exists() and (folder / RESULTS_FILE).exists()


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of the run in ``folder``."""
    return json.loads((folder / MANIFEST_FILE).read_text())


def open_results(path: str | Path, database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with every finished run under ``path`` as the view ``runs``
    (plus ``run_dir``) and their manifests as the view ``manifests``."""
    root = Path(path)
    if not root.exists():
        raise FileNotFoundError(f"no results folder at {root}")
    dirs = sorted({p.parent for p in root.rglob(MANIFEST_FILE) if is_complete(p.parent)})
    if not dirs:
        raise FileNotFoundError(f"no finished runs under {root}")
    con = duckdb.connect(database)
    files = _sql_list(d / RESULTS_FILE for d in dirs)
    manifests = _sql_list(d / MANIFEST_FILE for d in dirs)
    run_dir = "regexp_replace(filename, '/[^/]*$', '') AS run_dir"
    con.execute(
        f"CREATE OR REPLACE VIEW runs AS SELECT * EXCLUDE (filename), {run_dir} "
        f"FROM read_parquet({files}, union_by_name = true, filename = true)"
    )
    con.execute(
        f"CREATE OR REPLACE VIEW manifests AS SELECT * EXCLUDE (filename), {run_dir} "
        f"FROM read_json_auto({manifests}, filename = true, union_by_name = true)"
    )
    return con


def _sql_list(paths: Any) -> str:
    """A DuckDB list literal of quoted paths (views cannot take bound parameters)."""
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"
