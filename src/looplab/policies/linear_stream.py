"""Single-stream fast path: LinUCB, SquareCB and (epsilon-)greedy with the online ridge
oracle on one pre-drawn stream of contexts, as a tight loop of ~12 small numpy calls per
decision.

The rules are exactly those of ``linucb.py``, ``squarecb.py``, ``contextual_greedy.py``
and ``contextual_epsilon_greedy.py`` with ``RidgeOracle`` online (mu = 0, Sherman-Morrison
and recursive-least-squares updates, actions drawn by inverse CDF from one uniform per
decision); the tests check that it takes the same actions as the batched policies run
through ``core.loop.run`` on the same data. Use it when one stream is all there is (the
loop's per-round protocol overhead dominates at S = 1); for many replicates use the
batched policies, whose cost per round hardly grows with S.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from looplab.policies.contextual import ContextualPolicy
from looplab.policies.contextual_epsilon_greedy import ContextualEpsilonGreedy
from looplab.policies.contextual_greedy import ContextualGreedy
from looplab.policies.linucb import LinUCB
from looplab.policies.regression_oracles import RidgeOracle
from looplab.policies.squarecb import SquareCB


@dataclass(frozen=True)
class StreamResult:
    """Per decision: the action, its logged propensity and the realized reward."""

    arm: np.ndarray  # (T,) int
    propensity: np.ndarray  # (T,)
    reward: np.ndarray  # (T,)


def run_linear_stream(
    policy: ContextualPolicy,
    contexts: np.ndarray,
    expected: np.ndarray,
    reward_u: np.ndarray,
    action_u: np.ndarray | None = None,
) -> StreamResult:
    """Run ``policy`` online on one stream: contexts (T, d), expected rewards of every
    action (T, K), reward uniforms (T,) (reward = 1[u < expected]) and action uniforms (T,)
    for randomized policies. All actions are available."""
    if not isinstance(policy.oracle, RidgeOracle) or not policy.retraining.online:
        raise ValueError("the stream fast path needs the linear oracle learning online")
    if policy.remedies.label():
        raise ValueError("the stream fast path does not apply remedies")
    T, d = contexts.shape
    K = expected.shape[1]
    if expected.shape[0] != T or reward_u.shape[0] != T:
        raise ValueError("contexts, expected and reward_u must have the same length")
    randomized = isinstance(policy, SquareCB | ContextualEpsilonGreedy)
    if randomized and (action_u is None or action_u.shape[0] != T):
        raise ValueError(f"{policy.name} needs one action uniform per decision")
    if not isinstance(policy, LinUCB | SquareCB | ContextualGreedy | ContextualEpsilonGreedy):
        raise ValueError(f"no stream fast path for {type(policy).__name__}")

    A_inv = np.tile(np.eye(d) / policy.oracle.l2, (K, 1, 1))
    A_flat = A_inv.reshape(K * d, d)  # a view: rows of all K inverses
    theta = np.zeros((K, d))
    arms = np.empty(T, dtype=np.int64)
    props = np.ones(T)
    rewards = np.empty(T)
    is_ucb = isinstance(policy, LinUCB)
    is_sq = isinstance(policy, SquareCB)
    alpha = policy.alpha if isinstance(policy, LinUCB) else 0.0
    eps = policy.epsilon if isinstance(policy, ContextualEpsilonGreedy) else 0.0
    eye = np.arange(K)
    ru = reward_u.tolist()  # Python floats: scalar work off numpy's per-call overhead
    au = action_u.tolist() if action_u is not None else None
    sqrt, mul = np.sqrt, np.multiply
    for t in range(T):
        x = contexts[t]
        if is_ucb:
            Ax = (A_flat @ x).reshape(K, d)  # row k: A_k^-1 x
            # (Ax * x).sum rather than Ax @ x: rows of untried actions then tie exactly, as
            # in the batched path, so ties break the same way (lowest index)
            idx = (Ax * x).sum(axis=1)
            sqrt(idx, out=idx)
            if alpha != 1.0:
                idx *= alpha
            idx += theta @ x
            a = int(idx.argmax())
            v = Ax[a]
        else:
            pred = theta @ x
            best = int(pred.argmax())
            if is_sq:
                assert isinstance(policy, SquareCB)  # is_sq says so; narrows for the checker
                gamma = policy.gamma_scale * max(t, 1) ** policy.gamma_exponent
                p = 1.0 / (K + gamma * (pred[best] - pred))
                p[best] = 0.0
                p[best] = 1.0 - p.sum()
            elif eps > 0:
                p = np.where(eye == best, 1.0 - eps, 0.0) + eps / K
            else:
                p = None
            if p is None:
                a = best
            else:
                cdf = np.cumsum(p)
                a = min(int((au[t] * cdf[-1] >= cdf).sum()), K - 1)  # type: ignore[index]
                props[t] = p[a]
            v = A_inv[a] @ x
        r = 1.0 if ru[t] < expected[t, a] else 0.0
        arms[t] = a
        rewards[t] = r
        den = 1.0 + float(v @ x)
        th = theta[a]  # a view
        A_inv[a] -= mul(v[:, None], v / den)
        th += v * ((r - float(th @ x)) / den)
    return StreamResult(arms, props, rewards)
