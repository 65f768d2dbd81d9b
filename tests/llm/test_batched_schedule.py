"""The cascade pass's schedule over a prefix tree (pure Python: no model)."""

from __future__ import annotations

from looplab.llm.batched import _segments

# a prefix tree of 3 rows: 0-1-2 shared, then 3-4 | 5 (branch after node 2), and
# 5 branches into 6-7-8 | 9
#   0 - 1 - 2 - 3 - 4
#               \ 5 - 6 - 7 - 8
#                   \ 9
PARENTS = [-1, 0, 1, 2, 3, 2, 5, 6, 7, 5]


def test_segments_are_unbranched_chains_by_level():
    nodes, ctx, level = _segments(PARENTS, min_segment=1)
    assert nodes == [[0, 1, 2], [3, 4], [5], [6, 7, 8], [9]]
    assert ctx == [[], [0, 1, 2], [0, 1, 2], [0, 1, 2, 5], [0, 1, 2, 5]]
    assert level == [0, 1, 1, 2, 2]
    # every node computed once
    assert sorted(i for seg in nodes for i in seg) == list(range(len(PARENTS)))


def test_short_branching_segment_is_recomputed_in_its_children():
    nodes, ctx, level = _segments(PARENTS, min_segment=2)
    # segment [5] (1 token, two children) is computed at the start of each child instead
    assert nodes == [[0, 1, 2], [3, 4], [5, 6, 7, 8], [5, 9]]
    assert ctx == [[], [0, 1, 2], [0, 1, 2], [0, 1, 2]]
    assert level == [0, 1, 1, 1]
    # merged segments chain: [0, 1, 2] goes into both children; [0, 1, 2, 5] is then long
    # enough to be computed once for its own children; leaves are never merged
    nodes, ctx, level = _segments(PARENTS, min_segment=4)
    assert nodes == [[0, 1, 2, 3, 4], [0, 1, 2, 5], [6, 7, 8], [9]]
    assert ctx == [[], [], [0, 1, 2, 5], [0, 1, 2, 5]]
    assert level == [0, 0, 1, 1]
