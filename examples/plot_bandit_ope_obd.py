"""
Off-policy evaluation on the Open Bandit Dataset
================================================

The Open Bandit Dataset (Saito et al. 2021) logs the same fashion-e-commerce campaigns under
two policies: uniform random and Bernoulli Thompson sampling (BTS). Because BTS's own click
rate is in its own logs, it is a ground truth for an off-policy estimate of BTS computed
from the *random* logs. This is the paper's "evaluation of OPE" set-up on the small sample
that ships with ``obp``.

Estimators: inverse propensity scoring (IPS), self-normalised IPS (SNIPS), the direct
method (DM, a cross-fitted per-action outcome model) and doubly robust (DR).
"""

# %%
# Load both logs of the ``men`` campaign
# --------------------------------------
from looplab.data.obd import load_obd

random_log = load_obd("random", "men")
bts_log = load_obd("bts", "men")
print("random log:", random_log.log.reward.shape[0], "rows,", random_log.n_items, "items,",
      random_log.n_positions, "positions")
on_policy, on_policy_se = bts_log.click_rate()
print(f"BTS on-policy click rate {on_policy:.4f} ± {on_policy_se:.4f}")

# %%
# Estimate BTS's click rate from the random log
# ---------------------------------------------
# The target policy is BTS's probability of each item at each position, simulated from the
# production Beta priors (a few thousand draws suffice for a picture).
from looplab.ope import evaluate_policy, fit_outcome_model
from looplab.ope.obd_eval import bts_distribution

dist = bts_distribution("men", "prior", bts_log, n_sim=5_000, seed=0)
target = dist[:, random_log.position].T  # (rows, items): pi(a | position of the row)
table = evaluate_policy(random_log.log, target,
                        q=fit_outcome_model(random_log.log, seed=0))
print(table.to_string(index=False))

# %%
# Estimates against the on-policy truth
# -------------------------------------
import matplotlib.pyplot as plt
import numpy as np

fig, ax = plt.subplots(figsize=(6, 3.6))
y = np.arange(len(table))
ax.errorbar(table["estimate"], y,
            xerr=[table["estimate"] - table["low"], table["high"] - table["estimate"]],
            fmt="o", capsize=4)
ax.axvspan(on_policy - 1.96 * on_policy_se, on_policy + 1.96 * on_policy_se, alpha=0.2,
           color="C2", label="BTS on-policy (95%)")
ax.axvline(on_policy, color="C2")
ax.set_yticks(y, table["estimator"].str.upper())
ax.set_xlabel("click rate of BTS")
ax.legend(loc="lower right", fontsize=8)
ax.grid(alpha=0.3)
fig.tight_layout()
