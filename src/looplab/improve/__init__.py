"""Policy-improvement loops against a learned reward."""

from looplab.improve.raft import RaftConfig, run_raft

__all__ = ["RaftConfig", "run_raft"]
