"""A recommender feedback loop over human- and AI-generated copies of every item.

Setting of Zhou et al., "Source Echo Chamber: Exploring the Escalation of Source Bias in
User, Data, and Recommender System Feedback Loop" (arXiv 2405.17998; SIGIR 2025), as their
code (Yuqi-Zhou/Rec_SourceBias, ``Dataset.py`` / ``train_loop.py``) runs it.

Every item has a human-generated copy (HGC) and an AI-generated copy (AIGC) with the same
meaning. Item vectors stand in for a frozen text encoder:
    x_HGC(i)  = z_i
    x_AIGC(i) = z_i + delta * s + sigma * eps_i
where z_i is the item's latent topic part, s a fixed unit "style" direction (what neural
retrievers reward in LLM text) and eps_i ~ N(0, I/d) the rewrite's noise. The style
direction shares ``style_appeal_cosine`` with the "appeal" direction g that users like on
average, s = c g + sqrt(1 - c^2) r with r a random unit vector orthogonal to g: this is the
premise of the paper (LLM text looks more relevant to a neural ranker), not a bias put in
the recommender. A black-box rewrite maps an HGC vector to its AIGC copy and an AIGC vector
x to x + delta * s + sigma * eps'_i (the code's second LLM rewrite, used by the remedy).

One loop stage (round):
  1. every user's history (up to ``history_length`` relevant items) is shown with each item
     as its AIGC copy with probability equal to the previous stage's AIGC click share;
  2. each impression holds 1 relevant and ``candidates - 1`` random items; the list shows
     both copies of each (2 * candidates entries);
  3. the deployed recommender scores the lists; a simulated user clicks the highest-ranked
     relevant copy (``eta`` omitted) or, position-biased, relevant copy at rank r with
     probability proportional to (1 / (r + 1))^eta;
  4. the AIGC share of the clicks is the next stage's share; the clicks are logged and the
     recommender is refit on them (the policy's update).
The first round replays a logged "human era": the clicked copy is AIGC with probability
``initial_aigc_share`` (the phase the loop starts in), and if that share is 0 only HGC copies
are displayed. As in the code, after the first round the logged histories used for training
show every item in its HGC version. Each round also scores fixed held-out impressions
(one per user) for the ranking monitors.

Variants: ``synthetic`` (latent users and items; a user's relevant items are the best of
``affinity_draws`` random items by theta_u . z_i, with theta_u = appeal * g + N(0, I/d)) and
``movielens`` (users, items and relevance from real MovieLens ratings: relevant = rated >=
``relevant_rating``; z = item factors of a rank-``dim`` SVD of the rating matrix, scaled
to unit length like the synthetic vectors; g = the mean user factor; by default
(``factorization = "per_replicate"``) every replicate factorises its own Bayesian
bootstrap of the users (Rubin 1981: user row u weighted by w_u ~ Exp(1), so no item loses
its ratings), i.e. its own "encoder"; with one shared factorisation the replicates differ
only in the style direction and rewrite noise, are not independent draws of the
experiment, and intervals over them are too narrow; the held-out relevant
item is each user's latest, the history the ``history_length`` before it; random negatives
exclude every item the user rated).

Defaults: 2,000 users, 5,000 items, d = 32, history 10 and 5 items per impression (1
relevant + 4 random, as in the code's Amazon behaviour files). delta = sigma = 0.25 put an
item and its rewrite at cosine ~0.94 (typical of a text encoder on a text and its LLM
rewrite), half systematic style and half rewrite noise; c = 0.05 was calibrated on the first
deployed recommender only, so that it prefers AIGC slightly (mean AIGC click share ~0.6).
A first setting (delta = 0.3, c = 0.5, sigma = 0.05) had the very first recommender rank
every AIGC copy first, contradicting the premise of a slight initial preference. These
values were fixed before the claim tests were written and were not changed afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from looplab.core.params import Params
from looplab.core.streams import Stream
from looplab.core.types import Action, ActionSpec, Observation, Outcome
from looplab.worlds.ranking import ndcg_map_at_k, rank_order, ranks_from_order, relative_bias

KS = (1, 3, 5)
_DRAW_BLOCK = 4_000_000  # floats per block when drawing synthetic positives
_NEG_RETRIES = 8
_NOMINAL_S = 16  # replicates the affinity-draw block size is budgeted for


class RecsysConfig(Params):
    """Parameters of the HGC/AIGC recommender world."""

    variant: Literal["synthetic", "movielens"] = "synthetic"
    n_users: int = Field(2000, gt=0, description="synthetic only")
    n_items: int = Field(5000, gt=0, description="synthetic only")
    dim: int = Field(32, ge=2)
    positives_per_user: int = Field(30, ge=2, description="synthetic only")
    affinity_draws: int = Field(16, ge=1, description="synthetic only")
    appeal: float = Field(1.0, ge=0.0, description="synthetic only")
    relevant_rating: float = Field(4.0, gt=0.0, le=5.0, description="movielens only")
    factorization: Literal["per_replicate", "shared"] = Field(
        "per_replicate",
        description="movielens only: each replicate's item vectors from its own "
        "Bayesian-bootstrap factorisation, or one factorisation shared by all",
    )
    candidates: int = Field(5, ge=2)
    history_length: int = Field(10, ge=1)
    impressions_per_user: int = Field(2, ge=1)
    style_shift: float = Field(0.25, ge=0.0)
    style_appeal_cosine: float = Field(0.05, ge=-1.0, le=1.0)
    rewrite_noise: float = Field(0.25, ge=0.0)
    initial_aigc_share: float = Field(0.0, ge=0.0, le=1.0)
    eta: float | None = Field(None, ge=0.0)

    @model_validator(mode="after")
    def _check(self) -> RecsysConfig:
        if self.variant == "synthetic" and self.n_items < self.candidates:
            raise ValueError(
                f"n_items ({self.n_items}) must be at least candidates ({self.candidates})"
            )
        if self.variant == "movielens":
            only = {"n_users", "n_items", "positives_per_user", "affinity_draws", "appeal"}
            given = sorted(only & self.model_fields_set)
            if given:
                verb = "applies" if len(given) == 1 else "apply"
                raise ValueError(f"{', '.join(given)} {verb} to the synthetic variant only")
        return self


@dataclass
class RecsysState:
    """Per-replicate catalogue and users, plus the loop's AIGC share and stage."""

    vectors: np.ndarray  # (S, 2I, d): row i = HGC copy of item i, row I + i = its AIGC copy
    rewrites: np.ndarray  # (S, 2I, d): the black-box rewrite of each row
    positives: np.ndarray  # (S, U, P) item ids: [held-out, history (latest first)..., rest]
    n_pos: np.ndarray  # (S, U) valid entries of ``positives``
    excluded: np.ndarray  # (S, M) sorted keys (user, item) never used as random negatives
    eval_items: np.ndarray  # (S, U, K) held-out impression, the relevant item first
    share: np.ndarray  # (S,) AIGC share of the last stage's clicks
    stage: int


