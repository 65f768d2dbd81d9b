"""Policies: batched learners, one file per paper's update rule."""

from looplab.policies.arm_stats import ArmStats
from looplab.policies.contextual import CBState, ContextualPolicy, Retraining
from looplab.policies.contextual_epsilon_greedy import ContextualEpsilonGreedy
from looplab.policies.contextual_greedy import ContextualGreedy
from looplab.policies.cpl import CPL
from looplab.policies.exp2 import Exp2
from looplab.policies.ftpl import FTPL
from looplab.policies.gc_td import GoalTD
from looplab.policies.gcbc import GCBC
from looplab.policies.greedy import EpsilonGreedy, FixedArm, FixedThreshold
from looplab.policies.linear_stream import StreamResult
from looplab.policies.linear_thompson import LinearThompson
from looplab.policies.linucb import LinUCB
from looplab.policies.loop_linear import LinearLOOP
from looplab.policies.loop_mdp import LOOP
from looplab.policies.meta_gru import MetaGRU
from looplab.policies.naive_onesided import NaiveOneSided
from looplab.policies.nap import NAP
from looplab.policies.ofs import OFS
from looplab.policies.pooled_dot import PooledDotRecommender, RecommenderConfig
from looplab.policies.pref_reward_rl import RewardThenRL
from looplab.policies.primal_dual import PrimalDualState, PrimalDualUCB
from looplab.policies.regression_oracles import (
    BoostedOracle,
    BoostedState,
    Oracle,
    RidgeOracle,
    RidgeState,
)
from looplab.policies.squarecb import SquareCB
from looplab.policies.tabular_mdp import SwitchAction
from looplab.policies.ucb import UCB
from looplab.policies.ucrl2 import UCRL2, GreedyMDP
from looplab.policies.uniform_erm import UniformERM

__all__ = [
    "CPL",
    "FTPL",
    "GCBC",
    "LOOP",
    "NAP",
    "OFS",
    "UCB",
    "UCRL2",
    "ArmStats",
    "BoostedOracle",
    "BoostedState",
    "CBState",
    "ContextualEpsilonGreedy",
    "ContextualGreedy",
    "ContextualPolicy",
    "EpsilonGreedy",
    "Exp2",
    "FixedArm",
    "FixedThreshold",
    "GoalTD",
    "GreedyMDP",
    "LinUCB",
    "LinearLOOP",
    "LinearThompson",
    "MetaGRU",
    "NaiveOneSided",
    "Oracle",
    "PooledDotRecommender",
    "PrimalDualState",
    "PrimalDualUCB",
    "RecommenderConfig",
    "Retraining",
    "RewardThenRL",
    "RidgeOracle",
    "RidgeState",
    "SquareCB",
    "StreamResult",
    "SwitchAction",
    "UniformERM",
]
