"""A looplab World as a ``gymnasium.vector.VectorEnv``, so users can bring their own agents.

Each replicate is one sub-environment; one ``step`` advances all of them in one batched
world call. The agent sees what a bandit learner would: the world's observation vector,
the reward of its action and the feedback channel's signals (e.g. constraint residuals) in
``info``; the world's hidden truth stays hidden. Episodes end by truncation after
``horizon`` rounds; with Gymnasium's next-step autoreset, the step after that resets.
Needs the ``gym`` extra (``pip install 'looplab[gym]'``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from looplab.core.channels import BanditFeedback
from looplab.core.streams import Rows, Stream
from looplab.core.types import Action, World
from looplab.extras import require

require("gymnasium", "gym", "looplab.core.gym (the Gymnasium adapter)")
from gymnasium import spaces  # noqa: E402
from gymnasium.vector import AutoresetMode, VectorEnv  # noqa: E402
from gymnasium.vector.utils import batch_space  # noqa: E402


class LoopVectorEnv(VectorEnv):
    """``num_envs`` replicates of ``world`` behind the Gymnasium vector API.

    The world must expose ``observation_dim`` and ``observation_vector(obs) -> (S, d)``.
    ``reset(seed=k)`` gives the same episode as ``looplab.run(..., seed=k)`` would.
    """

    # a plain (not ClassVar) attribute, as gymnasium declares it
    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP}  # noqa: RUF012

    def __init__(
        self, world: World, num_envs: int, horizon: int, signals: tuple[str, ...] = ()
    ) -> None:
        if num_envs <= 0:
            raise ValueError(f"num_envs must be > 0, got {num_envs}")
        if horizon <= 0:
            raise ValueError(f"horizon must be > 0, got {horizon}")
        for attr in ("observation_dim", "observation_vector"):
            if not hasattr(world, attr):
                raise TypeError(f"world {world.name!r} has no {attr}; it cannot be a gym env")
        self.world = world
        self.num_envs = num_envs
        self.horizon = horizon
        self.channel = BanditFeedback(signals=signals)
        self._n_arms = world.action_spec().n_arms
        self.single_action_space = spaces.Discrete(self._n_arms)
        self.action_space = batch_space(self.single_action_space, num_envs)
        d = int(world.observation_dim)  # type: ignore[attr-defined]
        self.single_observation_space = spaces.Box(-np.inf, np.inf, (d,), np.float64)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self._seed = 0
        self._episode = 0
        self._needs_reset = True

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        if seed is not None:
            self._seed, self._episode = int(seed), 0
        else:
            self._episode += 1
        names = ("world",) if self._episode == 0 else ("world", f"episode-{self._episode}")
        rows = Rows.of(self._seed, self.num_envs)
        self._rng = Stream(rows, *names)
        self._crng = Stream(rows, "channel", *names[1:])
        self._state = self.world.reset(self.num_envs, Stream(rows, "world-instance"))
        self._cstate = self.channel.init(self.world.action_spec(), self.num_envs, self._crng)
        self._t = 0
        self._needs_reset = False
        self._obs = self.world.observe(self._state, self._rng)
        return self._vector(), {}

    def _vector(self) -> np.ndarray:
        return np.asarray(self.world.observation_vector(self._obs), dtype=np.float64)  # type: ignore[attr-defined]

    def step(
        self, actions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        S = self.num_envs
        if self._needs_reset:  # next-step autoreset after the horizon
            obs, info = self.reset()
            return obs, np.zeros(S), np.zeros(S, bool), np.zeros(S, bool), info
        arm = np.asarray(actions, dtype=np.int64).reshape(S)
        if (arm < 0).any() or (arm >= self._n_arms).any():
            raise ValueError(f"actions must be in [0, {self._n_arms - 1}]")
        action = Action(arm=arm, propensity=np.ones(S))
        self._state, outcome = self.world.step(self._state, action, self._obs, self._rng)
        self._cstate, fb = self.channel.transmit(self._cstate, action, outcome, self._crng)
        self._t += 1
        truncated = np.full(S, self._t >= self.horizon)
        self._needs_reset = bool(truncated[0])
        self._obs = self.world.observe(self._state, self._rng)
        info = {k: np.asarray(v) for k, v in fb.signals.items()}
        reward = np.asarray(outcome.reward, np.float64)
        return self._vector(), reward, np.zeros(S, bool), truncated, info
