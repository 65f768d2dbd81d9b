"""Anyprefer (2025, "Anyprefer: An Agentic Framework for Preference Data Synthesis"): a target
model generates candidates, a judge ranks them into preference pairs, iterative DPO trains
the target on the pairs, and a feedback step rewrites the prompts by the quality of the pairs
they produced. The paper's point: a *self-rewarding* judge (the target judging itself)
amplifies the target's own biases; a judge with external tools does not.

Controlled world (our abstraction, the paper's setting needs LLMs). Per prompt p, K
candidates with features x_pk in R^F (standard normal), F = ``quality`` + 3 columns:
quality features q, a *length* cue c, a *tone* cue u and a noise feature. The true reward
ignores the cues: r*(x) = mean-weighted quality, w*_q = 1 / sqrt(quality). The target is a
linear-softmax policy pi_theta(k | p) = softmax_k(theta . x_pk / T_p) whose initial theta
carries a systematic bias: ``skill`` on each quality feature, ``policy_bias`` on c and u.

One round t (all replicates at once; replicate r draws only from its own streams
(``looplab.core.streams``), so its numbers do not depend on the batch it runs in):

1. generation: draw ``samples`` candidates per prompt from pi_t at the prompt's temperature
   T_p (the prompt "rewrite" the feedback step controls);
2. judging: score s = beta_J . x + ``noise`` * eps and pair (argmax s, argmin s). Judges:
   *self* beta_J = theta_t (the target is its own judge: it shares, and keeps sharing, the
   target's bias); *external* beta_J = w* + delta with delta ~ N(0, ``bias_sd``^2) fixed per
   replicate (a separate model with independent errors); *tool* is that external judge with
   tools: on the ``checks`` feature groups a tool returns the truth (w* on quality, 0 on a
   cue), elsewhere it keeps its own weights w* + delta (Anyprefer's judge is a separate
   model equipped with search, detectors and verifiers, not the target);
3. iterative DPO (Rafailov et al. 2023; iterated with the reference reset to pi_t each
   round, as in Anyprefer's and self-rewarding LMs' rounds): for a linear softmax the
   log-ratio margin of a pair is (theta - theta_t) . (x_w - x_l), so
   L(theta) = -mean_p log sigma(beta (theta - theta_t) . (x_w - x_l)), minimised by
   ``steps`` gradient steps of size ``lr``;
4. prompt-rewriting feedback (optional, ``rewrite``): the pair-quality reward is the judge's
   margin s_w - s_l of the prompt's pair (an uninformative near-tie scores low); each prompt
   tries the next temperature of ``temperatures`` (cyclically) on a probe draw and keeps it
   where the probe pair's margin is higher (a greedy stand-in for the paper's prompt
   optimisation; the judge's own view is the reward, as in the paper).

Monitors per round (exact over the K candidates, at T = 1): ``bias_length`` = E_pi[c],
``bias_tone`` = E_pi[u], ``true_reward`` = E_pi[r*]; per update: ``pair_acc`` (share of the
round's pairs whose chosen candidate has the higher true reward, among pairs with distinct
candidates), ``sel_length`` / ``sel_tone`` (the selection differential of the chosen
candidates against the drawn ones, ``looplab.judges.selection``), ``margin``, and the mean
prompt temperature.

Defaults: 64 prompts x 16 candidates, 4 samples per prompt (Anyprefer samples several
responses per prompt and keeps the best and worst), DPO beta = 0.5 with 20 steps of 0.5
(CPU-scale), policy bias 0.5 on each cue against skill 0.5 per quality feature (the cues
are as attractive to the initial target as the quality), judge noise 0.5 for self (the
target's own sampling noise) and 1.0 with bias_sd 0.5 for external and tool (a different
model with its own, independent errors).

Bias monitors: ``length_pref`` / ``tone_pref`` = theta on the cue (the target's log-odds
for a +1 SD cue, all else equal), ``quality_pref`` = theta . w*, ``length_share`` =
length_pref / |quality_pref| (the bias relative to the skill), and the realised
``bias_length`` / ``bias_tone`` = E_pi[cue] of the target's outputs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
from pydantic import Field

from looplab.core.params import Params
from looplab.core.streams import Rows, Stream
from looplab.improve.tasks import sample, softmax
from looplab.judges.selection import differentials

GROUPS = ("quality", "length", "tone")
ROUND_METRICS = ("length_pref", "tone_pref", "quality_pref", "length_share", "bias_length",
                 "bias_tone", "true_reward")
STEP_METRICS = ("pair_acc", "sel_length", "sel_tone", "margin", "temperature")
METRICS = ROUND_METRICS + STEP_METRICS


class PreferenceWorld(Params):
    """Prompts with K candidates: quality features, a length cue, a tone cue, a noise
    feature; the target policy starts biased toward both cues."""

    prompts: int = Field(64, ge=2, le=100_000)
    candidates: int = Field(16, ge=2, le=4096)
    quality: int = Field(3, ge=1, le=64, description="quality features (true reward)")
    skill: float = Field(0.5, description="initial policy weight on each quality feature")
    policy_bias: float = Field(0.5, description="initial policy weight on each cue")

    @property
    def dim(self) -> int:
        return self.quality + 3

    def group_mask(self, group: str) -> np.ndarray:
        """(F,) bool: the feature columns of ``group`` (quality, length or tone)."""
        m = np.zeros(self.dim, bool)
        if group == "quality":
            m[: self.quality] = True
        elif group == "length":
            m[self.quality] = True
        elif group == "tone":
            m[self.quality + 1] = True
        else:
            raise ValueError(f"unknown feature group {group!r}; allowed: {', '.join(GROUPS)}")
        return m

    def true_weights(self) -> np.ndarray:
        """(F,) w*: 1/sqrt(quality) on quality features, 0 elsewhere."""
        w = np.zeros(self.dim)
        w[: self.quality] = 1.0 / np.sqrt(self.quality)
        return w

    def initial_theta(self) -> np.ndarray:
        """(F,) the biased target's starting parameters."""
        th = np.zeros(self.dim)
        th[: self.quality] = self.skill
        th[self.quality : self.quality + 2] = self.policy_bias
        return th


