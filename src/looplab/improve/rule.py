"""What an update rule of the ``improve`` family is: a ``Params`` subclass with
``init_state`` and ``step``, batched over replicates S and prompts P.

``step(task, state, rng) -> (state, info)`` samples from the current policy, asks the reward
channel, and moves the parameters ``state["theta"]``; ``info`` holds per-replicate (S,)
diagnostics of that update (clipping fraction, balance score, gradient variance ...).

Shared by every rule:

* ``group``: samples per prompt per update (G);
* ``lr``: step size of plain gradient ascent on the parameters (SGD, not Adam: Adam's
  per-coordinate normalisation would itself re-weight rare and likely candidates, hiding
  the rank bias under study);
* ``reward``: the reward channel — ``verifier`` (the exact verdict), ``random``
  (Bernoulli(1/2) independent of correctness: the spurious reward of Chen et al. 2025 and
  of the Model-Task Alignment paper);
* ``train_prompts``: train on the first k prompts only (0 = all); k = 1 is the
  "one training example" setting of the Model-Task Alignment paper — evaluation always
  covers every prompt.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field

from looplab.core.params import Params
from looplab.core.streams import Stream
from looplab.improve.tasks import Task, gather

State = dict[str, Any]
Info = dict[str, np.ndarray]


class Rule(Params):
    """Base of the improve family's update rules (see the module docstring)."""

    group: int = Field(16, ge=2, le=1024)
    lr: float = Field(1.0, gt=0.0)
    reward: Literal["verifier", "random"] = "verifier"
    train_prompts: int = Field(0, ge=0)

    def init_state(self, task: Task, rng: Stream) -> State:
        """The starting state: parameters at the base model."""
        return {"theta": task.init_theta()}

    def step(self, task: Task, state: State, rng: Stream) -> tuple[State, Info]:
        """One update; subclasses implement it."""
        raise NotImplementedError

    # -- helpers shared by the rules -------------------------------------------------
    def rewards(self, task: Task, actions: np.ndarray, rng: Stream) -> np.ndarray:
        """(S, P, G) float rewards from the reward channel."""
        if self.reward == "random":
            return (rng.random(actions.shape) < 0.5).astype(np.float64)
        return gather(task.correct, actions).astype(np.float64)

    def prompt_mask(self, task: Task) -> np.ndarray:
        """(P,) float: 1 on the prompts trained on."""
        P = task.shape[1]
        k = P if self.train_prompts == 0 else min(self.train_prompts, P)
        m = np.zeros(P)
        m[:k] = 1.0
        return m

    def ascend(self, task: Task, theta: np.ndarray, W: np.ndarray, lr: float | None = None
               ) -> np.ndarray:
        """theta + lr * d/dtheta of the objective whose logit-space gradient is ``W``
        (S, P, M); with ``train_prompts`` the mean runs over the trained prompts only."""
        mask = self.prompt_mask(task)
        scale = mask.size / mask.sum()
        step = lr if lr is not None else self.lr
        return theta + step * scale * task.param_grad(W * mask[None, :, None])


def group_normalise(r: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """GRPO's advantage: (r - mean_group r) / (std_group r + eps) over the last axis; zero
    for groups with identical rewards."""
    mu = r.mean(-1, keepdims=True)
    sd = r.std(-1, keepdims=True)
    return (r - mu) / (sd + eps)
