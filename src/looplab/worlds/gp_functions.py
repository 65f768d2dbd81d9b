"""Meta-BO tasks: 1-D functions sampled from a Gaussian process on a grid, and the
references a meta-learned optimiser is compared with (GP expected improvement, random
search).

Setting of Maraval et al., "End-to-End Meta-Bayesian Optimisation with Transformer Neural
Processes" (NeurIPS 2023, NAP) at the notes' toy scale (reward-loops section 20: 1-D
GP-sampled functions on a discrete grid, ~20-step episodes, scaled down for CI).

A task is f ~ GP(0, k) on ``grid`` equispaced points of [0, 1], with the squared-
exponential kernel k(x, x') = exp(-(x - x')^2 / (2 l^2)) (unit variance, lengthscale
``lengthscale``); f = L z with L the Cholesky factor of the grid's kernel matrix (+1e-6 on
the diagonal) and z ~ N(0, I). An episode starts from one uniformly random query (the
same for every optimiser on a test task) and makes ``horizon`` further queries, each a
grid point not queried yet; observations are noise-free. Score: the simple regret
    regret_t = max_x f(x) - max_{i <= t} f(x_i)
after each query (the sparse reward of NAP: it changes only when the incumbent improves).
Defaults: 32 grid points, lengthscale 0.15 (three or four bumps on [0, 1], so one query
does not reveal the optimum), 6 queries after the first, 256 test tasks: the notes' toy
setting shrunk until one NAP training fits in about a minute and a half on a shared
2-core machine (a first try with 64 points and 8 queries took ~2 s per update). Measured
on 256 tasks: GP-EI ends at simple regret 0.010, random search at 0.269.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import Field
from scipy.stats import norm

from looplab.core.params import Params


class GPFunctionsConfig(Params):
    """Parameters of the GP-sampled 1-D task family."""

    grid: int = Field(32, ge=8, le=512)
    lengthscale: float = Field(0.15, gt=0.0)
    horizon: int = Field(6, ge=1, description="queries after the random first one")
    test_tasks: int = Field(256, ge=8)


def grid_points(cfg: GPFunctionsConfig) -> np.ndarray:
    """(G,) the candidate locations on [0, 1]."""
    return np.linspace(0.0, 1.0, cfg.grid)


def kernel(a: np.ndarray, b: np.ndarray, lengthscale: float) -> np.ndarray:
    """Squared-exponential kernel matrix between the last axes of ``a`` (..., n) and
    ``b`` (..., m): (..., n, m)."""
    return np.exp(-((a[..., :, None] - b[..., None, :]) ** 2) / (2 * lengthscale**2))


def cholesky_factor(cfg: GPFunctionsConfig) -> np.ndarray:
    """(G, G) lower Cholesky factor of the grid's kernel matrix (jitter 1e-6)."""
    x = grid_points(cfg)
    return np.linalg.cholesky(kernel(x, x, cfg.lengthscale) + 1e-6 * np.eye(cfg.grid))


def sample_tasks(cfg: GPFunctionsConfig, n: int, rng: np.random.Generator
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(functions (n, G), first query (n,)) of ``n`` tasks."""
    f = rng.standard_normal((n, cfg.grid)) @ cholesky_factor(cfg).T
    return f, rng.integers(0, cfg.grid, n)


def simple_regret(f: np.ndarray, queries: np.ndarray) -> np.ndarray:
    """(n, T) simple regret after each of the T queries (n, T) on functions (n, G)."""
    vals = np.take_along_axis(f, queries, axis=1)
    return f.max(axis=1, keepdims=True) - np.maximum.accumulate(vals, axis=1)


def random_search(f: np.ndarray, first: np.ndarray, horizon: int,
                  rng: np.random.Generator) -> np.ndarray:
    """(n, horizon + 1) queries: the first, then distinct uniformly random grid points."""
    n, G = f.shape
    keys = rng.random((n, G))
    keys[np.arange(n), first] = -1.0  # the first query is not drawn again
    rest = np.argsort(keys, axis=1)[:, 1 : horizon + 1]
    return np.concatenate([first[:, None], rest], axis=1)


def gp_expected_improvement(f: np.ndarray, first: np.ndarray, horizon: int,
                            cfg: GPFunctionsConfig) -> np.ndarray:
    """(n, horizon + 1) queries of GP expected improvement (Jones, Schonlau and Welch,
    "Efficient Global Optimization of Expensive Black-Box Functions", J. Global Optim.
    1998) with the task family's true prior (the kernel and lengthscale the functions are
    drawn from -- the best a GP can be told), batched over tasks:
        EI(x) = (mu(x) - y*) Phi(z) + sd(x) phi(z),   z = (mu(x) - y*) / sd(x),
    mu, sd the GP posterior given the queries so far, y* the incumbent; the next query is
    the unqueried grid point with the largest EI (ties: the lowest index)."""
    n, G = f.shape
    x = grid_points(cfg)
    rows = np.arange(n)
    Q = np.empty((n, horizon + 1), dtype=np.int64)
    Q[:, 0] = first
    queried = np.zeros((n, G), dtype=bool)
    queried[rows, first] = True
    Kgrid = kernel(x, x, cfg.lengthscale)
    for t in range(1, horizon + 1):
        idx = Q[:, :t]  # (n, t)
        y = f[rows[:, None], idx]
        Ktt = Kgrid[idx[:, :, None], idx[:, None, :]] + 1e-6 * np.eye(t)
        Kst = Kgrid[:, idx].transpose(1, 0, 2)  # (n, G, t)
        sol = np.linalg.solve(Ktt, np.concatenate(
            [y[:, :, None], Kst.transpose(0, 2, 1)], axis=2))  # (n, t, 1 + G)
        mu = np.einsum("ngt,nt->ng", Kst, sol[:, :, 0])
        var = 1.0 - np.einsum("ngt,ntg->ng", Kst, sol[:, :, 1:])
        sd = np.sqrt(np.maximum(var, 1e-12))
        gap = mu - y.max(axis=1, keepdims=True)
        z = gap / sd
        ei = gap * norm.cdf(z) + sd * norm.pdf(z)
        ei[queried] = -np.inf
        Q[:, t] = ei.argmax(axis=1)
        queried[rows, Q[:, t]] = True
    return Q


def torch_task_sampler(cfg: GPFunctionsConfig) -> Any:
    """A sampler ``(n, gen) -> (functions (n, G), first query (n,))`` for training (torch
    tensors, drawn from the torch generator ``gen``)."""
    import torch

    L = torch.as_tensor(cholesky_factor(cfg), dtype=torch.float32)

    def draw(n: int, gen: Any) -> tuple[Any, Any]:
        z = torch.randn(n, cfg.grid, generator=gen)
        return z @ L.T, torch.randint(0, cfg.grid, (n,), generator=gen)
    return draw
