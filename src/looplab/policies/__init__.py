"""Policies: batched learners, one file per paper's update rule."""

from looplab.policies.greedy import EpsilonGreedy, FixedArm, FixedThreshold
from looplab.policies.ofs import OFS
from looplab.policies.primal_dual import PrimalDualUCB
from looplab.policies.ucb import UCB

__all__ = ["OFS", "UCB", "EpsilonGreedy", "FixedArm", "FixedThreshold", "PrimalDualUCB"]
