"""The judge papers' claims as data (issue 14), one ``Claim`` row each, with the per-seed
study that measures them.

Each claim is decided over >= 5 seeds by its ``rule`` (see
``looplab.experiments.claims.Claim.check_over_seeds``). Claims a faithful implementation
does not reproduce carry ``not_reproduced=("*",)`` and ``MEASURED`` holds their numbers.

Rerun the table:  ``python -m looplab.judges.claims`` (``... bias_aware_minilm`` for the
MiniLM study alone, about 2 minutes on one core).
"""

from __future__ import annotations

import functools

from looplab.experiments.claims import Claim, diff
from looplab.judges import bias_aware, rbd_study
from looplab.preferences.claims import Study, print_study

SEEDS = tuple(range(5))
RBD = "RBD (Yang et al., NeurIPS 2025, arXiv 2505.17100)"

RBD_CLAIMS: tuple[Claim, ...] = (
    Claim("rbd-heldout-accuracy",
          "detect-and-revise with a trained detector raises accuracy on biased items of cue "
          "families the detector never saw by >= 0.05",
          RBD, diff("trained|heldout", "acc_biased", "none|heldout"), ">=", 0.05),
    Claim("rbd-heldout-consistency",
          "... and raises consistency (right on the clean and the biased copy) by >= 0.05",
          RBD, diff("trained|heldout", "consistency", "none|heldout"), ">=", 0.05),
    Claim("rbd-paraphrased-accuracy",
          "detect-and-revise raises accuracy by >= 0.05 on held-out families in paraphrased "
          "wording", RBD, diff("trained|heldout-para", "acc_biased", "none|heldout-para"),
          ">=", 0.05),
    Claim("rbd-clean-accuracy-kept",
          "detect-and-revise costs at most 0.02 accuracy on clean items",
          RBD, diff("trained|heldout", "acc_clean", "none|heldout"), ">=", -0.02),
    Claim("rbd-lower-recall-smaller-gain",
          "a lower-recall detector (same model, threshold 0.7 instead of 0.5) gives a smaller "
          "accuracy gain on held-out families (gain difference >= 0.02)",
          RBD, diff("trained|heldout", "acc_biased", "strict|heldout"), ">=", 0.02),
    Claim("rbd-lower-recall-is-lower",
          "... and its recall on those families is lower by >= 0.1",
          RBD, diff("trained|heldout", "recall", "strict|heldout"), ">=", 0.1),
)

JBB = "JudgeBiasBench bias-aware training (Zhou et al. 2026, arXiv 2603.08091)"
BIAS_AWARE_CLAIMS: tuple[Claim, ...] = (
    Claim("bias-aware-bsr-falls",
          "contrastive (InfoNCE clean-vs-injected) training lowers a discriminative judge's "
          "bias sensitivity rate on held-out injected pairs by >= 0.05 (cue correlated 0.9 "
          "with the label in training)",
          JBB, diff("contrastive", "bsr", "plain"), "<=", -0.05),
    Claim("bias-aware-clean-accuracy-holds",
          "... while clean held-out accuracy drops by at most 0.02",
          JBB, diff("contrastive", "acc_clean", "plain"), ">=", -0.02),
    Claim("bias-aware-bsr-falls-paraphrased",
          "... and the BSR also falls by >= 0.05 for paraphrased citations unseen in training",
          JBB, diff("contrastive", "bsr_para", "plain"), "<=", -0.05, not_reproduced=("*",)),
)

# the same claims on the reward model over all-MiniLM-L6-v2 embeddings (a fixed pool
# of 240 real-word responses, 160 trained on and 80 held out per seed; see bias_aware)
BIAS_AWARE_MINILM_CLAIMS: tuple[Claim, ...] = (
    Claim("bias-aware-minilm-bsr-falls",
          "on MiniLM embeddings, contrastive training lowers the BSR on held-out injected "
          "pairs by >= 0.05 (cue correlated 0.9 with the label in training)",
          JBB, diff("contrastive", "bsr", "plain"), "<=", -0.05, not_reproduced=("*",)),
    Claim("bias-aware-minilm-clean-accuracy-holds",
          "... while clean held-out accuracy drops by at most 0.02",
          JBB, diff("contrastive", "acc_clean", "plain"), ">=", -0.02),
    Claim("bias-aware-minilm-bsr-falls-paraphrased",
          "... and the BSR falls by >= 0.05 for paraphrased citations unseen in training",
          JBB, diff("contrastive", "bsr_para", "plain"), "<=", -0.05, not_reproduced=("*",)),
)

