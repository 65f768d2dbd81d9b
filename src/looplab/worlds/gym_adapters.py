"""Gymnasium adapters for the sequential-decision worlds, and a single-environment view
that lets Gymnasium's own ``check_env`` inspect any looplab vector env.

- ``mdp_env(world, num_envs, horizon)``: an ``MDPWorld`` is already a one-action-per-
  replicate world, so it is ``looplab.core.gym.LoopVectorEnv`` as is (one-hot state in,
  ``Discrete(n_actions)`` out, the Bernoulli reward back; the model and gain stay hidden).
- ``OneSidedVectorEnv``: the one-sided world decides k individuals at once, so the action
  is ``MultiBinary(k)`` (accept = 1). The agent sees what a one-sided learner sees: the
  reward sum_i a_i (2 y_i - 1) / k (accepted repayers minus accepted defaulters, known
  because accepted labels are revealed), ``info['labels']`` (y_i where accepted, -1
  elsewhere) and ``info['panel_flags']`` (the panel's flagged pairs). Hidden labels of the
  rejected and the true metric never reach it.
- ``ContextualVectorEnv``: a contextual bandit whose actions are all available (e.g.
  ``LinearBanditWorld``): the N contexts' features flattened in, ``MultiDiscrete([K] * N)``
  out, the mean Bernoulli reward of the N decisions back.
- ``PaymentsVectorEnv``: the payments world, whose action sets change per transaction:
  the observation is the N transactions' features followed by their 0/1 availability
  masks (N x K), the action ``MultiDiscrete([K] * N)``; an intervention that is not
  available for a transaction falls back to action 0 (no intervention, always available),
  as a processor would route it, and ``info['applied']`` reports the actions applied. The
  reward is the authorization rate of the N transactions.
- ``ReplayVectorEnv``: replay of a uniform-random log, one logged event per step; reward
  only where the action matches the logged one (``info['matched']``).
- ``RecsysVectorEnv``: the source-bias recommender loop; one step is one stage, the agent
  scores every listed copy (``Box``) from the users' pooled histories and the copies'
  vectors.
- ``prefgrid_env`` / ``stitching_env`` (``TabularVectorEnv``): the CPL family's slippery
  gridworld (one-hot state, reward r(s, a)) and the stitching family's two rooms as a
  goal-conditioned task on its test pairs ((row, col) of state and goal; reward 1 and
  termination on arrival).
- ``SingleEnv``: replicate 0 of a vector env as a ``gymnasium.Env`` (``num_envs`` must be 1),
  for ``gymnasium.utils.env_checker.check_env``, which checks single environments only.

Bring your own agent (``q_learning_example`` below is this, runnable)::

    from looplab.worlds.mdp import MDPConfig, MDPWorld
    from looplab.worlds.gym_adapters import mdp_env
    env = mdp_env(MDPWorld(MDPConfig(n_states=5)), num_envs=8, horizon=10_000)
    obs, _ = env.reset(seed=0)
    Q = np.zeros((8, 5, 2))
    for t in range(3000):
        s = obs.argmax(axis=1)
        a = np.where(rng.random(8) < 0.1, rng.integers(0, 2, 8), Q[range(8), s].argmax(1))
        obs, r, term, trunc, info = env.step(a)
        s2 = obs.argmax(axis=1)
        Q[range(8), s, a] += 0.1 * (r + 0.95 * Q[range(8), s2].max(1) - Q[range(8), s, a])

Needs the ``gym`` extra (``pip install 'looplab[gym]'``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from looplab.extras import require

require("gymnasium", "gym", "looplab.worlds.gym_adapters (Gymnasium adapters)")
import gymnasium as gym  # noqa: E402
from gymnasium import spaces  # noqa: E402
from gymnasium.vector import AutoresetMode, VectorEnv  # noqa: E402
from gymnasium.vector.utils import batch_space  # noqa: E402

from looplab.core.gym import LoopVectorEnv  # noqa: E402
from looplab.core.seeding import generator  # noqa: E402
from looplab.core.streams import stream  # noqa: E402
from looplab.core.types import Action  # noqa: E402
from looplab.worlds.mdp import MDPConfig, MDPWorld  # noqa: E402
from looplab.worlds.onesided import OneSidedFeedback, OneSidedWorld  # noqa: E402
from looplab.worlds.payments import PaymentsWorld  # noqa: E402
from looplab.worlds.prefgrid import PrefGrid  # noqa: E402
from looplab.worlds.recsys import RecsysWorld  # noqa: E402
from looplab.worlds.replay import ReplayWorld  # noqa: E402
from looplab.worlds.stitching import StitchGrid  # noqa: E402


def mdp_env(world: MDPWorld, num_envs: int, horizon: int) -> LoopVectorEnv:
    """``num_envs`` replicates of a tabular MDP behind the Gymnasium vector API."""
    return LoopVectorEnv(world, num_envs=num_envs, horizon=horizon)


class OneSidedVectorEnv(LoopVectorEnv):
    """The one-sided-feedback world as a vector env with ``MultiBinary(k)`` actions."""

    def __init__(self, world: OneSidedWorld, num_envs: int, horizon: int) -> None:
        super().__init__(world, num_envs=num_envs, horizon=horizon)
        k = world.config.arrivals
        self.channel = OneSidedFeedback()  # type: ignore[assignment]
        self.single_action_space = spaces.MultiBinary(k)  # type: ignore[assignment]
        self.action_space = batch_space(self.single_action_space, num_envs)
        # features are Gaussian (unbounded); groups are 0/1
        self.single_observation_space = spaces.Box(-np.inf, np.inf, (3 * k,), np.float64)
        self.observation_space = batch_space(self.single_observation_space, num_envs)

    def step(
        self, actions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        S, k = self.num_envs, self.single_action_space.n  # type: ignore[attr-defined]
        if self._needs_reset:
            obs, info = self.reset()
            return obs, np.zeros(S), np.zeros(S, bool), np.zeros(S, bool), info
        a = np.asarray(actions).reshape(S, k)
        if not np.isin(a, (0, 1)).all():
            raise ValueError("actions must be 0 (reject) or 1 (accept) per individual")
        action = Action(arm=a.astype(np.int64), propensity=np.ones((S, k)))
        self._state, outcome = self.world.step(self._state, action, self._obs, self._rng)
        self._cstate, fb = self.channel.transmit(self._cstate, action, outcome, self._crng)
        self._t += 1
        truncated = np.full(S, self._t >= self.horizon)
        self._needs_reset = bool(truncated[0])
        self._obs = self.world.observe(self._state, self._rng)
        seen = fb.signals["label_seen"]
        reward = (seen * (2.0 * fb.reward - 1.0)).sum(axis=1) / k
        info = {"labels": np.where(seen, fb.reward, -1.0),
                "panel_flags": np.asarray(fb.signals["panel_flags"])}
        return self._vector(), reward, np.zeros(S, bool), truncated, info


class _Flattened:
    """A world seen through its flattened ``features`` (and, with ``mask``, its flattened
    0/1 action-availability mask after them); delegates everything else."""

    def __init__(self, world: Any, dim: int, mask: bool = False) -> None:
        self._world = world
        self.name = world.name
        self.observation_dim = dim
        self._mask = mask

    def __getattr__(self, key: str) -> Any:
        return getattr(self._world, key)

    def observation_vector(self, obs: Any) -> np.ndarray:
        S = obs["features"].shape[0]
        x = obs["features"].reshape(S, -1)
        return np.concatenate([x, obs["avail"].reshape(S, -1)], axis=1) if self._mask else x


class ContextualVectorEnv(LoopVectorEnv):
    """A contextual bandit world (observation ``features`` (S, N, d), all actions
    available) as a vector env; the world needs no ``observation_vector`` of its own."""

    def __init__(self, world: Any, num_envs: int, horizon: int, n_contexts: int,
                 n_features: int, mask: bool = False) -> None:
        K = world.action_spec().n_arms
        dim = n_contexts * (n_features + (K if mask else 0))
        super().__init__(_Flattened(world, dim, mask), num_envs=num_envs, horizon=horizon)
        self.n_contexts = n_contexts
        self.single_action_space = spaces.MultiDiscrete([K] * n_contexts)  # type: ignore[assignment]
        self.action_space = batch_space(self.single_action_space, num_envs)

    def step(
        self, actions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        S, N = self.num_envs, self.n_contexts
        if self._needs_reset:
            obs, info = self.reset()
            return obs, np.zeros(S), np.zeros(S, bool), np.zeros(S, bool), info
        arm = np.asarray(actions, dtype=np.int64).reshape(S, N)
        K = int(self.single_action_space.nvec[0])  # type: ignore[attr-defined]
        if (arm < 0).any() or (arm >= K).any():
            raise ValueError(f"actions must be in [0, {K - 1}]")
        arm, info = self._applied(arm)
        action = Action(arm=arm, propensity=np.ones((S, N)))
        self._state, outcome = self.world.step(self._state, action, self._obs, self._rng)
        self._t += 1
        truncated = np.full(S, self._t >= self.horizon)
        self._needs_reset = bool(truncated[0])
        self._obs = self.world.observe(self._state, self._rng)
        reward = np.asarray(outcome.reward, np.float64).reshape(S, -1).mean(axis=1)
        return self._vector(), reward, np.zeros(S, bool), truncated, {
            **info, **self._outcome_info(outcome)}

    def _outcome_info(self, outcome: Any) -> dict[str, Any]:
        """What of the outcome the agent may see besides the reward (nothing here)."""
        return {}

    def _applied(self, arm: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
        """The actions the world receives (all available here) and the step's info."""
        return arm, {}


