"""
Auditing a judge with planted biases
====================================

Before trusting an audit of a real LLM judge, run it on a judge whose biases you planted
yourself. ``ReferenceJudge`` knows which answer of each item is better and decides by a
logistic rule with bias terms of known size (a position bias in favour of the first answer,
a verbosity slope per doubling of length, one coefficient per cue such as an authority
claim). The audit must find the planted biases and must not call an unplanted one "biased"
(with few items it may say "not enough data" rather than "robust").

The same audit of your own judge over an OpenAI-compatible server is
``looplab audit-judge --judge openai --base-url ... --model ...`` (see the guide).
"""

# %%
# Plant a position bias and an authority bias, leave verbosity at zero
# --------------------------------------------------------------------
from looplab.judges.runner import run_audit_job

frame, manifest, verdicts, reports = run_audit_job(
    "reference:position=1.0,authority=1.5",
    biases=["position", "verbosity", "authority"],
    repeats=2, seed=0)
report = reports["baseline"]
print(report.judge)
for bias, effect in report.effects.items():
    print(f"{bias:10s} effect {effect.estimate:+.3f} "
          f"[{effect.ci_low:+.3f}, {effect.ci_high:+.3f}]  -> {effect.verdict}")

# %%
# Effects with their intervals and the robustness margin
# ------------------------------------------------------
import matplotlib.pyplot as plt
import numpy as np

names = list(report.effects)
est = np.array([report.effects[b].estimate for b in names])
lo = np.array([report.effects[b].ci_low for b in names])
hi = np.array([report.effects[b].ci_high for b in names])
margin = manifest["record"]["config"]["margin"]  # the equivalence margin for "robust"
fig, ax = plt.subplots(figsize=(6, 2.8))
y = np.arange(len(names))
ax.errorbar(est, y, xerr=[est - lo, hi - est], fmt="o", capsize=4)
ax.axvspan(-margin, margin, color="C2", alpha=0.15, label=f"robust margin ±{margin:g}")
ax.axvline(0, color="k", lw=0.8)
ax.set_yticks(y, [f"{b} ({report.effects[b].verdict})" for b in names])
ax.set_xlabel("effect of the cue on the judge's choice")
ax.legend(fontsize=8, loc="lower right")
ax.grid(alpha=0.3)
fig.tight_layout()
