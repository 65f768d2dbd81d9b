"""COS(M+O)S (Materzok 2025, "COS(M+O)S: Curiosity and RL-Enhanced MCTS for Exploring Story
Space via Language Models", arXiv 2501.17104) on a controlled world: Monte Carlo tree search
over plan steps guided by a step-level value model that rewards *moderate* surprise and
penalises incoherence, a policy fine-tuned with ORPO on the judge's high- vs low-value
expansions, iterated; a judge rates the results. The paper's headline: the searched and
fine-tuned 3B model beats its own single-pass decoding by 0.59 SD of judge rating. Our
addition (the paper's lesson for judge-in-the-loop optimisation): when the judge that
labels the value model and picks the winners rewards length, search and fine-tuning learn
length, and the selection differential (``looplab.judges.selection``) shows it.

World (the truth is known). A story opens at a prompt step x_0 and takes D (``depth``)
plan steps, each one of M (``steps``) step types. A fixed base language model assigns
next-step probabilities P_0(j | i) = softmax(L_0[i])_j with logits L_0 ~ N(0, ``base_sd``^2),
so the surprisal of a step is s_ij = -log P_0(j | i). Each transition has a latent
coherence C_ij = -rho z(s_ij) + sqrt(1 - rho^2) eta (surprising steps tend to be less
coherent; rho = ``surprise_coherence``, z standardizes within the replicate) and each step
type a judge-irrelevant length l_j ~ N(0, 1) (in SD units). True step quality

    q_ij = exp(-(s_ij - s*)^2 / (2 w^2)) - kappa max(0, -C_ij),

an inverted U in surprisal around s* = ``target_surprise`` (the paper's curiosity index:
predictable steps are dull, very surprising ones confusing) minus an incoherence penalty
(kappa = ``incoherence_penalty``). A story's true quality is the mean of its D step
qualities; its length and surprise are the means of l and s.

Value model (the paper's step-level value network, in miniature). A ridge regression on
features phi_ij = [1, s, s^2, c_ij, min(c_ij, 0), l_j], where c = C + ``coherence_noise``
eps is a noisy coherence reader, fitted to ``labels`` step ratings from the arm's judge:
y = q + v l + ``label_noise`` eps (v = the judge's ``verbosity``). It sees surprisal and
a noisy coherence, never q. The ``length`` debiasing is length control in the style of
AlpacaEval-LC (Dubois et al. 2024): fit with the length term, predict with it set to zero.

Search (per decision, from the committed prefix). MCTS with PUCT selection (the AlphaZero
rule used for LM tree search), Q(n, a) + c_puct pi(a | n) sqrt(sum_b N(n, b) + 1) / (1 +
N(n, a)), prior pi = the current policy; one leaf is expanded per simulation, its value is
the value-model sum along the path plus a policy rollout to depth D scored by the value
model; Q stores the mean per-step return. After ``simulations`` simulations the most
visited step is committed and the tree is rebuilt at the new prefix (the paper expands
plot step by step). ``candidates`` stories per prompt (independent rollouts) form the
judge's pool.

Judge (rates the results and picks the pairs). A story's rating is its true quality plus
``verbosity`` x its length plus ``judge_noise`` eps; ``length`` debiasing regresses the
ratings on length over the replicate's pool and removes the slope (the same LC rule). The
chosen (highest-rated) and rejected (lowest-rated) stories of each prompt form an ORPO pair.

ORPO (Hong et al. 2024, "ORPO: Monolithic Preference Optimization without Reference
Model"). The policy is a tabular softmax over next steps, pi_theta(j | i) =
softmax(theta[i])_j, initialised at the base model (theta = L_0). With the length-
normalised likelihood log P(y) = (1/D) sum_t log pi(y_t | y_{t-1}) and odds(y) =
P(y) / (1 - P(y)),

    L(theta) = -log P(y_w) - lambda log sigma(log odds(y_w) - log odds(y_l)),

minimised by ``orpo_steps`` gradient steps of size ``lr`` per round, averaged over prompts
(lambda = ``orpo_lambda`` = 0.1, the ORPO paper's setting for its main runs; no reference
model is kept, which is ORPO's point). One round = search, judge, update; round t's
monitors describe the policy before that round's update.

Defaults: 16 prompts, 10 step types, depth 5 (a short plot outline), base logits sd 1.5
(P_0 puts most mass on a few predictable steps: the base model's mean surprisal is about
1.5 nats, below s* = 2.5), 16 simulations per step and 4 candidate stories per prompt
(the paper searches under a small budget and samples several expansions), 200 value-model
labels with noise 0.3, judge noise 0.3. c_puct = 0.25: the prior is the base model, which
favours exactly the predictable steps the value model marks down, so a small exploration
weight lets the value estimates override it (on the build seed 1, the searched stories'
true quality was 0.70 / 0.64 / 0.56 at c_puct = 0.1 / 0.25 / 0.5 against 0.35 single-pass;
0.25 keeps real exploration). An unvisited edge's Q starts at the value model's estimate
of that step (first-play value), so one simulation per child is not needed to rank them;
the committed step is the most visited (ties: the lower index). ORPO lr = 2 with 10 steps
per round moves the tabular policy visibly within a few rounds.

Monitors (per round, per replicate): ``policy_quality`` / ``policy_length`` /
``policy_surprise`` = exact expectations of single-pass generation from the current policy
(forward recursion over the step distribution, no sampling); ``search_quality`` = mean true
quality of the round's candidate stories; ``quality`` and ``length`` of the judge-chosen
stories (the delivered results) and ``judge_rating`` (the judge's rating of them);
``sel_length`` / ``sel_surprise`` = selection differential of the judge's choice against
the candidate pool (mean over prompts, SD units); ``sel_length_search`` = differential of
the search's committed steps against the M options at each decision; ``exploited`` /
``exploited_search`` = 1 if the judge's / the search's length differential is above 0 at
the one-sided 5% level (t over prompts). The judge drives both selections: its step
ratings train the value model that steers the search, and its story ratings pick the ORPO
pairs. Length is irrelevant across worlds, but within one world the good steps may happen
to be long or short, so an unbiased value model can show a (two-signed) differential of a
few tenths of an SD, and the per-replicate flag (a t-test over the prompts of one world)
then fires on that world's real, if coincidental, preference; the evidence of a judge's
bias is the differential's mean over worlds (replicates). Length control removes both.
The ``single`` arm samples one story per prompt from the untrained policy each round (no
search, no judge, no update): its ``quality`` is the single-pass baseline.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
from pydantic import Field
from scipy import stats

from looplab.core.params import Params
from looplab.core.streams import Rows, Stream
from looplab.improve.tasks import softmax
from looplab.judges.selection import differentials

ROUND_METRICS = ("policy_quality", "policy_length", "policy_surprise")
STEP_METRICS = ("search_quality", "quality", "length", "judge_rating", "sel_length",
                "sel_surprise", "sel_length_search", "exploited", "exploited_search")
METRICS = ROUND_METRICS + STEP_METRICS
VALUE_FEATURES = ("bias", "surprise", "surprise2", "coherence", "incoherence", "length")


class StoryWorld(Params):
    """Plans as sequences of discrete steps: quality rewards moderate surprise and
    penalises incoherence; each step type has a judge-irrelevant length."""

    prompts: int = Field(16, ge=2, le=10_000, description="story prompts (opening steps)")
    steps: int = Field(10, ge=2, le=256, description="step types M")
    depth: int = Field(5, ge=1, le=32, description="plan steps per story")
    base_sd: float = Field(1.5, gt=0.0, description="sd of the base model's logits")
    target_surprise: float = Field(2.5, ge=0.0, description="s*: the rewarded surprisal")
    surprise_width: float = Field(1.0, gt=0.0, description="w: width of the inverted U")
    incoherence_penalty: float = Field(1.0, ge=0.0, description="kappa")
    surprise_coherence: float = Field(0.5, ge=0.0, lt=1.0,
                                      description="rho: surprising steps are less coherent")
    coherence_noise: float = Field(0.5, ge=0.0, description="noise of the coherence reader")
    labels: int = Field(200, ge=8, le=1_000_000, description="value-model step ratings")
    label_noise: float = Field(0.3, ge=0.0)


class SinglePassArm(Params):
    """Single-pass generation: one story per prompt sampled from the untrained policy."""


class CosmosArm(Params):
    """COS(M+O)S: value-model MCTS, judge-picked ORPO pairs, iterated."""

    simulations: int = Field(16, ge=1, le=4096, description="MCTS simulations per step")
    c_puct: float = Field(0.25, gt=0.0)
    candidates: int = Field(4, ge=2, le=256, description="stories per prompt for the judge")
    orpo_lambda: float = Field(0.1, ge=0.0, description="weight of the odds-ratio term")
    lr: float = Field(2.0, gt=0.0)
    orpo_steps: int = Field(10, ge=1, le=1000)
    verbosity: float = Field(0.0, description="the judge's weight on length (SD units)")
    judge_noise: float = Field(0.3, ge=0.0)
    debias: Literal["none", "length"] = Field(
        "none", description="length control of the judge's ratings and value labels")


ARMS: dict[str, type[Params]] = {"single": SinglePassArm, "cosmos": CosmosArm}


def make_world(world: StoryWorld, S: int, rng: Stream) -> dict[str, np.ndarray]:
    """One story world per replicate: base logits, surprisal, coherence (true and read),
    length, true step quality (all (S, M, M) except length (S, M)), prompts (S, P)."""
    M = world.steps
    L0 = world.base_sd * rng.standard_normal((S, M, M))
    s = -np.log(softmax(L0))
    zs = (s - s.mean((1, 2), keepdims=True)) / s.std((1, 2), keepdims=True)
    rho = world.surprise_coherence
    C = -rho * zs + np.sqrt(1 - rho**2) * rng.standard_normal((S, M, M))
    c_obs = C + world.coherence_noise * rng.standard_normal((S, M, M))
    length = rng.standard_normal((S, M))
    q = (np.exp(-((s - world.target_surprise) ** 2) / (2 * world.surprise_width**2))
         - world.incoherence_penalty * np.maximum(0.0, -C))
    start = rng.integers(0, M, (S, world.prompts))
    return {"L0": L0, "s": s, "C": C, "c_obs": c_obs, "length": length, "q": q,
            "start": start}


def value_model(world: StoryWorld, w: dict[str, np.ndarray], verbosity: float,
                debias: str, rng: Stream) -> np.ndarray:
    """(S, M, M) the value model's step estimates, fitted (ridge, batched over replicates)
    to ``world.labels`` ratings of random transitions by a judge with ``verbosity``."""
    S, M, _ = w["q"].shape
    phi = np.stack([np.ones_like(w["s"]), w["s"], w["s"] ** 2, w["c_obs"],
                    np.minimum(w["c_obs"], 0.0),
                    np.broadcast_to(w["length"][:, None, :], w["s"].shape)], -1)
    flat = phi.reshape(S, M * M, -1)
    idx = rng.integers(0, M * M, (S, world.labels))
    X = np.take_along_axis(flat, idx[..., None], 1)  # (S, n, F)
    y = (np.take_along_axis(w["q"].reshape(S, -1), idx, 1)
         + verbosity * X[..., -1] + world.label_noise * rng.standard_normal(idx.shape))
    mu, sd = X.mean(1, keepdims=True), X.std(1, keepdims=True)
    sd[..., 0] = 1.0
    mu[..., 0] = 0.0
    Z = (X - mu) / sd
    F = Z.shape[-1]
    A = np.einsum("snf,sng->sfg", Z, Z) / world.labels + 1e-3 * np.eye(F)
    beta = np.linalg.solve(A, np.einsum("snf,sn->sf", Z, y)[..., None] / world.labels)[..., 0]
    if debias == "length":
        beta[:, -1] = 0.0  # length-controlled: predict at the pool's mean length
    return np.einsum("smkf,sf->smk", (phi - mu[:, None]) / sd[:, None], beta)


def _draw(probs: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF draws: probs (B, M), u (B,) uniform -> (B,) indices."""
    return np.minimum((np.cumsum(probs, -1) < u[:, None] * probs.sum(-1)[:, None]).sum(-1),
                      probs.shape[-1] - 1)