class PaymentsVectorEnv(ContextualVectorEnv):
    """The payments world (dynamic action sets) as a vector env: features and availability
    masks in, one intervention per transaction out; unavailable ones fall back to 0."""

    def __init__(self, world: PaymentsWorld, num_envs: int, horizon: int) -> None:
        c = world.config
        super().__init__(world, num_envs, horizon, n_contexts=c.n_transactions,
                         n_features=world.n_features, mask=True)

    def _applied(self, arm: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
        avail = self._obs["avail"]
        ok = np.take_along_axis(avail, arm[..., None], axis=2)[..., 0]
        applied = np.where(ok, arm, 0)
        return applied, {"applied": applied}


class ReplayVectorEnv(ContextualVectorEnv):
    """Replay of a uniform-random log (``ReplayWorld``) as a vector env: one logged event
    per step (its context and availability in, one action out); the reward is the logged
    one when the action matches the logged action, else 0, and ``info['matched']`` says
    which -- an unmatched event never happened for the agent (Li et al. 2011). ``horizon``
    must not exceed the log's length."""

    def __init__(self, world: ReplayWorld, num_envs: int, horizon: int) -> None:
        if horizon > len(world.log):
            raise ValueError(f"horizon ({horizon}) exceeds the log's {len(world.log)} events")
        super().__init__(world, num_envs, horizon, n_contexts=1, n_features=world.n_features,
                         mask=True)

    def _outcome_info(self, outcome: Any) -> dict[str, Any]:
        return {"matched": np.asarray(outcome.truth["matched"], dtype=bool)}


class RecsysVectorEnv(LoopVectorEnv):
    """The source-bias recommender loop (``RecsysWorld``) as a vector env.

    One step is one loop stage. Observation, per impression row j (the logged impressions,
    then one held-out impression per user): the masked mean of the user's displayed
    history vectors, then the vectors of the row's 2K listed copies (HGC copies first),
    flattened to (rows * (1 + 2K) * d,). Action: a score per listed copy, ``Box`` of shape
    (rows, 2K); the simulated users click by the resulting ranking. Reward: the mean
    reciprocal rank of the clicked copy over the logged impressions; ``info`` carries the
    stage's AIGC click share (what the click log shows). Sizes follow the world's config:
    keep ``n_users`` small for an agent that reads every row.
    """

    def __init__(self, world: RecsysWorld, num_envs: int, horizon: int) -> None:
        probe = world.reset(1, stream(0, 1, "gym-probe"))  # rows depend on the users kept
        c = world.config
        self._rows = probe.n_pos.shape[1] * (c.impressions_per_user + 1)
        self._K2, self._d = 2 * c.candidates, c.dim
        view = _Flattened(world, self._rows * (1 + self._K2) * self._d)
        view.observation_vector = self._flatten  # type: ignore[method-assign]
        super().__init__(view, num_envs=num_envs, horizon=horizon)  # type: ignore[arg-type]
        self.single_action_space = spaces.Box(  # type: ignore[assignment]
            -np.inf, np.inf, (self._rows, self._K2), np.float64)
        self.action_space = batch_space(self.single_action_space, num_envs)

    def _flatten(self, obs: Any) -> np.ndarray:
        vec, S = obs["vectors"], obs["vectors"].shape[0]
        s = np.arange(S)[:, None, None]
        hist = vec[s, obs["history"]]  # (S, U, L, d)
        m = obs["history_mask"][..., None]
        pooled = (hist * m).sum(axis=2) / np.maximum(m.sum(axis=2), 1)  # (S, U, d)
        user = pooled[np.arange(S)[:, None], obs["impression_user"]]  # (S, rows, d)
        cands = vec[s, obs["candidates"]]  # (S, rows, 2K, d)
        return np.concatenate([user[:, :, None], cands], axis=2).reshape(S, -1)

    def step(
        self, actions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        S = self.num_envs
        if self._needs_reset:
            obs, info = self.reset()
            return obs, np.zeros(S), np.zeros(S, bool), np.zeros(S, bool), info
        scores = np.asarray(actions, np.float64).reshape(S, self._rows, self._K2)
        if not np.isfinite(scores).all():
            raise ValueError("scores must be finite")
        action = Action(arm=scores, propensity=np.ones(S))
        self._state, outcome = self.world.step(self._state, action, self._obs, self._rng)
        self._t += 1
        truncated = np.full(S, self._t >= self.horizon)
        self._needs_reset = bool(truncated[0])
        self._obs = self.world.observe(self._state, self._rng)
        info = {"aigc_click_share": np.asarray(outcome.truth["aigc_click_share"])}
        return (self._vector(), np.asarray(outcome.reward, np.float64), np.zeros(S, bool),
                truncated, info)


class TabularVectorEnv(VectorEnv):
    """A finite MDP given by arrays (the gridworlds of the CPL and stitching families) as a
    vector env with Gymnasium's next-step autoreset, per sub-environment.

    ``P`` (n, A, n) transition probabilities, ``r`` (n, A) rewards, ``start`` (n,) the start
    distribution, ``goals`` (n,) (optional) the goal distribution: a goal-conditioned
    episode draws a goal, observes (row, col) of state and goal scaled to [0, 1] (``rc``),
    gets reward 1 and terminates on reaching it; otherwise the observation is the one-hot
    state and the reward r(s, a). Episodes are truncated after ``horizon`` steps.
    """

    metadata = {"autoreset_mode": AutoresetMode.NEXT_STEP}  # noqa: RUF012

    def __init__(self, P: np.ndarray, r: np.ndarray, start: np.ndarray, num_envs: int,
                 horizon: int, goals: np.ndarray | None = None,
                 rc: np.ndarray | None = None) -> None:
        if num_envs <= 0 or horizon <= 0:
            raise ValueError(f"num_envs and horizon must be > 0, got {num_envs}, {horizon}")
        if goals is not None and rc is None:
            raise ValueError("a goal-conditioned env needs the cells' coordinates rc")
        self.P, self.r, self.start, self.goals, self.rc = P, r, start, goals, rc
        self.num_envs, self.horizon = num_envs, horizon
        n, A, _ = P.shape
        self.single_action_space = spaces.Discrete(A)
        self.action_space = batch_space(self.single_action_space, num_envs)
        dim = 4 if goals is not None else n
        self.single_observation_space = spaces.Box(-np.inf, np.inf, (dim,), np.float64)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self._rng = np.random.default_rng(0)
        self._done = np.ones(num_envs, dtype=bool)

    def _draw(self, p: np.ndarray, k: int) -> np.ndarray:
        """k draws from the distribution(s) p ((n,) or (k, n))."""
        c = np.cumsum(np.broadcast_to(p, (k, p.shape[-1])), axis=1)
        return np.minimum((c < self._rng.random((k, 1)) * c[:, -1:]).sum(axis=1),
                          p.shape[-1] - 1)

    def _restart(self, idx: np.ndarray) -> None:
        self._s[idx] = self._draw(self.start, idx.size)
        if self.goals is not None:
            self._g[idx] = self._draw(self.goals, idx.size)
        self._t[idx] = 0

    def _obs(self) -> np.ndarray:
        if self.goals is None:
            return np.eye(self.P.shape[0])[self._s]
        assert self.rc is not None  # set whenever goals are
        return np.concatenate([self.rc[self._s], self.rc[self._g]], axis=1).astype(np.float64)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        if seed is not None:
            self._rng = generator(int(seed), "tabular-env")
        S = self.num_envs
        self._s, self._g = np.zeros(S, np.int64), np.zeros(S, np.int64)
        self._t = np.zeros(S, np.int64)
        self._restart(np.arange(S))
        self._done = np.zeros(S, dtype=bool)
        return self._obs(), {}

    def step(
        self, actions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        S, A = self.num_envs, self.P.shape[1]
        a = np.asarray(actions, dtype=np.int64).reshape(S)
        if (a < 0).any() or (a >= A).any():
            raise ValueError(f"actions must be in [0, {A - 1}]")
        reward, term = np.zeros(S), np.zeros(S, dtype=bool)
        trunc = np.zeros(S, dtype=bool)
        live = np.flatnonzero(~self._done)
        self._restart(np.flatnonzero(self._done))  # next-step autoreset
        if live.size:
            s, al = self._s[live], a[live]
            if self.goals is None:
                reward[live] = self.r[s, al]
            self._s[live] = self._draw(self.P[s, al], live.size)
            self._t[live] += 1
            if self.goals is not None:
                hit = self._s[live] == self._g[live]
                reward[live], term[live] = hit.astype(np.float64), hit
            trunc[live] = ~term[live] & (self._t[live] >= self.horizon)
        self._done = term | trunc
        return self._obs(), reward, term, trunc, {}


def prefgrid_env(grid: PrefGrid, num_envs: int, horizon: int) -> TabularVectorEnv:
    """The CPL family's slippery gridworld (goal +1, lava -1) from a uniform start."""
    return TabularVectorEnv(grid.P, grid.r, np.full(grid.n, 1.0 / grid.n), num_envs, horizon)


def stitching_env(grid: StitchGrid, num_envs: int, horizon: int | None = None
                  ) -> TabularVectorEnv:
    """The stitching family's two rooms as a goal-conditioned env on its test pairs: start
    in the left room, goal in the right room (reward 1 on arrival); default horizon: the
    grid's own (4 (W - 1))."""
    n, A = grid.n_states, grid.n_actions
    P = np.zeros((n, A, n))
    P[np.arange(n)[:, None], np.arange(A)[None], grid.next] = 1.0
    start = np.isin(np.arange(n), grid.left).astype(np.float64)
    goals = np.isin(np.arange(n), grid.right).astype(np.float64)
    return TabularVectorEnv(P, np.zeros((n, A)), start, num_envs, horizon or grid.horizon,
                            goals=goals, rc=grid.coords(np.arange(n)))


class SingleEnv(gym.Env):  # type: ignore[type-arg]
    """Replicate 0 of a one-replicate looplab vector env as a plain ``gymnasium.Env``."""

    # a plain (not ClassVar) attribute, as gymnasium.Env declares it
    metadata: dict[str, Any] = {"render_modes": []}  # noqa: RUF012
    render_mode = None

    def __init__(self, venv: LoopVectorEnv) -> None:
        if venv.num_envs != 1:
            raise ValueError(f"SingleEnv needs num_envs == 1, got {venv.num_envs}")
        self.venv = venv
        self.action_space = venv.single_action_space
        self.observation_space = venv.single_observation_space

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        super().reset(seed=seed)
        obs, info = self.venv.reset(seed=seed, options=options)
        return obs[0], {k: v[0] for k, v in info.items()}

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        obs, rew, term, trunc, info = self.venv.step(np.asarray(action)[None])
        return (obs[0], float(rew[0]), bool(term[0]), bool(trunc[0]),
                {k: v[0] for k, v in info.items()})


def q_learning_example(steps: int = 3000, seed: int = 0, learn: bool = True,
                       num_envs: int = 8) -> float:
    """The docstring's example: epsilon-greedy tabular Q-learning (epsilon 0.1, step 0.1,
    discount 0.95, optimistic start Q = 1) on 5-state RiverSwim through the vector env;
    returns the mean reward per step. ``learn=False`` keeps the uniform random agent."""
    env = mdp_env(MDPWorld(MDPConfig(n_states=5)), num_envs=num_envs, horizon=steps)
    rng = np.random.default_rng(seed)
    obs, _ = env.reset(seed=seed)
    rows = np.arange(num_envs)
    Q = np.ones((num_envs, 5, 2))
    total = 0.0
    for _ in range(steps):
        s = obs.argmax(axis=1)
        explore = (rng.random(num_envs) < 0.1) | (not learn)
        a = np.where(explore, rng.integers(0, 2, num_envs), Q[rows, s].argmax(axis=1))
        obs, r, _, _, _ = env.step(a)
        s2 = obs.argmax(axis=1)
        if learn:
            Q[rows, s, a] += 0.1 * (r + 0.95 * Q[rows, s2].max(axis=1) - Q[rows, s, a])
        total += float(r.mean())
    return total / steps
