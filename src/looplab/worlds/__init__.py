"""Worlds: environments whose state moves with the learner's decisions.

The Gymnasium adapters of these worlds live in ``looplab.worlds.gym_adapters`` (the ``gym``
extra) and are not imported here.
"""

from looplab.worlds.gp_functions import GPFunctionsConfig
from looplab.worlds.lending import (
    GroupShareMonitor,
    LendingConfig,
    LendingState,
    LendingWorld,
    QualificationMonitor,
)
from looplab.worlds.lending_oracle import SteadyStateSweep, steady_state_sweep
from looplab.worlds.linear_bandit import LinearBanditConfig, LinearBanditState, LinearBanditWorld
from looplab.worlds.linear_mdp import (
    FeatureMDPState,
    FeatureTransitionFeedback,
    LinearMDPConfig,
    LinearMDPWorld,
)
from looplab.worlds.mdp import (
    GainRegretMonitor,
    MDPConfig,
    MDPState,
    MDPWorld,
    SwitchMonitor,
    TransitionFeedback,
)
from looplab.worlds.meta_bandit import MetaBanditConfig
from looplab.worlds.onesided import (
    OneSidedConfig,
    OneSidedFeedback,
    OneSidedMonitor,
    OneSidedState,
    OneSidedWorld,
)
from looplab.worlds.payments import PaymentsConfig, PaymentsState, PaymentsWorld
from looplab.worlds.prefgrid import PrefGrid, PrefGridConfig, Segments
from looplab.worlds.recsys import (
    RecsysConfig,
    RecsysState,
    RecsysWorld,
    SourceRankingMonitor,
    SourceShareMonitor,
)
from looplab.worlds.replay import ReplayFeedback, ReplayMonitor, ReplayState, ReplayWorld
from looplab.worlds.stitching import Dataset, StitchConfig, StitchGrid

__all__ = [
    "Dataset",
    "FeatureMDPState",
    "FeatureTransitionFeedback",
    "GPFunctionsConfig",
    "GainRegretMonitor",
    "GroupShareMonitor",
    "LendingConfig",
    "LendingState",
    "LendingWorld",
    "LinearBanditConfig",
    "LinearBanditState",
    "LinearBanditWorld",
    "LinearMDPConfig",
    "LinearMDPWorld",
    "MDPConfig",
    "MDPState",
    "MDPWorld",
    "MetaBanditConfig",
    "OneSidedConfig",
    "OneSidedFeedback",
    "OneSidedMonitor",
    "OneSidedState",
    "OneSidedWorld",
    "PaymentsConfig",
    "PaymentsState",
    "PaymentsWorld",
    "PrefGrid",
    "PrefGridConfig",
    "QualificationMonitor",
    "RecsysConfig",
    "RecsysState",
    "RecsysWorld",
    "ReplayFeedback",
    "ReplayMonitor",
    "ReplayState",
    "ReplayWorld",
    "Segments",
    "SourceRankingMonitor",
    "SourceShareMonitor",
    "SteadyStateSweep",
    "StitchConfig",
    "StitchGrid",
    "SwitchMonitor",
    "TransitionFeedback",
    "steady_state_sweep",
]