class RecsysWorld:
    """The HGC/AIGC recommender loop; see the module docstring."""

    name = "recsys"
    # the item vectors are public (the learner scores with them); truth repeats them
    # for the channel to forward with the click log
    public_truth = ("vectors",)

    def __init__(self, config: RecsysConfig | None = None) -> None:
        self.config = config or RecsysConfig()
        self._ratings = None
        if self.config.variant == "movielens":
            from looplab.data.movielens import load_movielens

            self._ratings = load_movielens()
            if self._ratings.n_items < self.config.candidates:
                raise ValueError(
                    f"movielens has {self._ratings.n_items} items, fewer than candidates "
                    f"({self.config.candidates})"
                )

    @property
    def n_items(self) -> int:
        return self._ratings.n_items if self._ratings is not None else self.config.n_items

    def action_spec(self) -> ActionSpec:
        return ActionSpec(n_arms=2 * self.config.candidates)

    # -- instances -------------------------------------------------------------------------
    def _style(self, g: np.ndarray, rng: Stream) -> np.ndarray:
        """Unit style directions s = c g + sqrt(1 - c^2) r, r a random unit vector ⟂ g."""
        c = self.config.style_appeal_cosine
        r = rng.standard_normal(g.shape)
        r -= (r * g).sum(axis=-1, keepdims=True) * g
        r /= np.linalg.norm(r, axis=-1, keepdims=True)
        return c * g + np.sqrt(max(0.0, 1.0 - c * c)) * r

    def _copies(
        self, z: np.ndarray, s: np.ndarray, rng: Stream
    ) -> tuple[np.ndarray, np.ndarray]:
        """(vectors, rewrites), each (S, 2I, d), from topic parts z (S, I, d)."""
        cfg = self.config
        d = z.shape[-1]
        shift = cfg.style_shift * s[:, None, :]
        aigc = z + shift + cfg.rewrite_noise / np.sqrt(d) * rng.standard_normal(z.shape)
        aigc2 = aigc + shift + cfg.rewrite_noise / np.sqrt(d) * rng.standard_normal(z.shape)
        return np.concatenate([z, aigc], axis=1), np.concatenate([aigc, aigc2], axis=1)

    def _synthetic(self, S: int, rng: Stream) -> dict[str, np.ndarray]:
        cfg = self.config
        U, n_items, d, P, M = (
            cfg.n_users, cfg.n_items, cfg.dim, cfg.positives_per_user, cfg.affinity_draws
        )
        g = rng.standard_normal((S, d))
        g /= np.linalg.norm(g, axis=-1, keepdims=True)
        z = rng.standard_normal((S, n_items, d)) / np.sqrt(d)
        theta = cfg.appeal * g[:, None, :] + rng.standard_normal((S, U, d)) / np.sqrt(d)
        positives = np.empty((S, U, P), dtype=np.int64)
        # users are drawn in blocks whose size does not depend on S, so each replicate's
        # draws are the same whatever batch it sits in (the memory of one block is S-linear)
        block = max(1, _DRAW_BLOCK // (_NOMINAL_S * P * M * d))
        for lo in range(0, U, block):
            hi = min(lo + block, U)
            draws = rng.integers(0, n_items, size=(S, hi - lo, P, M))
            zz = _gather(z, draws.reshape(S, -1)).reshape(S, hi - lo, P, M, d)
            aff = np.einsum("supmd,sud->supm", zz, theta[:, lo:hi])
            positives[:, lo:hi] = np.take_along_axis(draws, aff.argmax(-1)[..., None], -1)[..., 0]
        n_pos = np.full((S, U), P, dtype=np.int64)
        user = np.broadcast_to(np.arange(U)[None, :, None], positives.shape)
        excluded = np.sort(_key(user, positives, n_items).reshape(S, -1), axis=1)
        vectors, rewrites = self._copies(z, self._style(g, rng), rng)
        return dict(vectors=vectors, rewrites=rewrites, positives=positives, n_pos=n_pos,
                    excluded=excluded)

    def _movielens(self, S: int, rng: Stream) -> dict[str, np.ndarray]:
        cfg = self.config
        r = self._ratings
        assert r is not None
        if cfg.factorization == "shared":
            z1, g1 = _factorize(r, cfg.dim)
            z, g = np.broadcast_to(z1, (S, *z1.shape)), np.tile(g1, (S, 1))
        else:
            weights = rng.exponential(1.0, (S, r.n_users))
            fits = [_factorize(r, cfg.dim, w) for w in weights]
            z = np.stack([f[0] for f in fits])
            g = np.stack([f[1] for f in fits])
        positives, n_pos = _positive_lists(r, cfg.relevant_rating)
        keep = n_pos >= 2  # a held-out item and at least one to learn from
        positives, n_pos = positives[keep], n_pos[keep]
        users_kept = np.flatnonzero(keep)
        remap = np.full(r.n_users, -1, dtype=np.int64)
        remap[users_kept] = np.arange(len(users_kept))
        rated = remap[r.user] >= 0
        U = len(users_kept)
        excluded = np.unique(_key(remap[r.user[rated]], r.item[rated], r.n_items))
        vectors, rewrites = self._copies(z, self._style(g, rng), rng)
        return dict(
            vectors=vectors, rewrites=rewrites,
            positives=np.broadcast_to(positives, (S, *positives.shape)),
            n_pos=np.broadcast_to(n_pos, (S, U)),
            excluded=np.broadcast_to(excluded, (S, excluded.size)),
        )

    def reset(self, replicates: int, rng: Stream) -> RecsysState:
        S, cfg = replicates, self.config
        inst = self._synthetic(S, rng) if self._ratings is None else self._movielens(S, rng)
        U = inst["positives"].shape[1]
        state = RecsysState(
            **inst,
            eval_items=np.empty((S, U, cfg.candidates), dtype=np.int64),
            share=np.full(S, cfg.initial_aigc_share),
            stage=0,
        )
        held_out = inst["positives"][:, :, 0]
        state.eval_items = np.concatenate(
            [held_out[..., None], self._negatives(state, cfg.candidates - 1, rng)], axis=-1
        )
        return state

    def _negatives(self, state: RecsysState, k: int, rng: Stream) -> np.ndarray:
        """``k`` random items per user (S, U, k) that the user neither liked nor rated: the
        first of ``1 + _NEG_RETRIES`` candidates that is not excluded (the last if none is).
        Every candidate is drawn in one call, so a replicate's draws do not depend on
        whether another replicate needed a retry."""
        S, U = state.n_pos.shape
        n_items = self.n_items
        R = 1 + _NEG_RETRIES
        cand = rng.integers(0, n_items, size=(S, U, k, R))
        user = np.broadcast_to(np.arange(U)[None, :, None, None], cand.shape)
        bad = _member(state.excluded, _key(user, cand, n_items), U * n_items)
        first = np.where(bad.all(axis=-1), R - 1, bad.argmin(axis=-1))
        return np.take_along_axis(cand, first[..., None], axis=-1)[..., 0]

    # -- loop ------------------------------------------------------------------------------
    def _impressions(self, state: RecsysState, rng: Stream) -> np.ndarray:
        """This stage's lists (S, U * m, K) items, user-major, the relevant item first."""
        cfg = self.config
        m, K = cfg.impressions_per_user, cfg.candidates
        S, U = state.n_pos.shape
        rows = []
        for _ in range(m):
            # a relevant item other than the held-out one: index uniform in [1, n_pos)
            j = 1 + (rng.random((S, U)) * (state.n_pos - 1)).astype(np.int64)
            pos = np.take_along_axis(state.positives, j[..., None], axis=-1)
            rows.append(np.concatenate([pos, self._negatives(state, K - 1, rng)], axis=-1))
        return np.stack(rows, axis=2).reshape(S, U * m, K)

    def observe(self, state: RecsysState, rng: Stream) -> Observation:
        cfg = self.config
        S, U = state.n_pos.shape
        n_items, L = self.n_items, cfg.history_length
        hist_items = state.positives[:, :, 1:1 + L]
        hist_mask = np.arange(1, 1 + hist_items.shape[-1]) < state.n_pos[..., None]
        aigc = rng.random(hist_items.shape) < state.share[:, None, None]
        items = np.concatenate([self._impressions(state, rng), state.eval_items], axis=1)
        n_log = U * cfg.impressions_per_user
        users = np.concatenate([np.repeat(np.arange(U), cfg.impressions_per_user), np.arange(U)])
        return Observation({
            "vectors": state.vectors,
            "history": hist_items + n_items * aigc,
            "history_items": hist_items,
            "history_mask": hist_mask,
            "candidates": np.concatenate([items, items + n_items], axis=-1),
            "impression_user": np.broadcast_to(users, (S, users.size)),
            "tiebreak": rng.random((S, items.shape[1], 2 * cfg.candidates)),
            "n_log": np.full(S, n_log),
        })

    def step(
        self, state: RecsysState, action: Action, obs: Observation, rng: Stream
    ) -> tuple[RecsysState, Outcome]:
        cfg = self.config
        K = cfg.candidates
        n_log = int(obs["n_log"][0])
        scores = action.arm[:, :n_log]
        S = scores.shape[0]
        ranks = ranks_from_order(rank_order(scores, obs["tiebreak"][:, :n_log]))
        r_h, r_a = ranks[..., 0], ranks[..., K]  # ranks of the relevant item's two copies
        slate_mask = np.ones(scores.shape, dtype=bool)
        if state.stage == 0:  # the logged human era: clicks do not depend on a ranking
            click_aigc = rng.random((S, n_log)) < state.share[:, None]
            if cfg.initial_aigc_share == 0.0:
                slate_mask[..., K:] = False
            log_history = obs["history"]
        else:
            if cfg.eta is None:
                click_aigc = r_a < r_h
            else:
                w_h = (1.0 / (r_h + 1.0)) ** cfg.eta
                w_a = (1.0 / (r_a + 1.0)) ** cfg.eta
                click_aigc = rng.random((S, n_log)) * (w_h + w_a) < w_a
            log_history = obs["history_items"]
        click = np.where(click_aigc, K, 0)
        clicked_rank = np.where(click_aigc, r_a, r_h)
        new_share = click_aigc.mean(axis=1)
        truth = {
            "aigc_click_share": new_share,
            "history_aigc_share": state.share.copy(),
            "log_history": log_history,
            "log_history_mask": obs["history_mask"],
            "log_user": obs["impression_user"][:, :n_log],
            "log_slate": obs["candidates"][:, :n_log],
            "log_slate_mask": slate_mask,
            "log_click": click,
            "vectors": state.vectors,
            "rewrites": state.rewrites,
        }
        reward = (1.0 / (clicked_rank + 1.0)).mean(axis=1)
        return replace(state, share=new_share, stage=state.stage + 1), Outcome(reward, truth)


# the feedback a recommender sees: its own click log and the (public) item vectors
LOG_SIGNALS = (
    "log_history", "log_history_mask", "log_user", "log_slate", "log_slate_mask", "log_click",
    "vectors", "rewrites",
)


class SourceShareMonitor:
    """AIGC share of this stage's clicks, of the history/training data it was served with,
    and the phase: 0 = HGC dominates (training share 0), 1 = coexist (share <= 0.5),
    2 = AIGC dominates (share > 0.5)."""

    names = ("aigc_click_share", "train_aigc_share", "phase")
    needs = ("aigc_click_share", "history_aigc_share")

    def reset(self, replicates: int) -> None:
        pass

    def __call__(self, obs, action, outcome, feedback):
        train = outcome.truth["history_aigc_share"]
        phase = np.where(train <= 0.0, 0.0, np.where(train <= 0.5, 1.0, 2.0))
        return {
            "aigc_click_share": outcome.truth["aigc_click_share"],
            "train_aigc_share": train,
            "phase": phase,
        }


def _metric_names() -> tuple[str, ...]:
    names = []
    for m in ("ndcg", "map"):
        for k in KS:
            names += [f"{m}{k}_{lst}" for lst in ("hgc", "aigc", "mix_hgc", "mix_aigc", "mixed")]
            names.append(f"rel_bias_{m}{k}")
    return (*names, "aigc_preferred")


class SourceRankingMonitor:
    """Ranking quality of the deployed recommender on the held-out impressions.

    Lists: ``hgc`` (HGC copies only), ``aigc`` (AIGC copies only), and the mixed list of
    both copies credited to one source (``mix_hgc``: only the HGC copy is relevant;
    ``mix_aigc``: only the AIGC copy) or to either (``mixed``: both copies relevant).
    ``rel_bias_<metric>`` = (M_mix_hgc - M_mix_aigc) / mean(M_mix_hgc, M_mix_aigc) * 100
    on the means over users (negative = AIGC favoured); ``aigc_preferred`` = share of
    held-out relevant items whose AIGC copy outscores the HGC copy (ties count one half).
    """

    names = _metric_names()
    needs: tuple[str, ...] = ()  # reads the scores (action) and the lists (observation) only

    def __init__(self, candidates: int) -> None:
        self.K = candidates

    def reset(self, replicates: int) -> None:
        pass

    def __call__(self, obs, action, outcome, feedback):
        K = self.K
        n_log = int(obs["n_log"][0])
        sc = action.arm[:, n_log:]
        tb = obs["tiebreak"][:, n_log:]
        first = np.zeros(K, dtype=bool)
        first[0] = True
        lists = {
            "hgc": (sc[..., :K], tb[..., :K], first),
            "aigc": (sc[..., K:], tb[..., K:], first),
        }
        out: dict[str, np.ndarray] = {}
        for name, (s, t, rel) in lists.items():
            nd, mp = ndcg_map_at_k(rank_order(s, t), np.broadcast_to(rel, s.shape), KS)
            for k in KS:
                out[f"ndcg{k}_{name}"], out[f"map{k}_{name}"] = nd[k].mean(1), mp[k].mean(1)
        order = rank_order(sc, tb)
        targets = {"mix_hgc": (0,), "mix_aigc": (K,), "mixed": (0, K)}
        for name, slots in targets.items():
            rel = np.zeros(2 * K, dtype=bool)
            rel[list(slots)] = True
            nd, mp = ndcg_map_at_k(order, np.broadcast_to(rel, sc.shape), KS)
            for k in KS:
                out[f"ndcg{k}_{name}"], out[f"map{k}_{name}"] = nd[k].mean(1), mp[k].mean(1)
        for m in ("ndcg", "map"):
            for k in KS:
                out[f"rel_bias_{m}{k}"] = relative_bias(
                    out[f"{m}{k}_mix_hgc"], out[f"{m}{k}_mix_aigc"]
                )
        diff = sc[..., K] - sc[..., 0]
        out["aigc_preferred"] = ((diff > 0) + 0.5 * (diff == 0)).mean(axis=1)
        return out


# -- helpers -------------------------------------------------------------------------------
def _gather(table: np.ndarray, ids: np.ndarray) -> np.ndarray:
    return table[np.arange(table.shape[0])[:, None], ids]


def _key(user, item, n_items: int) -> np.ndarray:
    """A unique int64 key per (user, item) of one replicate: user * n_items + item."""
    return np.asarray(user, dtype=np.int64) * n_items + item


def _member(table: np.ndarray, keys: np.ndarray, n_keys: int) -> np.ndarray:
    """Elementwise, per replicate: is ``keys[s, ...]`` in row ``s`` of ``table`` (S, M),
    sorted keys below ``n_keys``? Row s is shifted by s * n_keys so that the flattened
    table stays sorted and one ``searchsorted`` answers every replicate."""
    S = table.shape[0]
    if table.shape[1] == 0:
        return np.zeros(keys.shape, dtype=bool)
    shift = np.arange(S, dtype=np.int64) * n_keys
    flat = (table + shift[:, None]).ravel()
    q = keys + shift.reshape((S,) + (1,) * (keys.ndim - 1))
    pos = np.minimum(np.searchsorted(flat, q), flat.size - 1)
    return flat[pos] == q


def _factorize(
    r, dim: int, user_weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Unit item vectors (I, dim) from a rank-``dim`` SVD of the user x item rating matrix
    (0 = unrated), and the unit mean user factor (the appeal direction). With
    ``user_weights`` (U,), user u's row is scaled by sqrt(w_u): the SVD of a weighted
    (Bayesian-bootstrap) sample of users."""
    from scipy import linalg, sparse
    from threadpoolctl import threadpool_limits

    rating = r.rating if user_weights is None else r.rating * np.sqrt(user_weights[r.user])
    R = sparse.csr_matrix((rating, (r.user, r.item)), shape=(r.n_users, r.n_items))
    if dim > min(R.shape):
        raise ValueError(f"dim ({dim}) must be at most {min(R.shape)} for movielens")
    # top singular pairs via the small users x users Gram matrix (far cheaper than an SVD
    # of the 671 x 9066 matrix): R R^T = U diag(sv^2) U^T, V = R^T U / sv
    gram = (R @ R.T).toarray()
    n = gram.shape[0]
    with threadpool_limits(1):  # a small dense problem: threads only add contention
        evals, evecs = linalg.eigh(gram, subset_by_index=[n - dim, n - 1])
    sv = np.sqrt(np.maximum(evals[::-1], 1e-12))
    u = evecs[:, ::-1]
    u = u * np.where(u.sum(axis=0) < 0, -1.0, 1.0)  # the sign of a singular pair is arbitrary
    v = np.asarray(R.T @ u) / sv
    z = v * np.sqrt(sv)
    # unit rows, as in the synthetic variant: a text encoder's vector does not grow with
    # the number of ratings an item has (unrated directions get a tiny random row)
    z /= np.maximum(np.linalg.norm(z, axis=1, keepdims=True), 1e-12)
    g = (u * np.sqrt(sv)).mean(axis=0)
    return z, g / np.linalg.norm(g)


def _positive_lists(r, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Per user: items rated >= threshold, latest first, padded (U, P), and their count."""
    liked = r.rating >= threshold
    user, item, ts = r.user[liked], r.item[liked], r.timestamp[liked]
    order = np.lexsort((-item, -ts, user))  # by user, then latest first (ties: item id)
    user, item = user[order], item[order]
    n_pos = np.bincount(user, minlength=r.n_users)
    start = np.concatenate([[0], np.cumsum(n_pos)[:-1]])
    P = int(n_pos.max())
    out = np.zeros((r.n_users, P), dtype=np.int64)
    out[user, np.arange(len(user)) - start[user]] = item
    return out, n_pos.astype(np.int64)
