"""Off-policy evaluation: estimate a new policy's value from old logs before deploying it."""

from looplab.ope.estimators import (
    ESTIMATORS,
    OutcomeModel,
    direct_method,
    doubly_robust,
    evaluate_policy,
    fit_outcome_model,
    ips,
    snips,
    target_probabilities,
    true_value,
)
from looplab.ope.log import BanditLog, LogError, LogRecorder, from_frame, validate_arrays

__all__ = [
    "ESTIMATORS", "BanditLog", "LogError", "LogRecorder", "OutcomeModel", "direct_method",
    "doubly_robust", "evaluate_policy", "fit_outcome_model", "from_frame", "ips", "snips",
    "target_probabilities", "true_value", "validate_arrays",
]
