"""Write the golden summaries and result tables (see ``cases.py``)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

from tests.golden.cases import CASES, SEEDS

DATA = Path(__file__).parent / "data"


def run_case(name: str, seed: int, out: Path) -> tuple[dict, pd.DataFrame]:
    """Run one case through the CLI; return its JSON summary and result table."""
    args = [sys.executable, "-m", "looplab.cli", "run", name, "--json", "--out", str(out),
            "--seed", str(seed)]
    for o in CASES[name]:
        args += ["--set", o]
    proc = subprocess.run(args, capture_output=True, text=True, check=True)
    payload = json.loads(proc.stdout.strip().splitlines()[-1])
    return payload["policies"], pd.read_parquet(out / "results.parquet")


def main(names: list[str]) -> None:
    """Regenerate ``names`` (all cases if empty). Regenerating after the architecture change
    is allowed only where a deliberate numerical change is documented in ``cases.py``."""
    DATA.mkdir(exist_ok=True)
    for name in names or list(CASES):
        for seed in SEEDS:
            with tempfile.TemporaryDirectory() as tmp:
                summary, frame = run_case(name, seed, Path(tmp) / "run")
            (DATA / f"{name}-{seed}.json").write_text(json.dumps(summary, indent=1, sort_keys=True))
            frame.to_parquet(DATA / f"{name}-{seed}.parquet")
            print(name, seed, frame.shape, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
