"""Paper claims decided over seeds: run each scenario on several seeds (replicates batched
inside each run, through the sweep machinery), summarise every seed's run, and apply each
family's ``CLAIMS`` with ``Claim.check_over_seeds`` and the rule the claim states
("most_seeds": holds on >= 80% of >= 5 seeds; "pooled": the 95% t-interval of the per-seed
values lies on the passing side of the margin).

The unit of evidence is the seed: one seed's run is one replicate-batched experiment whose
summary (a mean over its replicates) is one draw of the claim's measured quantity.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from looplab.experiments.claims import Claim, Summary
from looplab.experiments.config import ConfigError, parse_value

COLUMNS = ("scenario", "claim", "statement", "rule", "seeds", "n_held", "per_seed", "values",
           "mean", "ci_low", "ci_high", "op", "margin", "held", "expected", "verdict", "note")


def parse_seeds(text: str) -> list[int]:
    """Seeds from ``"0..4"`` (inclusive range), ``"0,2,7"`` or a mix (``"0..2,9"``)."""
    seeds: list[int] = []
    for part in text.split(","):
        part = part.strip()
        m = re.fullmatch(r"(\d+)\.\.(\d+)", part)
        if m:
            lo, hi = int(m.group(1)), int(m.group(2))
            if hi < lo:
                raise ConfigError(f"invalid --seeds {text!r}: range {part} is empty")
            seeds.extend(range(lo, hi + 1))
        elif part.isdigit():
            seeds.append(int(part))
        else:
            raise ConfigError(f"invalid --seeds {text!r}; use e.g. 0..4 or 0,1,2")
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"invalid --seeds {text!r}: a seed is repeated")
    return seeds


def parse_overrides(items: Iterable[str]) -> dict[str, Any]:
    """``["key=value", ...]`` -> {key: value}; values parsed as ``looplab run --set`` does
    (TOML numbers, booleans, strings, lists; a bare string otherwise)."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"invalid --set {item!r}; expected key=value")
        out[key.strip()] = parse_value(raw.strip())
    return out


def seed_summaries(
    scenario: str,
    seeds: Sequence[int],
    overrides: dict[str, Any] | None = None,
    out: Path | None = None,
    workers: int | None = None,
) -> dict[int, Summary]:
    """{seed: summary} of ``scenario`` run once per seed (a sweep over seeds: each seed is
    one cell, written under ``out`` and skipped when already finished there)."""
    from looplab.experiments import store
    from looplab.experiments.sweep import SweepSpec, cell_dir, expand, run_sweep

    spec = SweepSpec(name=f"claims-{Path(scenario).stem}", scenarios=[scenario],
                     seeds=list(seeds), set=dict(overrides or {}))
    with tempfile.TemporaryDirectory(prefix="looplab-claims-") as tmp:
        folder = out if out is not None else Path(tmp)
        outcome = run_sweep(spec, folder, workers=workers or min(2, len(seeds)))
        if outcome.failed:
            first = outcome.failed[0]
            raise RuntimeError(f"{len(outcome.failed)} seed run(s) of {scenario} failed; "
                               f"first: {first['cell']}: {first['error']}")
        return {c.seed: store.read_manifest(cell_dir(folder, c))["summary"] for c in expand(spec)}


def claims_over_seeds(
    claims: Iterable[Claim], scenario: str, summaries: Sequence[Summary]
) -> pd.DataFrame:
    """One row per claim that applies to every seed's summary: the verdict by its rule."""
    rows = []
    for c in claims:
        if not summaries or not all(c.applies(s) for s in summaries):
            continue
        v = c.check_over_seeds(list(summaries))
        expected = c.expected_to_hold(scenario)
        verdict = "holds" if v["held"] else "fails"
        if not expected:
            verdict += " (recorded: not reproduced)" if not v["held"] else (
                " (recorded as not reproduced: update the table)")
        rows.append({
            "scenario": scenario, "claim": c.id, "statement": c.statement, "rule": c.rule,
            "seeds": v["seeds"], "n_held": v["n_held"], "per_seed": v["per_seed_held"],
            "values": v["values"], "mean": v["mean"], "ci_low": v["ci_low"],
            "ci_high": v["ci_high"], "op": c.op, "margin": c.margin, "held": v["held"],
            "expected": expected, "verdict": verdict, "note": c.note,
        })
    return pd.DataFrame(rows, columns=list(COLUMNS))


def evaluate_claims(
    scenario_names: Sequence[str],
    seeds: Sequence[int],
    overrides: dict[str, Any] | Sequence[str] | None = None,
    out: Path | None = None,
    workers: int | None = None,
) -> pd.DataFrame:
    """Run every scenario on every seed and decide each of its family's claims over the
    seeds; one row per (scenario, claim) (see ``COLUMNS``). ``overrides`` apply to every
    scenario (``{"key": value}`` or ``["key=value"]``); with ``out``, each scenario's seed
    runs are kept under ``out/<scenario>/`` (and reused on a rerun)."""
    from looplab.experiments.registry import family, load_scenario

    if isinstance(overrides, dict) or overrides is None:
        ov = dict(overrides or {})
    else:
        ov = parse_overrides(overrides)
    frames = []
    for name in scenario_names:
        cfg = load_scenario(name, [f"{k}={json.dumps(v)}" for k, v in ov.items()])
        kind = family(cfg.kind)
        sub = None if out is None else Path(out) / Path(name).stem
        per_seed = seed_summaries(name, seeds, ov, sub, workers)
        frames.append(claims_over_seeds(kind.claims, cfg.name, [per_seed[s] for s in seeds]))
    if not frames:
        return pd.DataFrame(columns=list(COLUMNS))
    return pd.concat(frames, ignore_index=True)


def format_claim_row(row: dict[str, Any]) -> dict[str, str]:
    """Printable cells of one claims row."""
    marks = "".join("+" if h else "-" for h in row["per_seed"])
    return {
        "held": f"{row['n_held']}/{row['seeds']} {marks}",
        "pooled": f"{row['mean']:.4g} [{row['ci_low']:.4g}, {row['ci_high']:.4g}]",
        "margin": f"{row['op']} {row['margin']:g}",
    }