def mcts_stories(pi: np.ndarray, vhat: np.ndarray, start: np.ndarray, depth: int,
                 simulations: int, c_puct: float, rng: Stream,
                 commit_temperature: float = 0.0) -> np.ndarray:
    """(S, N, depth) step indices: one searched story per start state ``start`` (S, N), all
    replicates and stories in one batch (see the module docstring for the search)."""
    S, N = start.shape
    M = pi.shape[-1]
    B = S * N
    rep, b = np.repeat(np.arange(S), N), np.arange(B)
    cur = start.ravel().copy()
    path = np.empty((B, depth), dtype=np.int64)
    for t in range(depth):
        H, nodes = depth - t, simulations + 1
        child = np.full((B, nodes, M), -1, dtype=np.int64)
        visits, wsum = np.zeros((B, nodes, M)), np.zeros((B, nodes, M))
        state = np.zeros((B, nodes), dtype=np.int64)
        state[:, 0] = cur
        used = np.ones(B, dtype=np.int64)
        for _ in range(simulations):
            node = np.zeros(B, dtype=np.int64)
            on_node, on_act, rew = (np.zeros((B, H), np.int64), np.zeros((B, H), np.int64),
                                    np.zeros((B, H)))
            alive, plen = np.ones(B, bool), np.zeros(B, np.int64)
            st = state[b, node]
            for lvl in range(H):
                n, w = visits[b, node], wsum[b, node]
                q = np.where(n > 0, w / np.maximum(n, 1.0), vhat[rep, st])
                u = c_puct * pi[rep, st] * np.sqrt(n.sum(-1, keepdims=True) + 1.0) / (1.0 + n)
                a = (q + u).argmax(-1)
                on_node[:, lvl], on_act[:, lvl] = node, a
                rew[:, lvl] = np.where(alive, vhat[rep, st, a], 0.0)
                plen += alive
                ch = child[b, node, a]
                new = alive & (ch < 0)
                child[b[new], node[new], a[new]] = used[new]
                state[b[new], used[new]] = a[new]
                node = np.where(alive, np.where(new, used, ch), node)
                used = used + new
                alive = alive & ~new
                st = np.where(alive | new, a, st)
                if not alive.any():
                    break
            # rollout from each leaf to the full depth with the policy, scored by the value
            roll = np.zeros((B, H))
            for lvl in range(H):
                a = _draw(pi[rep, st], rng.random((S, N)).ravel())
                go = lvl >= plen
                roll[:, lvl] = np.where(go, vhat[rep, st, a], 0.0)
                st = np.where(go, a, st)
            total = rew + roll
            togo = np.cumsum(total[:, ::-1], 1)[:, ::-1]  # return from each level on
            for lvl in range(H):
                m = lvl < plen
                visits[b[m], on_node[m, lvl], on_act[m, lvl]] += 1.0
                wsum[b[m], on_node[m, lvl], on_act[m, lvl]] += togo[m, lvl] / (H - lvl)
        if commit_temperature > 0:
            cur = _draw(visits[:, 0] ** (1.0 / commit_temperature), rng.random((S, N)).ravel())
        else:
            cur = visits[:, 0].argmax(-1)
        path[:, t] = cur
    return path.reshape(S, N, depth)


