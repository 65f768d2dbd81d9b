"""Linear probes per layer and difference-of-means steering of an occupation-gender
stereotype ("Activation Steering for Bias Mitigation", Dubey, arXiv 2508.09019).

Paper's recipe (its ``main.py``): cache the residual stream after every block for contrast
sentences, train a logistic-regression probe per layer (StandardScaler +
``LogisticRegression(C=1, max_iter=2000)``), rank layers by ``0.7 * test accuracy + 0.3 *
ROC-AUC``, take the difference of class means at the best layer as the steering direction,
and intervene at that layer for every position during inference.

Here the concept is the stereotyped gender of an occupation: sentences that mention a
male- or a female-stereotyped job in a neutral frame (``common.NEUTRAL_FRAMES``), mean-
pooled residuals, probes trained on train occupations and scored on **held-out
occupations** (so a probe must generalise the concept, not memorise job words).

Steering: with ``u`` the unit difference-of-means direction (male minus female jobs, train
occupations) and ``c`` the midpoint of the two class means along ``u``, the intervention
at the best layer is

    h <- h - alpha * ((h . u) - c) * u

i.e. the paper's difference-of-means vector applied as a clamp: each position's coordinate
on the stereotype direction is pulled to the neutral midpoint (``alpha = 1`` removes it).
The paper adds a fixed ``+strength * v``, which moves every occupation the same way and so
cannot shrink the *gap between* occupations that the bias score below measures; the clamp
is the same direction used symmetrically. ``strength="add"`` runs the paper's additive form
for comparison.

Measures (on held-out occupations): the stereotype gap of ``common.pronoun_scores`` before
and after steering, its relative drop, and the fluency cost = increase of the mean token
loss on neutral text (``common.NEUTRAL_TEXT``). Claim (stated margins): steering at the best
probe layer removes at least 30% of the gap with a loss increase of at most 0.25 nats per
token, pooled over 5 occupation splits (95% t-interval on the passing side).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from looplab.inspect.common import (
    NEUTRAL_FRAMES,
    NEUTRAL_TEXT,
    OCCUPATIONS,
    gap,
    pronoun_scores,
    split,
    stereotype,
)

GAP_DROP_MARGIN = 0.30  # at least 30% of the stereotype gap removed
LOSS_MARGIN = 0.25  # at most 0.25 nats/token more loss on neutral text


@dataclass
class ProbeResult:
    """Per-layer held-out probe accuracy, AUC and the paper's layer importance."""

    accuracy: np.ndarray
    auc: np.ndarray
    importance: np.ndarray

    @property
    def best_layer(self) -> int:
        """Index into the residual stream (0 = embeddings, l = after block l-1)."""
        return int(np.argmax(self.importance))


def occupation_activations(lm: Any, occupations: tuple[str, ...] = OCCUPATIONS
                           ) -> np.ndarray:
    """(n_occ, n_frames, L+1, d) mean-pooled residuals of the neutral frames."""
    texts = [f.format(occ=o) for o in occupations for f in NEUTRAL_FRAMES]
    h = lm.hidden(texts, pool="mean")
    return h.reshape(len(occupations), len(NEUTRAL_FRAMES), *h.shape[1:])


