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

Qualification dynamics (optional, synthetic variant only; off by default): acceptance also
changes who the applicants are. As in the delayed-impact model of Liu, Dean, Rolf, Simchowitz
& Hardt, "Delayed Impact of Fair Machine Learning" (ICML 2018), a repaid loan raises and a
default lowers the borrower's future score; aggregated over group g with n_g applicants,
G_g repaid and D_g defaulted loans this round, the group's mean score m_g moves as
    target_g  = clip(m_g^0 + lambda * (G_g * c_+ - D_g * c_-) / n_g, m_min, m_max)
    m_g(t+1)  = (1 - rho) m_g(t) + rho * target_g
(the same contraction form as the group-share feedback; ``rho`` = ``qualification_rate``).
Scores stay calibrated Beta(m_g k, (1 - m_g) k), so the acceptance and repayment tables,
and with them the DP-feasible thresholds, move with the loop. c_- = 2 c_+ follows Liu et
al.'s FICO experiment (a default costs twice what a repayment earns: -150 vs +75 points);
lambda = 0.5 and rho = 0.05 are chosen so a group's mean can move by several hundredths
within a few hundred rounds, before any policy was run.

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
from looplab.core.streams import Stream
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
    # qualification dynamics (delayed impact); 0 = static score distributions (default)
    qualification_rate: float = Field(0.0, ge=0.0, le=1.0, description="rho; 0 = off")
    qualification_scale: float = Field(0.5, ge=0.0, description="lambda")
    repay_gain: float = Field(1.0, ge=0.0, description="c_+")
    default_loss: float = Field(2.0, ge=0.0, description="c_-")
    score_mean_min: float = Field(0.05, gt=0.0, lt=1.0)
    score_mean_max: float = Field(0.95, gt=0.0, lt=1.0)

    @model_validator(mode="after")
    def _check(self) -> LendingConfig:
        if self.pi_min >= self.pi_max:
            raise ValueError(f"pi_min ({self.pi_min}) must be below pi_max ({self.pi_max})")
        if self.qualification_rate > 0 and self.variant != "synthetic":
            raise ValueError(
                "qualification_rate > 0 needs variant = 'synthetic' (the score distributions "
                f"of {self.variant!r} are fixed data)"
            )
        if self.score_mean_min >= self.score_mean_max:
            raise ValueError(f"score_mean_min ({self.score_mean_min}) must be below "
                             f"score_mean_max ({self.score_mean_max})")
        return self

    @property
    def dynamic(self) -> bool:
        """Whether acceptance moves the groups' score distributions."""
        return self.qualification_rate > 0


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
    score_mean: np.ndarray | None = None  # (S, 2) group mean scores (dynamics only)


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
        self._mean_cache: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
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

    _MEAN_GRID = 4001  # tabulated group means for the qualification dynamics

    def _mean_tables(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """p and q of a Beta(m k, (1 - m) k) score for m on a fine grid of means in
        [score_mean_min, score_mean_max]: (M,), (M, K), (M, K). Tabulated once, so a round
        interpolates instead of evaluating incomplete beta functions (linear interpolation
        on a 4001-point grid: error ~1e-7, far below the binomial sampling noise)."""
        from scipy.special import betainc

        if self._mean_cache is None:
            cfg = self.config
            k = cfg.score_concentration
            m = np.linspace(cfg.score_mean_min, cfg.score_mean_max, self._MEAN_GRID)[:, None]
            tail = 1.0 - betainc(m * k, (1 - m) * k, self.grid)
            tail1 = 1.0 - betainc(m * k + 1, (1 - m) * k, self.grid)
            with np.errstate(divide="ignore", invalid="ignore"):
                q = np.where(tail > 0, m * tail1 / tail, 0.0)
            self._mean_cache = (m[:, 0], tail, q)
        return self._mean_cache

    def _beta_tables_at(self, mean: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Acceptance and repayment tables for per-replicate group means ``mean`` (S, 2)
        -> (S, 2, K) each, interpolated from ``_mean_tables``."""
        grid, p_tab, q_tab = self._mean_tables()
        pos = (mean - grid[0]) / (grid[1] - grid[0])
        lo = np.clip(np.floor(pos).astype(np.int64), 0, grid.size - 2)
        w = (pos - lo)[..., None]
        p = (1 - w) * p_tab[lo] + w * p_tab[lo + 1]
        q = (1 - w) * q_tab[lo] + w * q_tab[lo + 1]
        return p, q

    def _pool_tables(
        self, perms: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per replicate: split the rows, fit the score model on the held-out part, and
        tabulate acceptance and repayment rates of the remaining pool per group and
        threshold. One fit per replicate, at reset."""
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        task = self._task
        assert task is not None
        S, K = len(perms), self.grid.size
        n = len(task.y)
        n_train = round(self.config.holdout_frac * n)
        p = np.zeros((S, 2, K))
        q = np.zeros((S, 2, K))
        share_b = np.empty(S)
        for s, perm in enumerate(perms):
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

    def reset(self, replicates: int, rng: Stream) -> LendingState:
        S, cfg = replicates, self.config
        if self._task is None:
            p1, q1 = self._beta_tables()
            p, q = np.broadcast_to(p1, (S, *p1.shape)), np.broadcast_to(q1, (S, *q1.shape))
            base = np.full(S, 0.5)
        else:
            p, q, base = self._pool_tables(rng.permutations(len(self._task.y)))
        pi0 = np.full(S, cfg.pi0) if cfg.pi0 is not None else base
        state = LendingState(
            pi=pi0.copy(), pi0=pi0, n_b=np.zeros(S, dtype=np.int64),
            accept_p=np.array(p), good_q=np.array(q),
        )
        if cfg.dynamic:
            state.score_mean = np.tile([cfg.score_mean_a, cfg.score_mean_b], (S, 1))
        return self._draw(state, rng)

    def _draw(self, state: LendingState, rng: Stream) -> LendingState:
        """Draw how many of this round's N applicants belong to group B."""
        return replace(state, n_b=rng.binomial(self.config.n_applicants, state.pi))

    # -- loop ------------------------------------------------------------------------------
    observation_dim = 1

    def observation_vector(self, obs: Observation) -> np.ndarray:
        """(S, 1): this round's share of group-B applicants (for the Gymnasium adapter)."""
        return (obs["n_b"] / self.config.n_applicants)[:, None]

    def observe(self, state: LendingState, rng: Stream) -> Observation:
        N = self.config.n_applicants
        return Observation({"n_a": N - state.n_b, "n_b": state.n_b})

    def step(
        self, state: LendingState, action: Action, obs: Observation, rng: Stream
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
        if state.score_mean is not None:
            truth["score_mean_a"] = state.score_mean[:, 0].copy()
            truth["score_mean_b"] = state.score_mean[:, 1].copy()
            state = self._qualify(state, n_g, good, accepted - good)
        target = np.clip(state.pi0 + cfg.gamma * (acc_b - acc_a), cfg.pi_min, cfg.pi_max)
        pi = (1 - cfg.kappa) * state.pi + cfg.kappa * target
        state = self._draw(replace(state, pi=pi), rng)
        return state, Outcome(reward=reward, truth=truth)


    def _qualify(
        self, state: LendingState, n_g: np.ndarray, good: np.ndarray, bad: np.ndarray
    ) -> LendingState:
        """Delayed impact: move each group's mean score toward its repayment-driven target
        and retabulate acceptance and repayment (module docstring)."""
        cfg = self.config
        assert state.score_mean is not None
        m0 = np.array([cfg.score_mean_a, cfg.score_mean_b])
        change = (cfg.repay_gain * good - cfg.default_loss * bad) / np.maximum(n_g, 1)
        target = np.clip(m0 + cfg.qualification_scale * change,
                         cfg.score_mean_min, cfg.score_mean_max)
        mean = (1 - cfg.qualification_rate) * state.score_mean + cfg.qualification_rate * target
        p, q = self._beta_tables_at(mean)
        return replace(state, score_mean=mean, accept_p=p, good_q=q)


class QualificationMonitor:
    """Each group's mean score (the qualification dynamics' state) when the round began."""

    names = ("score_mean_a", "score_mean_b")
    needs = names

    def reset(self, replicates: int) -> None:
        pass

    def __call__(self, obs, action, outcome, feedback):
        return {n: outcome.truth[n] for n in self.names}


class GroupShareMonitor:
    """Group-B share of the applicant pool, each group's acceptance rate and the DP gap."""

    names = ("share_b", "accept_a", "accept_b", "dp_gap", "threshold")
    needs = names

    def reset(self, replicates: int) -> None:
        pass

    def __call__(self, obs, action, outcome, feedback):
        return {n: outcome.truth[n] for n in self.names}
