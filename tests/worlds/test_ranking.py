"""Ranking metrics: nDCG@k / MAP@k by their definitions, tie-breaking, relative bias."""

from __future__ import annotations

import numpy as np
import pytest

from looplab.worlds.ranking import ndcg_map_at_k, rank_order, ranks_from_order, relative_bias


def test_single_relevant_item_at_rank_two_gives_textbook_values():
    scores = np.array([[[0.9, 0.1, 0.5, 0.3]]])  # relevant item (index 2) ranks 2nd
    rel = np.array([[[False, False, True, False]]])
    nd, mp = ndcg_map_at_k(rank_order(scores), rel, (1, 3, 5))
    assert nd[1][0, 0] == 0.0 and mp[1][0, 0] == 0.0
    assert nd[3][0, 0] == pytest.approx(1 / np.log2(3))
    assert mp[3][0, 0] == pytest.approx(1 / 2)
    assert nd[5][0, 0] == pytest.approx(1 / np.log2(3))  # k beyond the list length


def test_two_relevant_items_use_the_ideal_dcg_and_divide_map_by_their_count():
    scores = np.array([[[3.0, 2.0, 1.0, 0.0]]])
    rel = np.array([[[True, False, True, False]]])  # ranks 0 and 2
    nd, mp = ndcg_map_at_k(rank_order(scores), rel, (1, 3))
    assert nd[1][0, 0] == pytest.approx(1.0)
    ideal = 1 + 1 / np.log2(3)
    assert nd[3][0, 0] == pytest.approx((1 + 1 / np.log2(4)) / ideal)
    assert mp[1][0, 0] == pytest.approx(1 / 2)  # one hit of two relevant
    assert mp[3][0, 0] == pytest.approx((1 + 2 / 3) / 2)


def test_list_without_relevant_items_scores_zero():
    nd, mp = ndcg_map_at_k(rank_order(np.zeros((1, 1, 3))), np.zeros((1, 1, 3), bool), (1,))
    assert nd[1][0, 0] == 0.0 and mp[1][0, 0] == 0.0


def test_tiebreak_key_orders_equal_scores_and_ranks_invert_the_order():
    scores = np.zeros((1, 1, 3))
    order = rank_order(scores, np.array([[[0.7, 0.1, 0.4]]]))
    assert order[0, 0].tolist() == [1, 2, 0]
    assert ranks_from_order(order)[0, 0].tolist() == [2, 0, 1]


def test_relative_bias_is_negative_when_the_second_source_is_favoured():
    assert relative_bias(np.array([0.4]), np.array([0.6]))[0] == pytest.approx(-40.0)
    assert relative_bias(np.array([0.0]), np.array([0.0]))[0] == 0.0


def test_nonpositive_k_is_rejected():
    with pytest.raises(ValueError, match="k must be > 0"):
        ndcg_map_at_k(rank_order(np.zeros((1, 1, 2))), np.ones((1, 1, 2), bool), (0,))
