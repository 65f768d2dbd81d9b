"""A tiny token-sequence task with an exact verifier: the combination lock.

Per prompt a secret sequence ``lock`` of length L over a vocabulary of V tokens; a sampled
sequence is correct iff it equals the lock (a "hard" family: the uniform base policy
succeeds with probability V^-L). The policy is autoregressive and Markov,

    pi(x_k | k, x_{k-1}) = softmax(theta[p, k, x_{k-1}, :])     (x_0 = BOS = token V),

one free logit table per prompt, so the whole distribution is enumerable: the success
probability is exactly prod_k pi(lock_k | k, lock_{k-1}) and pass@N = 1 - (1 - q)^N.
A prefix of length j conditions generation on lock_{1:j} (the policy writes x_{j+1..L}),
which is what PrefixRL trains on. Arrays carry the replicate axis S first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from pydantic import Field

from looplab.core.params import Params

if TYPE_CHECKING:
    from looplab.core.streams import Stream


class LockWorld(Params):
    """Combination lock: one correct token sequence per prompt, uniform base policy."""

    prompts: int = Field(16, ge=1, le=1024)
    length: int = Field(6, ge=2, le=12)
    vocab: int = Field(4, ge=2, le=16)
    init_sd: float = Field(0.0, ge=0.0)


@dataclass(frozen=True)
class LockTask:
    """Drawn locks (S, P, L) and the base logits (S, P, L, V + 1, V)."""

    lock: np.ndarray
    theta0: np.ndarray

    @property
    def dims(self) -> tuple[int, int, int, int]:
        """(S, P, L, V)."""
        S, P, L = self.lock.shape
        return S, P, L, self.theta0.shape[-1]

    def prev_on_path(self) -> np.ndarray:
        """(S, P, L) the previous token on the lock path (BOS first)."""
        S, P, _L, V = self.dims
        return np.concatenate([np.full((S, P, 1), V), self.lock[..., :-1]], -1)


def make_lock_task(world: LockWorld, replicates: int, rng: Stream | np.random.Generator
                   ) -> LockTask:
    """Draw ``replicates`` batches of locks and base logits (draws lead with the replicate
    axis: with a per-replicate ``Stream``, replicate i's locks are its own)."""
    S, P, L, V = replicates, world.prompts, world.length, world.vocab
    lock = rng.integers(0, V, (S, P, L))
    theta0 = world.init_sd * rng.standard_normal((S, P, L, V + 1, V))
    return LockTask(lock=lock, theta0=theta0)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


def success_prob(task: LockTask, theta: np.ndarray, prefix: int = 0) -> np.ndarray:
    """(S, P) exact probability of writing the rest of the lock after ``prefix`` tokens."""
    S, P, L, _V = task.dims
    prev = task.prev_on_path()
    probs = _softmax(theta)  # (S, P, L, V+1, V)
    s, p, k = np.meshgrid(np.arange(S), np.arange(P), np.arange(L), indexing="ij")
    on = probs[s, p, k, prev, task.lock]  # (S, P, L)
    return np.prod(on[..., prefix:], -1)


def path_entropy(task: LockTask, theta: np.ndarray) -> np.ndarray:
    """(S,) mean entropy of the next-token distribution at the states on the lock path."""
    S, P, L, _V = task.dims
    prev = task.prev_on_path()
    probs = _softmax(theta)
    s, p, k = np.meshgrid(np.arange(S), np.arange(P), np.arange(L), indexing="ij")
    q = probs[s, p, k, prev]  # (S, P, L, V)
    return -(q * np.log(np.maximum(q, 1e-300))).sum(-1).mean((-1, -2))


def sample_sequences(task: LockTask, theta: np.ndarray, G: int, prefix: np.ndarray,
                     rng: Stream | np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """G sequences per prompt, each starting after its prompt's ``prefix`` (S, P) lock tokens.

    Returns (tokens (S, P, G, L), prev tokens (S, P, G, L)); positions < prefix hold the
    lock's tokens (context, not generated)."""
    S, P, L, V = task.dims
    probs = _softmax(theta)
    x = np.zeros((S, P, G, L), int)
    prev = np.zeros((S, P, G, L), int)
    last = np.full((S, P, G), V)
    s, p = np.meshgrid(np.arange(S), np.arange(P), indexing="ij")
    s, p = s[..., None], p[..., None]
    for k in range(L):
        q = probs[s, p, k, last]  # (S, P, G, V)
        cdf = np.cumsum(q, -1)
        u = rng.random((S, P, G, 1)) * cdf[..., -1:]
        tok = np.minimum((u > cdf).sum(-1), V - 1)
        forced = (k < prefix)[..., None]
        tok = np.where(forced, task.lock[..., k][..., None], tok)
        prev[..., k] = last
        x[..., k] = tok
        last = tok
    return x, prev


def sequence_grad(task: LockTask, theta: np.ndarray, x: np.ndarray, prev: np.ndarray,
                  weights: np.ndarray, trained: np.ndarray) -> np.ndarray:
    """Logit-table gradient of sum_i w_i sum_{k trained} log pi(x_ik | k, prev_ik).

    ``weights`` (S, P, G), ``trained`` (S, P, G, L) bool (the policy's own tokens)."""
    S, P, L, V = task.dims
    probs = _softmax(theta)
    w = weights[..., None] * trained  # (S, P, G, L)
    s, p, _, k = np.meshgrid(np.arange(S), np.arange(P), np.arange(x.shape[2]),
                             np.arange(L), indexing="ij")
    state = (((s * P + p) * L + k) * (V + 1) + prev).ravel()
    n_states = S * P * L * (V + 1)
    onehot = np.bincount(state * V + x.ravel(), weights=w.ravel(), minlength=n_states * V)
    mass = np.bincount(state, weights=w.ravel(), minlength=n_states)
    onehot = onehot.reshape(S, P, L, V + 1, V)
    mass = mass.reshape(S, P, L, V + 1, 1)
    return onehot - mass * probs
