"""BiasLens-lite: bias from concept representations, without a test set ("Evaluate Bias
without Manual Test Sets: A Concept Representation Perspective", Gao et al., arXiv
2505.15524).

Paper: a concept activation vector (CAV) per concept and layer is the normal of a
logistic-regression probe separating sentences that contain the concept from general
sentences; the bias of a target concept t between reference concepts r1, r2 is the
asymmetry of their alignment,

    Bias(t; r1, r2) = cos(C_t, C_r1) - cos(C_t, C_r2),

computed per layer and aggregated (here: the mean over blocks 1..L). The paper validates it
by its rank correlation with behavioural bias (Spearman r > 0.85). The SAE stage is left
out ("lite"): the CAVs are used directly.

Here: targets = the 36 occupations (positives: the four neutral frames), references = male
and female words (man, father, ...; woman, mother, ...) in the same frames, negatives = the
same frames with gender-neutral person nouns (person, visitor, ...) so a CAV keeps what is
specific to its concept rather than "a sentence about a person". Probes:
``LogisticRegression(C=1)`` on the mean-pooled residual. Behavioural bias: ``b(occ)`` of
``common.pronoun_scores``. Claim (stated margin): Spearman rho between the two across
occupations has a 95% bootstrap interval (occupations resampled) whose lower end is
above 0.3.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from looplab.inspect.common import NEUTRAL_FRAMES, OCCUPATIONS, boot_ci, pronoun_scores

MALE_WORDS = ("man", "father", "brother", "husband", "son", "uncle", "boy", "gentleman")
FEMALE_WORDS = ("woman", "mother", "sister", "wife", "daughter", "aunt", "girl", "lady")
NEUTRAL_PEOPLE = ("person", "visitor", "customer", "neighbour", "student", "tourist",
                  "passenger", "patient")
RHO_MARGIN = 0.3


def _acts(lm: Any, words: tuple[str, ...]) -> np.ndarray:
    texts = [f.format(occ=w) for w in words for f in NEUTRAL_FRAMES]
    h = lm.hidden(texts, pool="mean")
    return h.reshape(len(words), len(NEUTRAL_FRAMES), *h.shape[1:])


def cav(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """Unit normal of a logistic-regression probe, pos (n, d) vs neg (m, d)."""
    from sklearn.linear_model import LogisticRegression

    x = np.concatenate([pos, neg])
    y = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
    scale = x.std(axis=0).mean() or 1.0
    w = LogisticRegression(C=1.0, max_iter=2000).fit(x / scale, y).coef_[0]
    return w / np.linalg.norm(w)


def concept_bias(lm: Any, occupations: tuple[str, ...] = OCCUPATIONS, *, every: int = 3
                 ) -> np.ndarray:
    """Bias(occ; male, female) averaged over blocks (every ``every``-th block, which keeps
    the probe count at ~11 per concept), for every occupation."""
    occ = _acts(lm, occupations)
    male, fem, neg = _acts(lm, MALE_WORDS), _acts(lm, FEMALE_WORDS), _acts(lm, NEUTRAL_PEOPLE)
    layers = list(range(1, occ.shape[2], every))
    d = occ.shape[-1]
    out = np.zeros((len(occupations), len(layers)))
    for j, layer in enumerate(layers):
        neg_l = neg[:, :, layer].reshape(-1, d)
        cm = cav(male[:, :, layer].reshape(-1, d), neg_l)
        cf = cav(fem[:, :, layer].reshape(-1, d), neg_l)
        for i in range(len(occupations)):
            ct = cav(occ[i, :, layer], neg_l)
            out[i, j] = ct @ cm - ct @ cf
    return out.mean(axis=1)


def run(lm: Any, seed: int = 0) -> dict[str, Any]:
    """Concept bias, behavioural bias, their Spearman rho with a bootstrap interval."""
    from scipy.stats import spearmanr

    rep = concept_bias(lm)
    beh = pronoun_scores(lm, OCCUPATIONS)
    rho = float(spearmanr(rep, beh).statistic)

    def stat(idx: np.ndarray) -> float:
        r = spearmanr(rep[idx], beh[idx]).statistic
        return float(r) if np.isfinite(r) else np.nan

    lo, hi = boot_ci(stat, len(rep), seed, n_boot=1000)
    return {"occupations": list(OCCUPATIONS), "concept_bias": rep, "behavioural_bias": beh,
            "rho": rho, "ci_low": lo, "ci_high": hi,
            "claim": {"id": "biaslens-spearman", "source": "arXiv 2505.15524",
                      "claim": f"Spearman(concept bias, behavioural bias) 95% CI above "
                               f"{RHO_MARGIN}", "rule": "bootstrap over occupations",
                      "held": bool(lo > RHO_MARGIN), "rho": rho, "ci": (lo, hi)}}
