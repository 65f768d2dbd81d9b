"""The loop core: contracts and their checkers, runner, seeding, channels, monitors and the
run record."""

from looplab.core.channels import BanditFeedback
from looplab.core.check import (
    ContractError,
    check_channel,
    check_monitor,
    check_policy,
    check_world,
)
from looplab.core.loop import RunResult, run
from looplab.core.types import (
    Action,
    ActionSpec,
    Feedback,
    FeedbackChannel,
    Monitor,
    Observation,
    Outcome,
    Policy,
    World,
)

__all__ = [
    "Action", "ActionSpec", "BanditFeedback", "ContractError", "Feedback", "FeedbackChannel",
    "Monitor", "Observation", "Outcome", "Policy", "RunResult", "World", "check_channel",
    "check_monitor", "check_policy", "check_world", "run",
]
