"""Logged bandit feedback for off-policy evaluation: the validated ``BanditLog``, reading
one from a looplab log or a user's DataFrame, and a recorder that logs a running loop.

A log DataFrame has one row per decision with columns ``action`` (int in 0..K-1),
``propensity`` (the logging policy's probability of that action, in (0, 1]), ``reward``,
context columns (default: every ``x_<j>``), optionally availability columns
(``avail_<a>``, bool) and, for synthetic logs only, the true expected reward of each action
(``true_<a>``). Bad input raises ``LogError`` naming the column and how many rows are bad,
never a silently wrong estimate.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from looplab.core.types import Action, Feedback, Observation, Outcome


class LogError(ValueError):
    """A bandit log is malformed; the message names the column and the offending rows."""


@dataclass(frozen=True)
class BanditLog:
    """Validated logged feedback: n decisions over K actions."""

    action: np.ndarray  # (n,) int
    propensity: np.ndarray  # (n,) in (0, 1]
    reward: np.ndarray  # (n,)
    n_actions: int
    context: np.ndarray | None = None  # (n, d)
    avail: np.ndarray | None = None  # (n, K) bool
    expected: np.ndarray | None = None  # (n, K) ground truth, synthetic logs only

    def __post_init__(self) -> None:
        validate_arrays(self.action, self.propensity, self.reward, self.n_actions,
                        self.context, self.avail)

    def __len__(self) -> int:
        return int(self.action.shape[0])


def _bad(column: str, n_bad: int, n: int, what: str) -> LogError:
    return LogError(f"column {column!r}: {n_bad} of {n} rows {what}")


def validate_arrays(
    action: np.ndarray, propensity: np.ndarray, reward: np.ndarray, n_actions: int,
    context: np.ndarray | None = None, avail: np.ndarray | None = None,
    names: Mapping[str, str] | None = None,
) -> None:
    """Raise ``LogError`` for NaN rewards, propensities outside (0, 1], actions outside
    0..K-1 or outside the availability mask, NaN contexts, or mismatched lengths."""
    nm = {"action": "action", "propensity": "propensity", "reward": "reward",
          "context": "x_*", "avail": "avail_*", **(names or {})}
    n = action.shape[0]
    if n == 0:
        raise LogError("the log has no rows")
    for key, arr in (("propensity", propensity), ("reward", reward)):
        if arr.shape[0] != n:
            raise LogError(f"column {nm[key]!r} has {arr.shape[0]} rows, {nm['action']!r} {n}")
    r = np.asarray(reward, dtype=np.float64)
    if not np.isfinite(r).all():
        raise _bad(nm["reward"], int((~np.isfinite(r)).sum()), n, "are NaN or infinite")
    p = np.asarray(propensity, dtype=np.float64)
    out = ~((p > 0) & (p <= 1))  # NaN is outside too
    if out.any():
        raise _bad(nm["propensity"], int(out.sum()), n, "are outside (0, 1]")
    a = np.asarray(action)
    if not np.issubdtype(a.dtype, np.integer):
        af = a.astype(np.float64)
        nonint = np.isnan(af) | (af != np.round(af))
        if nonint.any():
            raise _bad(nm["action"], int(nonint.sum()), n, "are not integer actions")
        a = af.astype(np.int64)
    bad = (a < 0) | (a >= n_actions)
    if bad.any():
        raise _bad(nm["action"], int(bad.sum()), n, f"are not an action in 0..{n_actions - 1}")
    if context is not None:
        if context.shape[0] != n:
            raise LogError(f"context has {context.shape[0]} rows, {nm['action']!r} {n}")
        nan_rows = ~np.isfinite(context).all(axis=1)
        if nan_rows.any():
            raise _bad(nm["context"], int(nan_rows.sum()), n,
                       "have a NaN context value (or an infinite one)")
    if avail is not None:
        if avail.shape != (n, n_actions):
            raise LogError(f"availability mask has shape {avail.shape}, expected ({n}, "
                           f"{n_actions})")
        off = ~avail[np.arange(n), a]
        if off.any():
            raise _bad(nm["action"], int(off.sum()), n,
                       f"choose an action outside the availability mask ({nm['avail']})")


def _numeric(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Column ``column`` as float64; LogError naming it if it holds non-numbers."""
    try:
        return frame[column].to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        bad = pd.to_numeric(frame[column], errors="coerce").isna() & frame[column].notna()
        raise _bad(column, int(bad.sum()), len(frame), "are not numbers") from None


def _prefixed(columns: Sequence[str], prefix: str) -> list[str]:
    """Columns named ``<prefix><int>``, in integer order."""
    pat = re.compile(re.escape(prefix) + r"(\d+)$")
    found = [(int(m.group(1)), c) for c in columns if (m := pat.match(str(c)))]
    return [c for _, c in sorted(found)]


