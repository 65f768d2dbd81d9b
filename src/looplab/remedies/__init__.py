"""Remedies: interventions on a learner's data, loss or exploration that counter the bias
its own feedback loop creates."""

from looplab.remedies.exploration import mix_uniform, uniform_probs
from looplab.remedies.reweighting import class_balance_weights, importance_weights
from looplab.remedies.training_set import LogBatch, TrainingRemedies, build_training_set

__all__ = [
    "LogBatch", "TrainingRemedies", "build_training_set", "class_balance_weights",
    "importance_weights", "mix_uniform", "uniform_probs",
]
