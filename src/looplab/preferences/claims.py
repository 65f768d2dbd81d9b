"""The reward-model papers' claims as data (issue 14), one ``Claim`` row each, with the
per-seed study that measures it (``looplab.preferences.studies``).

Every claim is decided on >= 5 seeds by its ``rule`` (``most_seeds``: holds on >= 80% of
seeds; ``pooled``: the 95% t-interval over seeds is on the passing side). A claim that a
faithful implementation does not reproduce carries ``not_reproduced=("*",)`` and its test is
a strict xfail whose reason holds the measured numbers.

Rerun the table:  ``python -m looplab.preferences.claims``  (about a minute on 2 cores).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from looplab.experiments.claims import Claim, custom, diff, value
from looplab.preferences import studies

SEEDS = tuple(range(5))


@dataclass(frozen=True)
class Study:
    """A per-seed study and the claims it decides."""

    name: str
    run: Callable[[int], dict[str, dict[str, float]]]
    claims: tuple[Claim, ...]


CAUSAL = "CausalRM (Wang et al. 2026, arXiv 2603.18736)"
TRICKLE = "Trickle-down of reward (in)consistency (Shen et al., ICLR 2024)"

CAUSALRM_CLAIMS: tuple[Claim, ...] = (
    Claim("causalrm-est-auroc",
          "CausalRM with estimated nuisances (cross-fitted propensity, noise rates from 200 "
          "audited labels) beats the naive loss by >= 0.02 AUROC on a clean test set",
          CAUSAL, diff("causalrm@est", "auroc", "naive@est"), ">=", 0.02),
    Claim("causalrm-est-spearman",
          "CausalRM with estimated nuisances beats the naive loss by >= 0.05 Spearman",
          CAUSAL, diff("causalrm@est", "spearman", "naive@est"), ">=", 0.05),
    Claim("causalrm-true-auroc",
          "CausalRM with the true nuisances beats the naive loss by >= 0.02 AUROC",
          CAUSAL, diff("causalrm@true", "auroc", "naive@true"), ">=", 0.02),
    Claim("causalrm-noise-term-est",
          "the noise-aware term adds to propensity weighting: CausalRM beats IPS alone "
          "(estimated nuisances) on AUROC, pooled over seeds",
          CAUSAL, diff("causalrm@est", "auroc", "ips@est"), ">=", 0.0, rule="pooled",
          not_reproduced=("*",)),
    Claim("causalrm-noise-term-true",
          "the noise-aware term adds to propensity weighting: CausalRM beats IPS alone "
          "(true nuisances) on AUROC, pooled over seeds",
          CAUSAL, diff("causalrm@true", "auroc", "ips@true"), ">=", 0.0, rule="pooled",
          not_reproduced=("*",)),
)

CONSISTENCY_CLAIMS: tuple[Claim, ...] = (
    Claim("convexda-consistency",
          "ConvexDA raises consistency on contrast sets by >= 0.01 over BT (25% flips)",
          TRICKLE, diff("convexda", "consistency", "bt"), ">=", 0.01, not_reproduced=("*",)),
    Claim("reward-fusion-consistency",
          "RewardFusion raises consistency on contrast sets by >= 0.01 over BT (25% flips)",
          TRICKLE, diff("reward_fusion", "consistency", "bt"), ">=", 0.01,
          not_reproduced=("*",)),
)

SECRETS = "Secrets of RLHF Part II (Wang et al. 2024, arXiv 2401.06080)"
HERON = "HERON (Bukharin et al. 2023)"
RAFT = "RAFT (Dong et al. 2023, arXiv 2304.06767)"

SECRETS_CLAIMS: tuple[Claim, ...] = (
    Claim("secrets-flip-auroc",
          "ensemble preference strength ranks flipped pairs at the bottom: AUROC of -u for "
          "'label flipped' >= 0.7 (acceptable discrimination, Hosmer-Lemeshow), pooled lower "
          "bound over seeds; 25% flips, 5 bootstrap members",
          SECRETS, value("ensemble", "flip_auroc"), ">=", 0.7, rule="pooled"),
    Claim("secrets-flip-auroc-interval",
          "each seed's own 95% bootstrap interval of that AUROC lies above chance (0.5)",
          SECRETS, value("ensemble", "flip_auroc_lower"), ">=", 0.5),
)

HERON_CLAIMS: tuple[Claim, ...] = (
    Claim("heron-recovers-ranking",
          "a reward model trained from HERON's hierarchical labels recovers the hand-tuned "
          "reward's ranking: Spearman >= 0.8 on held-out items, pooled lower bound",
          HERON, value("heron", "spearman_hand"), ">=", 0.8, rule="pooled"),
    Claim("heron-policy-matches",
          "best-of-16 by the HERON reward model reaches >= 90% of the hand-tuned reward's own "
          "best-of-16 gain over a random pick",
          HERON, value("heron", "policy_share"), ">=", 0.9),
)


def _concordance(*v: float) -> float:
    """Mean over arm pairs of sign(delta consistency) * sign(delta true reward); the
    arguments are (consistency, true reward) for each arm in turn."""
    import itertools
    import math

    cons, true = v[0::2], v[1::2]
    pairs = list(itertools.combinations(range(len(cons)), 2))
    return sum(math.copysign(1.0, (cons[i] - cons[j]) * (true[i] - true[j]))
               for i, j in pairs) / len(pairs)


_TRICKLE_ARMS = ("bt", "convexda", "reward_fusion")
RAFT_CLAIMS: tuple[Claim, ...] = (
    Claim("raft-true-reward-unbiased-rm",
          "RAFT against a reward model fit on unbiased feedback raises the policy's true "
          "reward by >= 0.5 standard deviations of the candidates' reward (5 rounds), "
          "pooled lower bound",
          RAFT, diff("unbiased", "true_last", "unbiased", "true_first"), ">=", 0.5,
          rule="pooled"),
    Claim("trickle-down",
          "the more consistent reward model gives the RAFT policy with the higher true "
          "reward: concordance of (consistency, final true reward) over BT / ConvexDA / "
          "RewardFusion under 25% flips >= 1/3 (at least 2 of 3 arm pairs agree)",
          TRICKLE, custom([t for a in _TRICKLE_ARMS for t in ((a, "consistency"),
                                                              (a, "true_last"))],
                          _concordance, "concordance(consistency, true reward)"),
          ">=", 1 / 3, not_reproduced=("*",)),
)

STUDIES: tuple[Study, ...] = (
    Study("causalrm_ablation", studies.causalrm_ablation, CAUSALRM_CLAIMS),
    Study("consistency", studies.consistency_study, CONSISTENCY_CLAIMS),
    Study("secrets_flip_detection", studies.secrets_flip_detection, SECRETS_CLAIMS),
    Study("heron", studies.heron_study, HERON_CLAIMS),
    Study("raft", studies.raft_study, RAFT_CLAIMS),
)

CLAIMS: tuple[Claim, ...] = tuple(c for s in STUDIES for c in s.claims)

# measured numbers of the claims recorded as not reproduced (seeds 0-4; the strict xfail
# reasons quote these; rerun ``python -m looplab.preferences.claims`` to refresh)
MEASURED: dict[str, str] = {
    "causalrm-noise-term-est": "CausalRM - IPS AUROC = -0.0073 [-0.0335, +0.0189] pooled, "
                               "2/5 seeds >= 0",
    "causalrm-noise-term-true": "CausalRM - IPS AUROC = +0.0023 [-0.0079, +0.0125] pooled, "
                                "3/5 seeds >= 0",
    "convexda-consistency": "ConvexDA - BT consistency = +0.0018 [-0.0108, +0.0144], "
                            "1/5 seeds >= 0.01",
    "reward-fusion-consistency": "RewardFusion - BT consistency = -0.0202 [-0.0346, -0.0058], "
                                 "0/5 seeds >= 0.01",
    # RAFT draws from per-replicate streams since issue 19 (rows-v2); the three flipped-label
    # arms' consistencies are within 0.003 of each other (0.237 / 0.234 / 0.235), so the
    # concordance is a sign of noise: it held on 4/5 seeds on the rows-v1 streams
    "trickle-down": "concordance(consistency, final true reward) = -0.333 [-0.919, +0.252], "
                    "1/5 seeds >= 1/3 (consistency 0.237 / 0.234 / 0.235 for BT / ConvexDA / "
                    "RewardFusion)",
}


def run_study(study: Study, seeds: tuple[int, ...] = SEEDS
              ) -> tuple[list[dict[str, Any]], list[dict[str, dict[str, float]]]]:
    """(every claim of ``study`` checked over ``seeds``, the per-seed summaries)."""
    summaries = [study.run(s) for s in seeds]
    return [c.check_over_seeds(summaries) for c in study.claims], summaries


def print_study(study: Study, seeds: tuple[int, ...] = SEEDS) -> None:
    """The claims table of ``study`` and every arm's metrics averaged over seeds."""
    import numpy as np

    print(f"== {study.name}")
    verdicts, summaries = run_study(study, seeds)
    for r in verdicts:
        print(format_row(r))
    print("-- mean over seeds")
    for arm in summaries[0]:
        print(f"{arm:24s} " + "  ".join(
            f"{k.removesuffix('_mean')} {np.mean([s[arm][k] for s in summaries]):.3f}"
            for k in summaries[0][arm]))


def format_row(r: dict[str, Any]) -> str:
    """One table line: id, seeds, rule, pooled mean [95% CI], per-seed passes, verdict."""
    return (f"{r['id']:28s} {r['seeds']:>2d} {r['rule']:10s} {r['mean']:+.4f} "
            f"[{r['ci_low']:+.4f}, {r['ci_high']:+.4f}] {r['op']} {r['margin']:g}  "
            f"{r['n_held']}/{r['seeds']}  {'HOLDS' if r['held'] else 'fails'}")


def main(names: list[str] | None = None) -> None:  # pragma: no cover - a report command
    for study in STUDIES:
        if names and study.name not in names:
            continue
        print_study(study)


if __name__ == "__main__":  # pragma: no cover
    import sys

    main(sys.argv[1:])
