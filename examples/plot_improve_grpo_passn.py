"""
Policy improvement with an exact verifier: GRPO and pass@N
==========================================================

He et al. (2025), *Rewarding the Unlikely*: GRPO trained with a verifier raises pass@1 but
sharpens the distribution onto solutions the base model already ranked high, so pass@N for
large N can fall below the base model's. Their unlikeliness reward (a bonus for correct
samples the policy found unlikely) and more updates per batch are meant to keep pass@N.

Here the policy is a softmax over candidate solutions per prompt with parameters shared
across prompts, on prompts with one likely and several rare correct solutions — the
``improve-unlikely`` scenario at 20 rounds and 2 replicates. The full run is
``looplab run improve-unlikely``; ``improve-unlikely-tabular`` gives every (prompt,
candidate) its own logit.
"""

# %%
from looplab.experiments.registry import family, load_scenario

cfg = load_scenario("improve-unlikely", ["rounds=20", "replicates=2"])
fam = family(cfg.kind)
frame = fam.run(cfg, None)
summary = fam.summarize(frame, cfg)
for arm, s in summary.items():
    print(f"{arm:22s} pass@1 {s['pass_1_mean']:.3f}  pass@256 {s['pass_256_mean']:.3f}")

# %%
# pass@1 and pass@256 over training rounds
# ----------------------------------------
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
for ax, (metric, label) in zip(axes, (("pass_1", "pass@1"), ("pass_256", "pass@256")),
                               strict=True):
    for arm, df in frame.groupby("policy", sort=False):
        curve = df.groupby("round")[metric].mean()
        ax.plot(curve.index, curve.to_numpy(), label=arm)
    ax.set_xlabel("round")
    ax.set_ylabel(label)
    ax.grid(alpha=0.3)
axes[0].legend(fontsize=8)
fig.tight_layout()
