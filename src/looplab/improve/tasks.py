"""Tasks with exact verifiers: per prompt M enumerable candidate solutions, a softmax policy
over them, and the binary verdict of every candidate.

The base model is ``pi_0(m | p) = softmax_m(l0[p, m])``. Correct candidates come in two
kinds (He et al. 2025, "Rewarding the Unlikely", synthetic setting): on a fraction
``likely_fraction`` of prompts one correct solution is *likely* (base logit
``likely_logit``, well above the incorrect ones drawn from N(0, logit_sd^2)); every other
correct solution is *rare* (logit ``rare_logit`` + N(0, 0.25); by default a likely
solution holds ~15% of the mass, a rare one ~0.5%, among 64 candidates). Three presets
differ only in their defaults:

* ``standard``: half the prompts have a likely correct solution, the rest only rare ones —
  base pass@1 is moderate and pass@256 well above it;
* ``hard``: no likely correct solutions and lower rare logits — correct solutions are rare
  everywhere (the PrefixRL / DYPO "hard problem" regime);
* ``aligned``: every prompt has a likely correct solution, so the base pass@k is already
  high (strong model-task alignment, Model-Task Alignment 2025).

Policy parameters. ``shared`` (default): a linear-softmax policy with the base model as
offset, ``logits = l0 + phi . theta`` with ``theta`` (S, D) shared by every prompt;
``phi[..., 0]`` is the standardized base logit (moving ``theta_0`` sharpens or flattens the
whole distribution, the direction GRPO's rank bias pushes along) and ``phi[..., 1:]`` are
Gaussian features where correct candidates are shifted by ``skill`` along ``phi[..., 1]``
(a learnable "skill" direction that raises every correct solution at once). ``tabular``:
one free logit per (prompt, candidate), ``logits = l0 + theta`` with ``theta`` (S, P, M).
Every array carries the replicate axis S first; each replicate draws its own task.

Replicate invariance (issue 19): every draw leads with S and comes from a per-replicate
``core.streams.Stream``, and every reduction runs within one replicate's slice, so replicate
i's task, samples and updates are the same whatever else shares the batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from looplab.core.params import Params
from looplab.core.streams import Stream


class CandidateWorld(Params):
    """Prompts with M enumerable candidates, several correct, judged by an exact verifier."""

    prompts: int = Field(32, ge=1, le=4096)
    candidates: int = Field(64, ge=2, le=4096)
    correct: int = Field(4, ge=1)
    likely_fraction: float = Field(0.5, ge=0.0, le=1.0)
    likely_logit: float = 3.0
    rare_logit: float = -1.0
    logit_sd: float = Field(1.0, ge=0.0)
    features: int = Field(8, ge=2, le=256)
    skill: float = Field(1.0, ge=0.0)
    parametrization: Literal["shared", "tabular"] = "shared"

    @model_validator(mode="after")
    def _fits(self) -> CandidateWorld:
        if self.correct >= self.candidates:
            raise ValueError(
                f"correct must be < candidates, got correct={self.correct}, "
                f"candidates={self.candidates}")
        return self


class StandardWorld(CandidateWorld):
    """Half the prompts have one likely correct solution; every other correct one is rare."""


class HardWorld(CandidateWorld):
    """Correct solutions are rare on every prompt (no likely one; lower rare logits)."""

    likely_fraction: float = Field(0.0, ge=0.0, le=1.0)
    rare_logit: float = -3.0


class AlignedWorld(CandidateWorld):
    """Every prompt has a likely correct solution: the base pass@k is already high."""

    likely_fraction: float = Field(1.0, ge=0.0, le=1.0)
    likely_logit: float = 4.0


@dataclass(frozen=True)
class Task:
    """One drawn task batch: base logits, features, verdicts (hidden truth) and masks."""

    l0: np.ndarray  # (S, P, M) base logits
    phi: np.ndarray  # (S, P, M, D) features
    correct: np.ndarray  # (S, P, M) bool, the verifier's verdicts
    rare: np.ndarray  # (S, P, M) bool, correct solutions that are not the likely one
    parametrization: str

    @property
    def shape(self) -> tuple[int, int, int]:
        """(S, P, M)."""
        return self.l0.shape  # type: ignore[return-value]

    def init_theta(self) -> np.ndarray:
        """Zero parameters: the policy starts at the base model."""
        S, P, M = self.shape
        if self.parametrization == "shared":
            return np.zeros((S, self.phi.shape[-1]))
        return np.zeros((S, P, M))

    def logits(self, theta: np.ndarray) -> np.ndarray:
        """(S, P, M) policy logits for parameters ``theta``."""
        if self.parametrization == "shared":
            return self.l0 + np.einsum("spmd,sd->spm", self.phi, theta)
        return self.l0 + theta

    def probs(self, theta: np.ndarray, temperature: float = 1.0) -> np.ndarray:
        """(S, P, M) exact policy distribution at ``temperature``."""
        return softmax(self.logits(theta) / temperature)

    def param_grad(self, W: np.ndarray) -> np.ndarray:
        """Chain rule from logit-space gradient ``W`` (S, P, M) to parameters: the mean over
        prompts for shared parameters (theta . phi), per prompt for tabular ones."""
        if self.parametrization == "shared":
            return np.einsum("spm,spmd->sd", W, self.phi) / W.shape[1]
        return W


def softmax(z: np.ndarray) -> np.ndarray:
    """Softmax over the last axis."""
    z = z - z.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


def make_task(world: CandidateWorld, replicates: int, rng: Stream | np.random.Generator
              ) -> Task:
    """Draw ``replicates`` independent task batches of ``world`` (every draw leads with the
    replicate axis, so with a per-replicate ``Stream`` replicate i's task is its own)."""
    S, P, M, C, D = (replicates, world.prompts, world.candidates, world.correct,
                     world.features)
    l0 = rng.normal(0.0, world.logit_sd, (S, P, M))
    # the first C candidates are the correct ones (positions carry no meaning to a policy)
    correct = np.zeros((S, P, M), bool)
    correct[..., :C] = True
    has_likely = rng.random((S, P)) < world.likely_fraction
    l0[..., :C] = world.rare_logit + rng.normal(0.0, 0.5, (S, P, C))
    l0[..., 0] = np.where(has_likely, world.likely_logit, l0[..., 0])
    rare = correct.copy()
    rare[..., 0] &= ~has_likely
    phi = rng.standard_normal((S, P, M, D))
    phi[..., 1] += world.skill * correct
    z = l0 - l0.mean(-1, keepdims=True)
    phi[..., 0] = z / (z.std(-1, keepdims=True) + 1e-12)
    return Task(l0=l0, phi=phi, correct=correct, rare=rare,
                parametrization=world.parametrization)


def sample(probs: np.ndarray, n: int, rng: Stream | np.random.Generator) -> np.ndarray:
    """``n`` draws per row of ``probs`` (..., M) -> (..., n) candidate indices by inverse
    CDF: the index is the number of cumulative sums <= u (``searchsorted(cdf, u, "right")``
    row by row). Counted with one vectorised comparison against the row's own cumulative
    sums, so a row's draws depend on nothing else in the batch (a single global
    searchsorted with per-row offsets would round each row's sums differently depending
    on where the row sits in the batch)."""
    cdf = np.cumsum(probs, -1)
    u = rng.random((*probs.shape[:-1], n)) * cdf[..., -1:]
    idx = (cdf[..., None, :] <= u[..., :, None]).sum(-1)
    return np.minimum(idx, probs.shape[-1] - 1)


def scatter_weights(actions: np.ndarray, weights: np.ndarray, M: int) -> np.ndarray:
    """sum_i weights[..., i] * onehot(actions[..., i]) as a (..., M) array (bincount)."""
    lead = actions.shape[:-1]
    rows = int(np.prod(lead)) if lead else 1
    flat = (np.arange(rows).reshape(*lead, 1) * M + actions).ravel()
    out = np.bincount(flat, weights=weights.ravel(), minlength=rows * M)
    return out.reshape(*lead, M)


def logit_grad(probs: np.ndarray, actions: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Gradient in logit space of ``sum_i weights_i * log pi(actions_i)`` per prompt:
    ``sum_i w_i (onehot(a_i) - pi)`` (the softmax score function), shape (S, P, M)."""
    M = probs.shape[-1]
    return scatter_weights(actions, weights, M) - weights.sum(-1, keepdims=True) * probs


def gather(x: np.ndarray, actions: np.ndarray) -> np.ndarray:
    """``x[..., actions]`` per row: (S, P, M), (S, P, G) -> (S, P, G)."""
    return np.take_along_axis(x, actions, -1)
