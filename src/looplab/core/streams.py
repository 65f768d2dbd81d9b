"""Per-replicate random streams: replicate i's numbers do not depend on how the work is split.

Every random draw of a run comes from a counter-based generator, Philox4x32-10 (Salmon,
Moraes, Dror & Shaw, "Parallel random numbers: as easy as 1, 2, 3", SC 2011). A block of
four 32-bit words is a pure function of a 64-bit key and a 128-bit counter,

    out = philox(key, counter),  key = run seed,
    counter = (block index, call index, replicate index, stream-name hash),

so the numbers a replicate receives depend only on (run seed, replicate index, stream name,
how many draws that stream has made), never on how many other replicates share the batch,
where the batch starts, or which machine runs it. The generator is evaluated for all rows of
a batch at once with numpy integer arithmetic, so there is no Python loop over replicates.

A :class:`Stream` mimics the part of ``numpy.random.Generator`` looplab uses (``random``,
``normal``, ``integers``, ``choice``, ``binomial``, ...), with one rule numpy does not have:
every draw's shape must lead with the replicate axis (length ``S``). Row ``r`` of a draw is
filled from row ``r``'s own counter range, so a row's values are the same whatever ``S``.
Continuous variates are inverse transforms of 53-bit uniforms (normal: ``ndtri``; gamma and
beta: the regularised incomplete-function inverses; binomial: its quantile function), which
makes each value a function of one uniform and so of the row's own counters only.

The scheme is versioned (:data:`STREAM_SCHEME`); results made under a different scheme are
not comparable bit for bit, and ``looplab compare`` refuses to pool them.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

STREAM_SCHEME = "philox4x32-10/rows-v1"
"""Recorded next to every run's results; bump it whenever any draw changes."""

_M0, _M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
_W0, _W1 = np.uint64(0x9E3779B9), np.uint64(0xBB67AE85)
_MASK = np.uint64(0xFFFFFFFF)
_SHIFT = np.uint64(32)
_COMMON = 0xFFFFFFFF  # replicate index reserved for draws shared by all replicates of a seed
MAX_REPLICATE = _COMMON - 1


