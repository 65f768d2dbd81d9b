"""
Reward models under noisy preference feedback
=============================================

Pairwise preference labels with 25% of them flipped at random. Plain Bradley-Terry (BT)
fits the flips as if they were signal; label smoothing and the ensemble preference-strength
objective of *Secrets of RLHF II* (Wang et al. 2024) are meant to be robust to them. Each arm
fits a reward model on the same noisy pairs and is scored on clean held-out pairs.

This is ``rm-noisy-feedback`` with three of its arms, linear reward models, fewer training
pairs and two replicates; the full run is ``looplab run rm-noisy-feedback``.
"""

# %%
# Shrink the built-in scenario
# ----------------------------
# ``load_raw`` returns the scenario file as a dict; validating it through the family's
# scenario model gives the same checks as ``looplab run``.
from looplab.experiments.config import validate
from looplab.experiments.registry import family, load_raw

raw = load_raw("rm-noisy-feedback")
raw["replicates"] = 2
raw["data"]["n_train"] = 600
raw["arms"] = {name: {**raw["arms"][name], "model": "linear"}
               for name in ("bt", "label_smoothing", "strength")}
fam = family(raw["kind"])
cfg = validate(fam.scenario, raw)
print(cfg.feedback)

# %%
# Fit every arm and score it on clean pairs
# -----------------------------------------
frame = fam.run(cfg, None)
summary = fam.summarize(frame, cfg)
for arm, s in summary.items():
    print(f"{arm:16s} held-out accuracy {s['accuracy_mean']:.3f} "
          f"[{s['accuracy_ci_low']:.3f}, {s['accuracy_ci_high']:.3f}]")

# %%
# Held-out accuracy and Spearman correlation with the true reward
# ---------------------------------------------------------------
import matplotlib.pyplot as plt
import numpy as np

arms = list(summary)
fig, axes = plt.subplots(1, 2, figsize=(9, 3.4))
for ax, stem, label in zip(axes, ("accuracy", "spearman"),
                           ("held-out pairwise accuracy", "Spearman vs true reward"),
                           strict=True):
    mean = np.array([summary[a][f"{stem}_mean"] for a in arms])
    lo = np.array([summary[a][f"{stem}_ci_low"] for a in arms])
    hi = np.array([summary[a][f"{stem}_ci_high"] for a in arms])
    ax.bar(arms, mean, yerr=[mean - lo, hi - mean], capsize=4, color="C0", alpha=0.8)
    ax.set_ylim(max(0.0, float(lo.min()) - 0.05), min(1.0, float(hi.max()) + 0.05))
    ax.set_title(label)
    ax.grid(alpha=0.3, axis="y")
fig.tight_layout()
