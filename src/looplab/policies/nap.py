"""NAP: end-to-end meta-Bayesian optimisation with a transformer neural process.

Paper: A. Maraval, M. Zimmer, A. Grosnit and H. Bou Ammar, "End-to-End Meta-Bayesian
Optimisation with Transformer Neural Processes", NeurIPS 2023 (reference code:
huawei-noah/HEBO, folder ``NAP/``). One transformer reads the optimisation history and the
candidate points and outputs, per candidate, both an acquisition score (the policy) and a
predictive distribution of f there (a neural process). It is trained end to end with RL on
the regret reward, plus the neural-process likelihood as an auxiliary loss; the paper
shows the regret reward is sparse (it moves only when the incumbent improves, ever more
rarely) and that the auxiliary loss is the inductive bias that makes RL training work.

Architecture (toy scale of the notes, reward-loops section 20: 2 layers, d = 32): tokens
are the history (enc(x_i), y_i, 1) and the G grid candidates (enc(x_j), 0, 0), with
enc(x) = (sin 2 pi k x, cos 2 pi k x)_{k=1..8} (a transformer's sinusoidal positions: dot-
product attention can then score by distance in x), embedded by a 2-layer MLP, through a
2-layer post-norm transformer (4 heads, feed-forward 2d, no dropout) whose mask lets
every token attend to the history and to itself only (the TNP mask: candidates do not
see each other, so each candidate's output is its own conditional prediction). A linear
head gives per candidate (a_j, mu_j, log sd_j). Policy: pi(j | H_t) = softmax_j a_j
over the candidates not queried yet.
Reward: r_t = max_{i<=t} f(x_i) - max_{i<t} f(x_i) (minus the change in simple regret:
zero unless the incumbent improves); undiscounted, so the return is the episode's regret
reduction.
Update (REINFORCE in place of the paper's PPO -- one gradient step per batch of episodes,
so the clipped surrogate would be the plain policy gradient; advantages are the return-to-
go G_t standardised per step over the batch, as PPO implementations do):
    loss = - mean_b sum_t A_t log pi(a_t | H_t)
           + aux_weight * mean_{b,t,j unqueried} [ (f(x_j) - mu_j)^2 / (2 sd_j^2) + log sd_j ],
    A_t = (G_t - mean_b G_t) / sd_b G_t
``aux_weight = 0`` is the paper's RL-only ablation (the Gaussian NLL stands in for NAP's
bar-distribution likelihood: the same supervised signal, one parametric head).
Evaluation acts greedily (argmax a_j), as a deployed optimiser would.
Defaults: d = 32, 2 layers (the notes' toy size); aux_weight 1 (the paper adds the two
losses); batch 64 episodes, Adam 3e-3, 300 updates: the CI-sized budget (~100 s per
training on a shared 2-core machine), chosen on one learning curve of each arm (seed 0:
after 300 updates final simple regret 0.13 with the auxiliary loss, 0.28 without; random
search 0.27, GP-EI 0.01) before the multi-seed claim was run.
Torch (CPU) is imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
from pydantic import Field

from looplab.core.params import Params

FREQS = 8  # sinusoidal frequencies 1..8 (periods down to 1/8 of the domain)


class NAP(Params):
    """NAP: transformer policy + neural process trained with RL (and the auxiliary NP loss)."""

    name: ClassVar[str] = "nap"
    d_model: int = Field(32, ge=4)
    layers: int = Field(2, ge=1)
    heads: int = Field(4, ge=1)
    aux_weight: float = Field(1.0, ge=0.0, description="0 = RL only (the paper's ablation)")
    updates: int = Field(300, ge=1)
    batch: int = Field(64, ge=4)
    lr: float = Field(3e-3, gt=0.0)

    def _net(self) -> Any:
        import torch

        d = self.d_model

        class Layer(torch.nn.Module):
            """Post-norm transformer layer whose attention sees the history and the token
            itself (written out as two small einsums: torch's masked attention took about
            twice as long at these sizes on CPU, measured)."""

            def __init__(self, heads: int) -> None:
                super().__init__()
                self.h = heads
                self.qkv = torch.nn.Linear(d, 3 * d)
                self.proj = torch.nn.Linear(d, d)
                self.ff = torch.nn.Sequential(torch.nn.Linear(d, 2 * d), torch.nn.ReLU(),
                                              torch.nn.Linear(2 * d, d))
                self.n1, self.n2 = torch.nn.LayerNorm(d), torch.nn.LayerNorm(d)

            def forward(self, x: Any, t: int) -> Any:
                B, L, _ = x.shape
                q, k, v = self.qkv(x).view(B, L, 3, self.h, d // self.h).unbind(2)
                scale = (d // self.h) ** -0.5
                s_hist = torch.einsum("blhe,bthe->bhlt", q, k[:, :t]) * scale
                s_self = (q * k).sum(-1).transpose(1, 2)[..., None] * scale  # (B, h, L, 1)
                # a history token already sees itself among the history keys
                s_self[:, :, :t] = float("-inf")
                w = torch.softmax(torch.cat([s_hist, s_self], dim=3), dim=3)
                o = (torch.einsum("bhlt,bthe->blhe", w[..., :t], v[:, :t])
                     + w[..., t].transpose(1, 2)[..., None] * v)
                x = self.n1(x + self.proj(o.reshape(B, L, d)))
                return self.n2(x + self.ff(x))

        class Net(torch.nn.Module):
            def __init__(self, layers: int, heads: int) -> None:
                super().__init__()
                self.register_buffer("freq", 2 * torch.pi * torch.arange(1.0, FREQS + 1))
                self.embed = torch.nn.Sequential(torch.nn.Linear(2 * FREQS + 2, d),
                                                 torch.nn.ReLU(),
                                                 torch.nn.Linear(d, d))
                self.layers = torch.nn.ModuleList(Layer(heads) for _ in range(layers))
                self.head = torch.nn.Linear(d, 3)

            def encode(self, x: Any) -> Any:
                """Sinusoidal encoding of locations in [0, 1]: (..., 2 FREQS)."""
                a = x[..., None] * self.freq
                return torch.cat([torch.sin(a), torch.cos(a)], dim=-1)

            def forward(self, xq: Any, yq: Any, xg: Any) -> Any:
                """(B, t) history, (G,) candidates -> (B, G, 3) (logit, mu, log sd)."""
                B, t = xq.shape
                G = xg.shape[0]
                hist = torch.cat([self.encode(xq), yq[..., None], torch.ones(B, t, 1)], dim=2)
                cand = torch.cat([self.encode(xg).expand(B, G, -1), torch.zeros(B, G, 2)],
                                 dim=2)
                h = self.embed(torch.cat([hist, cand], dim=1))
                for layer in self.layers:
                    h = layer(h, t)
                return self.head(h[:, t:])

        if d % self.heads:
            raise ValueError(f"d_model ({d}) must be divisible by heads ({self.heads})")
        return Net(self.layers, self.heads)

    def _episode(self, net: Any, f: Any, first: Any, xg: Any, horizon: int, gen: Any,
                 greedy: bool) -> tuple[Any, Any, Any]:
        """Run episodes on functions f (B, G) from the first queries (B,): (queries
        (B, horizon + 1), log-probs (B, horizon), mean auxiliary NLL)."""
        import torch

        B, G = f.shape
        rows = torch.arange(B)
        q = [first]
        queried = torch.zeros(B, G, dtype=torch.bool)
        queried[rows, first] = True
        logps, nlls = [], []
        for _ in range(horizon):
            idx = torch.stack(q, dim=1)
            out = net(xg[idx], f.gather(1, idx), xg)
            logits = out[..., 0].masked_fill(queried, float("-inf"))
            if greedy:
                a = logits.argmax(dim=1)
            else:
                a = torch.multinomial(torch.softmax(logits, dim=1), 1, generator=gen)[:, 0]
            logps.append(torch.log_softmax(logits, dim=1)[rows, a])
            mu, log_sd = out[..., 1], out[..., 2].clamp(-5.0, 5.0)
            nll = 0.5 * ((f - mu) * torch.exp(-log_sd)) ** 2 + log_sd
            free = (~queried).float()
            nlls.append((nll * free).sum() / free.sum())
            q.append(a)
            queried = queried.clone()
            queried[rows, a] = True
        return torch.stack(q, dim=1), torch.stack(logps, dim=1), torch.stack(nlls).mean()

    def train(self, tasks: Any, grid: np.ndarray, horizon: int, seed: int,
              on_update: Callable[[int, Any, float], None] | None = None) -> Any:
        """Train on task draws ``tasks(n, gen) -> (f (n, G), first (n,))``; returns the net
        (``on_update(k, net, nll)`` is called after update k, e.g. for learning curves)."""
        import torch
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1):
            torch.manual_seed(seed)
            gen = torch.Generator().manual_seed(seed)
            net = self._net()
            opt = torch.optim.Adam(net.parameters(), lr=self.lr)
            xg = torch.as_tensor(grid, dtype=torch.float32)
            for k in range(self.updates):
                f, first = tasks(self.batch, gen)
                Q, logp, nll = self._episode(net, f, first, xg, horizon, gen, greedy=False)
                best = torch.cummax(f.gather(1, Q), dim=1).values
                r = best[:, 1:] - best[:, :-1]  # sparse: > 0 only on improvement
                togo = r.flip(1).cumsum(1).flip(1)
                adv = togo - togo.mean(0, keepdim=True)
                adv = adv / (adv.std(0, keepdim=True) + 1e-6)
                loss = -(adv * logp).sum(1).mean()
                if self.aux_weight > 0:
                    loss = loss + self.aux_weight * nll
                opt.zero_grad()
                loss.backward()
                opt.step()
                if on_update is not None:
                    on_update(k, net, float(nll.detach()))
        return net

    def evaluate(self, net: Any, f: np.ndarray, first: np.ndarray, grid: np.ndarray,
                 horizon: int) -> np.ndarray:
        """Greedy queries (n, horizon + 1) on fixed test functions f (n, G)."""
        import torch
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1), torch.no_grad():
            Q, _, _ = self._episode(
                net, torch.as_tensor(f, dtype=torch.float32), torch.as_tensor(first),
                torch.as_tensor(grid, dtype=torch.float32), horizon, None, greedy=True)
        return Q.numpy().astype(np.int64)
