"""Closed-loop threshold lending: decisions change who applies next.

Setting of Du, "Optimistic Feasible Search for Closed-Loop Fair Threshold Decision-Making"
(arXiv 2512.22313): each round N applicants arrive with a group g in {A, B} and a score
s in [0, 1]; the learner deploys one threshold theta from a grid and accepts s >= theta.

Per round, with a_g the acceptance rate of group g and D = 1[s >= theta]:
    reward   r = mean_i D_i * (y_i - c * (1 - y_i))          (repayment gain minus default loss)
    DP       g_DP = |a_A - a_B| - epsilon                     (<= 0 is feasible)
    service  g_SR = s_min - mean_i D_i                         (optional floor)
Population feedback (a contraction when kappa * gamma < 1, notes section 1b):
    pi_{t+1} = (1 - kappa) pi_t + kappa * clip(pi_0 + gamma (a_B - a_A), pi_min, pi_max)
where pi is the share of group B among applicants.

Variants: ``synthetic`` (scores ~ Beta per group, y ~ Bernoulli(s), calibrated);
``german`` and ``compas`` (applicants resampled from the real rows of their group, score =
a logistic model trained once per replicate on a held-out split, y = the row's true label).
Defaults (N=500, 21 thresholds, kappa=0.1, gamma=0.5, epsilon=0.1) are the ranges the notes
give for the paper's set-up; they were fixed before any policy was run.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from looplab.core.types import Action, ActionSpec, Observation, Outcome
from looplab.data.fairness import TabularTask, load_compas, load_german


class LendingConfig(BaseModel):
    """Parameters of the lending world."""

    model_config = ConfigDict(extra="forbid")

    variant: Literal["synthetic", "german", "compas"] = "synthetic"
    n_applicants: int = Field(500, gt=0)
    grid_size: int = Field(21, ge=2)
    epsilon: float = Field(0.1, gt=0.0, lt=1.0)
    service_floor: float | None = Field(None, gt=0.0, lt=1.0)
    default_cost: float = Field(1.0, ge=0.0)
    kappa: float = Field(0.1, gt=0.0, le=1.0)
    gamma: float = Field(0.5, ge=0.0)
    pi_min: float = Field(0.05, gt=0.0, lt=1.0)
    pi_max: float = Field(0.95, gt=0.0, lt=1.0)
    pi0: float | None = Field(None, gt=0.0, lt=1.0)
    german_group: Literal["age", "sex"] = "age"
    holdout_frac: float = Field(0.3, gt=0.0, lt=1.0)
    # synthetic variant: Beta score distributions with these means and concentration
    score_mean_a: float = Field(0.6, gt=0.0, lt=1.0)
    score_mean_b: float = Field(0.45, gt=0.0, lt=1.0)
    score_concentration: float = Field(6.0, gt=0.0)

    @model_validator(mode="after")
    def _check(self) -> LendingConfig:
        if self.pi_min >= self.pi_max:
            raise ValueError(f"pi_min ({self.pi_min}) must be below pi_max ({self.pi_max})")
        return self


@dataclass
class LendingState:
    """Dynamic state plus each replicate's applicant pool (data variants)."""

    pi: np.ndarray  # (S,) share of group B
    pi0: np.ndarray  # (S,) base share of group B
    scores: np.ndarray  # (S, N) this round's applicants
    groups: np.ndarray  # (S, N) bool, True = group B
    labels: np.ndarray  # (S, N) hidden outcome, 1 = favourable
    pool_scores: np.ndarray  # (S, P) pool rows, group-A rows first; empty for synthetic
    pool_labels: np.ndarray  # (S, P)
    pool_n_a: np.ndarray  # (S,) number of group-A rows in the pool


