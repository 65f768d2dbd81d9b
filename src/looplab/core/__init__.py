"""The loop core: contracts, runner, seeding, channels, monitors and the run record."""

from looplab.core.channels import BanditFeedback
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
    "Action", "ActionSpec", "BanditFeedback", "Feedback", "FeedbackChannel", "Monitor",
    "Observation", "Outcome", "Policy", "RunResult", "World", "run",
]
