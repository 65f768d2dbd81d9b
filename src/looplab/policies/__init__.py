"""Policies: batched learners, one file per paper's update rule."""

from looplab.policies.arm_stats import ArmStats
from looplab.policies.contextual import CBState, ContextualPolicy, Retraining
from looplab.policies.contextual_epsilon_greedy import ContextualEpsilonGreedy
from looplab.policies.contextual_greedy import ContextualGreedy
from looplab.policies.greedy import EpsilonGreedy, FixedArm, FixedThreshold
from looplab.policies.linear_stream import StreamResult
from looplab.policies.linear_thompson import LinearThompson
from looplab.policies.linucb import LinUCB
from looplab.policies.ofs import OFS
from looplab.policies.pooled_dot import PooledDotRecommender, RecommenderConfig
from looplab.policies.primal_dual import PrimalDualState, PrimalDualUCB
from looplab.policies.regression_oracles import (
    BoostedOracle,
    BoostedState,
    Oracle,
    RidgeOracle,
    RidgeState,
)
from looplab.policies.squarecb import SquareCB
from looplab.policies.ucb import UCB
from looplab.policies.uniform_erm import UniformERM

__all__ = [
    "OFS", "UCB", "ArmStats", "BoostedOracle", "BoostedState", "CBState",
    "ContextualEpsilonGreedy", "ContextualGreedy", "ContextualPolicy", "EpsilonGreedy",
    "FixedArm", "FixedThreshold", "LinUCB", "LinearThompson", "Oracle",
    "PooledDotRecommender", "PrimalDualState", "PrimalDualUCB", "RecommenderConfig",
    "Retraining", "RidgeOracle", "RidgeState", "SquareCB", "StreamResult", "UniformERM",
]
