"""SPARK: Synergistic Policy And Reward Co-Evolving (2025): rollouts and their verifier
verdicts, which RLVR discards after each update, are recycled to train the same model as
a judge of its own answers.

One model, two heads on a shared representation: the policy head is the GRPO policy
(``looplab.improve.grpo``, verifier reward); the judge head scores a (prompt, candidate)
pair from the shared features and the policy head's own log-probability,

    j(p, m) = v . [phi(p, m), log pi(m | p), 1],   P(correct) = sigmoid(j).

Each round after the policy update the judge takes ``judge_steps`` gradient steps on that
round's G rollouts per prompt with two recycled objectives (the paper's pointwise and
pairwise judge data; its reflection-conditioned objective has no counterpart here):
pointwise BCE against the verdicts (mean over the P x G rollouts), plus ``pairwise_weight``
x Bradley-Terry -log sigmoid(j_correct - j_wrong) averaged over every (correct, wrong) pair
of the replicate's groups.

``source = "recycled"`` is SPARK. ``source = "base"`` is the control with the same amount of
judge data that is not recycled: the rollouts are discarded and the judge trains on as many
fresh samples from the frozen base model (off-policy data, as a separately collected
reward-model set would be).

Monitors (exact over the candidates): ``judge_acc_on`` = E_{m ~ pi}[1(judge right)] on the
current policy's samples, ``judge_acc_off`` = the same under the base model,
``judge_policy_corr`` = correlation over incorrect candidates between the judge's
P(correct) and the policy's log-probability (the judge trusting the wrong answers its own
policy likes: self-judging bias). Defaults are CPU-scale choices.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from looplab.core.streams import Stream
from looplab.improve.grpo import GRPO
from looplab.improve.rule import Info, State
from looplab.improve.tasks import Task, gather, sample


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


class SPARK(GRPO):
    """SPARK: GRPO policy head plus a judge head trained on recycled rollouts and verdicts."""

    source: Literal["recycled", "base"] = "recycled"
    judge_steps: int = Field(5, ge=1, le=100)
    judge_lr: float = Field(0.5, gt=0.0)
    pairwise_weight: float = Field(1.0, ge=0.0)

    def init_state(self, task: Task, rng: Stream) -> State:
        """Policy at the base model; judge weights at zero (chance)."""
        theta = task.init_theta()
        D = task.phi.shape[-1]
        return {"theta": theta, "v": np.zeros((task.shape[0], D + 2)),
                "probs0": task.probs(theta)}

    @staticmethod
    def judge_inputs(task: Task, probs: np.ndarray) -> np.ndarray:
        """(S, P, M, D + 2) judge features: shared features, own log-prob, bias."""
        logp = np.log(np.maximum(probs, 1e-300))[..., None]
        return np.concatenate([task.phi, logp, np.ones_like(logp)], -1)

    def step(self, task: Task, state: State, rng: Stream) -> tuple[State, Info]:
        """Policy update (GRPO), then judge update on recycled or base-model samples."""
        state, info = super().step(task, state, rng)
        probs = task.probs(state["theta"])
        X = self.judge_inputs(task, probs)
        src = probs if self.source == "recycled" else state["probs0"]
        a = sample(src, self.group, rng)
        y = gather(task.correct, a).astype(np.float64)
        Xa = np.take_along_axis(X, a[..., None], 2)  # (S, P, G, D + 2)
        v = state["v"]
        pair = (y[..., :, None] > 0) & (y[..., None, :] == 0)
        # the pairwise term is a mean over each replicate's own (correct, wrong) pairs: every
        # replicate is its own model, so nothing is pooled across the batch
        n_pair = np.maximum(pair.sum((1, 2, 3)), 1)[:, None]  # (S, 1)
        for _ in range(self.judge_steps):
            j = np.einsum("spgd,sd->spg", Xa, v)
            g = np.einsum("spg,spgd->sd", y - _sigmoid(j), Xa) / (y.shape[1] * y.shape[2])
            if self.pairwise_weight > 0 and pair.any():
                dj = j[..., :, None] - j[..., None, :]
                c = np.where(pair, 1.0 - _sigmoid(dj), 0.0)  # (S, P, G, G)
                gx = (np.einsum("spij,spid->sd", c, Xa) - np.einsum("spij,spjd->sd", c, Xa))
                g = g + self.pairwise_weight * gx / n_pair
            v = v + self.judge_lr * g
        state = {**state, "v": v}
        info.update(judge_metrics(task, probs, state["probs0"], X, v))
        samples = task.shape[1] * self.group * 2
        info["samples_used"] = np.asarray(float(samples))
        return state, info


def judge_metrics(task: Task, probs: np.ndarray, probs0: np.ndarray, X: np.ndarray,
                  v: np.ndarray) -> Info:
    """Exact judge accuracy on-policy and under the base model, and the correlation of the
    judge's P(correct) with the policy's log-probability over incorrect candidates."""
    pj = _sigmoid(np.einsum("spmd,sd->spm", X, v))
    right = (pj > 0.5) == task.correct
    on = (probs * right).sum(-1).mean(-1)
    off = (probs0 * right).sum(-1).mean(-1)
    # Pearson correlation over each replicate's incorrect candidates, as masked sums over
    # that replicate's (P, M) cells (0 where either side is constant)
    wrong = (~task.correct).astype(np.float64)
    lp = np.log(np.maximum(probs, 1e-300))
    n = np.maximum(wrong.sum((1, 2)), 1.0)

    def centred(x: np.ndarray) -> np.ndarray:
        return (x - ((x * wrong).sum((1, 2)) / n)[:, None, None]) * wrong

    da, db = centred(pj), centred(lp)
    sa, sb = np.sqrt((da ** 2).sum((1, 2)) / n), np.sqrt((db ** 2).sum((1, 2)) / n)
    cov = (da * db).sum((1, 2)) / n
    corr = np.where(sa * sb > 0, cov / np.where(sa * sb > 0, sa * sb, 1.0), 0.0)
    return {"judge_acc_on": on, "judge_acc_off": off, "judge_policy_corr": corr}