def sample_stories(pi: np.ndarray, start: np.ndarray, depth: int, rng: Stream
                   ) -> np.ndarray:
    """(S, N, depth) single-pass stories from the policy, one per start state (S, N)."""
    S, N = start.shape
    rep = np.repeat(np.arange(S), N)
    cur = start.ravel()
    out = np.empty((S * N, depth), dtype=np.int64)
    for t in range(depth):
        cur = _draw(pi[rep, cur], rng.random((S, N)).ravel())
        out[:, t] = cur
    return out.reshape(S, N, depth)


def story_features(w: dict[str, np.ndarray], start: np.ndarray, path: np.ndarray
                   ) -> dict[str, np.ndarray]:
    """Mean true quality, length and surprisal of stories ``path`` (S, ..., D) opening at
    ``start`` (S, ...): each (S, ...)."""
    S = path.shape[0]
    start = np.broadcast_to(start, path.shape[:-1])
    prev = np.concatenate([start[..., None], path[..., :-1]], -1)
    r = np.arange(S).reshape((S,) + (1,) * (path.ndim - 1))
    return {"quality": w["q"][r, prev, path].mean(-1),
            "length": w["length"][r, path].mean(-1),
            "surprise": w["s"][r, prev, path].mean(-1)}


def policy_expectations(theta: np.ndarray, w: dict[str, np.ndarray], depth: int
                        ) -> dict[str, np.ndarray]:
    """Exact (S,) expected quality, length and surprisal per step of single-pass stories
    from softmax(theta), averaged over prompts."""
    pi = softmax(theta)
    S, M, _ = pi.shape
    d = np.zeros((S, w["start"].shape[1], M))
    np.put_along_axis(d, w["start"][..., None], 1.0, -1)
    acc = {k: np.zeros(S) for k in ("quality", "length", "surprise")}
    for _ in range(depth):
        joint = d[..., :, None] * pi[:, None]  # (S, P, M, M)
        acc["quality"] += np.einsum("spij,sij->s", joint, w["q"])
        acc["surprise"] += np.einsum("spij,sij->s", joint, w["s"])
        d = joint.sum(-2)
        acc["length"] += np.einsum("spj,sj->s", d, w["length"])
    P = w["start"].shape[1]
    return {k: v / (depth * P) for k, v in acc.items()}


