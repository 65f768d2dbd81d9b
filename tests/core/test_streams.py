"""Per-replicate streams (issue 19): the Philox4x32-10 block function against published
known-answer vectors, replicate i's draws independent of the batch, the Generator-like
methods' distributions, and the replicate-axis rule."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from looplab.core.streams import Rows, Stream, StreamShapeError, philox4x32

# Random123's kat_vectors for philox4x32_10: (counter, key) -> output
KAT = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF, 0xFFFFFFFF),
     (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


@pytest.mark.parametrize("ctr,key,want", KAT)
def test_philox_matches_the_random123_known_answers(ctr, key, want):
    got = philox4x32(*(np.uint64(c) for c in ctr), *(np.uint64(k) for k in key))
    assert tuple(int(x) for x in got) == want


def test_philox_matches_randomgen_on_a_range_of_counters():
    randomgen = pytest.importorskip("randomgen")
    key, c0 = 0xA4093822 | (0x299F31D0 << 32), 12345
    g = randomgen.Philox(key=np.array([key], dtype=np.uint64),
                         counter=np.array([c0 - 1, 0], dtype=np.uint64), number=4, width=32)
    ref = np.asarray(g.random_raw(4 * 50), dtype=np.uint64).reshape(50, 4)
    out = philox4x32(np.arange(c0, c0 + 50, dtype=np.uint64), 0, 0, 0,
                     np.uint64(0xA4093822), np.uint64(0x299F31D0))
    assert np.array_equal(np.stack(out, axis=1), ref)


DRAWS = {
    "random": lambda r, S: r.random((S, 5)),
    "normal": lambda r, S: r.normal(1.0, 2.0, (S, 3, 2)),
    "integers": lambda r, S: r.integers(0, 7, (S, 4)),
    "binomial": lambda r, S: r.binomial(40, np.full(S, 0.3)),
    "choice": lambda r, S: r.choice(9, (S, 4), replace=False),
    "choice_p": lambda r, S: r.choice(4, (S, 6), p=[0.1, 0.2, 0.3, 0.4]),
    "gamma": lambda r, S: r.gamma(2.5, 1.0, (S, 3)),
    "beta": lambda r, S: r.beta(2.0, 3.0, (S, 2)),
    "dirichlet": lambda r, S: r.dirichlet(np.ones(3), S),
    "permutations": lambda r, S: r.permutations(6),
    "exponential": lambda r, S: r.exponential(2.0, (S, 2)),
}


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**64 - 1), start=st.integers(0, 1000), S=st.integers(1, 9),
       take=st.lists(st.sampled_from(sorted(DRAWS)), min_size=1, max_size=6))
def test_a_replicate_draws_the_same_numbers_whatever_batch_it_is_in(seed, start, S, take):
    """Row k of a batch starting at replicate ``start`` equals replicate start+k run alone,
    for any sequence of draws."""
    big = Stream(Rows.of(seed, S, start), "p")
    alone = [Stream(Rows.of(seed, 1, start + k), "p") for k in range(S)]
    for name in take:
        a = DRAWS[name](big, S)
        for k, r in enumerate(alone):
            assert np.array_equal(a[k], DRAWS[name](r, 1)[0]), (name, k)


def test_packed_seeds_equal_each_seed_alone_and_names_and_seeds_separate_streams():
    packed = Stream(Rows.pack([5, 9], 3), "w").random((6, 4))
    assert np.array_equal(packed[:3], Stream(Rows.of(5, 3), "w").random((3, 4)))
    assert np.array_equal(packed[3:], Stream(Rows.of(9, 3), "w").random((3, 4)))
    a = Stream(Rows.of(5, 3), "w").random((3, 4))
    assert not np.array_equal(a, Stream(Rows.of(5, 3), "v").random((3, 4)))
    assert not np.array_equal(a, Stream(Rows.of(6, 3), "w").random((3, 4)))
    assert len({a[i].tobytes() for i in range(3)}) == 3  # replicates differ
    common = Stream(Rows.of(5, 3), "w").common().random((3, 4))
    assert (common == common[0]).all()  # a draw shared by every replicate of a seed


def test_each_call_moves_the_stream_on_and_a_child_is_independent():
    s = Stream(Rows.of(1, 2), "x")
    a, b = s.random((2, 3)), s.random((2, 3))
    assert not np.array_equal(a, b)
    assert not np.array_equal(Stream(Rows.of(1, 2), "x").child("y").random((2, 3)), a)


def test_variates_have_the_right_distributions():
    """Kolmogorov-Smirnov against scipy on 20,000 draws; binomial equals scipy's exact
    quantile of the same uniforms."""
    r = Stream(Rows.of(3, 1000), "dist")
    for draw, dist in [
        (lambda: r.standard_normal((1000, 20)), stats.norm()),
        (lambda: r.gamma(0.7, 2.0, (1000, 20)), stats.gamma(0.7, scale=2.0)),
        (lambda: r.beta(0.5, 2.0, (1000, 20)), stats.beta(0.5, 2.0)),
        (lambda: r.exponential(3.0, (1000, 20)), stats.expon(scale=3.0)),
        (lambda: r.laplace(1.0, 2.0, (1000, 20)), stats.laplace(1.0, 2.0)),
        (lambda: r.gumbel(0.0, 1.0, (1000, 20)), stats.gumbel_r()),
    ]:
        assert stats.kstest(draw().ravel(), dist.cdf).pvalue > 1e-3
    for n, p in [(1, 0.3), (7, 0.02), (60, 0.5), (5000, 0.999), (100_000, 0.4)]:
        u = Stream(Rows.of(4, 200), "b")._open((200, 50))
        got = Stream(Rows.of(4, 200), "b").binomial(n, np.full((200, 50), p))
        assert np.array_equal(got, stats.binom.ppf(u, n, p).astype(np.int64)), (n, p)
    ints = r.integers(0, 5, (1000, 50)).ravel()
    assert stats.chisquare(np.bincount(ints, minlength=5)).pvalue > 1e-3
    pick = r.choice(4, (1000, 50), p=[0.1, 0.2, 0.3, 0.4]).ravel()
    assert stats.chisquare(np.bincount(pick, minlength=4), 50_000 * np.array(
        [0.1, 0.2, 0.3, 0.4])).pvalue > 1e-3
    rows = r.choice(10, (1000, 10), replace=False)
    assert (np.sort(rows, axis=1) == np.arange(10)).all()  # distinct within each row


@pytest.mark.parametrize("draw", [
    lambda r: r.random(),
    lambda r: r.random(5),
    lambda r: r.normal(size=(3, 4)),
    lambda r: r.binomial(10, 0.5),
    lambda r: r.permuted(np.zeros((4, 3)), axis=0),
])
def test_a_draw_without_the_leading_replicate_axis_is_refused(draw):
    with pytest.raises(StreamShapeError, match="replicate axis"):
        draw(Stream(Rows.of(0, 4), "x"))


def test_rows_validate_their_input():
    with pytest.raises(ValueError, match="seed"):
        Rows.of(-1, 2)
    with pytest.raises(ValueError, match="replicates"):
        Rows.of(0, 0)
    with pytest.raises(ValueError, match="replicate range"):
        Rows.of(0, 2, start=2**32)
    parts = Rows.of(0, 7).split(3)
    assert [len(p) for p in parts] == [2, 3, 2]
    assert np.array_equal(np.concatenate([p.replicates for p in parts]), np.arange(7))
