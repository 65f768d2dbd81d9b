"""A recurrent meta-learner trained only to exploit, across many bandit tasks.

Paper: M. Rentschler and J. Roberts, "Exploitation Is All You Need... for Exploration"
(arXiv 2508.01287, 2025): a meta-RL agent trained with an exploitation-only objective
shows information-seeking exploration when the environment has recurring structure and
the agent has memory (and not without either).

Agent: a GRU over the in-task history, input at step t = (one-hot a_{t-1}, r_{t-1}, t/H),
hidden ``hidden`` units, a linear head to K action logits. ``memory = False`` is the
paper's "no memory" ablation, context length 1: the hidden state is reset before every
step, so the agent sees only its last action and reward.
Objective: the expected task return sum_t r_t -- no exploration bonus, no entropy term --
maximised by REINFORCE with the per-step batch-mean return-to-go as baseline (gamma = 1:
long-horizon credit; ``long_horizon = False`` is the myopic gamma = 0 agent, each action
credited with its own reward only). Training samples actions from the policy (the gradient estimator
needs it); evaluation acts greedily (argmax), so any exploration seen at test time is the
learned policy's own.
Defaults: hidden 32, 400 updates of 256 tasks, Adam 3e-3 -- the notes' CI-sized budget
(K = 4, H = 20; "scale down for CI-size runs"), fixed before the ablations were run.
Torch (CPU) is imported inside the functions.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from pydantic import Field

from looplab.core.params import Params


class MetaGRU(Params):
    """GRU meta-learner trained on task return only (REINFORCE), acting greedily at test."""

    name: ClassVar[str] = "meta_gru"
    hidden: int = Field(32, ge=4)
    memory: bool = True
    long_horizon: bool = True  # False: gamma = 0, credit only the immediate reward
    updates: int = Field(400, ge=1)
    batch: int = Field(256, ge=8)
    lr: float = Field(3e-3, gt=0.0)

    def _net(self, K: int) -> Any:
        import torch

        class Net(torch.nn.Module):
            def __init__(self, hidden: int) -> None:
                super().__init__()
                self.cell = torch.nn.GRUCell(K + 2, hidden)
                self.head = torch.nn.Linear(hidden, K)

        return Net(self.hidden)

    def _rollout(self, net: Any, sample_means: Any, K: int, H: int, n: int,
                 gen: Any, greedy: bool) -> tuple[Any, Any, Any]:
        """Play n tasks for H steps; returns (actions (n, H), rewards (n, H), log-probs)."""
        import torch

        h = torch.zeros(n, self.hidden)
        x = torch.zeros(n, K + 2)
        acts, rews, logps = [], [], []
        for t in range(H):
            if not self.memory:
                h = torch.zeros_like(h)
            x[:, -1] = t / H
            h = net.cell(x, h)
            logits = net.head(h)
            if greedy:
                a = logits.argmax(dim=1)
            else:
                a = torch.multinomial(torch.softmax(logits, dim=1), 1, generator=gen)[:, 0]
            logps.append(torch.log_softmax(logits, dim=1).gather(1, a[:, None])[:, 0])
            p = sample_means(t).gather(1, a[:, None])[:, 0]
            r = (torch.rand(n, generator=gen) < p).float()
            acts.append(a)
            rews.append(r)
            x = torch.cat([torch.nn.functional.one_hot(a, K).float(), r[:, None],
                           torch.zeros(n, 1)], dim=1)
        return torch.stack(acts, 1), torch.stack(rews, 1), torch.stack(logps, 1)

    def train(self, tasks: Any, K: int, H: int, seed: int) -> Any:
        """Train on task draws ``tasks(n, gen) -> means_at(t) (n, K)``; returns the net."""
        import torch
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1):
            torch.manual_seed(seed)
            gen = torch.Generator().manual_seed(seed)
            net = self._net(K)
            opt = torch.optim.Adam(net.parameters(), lr=self.lr)
            for _ in range(self.updates):
                _, r, logp = self._rollout(net, tasks(self.batch, gen), K, H, self.batch,
                                           gen, greedy=False)
                togo = r.flip(1).cumsum(1).flip(1) if self.long_horizon else r
                adv = togo - togo.mean(0, keepdim=True)
                loss = -(adv * logp).sum(1).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
        return net

    def evaluate(self, net: Any, means: np.ndarray, H: int, seed: int) -> tuple[np.ndarray,
                                                                                 np.ndarray]:
        """Greedy play on fixed test tasks (n, K): (actions, rewards) as (n, H) arrays."""
        import torch

        n, K = means.shape
        m = torch.as_tensor(means, dtype=torch.float32)
        gen = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            a, r, _ = self._rollout(net, lambda t: m, K, H, n, gen, greedy=True)
        return a.numpy(), r.numpy()