def probe_layers(acts: np.ndarray, occupations: tuple[str, ...], train: list[str],
                 test: list[str]) -> ProbeResult:
    """Logistic-regression probe per layer, trained on ``train`` jobs, scored on ``test``."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    idx = {o: i for i, o in enumerate(occupations)}
    tr, te = [idx[o] for o in train], [idx[o] for o in test]
    n_frames = acts.shape[1]
    ytr = np.repeat([stereotype(o) > 0 for o in train], n_frames).astype(int)
    yte = np.repeat([stereotype(o) > 0 for o in test], n_frames).astype(int)
    acc, auc = [], []
    for layer in range(acts.shape[2]):
        xtr = acts[tr, :, layer].reshape(-1, acts.shape[-1])
        xte = acts[te, :, layer].reshape(-1, acts.shape[-1])
        clf = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
        clf.fit(xtr, ytr)
        acc.append(float((clf.predict(xte) == yte).mean()))
        auc.append(float(roc_auc_score(yte, clf.decision_function(xte))))
    a, u = np.array(acc), np.array(auc)
    return ProbeResult(a, u, 0.7 * a + 0.3 * u)


def direction(acts: np.ndarray, occupations: tuple[str, ...], train: list[str], layer: int
              ) -> tuple[np.ndarray, float, np.ndarray]:
    """(unit direction u, midpoint c, raw difference of means v) at residual ``layer``."""
    idx = {o: i for i, o in enumerate(occupations)}
    male = acts[[idx[o] for o in train if stereotype(o) > 0], :, layer].reshape(-1, acts.shape[-1])
    fem = acts[[idx[o] for o in train if stereotype(o) < 0], :, layer].reshape(-1, acts.shape[-1])
    v = male.mean(0) - fem.mean(0)
    u = v / np.linalg.norm(v)
    c = float(0.5 * (male.mean(0) @ u + fem.mean(0) @ u))
    return u, c, v


def clamp_edit(u: np.ndarray, c: float, alpha: float) -> Any:
    """The steering edit h -> h - alpha ((h.u) - c) u (see module docstring)."""
    import torch

    ut = torch.as_tensor(u, dtype=torch.float32)

    def edit(h: Any) -> Any:
        return h - alpha * ((h @ ut) - c).unsqueeze(-1) * ut

    return edit


def steer_split(lm: Any, acts: np.ndarray, seed: int, *, alpha: float = 1.0,
                mode: str = "clamp", base_scores: np.ndarray | None = None,
                base_loss: float | None = None) -> dict[str, Any]:
    """Probe, pick the best layer, steer and measure on one occupation split."""
    train, test = split(seed)
    probes = probe_layers(acts, OCCUPATIONS, train, test)
    layer = probes.best_layer
    if layer == 0:  # the embedding itself: steer after the first block instead
        layer = 1
    u, c, v = direction(acts, OCCUPATIONS, train, layer)
    if base_scores is None:
        base_scores = pronoun_scores(lm, OCCUPATIONS)
    if base_loss is None:
        base_loss = float(np.mean(lm.token_losses(list(NEUTRAL_TEXT))))
    edit = clamp_edit(u, c, alpha) if mode == "clamp" else None
    block = layer - 1  # residual index l is the output of block l-1
    if mode == "clamp":
        ctx = lm.intervene({block: edit})
    elif mode == "add":  # the paper's form: + alpha * (female mean - male mean)
        ctx = lm.steering({block: -v}, strength=alpha)
    else:
        raise ValueError(f"mode must be 'clamp' or 'add', got {mode!r}")
    with ctx:
        steered = pronoun_scores(lm, test)
        loss = float(np.mean(lm.token_losses(list(NEUTRAL_TEXT))))
    idx = [OCCUPATIONS.index(o) for o in test]
    g0, g1 = gap(base_scores[idx], test), gap(steered, test)
    return {"seed": seed, "layer": layer, "probe_acc": float(probes.accuracy[layer]),
            "probe_auc": float(probes.auc[layer]), "probe_importance": probes.importance,
            "gap_before": g0, "gap_after": g1, "gap_drop": (g0 - g1) / g0 if g0 else np.nan,
            "loss_before": base_loss, "loss_after": loss, "loss_cost": loss - base_loss,
            "test": test}


def run(lm: Any, seeds: tuple[int, ...] = (0, 1, 2, 3, 4), *, alpha: float = 1.0,
        mode: str = "clamp") -> dict[str, Any]:
    """The experiment over occupation splits, with the claim verdicts."""
    from looplab.inspect.common import claim_over_seeds

    acts = occupation_activations(lm)
    base = pronoun_scores(lm, OCCUPATIONS)
    base_loss = float(np.mean(lm.token_losses(list(NEUTRAL_TEXT))))
    rows = [steer_split(lm, acts, s, alpha=alpha, mode=mode, base_scores=base,
                        base_loss=base_loss) for s in seeds]
    src = "arXiv 2508.09019"
    return {
        "rows": rows,
        "claims": [
            claim_over_seeds("steer-gap-drop", "steering at the best probe layer removes at "
                             f">= {GAP_DROP_MARGIN:.0%} of the held-out stereotype gap", src,
                             "gap_drop", [r["gap_drop"] for r in rows], ">=", GAP_DROP_MARGIN),
            claim_over_seeds("steer-loss-cost", "the fluency cost is at most "
                             f"{LOSS_MARGIN} nats/token on neutral text", src, "loss_cost",
                             [r["loss_cost"] for r in rows], "<=", LOSS_MARGIN),
        ],
    }
