"""Contextual-bandit race on the bandit-linear workload (K = 10 actions, d = 10 features,
r ~ Bernoulli(sigmoid(theta_a . x)), theta_a ~ N(0, I/d)): looplab's SquareCB and LinUCB
against Vowpal Wabbit (``--cb_explore_adf --squarecb -q sa``) and MABWiser (LinUCB, per
round and in batches of 100), all on the same contexts and reward draws. Prints rounds per
second, ratios to VW and mean rewards; then batched LinUCB at S = 100 replicates
(replicate-rounds per second) and its mean reward against the same algorithm run
unbatched on each replicate's data. Asserts nothing.

    .venv/bin/python benchmarks/bench_bandits.py [--rounds 100000] [--slow-rounds 10000]

Per-round Python loops that are far slower (looplab's generic loop at S = 1, MABWiser per
round) run on the first ``--slow-rounds`` rounds; every mean reward is also shown on that
common prefix so all rows can be compared.
"""

from __future__ import annotations

import argparse
import importlib.util
import time
from collections.abc import Callable

import numpy as np

from looplab.core.channels import BanditFeedback
from looplab.core.loop import run
from looplab.core.monitors import RewardMonitor
from looplab.core.streams import stream as policy_stream
from looplab.policies.linear_stream import run_linear_stream
from looplab.policies.linucb import LinUCB
from looplab.policies.regression_oracles import single_threaded
from looplab.policies.squarecb import SquareCB
from looplab.worlds.linear_bandit import LinearBanditConfig, LinearBanditWorld

Row = tuple[str, int, float, np.ndarray]  # name, rounds, seconds, rewards


REPEAT = 2  # every timing is the best of REPEAT runs (the machine is shared and noisy)


def timed(fn: Callable[[], np.ndarray]) -> tuple[float, np.ndarray]:
    """Best wall time of REPEAT runs of ``fn`` (deterministic), and its result."""
    best = float("inf")
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        rewards = fn()
        best = min(best, time.perf_counter() - t0)
    return best, rewards


def sample(p: np.ndarray, u: float) -> int:
    """Inverse-CDF draw from a pmf with one uniform (the same rule looplab uses)."""
    cdf = np.cumsum(p)
    return min(int((u * cdf[-1] >= cdf).sum()), len(p) - 1)


def vw_squarecb(X: np.ndarray, P: np.ndarray, U: np.ndarray, V: np.ndarray) -> np.ndarray:
    """VW's SquareCB with action-dependent features (shared x, action id, -q sa)."""
    from vowpalwabbit import Workspace

    T, d = X.shape
    K = P.shape[1]
    vw = Workspace("--cb_explore_adf --squarecb -q sa --quiet")
    actions = [f"|a a{k}" for k in range(K)]
    rewards = np.empty(T)
    for t in range(T):
        shared = "shared |s " + " ".join(f"{j}:{X[t, j]:.6f}" for j in range(d))
        ex = [shared, *actions]
        pmf = np.asarray(vw.predict(ex))
        a = sample(pmf, V[t])
        r = 1.0 if U[t] < P[t, a] else 0.0
        rewards[t] = r
        ex[1 + a] = f"0:{1.0 - r}:{pmf[a]} {actions[a]}"  # cost = 1 - reward
        vw.learn(ex)
    vw.finish()
    return rewards


