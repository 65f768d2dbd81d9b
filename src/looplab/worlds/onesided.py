"""One-sided feedback with auditor panels: individually fair classification where labels
are seen only for those predicted positive.

Setting of Bechavod & Roth, "Individually Fair Learning with One-Sided Feedback" (ICML 2023,
arXiv 2206.04475). The paper is theory only; this simulator is the notes' proposal
(decision-loops section 2b) and its constants are ours, fixed before any learner was run.

Per replicate a pool of N individuals (x in R^2, group g in {A, B}, one fixed label y):
    x ~ N(mu_g, sigma^2 I),  y ~ Bernoulli(sigmoid(sharpness * w*.x + beta_g))
Each round k individuals arrive (uniformly from the pool). The learner deploys a randomized
classifier pi_t (a distribution over a public finite class H) and predicts
yhat_i ~ Bernoulli(pi_t(x_i)). The true label y_i is revealed **only if yhat_i = 1**.

Fairness: a pair (i, i') is an alpha-violation under metric d when
    pi_t(x_i) - pi_t(x_i') > d(x_i, x_i') + alpha.
The true (hidden) metric is d*(x, x') = L * ||x - x'|| (group-blind). A pool of auditors
each holds d_j(x, x') = L * ||x - x'|| * (1 + e_j) * (s_j if g != g' else 1): ``e_j`` a small
personal distortion, ``s_j`` a cross-group scale (s_j > 1: the auditor sees people of the
other group as less similar and under-reports cross-group violations, i.e. a biased
auditor). Each round a panel of ``panel_size`` auditors is drawn from the pool; a pair is a
*panel violation* if at least ceil(quorum * panel_size) of them flag it.

H: linear thresholds h(x, g) = 1[w_theta . x + b_g > 0] over a grid of directions theta
and per-group offsets (b_A, b_B); the diagonal b_A = b_B holds the group-blind ones.

The hidden objective (what the monitors score) is the Lagrangian of the paper,
    loss_t(pi) = sum_i E[1(yhat_i != y_i)] + C * #true-metric violations,
and the comparator is the fixed h in H with the smallest expected per-round loss on the
pool (computed exactly at reset: error over the pool plus C * k(k-1)/(N(N-1)) times the
pool's violating ordered pairs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import Field, model_validator

from looplab.core.params import Params
from looplab.core.streams import Stream
from looplab.core.types import Action, ActionSpec, Feedback, Observation, Outcome


class OneSidedConfig(Params):
    """Parameters of the one-sided-feedback world with an auditor panel."""

    pool_size: int = Field(300, ge=4)
    arrivals: int = Field(8, ge=2, le=32)
    group_mean_shift: float = Field(0.4, ge=0.0)  # mu_A = (+s/2, 0), mu_B = (-s/2, 0)
    spread: float = Field(0.6, gt=0.0)
    sharpness: float = Field(4.0, gt=0.0)
    offset_a: float = 0.5  # beta_A
    offset_b: float = -0.5  # beta_B: group B's lower base rate (historical bias)
    lipschitz: float = Field(2.0, gt=0.0)  # L of the true metric
    alpha: float = Field(0.1, ge=0.0)
    fairness_weight: float = Field(0.5, ge=0.0)  # C of the objective
    # auditor pool: one cross-group scale per auditor (1 = unbiased, >1 = biased)
    auditors: tuple[float, ...] = (4.0, 1.0, 1.0, 1.0, 1.0)
    auditor_noise: float = Field(0.15, ge=0.0, lt=1.0)  # spread of e_j ~ U(-a, a)
    panel: tuple[int, ...] = ()  # auditors eligible for the panel (empty: the whole pool)
    panel_size: int = Field(3, ge=1)
    quorum: float = Field(0.5, gt=0.0, le=1.0)
    n_directions: int = Field(4, ge=1)
    n_offsets: int = Field(4, ge=2)

    @model_validator(mode="after")
    def _check(self) -> OneSidedConfig:
        if any(s <= 0 for s in self.auditors) or not self.auditors:
            raise ValueError("auditors must be a non-empty list of positive cross-group scales")
        pool = self.panel or tuple(range(len(self.auditors)))
        if any(j < 0 or j >= len(self.auditors) for j in pool):
            raise ValueError(f"panel entries must index auditors 0..{len(self.auditors) - 1}")
        if self.panel_size > len(pool):
            raise ValueError(
                f"panel_size ({self.panel_size}) exceeds the eligible auditors ({len(pool)})"
            )
        if self.arrivals > self.pool_size:
            raise ValueError("arrivals must not exceed pool_size")
        return self


def hypothesis_class(n_directions: int, n_offsets: int) -> tuple[np.ndarray, np.ndarray]:
    """The public class H: directions (H, 2) and per-group offsets (H, 2)."""
    thetas = np.linspace(-np.pi / 4, np.pi / 4, n_directions) if n_directions > 1 else [0.0]
    offs = np.linspace(-0.6, 0.6, n_offsets)
    dirs, biases = [], []
    for th in thetas:
        for ba in offs:
            for bb in offs:
                dirs.append((np.cos(th), np.sin(th)))
                biases.append((ba, bb))
    return np.asarray(dirs), np.asarray(biases)


def pair_violations(p1: np.ndarray, dist: np.ndarray, alpha: float) -> np.ndarray:
    """(..., k, k) bool: pi(x_i) - pi(x_i') > d(i, i') + alpha (ordered pairs)."""
    return (p1[..., :, None] - p1[..., None, :]) > dist + alpha


@dataclass
class OneSidedState:
    """Pools, the hypothesis predictions on them, who was ever labelled, the next arrivals."""

    x: np.ndarray  # (S, N, 2)
    g: np.ndarray  # (S, N) int
    y: np.ndarray  # (S, N) float 0/1
    h_pool: np.ndarray  # (S, H, N) float 0/1: every hypothesis on every individual
    e: np.ndarray  # (S, J) auditor distortions
    best: np.ndarray  # (S,) comparator hypothesis (true objective)
    best_acc: np.ndarray  # (S,) most accurate hypothesis
    labelled: np.ndarray  # (S, N) bool
    idx: np.ndarray  # (S, k) this round's arrivals


class OneSidedWorld:
    """k arrivals per round, labels for predicted positives only, an auditor panel."""

    name = "onesided"
    public_truth: tuple[str, ...] = ("h_pred", "h_sep")  # observed predictions, echoed

    def __init__(self, config: OneSidedConfig | None = None) -> None:
        self.config = config or OneSidedConfig()
        self.dirs, self.offsets = hypothesis_class(
            self.config.n_directions, self.config.n_offsets
        )
        self.n_hypotheses = self.dirs.shape[0]
        self.scales = np.asarray(self.config.auditors, dtype=np.float64)
        self.eligible = np.asarray(self.config.panel or range(len(self.scales)), dtype=np.int64)
        # a public separator set of H (for oracle-efficient FTPL): a 5 x 5 grid of contexts
        # in each group, on which the class's predictions are part of its description
        grid = np.stack(np.meshgrid(np.linspace(-1.5, 1.5, 5), np.linspace(-1.5, 1.5, 5)), -1)
        xs = np.concatenate([grid.reshape(-1, 2)] * 2)[None]
        gs = np.repeat([0, 1], 25)[None]
        self.h_sep = self.predictions(xs, gs)[0]  # (H, 50)

    def action_spec(self) -> ActionSpec:
        return ActionSpec(n_arms=2, n_features=2)

    def predictions(self, x: np.ndarray, g: np.ndarray) -> np.ndarray:
        """(S, H, n) 0/1 predictions of every hypothesis on individuals (S, n)."""
        score = np.einsum("hd,snd->shn", self.dirs, x)
        bias = np.where(g[:, None, :] == 0, self.offsets[None, :, 0:1], self.offsets[None, :, 1:2])
        return (score + bias > 0).astype(np.float64)

    def reset(self, replicates: int, rng: Stream) -> OneSidedState:
        cfg = self.config
        S, N = replicates, cfg.pool_size
        g = (rng.random((S, N)) < 0.5).astype(np.int64)
        mu = np.where(g[..., None] == 0, [cfg.group_mean_shift / 2, 0.0],
                      [-cfg.group_mean_shift / 2, 0.0])
        x = mu + cfg.spread * rng.standard_normal((S, N, 2))
        logit = cfg.sharpness * x[..., 0] + np.where(g == 0, cfg.offset_a, cfg.offset_b)
        y = (rng.random((S, N)) < 1.0 / (1.0 + np.exp(-logit))).astype(np.float64)
        e = rng.uniform(-cfg.auditor_noise, cfg.auditor_noise, (S, len(self.scales)))
        h_pool = self.predictions(x, g)
        err = np.abs(h_pool - y[:, None, :]).mean(axis=2)  # (S, H)
        k = cfg.arrivals
        pair_w = k * (k - 1) / (N * (N - 1))
        viol = np.empty_like(err)
        for s in range(S):  # once per replicate at reset: (H, N, N) fits in memory
            d = cfg.lipschitz * np.linalg.norm(x[s, :, None] - x[s, None], axis=-1)
            viol[s] = pair_violations(h_pool[s], d, cfg.alpha).sum(axis=(1, 2))
        objective = k * err + cfg.fairness_weight * pair_w * viol
        return OneSidedState(
            x=x, g=g, y=y, h_pool=h_pool, e=e, best=objective.argmin(axis=1),
            best_acc=err.argmin(axis=1), labelled=np.zeros((S, N), dtype=bool),
            idx=self._arrivals(S, rng),
        )

    def _arrivals(self, S: int, rng: Stream) -> np.ndarray:
        # k distinct individuals per replicate: the k smallest of N uniform keys
        keys = rng.random((S, self.config.pool_size))
        return np.argpartition(keys, self.config.arrivals - 1, axis=1)[:, : self.config.arrivals]

    def _take(self, a: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return np.take_along_axis(a, idx, axis=1)

    def observe(self, state: OneSidedState, rng: Stream) -> Observation:
        x = np.take_along_axis(state.x, state.idx[..., None], axis=1)
        g = self._take(state.g, state.idx)
        h_pred = np.take_along_axis(state.h_pool, state.idx[:, None, :], axis=2)
        S = state.idx.shape[0]
        return Observation({"x": x, "group": g, "h_pred": h_pred,
                            "h_sep": np.broadcast_to(self.h_sep, (S, *self.h_sep.shape))})

    # gym adapter: arrivals' features and groups, flattened
    @property
    def observation_dim(self) -> int:
        return 3 * self.config.arrivals

    def observation_vector(self, obs: Observation) -> np.ndarray:
        S = obs["x"].shape[0]
        return np.concatenate([obs["x"].reshape(S, -1), obs["group"].astype(np.float64)], 1)

    def step(
        self, state: OneSidedState, action: Action, obs: Observation, rng: Stream
    ) -> tuple[OneSidedState, Outcome]:
        cfg = self.config
        S = state.idx.shape[0]
        pred = np.asarray(action.arm, dtype=np.float64)  # (S, k) 0/1
        p1 = np.where(pred == 1, action.propensity, 1.0 - action.propensity)
        x, g = obs["x"], obs["group"]
        y = self._take(state.y, state.idx)
        base = cfg.lipschitz * np.linalg.norm(x[:, :, None] - x[:, None], axis=-1)  # (S,k,k)
        true_v = pair_violations(p1, base, cfg.alpha)
        # panel: panel_size distinct eligible auditors per replicate, quorum of their flags
        keys = rng.random((S, self.eligible.size))
        members = self.eligible[np.argsort(keys, axis=1)[:, : cfg.panel_size]]  # (S, m)
        cross = g[:, :, None] != g[:, None, :]
        scale = np.where(cross[:, None], self.scales[members][:, :, None, None], 1.0)
        e = np.take_along_axis(state.e, members, axis=1)
        d_j = base[:, None] * (1.0 + e[:, :, None, None]) * scale  # (S, m, k, k)
        flags = pair_violations(p1[:, None], d_j, cfg.alpha).sum(axis=1)
        panel = flags >= int(np.ceil(cfg.quorum * cfg.panel_size))
        exp_err = (p1 * (1 - y) + (1 - p1) * y).sum(axis=1)  # expected errors this round
        C = cfg.fairness_weight
        loss = exp_err + C * true_v.sum(axis=(1, 2))
        hb = np.take_along_axis(
            obs["h_pred"], state.best[:, None, None], axis=1)[:, 0]  # (S, k)
        hb_v = pair_violations(hb, base, cfg.alpha).sum((1, 2)).astype(np.float64)
        hb_loss = np.abs(hb - y).sum(1) + C * hb_v
        ha = np.take_along_axis(obs["h_pred"], state.best_acc[:, None, None], axis=1)[:, 0]
        labelled = state.labelled.copy()
        np.put_along_axis(labelled, state.idx, self._take(labelled, state.idx) | (pred == 1),
                          axis=1)
        truth: dict[str, Any] = {
            "label": y, "p1": p1, "panel_flags": panel, "h_pred": obs["h_pred"],
            "h_sep": obs["h_sep"],
            "label_seen": pred == 1,
            "true_violations": true_v.sum(axis=(1, 2)).astype(np.float64),
            "panel_violations": panel.sum(axis=(1, 2)).astype(np.float64),
            "excess_violations": true_v.sum(axis=(1, 2)) - hb_v,
            "error": exp_err / cfg.arrivals,
            "regret": loss - hb_loss,
            "acc_regret": exp_err - np.abs(ha - y).sum(1),
            "never_labelled": 1.0 - labelled.mean(axis=1),
            "accept_gap": (np.where(g == 0, p1, 0).sum(1) / np.maximum((g == 0).sum(1), 1)
                           - np.where(g == 1, p1, 0).sum(1) / np.maximum((g == 1).sum(1), 1)),
        }
        reward = (pred == y).astype(np.float64)
        new = OneSidedState(
            x=state.x, g=state.g, y=state.y, h_pool=state.h_pool, e=state.e, best=state.best,
            best_acc=state.best_acc, labelled=labelled, idx=self._arrivals(S, rng),
        )
        return new, Outcome(reward=reward, truth=truth)


@dataclass
class OneSidedFeedback:
    """One-sided labels and the panel's report: the learner sees y_i only where it predicted
    1 (``reward`` is the label there, 0 elsewhere; ``label_seen`` says which), the panel's
    flagged pairs ``panel_flags`` (S, k, k) and the class's predictions ``h_pred``."""

    def init(self, spec: ActionSpec, replicates: int, rng: Stream) -> Any:
        return {"S": replicates}

    def transmit(
        self, cstate: Any, action: Action, outcome: Outcome, rng: Stream
    ) -> tuple[Any, Feedback]:
        seen = outcome.truth["label_seen"]
        fb = Feedback(
            arm=action.arm, propensity=action.propensity,
            reward=np.where(seen, outcome.truth["label"], 0.0),
            mask=np.ones(cstate["S"], dtype=bool),
            signals={"label_seen": seen, "panel_flags": outcome.truth["panel_flags"],
                     "h_pred": outcome.truth["h_pred"], "h_sep": outcome.truth["h_sep"]},
        )
        return cstate, fb