def judge_ratings(feats: dict[str, np.ndarray], arm: CosmosArm, rng: Stream
                  ) -> np.ndarray:
    """(S, P, C) the judge's ratings; ``length`` debiasing removes the per-replicate OLS
    slope of the ratings on story length."""
    y = (feats["quality"] + arm.verbosity * feats["length"]
         + arm.judge_noise * rng.standard_normal(feats["quality"].shape))
    if arm.debias == "length":
        x = feats["length"]
        xc = x - x.mean((1, 2), keepdims=True)
        slope = (xc * y).sum((1, 2), keepdims=True) / np.maximum((xc**2).sum(
            (1, 2), keepdims=True), 1e-12)
        y = y - slope * xc
    return y


def orpo_update(theta: np.ndarray, start: np.ndarray, yw: np.ndarray, yl: np.ndarray,
                lam: float, lr: float, steps: int) -> np.ndarray:
    """``steps`` gradient steps of the ORPO loss (module docstring) on pairs (S, P, D)."""
    M = theta.shape[-1]
    D = yw.shape[-1]
    eye = np.eye(M)

    def onehots(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        prev = np.concatenate([start[..., None], y[..., :-1]], -1)
        return eye[prev], eye[y]  # (S, P, D, M) each

    (pw, aw), (pl, al) = onehots(yw), onehots(yl)
    counts_w, counts_l = np.einsum("spti,sptj->spij", pw, aw), np.einsum("spti,sptj->spij",
                                                                         pl, al)
    nw, nl = pw.sum(2), pl.sum(2)  # (S, P, M) visits of each previous step
    theta = theta.copy()
    for _ in range(steps):
        logpi = theta - np.log(np.exp(theta - theta.max(-1, keepdims=True)).sum(
            -1, keepdims=True)) - theta.max(-1, keepdims=True)
        pi = np.exp(logpi)
        lw = np.einsum("spij,sij->sp", counts_w, logpi) / D
        ll = np.einsum("spij,sij->sp", counts_l, logpi) / D
        Pw, Pl = np.minimum(np.exp(lw), 1 - 1e-9), np.minimum(np.exp(ll), 1 - 1e-9)
        z = (lw - np.log1p(-Pw)) - (ll - np.log1p(-Pl))
        sig_neg = 1.0 / (1.0 + np.exp(z))  # 1 - sigma(z)
        gw = -1.0 - lam * sig_neg / (1 - Pw)  # dL/d log P(y_w)
        gl = lam * sig_neg / (1 - Pl)  # dL/d log P(y_l)
        grad = (np.einsum("sp,spij->sij", gw, counts_w) + np.einsum("sp,spij->sij", gl, counts_l)
                - (np.einsum("sp,spi->si", gw, nw) + np.einsum("sp,spi->si", gl, nl))[..., None]
                * pi) / (D * yw.shape[1])
        theta -= lr * grad
    return theta


def _exploited(d: np.ndarray, alpha: float = 0.05) -> np.ndarray:
    """(S,) 1 if the mean over prompts of ``d`` (S, P) is above 0 at the one-sided level."""
    P = d.shape[1]
    se = d.std(1, ddof=1) / np.sqrt(P)
    low = d.mean(1) - stats.t.ppf(1 - alpha, P - 1) * se
    return (low > 0).astype(np.float64)


def run_cosmos(world: StoryWorld, arm: Params, rounds: int, rows: Rows | int, seed: int = 0,
               progress: Callable[[int], None] | None = None) -> dict[str, np.ndarray]:
    """{metric: (rounds + 1, S)} (module docstring); round t's row describes the policy
    before update t (the last row after all ``rounds`` updates). ``rows`` says which (seed,
    replicate) each batch row is (an int: replicates ``0..rows-1`` of ``seed``). The world
    and the value model's labels come from streams ``world-instance`` / ``channel``, search
    and sampling from ``policy``, so arms compared under one seed face the same worlds, and
    replicate r draws only from its own streams (the same numbers in any batch)."""
    rows = rows if isinstance(rows, Rows) else Rows.of(seed, rows)
    if rounds < 0:
        raise ValueError(f"rounds must be >= 0, got {rounds}")
    S, D = len(rows), world.depth
    w = make_world(world, S, Stream(rows, "world-instance"))
    p_rng, j_rng = Stream(rows, "policy"), Stream(rows, "channel")
    theta = w["L0"].copy()
    out = {m: np.full((rounds + 1, S), np.nan) for m in METRICS}
    cosmos = isinstance(arm, CosmosArm)
    vhat = (value_model(world, w, arm.verbosity, arm.debias, j_rng)
            if isinstance(arm, CosmosArm) else None)
    for t in range(rounds + 1):
        ex = policy_expectations(theta, w, D)
        for k in ("quality", "length", "surprise"):
            out[f"policy_{k}"][t] = ex[k]
        pi = softmax(theta)
        if not cosmos:
            f = story_features(w, w["start"], sample_stories(pi, w["start"], D, p_rng))
            for k in ("quality", "length"):
                out[k][t] = f[k].mean(1)
            out["search_quality"][t] = out["quality"][t]
        else:
            assert isinstance(arm, CosmosArm) and vhat is not None
            C = arm.candidates
            start = np.repeat(w["start"], C, axis=1)  # (S, P*C)
            paths = mcts_stories(pi, vhat, start, D, arm.simulations, arm.c_puct, p_rng)
            paths = paths.reshape(S, world.prompts, C, D)
            f = story_features(w, w["start"][..., None], paths)
            rating = judge_ratings(f, arm, j_rng)
            ch, rj = rating.argmax(-1), rating.argmin(-1)
            pick = lambda v, i: np.take_along_axis(v, i[..., None], -1)[..., 0]  # noqa: E731
            out["search_quality"][t] = f["quality"].mean((1, 2))
            out["quality"][t] = pick(f["quality"], ch).mean(1)
            out["length"][t] = pick(f["length"], ch).mean(1)
            out["judge_rating"][t] = pick(rating, ch).mean(1)
            x = np.stack([f["length"], f["surprise"]], -1)  # (S, P, C, 2)
            with np.errstate(invalid="ignore"):
                d = differentials(x, ch[..., None])  # (S, P, 2)
            out["sel_length"][t] = np.nanmean(d[..., 0], 1)
            out["sel_surprise"][t] = np.nanmean(d[..., 1], 1)
            out["exploited"][t] = _exploited(np.nan_to_num(d[..., 0]))
            opts = np.broadcast_to(w["length"][:, None, :, None],
                                   (S, world.prompts * C * D, world.steps, 1))
            ds = differentials(opts, paths.reshape(S, -1, 1))
            out["sel_length_search"][t] = ds[..., 0].mean(1)
            out["exploited_search"][t] = _exploited(ds[..., 0].reshape(S, world.prompts, -1)
                                                    .mean(-1))
            if t < rounds:
                yw = np.take_along_axis(paths, ch[..., None, None], 2)[:, :, 0]
                yl = np.take_along_axis(paths, rj[..., None, None], 2)[:, :, 0]
                theta = orpo_update(theta, w["start"], yw, yl, arm.orpo_lambda, arm.lr,
                                    arm.orpo_steps)
        if progress is not None and t < rounds:
            progress(1)
    return out
