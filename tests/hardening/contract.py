"""The hardening contract, as one helper: run the CLI in-process and check that it either
succeeded or refused with one line on stderr and exit 2 — never a traceback, never a file
outside the output folder, never a half-written run."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from looplab.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str


@contextlib.contextmanager
def chdir(path: Path) -> Iterator[None]:
    old = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def cli(args: list[str], cwd: Path) -> Result:
    """``looplab ARGS`` run in ``cwd``; any exception escaping ``main`` fails the test with
    its traceback (that is exactly what the contract forbids)."""
    out, err = io.StringIO(), io.StringIO()
    with chdir(cwd), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return Result(code, out.getvalue(), err.getvalue())


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def assert_contract(res: Result, *, ok_codes: tuple[int, ...] = (0, 2)) -> None:
    """Exit 0 (or another expected code), or 2 with exactly one ``looplab: error:`` line."""
    assert res.code in ok_codes, (res.code, res.err[-2000:])
    assert "Traceback" not in res.err, res.err
    if res.code == 2:
        lines = [ln for ln in res.err.splitlines() if ln.strip()]
        assert len(lines) == 1, res.err
        assert lines[0].startswith("looplab: error: "), res.err
        assert len(lines[0]) < 600, lines[0]


def assert_no_half_run(folder: Path) -> None:
    """A refused run leaves no manifest and no temp file behind."""
    if folder.exists():
        assert not list(folder.rglob("manifest.json")), sorted(files_under(folder))
        assert not list(folder.rglob("*.tmp")), sorted(files_under(folder))


def assert_finished_run(folder: Path, plot: bool = True) -> None:
    names = {p.name for p in folder.iterdir()}
    assert {"results.parquet", "manifest.json"} <= names, names
    assert not plot or "plot.png" in names, names
    assert not list(folder.rglob("*.tmp"))