STUDIES: tuple[Study, ...] = (
    Study("rbd", rbd_study.rbd_study, RBD_CLAIMS),
    Study("bias_aware", bias_aware.bias_aware_study, BIAS_AWARE_CLAIMS),
)
# studies that load a neural model (tests marked ``model``)
MODEL_STUDIES: tuple[Study, ...] = (
    Study("bias_aware_minilm", functools.partial(bias_aware.bias_aware_study, features="minilm"),
          BIAS_AWARE_MINILM_CLAIMS),
)

CLAIMS: tuple[Claim, ...] = tuple(c for s in STUDIES + MODEL_STUDIES for c in s.claims)

# measured numbers of claims recorded as not reproduced (seeds 0-4)
MEASURED: dict[str, str] = {
    "bias-aware-bsr-falls-paraphrased":
        "not reproduced: contrastive - plain BSR on paraphrased citations = -0.031 "
        "[-0.084, +0.022], 2/5 seeds <= -0.05 (plain 0.185, contrastive 0.153); the "
        "invariance learned for the training wording transfers only weakly",
    "bias-aware-minilm-bsr-falls":
        "not reproduced on MiniLM features: contrastive - plain BSR = -0.006 [-0.085, "
        "+0.073], 1/5 seeds <= -0.05 (plain 0.393, contrastive 0.387; clean accuracy 0.618 / "
        "0.616). Control, the same pool design on hashed word features: -0.120 (per seed "
        "-0.110, -0.170, -0.188, -0.098, -0.032), so the features, not the design, remove "
        "the effect: the citation dominates a mean-pooled MiniLM embedding of an 8-word "
        "response and mixes with its content, where a hashed bag keeps it in separate "
        "coordinates the 16-unit encoder can drop",
    "bias-aware-minilm-bsr-falls-paraphrased":
        "not reproduced on MiniLM features: contrastive - plain BSR on paraphrased "
        "citations = +0.034 [-0.042, +0.111], 1/5 seeds <= -0.05 (plain 0.253, contrastive "
        "0.288)",
}

# the local model's reported-only runs (tests/judges/test_fidelity_local_model.py, seed 0,
# one torch thread): RBD with SmolLM2-135M naming the bias vs the trained detector, planted
# judge, held-out families, and the paradox design on SmolLM2 as the judge
LOCAL_MODEL: dict[str, str] = {
    "rbd-naming-smollm2":
        "6 items x 4 held-out families x 2 orders: SmolLM2 flags every comparison (clean "
        "too), names 'distraction' 47/60 times; named recall 0.281 (trained detector 0.781; "
        "always naming one of the 4 families gives 0.25); accuracy on biased items 0.333 -> "
        "0.562 (trained 0.729), clean 1.000 -> 0.750 (trained 1.000), consistency 0.333 -> "
        "0.417 (trained 0.729); the chance namer (a uniformly random label) on the same "
        "items: recall 0.156, biased 0.521, clean 0.833, consistency 0.417, so SmolLM2 "
        "is at chance as a detector",
    "rbd-smollm2-judge":
        "SmolLM2 as the judge too (rbd_named_table(judge=BatchedLocalJudge()), 3 items x 4 "
        "held-out families x 2 orders, revision prompt shows the detector's text; 144 s): "
        "the judge answers 'A' whatever it is shown (clean accuracy 0.5); accuracy on "
        "biased items 0.500 -> trained detector 0.792 / SmolLM2 detector 0.625 / chance "
        "0.583, consistency 0.500 / 0.500 / 0.417 / 0.375, named recall 0.833 / 0.250 / "
        "0.083",
    "paradox-smollm2":
        "5 scenarios, neutral + 4 high-intensity narratives: the plain read answers 'A' "
        "always (accuracy 0.5, flip rate 0, h = 0, 'not enough data'); the order-averaged "
        "read: accuracy neutral 1.00, affective 0.75, flip rate 0.25, Cohen's h -0.10, "
        "difference -0.05 [90%: -0.29, +0.20], TOST 'not enough data' (20 decisions). "
        "The full design (9 scenarios x 8 affective conditions, 162 prompts, 153 s): plain "
        "read the same (always 'A'); order-averaged: accuracy neutral 0.889, affective "
        "0.667, flip rate 0.222, pulled-decision rate 0.500 under both framings (h = 0.00: "
        "the flips go both ways), difference 0.00 [90%: -0.135, +0.135] against the +/-0.03 "
        "ROPE, TOST 'not enough data'",
}


def main(names: list[str] | None = None) -> None:  # pragma: no cover - a report command
    for study in STUDIES + MODEL_STUDIES:
        if not names or study.name in names:
            print_study(study)


if __name__ == "__main__":  # pragma: no cover
    import sys

    main(sys.argv[1:])
