"""Preference feedback data: pairwise comparisons and pointwise observational feedback.

Two shapes, as the reward-modeling papers use them:

* ``PairwiseData``: two items per row as feature vectors (``xa`` shown first, ``xb``
  second), the observed label ``label`` (1 = ``xa`` preferred), the annotator id, and
  optionally the observed multi-factor outcomes of both items (HERON).
* ``PointwiseData``: one item per row (CausalRM's observational feedback), the observation
  indicator ``observed`` with its propensity ``propensity`` = P(observed | item), and the
  noisy binary label ``label`` (a click or upvote; meaningful only where observed).

Each simulated data set carries a hidden ``truth`` table (true rewards, true labels, which
labels were flipped). Fitting code never reads ``truth``; metrics and monitors do.

Simulated sources (all randomness through a ``numpy.random.Generator``, a per-replicate
``looplab.core.streams.Stream`` whose draws lead with the replicate axis, or a
:class:`RowBlocks` view of one for flat data sets of ``S`` blocks of ``n`` rows):
Bradley-Terry annotators with a temperature, random label flips, position bias (the first
shown item gets an extra logit), and observational selection bias (feedback observed with
propensity ``alpha ** max(0, r_hi - r)``, low true reward => rarely observed; the CausalRM
benchmark's ``propensity = alpha^(max_reward - reward)``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import special

from looplab.core.streams import Stream

Array = np.ndarray


class RowBlocks:
    """A flat view of a per-replicate :class:`Stream` for simulators that draw flat arrays.

    A data set of ``S`` replicates x ``n`` rows each is stored flat, (S * n, ...), replicate
    ``r`` owning rows ``r * n .. (r + 1) * n - 1``. A draw of leading size ``S * n`` is
    made as (S, n, ...) from the stream and flattened, so replicate ``r``'s rows come from
    its own counters only: its data do not depend on how many replicates share the batch
    (issue 19)."""

    def __init__(self, stream: Stream, n: int) -> None:
        if n <= 0:
            raise ValueError(f"n must be > 0, got {n}")
        self.stream, self.n = stream, n

    def _blocks(self, size: Any) -> tuple[tuple[int, ...], tuple[int, ...]]:
        shape = (int(size),) if np.ndim(size) == 0 else tuple(int(x) for x in size)
        S, n = self.stream.S, self.n
        if not shape or shape[0] != S * n:
            raise ValueError(f"RowBlocks: a draw must lead with S * n = {S} * {n} rows; "
                             f"got shape {shape}")
        return shape, (S, n, *shape[1:])

    def standard_normal(self, size: Any) -> Array:
        """Standard normal, replicate by replicate."""
        flat, blocks = self._blocks(size)
        return self.stream.standard_normal(blocks).reshape(flat)

    def random(self, size: Any) -> Array:
        """Uniform on [0, 1), replicate by replicate."""
        flat, blocks = self._blocks(size)
        return self.stream.random(blocks).reshape(flat)

    def integers(self, low: Any, high: Any = None, size: Any = None) -> Array:
        """Integers in [low, high) (scalar bounds), replicate by replicate."""
        flat, blocks = self._blocks(size)
        return self.stream.integers(low, high, size=blocks).reshape(flat)


Rng = np.random.Generator | Stream | RowBlocks
"""What the simulators draw from (see the module docstring)."""


def _as_2d(x: Array, name: str) -> Array:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (rows, features), got shape {a.shape}")
    if a.shape[0] == 0:
        raise ValueError(f"{name} is empty: a preference data set needs at least one row")
    if not np.isfinite(a).all():
        raise ValueError(f"{name} contains NaN or inf")
    return a


def _binary(y: Array, name: str, n: int, allow_ties: bool = False) -> Array:
    a = np.asarray(y, dtype=np.float64)
    if a.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},), got {a.shape}")
    allowed = (0.0, 0.5, 1.0) if allow_ties else (0.0, 1.0)
    bad = ~np.isin(a, allowed)
    if bad.any():
        got = a[bad][0]
        raise ValueError(
            f"{name} must be in {{{', '.join(str(v) for v in allowed)}}}, got {got!r}"
            + ("" if allow_ties else " (ties are not allowed here)")
        )
    return a


@dataclass(frozen=True)
class PairTruth:
    """Hidden truth of a pairwise data set: true rewards of both items, the true label
    1[r_a > r_b], and which observed labels were flipped by annotation error."""

    reward_a: Array
    reward_b: Array
    flipped: Array

    @property
    def label(self) -> Array:
        return (self.reward_a > self.reward_b).astype(np.float64)


@dataclass(frozen=True)
class PairwiseData:
    """Pairwise comparisons: ``label[i] = 1`` means ``xa[i]`` was preferred over ``xb[i]``.

    ``factors_a/b`` (optional, (n, K)) are observed multi-factor outcomes (HERON);
    ``truth`` is the hidden truth table (None for real data).
    """

    xa: Array
    xb: Array
    label: Array
    annotator: Array | None = None
    factors_a: Array | None = None
    factors_b: Array | None = None
    truth: PairTruth | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        xa, xb = _as_2d(self.xa, "xa"), _as_2d(self.xb, "xb")
        if xa.shape != xb.shape:
            raise ValueError(
                f"xa and xb must have the same shape (rows, features); got {xa.shape} vs {xb.shape}"
            )
        object.__setattr__(self, "xa", xa)
        object.__setattr__(self, "xb", xb)
        object.__setattr__(self, "label", _binary(self.label, "label", xa.shape[0]))
        ann = self.annotator
        ann = np.zeros(xa.shape[0], dtype=np.int64) if ann is None else np.asarray(ann)
        if ann.shape != (xa.shape[0],):
            raise ValueError(f"annotator must have shape ({xa.shape[0]},), got {ann.shape}")
        object.__setattr__(self, "annotator", ann)
        if (self.factors_a is None) != (self.factors_b is None):
            raise ValueError("factors_a and factors_b must be given together")
        if self.factors_a is not None and self.factors_b is not None:
            fa, fb = _as_2d(self.factors_a, "factors_a"), _as_2d(self.factors_b, "factors_b")
            if fa.shape != fb.shape or fa.shape[0] != xa.shape[0]:
                raise ValueError(
                    f"factors_a/factors_b must both have {xa.shape[0]} rows and equal shape; "
                    f"got {fa.shape} vs {fb.shape}"
                )
            object.__setattr__(self, "factors_a", fa)
            object.__setattr__(self, "factors_b", fb)

    @property
    def n(self) -> int:
        return int(self.xa.shape[0])

    @property
    def dim(self) -> int:
        return int(self.xa.shape[1])

    def subset(self, idx: Array) -> PairwiseData:
        """Rows ``idx`` (truth included)."""
        t = self.truth
        assert self.annotator is not None  # __post_init__ always fills it
        return replace(
            self,
            xa=self.xa[idx], xb=self.xb[idx], label=self.label[idx],
            annotator=self.annotator[idx],
            factors_a=None if self.factors_a is None else self.factors_a[idx],
            factors_b=None if self.factors_b is None else self.factors_b[idx],
            truth=None if t is None else PairTruth(
                t.reward_a[idx], t.reward_b[idx], t.flipped[idx]
            ),
        )


def concat_pairs(parts: Sequence[PairwiseData]) -> PairwiseData:
    """Row-wise concatenation of pairwise data sets (truth kept only if all have it)."""
    if not parts:
        raise ValueError("concat_pairs needs at least one data set")
    cat = np.concatenate
    truth = None
    if all(p.truth is not None for p in parts):
        truth = PairTruth(
            cat([p.truth.reward_a for p in parts]),  # type: ignore[union-attr]
            cat([p.truth.reward_b for p in parts]),  # type: ignore[union-attr]
            cat([p.truth.flipped for p in parts]),  # type: ignore[union-attr]
        )
    fac = all(p.factors_a is not None for p in parts)
    return PairwiseData(
        xa=cat([p.xa for p in parts]), xb=cat([p.xb for p in parts]),
        label=cat([p.label for p in parts]), annotator=cat([p.annotator for p in parts]),
        factors_a=cat([p.factors_a for p in parts]) if fac else None,
        factors_b=cat([p.factors_b for p in parts]) if fac else None,
        truth=truth,
    )


@dataclass(frozen=True)
class PointTruth:
    """Hidden truth of pointwise feedback: the true reward of each item (what selection
    depended on) and its true binary label."""

    reward: Array
    label: Array


@dataclass(frozen=True)
class PointwiseData:
    """Observational feedback (CausalRM): item features ``x``, observation indicator
    ``observed``, its propensity P(observed | item) in (0, 1], and the noisy binary label
    (only meaningful where observed). ``noise_rates`` = (rho_10, rho_01) =
    (P(label 1 -> 0), P(label 0 -> 1)) when known to the analyst, else None."""

    x: Array
    observed: Array
    propensity: Array
    label: Array
    noise_rates: tuple[float, float] | None = None
    truth: PointTruth | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        x = _as_2d(self.x, "x")
        n = x.shape[0]
        obs = np.asarray(self.observed).astype(bool)
        if obs.shape != (n,):
            raise ValueError(f"observed must have shape ({n},), got {obs.shape}")
        if not obs.any():
            raise ValueError("observed is all False: no feedback to learn from")
        p = np.asarray(self.propensity, dtype=np.float64)
        if p.shape != (n,):
            raise ValueError(f"propensity must have shape ({n},), got {p.shape}")
        if not ((p > 0) & (p <= 1)).all():
            bad = p[~((p > 0) & (p <= 1))][0]
            raise ValueError(f"propensity must be in (0, 1], got {bad!r}")
        lab = np.asarray(self.label, dtype=np.float64)
        _binary(lab[obs], "label (observed rows)", int(obs.sum()))
        if self.noise_rates is not None:
            r10, r01 = (float(v) for v in self.noise_rates)
            if not (0 <= r10 < 1 and 0 <= r01 < 1 and r10 + r01 < 1):
                raise ValueError(
                    f"noise_rates (rho_10, rho_01) must be in [0, 1) with sum < 1, "
                    f"got {self.noise_rates}"
                )
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "observed", obs)
        object.__setattr__(self, "propensity", p)
        object.__setattr__(self, "label", np.where(obs, lab, 0.0))

    @property
    def n(self) -> int:
        return int(self.x.shape[0])

    def subset(self, idx: Array) -> PointwiseData:
        """Rows ``idx`` (truth included)."""
        t = self.truth
        return replace(
            self, x=self.x[idx], observed=self.observed[idx], propensity=self.propensity[idx],
            label=self.label[idx],
            truth=None if t is None else PointTruth(t.reward[idx], t.label[idx]),
        )

    @property
    def dim(self) -> int:
        return int(self.x.shape[1])


# --------------------------------------------------------------------------- the world


@dataclass(frozen=True)
class FeatureTask:
    """A synthetic context x response world with a hidden true reward.

    Contexts ``c`` (dim ``context_dim``) and responses ``r`` (dim ``response_dim``) are
    standard normal; the model-visible feature vector is ``phi(c, r) = [c, r, vec(c r^T)]``.
    True reward (about unit variance):
    ``r*(c, r) = r.(b + A c) + nonlinearity * (tanh(U phi) . v)``;
    the interaction ``A c`` makes nearby contexts prefer different responses (so
    near-duplicate consistency is testable), ``nonlinearity`` makes a linear reward model
    misspecified. ``factor_weights`` splits the reward into K observable factors (HERON).
    """

    context_dim: int = 4
    response_dim: int = 4
    nonlinearity: float = 0.0
    seed: int = 0
    n_factors: int = 3

    if TYPE_CHECKING:  # hidden parameters set in __post_init__ (not dataclass fields)
        _b: Array = field(init=False, repr=False, compare=False)
        _A: Array = field(init=False, repr=False, compare=False)
        _U: Array = field(init=False, repr=False, compare=False)
        _v: Array = field(init=False, repr=False, compare=False)
        _F: Array = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.context_dim < 1 or self.response_dim < 1:
            raise ValueError("context_dim and response_dim must be >= 1")
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, 0xFEA7]))
        c, r = self.context_dim, self.response_dim
        d = self.dim
        object.__setattr__(self, "_b", rng.normal(0, np.sqrt(0.5 / r), r))
        object.__setattr__(self, "_A", rng.normal(0, np.sqrt(0.5 / (r * c)), (r, c)))
        object.__setattr__(self, "_U", rng.normal(0, 1.0 / np.sqrt(d), (8, d)))
        object.__setattr__(self, "_v", rng.normal(0, 1.0 / np.sqrt(8 * 0.4), 8))
        # factor k of the reward: a fixed random split of the linear part + noise-free
        object.__setattr__(self, "_F", rng.normal(0, 1.0 / np.sqrt(d), (self.n_factors, d)))

    @property
    def dim(self) -> int:
        return self.context_dim + self.response_dim + self.context_dim * self.response_dim

    def features(self, c: Array, r: Array) -> Array:
        """phi(c, r) for broadcastable (..., context_dim) and (..., response_dim)."""
        c, r = np.broadcast_arrays(c[..., :, None], r[..., None, :])
        outer = (c * r).reshape(*c.shape[:-2], -1)
        return np.concatenate([c[..., :, 0], r[..., 0, :], outer], axis=-1)

    def reward_of_features(self, phi: Array) -> Array:
        """True reward r* as a function of the feature vector (hidden from learners)."""
        cd, rd = self.context_dim, self.response_dim
        r = phi[..., cd : cd + rd]
        outer = phi[..., cd + rd :].reshape(*phi.shape[:-1], cd, rd)
        lin = r @ self._b + np.einsum("...cr,rc->...", outer, self._A)
        if self.nonlinearity == 0.0:
            return lin
        return lin + self.nonlinearity * (np.tanh(phi @ self._U.T) @ self._v)

    def factors_of_features(self, phi: Array) -> Array:
        """K observable outcome factors of an item (HERON's reward factors)."""
        return phi @ self._F.T

    def sample_items(self, n: int, rng: Rng) -> Array:
        """Features of ``n`` independent random (context, response) items."""
        c = rng.standard_normal((n, self.context_dim))
        r = rng.standard_normal((n, self.response_dim))
        return self.features(c, r)

    def sample_context_pairs(self, n: int, rng: Rng) -> tuple[Array, Array]:
        """``n`` pairs of items sharing a context (the usual comparison setup)."""
        c = rng.standard_normal((n, self.context_dim))
        ra = rng.standard_normal((n, self.response_dim))
        rb = rng.standard_normal((n, self.response_dim))
        return self.features(c, ra), self.features(c, rb)

    def contrast_sets(
        self, n: int, rng: np.random.Generator, cos_band: tuple[float, float] = (0.75, 0.9),
        pool: int = 16,
    ) -> tuple[Array, Array, Array, Array]:
        """Contrast-Instructions analogue: ``n`` sets (x11, x12, x21, x22) where contexts
        c1, c2 are near duplicates (cosine in ``cos_band``), response R1 is the true best of a
        random pool for c1 and R2 for c2, R1 != R2; x_ij = phi(c_i, R_j). A consistent
        reward model ranks x11 > x12 and x22 > x21."""
        out: list[tuple[Array, ...]] = []
        got = 0
        while got < n:
            m = 2 * (n - got) + 16
            c1 = rng.standard_normal((m, self.context_dim))
            u = rng.standard_normal((m, self.context_dim))
            u -= (u * c1).sum(1, keepdims=True) / (c1 * c1).sum(1, keepdims=True) * c1
            norm = np.linalg.norm
            u *= norm(c1, axis=1, keepdims=True) / norm(u, axis=1, keepdims=True)
            cos = rng.uniform(*cos_band, size=(m, 1))
            c2 = cos * c1 + np.sqrt(1 - cos**2) * u
            R = rng.standard_normal((m, pool, self.response_dim))
            r1 = self.reward_of_features(self.features(c1[:, None, :], R)).argmax(1)
            r2 = self.reward_of_features(self.features(c2[:, None, :], R)).argmax(1)
            keep = np.flatnonzero(r1 != r2)[: n - got]
            rows = np.arange(m)
            R1, R2 = R[rows, r1][keep], R[rows, r2][keep]
            a, b = c1[keep], c2[keep]
            out.append((self.features(a, R1), self.features(a, R2),
                        self.features(b, R1), self.features(b, R2)))
            got += keep.size
        return tuple(np.concatenate([o[i] for o in out]) for i in range(4))  # type: ignore[return-value]


# ------------------------------------------------------------------- feedback sources


@dataclass(frozen=True)
class PairwiseSource:
    """Simulated annotators comparing two items.

    P(first shown wins) = sigmoid((r*_a - r*_b) / T_k + position_bias) for annotator k with
    temperature T_k (Bradley-Terry; T -> 0 is a perfect annotator); then each label is
    flipped with probability ``flip_rate`` (annotation error).
    """

    temperatures: tuple[float, ...] = (1.0,)
    flip_rate: float = 0.0
    position_bias: float = 0.0

    def __post_init__(self) -> None:
        if not self.temperatures or any(t <= 0 for t in self.temperatures):
            raise ValueError(f"temperatures must be > 0, got {self.temperatures}")
        if not 0.0 <= self.flip_rate < 0.5:
            raise ValueError(f"flip_rate must be in [0, 0.5), got {self.flip_rate}")

    def label(
        self, ra: Array, rb: Array, rng: Rng
    ) -> tuple[Array, Array, Array]:
        """(label, annotator, flipped) for true rewards ``ra``, ``rb`` of shape (..., n)."""
        temps = np.asarray(self.temperatures)
        ann = rng.integers(0, temps.size, size=np.shape(ra))
        p = special.expit((ra - rb) / temps[ann] + self.position_bias)
        lab = (rng.random(np.shape(ra)) < p).astype(np.float64)
        flipped = rng.random(np.shape(ra)) < self.flip_rate
        return np.where(flipped, 1.0 - lab, lab), ann, flipped


@dataclass(frozen=True)
class PointwiseSource:
    """Simulated users giving observational thumbs-up feedback (CausalRM's setting).

    Realized reward ``r = r*(x) + latent_sd * eps``; true label ``y = 1[r > threshold]``;
    observed with propensity ``p = alpha ** max(0, r_hi - r)`` (alpha = 1: no selection
    bias); observed labels flipped with P(1 -> 0) = ``r10`` and P(0 -> 1) = ``r01``.

    The propensity recorded in the data is this oracle value, as in CausalRM's experiments
    with known propensities. Being a function of the realized reward, it carries the latent
    noise that the features cannot explain (a learner could invert it where unclipped).
    A review replaced it with E[p | x]: CausalRM's gain over the naive loss went from
    0.055 / 0.122 (AUROC / Spearman) to 0.049 / 0.119, so the claim does not rest on it.
    """

    alpha: float = 1.0
    r_hi: float = 2.0
    r10: float = 0.0
    r01: float = 0.0
    threshold: float = 0.0
    latent_sd: float = 0.5
    min_propensity: float = 1e-3

    def __post_init__(self) -> None:
        if not 0.0 < self.alpha <= 1.0:
            raise ValueError(f"alpha must be in (0, 1], got {self.alpha}")
        if not (0 <= self.r10 < 1 and 0 <= self.r01 < 1 and self.r10 + self.r01 < 1):
            raise ValueError(f"r10, r01 must be in [0, 1) with r10 + r01 < 1, got "
                             f"{self.r10}, {self.r01}")
        if not 0.0 < self.min_propensity <= 1.0:
            raise ValueError(f"min_propensity must be in (0, 1], got {self.min_propensity}")

    def observe(
        self, reward: Array, rng: Rng
    ) -> tuple[Array, Array, Array, Array, Array]:
        """(observed, propensity, noisy label, true label, realized reward) per item."""
        shape = np.shape(reward)
        real = reward + self.latent_sd * rng.standard_normal(shape)
        y = (real > self.threshold).astype(np.float64)
        p = np.clip(self.alpha ** np.maximum(0.0, self.r_hi - real), self.min_propensity, 1.0)
        obs = rng.random(shape) < p
        u = rng.random(shape)
        noisy = np.where(y == 1.0, (u >= self.r10), (u < self.r01)).astype(np.float64)
        return obs, p, np.where(obs, noisy, 0.0), y, real


def simulate_pairs(
    task: FeatureTask, n: int, source: PairwiseSource, rng: Rng,
    factors: bool = False,
) -> PairwiseData:
    """``n`` same-context comparisons labeled by ``source`` (truth attached)."""
    if n <= 0:
        raise ValueError(f"n must be > 0, got {n}")
    xa, xb = task.sample_context_pairs(n, rng)
    return label_pairs(task, xa, xb, source, rng, factors=factors)


def label_pairs(
    task: FeatureTask, xa: Array, xb: Array, source: PairwiseSource, rng: Rng,
    factors: bool = False,
) -> PairwiseData:
    """Label given item pairs with ``source``; attach the hidden truth."""
    ra, rb = task.reward_of_features(xa), task.reward_of_features(xb)
    lab, ann, flipped = source.label(ra, rb, rng)
    return PairwiseData(
        xa=xa, xb=xb, label=lab, annotator=ann,
        factors_a=task.factors_of_features(xa) if factors else None,
        factors_b=task.factors_of_features(xb) if factors else None,
        truth=PairTruth(ra, rb, flipped),
    )


def simulate_pointwise(
    task: FeatureTask, n: int, source: PointwiseSource, rng: Rng,
    items: Array | None = None,
) -> PointwiseData:
    """Observational feedback on ``n`` random items (or on the given ``items``)."""
    x = task.sample_items(n, rng) if items is None else np.asarray(items, dtype=np.float64)
    obs, p, lab, y, real = source.observe(task.reward_of_features(x), rng)
    return PointwiseData(
        x=x, observed=obs, propensity=p, label=lab, noise_rates=(source.r10, source.r01),
        truth=PointTruth(reward=real, label=y),
    )


# ------------------------------------------------------------------------- loading


def load_pairs(
    path: str | Path,
    *,
    features_a: Sequence[str],
    features_b: Sequence[str],
    label: str,
    annotator: str | None = None,
    label_map: Mapping[object, float] | None = None,
) -> PairwiseData:
    """A user's own pairs from Parquet, CSV or JSONL, with an explicit column mapping.

    ``features_a``/``features_b`` name the feature columns of the first/second item (same
    length, in matching order); ``label`` is 1 when the first item is preferred, 0 otherwise
    (use ``label_map`` to translate e.g. {"choice1": 1, "choice2": 0}).
    """
    import pandas as pd

    p = Path(path)
    suffix = p.suffix.lower()
    readers = {".parquet": pd.read_parquet, ".csv": pd.read_csv,
               ".jsonl": lambda f: pd.read_json(f, lines=True)}
    if suffix not in readers:
        raise ValueError(f"unsupported file type {suffix!r}; allowed: .parquet, .csv, .jsonl")
    if not p.exists():
        raise ValueError(f"no such file: {p}")
    frame = readers[suffix](p)
    return pairs_from_frame(frame, features_a=features_a, features_b=features_b, label=label,
                            annotator=annotator, label_map=label_map)


def pairs_from_frame(
    frame: object,
    *,
    features_a: Sequence[str],
    features_b: Sequence[str],
    label: str,
    annotator: str | None = None,
    label_map: Mapping[object, float] | None = None,
) -> PairwiseData:
    """``PairwiseData`` from a pandas DataFrame with the column mapping of ``load_pairs``."""
    import pandas as pd

    assert isinstance(frame, pd.DataFrame)
    if len(features_a) != len(features_b) or not features_a:
        raise ValueError(
            f"features_a and features_b must name the same number (>= 1) of columns, got "
            f"{len(features_a)} and {len(features_b)}"
        )
    wanted = [*features_a, *features_b, label] + ([annotator] if annotator else [])
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise ValueError(f"columns not found: {missing}; available: {list(frame.columns)}")
    lab = frame[label]
    if label_map is not None:
        unknown = set(lab.unique()) - set(label_map)
        if unknown:
            raise ValueError(f"label values {sorted(map(str, unknown))} not in label_map "
                             f"keys {sorted(map(str, label_map))}")
        lab = lab.map(label_map)
    ann = None
    if annotator:
        ann = pd.factorize(frame[annotator])[0]
    return PairwiseData(
        xa=frame[list(features_a)].to_numpy(np.float64),
        xb=frame[list(features_b)].to_numpy(np.float64),
        label=lab.to_numpy(np.float64), annotator=ann,
    )
