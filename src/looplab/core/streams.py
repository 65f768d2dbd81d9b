"""Per-replicate random streams: replicate i's numbers do not depend on how the work is split.

Every random draw of a run comes from a counter-based generator, Philox4x64-10 (Salmon,
Moraes, Dror & Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011), as numpy
implements it (``numpy.random.Philox``). A block of four 64-bit words is a pure function of a
128-bit key and a 256-bit counter; each replicate row owns one sequence,

    key = (run seed, 64-bit hash of the stream name),
    block_j = philox(key, counter = (j + 1, 0, replicate index, 0)),
    u_m = (word m mod 4 of block_{m div 4} >> 11) * 2**-53,

and a stream hands each row's uniforms u_0, u_1, ... out in order. Every draw takes the same
number of values from every row (a draw's shape must lead with the replicate axis), so the
position of a draw in the sequence is the same for all rows, and the numbers a replicate
receives depend only on (run seed, replicate index, stream name, how many uniforms the stream
has handed out) -- never on how many other replicates share the batch, where the batch
starts, or which machine runs it.

Rows are advanced in blocks: a refill seeks each row's generator to the block holding the
next position and reads a few hundred to a few thousand values per row in C, so the Python
work per refill is one call per row, amortised over many rounds, and a small draw is a slice
of the buffer. The buffer size may depend on the batch size; the values cannot, since u_m is
a function of m alone.

A :class:`Stream` mimics the part of ``numpy.random.Generator`` looplab uses (``random``,
``normal``, ``integers``, ``choice``, ``binomial``, ...), with one rule numpy does not have:
every draw's shape must lead with the replicate axis (length ``S``). Continuous variates are
inverse transforms of 53-bit uniforms (normal: ``ndtri``; gamma and beta: the regularised
incomplete-function inverses; binomial: its quantile function), which makes each value a
function of one uniform and so of the row's own sequence only.

The scheme is versioned (:data:`STREAM_SCHEME`); results made under a different scheme are
not comparable bit for bit, and ``looplab compare`` refuses to pool them. rows-v1 computed
Philox4x32-10 in numpy integer arithmetic for every call (about 100 array operations per
draw); rows-v2 (this one) reads numpy's C Philox through per-row buffers, which brings the
cost of per-replicate streams close to one shared generator
(``benchmarks/bench_streams.py``).
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

STREAM_SCHEME = "philox4x64-10/rows-v2"
"""Recorded next to every run's results; bump it whenever any draw changes."""

_COMMON = 0xFFFFFFFF  # replicate index reserved for draws shared by all replicates of a seed
MAX_REPLICATE = _COMMON - 1
_BUFFER_VALUES = 1 << 18  # uniforms per refill over the whole batch (2 MB of float64)
_ROW_MIN, _ROW_MAX = 256, 4096  # uniforms per row per refill, whatever the batch size
_EMPTY_BUFFER = np.zeros(4, dtype=np.uint64)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


def name_key(*names: str) -> int:
    """A stable 64-bit key for a stream name (Python's ``hash`` is salted per process)."""
    return int.from_bytes(hashlib.sha256("/".join(names).encode()).digest()[:8], "little")