class OneSidedMonitor:
    """Per round: hidden-objective regret against the best fixed classifier, accuracy
    regret against the most accurate one (each with running sums), expected error rate,
    violations under the true metric and as the panel reports them, the true-metric
violations in excess of the comparator's on the same arrivals, the share of the pool
    never labelled and the group acceptance gap."""

    names = ("regret", "cum_regret", "acc_regret", "cum_acc_regret", "error",
             "true_violations", "cum_true_violations", "panel_violations",
             "cum_panel_violations", "excess_violations", "cum_excess_violations",
             "never_labelled", "accept_gap")

    def reset(self, replicates: int) -> None:
        self._cum = {k: np.zeros(replicates) for k in
                     ("regret", "acc_regret", "true_violations", "panel_violations",
                      "excess_violations")}

    def __call__(
        self, obs: Observation, action: Action, outcome: Outcome, feedback: Feedback
    ) -> dict[str, np.ndarray]:
        t = outcome.truth
        out = {k: t[k] for k in ("regret", "acc_regret", "error", "true_violations",
                                 "panel_violations", "excess_violations", "never_labelled",
                                 "accept_gap")}
        for k in self._cum:
            self._cum[k] = self._cum[k] + t[k]
            out[f"cum_{k}"] = self._cum[k]
        return out
