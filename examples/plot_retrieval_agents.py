"""
Retrieval agents: knowledge-aware iterative retrieval
=====================================================

Multi-hop questions over a synthetic corpus with distractor passages. A single-step
retriever answers from one search; "conventional" iterative retrieval builds its next query
from the last retrieved passage (or the last generation), which can drift into a
bias-reinforcement loop on distractors; KAIR (Song et al. 2025) keeps an internal knowledge
cache, separate from the external sources, that guides both the next query and which
evidence to keep. ``kair_2`` / ``kair_3`` share the cache between two / three agents.

This is ``retrieval-kair`` at 20 questions and 2 replicates; the full run is
``looplab run retrieval-kair``.
"""

# %%
from looplab.experiments.registry import family, load_scenario

cfg = load_scenario("retrieval-kair", ["rounds=20", "replicates=2"])
fam = family(cfg.kind)
frame = fam.run(cfg, None)
summary = fam.summarize(frame, cfg)
for arm, s in summary.items():
    print(f"{arm:18s} EM {s['em_mean']:.3f}  steps {s['steps_mean']:.2f}  "
          f"distractor share {s['distractor_share_mean']:.3f}")

# %%
# Exact match, steps and distractor share by arm
# ----------------------------------------------
import matplotlib.pyplot as plt
import numpy as np

arms = list(summary)
stems = [("em", "exact match"), ("steps", "steps to termination"),
         ("distractor_share", "share of retrieved distractors")]
fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
for ax, (stem, label) in zip(axes, stems, strict=True):
    mean = np.array([summary[a][f"{stem}_mean"] for a in arms])
    lo = np.array([summary[a][f"{stem}_ci_low"] for a in arms])
    hi = np.array([summary[a][f"{stem}_ci_high"] for a in arms])
    ax.barh(arms, mean, xerr=[mean - lo, hi - mean], capsize=3, alpha=0.8)
    ax.set_title(label)
    ax.grid(alpha=0.3, axis="x")
fig.tight_layout()