@dataclass(frozen=True)
class Rows:
    """Which (run seed, replicate index) each row of a batch is: ``seeds`` and ``replicates``
    are (S,) integer arrays. A plain run is one seed with replicates ``start..start+S-1``; a
    packed sweep stacks several seeds' rows in one batch."""

    seeds: np.ndarray
    replicates: np.ndarray

    def __post_init__(self) -> None:
        seeds = np.asarray(self.seeds, dtype=np.uint64).reshape(-1)
        reps = np.asarray(self.replicates, dtype=np.uint64).reshape(-1)
        if seeds.shape != reps.shape:
            raise ValueError(f"rows: {seeds.size} seeds but {reps.size} replicate indices")
        if seeds.size == 0:
            raise ValueError("rows: a batch needs at least one replicate")
        if reps.size and int(reps.max()) > MAX_REPLICATE:
            raise ValueError(f"rows: replicate index must be <= {MAX_REPLICATE}")
        object.__setattr__(self, "seeds", seeds)
        object.__setattr__(self, "replicates", reps)

    @classmethod
    def of(cls, seed: int, replicates: int, start: int = 0) -> Rows:
        """Rows ``start .. start+replicates-1`` of run seed ``seed``."""
        _check_seed(seed)
        if replicates <= 0:
            raise ValueError(f"replicates must be > 0, got {replicates}")
        if start < 0 or start + replicates - 1 > MAX_REPLICATE:
            raise ValueError(f"replicate range {start}..{start + replicates - 1} is out of "
                             f"0..{MAX_REPLICATE}")
        return cls(np.full(replicates, seed, dtype=np.uint64),
                   np.arange(start, start + replicates, dtype=np.uint64))

    @classmethod
    def pack(cls, seeds: Sequence[int], replicates: int) -> Rows:
        """Seeds as replicates: ``replicates`` rows of each seed in ``seeds``, seed-major."""
        for s in seeds:
            _check_seed(s)
        if replicates <= 0:
            raise ValueError(f"replicates must be > 0, got {replicates}")
        return cls(np.repeat(np.asarray(seeds, dtype=np.uint64), replicates),
                   np.tile(np.arange(replicates, dtype=np.uint64), len(seeds)))

    def __len__(self) -> int:
        return int(self.seeds.size)

    @property
    def packed(self) -> bool:
        """True when the batch holds more than one seed (tables then need a seed column)."""
        return bool(np.unique(self.seeds).size > 1)

    def pairs(self) -> list[tuple[int, int]]:
        """(seed, replicate index) of every row, as Python ints, for per-replicate loops."""
        return list(zip(self.seeds.tolist(), self.replicates.tolist(), strict=True))

    def __getitem__(self, index: slice | np.ndarray) -> Rows:
        return Rows(self.seeds[index], self.replicates[index])

    def split(self, parts: int) -> list[Rows]:
        """``parts`` contiguous, non-empty shards (fewer if there are fewer rows)."""
        if parts <= 0:
            raise ValueError(f"parts must be > 0, got {parts}")
        edges = np.linspace(0, len(self), min(parts, len(self)) + 1).round().astype(int)
        return [self[int(a):int(b)] for a, b in itertools.pairwise(edges)]


def _check_seed(seed: int) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**64:
        raise ValueError(f"seed must be an integer in 0..2**64-1, got {seed!r}")


class StreamShapeError(ValueError):
    """A draw whose shape does not lead with the replicate axis."""


