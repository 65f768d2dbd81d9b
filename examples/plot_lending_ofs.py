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
# The family declares which panels its plot shows; ``plot_curves`` draws them.
import io

import matplotlib.image as mpimg
import matplotlib.pyplot as plt

from looplab.report.plots import plot_curves

buf = io.BytesIO()
plot_curves(frame, fam.panels, buf, title=cfg.name)
buf.seek(0)
img = mpimg.imread(buf, format="png")
fig, ax = plt.subplots(figsize=(img.shape[1] / 110, img.shape[0] / 110), dpi=110)
ax.imshow(img)
ax.axis("off")
fig.tight_layout(pad=0)

# %%
# Check the paper's claims on this (small) run
# --------------------------------------------
# The claims are data on the family; a claim checked on one short run is indicative only —
# the paper tests decide each claim over at least five seeds at full size.
from looplab.experiments.claims import check_claims

for row in check_claims(fam.claims, summary):
    print(row["id"], "held" if row["held"] else "did not hold", "-", row["detail"])
