"""Closed-loop threshold lending: decisions change who applies next.

Setting of Du, "Optimistic Feasible Search for Closed-Loop Fair Threshold Decision-Making"
(arXiv 2512.22313): each round N applicants arrive with a group g in {A, B} and a score
s in [0, 1]; the learner deploys one threshold theta from a grid and accepts s >= theta.

Per round, with a_g the acceptance rate of group g and D = 1[s >= theta]:
    reward   r = mean_i D_i * (y_i - c * (1 - y_i))          (repayment gain minus default loss)
    DP       g_DP = |a_A - a_B| - epsilon                     (<= 0 is feasible)
    service  g_SR = s_min - mean_i D_i                         (optional floor)
Population feedback (the paper's "stable contraction dynamics": a contraction when
kappa * gamma < 1, so every fixed threshold has a unique stationary group mix):
    pi_{t+1} = (1 - kappa) pi_t + kappa * clip(pi_0 + gamma (a_B - a_A), pi_min, pi_max)
where pi is the share of group B among applicants.

Variants: ``synthetic`` (scores ~ Beta per group, y ~ Bernoulli(s), calibrated);
``german`` and ``compas`` (applicants resampled with replacement from the real rows of their
group, score = a logistic model trained once per replicate on a held-out split, y = the
row's true label).
Defaults (N=500, 21 thresholds, kappa=0.1, gamma=0.5, epsilon=0.1): the paper gives no
constants; these are mid-range values (a few hundred applicants per round, a 0.05-wide
threshold grid, a DP tolerance of 0.1, a slow contraction) fixed before any policy was run.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from looplab.core.params import Params
from looplab.core.types import Action, ActionSpec, Observation, Outcome
from looplab.data.fairness import TabularTask, load_compas, load_german


class LendingConfig(Params):
    """Parameters of the lending world."""

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
    """Dynamic state plus each replicate's per-threshold acceptance tables.

    ``accept_p[s, g, k]`` is P(score >= theta_k | group g) and ``good_q[s, g, k]`` is
    P(y = 1 | score >= theta_k, group g) for replicate instance s (g = 0: A, 1: B).
    """

    pi: np.ndarray  # (S,) share of group B
    pi0: np.ndarray  # (S,) base share of group B
    n_b: np.ndarray  # (S,) group-B applicants this round (of N)
    accept_p: np.ndarray  # (S, 2, K)
    good_q: np.ndarray  # (S, 2, K)


class LendingWorld:
    """Threshold lending with group-composition feedback; see the module docstring.

    Applicants are sampled through exact sufficient statistics: with n_g applicants of
    group g, the accepted count is Binomial(n_g, p_g(theta)) and the repaying count among
    them Binomial(accepted, q_g(theta)). This is the same distribution as drawing N
    individuals (group, score, label) and thresholding them, at O(S) cost per round.
    """

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
    def _beta_tables(self) -> tuple[np.ndarray, np.ndarray]:
        """Synthetic variant: p_g(theta) = 1 - I_theta(a, b) and
        q_g(theta) = E[s | s >= theta] = a/(a+b) * (1 - I_theta(a+1, b)) / (1 - I_theta(a, b))."""
        from scipy.special import betainc

        cfg = self.config
        k = cfg.score_concentration
        p, q = np.empty((2, self.grid.size)), np.empty((2, self.grid.size))
        for g, mean in enumerate((cfg.score_mean_a, cfg.score_mean_b)):
            a, b = mean * k, (1 - mean) * k
            tail = 1.0 - betainc(a, b, self.grid)
            tail1 = 1.0 - betainc(a + 1, b, self.grid)
            p[g] = tail
            with np.errstate(divide="ignore", invalid="ignore"):
                q[g] = np.where(tail > 0, mean * tail1 / tail, 0.0)
        return p, q

    def _pool_tables(
        self, seeds: list[np.random.SeedSequence]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per replicate: split the rows, fit the score model on the held-out part, and
        tabulate acceptance and repayment rates of the remaining pool per group and
        threshold. One fit per replicate, at reset."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        task = self._task
        assert task is not None
        S, K = len(seeds), self.grid.size
        n = len(task.y)
        n_train = int(round(self.config.holdout_frac * n))
        p = np.zeros((S, 2, K))
        q = np.zeros((S, 2, K))
        share_b = np.empty(S)
        for s, child in enumerate(seeds):
            perm = np.random.default_rng(child).permutation(n)
            tr, pool = perm[:n_train], perm[n_train:]
            model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
            model.fit(task.X[tr], task.y[tr])
            score = model.predict_proba(task.X[pool])[:, 1]
            grp, y = task.group[pool], task.y[pool]
            share_b[s] = grp.mean()
            for g in (0, 1):
                sg, yg = score[grp == g], y[grp == g]
                acc = sg[:, None] >= self.grid[None, :]  # (n_g, K)
                n_acc = acc.sum(axis=0)
                p[s, g] = n_acc / max(len(sg), 1)
                q[s, g] = np.where(n_acc > 0, (acc * yg[:, None]).sum(0) / np.maximum(n_acc, 1), 0)
        return p, q, share_b

    def reset(self, replicates: int, seed: np.random.SeedSequence) -> LendingState:
        S, cfg = replicates, self.config
        children = seed.spawn(S + 1)  # one per replicate instance, one for the first draw
        if self._task is None:
            p1, q1 = self._beta_tables()
            p, q = np.broadcast_to(p1, (S, *p1.shape)), np.broadcast_to(q1, (S, *q1.shape))
            base = np.full(S, 0.5)
        else:
            p, q, base = self._pool_tables(children[:S])
        pi0 = np.full(S, cfg.pi0) if cfg.pi0 is not None else base
        state = LendingState(
            pi=pi0.copy(), pi0=pi0, n_b=np.zeros(S, dtype=np.int64),
            accept_p=np.array(p), good_q=np.array(q),
        )
        return self._draw(state, np.random.default_rng(children[S]))

    def _draw(self, state: LendingState, rng: np.random.Generator) -> LendingState:
        """Draw how many of this round's N applicants belong to group B."""
        return replace(state, n_b=rng.binomial(self.config.n_applicants, state.pi))

    # -- loop ------------------------------------------------------------------------------
    observation_dim = 1

    def observation_vector(self, obs: Observation) -> np.ndarray:
        """(S, 1): this round's share of group-B applicants (for the Gymnasium adapter)."""
        return (obs["n_b"] / self.config.n_applicants)[:, None]

    def observe(self, state: LendingState, rng: np.random.Generator) -> Observation:
        N = self.config.n_applicants
        return Observation({"n_a": N - state.n_b, "n_b": state.n_b})

    def step(
        self, state: LendingState, action: Action, obs: Observation, rng: np.random.Generator
    ) -> tuple[LendingState, Outcome]:
        cfg = self.config
        S, N = state.pi.shape[0], cfg.n_applicants
        rows = np.arange(S)
        n_g = np.stack([N - state.n_b, state.n_b], axis=1)  # (S, 2)
        p = state.accept_p[rows, :, action.arm]  # (S, 2)
        q = state.good_q[rows, :, action.arm]
        accepted = rng.binomial(n_g, p)
        good = rng.binomial(accepted, q)
        n_acc, n_good = accepted.sum(axis=1), good.sum(axis=1)
        reward = (n_good - cfg.default_cost * (n_acc - n_good)) / N
        rate = accepted / np.maximum(n_g, 1)
        acc_a, acc_b = rate[:, 0], rate[:, 1]
        gap = np.where((n_g > 0).all(axis=1), np.abs(acc_a - acc_b), 0.0)
        residuals = [gap - cfg.epsilon]
        if cfg.service_floor is not None:
            residuals.append(cfg.service_floor - n_acc / N)
        truth = {
            "residuals": np.stack(residuals, axis=1),
            "accept_a": acc_a,
            "accept_b": acc_b,
            "dp_gap": gap,
            "share_b": state.pi.copy(),
            "threshold": self.grid[action.arm],
        }
        target = np.clip(state.pi0 + cfg.gamma * (acc_b - acc_a), cfg.pi_min, cfg.pi_max)
        pi = (1 - cfg.kappa) * state.pi + cfg.kappa * target
        state = self._draw(replace(state, pi=pi), rng)
        return state, Outcome(reward=reward, truth=truth)


class GroupShareMonitor:
    """Group-B share of the applicant pool, each group's acceptance rate and the DP gap."""

    names = ("share_b", "accept_a", "accept_b", "dp_gap", "threshold")
    needs = names

    def reset(self, replicates: int) -> None:
        pass

    def __call__(self, obs, action, outcome, feedback):  # noqa: ANN001 - Monitor protocol
        return {n: outcome.truth[n] for n in self.names}