class LoopConfig(Params):
    """Sampling, DPO and prompt-rewriting settings shared by every judge arm."""

    samples: int = Field(4, ge=2, le=1024, description="candidates drawn per prompt")
    dpo_beta: float = Field(0.5, gt=0.0)
    lr: float = Field(0.5, gt=0.0)
    steps: int = Field(20, ge=1, le=1000)
    rewrite: bool = Field(True, description="prompt-rewriting feedback on pair quality")
    temperatures: tuple[float, ...] = Field((0.5, 1.0, 2.0), min_length=1)


class SelfRewardingJudge(Params):
    """Self-rewarding: the target scores its own candidates with its current parameters."""

    noise: float = Field(0.5, ge=0.0)


class ExternalJudge(Params):
    """An external judge: the true reward plus its own fixed, independent errors."""

    noise: float = Field(1.0, ge=0.0)
    bias_sd: float = Field(0.5, ge=0.0, description="sd of the judge's own weight errors")


class ToolAssistedJudge(Params):
    """The external judge with tools that return the truth on some feature groups."""

    noise: float = Field(1.0, ge=0.0)
    bias_sd: float = Field(0.5, ge=0.0, description="sd of the judge's own weight errors")
    checks: tuple[Literal["quality", "length", "tone"], ...] = Field(
        ("quality", "length"), description="feature groups a tool verifies")


JUDGES: dict[str, type[Params]] = {"self": SelfRewardingJudge, "external": ExternalJudge,
                                   "tool": ToolAssistedJudge}


def _judge_weights(judge: Params, world: PreferenceWorld, theta: np.ndarray,
                   delta: np.ndarray) -> np.ndarray:
    """(S, F) the judge's weights this round."""
    if isinstance(judge, SelfRewardingJudge):
        return theta
    w = np.broadcast_to(world.true_weights(), theta.shape)
    if isinstance(judge, ExternalJudge):
        return w + judge.bias_sd * delta
    if isinstance(judge, ToolAssistedJudge):
        checked = np.zeros(world.dim, bool)
        for g in judge.checks:
            checked |= world.group_mask(g)
        return np.where(checked, w, w + judge.bias_sd * delta)
    raise TypeError(f"unknown judge {type(judge).__name__}")


def _pairs(x: np.ndarray, a: np.ndarray, beta: np.ndarray, noise: float,
           rng: Stream) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Judge the drawn candidates ``a`` (S, P, N): (chosen idx, rejected idx) into the draws,
    and the judge's margin, each (S, P)."""
    xa = np.take_along_axis(x, a[..., None], 2)  # (S, P, N, F)
    s = np.einsum("spnf,sf->spn", xa, beta) + noise * rng.standard_normal(a.shape)
    w, lo = s.argmax(-1), s.argmin(-1)
    margin = np.take_along_axis(s, w[..., None], -1)[..., 0] - \
        np.take_along_axis(s, lo[..., None], -1)[..., 0]
    return w, lo, margin