class Stream:
    """A ``numpy.random.Generator``-like source whose row ``r`` draws only from replicate
    ``r``'s own counters. Stateful like a generator: each call takes the next call index."""

    def __init__(self, rows: Rows, *names: str, common: bool = False) -> None:
        if not names:
            raise ValueError("a stream needs a name")
        self.rows = rows
        self.names = names
        self._common = common
        self._keys = np.stack([rows.seeds, np.full(len(rows), name_key(*names),
                                                    dtype=np.uint64)], axis=1)
        reps = np.full(len(rows), _COMMON, dtype=np.uint64) if common else rows.replicates
        self._counters = np.zeros((len(rows), 4), dtype=np.uint64)
        self._counters[:, 2] = reps
        self._pos = 0  # uniforms handed out per row so far
        self._buf = np.empty((len(rows), 0))
        self._buf_start = 0  # sequence position of self._buf[:, 0]
        self._row_chunk = 4 * (min(_ROW_MAX, max(_ROW_MIN, _BUFFER_VALUES // len(rows))) // 4)

    def __repr__(self) -> str:
        kind = "common " if self._common else ""
        return f"Stream({kind}{'/'.join(self.names)!r}, S={len(self.rows)}, position={self._pos})"

    @property
    def state(self) -> tuple[Any, ...]:
        """What determines the next draw: names, common flag, sequence position and the rows."""
        return (self.names, self._common, self._pos, self.rows.seeds.tobytes(),
                self.rows.replicates.tobytes())

    @property
    def S(self) -> int:
        """Number of rows (replicates) in the batch."""
        return len(self.rows)

    def child(self, *names: str) -> Stream:
        """An independent stream named ``self.names + names`` (a fresh call counter)."""
        return Stream(self.rows, *self.names, *names, common=self._common)

    def common(self) -> Stream:
        """A stream whose rows agree for all replicates of the same seed (a world instance
        shared by design); still drawn with a leading replicate axis."""
        return Stream(self.rows, *self.names, common=True)

    def seeds(self) -> np.ndarray:
        """(S,) per-replicate integer seeds for models seeded once (scikit-learn, torch)."""
        return self.integers(0, 2**31 - 1, size=self.S)

    # -- raw uniforms ------------------------------------------------------------------------
    def _shape(self, size: Any, *params: Any) -> tuple[int, ...]:
        if size is None:
            shape = np.broadcast_shapes(*(np.shape(p) for p in params))
        else:
            shape = (int(size),) if np.ndim(size) == 0 else tuple(int(x) for x in size)
        if not shape or shape[0] != self.S:
            raise StreamShapeError(
                f"stream {'/'.join(self.names)!r}: a draw must lead with the replicate axis "
                f"(S={self.S}); got shape {shape}")
        return shape

    def _blocks(self, first: int, count: int) -> np.ndarray:
        """Uniforms ``4*first .. 4*(first+count)-1`` of every row, shape (S, 4*count): each
        row's Philox generator is set to block ``first`` and read in C (one call per row)."""
        if first + count >= 2**64:
            raise OverflowError(f"stream {'/'.join(self.names)!r} exhausted its counter")
        raw = np.empty((self.S, 4 * count), dtype=np.uint64)
        bitgen = np.random.Philox(key=self._keys[0], counter=self._counters[0])
        counters = self._counters.copy()
        counters[:, 0] = first
        for r in range(self.S):  # per refill, not per round: a refill serves many draws
            bitgen.state = {"bit_generator": "Philox",
                            "state": {"counter": counters[r], "key": self._keys[r]},
                            "buffer": _EMPTY_BUFFER, "buffer_pos": 4, "has_uint32": 0,
                            "uinteger": 0}
            raw[r] = bitgen.random_raw(4 * count)
        return (raw >> np.uint64(11)) * _TO_UNIT

    def _uniform(self, shape: tuple[int, ...]) -> np.ndarray:
        """53-bit uniforms on [0, 1) of ``shape`` (leading S): the next values of each row's
        sequence."""
        n = int(np.prod(shape[1:], dtype=np.int64))
        start, end = self._pos, self._pos + n
        self._pos = end
        if end > self._buf_start + self._buf.shape[1]:  # refill from the block holding start
            first = start // 4
            count = max((end + 3) // 4 - first, self._row_chunk // 4)
            self._buf = self._blocks(first, count)
            self._buf_start = 4 * first
        lo = start - self._buf_start
        return np.ascontiguousarray(self._buf[:, lo:lo + n]).reshape(shape)

    def _open(self, shape: tuple[int, ...]) -> np.ndarray:
        """Uniforms on the open interval (0, 1): safe for inverse CDFs at both ends."""
        return self._uniform(shape) + 0.5 * _TO_UNIT

    # -- numpy.random.Generator subset -----------------------------------------------------
    def random(self, size: Any = None) -> np.ndarray:
        """Uniform on [0, 1)."""
        return self._uniform(self._shape(size))

    def uniform(self, low: Any = 0.0, high: Any = 1.0, size: Any = None) -> np.ndarray:
        """Uniform on [low, high)."""
        u = self._uniform(self._shape(size, low, high))
        return np.asarray(low) + (np.asarray(high) - np.asarray(low)) * u

    def standard_normal(self, size: Any = None) -> np.ndarray:
        """Standard normal by inversion of one uniform."""
        from scipy.special import ndtri

        return np.asarray(ndtri(self._open(self._shape(size))))

    def normal(self, loc: Any = 0.0, scale: Any = 1.0, size: Any = None) -> np.ndarray:
        """Normal(loc, scale)."""
        from scipy.special import ndtri

        z = ndtri(self._open(self._shape(size, loc, scale)))
        return np.asarray(loc) + np.asarray(scale) * z

    def integers(self, low: Any, high: Any = None, size: Any = None, dtype: Any = np.int64,
                 endpoint: bool = False) -> np.ndarray:
        """Integers in [low, high) (or [low, high] with ``endpoint``); exact for ranges up to
        2**32 (floor of a 53-bit uniform times the range)."""
        if high is None:
            low, high = 0, low
        lo = np.asarray(low, dtype=np.int64)
        hi = np.asarray(high, dtype=np.int64) + (1 if endpoint else 0)
        if np.any(hi <= lo):
            raise ValueError("integers: high must be greater than low")
        u = self._uniform(self._shape(size, lo, hi))
        span = (hi - lo).astype(np.float64)
        k = np.minimum(np.floor(u * span), span - 1).astype(np.int64)
        return (lo + k).astype(dtype)

    def choice(self, a: Any, size: Any = None, replace: bool = True, p: Any = None) -> np.ndarray:
        """Draws from ``a`` (an int n means ``arange(n)``), optionally with probabilities
        ``p`` (1-D, or one row per replicate with shape (S, n)). Without replacement the
        last axis of ``size`` is the sample per row: distinct within each row."""
        pool = np.arange(a) if np.ndim(a) == 0 else np.asarray(a)
        n = pool.shape[0]
        shape = self._shape(size)
        probs = None if p is None else np.asarray(p, dtype=np.float64)
        if probs is not None and probs.shape[-1] != n:
            raise ValueError(f"choice: p has {probs.shape[-1]} entries for {n} items")
        if replace:
            u = self._uniform(shape)
            if probs is None:
                idx = np.minimum((u * n).astype(np.int64), n - 1)
            else:
                cdf = np.cumsum(probs, axis=-1)
                cdf = cdf / cdf[..., -1:]
                if cdf.ndim == 1:
                    idx = np.searchsorted(cdf, u, side="right")
                else:  # per-row probabilities (S, n)
                    flat = u.reshape(self.S, -1)
                    idx = (flat[:, :, None] >= cdf[:, None, :]).sum(axis=-1).reshape(shape)
                idx = np.minimum(idx, n - 1)
            return pool[idx]
        k = shape[-1]
        if k > n:
            raise ValueError(f"choice: cannot take {k} distinct items from {n}")
        lead = shape[:-1]
        u = self._open((*lead, n))
        # Efraimidis-Spirakis: the k largest u**(1/p) are a weighted sample without replacement
        keys = -np.log(u) if probs is None else -np.log(u) / np.maximum(probs, 1e-300)
        idx = np.argsort(keys, axis=-1, kind="stable")[..., :k]
        return pool[idx]

    def permuted(self, x: Any, axis: int = -1) -> np.ndarray:
        """An independent shuffle of ``x`` along ``axis`` for every other index (``axis``
        must not be the replicate axis)."""
        arr = np.asarray(x)
        ax = axis % arr.ndim
        if ax == 0:
            raise StreamShapeError("permuted: cannot shuffle along the replicate axis")
        order = np.argsort(self._uniform(self._shape(arr.shape)), axis=ax, kind="stable")
        return np.take_along_axis(arr, order, axis=ax)

    def permutations(self, n: int) -> np.ndarray:
        """(S, n): one uniform random permutation of ``range(n)`` per row."""
        return np.argsort(self._uniform((self.S, n)), axis=1, kind="stable")

    def binomial(self, n: Any, p: Any, size: Any = None) -> np.ndarray:
        """Binomial(n, p) by inversion: the smallest k with P(X <= k) >= u, P from
        ``scipy.special.bdtr``. Start at the Cornish-Fisher quantile (normal plus skewness
        term, continuity corrected), then step while P(X <= k) < u or P(X <= k-1) >= u:
        usually zero or one vectorised pass. Each value depends only on its own (u, n, p)."""
        from scipy.special import bdtr, ndtri

        shape = self._shape(size, n, p)
        u = self._open(shape)
        nn = np.broadcast_to(np.asarray(n, dtype=np.int64), shape)
        pp = np.broadcast_to(np.asarray(p, dtype=np.float64), shape)
        if nn.size and (nn.min() < 0 or not ((pp >= 0) & (pp <= 1)).all()):
            raise ValueError("binomial: n must be >= 0 and p in [0, 1]")
        nf = nn.astype(np.float64)
        q = np.clip(pp, 1e-300, 1.0)
        sd = np.sqrt(nf * q * (1.0 - q))
        z = ndtri(u)
        guess = nf * q + sd * z + (z * z - 1.0) * (1.0 - 2.0 * q) / 6.0 - 0.5
        k = np.clip(np.ceil(guess), 0.0, nf)
        at = bdtr(k, nn, pp)  # P(X <= k)
        below = np.zeros(shape)  # P(X <= k-1), 0 at k = 0
        i = np.nonzero(k > 0)
        below[i] = bdtr(k[i] - 1.0, nn[i], pp[i])
        up = at < u
        while up.any():  # the quantile is above k; only the moving entries are evaluated
            i = np.nonzero(up)
            k[i] += 1.0
            below[i] = at[i]
            at[i] = bdtr(k[i], nn[i], pp[i])
            up = at < u
        down = below >= u
        while down.any():  # the quantile is below k
            i = np.nonzero(down)
            k[i] -= 1.0
            at[i] = below[i]
            below[i] = np.where(k[i] > 0, bdtr(np.maximum(k[i] - 1.0, 0.0), nn[i], pp[i]), 0.0)
            down = below >= u
        return k.astype(np.int64)

    def exponential(self, scale: Any = 1.0, size: Any = None) -> np.ndarray:
        """Exponential with mean ``scale``."""
        u = self._open(self._shape(size, scale))
        return -np.log(u) * np.asarray(scale)

    def laplace(self, loc: Any = 0.0, scale: Any = 1.0, size: Any = None) -> np.ndarray:
        """Laplace(loc, scale)."""
        u = self._open(self._shape(size, loc, scale)) - 0.5
        return np.asarray(loc) - np.asarray(scale) * np.sign(u) * np.log1p(-2 * np.abs(u))

    def gumbel(self, loc: Any = 0.0, scale: Any = 1.0, size: Any = None) -> np.ndarray:
        """Gumbel(loc, scale)."""
        u = self._open(self._shape(size, loc, scale))
        return np.asarray(loc) - np.asarray(scale) * np.log(-np.log(u))

    def gamma(self, shape: Any, scale: Any = 1.0, size: Any = None) -> np.ndarray:
        """Gamma(shape, scale) by inverting the regularised lower incomplete gamma."""
        from scipy.special import gammaincinv

        u = self._open(self._shape(size, shape, scale))
        return np.asarray(gammaincinv(shape, u)) * np.asarray(scale)

    def beta(self, a: Any, b: Any, size: Any = None) -> np.ndarray:
        """Beta(a, b) by inverting the regularised incomplete beta."""
        from scipy.special import betaincinv

        return np.asarray(betaincinv(a, b, self._open(self._shape(size, a, b))))

    def dirichlet(self, alpha: Any, size: Any = None) -> np.ndarray:
        """Dirichlet(alpha): normalised gammas; ``size`` excludes the last (category) axis."""
        alpha = np.asarray(alpha, dtype=np.float64)
        lead = self._shape(size) if size is not None else self._shape(None, alpha[..., 0])
        g = self.gamma(np.broadcast_to(alpha, (*lead, alpha.shape[-1])))
        return g / g.sum(axis=-1, keepdims=True)


def stream(seed: int, replicates: int, *names: str, start: int = 0) -> Stream:
    """Stream ``names`` for rows ``start..start+replicates-1`` of run seed ``seed``."""
    return Stream(Rows.of(seed, replicates, start), *names)
