"""RationalRewards (2026, "RationalRewards: Reasoning Rewards Scale Visual Generation at
Training and Test Time") on a controlled world: a reward model that writes an
attribute-level critique before its score, trained with PARROT (preference-anchored
rationales + consistency filter), against a scalar Bradley-Terry reward model; and the
test-time generate-critique-refine loop.

World. Items have K latent attributes a ~ N(0, I_K); the true reward is r = sum_k w_k tanh(a_k) with
w = ``weights`` (each attribute saturates, so improving a weak attribute pays more than
polishing a strong one: the premise of critique-guided refinement). A reward model sees
x = [a + ``obs_sd`` eps, s]: noisy attribute readings
and a *spurious* attribute s, which in the training data tracks the reward
(s = rho z(r) + sqrt(1 - rho^2) eta, rho = ``spurious_rho``) and at test time is pure noise
(eta); an i.i.d. test set keeps the training correlation. Pair labels are Bradley-Terry:
y = 1[r_i - r_j + logistic noise > 0].

Scalar BT: logistic regression of y on d = x_i - x_j (no intercept, ridge ``l2``).

PARROT critique model. (1) anchored generation: a teacher that knows the label writes one
verdict per attribute, c_k = 1[(a_ik - a_jk) + ``teacher_sd`` eps + ``anchor`` (2y - 1) > 0]
(its uncertain calls lean toward the known winner); (2) consistency filter: keep a pair only
if an un-anchored reader of the rationale recovers the label, i.e. the majority of the
attribute verdicts (equal weights: the reader does not know w) agrees with y (ties kept);
(3) distillation: one logistic head per attribute, c_k ~ d (the critique), then an
aggregator y ~ [head_k(d)]_k (the score after the critique), both on the kept pairs. The
paper's student is an 8B VLM; the heads are its attribute-level rationale in miniature.

Generate-critique-refine (no parameter update). For each test item the critique model
rates every attribute against the pool's average item (head_k(x - mean x)) and the
aggregator weight says how much it matters; the item is regenerated with the attribute
that loses most (min_k beta_k head_k) raised by ``refine_step`` (the prompt rewrite
"improve k"). Baseline: the scalar model gives no rationale, so the rewrite picks an
attribute at random. Metric: the true-reward gain.

Every replicate draws its own data from its own streams (``looplab.core.streams``; ``rows``
says which (seed, replicate) each batch row is), and the spurious attribute's z(r) is
standardized within the replicate, so a replicate's numbers do not depend on the batch it
runs in; fits are batched over replicates (Newton steps on the
ridge logistic loss, ``looplab`` has no per-replicate Python loop here).
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from looplab.core.params import Params
from looplab.core.streams import Rows, Stream
from looplab.experiments.claims import Claim, diff


class RationalWorld(Params):
    """Items with latent attributes, a spurious attribute, BT preference labels."""

    weights: tuple[float, ...] = (1.0, 0.8, 0.6, 0.4)
    obs_sd: float = Field(0.5, ge=0.0)
    spurious_rho: float = Field(0.8, ge=0.0, lt=1.0)
    teacher_sd: float = Field(0.5, ge=0.0)
    anchor: float = Field(0.3, ge=0.0)
    l2: float = Field(1e-2, gt=0.0)
    n_train: tuple[int, ...] = (32, 64, 128, 512)
    n_test: int = Field(2000, ge=10)
    refine_step: float = Field(1.0, gt=0.0)


def _fit_logistic(X: np.ndarray, y: np.ndarray, mask: np.ndarray, l2: float,
                  iters: int = 25) -> np.ndarray:
    """(S, D) ridge logistic regression without intercept by Newton's method, batched over
    replicates; rows with mask 0 are ignored."""
    S, _n, D = X.shape
    w = np.zeros((S, D))
    cnt = np.maximum(mask.sum(1), 1.0)[:, None]
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-np.einsum("snd,sd->sn", X, w)))
        g = np.einsum("sn,snd->sd", mask * (p - y), X) / cnt + l2 * w
        h = np.einsum("sn,snd,sne->sde", mask * p * (1 - p), X, X) / cnt[..., None] \
            + l2 * np.eye(D)
        w = w - np.linalg.solve(h, g[..., None])[..., 0]
    return w


def _items(world: RationalWorld, S: int, n: int, rng: Stream, rho: float
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(attributes (S, n, K), observed x (S, n, K+1), true reward (S, n))."""
    w = np.asarray(world.weights)
    a = rng.standard_normal((S, n, w.size))
    r = np.tanh(a) @ w
    z = r / (r.std(1, keepdims=True) + 1e-12)  # z(r) within the replicate's own sample
    s = rho * z + np.sqrt(1 - rho**2) * rng.standard_normal((S, n))
    x = np.concatenate([a + world.obs_sd * rng.standard_normal(a.shape), s[..., None]], -1)
    return a, x, r


