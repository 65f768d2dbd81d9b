"""Worlds: environments whose state moves with the learner's decisions."""

from looplab.worlds.lending import GroupShareMonitor, LendingConfig, LendingState, LendingWorld
from looplab.worlds.lending_oracle import SteadyStateSweep, steady_state_sweep
from looplab.worlds.linear_bandit import LinearBanditConfig, LinearBanditState, LinearBanditWorld
from looplab.worlds.payments import PaymentsConfig, PaymentsState, PaymentsWorld
from looplab.worlds.recsys import (
    RecsysConfig,
    RecsysState,
    RecsysWorld,
    SourceRankingMonitor,
    SourceShareMonitor,
)
from looplab.worlds.replay import ReplayFeedback, ReplayMonitor, ReplayState, ReplayWorld

__all__ = [
    "GroupShareMonitor", "LendingConfig", "LendingState", "LendingWorld",
    "LinearBanditConfig", "LinearBanditState", "LinearBanditWorld", "PaymentsConfig",
    "PaymentsState", "PaymentsWorld", "RecsysConfig", "RecsysState", "RecsysWorld",
    "ReplayFeedback", "ReplayMonitor", "ReplayState", "ReplayWorld", "SourceRankingMonitor",
    "SourceShareMonitor", "SteadyStateSweep", "steady_state_sweep",
]
