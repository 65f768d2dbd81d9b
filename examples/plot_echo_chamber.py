"""
The source echo chamber
=======================

A recommender retrained on its own users' clicks over rounds, on a corpus where
AI-generated (AIGC) rewrites of human documents are added every round. Zhou et al. (2024)
report that the share of AIGC content in recommendations grows round after round (source
bias escalates), and that a debiasing regulariser curbs it at a small NDCG cost.

This runs ``echo-chamber-synthetic`` at two replicates and four rounds; the full run is
``looplab run echo-chamber-synthetic``.
"""

# %%
from looplab.experiments.registry import family, load_scenario

cfg = load_scenario("echo-chamber-synthetic", ["rounds=4", "replicates=2"])
fam = family(cfg.kind)
frame = fam.run(cfg, None)
summary = fam.summarize(frame, cfg)
print(frame.columns.tolist())

# %%
# AIGC share of clicks and relative source bias, per round
# --------------------------------------------------------
import matplotlib.pyplot as plt

metrics = [m for m, _, _ in fam.panels][:2]
labels = {m: lab for m, lab, _ in fam.panels}
fig, axes = plt.subplots(1, len(metrics), figsize=(5.5 * len(metrics), 3.6), squeeze=False)
for ax, metric in zip(axes[0], metrics, strict=True):
    for arm, df in frame.groupby("policy", sort=False):
        curve = df.groupby("round")[metric].mean()
        ax.plot(curve.index, curve.to_numpy(), marker="o", label=arm)
    ax.set_xlabel("round")
    ax.set_ylabel(labels[metric])
    ax.grid(alpha=0.3)
axes[0][0].legend()
fig.tight_layout()

# %%
# The family's claims, checked on this small run (indicative only)
from looplab.experiments.claims import check_claims

for row in check_claims(fam.claims, summary):
    print(row["id"], "held" if row["held"] else "did not hold")