def run_anyprefer(
    world: PreferenceWorld,
    judge: Params,
    loop: LoopConfig,
    rounds: int,
    rows: Rows | int,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> dict[str, np.ndarray]:
    """{metric: (rounds + 1, S)}: round 0 is the initial target; step metrics are NaN in
    the last row (no update after it). ``rows`` says which (seed, replicate) each batch row
    is (an int: replicates ``0..rows-1`` of ``seed``). Candidates and the external judge's
    errors come from stream ``world-instance``, draws from ``policy`` and judge noise from
    ``channel``, so judges compared under one seed face the same prompts and candidate
    pools, and a replicate's numbers are the same in any batch."""
    rows = rows if isinstance(rows, Rows) else Rows.of(seed, rows)
    if rounds < 1:
        raise ValueError(f"rounds must be >= 1, got {rounds}")
    S, P, K, F = len(rows), world.prompts, world.candidates, world.dim
    w_rng = Stream(rows, "world-instance")
    x = w_rng.standard_normal((S, P, K, F))
    delta = w_rng.standard_normal((S, F))
    r_true = x @ world.true_weights()  # (S, P, K)
    qi, ui = world.quality, world.quality + 1
    p_rng, j_rng = Stream(rows, "policy"), Stream(rows, "channel")
    theta = np.broadcast_to(world.initial_theta(), (S, F)).copy()
    temps = np.asarray(loop.temperatures, dtype=np.float64)
    t_idx = np.full((S, P), int(np.argmin(np.abs(temps - 1.0))))
    out = {m: np.full((rounds + 1, S), np.nan) for m in METRICS}
    noise = float(getattr(judge, "noise", 0.0))

    def policy(th: np.ndarray, tidx: np.ndarray | None) -> np.ndarray:
        logits = np.einsum("spkf,sf->spk", x, th)
        if tidx is not None:
            logits = logits / temps[tidx][..., None]
        return softmax(logits)

    for t in range(rounds + 1):
        probs = policy(theta, None)
        out["length_pref"][t], out["tone_pref"][t] = theta[:, qi], theta[:, ui]
        out["quality_pref"][t] = theta @ world.true_weights()
        out["length_share"][t] = theta[:, qi] / np.abs(out["quality_pref"][t])
        out["bias_length"][t] = (probs * x[..., qi]).sum(-1).mean(-1)
        out["bias_tone"][t] = (probs * x[..., ui]).sum(-1).mean(-1)
        out["true_reward"][t] = (probs * r_true).sum(-1).mean(-1)
        if t == rounds:
            break
        beta_j = _judge_weights(judge, world, theta, delta)
        a = sample(policy(theta, t_idx), loop.samples, p_rng)  # (S, P, N)
        w, lo, margin = _pairs(x, a, beta_j, noise, j_rng)
        kw, kl = (np.take_along_axis(a, i[..., None], -1)[..., 0] for i in (w, lo))
        srow, prow = np.arange(S)[:, None], np.arange(P)[None, :]
        rw, rl = r_true[srow, prow, kw], r_true[srow, prow, kl]
        distinct = kw != kl
        out["pair_acc"][t] = np.where(distinct, rw > rl, 0).sum(-1) / np.maximum(
            distinct.sum(-1), 1)
        xa = np.take_along_axis(x, a[..., None], 2)[..., [qi, ui]]
        with np.errstate(invalid="ignore"):
            d = np.nanmean(differentials(xa, w[..., None]), axis=1)  # (S, 2)
        out["sel_length"][t], out["sel_tone"][t] = d[:, 0], d[:, 1]
        out["margin"][t] = margin.mean(-1)
        out["temperature"][t] = temps[t_idx].mean(-1)

        # iterative DPO against the round's reference pi_t (log-partitions cancel per prompt)
        dx = x[srow, prow, kw] - x[srow, prow, kl]  # (S, P, F)
        ref = theta.copy()
        for _ in range(loop.steps):
            z = loop.dpo_beta * np.einsum("spf,sf->sp", dx, theta - ref)
            g = (loop.dpo_beta * (1.0 - 1.0 / (1.0 + np.exp(-z))))[..., None] * dx
            theta = theta + loop.lr * g.mean(1)

        if loop.rewrite and temps.size > 1:  # prompt rewriting by the pair-quality reward
            cand_idx = (t_idx + 1) % temps.size
            probe = sample(policy(ref, cand_idx), loop.samples, p_rng)
            _, _, m_new = _pairs(x, probe, beta_j, noise, j_rng)
            t_idx = np.where(m_new > margin, cand_idx, t_idx)
        if progress is not None:
            progress(1)
    return out