def _pairs(world: RationalWorld, S: int, n: int, rng: Stream, rho: float
           ) -> dict[str, np.ndarray]:
    ai, xi, ri = _items(world, S, n, rng, rho)
    aj, xj, rj = _items(world, S, n, rng, rho)
    u = rng.random((S, n))
    y = (ri - rj + np.log(u / (1 - u)) > 0).astype(np.float64)
    return {"da": ai - aj, "d": xi - xj, "y": y, "truth": (ri > rj).astype(np.float64)}


def _critique_fit(world: RationalWorld, tr: dict[str, np.ndarray], rng: Stream
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PARROT: (heads (S, K, D), aggregator (S, K), kept share (S,))."""
    _S, _n, K = tr["da"].shape
    sign = (2 * tr["y"] - 1)[..., None]
    c = (tr["da"] + world.teacher_sd * rng.standard_normal(tr["da"].shape)
         + world.anchor * sign > 0).astype(np.float64)  # anchored rationale
    vote = (2 * c - 1).sum(-1)
    keep = ((vote * sign[..., 0]) >= 0).astype(np.float64)  # consistency filter
    heads = np.stack([_fit_logistic(tr["d"], c[..., k], keep, world.l2) for k in range(K)], 1)
    h = np.einsum("snd,skd->snk", tr["d"], heads)
    agg = _fit_logistic(h, tr["y"], keep, world.l2)
    return heads, agg, keep.mean(1)


def _acc(score: np.ndarray, truth: np.ndarray) -> np.ndarray:
    return ((score > 0) == (truth > 0)).mean(1)


def run_rational(world: RationalWorld, rows: Rows | int, seed: int = 0
                 ) -> dict[str, np.ndarray]:
    """{metric: (S,)}: ``acc_<model>_<n>`` (out-of-distribution test accuracy against the
    noise-free truth), ``iid_<model>_<n>`` (i.i.d. test), ``drop_<model>`` (i.i.d. minus
    o.o.d. at the largest n), ``kept`` (share of rationales the filter keeps),
    ``gain_critique`` / ``gain_random`` (true-reward gain of one refinement step, model
    trained on the largest n), ``spurious_weight_<model>`` (weight on s, largest n)."""
    rows = rows if isinstance(rows, Rows) else Rows.of(seed, rows)
    S = len(rows)
    t_rng, c_rng, e_rng = (Stream(rows, "world-instance"), Stream(rows, "channel"),
                           Stream(rows, "policy"))
    ood = _pairs(world, S, world.n_test, e_rng, 0.0)
    iid = _pairs(world, S, world.n_test, e_rng, world.spurious_rho)
    full = _pairs(world, S, max(world.n_train), t_rng, world.spurious_rho)
    out: dict[str, np.ndarray] = {}
    for n in world.n_train:
        tr = {k: v[:, :n] for k, v in full.items()}
        ones = np.ones((S, n))
        w_bt = _fit_logistic(tr["d"], tr["y"], ones, world.l2)
        heads, agg, kept = _critique_fit(world, tr, c_rng)
        for name, score in (("scalar", lambda d, w_bt=w_bt: np.einsum("snd,sd->sn", d, w_bt)),
                            ("critique", lambda d, heads=heads, agg=agg: np.einsum(
                                "snk,sk->sn", np.einsum("snd,skd->snk", d, heads), agg))):
            out[f"acc_{name}_{n}"] = _acc(score(ood["d"]), ood["truth"])
            out[f"iid_{name}_{n}"] = _acc(score(iid["d"]), iid["truth"])
        out["kept"] = kept
    big = max(world.n_train)
    for name in ("scalar", "critique"):
        out[f"drop_{name}"] = out[f"iid_{name}_{big}"] - out[f"acc_{name}_{big}"]
    out["spurious_weight_scalar"] = w_bt[:, -1]
    out["spurious_weight_critique"] = np.einsum("skd,sk->sd", heads, agg)[:, -1]

    # generate-critique-refine on fresh o.o.d. items (no parameter update)
    a, x, _r = _items(world, S, world.n_test, e_rng, 0.0)
    rel = x - x.mean(1, keepdims=True)
    contrib = np.einsum("snd,skd->snk", rel, heads) * agg[:, None, :]
    k_star = contrib.argmin(-1)
    wv = np.asarray(world.weights)

    def gain(k: np.ndarray) -> np.ndarray:
        ak = np.take_along_axis(a, k[..., None], -1)[..., 0]
        return (wv[k] * (np.tanh(ak + world.refine_step) - np.tanh(ak))).mean(1)

    out["gain_critique"] = gain(k_star)
    out["gain_random"] = gain(e_rng.integers(0, wv.size, k_star.shape))
    return out


def summarize(out: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """A claims-ready summary {model: {stem_mean, stem_ci_low, stem_ci_high}}: arms
    ``scalar`` and ``critique`` carry ``acc_<n>``, ``iid_<n>``, ``drop``,
    ``spurious_weight`` and ``gain`` (the refinement gain; ``scalar`` = random attribute)."""
    from looplab.stats import mean_ci

    arms: dict[str, dict[str, float]] = {"scalar": {}, "critique": {}}
    for key, v in out.items():
        for arm in arms:
            stem = None
            if key.startswith(f"acc_{arm}_") or key.startswith(f"iid_{arm}_"):
                stem = key.replace(f"_{arm}", "")
            elif key in (f"drop_{arm}", f"spurious_weight_{arm}"):
                stem = key.rsplit("_", 1)[0]
            elif key == {"scalar": "gain_random", "critique": "gain_critique"}[arm]:
                stem = "gain"
            if stem is not None:
                m, lo, hi = mean_ci(v)
                arms[arm].update({f"{stem}_mean": m, f"{stem}_ci_low": lo, f"{stem}_ci_high": hi})
    return arms


RATIONAL = "RationalRewards (2026), PARROT"
# margins fixed before the first claim run (seed 1, 5 blocks of 4 replicates); seed 0 was
# used while building the world. Since issue 19 (replicate rows, stream scheme rows-v2) the
# claims are decided on run seeds 0..4 x 4 replicates, the runs of
# ``looplab claims judge-rationalrewards --seeds 0..4 --set replicates=4``.

CLAIMS = (
    Claim("rationalrewards-data-efficient", "with 64 training pairs the critique model's "
          "o.o.d. accuracy beats scalar BT's by >= 0.01", RATIONAL,
          diff("critique", "acc_64", "scalar"), ">=", 0.01, not_reproduced=("*",),
          note="seeds 0..4 (4 replicates each): critique - scalar o.o.d. accuracy at n=64 = "
          "+0.061, +0.059, +0.022, -0.000, -0.019 (mean +0.025, 95% CI [-0.020, +0.069]); "
          "3 of 5 seeds pass, most_seeds needs 4. The heads also learn the spurious "
          "attribute (it tracks every attribute through the reward), so the per-attribute "
          "supervision does not buy sample efficiency in this linear-feature world"),
    Claim("rationalrewards-robust", "the critique model loses >= 0.01 less accuracy than "
          "scalar BT when the spurious attribute decorrelates (512 pairs)", RATIONAL,
          diff("scalar", "drop", "critique"), ">=", 0.01, not_reproduced=("*",),
          note="seeds 0..4 (4 replicates each): scalar - critique accuracy drop at 512 "
          "pairs = +0.010 (just under 0.01), -0.022, -0.002, +0.005, +0.005 (mean -0.001, "
          "95% CI [-0.017, +0.015]); 0 of 5 seeds pass. It held on 4 of 5 blocks of seed 1 "
          "under the old batch-shared draws (and on 3 of 5 of seeds 0..4 there): the "
          "seed-to-seed spread (sd ~0.02) is twice the margin and the pooled gain is 0"),
    Claim("rationalrewards-refine", "critique-guided refinement raises the true reward by "
          ">= 0.02 more than refining a random attribute (no parameter update)", RATIONAL,
          diff("critique", "gain", "scalar"), ">=", 0.02),
)
