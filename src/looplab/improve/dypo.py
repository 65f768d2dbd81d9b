"""DYPO: Dynamic Policy Optimization (Tocci-Zhu 2026, arXiv 2604.08926; code Tocci-Zhu/DYPO
``verl/trainer/ppo/core_algos.py``), and the fixed loss mix it is compared against.

Gating by rollout success, per prompt with G samples:
* 0/G correct ("hard"): supervised fine-tuning on a teacher solution (multi-teacher
  distillation: the teacher draws uniformly among the correct candidates),
  J_sft = log pi(y_teacher);
* G/G correct ("easy"): skipped;
* otherwise ("partial"): the Group Alignment Loss over all success x failure pairs,
  L_GAL = mean_{i in S, j in F} -log sigmoid(z_ij),
  z_ij = beta [(log pi(y_i) - log pi_ref(y_i)) - (log pi(y_j) - log pi_ref(y_j))],
  implemented (as in the released code) through per-sample advantages
  A_i = beta G sum_j sigmoid(-z_ij) / |pairs| for successes and minus the column sums for
  failures, in the surrogate (1/G) sum_i A_i log pi(y_i). pi_ref is the base model.

``FixedMix`` is the naive weighted sum DYPO argues against: on every prompt
lam * J_sft + (1 - lam) * J_grpo (GRPO advantages, one epoch).

Both report the update's gradient variance, measured honestly by drawing a second,
independent batch from the same policy and computing its gradient g2 alongside the
applied one g1: grad_var = ||g1 - g2||^2 / 2 (an unbiased estimate of the trace of the
gradient covariance) and grad_snr = ||(g1 + g2)/2||^2 / grad_var. The second batch is
never used to update. Defaults: beta = 1 and lam = 0.5 are CPU-scale choices (the paper's
values are not in the stored code).
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from looplab.core.streams import Stream
from looplab.improve.rule import Info, Rule, State, group_normalise
from looplab.improve.tasks import Task, gather, logit_grad, sample


def _teacher(task: Task, rng: Stream) -> np.ndarray:
    """(S, P, 1) one teacher solution per prompt, uniform over the correct candidates."""
    S, P, M = task.shape
    u = rng.random((S, P, M)) * task.correct
    return u.argmax(-1)[..., None]


def _sft(probs: np.ndarray, teacher: np.ndarray) -> np.ndarray:
    """Logit-space gradient of log pi(y_teacher) per prompt."""
    return logit_grad(probs, teacher, np.ones(teacher.shape))


class _Routed(Rule):
    """Common step: two independent batches, apply the first, measure the variance."""

    def direction(self, task: Task, state: State, probs: np.ndarray,
                  rng: Stream) -> np.ndarray:
        raise NotImplementedError

    def step(self, task: Task, state: State, rng: Stream) -> tuple[State, Info]:
        """Apply g1, report the variance estimate from an independent g2."""
        probs = task.probs(state["theta"])
        W1 = self.direction(task, state, probs, rng)
        W2 = self.direction(task, state, probs, rng)
        mask = self.prompt_mask(task)[None, :, None]
        g1, g2 = task.param_grad(W1 * mask), task.param_grad(W2 * mask)
        axes = tuple(range(1, g1.ndim))
        var = 0.5 * ((g1 - g2) ** 2).sum(axes)
        snr = (((g1 + g2) / 2) ** 2).sum(axes) / np.maximum(var, 1e-300)
        theta = self.ascend(task, state["theta"], W1)
        return {**state, "theta": theta}, {"grad_var": var, "grad_snr": snr}


class DYPO(_Routed):
    """DYPO: SFT on all-fail groups, skip all-pass groups, Group Alignment Loss on mixed ones."""

    beta: float = Field(1.0, gt=0.0)

    def init_state(self, task: Task, rng: Stream) -> State:
        """Parameters at the base model, which is also the reference policy."""
        theta = task.init_theta()
        return {"theta": theta, "logp_ref": np.log(task.probs(theta))}

    def direction(self, task: Task, state: State, probs: np.ndarray,
                  rng: Stream) -> np.ndarray:
        """Routed logit-space gradient of one batch."""
        G = self.group
        a = sample(probs, G, rng)
        r = self.rewards(task, a, rng)
        teacher = _teacher(task, rng)
        succ = r > 0
        n_s = succ.sum(-1)
        hard = n_s == 0
        partial = (n_s > 0) & (n_s < G)
        lr_ = np.log(gather(probs, a)) - gather(state["logp_ref"], a)  # (S, P, G)
        z = self.beta * (lr_[..., :, None] - lr_[..., None, :])  # z[i, j]
        pair = succ[..., :, None] & ~succ[..., None, :]
        n_pairs = np.maximum(pair.sum((-2, -1)), 1)[..., None]
        sig = np.where(pair, 1.0 / (1.0 + np.exp(z)), 0.0)  # sigmoid(-z_ij)
        A = self.beta * G * (sig.sum(-1) - sig.sum(-2)) / n_pairs
        W_gal = logit_grad(probs, a, A / G)
        W_sft = _sft(probs, teacher)
        return (np.where(hard[..., None], W_sft, 0.0)
                + np.where(partial[..., None], W_gal, 0.0))


class FixedMix(_Routed):
    """Fixed loss mix: lam * SFT on a teacher solution + (1 - lam) * GRPO, on every prompt."""

    lam: float = Field(0.5, ge=0.0, le=1.0)

    def direction(self, task: Task, state: State, probs: np.ndarray,
                  rng: Stream) -> np.ndarray:
        """Weighted sum of the two gradients on one batch."""
        a = sample(probs, self.group, rng)
        r = self.rewards(task, a, rng)
        teacher = _teacher(task, rng)
        W_rl = logit_grad(probs, a, group_normalise(r) / self.group)
        return self.lam * _sft(probs, teacher) + (1 - self.lam) * W_rl


