"""
Fair lending with Optimistic Feasible Search
============================================

A lender approves or rejects applicants from two groups and only sees repayment for the
applicants it approved (one-sided feedback). Optimistic Feasible Search (OFS) keeps a
confidence set over per-group repayment rates and picks the most rewarding threshold pair
that is *optimistically* feasible for the fairness constraint; a primal-dual learner and
plain UCB are the baselines, an oracle that knows the rates is the reference.

This runs the built-in ``lending-synthetic`` scenario at a small size; the full-size run is
``looplab run lending-synthetic``.
"""

# %%
# Load the scenario and shrink it
# -------------------------------
# ``load_scenario`` validates the TOML file and applies ``key=value`` overrides exactly as
# ``looplab run --set`` does.
from looplab.experiments.registry import family, load_scenario

cfg = load_scenario("lending-synthetic", ["rounds=1500", "replicates=4"])
fam = family(cfg.kind)
print(cfg.name, "arms:", list(cfg.policies))

# %%
# Run every arm on the same replicates
# ------------------------------------
# The result is a long table: one row per (policy, round, replicate) with the metrics.
frame = fam.run(cfg, None)
summary = fam.summarize(frame, cfg)
for arm, stats in summary.items():
    print(f"{arm:12s} reward {stats['reward_mean']:.4f} "
          f"[{stats['reward_ci_low']:.4f}, {stats['reward_ci_high']:.4f}]")

# %%
# Curves with 95% bands across replicates
# ---------------------------------------
# The family declares which panels its plot shows (metric, label, smooth); each line is
# the mean over replicates with its 95% t-interval (``looplab.stats.mean_ci_along``).
import matplotlib.pyplot as plt

from looplab.stats import mean_ci_along

fig, axes = plt.subplots(1, len(fam.panels), figsize=(5 * len(fam.panels), 3.6),
                         squeeze=False)
for ax, (metric, label, smooth) in zip(axes[0], fam.panels, strict=True):
    for arm, df in frame.groupby("policy", sort=False):
        wide = df.pivot(index="round", columns="replicate", values=metric)
        if smooth:
            wide = wide.rolling(max(1, len(wide) // 50), min_periods=1).mean()
        mean, low, high = mean_ci_along(wide.to_numpy(), axis=1)
        ax.plot(wide.index, mean, label=arm, lw=1.4)
        ax.fill_between(wide.index, low, high, alpha=0.2)
    ax.set_xlabel("round")
    ax.set_ylabel(label)
    ax.grid(alpha=0.3)
axes[0][0].legend(fontsize=8)
fig.suptitle(cfg.name)
fig.tight_layout()

# %%
# Check the paper's claims on this (small) run
# --------------------------------------------
# The claims are data on the family; a claim checked on one short run is indicative only —
# the paper tests decide each claim over at least five seeds at full size.
from looplab.experiments.claims import check_claims

for row in check_claims(fam.claims, summary):
    print(row["id"], "held" if row["held"] else "did not hold", "-", row["detail"])
