"""The policy-improvement loop on a verifiable task, batched over replicates.

Round t = 0..rounds: the monitors read the current policy exactly (round 0 is the base
model), then the rule takes one update (none after the last round). At round 0 and at the
last round the loop also records the whole exact curve pass@N for N = 1..``curve_n``
(columns ``pass_curve_<N>``, NaN on the rounds between; the report's pass@N-against-N
figure of the final policy against the base). Every replicate draws
its own task from the ``world-instance`` stream; the rule's draws come from the ``policy``
stream, so arms compared under one seed face the same tasks (and, while their policies
agree, the same samples: common random numbers).

Both are per-replicate ``core.streams.Stream`` objects on the batch's ``rows``, and every
update acts on each replicate's own slice, so replicate i's rows are bit-identical whether
it runs alone, in a shard or packed after another seed (issue 19).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from looplab.core.streams import Rows, Stream
from looplab.improve import monitors as mon
from looplab.improve.prefixrl import LockRule
from looplab.improve.rule import Rule
from looplab.improve.sequence import LockWorld, make_lock_task, path_entropy, success_prob
from looplab.improve.tasks import CandidateWorld, Task, make_task

PASS_NS = (1, 4, 16, 64, 256)
INFO_METRICS = ("clip_fraction", "balance", "temperature", "threshold", "grad_var",
                "grad_snr", "judge_acc_on", "judge_acc_off", "judge_policy_corr",
                "sel_irrelevant")


CURVE_PREFIX = "pass_curve_"


def metric_names(pass_ns: Sequence[int] = PASS_NS, curve_n: int = 0) -> tuple[str, ...]:
    """Every column the loop emits."""
    return (*(f"pass_{n}" for n in pass_ns), "entropy", "rare_mass", "distinct_correct",
            "samples", *INFO_METRICS, *(f"{CURVE_PREFIX}{n}" for n in range(1, curve_n + 1)))


def pass_curve(q: np.ndarray, curve_n: int) -> np.ndarray:
    """(curve_n, S) exact pass@N = mean_p [1 - (1 - q_p)^N] for N = 1..curve_n, from the
    (S, P) per-prompt probabilities of a correct sample."""
    n = np.arange(1, curve_n + 1, dtype=np.float64)
    log_miss = np.log1p(-np.clip(q, 0.0, 1 - 1e-16))  # (S, P)
    return (-np.expm1(n[:, None, None] * log_miss[None])).mean(-1)


def _record_curve(out: dict[str, np.ndarray], t: int, q: np.ndarray, curve_n: int) -> None:
    if curve_n > 0:
        for i, row in enumerate(pass_curve(q, curve_n), start=1):
            out[f"{CURVE_PREFIX}{i}"][t] = row


def exact_metrics(task: Task, probs: np.ndarray, pass_ns: Sequence[int],
                  distinct_n: int) -> dict[str, np.ndarray]:
    """(S,) exact monitors of the policy ``probs`` on ``task``."""
    out = {f"pass_{n}": mon.pass_at_n_exact(probs, task.correct, n) for n in pass_ns}
    out["entropy"] = mon.entropy(probs)
    out["rare_mass"] = mon.rare_mass(probs, task.rare)
    out["distinct_correct"] = mon.distinct_correct(probs, task.correct, distinct_n)
    return out


def run_verifier_loop(
    world: CandidateWorld,
    rule: Rule | None,
    rounds: int,
    rows: Rows,
    pass_ns: Sequence[int] = PASS_NS,
    progress: Callable[[int], None] | None = None,
    curve_n: int = 0,
) -> dict[str, np.ndarray]:
    """{metric: (rounds + 1, S)} for the batch ``rows`` (S = len(rows));
    ``rule=None`` keeps the base model (a reference arm)."""
    S = len(rows)
    task = make_task(world, S, Stream(rows, "world-instance"))
    rng = Stream(rows, "policy")
    names = metric_names(pass_ns, curve_n)
    out = {m: np.full((rounds + 1, S), np.nan) for m in names}
    state = rule.init_state(task, rng) if rule is not None else {"theta": task.init_theta()}
    distinct_n = rule.group if rule is not None else 16
    used = 0.0
    for t in range(rounds + 1):
        probs = task.probs(state["theta"])
        for k, v in exact_metrics(task, probs, pass_ns, distinct_n).items():
            out[k][t] = v
        if t in (0, rounds):
            _record_curve(out, t, mon.correct_mass(probs, task.correct), curve_n)
        out["samples"][t] = used
        if t == rounds or rule is None:
            if progress is not None and t < rounds:
                progress(1)
            continue
        state, info = rule.step(task, state, rng)
        used += float(info.pop("samples_used", task.shape[1] * rule.group))
        for k, v in info.items():
            out[k][t] = v
        if progress is not None:
            progress(1)
    return out


def run_lock_loop(
    world: LockWorld,
    rule: LockRule | None,
    rounds: int,
    rows: Rows,
    pass_ns: Sequence[int] = PASS_NS,
    progress: Callable[[int], None] | None = None,
    curve_n: int = 0,
) -> dict[str, np.ndarray]:
    """The same loop on the combination lock: pass@N of unprefixed problems (exact), mean
    next-token entropy on the lock path; ``rare_mass`` and ``distinct_correct`` do not
    apply (NaN)."""
    S = len(rows)
    task = make_lock_task(world, S, Stream(rows, "world-instance"))
    rng = Stream(rows, "policy")
    out = {m: np.full((rounds + 1, S), np.nan) for m in metric_names(pass_ns, curve_n)}
    state = rule.init_state(task, rng) if rule is not None else {"theta": task.theta0}
    used = 0.0
    for t in range(rounds + 1):
        q = success_prob(task, state["theta"])
        for n in pass_ns:
            out[f"pass_{n}"][t] = (-np.expm1(n * np.log1p(-np.minimum(q, 1 - 1e-16)))
                                   ).mean(-1)
        if t in (0, rounds):
            _record_curve(out, t, q, curve_n)
        out["entropy"][t] = path_entropy(task, state["theta"])
        out["samples"][t] = used
        if t < rounds and rule is not None:
            state, info = rule.step(task, state, rng)
            used += float(info.pop("samples_used", world.prompts * rule.group))
            for k, v in info.items():
                out[k][t] = v
        if progress is not None and t < rounds:
            progress(1)
    return out