class LendingWorld:
    """Threshold lending with group-composition feedback; see the module docstring."""

    name = "lending"

    def __init__(self, config: LendingConfig | None = None) -> None:
        self.config = config or LendingConfig()
        self.grid = np.linspace(0.0, 1.0, self.config.grid_size)
        self.residual_names: tuple[str, ...] = ("dp_residual",) + (
            ("service_residual",) if self.config.service_floor is not None else ()
        )
        self._task: TabularTask | None = None
        if self.config.variant == "german":
            self._task = load_german(self.config.german_group)
        elif self.config.variant == "compas":
            self._task = load_compas()

    def action_spec(self) -> ActionSpec:
        return ActionSpec(
            n_arms=self.config.grid_size,
            n_constraints=len(self.residual_names),
            arm_values=self.grid,
        )

    # -- instances -------------------------------------------------------------------------
    def _pools(
        self, S: int, seeds: list[np.random.SeedSequence]
    ) -> tuple[np.ndarray, ...]:
        """Per replicate: split the rows, fit the score model on the held-out part, keep the
        rest as the applicant pool sorted group A first. One fit per replicate, at reset."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        task = self._task
        assert task is not None
        n = len(task.y)
        n_train = int(round(self.config.holdout_frac * n))
        P = n - n_train
        scores = np.empty((S, P))
        labels = np.empty((S, P), dtype=np.int8)
        n_a = np.empty(S, dtype=np.int64)
        for s, child in enumerate(seeds):
            rng = np.random.default_rng(child)
            perm = rng.permutation(n)
            tr, pool = perm[:n_train], perm[n_train:]
            model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
            model.fit(task.X[tr], task.y[tr])
            p = model.predict_proba(task.X[pool])[:, 1]
            order = np.argsort(task.group[pool], kind="stable")  # group A (0) first
            scores[s] = p[order]
            labels[s] = task.y[pool][order]
            n_a[s] = int((task.group[pool] == 0).sum())
        return scores, labels, n_a

    def reset(self, replicates: int, seed: np.random.SeedSequence) -> LendingState:
        S, cfg = replicates, self.config
        children = seed.spawn(S + 1)  # one per replicate instance, one for the first draw
        if self._task is None:
            pool_scores = np.empty((S, 0))
            pool_labels = np.empty((S, 0), dtype=np.int8)
            n_a = np.zeros(S, dtype=np.int64)
            pi0 = np.full(S, cfg.pi0 if cfg.pi0 is not None else 0.5)
        else:
            pool_scores, pool_labels, n_a = self._pools(S, children[:S])
            P = pool_scores.shape[1]
            pi0 = np.full(S, cfg.pi0) if cfg.pi0 is not None else (P - n_a) / P
        state = LendingState(
            pi=pi0.copy(),
            pi0=pi0,
            scores=np.empty((S, 0)),
            groups=np.empty((S, 0), dtype=bool),
            labels=np.empty((S, 0), dtype=np.int8),
            pool_scores=pool_scores,
            pool_labels=pool_labels,
            pool_n_a=n_a,
        )
        return self._draw(state, np.random.default_rng(children[S]))

    def _draw(self, state: LendingState, rng: np.random.Generator) -> LendingState:
        """Draw this round's N applicants given the current group share."""
        cfg = self.config
        S, N = state.pi.shape[0], cfg.n_applicants
        groups = rng.random((S, N)) < state.pi[:, None]
        if self._task is None:
            k = cfg.score_concentration
            sa = rng.beta(cfg.score_mean_a * k, (1 - cfg.score_mean_a) * k, (S, N))
            sb = rng.beta(cfg.score_mean_b * k, (1 - cfg.score_mean_b) * k, (S, N))
            scores = np.where(groups, sb, sa)
            labels = (rng.random((S, N)) < scores).astype(np.int8)
        else:
            P = state.pool_scores.shape[1]
            n_a = state.pool_n_a[:, None]
            u = rng.random((S, N))
            in_b = n_a + (u * (P - n_a)).astype(np.int64)
            idx = np.where(groups, in_b, (u * n_a).astype(np.int64))
            scores = np.take_along_axis(state.pool_scores, idx, axis=1)
            labels = np.take_along_axis(state.pool_labels, idx, axis=1)
        return replace(state, scores=scores, groups=groups, labels=labels)

    # -- loop ------------------------------------------------------------------------------
    def observe(self, state: LendingState, rng: np.random.Generator) -> Observation:
        return Observation({"scores": state.scores, "groups": state.groups, "grid": self.grid})

    def step(
        self, state: LendingState, action: Action, obs: Observation, rng: np.random.Generator
    ) -> tuple[LendingState, Outcome]:
        cfg = self.config
        theta = self.grid[action.arm][:, None]
        accept = state.scores >= theta
        y = state.labels
        reward = (accept * (y - cfg.default_cost * (1 - y))).mean(axis=1)
        gb = state.groups
        n_b = gb.sum(axis=1)
        n_a = gb.shape[1] - n_b
        acc_b = (accept & gb).sum(axis=1) / np.maximum(n_b, 1)
        acc_a = (accept & ~gb).sum(axis=1) / np.maximum(n_a, 1)
        gap = np.where((n_a > 0) & (n_b > 0), np.abs(acc_a - acc_b), 0.0)
        residuals = [gap - cfg.epsilon]
        if cfg.service_floor is not None:
            residuals.append(cfg.service_floor - accept.mean(axis=1))
        truth = {
            "residuals": np.stack(residuals, axis=1),
            "accept_a": acc_a,
            "accept_b": acc_b,
            "dp_gap": gap,
            "share_b": state.pi.copy(),
            "threshold": theta[:, 0],
        }
        target = np.clip(state.pi0 + cfg.gamma * (acc_b - acc_a), cfg.pi_min, cfg.pi_max)
        pi = (1 - cfg.kappa) * state.pi + cfg.kappa * target
        state = self._draw(replace(state, pi=pi), rng)
        return state, Outcome(reward=reward, truth=truth)


class GroupShareMonitor:
    """Group-B share of the applicant pool, each group's acceptance rate and the DP gap."""

    names = ("share_b", "accept_a", "accept_b", "dp_gap", "threshold")

    def reset(self, replicates: int) -> None:
        pass

    def __call__(self, obs, action, outcome, feedback):  # noqa: ANN001 - Monitor protocol
        return {n: outcome.truth[n] for n in self.names}
