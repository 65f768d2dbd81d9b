"""The ``looplab`` command line: list scenarios, run one, write results, print a summary."""

from __future__ import annotations

import json
import math
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from looplab.data.fairness import DataMissingError
from looplab.experiments import store
from looplab.experiments.config import ConfigError
from looplab.experiments.execute import execute_scenario
from looplab.experiments.registry import KINDS, WORLDS, load_scenario, scenario_names

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Simulate, measure and correct bias in learning feedback loops.",
)


class UserError(Exception):
    """Bad input: printed as one line on stderr, exit code 2."""


@app.command("list")
def list_cmd() -> None:
    """List built-in scenarios, worlds and policies."""
    console = Console()
    table = Table("scenario", "description", title="scenarios")
    for name in scenario_names():
        try:
            table.add_row(name, load_scenario(name).description)
        except ConfigError as exc:  # one broken file must not hide the others
            table.add_row(name, f"[red]invalid: {exc}")
    console.print(table)
    worlds = Table("world", "description", title="worlds")
    for name, desc in WORLDS.items():
        worlds.add_row(name, desc)
    console.print(worlds)
    pols = Table("kind", "policy", "description", title="policies")
    for kind, spec in KINDS.items():
        for name, desc in spec.policies.items():
            pols.add_row(kind, name, desc)
    console.print(pols)


def _fmt(row: dict[str, float], stem: str) -> str:
    m, lo, hi = row[f"{stem}_mean"], row[f"{stem}_ci_low"], row[f"{stem}_ci_high"]
    if math.isnan(lo):
        return f"{m:.4g}"
    return f"{m:.4g} ± {(hi - lo) / 2:.2g}"


@app.command("run")
def run_cmd(
    scenario: Annotated[str, typer.Argument(help="built-in scenario name or path to a .toml")],
    rounds: Annotated[int | None, typer.Option(help="rounds per run")] = None,
    replicates: Annotated[int | None, typer.Option(help="replicates run as one batch")] = None,
    seed: Annotated[int | None, typer.Option(help="run seed")] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="override a config key: key=value")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="output folder")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Run a scenario; write Parquet + manifest (+ PNG plot) and print a summary."""
    overrides = list(set_ or [])
    for key, val in (("rounds", rounds), ("replicates", replicates), ("seed", seed)):
        if val is not None:
            overrides.append(f"{key}={val}")
    cfg = load_scenario(scenario, overrides)
    kind = KINDS[cfg.kind]
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out_dir = out or Path("runs") / f"{cfg.name}-{stamp}"
    if store.is_complete(out_dir):
        raise UserError(f"--out {out_dir} already holds a finished run; choose another folder")

    err = Console(stderr=True)
    show = err.is_terminal
    with Progress(
        TextColumn(f"[bold]{cfg.name}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} rounds"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not show,
        transient=True,
    ) as progress:
        task = progress.add_task("run", total=kind.progress_total(cfg))
        _, summary, plot = execute_scenario(
            cfg, out_dir, progress=lambda n: progress.advance(task, n)
        )

    if as_json:
        payload = {
            "scenario": cfg.name,
            "rounds": cfg.rounds,
            "replicates": cfg.replicates,
            "seed": cfg.seed,
            "policies": summary,
            "out": str(out_dir),
        }
        typer.echo(json.dumps(_finite(payload)))
        return
    console = Console()
    table = Table("policy", *(label for label, _ in kind.table), title=f"{cfg.name}: "
                  f"{cfg.rounds} rounds x {cfg.replicates} replicates, seed {cfg.seed} "
                  "(mean ± 95% CI half-width)")
    for name, row in summary.items():
        table.add_row(name, *(_fmt(row, stem) for _, stem in kind.table))
    console.print(table)
    console.print(f"results: {out_dir}   plot: {plot}")


def _finite(x: Any) -> Any:
    """NaN/inf become null so the output is strict JSON."""
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x


def main(argv: list[str] | None = None) -> int:
    """Run the CLI on ``argv``; returns the exit code (2 on bad input)."""
    args = sys.argv[1:] if argv is None else argv
    try:
        app(args=args, prog_name="looplab", standalone_mode=False)
    except (ConfigError, UserError, DataMissingError) as exc:
        print(f"looplab: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("looplab: interrupted; results already written are intact", file=sys.stderr)
        return 130
    except Exception as exc:
        # typer bundles its own copy of click, so its exception classes are matched by shape
        name = type(exc).__name__
        if name == "NoArgsIsHelpError":
            return 0
        if hasattr(exc, "format_message"):  # click's UsageError family
            print(f"looplab: error: {exc.format_message()}", file=sys.stderr)
            return int(getattr(exc, "exit_code", 2))
        if name == "Exit":
            return int(getattr(exc, "exit_code", 0))
        if name == "Abort":
            print("looplab: interrupted; results already written are intact", file=sys.stderr)
            return 130
        raise
    return 0


def entrypoint() -> None:
    """Console-script entry point."""
    sys.exit(main())
