"""What ``looplab audit-judge`` does, as plain functions (the CLI command only parses flags).

``make_judge`` builds a judge from a spec string; ``run_audit_job`` audits it (and, with a
mitigation, the mitigated judge on the same items and seed) and returns the long result
table, a manifest and the per-call verdicts, ready for ``looplab.experiments.store``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from looplab.core.record import run_record
from looplab.judges.audit import AuditReport, audit, count_calls
from looplab.judges.injectors import bias_names, check_biases, load_cues
from looplab.judges.items import PairItem, load_items
from looplab.judges.mitigations import mitigate
from looplab.judges.reference import ReferenceJudge

JUDGE_KINDS = ("local", "openai", "embedding", "reference")
VERDICTS_FILE = "verdicts.parquet"
# Planner bounds, checked before any judge is built: far above a real audit (40 items x 12
# biases x 5 repeats ~ 10^4 calls), far below what would hang the planner.
MAX_REPEATS = 1000
MAX_CALLS = 10_000_000


def check_audit_args(*, repeats: int, seed: int, margin: float,
                     max_items: int | None = None) -> None:
    """ValueError (one line naming the flag) for an audit setting outside its range."""
    import math

    if not 1 <= repeats <= MAX_REPEATS:
        raise ValueError(f"--repeats must be in 1..{MAX_REPEATS}, got {repeats}")
    if not 0 <= seed <= 2**32 - 1:
        raise ValueError(f"--seed must be in 0..{2**32 - 1}, got {seed}")
    if not (math.isfinite(margin) and 0 < margin < 1):
        raise ValueError(f"--margin must be a number in (0, 1), got {margin}")
    if max_items is not None and max_items < 1:
        raise ValueError(f"--max-items must be >= 1, got {max_items}")


def parse_reference_spec(spec: str) -> dict[str, float]:
    """``reference:position=0.8,verbosity=0.5`` -> {"position": 0.8, "verbosity": 0.5}."""
    _, _, rest = spec.partition(":")
    params: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, value = part.partition("=")
        if not eq:
            raise ValueError(f"--judge reference: expected name=value, got {part!r}")
        try:
            params[key.strip()] = float(value)
        except ValueError as exc:
            raise ValueError(f"--judge reference: {key.strip()} must be a number, "
                             f"got {value!r}") from exc
    return params


def make_judge(spec: str, items: list[PairItem], *, base_url: str | None = None,
               model: str | None = None, seed: int = 0, mode: str = "auto",
               cache: bool | Path = True) -> Any:
    """A judge from ``local``, ``openai`` (needs base_url and model), ``embedding`` or
    ``reference[:bias=logit,...,skill=..,heed=..]``."""
    kind = spec.split(":", 1)[0]
    if kind not in JUDGE_KINDS:
        raise ValueError(f"--judge must be one of: local, openai, embedding, "
                         f"reference[:bias=logit,...]; got {spec!r}")
    if kind != "reference" and ":" in spec:
        raise ValueError(f"--judge {kind} takes no parameters after ':'; got {spec!r}")
    if kind == "reference":
        biases: dict[str, Any] = parse_reference_spec(spec)
        judge_seed = biases.pop("seed", seed)
        if not float(judge_seed).is_integer():
            raise ValueError(f"--judge reference: seed must be a whole number, got {judge_seed}")
        return ReferenceJudge(items, seed=int(judge_seed), **biases)
    if kind == "embedding":
        from looplab.judges.embedding import EmbeddingJudge

        return EmbeddingJudge(items)
    from looplab.judges.llm_judge import LLMJudge
    from looplab.llm import LLMClient

    if kind == "local":
        return LLMJudge(LLMClient.local(cache=cache), mode=mode)  # type: ignore[arg-type]
    if not base_url or not model:
        raise ValueError("--judge openai needs --base-url (e.g. http://localhost:8000/v1) "
                         "and --model")
    return LLMJudge(LLMClient.openai(base_url, model, cache=cache), mode=mode)  # type: ignore[arg-type]


def run_audit_job(
    judge_spec: str = "local",
    *,
    biases: list[str] | None = None,
    items_path: str | Path | None = None,
    mitigation: str | None = None,
    repeats: int = 1,
    seed: int = 0,
    alpha: float = 0.05,
    margin: float = 0.10,
    max_items: int | None = None,
    base_url: str | None = None,
    model: str | None = None,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> tuple[pd.DataFrame, dict[str, Any], pd.DataFrame, dict[str, AuditReport]]:
    """Audit the judge (and the mitigated judge): (metrics frame with a ``policy`` column
    "baseline"/<mitigation>, manifest, per-call verdicts, reports by arm)."""
    check_audit_args(repeats=repeats, seed=seed, margin=margin, max_items=max_items)
    cues = load_cues()
    names = check_biases(biases if biases else list(bias_names(cues)), cues)
    items = load_items(items_path)
    if max_items is not None:
        items = items[:max_items]
    calls = count_calls(items, names, repeats) * (2 if mitigation else 1)
    if calls > MAX_CALLS:
        raise ValueError(f"the audit would make {calls} judge calls (items x biases x "
                         f"--repeats); at most {MAX_CALLS}: lower --repeats or --max-items")
    judge = make_judge(judge_spec, items, base_url=base_url, model=model, seed=seed)
    arms: dict[str, Any] = {"baseline": judge}
    if mitigation:
        arms[mitigation] = mitigate(judge, mitigation)
    if on_total:
        on_total(count_calls(items, names, repeats) * len(arms))
    reports: dict[str, AuditReport] = {}
    for arm, j in arms.items():
        reports[arm] = audit(j, items, names, repeats=repeats, seed=seed, alpha=alpha,
                             margin=margin, cues=cues, progress=progress)
    frames, verdicts = [], []
    for arm, rep in reports.items():
        f = rep.to_frame()
        f.insert(0, "policy", arm)
        f.insert(1, "judge", rep.judge)
        frames.append(f)
        v = rep.records.copy()
        v.insert(0, "policy", arm)
        verdicts.append(v)
    config = {"judge": judge_spec, "biases": names, "items": str(items_path or "built-in"),
              "n_items": len(items), "mitigation": mitigation, "repeats": repeats,
              "seed": seed, "alpha": alpha, "margin": margin, "base_url": base_url,
              "model": model}
    manifest = {
        "scenario": "audit-judge",
        "kind": "judge-audit",
        "record": run_record(config, seed, repeats),
        "summary": {arm: rep.to_dict()["effects"] for arm, rep in reports.items()},
        "judges": {arm: rep.judge for arm, rep in reports.items()},
    }
    return pd.concat(frames, ignore_index=True), manifest, pd.concat(verdicts,
                                                                    ignore_index=True), reports


def write_verdicts(out: Path, verdicts: pd.DataFrame) -> Path:
    """The per-call transcript as ``verdicts.parquet`` (atomic; written before the manifest
    so a folder with a manifest always has it)."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / VERDICTS_FILE
    fd, tmp = tempfile.mkstemp(dir=out, prefix=f".{VERDICTS_FILE}.", suffix=".tmp")
    os.close(fd)
    try:
        verdicts.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
