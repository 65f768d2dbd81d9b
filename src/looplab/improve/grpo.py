"""GRPO: Group Relative Policy Optimization (Shao et al. 2024, "DeepSeekMath", arXiv
2402.03300), on a softmax policy over enumerable candidates.

Per prompt draw G samples a_i ~ pi_old, reward r_i, group-normalised advantage
A_i = (r_i - mean_j r_j) / (std_j r_j + eps); then ``epochs`` gradient steps on the clipped
surrogate (PPO, Schulman et al. 2017)

    J(theta) = (1/G) sum_i min(rho_i A_i, clip(rho_i, 1 - eps, 1 + eps) A_i),
    rho_i = pi_theta(a_i) / pi_old(a_i),

whose gradient is A_i rho_i grad log pi_theta(a_i) where the sample is not clipped and 0
where it is (A_i > 0 and rho_i > 1 + eps, or A_i < 0 and rho_i < 1 - eps). With one epoch
rho = 1 and GRPO is the group-normalised policy gradient; with more epochs clipping
starts to act (He et al. 2025 link the number of updates per batch to the rank bias;
Chen et al. 2025 show the clipping term lowers entropy under spurious rewards).
``clip=False`` drops the clip (the unclipped surrogate rho A). No KL term (beta = 0, as in
DAPO and the RLVR-clipping analysis).

Defaults: G = 16 and eps = 0.2 (the PPO / DeepSeekMath clip range); one epoch (the
baseline in He et al.; their recipe uses 2). ``clip_fraction`` (info) is the share of
(sample, epoch) terms that were clipped.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from looplab.core.streams import Stream
from looplab.improve.rule import Info, Rule, State, group_normalise
from looplab.improve.tasks import Task, gather, logit_grad, sample


class GRPO(Rule):
    """GRPO: group-normalised advantages, PPO ratio clipping, several updates per batch."""

    epochs: int = Field(1, ge=1, le=64)
    clip_eps: float = Field(0.2, gt=0.0, lt=1.0)
    clip: bool = True

    def advantages(self, r: np.ndarray, logp_old: np.ndarray) -> np.ndarray:
        """(S, P, G) advantages from rewards and the samples' old log-probabilities."""
        return group_normalise(r)

    def step(self, task: Task, state: State, rng: Stream) -> tuple[State, Info]:
        """Sample a batch from pi_old, then ``epochs`` clipped-surrogate ascent steps."""
        theta = state["theta"]
        probs_old = task.probs(theta)
        a = sample(probs_old, self.group, rng)
        r = self.rewards(task, a, rng)
        logp_old = np.log(gather(probs_old, a))
        A = self.advantages(r, logp_old)
        theta, clipfrac = clipped_ascent(self, task, theta, probs_old, a, A, logp_old)
        return {**state, "theta": theta}, {"clip_fraction": clipfrac}


def clipped_ascent(rule: Rule, task: Task, theta: np.ndarray, probs_old: np.ndarray,
                   a: np.ndarray, A: np.ndarray, logp_old: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """``rule.epochs`` steps on the clipped surrogate; returns (theta, clip fraction (S,))."""
    G = a.shape[-1]
    mask = rule.prompt_mask(task)[None, :, None]
    clipped_n = np.zeros(theta.shape[0])
    total = 0.0
    epochs = getattr(rule, "epochs", 1)
    eps = getattr(rule, "clip_eps", 0.2)
    use_clip = getattr(rule, "clip", True)
    for e in range(epochs):
        probs = probs_old if e == 0 else task.probs(theta)
        ratio = np.exp(np.log(gather(probs, a)) - logp_old)
        if use_clip:
            clipped = ((A > 0) & (ratio > 1 + eps)) | ((A < 0) & (ratio < 1 - eps))
        else:
            clipped = np.zeros(A.shape, bool)
        clipped_n += (clipped * mask).sum((1, 2))
        total += mask.sum() * G
        W = logit_grad(probs, a, np.where(clipped, 0.0, A * ratio) / G)
        theta = rule.ascend(task, theta, W)
    return theta, clipped_n / total