def from_frame(
    frame: pd.DataFrame,
    *,
    action: str = "action",
    propensity: str = "propensity",
    reward: str = "reward",
    context: Sequence[str] | str = "x_",
    avail: Sequence[str] | str | None = "avail_",
    n_actions: int | None = None,
) -> BanditLog:
    """A validated ``BanditLog`` from a DataFrame (a looplab log or the user's own).

    ``context`` and ``avail`` are a list of columns or a column-name prefix (``x_`` matches
    ``x_0, x_1, ...``); a missing availability prefix means every action was available.
    ``n_actions`` defaults to the number of ``avail_*`` / ``true_*`` columns, else
    max(action) + 1.
    """
    if not isinstance(frame, pd.DataFrame):
        raise LogError(f"expected a pandas DataFrame, got {type(frame).__name__}")
    cols = list(frame.columns)
    required = [action, propensity, reward]
    ctx_cols = _prefixed(cols, context) if isinstance(context, str) else list(context)
    if not isinstance(context, str):
        required += ctx_cols
    missing = [c for c in required if c not in frame.columns]
    if missing:
        shown = ", ".join(map(str, cols[:12])) + (", ..." if len(cols) > 12 else "")
        raise LogError(
            f"log is missing column(s) {', '.join(map(repr, missing))}; it has: {shown}"
        )
    av_cols: list[str] = []
    if avail is not None:
        av_cols = _prefixed(cols, avail) if isinstance(avail, str) else list(avail)
        absent = [c for c in av_cols if c not in frame.columns]
        if absent:
            raise LogError(f"log is missing column(s) {', '.join(map(repr, absent))}")
    true_cols = _prefixed(cols, "true_")
    if n_actions is not None and (isinstance(n_actions, bool) or not isinstance(
            n_actions, int | np.integer) or n_actions < 1):
        raise LogError(f"n_actions must be a positive integer, got {n_actions!r}")
    K = n_actions or len(av_cols) or len(true_cols)
    a_raw = frame[action].to_numpy()
    if not K:
        a_num = pd.to_numeric(frame[action], errors="coerce").to_numpy(dtype=np.float64)
        fin = a_num[np.isfinite(a_num)]
        K = int(min(fin.max(), 2**62)) + 1 if fin.size else 1
    if av_cols and len(av_cols) != K:
        raise LogError(f"{len(av_cols)} availability columns but n_actions = {K}")
    try:
        a_arr = np.asarray(a_raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise LogError(f"column {action!r} must hold integer action indices") from None
    if not np.isfinite(a_arr).all():
        raise _bad(action, int((~np.isfinite(a_arr)).sum()), len(a_arr),
                   "are not integer actions")
    ctx = np.column_stack([_numeric(frame, c) for c in ctx_cols]) if ctx_cols else None
    av = frame[av_cols].to_numpy(dtype=bool) if av_cols else None
    validate_arrays(
        a_arr, _numeric(frame, propensity), _numeric(frame, reward), K, ctx, av,
        names={"action": action, "propensity": propensity, "reward": reward,
               "context": (context + "*") if isinstance(context, str) else "context",
               "avail": (avail + "*") if isinstance(avail, str) else "availability"},
    )
    expected = (np.column_stack([_numeric(frame, c) for c in true_cols])
                if len(true_cols) == K else None)
    return BanditLog(
        action=a_arr.astype(np.int64),
        propensity=_numeric(frame, propensity),
        reward=_numeric(frame, reward),
        n_actions=K,
        context=ctx,
        avail=av,
        expected=expected,
    )


class LogRecorder:
    """A monitor that records every decision of a contextual loop as a log table (it emits
    no metric and never steers the loop). ``frame()`` gives the looplab log DataFrame with
    replicate, round, action, propensity, reward, x_*, avail_* and true_* columns."""

    names: tuple[str, ...] = ()

    def __init__(self, ground_truth: bool = True) -> None:
        self.ground_truth = ground_truth
        # features, avail, arm, propensity, reward, expected reward (or None)
        self._rows: list[tuple[Any, ...]] = []

    def reset(self, replicates: int) -> None:
        self._rows = []

    def __call__(
        self, obs: Observation, action: Action, outcome: Outcome, feedback: Feedback
    ) -> Mapping[str, np.ndarray]:
        exp = outcome.truth.get("expected") if self.ground_truth else None
        self._rows.append((obs["features"], obs["avail"], action.arm, action.propensity,
                           outcome.reward, exp))
        return {}

    def frame(self) -> pd.DataFrame:
        """All recorded decisions, one row each."""
        if not self._rows:
            raise LogError("nothing was recorded")
        X = np.stack([r[0] for r in self._rows])  # (T, S, N, d)
        T, S, N, d = X.shape
        K = self._rows[0][1].shape[-1]
        cols: dict[str, np.ndarray] = {
            "replicate": np.broadcast_to(np.arange(S)[None, :, None], (T, S, N)).ravel(),
            "round": np.broadcast_to(np.arange(T)[:, None, None], (T, S, N)).ravel(),
            "action": np.stack([r[2] for r in self._rows]).ravel().astype(np.int64),
            "propensity": np.stack([r[3] for r in self._rows]).ravel(),
            "reward": np.stack([r[4] for r in self._rows]).ravel(),
        }
        Xf = X.reshape(-1, d)
        for j in range(d):
            cols[f"x_{j}"] = Xf[:, j]
        av = np.stack([r[1] for r in self._rows]).reshape(-1, K)
        for a in range(K):
            cols[f"avail_{a}"] = av[:, a]
        if self._rows[0][5] is not None:
            ex = np.stack([r[5] for r in self._rows]).reshape(-1, K)
            for a in range(K):
                cols[f"true_{a}"] = ex[:, a]
        return pd.DataFrame(cols)
