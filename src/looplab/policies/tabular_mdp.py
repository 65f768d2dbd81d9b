"""What the tabular average-reward learners share: visit counts batched over replicates,
extended value iteration over L1 confidence sets (Jaksch, Ortner and Auer, "Near-optimal
Regret Bounds for Reinforcement Learning", JMLR 2010, Fig. 2), and an ``Action`` that
reports policy switches to the monitors.

Confidence sets (UCRL2's, with t the step count at planning time, N = max(1, N(s, a))):
    ||P(.|s,a) - Phat(.|s,a)||_1 <= d(s,a) = c * sqrt(14 n log(2 A t / delta) / N)
    |r(s,a) - rhat(s,a)|         <= b(s,a) = c * sqrt(3.5 log(2 n A t / delta) / N)
EVI: V_{i+1}(s) = max_a [ rtilde(s,a) + max_{p in ball} p . V_i ]; the inner max moves d/2
of mass onto the best state and takes it from the worst ones. Iteration stops when
span(V_{i+1} - V_i) < 1 / sqrt(t) (UCRL2's accuracy), per replicate; iterates use the aperiodicity
transform 0.5 p + 0.5 e_s (same gain and policy; the bias is halved back at the end).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from looplab.core.types import Action, Feedback, Observation


@dataclass(frozen=True)
class SwitchAction(Action):
    """An Action that also says which replicates switched policy before this step."""

    switched: np.ndarray | None = None


def zeros_stats(R: int, n: int, A: int) -> dict[str, Any]:
    """Fresh counts and a uniform-random-free initial policy (action 0 everywhere)."""
    return {
        "N": np.zeros((R, n, A)), "Nsp": np.zeros((R, n, A, n)), "Rsum": np.zeros((R, n, A)),
        "pi": np.zeros((R, n), dtype=np.int64), "Q": np.zeros((R, n, A)), "J": np.zeros(R),
        "h": np.zeros((R, n)), "t": 0, "switches": np.zeros(R, dtype=np.int64),
        "switched": np.ones(R, dtype=bool), "n": n, "A": A,
    }


def record(st: dict[str, Any], fb: Feedback) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Add one transition per replicate to the counts (in place); returns (s, a, s')."""
    s, a, s2 = fb.signals["state"], np.asarray(fb.arm, np.int64), fb.signals["next_state"]
    rows = np.arange(s.shape[0])
    st["N"][rows, s, a] += 1
    st["Nsp"][rows, s, a, s2] += 1
    st["Rsum"][rows, s, a] += fb.reward
    st["t"] += 1
    return s, a, s2


def act_from(st: dict[str, Any], obs: Observation) -> SwitchAction:
    """Play the current stationary policy; report whether it was just recomputed."""
    s = obs["state"]
    arm = st["pi"][np.arange(s.shape[0]), s]
    return SwitchAction(arm=arm, propensity=np.ones(arm.shape[0]),
                        switched=st["switched"].copy())


def fresh(st: dict[str, Any]) -> dict[str, Any]:
    """A copy of the state for ``update`` to modify (the state it was given stays as it
    was), with the switch flags cleared: a switch is reported by the next ``act`` only."""
    new = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in st.items()}
    new["switched"] = np.zeros_like(st["switched"])
    return new


def plan(
    st: dict[str, Any], idx: np.ndarray, delta: float, scale: float, optimistic: bool = True
) -> None:
    """Recompute (Q, J, h, pi) for replicates ``idx`` (in place): EVI over the confidence
    sets (``optimistic``) or value iteration on the plug-in model (no bonus)."""
    if idx.size == 0:
        return
    n, A = st["n"], st["A"]
    t = max(st["t"], 1)
    N = st["N"][idx]
    Nc = np.maximum(N, 1.0)
    phat = np.where(N[..., None] > 0, st["Nsp"][idx] / Nc[..., None], 1.0 / n)
    rhat = st["Rsum"][idx] / Nc
    if optimistic:
        d = np.minimum(scale * np.sqrt(14 * n * np.log(2 * A * t / delta) / Nc), 2.0)
        r = np.minimum(rhat + scale * np.sqrt(3.5 * np.log(2 * n * A * t / delta) / Nc), 1.0)
    else:
        d = np.zeros_like(rhat)
        r = rhat
    Q, J, h, pi = extended_value_iteration(phat, d, r, t)
    st["Q"][idx], st["J"][idx], st["h"][idx] = Q, J, h
    st["pi"][idx] = pi
    st["switches"][idx] += 1
    st["switched"][idx] = True


def extended_value_iteration(
    phat: np.ndarray, d: np.ndarray, r: np.ndarray, t: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """EVI over {p : ||p - phat||_1 <= d} with optimistic rewards r (batched: phat
    (R, n, A, n), d and r (R, n, A)) at step t: (Q (R, n, A), J (R,), h (R, n), pi (R, n))."""
    n = phat.shape[1]
    eps = 1.0 / np.sqrt(t)
    R = phat.shape[0]
    V = np.zeros((R, n))
    q = np.zeros(r.shape)
    diff = np.zeros((R, n))
    eye = np.eye(n)
    live = np.arange(R)  # a replicate stops (frozen) once its own span is < eps
    for _ in range(5000):
        p = optimistic_p(phat[live], d[live], V[live])
        p = 0.5 * p + 0.5 * eye[None, :, None, :]
        ql = r[live] + np.einsum("rsan,rn->rsa", p, V[live])
        V2 = ql.max(axis=2)
        dl = V2 - V[live]
        q[live], diff[live], V[live] = ql, dl, V2 - V2[:, :1]
        live = live[(dl.max(1) - dl.min(1)) >= eps]
        if live.size == 0:
            break
    J = 0.5 * (diff.max(1) + diff.min(1))
    h = 0.5 * V  # undo the aperiodicity transform's doubling of the bias
    p = optimistic_p(phat, d, h)
    Q = r - J[:, None, None] + np.einsum("rsan,rn->rsa", p, h)
    return Q, J, h, q.argmax(axis=2)


def optimistic_p(phat: np.ndarray, d: np.ndarray, V: np.ndarray) -> np.ndarray:
    """The maximiser of p . V over {||p - phat||_1 <= d} (batched (R, n, A, n))."""
    _R, _n, _A, _ = phat.shape
    order = np.argsort(V, axis=1)  # ascending: worst first
    o = np.broadcast_to(order[:, None, None, :], phat.shape)
    ps = np.take_along_axis(phat, o, axis=3).copy()
    add = np.minimum(d / 2, 1.0 - ps[..., -1])
    ps[..., -1] += add
    low = ps[..., :-1]
    before = np.cumsum(low, axis=3) - low
    low -= np.clip(add[..., None] - before, 0.0, low)
    out = np.empty_like(ps)
    np.put_along_axis(out, o, ps, axis=3)
    return out
