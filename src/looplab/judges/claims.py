"""The judge papers' claims as data (issue 14), one ``Claim`` row each, with the per-seed
study that measures them.

Each claim is decided over >= 5 seeds by its ``rule`` (see
``looplab.experiments.claims.Claim.check_over_seeds``). Claims a faithful implementation
does not reproduce carry ``not_reproduced=("*",)`` and ``MEASURED`` holds their numbers.

Rerun the table:  ``python -m looplab.judges.claims``.
"""

from __future__ import annotations

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

STUDIES: tuple[Study, ...] = (
    Study("rbd", rbd_study.rbd_study, RBD_CLAIMS),
    Study("bias_aware", bias_aware.bias_aware_study, BIAS_AWARE_CLAIMS),
)

CLAIMS: tuple[Claim, ...] = tuple(c for s in STUDIES for c in s.claims)

# measured numbers of claims recorded as not reproduced (seeds 0-4)
MEASURED: dict[str, str] = {
    "bias-aware-bsr-falls-paraphrased":
        "not reproduced: contrastive - plain BSR on paraphrased citations = -0.031 "
        "[-0.084, +0.022], 2/5 seeds <= -0.05 (plain 0.185, contrastive 0.153); the "
        "invariance learned for the training wording transfers only weakly",
}


def main(names: list[str] | None = None) -> None:  # pragma: no cover - a report command
    for study in STUDIES:
        if not names or study.name in names:
            print_study(study)


if __name__ == "__main__":  # pragma: no cover
    import sys

    main(sys.argv[1:])
