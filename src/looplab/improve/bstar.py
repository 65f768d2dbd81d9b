"""B-STaR: Balanced Self-Taught Reasoner (Zeng et al., ICLR 2025, arXiv 2412.17256; code
hkust-nlp/B-STaR ``train_code/determine_hyper.py``) and the fixed-setting self-training
loop (STaR / rejection-sampling fine-tuning) it improves on.

One iteration: sample K candidates per query at temperature T, score them with a noisy
reward model s = 1[correct] + N(0, reward_noise^2) (the paper combines a PRM and the final
answer check), keep those with s > tau, and fine-tune on the kept set by maximum
likelihood: ``sft_steps`` ascent steps on (1/K) sum_{i kept} log pi(a_i | p).

``Star`` keeps (T, tau) fixed. ``BStar`` first picks them each iteration: on the first
``probe_prompts`` queries it samples K candidates at every T of ``temperatures`` and, for
every tau of ``thresholds``, computes the balance score
bs = mean_query min(n'/n0, 1) * n'/n (n' distinct correct among the selected, n selected;
n0 = 8 as in the released code) and uses the best (T, tau) on the full query set. The
balance score rewards exploration (enough distinct correct solutions) and exploitation
(precision of the reward filter) at once.

Defaults: T = 1, tau = 0.5 (midway between the noise-free scores of wrong and right) for
the fixed loop; the grids are CPU-sized versions of the released sweep (tau from -1 to 1,
here 0 to 1 in steps of 0.25 on our score scale; T from 0.5 to 1.5). Each step also reports
the selection differential of the kept set on the task's judge-irrelevant features
(``sel_irrelevant``).
"""

from __future__ import annotations

import numpy as np
from pydantic import Field, field_validator

from looplab.core.streams import Stream
from looplab.improve.monitors import balance_score, irrelevant_differential
from looplab.improve.rule import Info, Rule, State
from looplab.improve.tasks import Task, gather, logit_grad, sample


class Star(Rule):
    """Self-training at fixed temperature and reward threshold (STaR / RFT)."""

    temperature: float = Field(1.0, gt=0.0)
    threshold: float = 0.5
    reward_noise: float = Field(0.5, ge=0.0)
    sft_steps: int = Field(4, ge=1, le=100)
    n0: int = Field(8, ge=1)

    def scores(self, task: Task, a: np.ndarray, rng: Stream) -> np.ndarray:
        """Noisy reward-model scores of samples ``a``."""
        return self.rewards(task, a, rng) + self.reward_noise * rng.standard_normal(a.shape)

    def choose(self, task: Task, theta: np.ndarray, rng: Stream
               ) -> tuple[np.ndarray, np.ndarray]:
        """(S,) temperature and threshold for this iteration (fixed here)."""
        S = theta.shape[0]
        return np.full(S, self.temperature), np.full(S, self.threshold)

    def step(self, task: Task, state: State, rng: Stream) -> tuple[State, Info]:
        """Choose (T, tau), sample, filter, fine-tune."""
        theta = state["theta"]
        _S, _P, M = task.shape
        T, tau = self.choose(task, theta, rng)
        probs_T = task.probs(theta, 1.0) if np.all(T == 1.0) else \
            _softmax_T(task.logits(theta), T)
        a = sample(probs_T, self.group, rng)
        s = self.scores(task, a, rng)
        kept = s > tau[:, None, None]
        bs = balance_score(a, gather(task.correct, a), kept, M, self.n0)
        w = kept.astype(np.float64) / self.group
        for _ in range(self.sft_steps):
            theta = self.ascend(task, theta, logit_grad(task.probs(theta), a, w))
        return {**state, "theta": theta}, {"balance": bs, "temperature": T, "threshold": tau,
                                           "sel_irrelevant": irrelevant_differential(
                                               task, a, kept)}


def _softmax_T(logits: np.ndarray, T: np.ndarray) -> np.ndarray:
    z = logits / T.reshape(-1, *([1] * (logits.ndim - 1)))
    z = z - z.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


class BStar(Star):
    """B-STaR: pick temperature and reward threshold each iteration by the balance score."""

    temperatures: tuple[float, ...] = (0.5, 0.75, 1.0, 1.25, 1.5)
    thresholds: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)
    probe_prompts: int = Field(8, ge=1)

    @field_validator("temperatures")
    @classmethod
    def _positive(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if not v or any(t <= 0 for t in v):
            raise ValueError("temperatures must be a non-empty list of values > 0")
        return v

    @field_validator("thresholds")
    @classmethod
    def _nonempty(cls, v: tuple[float, ...]) -> tuple[float, ...]:
        if not v:
            raise ValueError("thresholds must be a non-empty list")
        return v

    def choose(self, task: Task, theta: np.ndarray, rng: Stream
               ) -> tuple[np.ndarray, np.ndarray]:
        """Grid search of (T, tau) on the probe queries, per replicate."""
        S, P, M = task.shape
        n = min(self.probe_prompts, P)
        logits = task.logits(theta)[:, :n]
        corr = task.correct[:, :n]
        best = np.full(S, -np.inf)
        bT, btau = np.zeros(S), np.zeros(S)
        for T in self.temperatures:
            z = logits / T
            z = z - z.max(-1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(-1, keepdims=True)
            a = sample(p, self.group, rng)
            c = gather(corr, a)
            s = c + self.reward_noise * rng.standard_normal(a.shape)
            for tau in self.thresholds:
                bs = balance_score(a, c, s > tau, M, self.n0)
                better = bs > best
                best = np.where(better, bs, best)
                bT = np.where(better, T, bT)
                btau = np.where(better, tau, btau)
        return bT, btau