def mabwiser_linucb(
    X: np.ndarray, P: np.ndarray, U: np.ndarray, batch: int
) -> np.ndarray:
    """MABWiser LinUCB (alpha = 1, l2 = 1), predicting and refitting every ``batch`` rounds;
    warm-started on the first K rounds with actions 0..K-1 (MABWiser needs a fit first)."""
    from mabwiser.mab import MAB, LearningPolicy

    T, K = P.shape
    mab = MAB(list(range(K)), LearningPolicy.LinUCB(alpha=1.0, l2_lambda=1.0), seed=0)
    warm = np.arange(K)
    r0 = (U[:K] < P[np.arange(K), warm]).astype(float)
    mab.fit(warm.tolist(), r0.tolist(), X[:K])
    rewards = np.empty(T)
    rewards[:K] = r0
    for t in range(K, T, batch):
        xs = X[t : t + batch]
        arms = mab.predict(xs)
        arms = np.atleast_1d(np.asarray(arms, dtype=np.int64))
        rs = (U[t : t + len(xs)] < P[np.arange(t, t + len(xs)), arms]).astype(float)
        rewards[t : t + len(xs)] = rs
        mab.partial_fit(arms.tolist(), rs.tolist(), xs)
    return rewards


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=100_000)
    ap.add_argument("--slow-rounds", type=int, default=10_000)
    ap.add_argument("--replicates", type=int, default=100)
    ap.add_argument("--batched-rounds", type=int, default=2_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=2, help="best of this many runs each")
    args = ap.parse_args()
    global REPEAT
    REPEAT = max(1, args.repeat)
    T, Ts, seed = args.rounds, min(args.slow_rounds, args.rounds), args.seed
    world = LinearBanditWorld(LinearBanditConfig(n_actions=10, n_features=10))
    Xs, Ps, Us = world.draw_streams(T, 1, seed)
    X, P, U = Xs[:, 0, 0], Ps[:, 0, 0], Us[:, 0, 0]
    # the uniforms looplab's randomized policies draw in the loop (one per decision)
    pg = policy_stream(seed, 1, "policy")
    V = np.array([pg.random((1, 1))[0, 0] for _ in range(T)])
    print(f"bandit-linear: K=10 actions, d=10 features, {T} rounds, seed {seed}, best of "
          f"{REPEAT} runs each; "
          f"best-action mean reward {P.max(axis=1).mean():.4f}, uniform {P.mean():.4f}")

    rows: list[Row] = []
    with single_threaded():
        for name, pol in (("looplab LinUCB (stream)", LinUCB()),
                          ("looplab SquareCB (stream)", SquareCB())):
            dt, r = timed(lambda pol=pol: run_linear_stream(pol, X, P, U, V).reward)
            rows.append((name, T, dt, r))
        for name, pol in (("looplab LinUCB (loop, S=1)", LinUCB()),
                          ("looplab SquareCB (loop, S=1)", SquareCB())):
            mon = RewardMonitor()
            dt, r = timed(lambda pol=pol, mon=mon: run(
                world, pol, BanditFeedback(signals=("features", "avail")), [mon], Ts, 1,
                seed).metrics["reward"][:, 0])
            rows.append((name, Ts, dt, r))
    have_vw = importlib.util.find_spec("vowpalwabbit") is not None
    have_mab = importlib.util.find_spec("mabwiser") is not None
    if have_vw:
        dt, r = timed(lambda: vw_squarecb(X, P, U, V))
        rows.append(("vowpalwabbit SquareCB", T, dt, r))
    else:
        print("vowpalwabbit not installed (pip install 'looplab[bench]'): skipped")
    if have_mab:
        dt, r = timed(lambda: mabwiser_linucb(X[:Ts], P[:Ts], U[:Ts], 1))
        rows.append(("mabwiser LinUCB (per round)", Ts, dt, r))
        dt, r = timed(lambda: mabwiser_linucb(X, P, U, 100))
        rows.append(("mabwiser LinUCB (batch 100)", T, dt, r))
    else:
        print("mabwiser not installed (pip install 'looplab[bench]'): skipped")

    vw_rate = next((n / s for name, n, s, _ in rows if name.startswith("vowpal")), None)
    print(f"\n{'method':32} {'rounds':>7} {'seconds':>8} {'rounds/s':>10} {'x VW':>7} "
          f"{'mean reward':>11} {f'first {Ts}':>11}")
    for name, n, s, r in rows:
        ratio = f"{n / s / vw_rate:7.2f}" if vw_rate else "      -"
        print(f"{name:32} {n:7d} {s:8.2f} {n / s:10,.0f} {ratio} {r.mean():11.4f} "
              f"{r[:Ts].mean():11.4f}")

    # batched LinUCB across replicates, and the same algorithm unbatched on each replicate
    S, Tb = args.replicates, args.batched_rounds
    with single_threaded():
        dt, batched = timed(lambda: run(
            world, LinUCB(), BanditFeedback(signals=("features", "avail")), [RewardMonitor()],
            Tb, S, seed + 1).metrics["reward"])
        Xb, Pb, Ub = world.draw_streams(Tb, S, seed + 1)
        dt_unb, unbatched = timed(lambda: np.stack([
            run_linear_stream(LinUCB(), Xb[:, s, 0], Pb[:, s, 0], Ub[:, s, 0]).reward
            for s in range(S)], axis=1))
    print(f"\nbatched LinUCB, S={S} replicates x {Tb} rounds: "
          f"{S * Tb / dt:,.0f} replicate-rounds/s "
          f"(unbatched stream path, one replicate after another: {S * Tb / dt_unb:,.0f}; "
          f"ratio {dt_unb / dt:.1f}x)")
    print(f"mean reward batched {batched.mean():.4f}, unbatched {unbatched.mean():.4f}, "
          f"|difference| {abs(batched.mean() - unbatched.mean()):.4f}; decisions identical in "
          f"{(batched == unbatched).all(axis=0).mean():.0%} of replicates' reward sequences")


if __name__ == "__main__":
    main()
