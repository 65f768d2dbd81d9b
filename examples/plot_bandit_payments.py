"""
Contextual bandits in payment routing: the self-made training imbalance
=======================================================================

Vangara & Egg (2024) report from Adyen's payment routing that a SquareCB bandit retrained
in generations on its own logs beats uniform exploration in its first generation, then
oscillates: its own choices skew the positive-class rate of the next training window. The
``bandit-payments`` scenario reproduces this loop with a synthetic payments world; days are
rounds and a generation is four days.

Run here at 16 days and 2 replicates; the full run is ``looplab run bandit-payments``.
"""

# %%
from looplab.experiments.registry import family, load_scenario

cfg = load_scenario("bandit-payments", ["rounds=16", "replicates=2"])
fam = family(cfg.kind)
frame = fam.run(cfg, None)
summary = fam.summarize(frame, cfg)
for arm, s in summary.items():
    print(f"{arm:16s} mean reward {s['reward_mean']:.4f}")

# %%
# Expected reward and training-window imbalance per generation
# ------------------------------------------------------------
import matplotlib.pyplot as plt

panels = fam.panels[:2]
fig, axes = plt.subplots(1, len(panels), figsize=(10, 3.6))
for ax, (metric, label, _) in zip(axes, panels, strict=True):
    for arm, df in frame.groupby("policy", sort=False):
        curve = df.groupby("round")[metric].mean()
        ax.plot(curve.index, curve.to_numpy(), label=arm)
    ax.set_xlabel("day")
    ax.set_ylabel(label)
    ax.grid(alpha=0.3)
axes[0].legend(fontsize=8)
fig.tight_layout()