def philox4x32(
    c0: Any, c1: Any, c2: Any, c3: Any, k0: Any, k1: Any, rounds: int = 10,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Philox4x32 on broadcastable uint64 arrays holding 32-bit words (Random123's reference
    rounds: multiply-high/low by M0, M1, xor with the key, Weyl key schedule W0, W1)."""
    c0, c1, c2, c3, k0, k1 = (np.asarray(x, dtype=np.uint64) for x in (c0, c1, c2, c3, k0, k1))
    for r in range(rounds):
        if r:
            k0 = (k0 + _W0) & _MASK
            k1 = (k1 + _W1) & _MASK
        p0 = _M0 * c0
        p1 = _M1 * c2
        c0, c1, c2, c3 = (p1 >> _SHIFT) ^ c1 ^ k0, p1 & _MASK, (p0 >> _SHIFT) ^ c3 ^ k1, p0 & _MASK
    return c0, c1, c2, c3


def name_key(*names: str) -> int:
    """A stable 32-bit key for a stream name (Python's ``hash`` is salted per process)."""
    return int.from_bytes(hashlib.sha256("/".join(names).encode()).digest()[:4], "little")


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
        self._calls = 0
        self._k0 = (rows.seeds & _MASK)[:, None]
        self._k1 = (rows.seeds >> _SHIFT)[:, None]
        reps = np.full(len(rows), _COMMON, dtype=np.uint64) if common else rows.replicates
        self._c2 = reps[:, None]
        self._c3 = np.uint64(name_key(*names))

    def __repr__(self) -> str:
        kind = "common " if self._common else ""
        return f"Stream({kind}{'/'.join(self.names)!r}, S={len(self.rows)}, calls={self._calls})"

    @property
    def state(self) -> tuple[Any, ...]:
        """What determines the next draw: names, common flag, call index and the rows."""
        return (self.names, self._common, self._calls, self.rows.seeds.tobytes(),
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

    def _uniform(self, shape: tuple[int, ...]) -> np.ndarray:
        """53-bit uniforms on [0, 1) of ``shape`` (leading S), one counter range per row."""
        n = int(np.prod(shape[1:], dtype=np.int64))
        call = self._calls
        self._calls += 1
        if call > 0xFFFFFFFF:
            raise OverflowError(f"stream {'/'.join(self.names)!r} exhausted its call counter")
        blocks = (n + 1) // 2
        if blocks > 0xFFFFFFFF:
            raise ValueError(f"a single draw of {n} values per replicate is too large")
        c0 = np.arange(blocks, dtype=np.uint64)[None, :]
        w0, w1, w2, w3 = philox4x32(c0, np.uint64(call), self._c2, self._c3, self._k0, self._k1)
        out = np.empty((self.S, blocks, 2))
        out[:, :, 0] = ((w0 >> np.uint64(5)) * np.uint64(67108864) + (w1 >> np.uint64(6)))
        out[:, :, 1] = ((w2 >> np.uint64(5)) * np.uint64(67108864) + (w3 >> np.uint64(6)))
        out *= 1.0 / 9007199254740992.0
        return out.reshape(self.S, 2 * blocks)[:, :n].reshape(shape)

    def _open(self, shape: tuple[int, ...]) -> np.ndarray:
        """Uniforms on the open interval (0, 1): safe for inverse CDFs at both ends."""
        return self._uniform(shape) + 0.5 / 9007199254740992.0

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
        """Binomial(n, p) by inversion: the smallest k with P(X <= k) >= u. Start at the
        normal approximation's quantile, take its exact CDF (``scipy.special.bdtr``) once,
        then walk to the quantile with the pmf recurrence; each value depends only on its
        own (u, n, p), and the walk is a few vectorised passes, not a loop per row."""
        from scipy.special import bdtr, gammaln, ndtri

        shape = self._shape(size, n, p)
        u = self._open(shape)
        nn = np.broadcast_to(np.asarray(n, dtype=np.int64), shape)
        pp = np.broadcast_to(np.asarray(p, dtype=np.float64), shape)
        if np.any(nn < 0) or np.any((pp < 0) | (pp > 1) | np.isnan(pp)):
            raise ValueError("binomial: n must be >= 0 and p in [0, 1]")
        inner = (pp > 0) & (pp < 1) & (nn > 0)
        q = np.where(inner, pp, 0.5)
        nf = nn.astype(np.float64)
        k = np.clip(np.floor(nf * q + np.sqrt(nf * q * (1 - q)) * ndtri(u)), 0, nf)
        cdf = bdtr(k.astype(np.int64), nn, q)
        logpmf = (gammaln(nf + 1) - gammaln(k + 1) - gammaln(nf - k + 1)
                  + k * np.log(q) + (nf - k) * np.log1p(-q))
        pmf = np.exp(logpmf)
        odds = q / (1 - q)
        up = inner & (cdf < u)
        while np.any(up):  # P(X <= k) < u: step to k + 1
            pmf = np.where(up, pmf * (nf - k) / (k + 1) * odds, pmf)
            k = np.where(up, k + 1, k)
            cdf = np.where(up, cdf + pmf, cdf)
            up = up & (cdf < u) & (k < nf)
        down = inner & (k > 0) & (cdf - pmf >= u)
        while np.any(down):  # P(X <= k - 1) >= u: step to k - 1
            cdf = np.where(down, cdf - pmf, cdf)
            pmf = np.where(down, pmf * k / (nf - k + 1) / odds, pmf)
            k = np.where(down, k - 1, k)
            down = down & (k > 0) & (cdf - pmf >= u)
        out = np.where(inner, k, np.where(pp >= 1, nf, 0.0))
        return out.astype(np.int64)

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
