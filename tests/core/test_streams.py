"""Per-replicate streams (issue 19): the row sequences against a plain-Python Philox4x64-10
checked on Random123's known answers and against randomgen, replicate i's draws independent
of the batch and of the buffer size, the Generator-like methods' distributions, and the
replicate-axis rule."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from looplab.core.streams import Rows, Stream, StreamShapeError, name_key

M0, M1 = 0xD2E7470EE14C6C93, 0xCA5A826395121157  # Random123 philox4x64 multipliers
W0, W1 = 0x9E3779B97F4A7C15, 0xBB67AE8584CAA73B  # and Weyl key increments
U64 = (1 << 64) - 1


def philox4x64_reference(counter, key):
    """Philox4x64-10 in plain Python integers (Random123's round function), independent of
    numpy's C code."""
    c, k = list(counter), list(key)
    for r in range(10):
        if r:
            k = [(k[0] + W0) & U64, (k[1] + W1) & U64]
        p0, p1 = M0 * c[0], M1 * c[2]
        c = [(p1 >> 64) ^ c[1] ^ k[0], p1 & U64, (p0 >> 64) ^ c[3] ^ k[1], p0 & U64]
    return c


def test_the_reference_matches_random123_known_answers():
    """Random123's kat_vectors, philox4x64_10 with zero counter and key."""
    assert philox4x64_reference([0, 0, 0, 0], [0, 0]) == [
        0x16554D9ECA36314C, 0xDB20FE9D672D0FDC, 0xD7E772CEE186176B, 0x7E68B68AEC7BA23B]


def expected_uniforms(seed, replicate, name, n):
    """The rows-v2 definition: u_m from word m mod 4 of block m div 4, counter (j + 1, 0,
    replicate, 0), key (seed, name hash)."""
    words = []
    for j in range((n + 3) // 4):
        words += philox4x64_reference([j + 1, 0, replicate, 0], [seed, name_key(name)])
    return np.array([(w >> 11) * 2.0**-53 for w in words[:n]])


def test_a_stream_is_the_philox_sequence_of_its_row():
    randomgen = pytest.importorskip("randomgen")
    seed, rep = 0xA4093822299F31D0, 7
    got = Stream(Rows.of(seed, 1, rep), "w").random((1, 50))[0]
    assert np.array_equal(got, expected_uniforms(seed, rep, "w", 50))
    g = randomgen.Philox(key=np.array([seed, name_key("w")], dtype=np.uint64),
                         counter=np.array([0, 0, rep, 0], dtype=np.uint64), number=4, width=64)
    raw = np.asarray(g.random_raw(50), dtype=np.uint64)
    assert np.array_equal(got, (raw >> np.uint64(11)) * 2.0**-53)


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


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**64 - 1), sizes=st.lists(st.integers(0, 300), min_size=1,
                                                     max_size=8))
def test_buffered_draws_are_the_row_sequence_whatever_the_buffer_size(seed, sizes):
    """rows-v2: a row's draws are consecutive pieces of one sequence u_0, u_1, ... with u_2j,
    u_2j+1 the halves of Philox block j; buffers refill at batch-size-dependent points (a
    4000-row batch refills every 256 values, one row every 4096), and the values do not move."""
    ref = Stream(Rows.of(seed, 1, 3999), "seq")
    big = Stream(Rows.of(seed, 4000), "seq")
    got, want = [], []
    for n in sizes:
        want.append(ref.random((1, n))[0])
        got.append(big.random((4000, n))[3999])
        assert np.array_equal(got[-1], want[-1])
    total = sum(sizes)
    seq = expected_uniforms(seed, 3999, "seq", total)
    assert np.array_equal(np.concatenate(want), seq)


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
