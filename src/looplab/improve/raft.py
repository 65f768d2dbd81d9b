"""RAFT: Reward rAnked FineTuning (Dong et al. 2023, arXiv 2304.06767) against a learned
reward model that is refit on feedback about the policy's own samples.

Policy: per prompt p a softmax over its K candidate responses with shared parameters,
``pi(k | p) = softmax_k(theta . phi(p, k) / temperature)``. One round t:

1. feedback: draw ``samples`` candidates per prompt from pi_t and have the simulated
   source label them (pairs of consecutive samples, or pointwise thumbs-up with selection);
   the data accumulate over rounds;
2. refit the reward model r_hat_t on all feedback so far with the chosen objective;
3. monitor (exact over the finite candidate sets, rewards z-scored over all candidates of
   the replicate so learned and true rewards share a scale):
   proxy = E_pi[z(r_hat)], true = E_pi[z(r*)], gap = proxy - true (over-optimization),
   entropy = mean_p H(pi(. | p)), plus the reward model's held-out accuracy, Spearman and
   consistency;
4. RAFT step: draw ``best_of`` candidates per prompt from pi_t, keep the one with the
   highest r_hat, and fine-tune on the kept set by maximum likelihood:
   theta <- theta + lr * mean_p grad log pi(k*_p | p), ``sft_steps`` times;
5. selection differentials of that step (``looplab.judges.selection``; kept sample minus
   the mean of the ``best_of`` draws, in units of the pooled within-prompt SD of the draws,
   averaged over prompts): ``sel_proxy`` on r_hat, ``sel_true`` on r*, and
   ``sel_offtruth`` on the judge-irrelevant feature ||r_perp||, the norm of the response's
   component orthogonal to the true reward's response direction w(c) = b + A c (the
   linear part of r*; with nonlinearity the local slope at r = 0). Selecting on r* or on
   r* plus independent noise leaves ``sel_offtruth`` near 0; a reward model that rewards
   directions r* ignores moves it up. Computed from the draws already made (no random
   numbers), so every other metric is unchanged by recording them.

Defaults: best-of-8 with one kept sample per prompt (the paper's top-1 of K per prompt),
temperature 1 (the paper samples at 1.0); lr and sft_steps are CPU-scale choices.
Every array has a leading replicate axis S; only the reward-model refit loops over S.
Every random draw comes from a per-replicate stream (``looplab.core.streams``; world
instance, feedback channel, policy sampling, fit seeds), and every fit and metric reads one
replicate's data only, so a replicate's numbers do not depend on which replicates share the
batch (issue 19). The clean test set is shared by the replicates of a seed (drawn from that
seed alone).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from pydantic import Field, model_validator

from looplab.core.params import Params
from looplab.core.seeding import generator
from looplab.core.streams import Rows, Stream
from looplab.judges.selection import differentials
from looplab.preferences.data import (
    FeatureTask,
    PairTruth,
    PairwiseData,
    PairwiseSource,
    PointTruth,
    PointwiseData,
    PointwiseSource,
)
from looplab.preferences.metrics import evaluate, make_test_set
from looplab.preferences.reward_model import fit_reward_model

METRICS = ("proxy_reward", "true_reward", "gap", "entropy", "accuracy", "spearman",
           "consistency", "sel_proxy", "sel_true", "sel_offtruth")


class RaftConfig(Params):
    """Sizes and step sizes of the RAFT loop (see the module docstring)."""

    prompts: int = Field(64, ge=1, le=1_000_000)
    candidates: int = Field(16, ge=2, le=100_000, description="candidate responses per prompt")
    samples: int = Field(4, ge=2, description="feedback samples per prompt per round (even)")
    initial_samples: int = Field(16, ge=2, description="feedback samples before round 0 (even)")
    best_of: int = Field(8, ge=1, description="candidates drawn per prompt for the RAFT step")
    lr: float = Field(0.05, gt=0.0)
    sft_steps: int = Field(10, ge=1)
    temperature: float = Field(1.0, gt=0.0)

    @model_validator(mode="after")
    def _even(self) -> RaftConfig:
        if self.samples % 2 or self.initial_samples % 2:
            raise ValueError("samples and initial_samples must be even (they form pairs)")
        return self


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


def _sample(probs: np.ndarray, n: int, rng: Stream) -> np.ndarray:
    """``n`` draws per row of ``probs`` (..., K) -> (..., n) indices (inverse CDF)."""
    cdf = np.cumsum(probs, -1)
    u = rng.random((*probs.shape[:-1], n)) * cdf[..., -1:]
    idx = (u[..., :, None] > cdf[..., None, :]).sum(-1)
    return np.minimum(idx, probs.shape[-1] - 1)


def _zscore(r: np.ndarray) -> np.ndarray:
    flat = r.reshape(r.shape[0], -1)
    return (r - flat.mean(1)[:, None, None]) / (flat.std(1)[:, None, None] + 1e-12)


def _offtruth_norm(task: FeatureTask, ctx: np.ndarray, resp: np.ndarray) -> np.ndarray:
    """(S, P, K) norm of each response's component orthogonal to w(c), the slope of the
    true reward in the response at r = 0 (exact for a linear task), by finite differences
    of ``task.reward_of_features`` (no access to the task's private weights)."""
    R = task.response_dim
    basis = np.concatenate([np.zeros((1, R)), np.eye(R)])  # r = 0 and the unit vectors
    f = task.features(ctx[:, :, None, :], basis[None, None])  # (S, P, R+1, D)
    r = task.reward_of_features(f)
    w = r[..., 1:] - r[..., :1]  # (S, P, R)
    u = w / (np.linalg.norm(w, axis=-1, keepdims=True) + 1e-12)
    along = np.einsum("spkr,spr->spk", resp, u)
    return np.sqrt(np.maximum((resp**2).sum(-1) - along**2, 0.0))


def run_raft(
    task: FeatureTask,
    source: PairwiseSource | PointwiseSource,
    objective: str,
    cfg: RaftConfig,
    rounds: int,
    replicates: int,
    seed: int,
    model: str = "linear",
    objective_params: dict[str, Any] | None = None,
    progress: Callable[[int], None] | None = None,
    rows: Rows | None = None,
) -> dict[str, np.ndarray]:
    """Run the loop; returns {metric: (rounds, S) array} for ``METRICS``.

    ``rows`` (default: replicates ``0..replicates-1`` of ``seed``) says which (seed,
    replicate) each batch row is; replicate r's numbers depend only on its own row. The
    candidate sets, test set and random streams depend only on the rows (not on the
    objective), so arms compared on the same rows see the same prompts and draws."""
    if rounds < 1 or replicates < 1:
        raise ValueError(f"rounds and replicates must be >= 1, got {rounds}, {replicates}")
    rows = rows if rows is not None else Rows.of(seed, replicates)
    S, P, K, D = len(rows), cfg.prompts, cfg.candidates, task.dim
    # exactly one of the two is set; each is used only on its own branch
    psrc = source if isinstance(source, PointwiseSource) else None
    qsrc = source if isinstance(source, PairwiseSource) else None
    w_rng = Stream(rows, "world-instance")
    ctx = w_rng.standard_normal((S, P, task.context_dim))
    resp = w_rng.standard_normal((S, P, K, task.response_dim))
    phi = task.features(ctx[:, :, None, :], resp)  # (S, P, K, D)
    r_true = task.reward_of_features(phi)  # (S, P, K), hidden from the learner
    z_true = _zscore(r_true)
    off = _offtruth_norm(task, ctx, resp)  # (S, P, K) judge-irrelevant feature
    tests = {sd: make_test_set(task, generator(sd, "test"), n_test=1000, n_contrast=300,
                               pointwise=psrc) for sd in dict.fromkeys(rows.seeds.tolist())}
    f_rng, p_rng = Stream(rows, "channel"), Stream(rows, "policy")
    fit_seeds = Stream(rows, "fit").seeds()  # one random_state per replicate, every round
    theta = np.zeros((S, D))
    out = {m: np.empty((rounds, S)) for m in METRICS}
    store: dict[str, list[np.ndarray]] = {}
    srow = np.arange(S)[:, None, None]
    prow = np.arange(P)[None, :, None]

    for t in range(rounds):
        probs = _softmax(np.einsum("spkd,sd->spk", phi, theta) / cfg.temperature)
        n = cfg.initial_samples if t == 0 else cfg.samples
        k = _sample(probs, n, p_rng)  # (S, P, n)
        x = phi[srow, prow, k]  # (S, P, n, D)
        r = r_true[srow, prow, k]
        if psrc is not None:
            obs, prop, lab, y, real = psrc.observe(r, f_rng)
            new = {"x": x, "obs": obs, "prop": prop, "lab": lab, "y": y, "real": real}
        else:
            assert qsrc is not None
            ra, rb = r[..., 0::2], r[..., 1::2]
            lab, ann, flipped = qsrc.label(ra, rb, f_rng)
            new = {"xa": x[..., 0::2, :], "xb": x[..., 1::2, :], "lab": lab, "ann": ann,
                   "ra": ra, "rb": rb, "flipped": flipped}
        for key, arr in new.items():  # flatten (S, P, m, ...) -> (S, P*m, ...)
            store.setdefault(key, []).append(arr.reshape(S, -1, *arr.shape[3:]))
        data = {key: np.concatenate(v, axis=1) for key, v in store.items()}

        r_hat = np.empty((S, P, K))
        for s, (sd, _) in enumerate(rows.pairs()):  # refit boundary: one model per replicate
            if psrc is not None:
                ds: PairwiseData | PointwiseData = PointwiseData(
                    x=data["x"][s], observed=data["obs"][s], propensity=data["prop"][s],
                    label=data["lab"][s], noise_rates=(psrc.r10, psrc.r01),
                    truth=PointTruth(data["real"][s], data["y"][s]),
                )
            else:
                ds = PairwiseData(
                    xa=data["xa"][s], xb=data["xb"][s], label=data["lab"][s],
                    annotator=data["ann"][s],
                    truth=PairTruth(data["ra"][s], data["rb"][s], data["flipped"][s]),
                )
            rm = fit_reward_model(ds, objective, model=model, random_state=int(fit_seeds[s]),
                                  **(objective_params or {}))
            r_hat[s] = rm.score(phi[s].reshape(-1, D)).reshape(P, K)
            ev = evaluate(rm, tests[sd])
            for name in ("accuracy", "spearman", "consistency"):
                out[name][t, s] = ev[name].estimate

        z_hat = _zscore(r_hat)
        out["proxy_reward"][t] = (probs * z_hat).sum(-1).mean(-1)
        out["true_reward"][t] = (probs * z_true).sum(-1).mean(-1)
        out["gap"][t] = out["proxy_reward"][t] - out["true_reward"][t]
        out["entropy"][t] = -(probs * np.log(probs + 1e-300)).sum(-1).mean(-1)

        # RAFT: best-of-n by the learned reward, then maximum likelihood on the kept set
        cand = _sample(probs, cfg.best_of, p_rng)  # (S, P, best_of)
        pick = r_hat[srow, prow, cand].argmax(-1)[..., None]
        best = np.take_along_axis(cand, pick, -1)
        feats = np.stack([r_hat[srow, prow, cand], r_true[srow, prow, cand],
                          off[srow, prow, cand]], -1)  # (S, P, best_of, 3)
        if cfg.best_of > 1:
            with np.errstate(invalid="ignore"):
                dif = np.nanmean(differentials(feats, pick), axis=1)  # (S, 3)
        else:
            dif = np.zeros((S, 3))  # nothing to select among
        out["sel_proxy"][t], out["sel_true"][t], out["sel_offtruth"][t] = dif.T
        phi_best = np.take_along_axis(phi, best[..., None], 2)[:, :, 0]  # (S, P, D)
        for _ in range(cfg.sft_steps):
            pr = _softmax(np.einsum("spkd,sd->spk", phi, theta) / cfg.temperature)
            grad = (phi_best - np.einsum("spk,spkd->spd", pr, phi)).mean(1) / cfg.temperature
            theta = theta + cfg.lr * grad
        if progress is not None:
            progress(1)
    return out
