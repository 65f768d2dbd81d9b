"""Across-replicate summaries: means with 95% t-intervals. The helpers live in
``looplab.stats`` (one statistics vocabulary); they are re-exported here for the family
modules that import them from this path."""

from __future__ import annotations

from looplab.stats import format_mean_ci, mean_ci

__all__ = ["format_mean_ci", "mean_ci"]
