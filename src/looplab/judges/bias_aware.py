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
* Features: hashed word counts (``HashingVectorizer``, 2^9 dims, l2-normalized), or
  all-MiniLM-L6-v2 sentence embeddings (``features="minilm"``, needs the model wheel).
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


def _featurize(texts: list[str], features: str) -> np.ndarray:
    if features == "hashed":
        from sklearn.feature_extraction.text import HashingVectorizer

        vec = HashingVectorizer(n_features=2**9, ngram_range=(1, 1), alternate_sign=False,
                                norm="l2", token_pattern=r"(?u)\b\w+\b")
        return vec.transform(texts).toarray()
    if features == "minilm":
        from looplab.judges.embedding import load_minilm

        return np.asarray(load_minilm().encode(texts, batch_size=64), dtype=np.float64)
    raise ValueError(f"features must be 'hashed' or 'minilm', got {features!r}")


def train_judge(better: np.ndarray, worse: np.ndarray, clean: np.ndarray | None,
                injected: np.ndarray | None, *, lam: float, seed: int, hidden: int = 16,
                epochs: int = 200, lr: float = 0.01, tau: float = 0.1, l2: float = 1e-4
                ) -> Any:
    """Fit the encoder + head (see module docstring); ``lam`` = 0 is plain BT. Returns a
    scoring function ``features -> scores``."""
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
            target = torch.arange(za.shape[0])
            loss = loss + lam * torch.nn.functional.cross_entropy(logits, target)
        loss.backward()
        opt.step()
    Wd, cd, vd = (p.detach() for p in params)

    def score(x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return (torch.tanh(torch.as_tensor(x, dtype=torch.float32) @ Wd + cd) @ vd).numpy()

    return score


def bias_aware_study(seed: int, n_train: int = 1000, n_test: int = 1000, vocab: int = 300,
                     cue_corr: float = 0.9, lam: float = 1.0, features: str = "hashed"
                     ) -> dict[str, dict[str, float]]:
    """One seed: ``{"plain" | "contrastive": {"acc_clean_mean", "bsr_mean",
    "bsr_para_mean"}}`` (see module docstring)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(14, 8)))
    quality = rng.standard_normal(vocab)
    cite = load_cues()["authority"].cues
    better, worse = make_pairs(rng, quality, n_train)
    on_better = rng.random(n_train) < cue_corr
    cue = [cite[i] for i in rng.integers(0, len(cite), n_train)]
    tb = [f"{b} {k}" if ob else b for b, k, ob in zip(better, cue, on_better, strict=True)]
    tw = [w if ob else f"{w} {k}" for w, k, ob in zip(worse, cue, on_better, strict=True)]
    clean_src = [b if ob else w for b, w, ob in zip(better, worse, on_better, strict=True)]
    inj_src = [f"{s} {k}" for s, k in zip(clean_src, cue, strict=True)]
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
        score = train_judge(Xb, Xw, Xc, Xi, lam=lam_arm, seed=seed)
        sb = score(Eb)
        right = sb > score(Ew)
        flip = right & (sb <= score(Ewc))
        flip_p = right & (sb <= score(Ewp))
        out[arm] = {"acc_clean_mean": float(right.mean()),
                    "bsr_mean": float(flip.sum() / max(right.sum(), 1)),
                    "bsr_para_mean": float(flip_p.sum() / max(right.sum(), 1))}
    return out
