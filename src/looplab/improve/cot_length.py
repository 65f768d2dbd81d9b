"""Chain-of-thought length: the error-accumulation model of Wu et al. (ICLR 2026, "When More
is Less: Understanding Chain-of-Thought Length in LLMs", arXiv 2502.07266), simulated, with
RL on the length choice and the length-filtered vote. The same trade-off measured on small
trained models is ``looplab.improve.cot_trained``.

Model. A task of T primitive operations is solved in N reasoning steps of T/N operations
each. A step of size s is done right with probability exp(-(s/M)^alpha): a model of
capability M handles small steps well and errors compound super-linearly (alpha > 1) when
too much is done at once — the reason a longer chain helps. Every step also carries a
fixed error sigma (writing and re-reading an intermediate result) — the reason a longer
chain hurts. Accuracy is the chance that every step is right:

    A(N) = (1 - sigma)^N * exp(-N (T / (N M))^alpha)
         = exp(-c N - N^(1 - alpha) (T / M)^alpha),        c = -log(1 - sigma),

an inverted U in N with its maximum at

    N* = (T / M) * ((alpha - 1) / c)^(1 / alpha),

which rises with the task difficulty T and falls with the capability M (the paper's scaling
of the optimal length and its "simplicity bias"). The paper proves these directions in its
own model; this functional form is a reconstruction that has them (the notes mark the exact
formula unverified), so the claims here test the mechanism, not the paper's constants.

Simulation (``simulate_accuracy``): integer T split into N as-equal-as-possible chunks,
independent step failures, Monte Carlo over trials — it agrees with the closed form when N
divides T and shows the same inverted U otherwise.

RL on length (``CotLengthRL``): a softmax policy over N in {1..max_length} is trained with
REINFORCE (group-mean baseline) on the outcome reward Bernoulli(A(N; T, M_t)) while the
capability grows, M_t = M (1 + growth t / rounds); starting at N*(M_0) (trained on
optimally long chains), the chosen length drifts down with the optimum as accuracy rises.

Length-filtered vote (``length_filtered_vote``): sample K chains at random lengths; a wrong
chain answers the question's popular wrong answer with probability ``wrong_bias``, else one
of the other wrong answers; bucket chains by length, keep the half of the buckets with the
lowest answer entropy, majority-vote among the kept chains — against a plain majority vote.
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from looplab.core.params import Params
from looplab.core.streams import Stream


class CotWorld(Params):
    """Chained task of T operations solved in N steps by a model of capability M."""

    difficulty: float = Field(16.0, gt=0.0)
    capability: float = Field(8.0, gt=0.0)
    step_error: float = Field(0.05, gt=0.0, lt=1.0)
    alpha: float = Field(2.0, gt=1.0)
    max_length: int = Field(40, ge=2, le=1024)


def accuracy(N: np.ndarray, T: float | np.ndarray, M: float | np.ndarray, sigma: float,
             alpha: float) -> np.ndarray:
    """Closed-form A(N; T, M)."""
    N = np.asarray(N, dtype=np.float64)
    c = -np.log1p(-sigma)
    return np.exp(-c * N - N * (np.asarray(T) / (N * np.asarray(M))) ** alpha)


def optimal_length(T: float | np.ndarray, M: float | np.ndarray, sigma: float,
                   alpha: float) -> np.ndarray:
    """Continuous N* = (T / M) ((alpha - 1) / c)^(1 / alpha)."""
    c = -np.log1p(-sigma)
    return np.asarray(T) / np.asarray(M) * ((alpha - 1) / c) ** (1 / alpha)


def simulate_accuracy(T: int, M: float, sigma: float, alpha: float, lengths: np.ndarray,
                      trials: int, rng: Stream) -> np.ndarray:
    """(S, len(lengths)) Monte Carlo accuracy at every N of ``lengths``, ``trials`` chains
    per replicate (S = the stream's rows): chunks of T operations as equal as possible,
    independent step failures. One vectorised draw per length, (S, trials, N) from the
    replicate's own stream."""
    S = rng.S
    out = np.empty((S, len(lengths)))
    for i, N in enumerate(lengths):  # one vectorised draw per length (not per trial)
        base, extra = divmod(T, int(N))
        sizes = np.full(int(N), base, dtype=np.float64)
        sizes[:extra] += 1
        p_ok = (1 - sigma) * np.exp(-(sizes / M) ** alpha)
        ok = rng.random((S, trials, int(N))) < p_ok
        out[:, i] = ok.all(-1).mean(-1)
    return out


class CotCurve(Params):
    """Error-accumulation analysis: inverted U, optimum scaling, closed form vs simulation."""

    trials: int = Field(4000, ge=100)


class CotLengthRL(Params):
    """RL on the chain length with the outcome reward while capability grows."""

    group: int = Field(64, ge=2)
    lr: float = Field(5.0, gt=0.0)
    growth: float = Field(1.0, ge=0.0)


class LengthVote(Params):
    """Length-filtered majority vote against a plain majority vote over K sampled chains."""

    chains: int = Field(32, ge=2)
    questions: int = Field(256, ge=1)
    wrong_answers: int = Field(4, ge=2)
    wrong_bias: float = Field(0.6, ge=0.0, le=1.0)
    buckets: int = Field(8, ge=2)


def run_cot_curve(world: CotWorld, arm: CotCurve, rng: Stream) -> dict[str, np.ndarray]:
    """(S,) per replicate (independent Monte Carlo draws from its own stream): whether the
    simulated optimum is interior, the simulated N* at T, 2T and at 2M, and the largest
    gap to the closed form where N divides T."""
    T, M = round(world.difficulty), world.capability
    Ns = np.arange(1, world.max_length + 1)
    sim = {key: simulate_accuracy(t, m, world.step_error, world.alpha, Ns, arm.trials,
                                  rng.child(key))
           for key, t, m in (("T", T, M), ("2T", 2 * T, M), ("2M", T, 2 * M))}
    a = sim["T"]
    k = a.argmax(-1)
    rows = np.arange(a.shape[0])
    peak = a[rows, k]
    div = Ns[T % Ns == 0]
    closed = accuracy(div, T, M, world.step_error, world.alpha)
    return {
        "interior_peak": ((k > 0) & (k < len(Ns) - 1) & (peak > a[:, 0])
                          & (peak > a[:, -1])).astype(np.float64),
        "nstar": Ns[k].astype(np.float64),
        "nstar_2T": Ns[sim["2T"].argmax(-1)].astype(np.float64),
        "nstar_2M": Ns[sim["2M"].argmax(-1)].astype(np.float64),
        "sim_error": np.abs(a[:, div - 1] - closed).max(-1),
    }


def run_cot_rl(world: CotWorld, arm: CotLengthRL, rounds: int, rng: Stream
               ) -> dict[str, np.ndarray]:
    """{metric: (rounds + 1, S)}: expected accuracy (``pass_1``), mean chosen length and the
    current optimum N*(M_t), batched over replicates (S = the stream's rows; each
    replicate's policy sees only its own samples)."""
    S = rng.S
    Ns = np.arange(1, world.max_length + 1, dtype=np.float64)
    n0 = optimal_length(world.difficulty, world.capability, world.step_error, world.alpha)
    logits = np.tile(-0.5 * ((Ns - n0) / 2.0) ** 2, (S, 1))  # start near N*(M_0)
    out = {k: np.full((rounds + 1, S), np.nan) for k in ("pass_1", "mean_length",
                                                          "optimal_length")}
    for t in range(rounds + 1):
        M_t = world.capability * (1 + arm.growth * t / rounds)
        acc = accuracy(Ns, world.difficulty, M_t, world.step_error, world.alpha)
        p = np.exp(logits - logits.max(-1, keepdims=True))
        p /= p.sum(-1, keepdims=True)
        out["pass_1"][t] = (p * acc).sum(-1)
        out["mean_length"][t] = (p * Ns).sum(-1)
        out["optimal_length"][t] = optimal_length(world.difficulty, M_t, world.step_error,
                                                  world.alpha)
        if t == rounds:
            break
        cdf = np.cumsum(p, -1)
        u = rng.random((S, arm.group, 1))
        n_idx = np.minimum((u > cdf[:, None, :]).sum(-1), len(Ns) - 1)  # (S, G)
        r = (rng.random(n_idx.shape) < acc[n_idx]).astype(np.float64)
        adv = r - r.mean(-1, keepdims=True)
        onehot = (n_idx[..., None] == np.arange(len(Ns))).astype(np.float64)
        grad = ((onehot - p[:, None, :]) * adv[..., None]).mean(1)
        logits = logits + arm.lr * grad
    return out


def length_filtered_vote(world: CotWorld, arm: LengthVote, rng: Stream
                         ) -> dict[str, np.ndarray]:
    """(S,) accuracy of the plain and the length-filtered majority vote over questions whose
    difficulty is drawn from [T/2, 3T/2]; chain lengths uniform on 1..max_length (S = the
    stream's rows)."""
    S = rng.S
    Q, K, W = arm.questions, arm.chains, arm.wrong_answers
    T = world.difficulty * rng.uniform(0.5, 1.5, (S, Q, 1))
    N = rng.integers(1, world.max_length + 1, (S, Q, K))
    ok = rng.random((S, Q, K)) < accuracy(N, T, world.capability, world.step_error,
                                          world.alpha)
    popular = rng.random((S, Q, K)) < arm.wrong_bias
    other = rng.integers(2, W + 1, (S, Q, K))
    ans = np.where(ok, 0, np.where(popular, 1, other))  # 0 = the correct answer
    A = W + 1
    votes = (ans[..., None] == np.arange(A)).astype(np.float64)  # (S, Q, K, A)
    plain = votes.sum(2).argmax(-1) == 0
    edges = np.linspace(0, world.max_length, arm.buckets + 1)
    b = np.clip(np.searchsorted(edges, N, side="left") - 1, 0, arm.buckets - 1)
    inb = (b[..., None] == np.arange(arm.buckets)).astype(np.float64)  # (S, Q, K, B)
    counts = np.einsum("sqkb,sqka->sqba", inb, votes)
    tot = counts.sum(-1, keepdims=True)
    frac = counts / np.maximum(tot, 1)
    ent = -(frac * np.log(np.maximum(frac, 1e-300))).sum(-1)  # (S, Q, B)
    ent = np.where(tot[..., 0] > 0, ent, np.inf)
    n_keep = max(1, arm.buckets // 2)
    keep = np.argsort(ent, -1, kind="stable")[..., :n_keep]
    kept = np.zeros(ent.shape, bool)
    np.put_along_axis(kept, keep, True, -1)
    kept &= np.isfinite(ent)
    filtered = (counts * kept[..., None]).sum(2).argmax(-1) == 0
    return {"vote_acc": plain.mean(-1), "filtered_vote_acc": filtered.mean(-1)}
