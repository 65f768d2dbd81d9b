"""Policy-improvement loops: RAFT against a learned reward, and loops on tasks with exact
verifiers (GRPO and its variants, B-STaR, OREAL, DYPO, PrefixRL, SPARK, chain-of-thought
length). Import the submodules for the update rules; the common names are re-exported."""

from looplab.improve.raft import RaftConfig, run_raft
from looplab.improve.tasks import AlignedWorld, CandidateWorld, HardWorld, StandardWorld
from looplab.improve.verifier_loop import run_lock_loop, run_verifier_loop

__all__ = [
    "AlignedWorld",
    "CandidateWorld",
    "HardWorld",
    "RaftConfig",
    "StandardWorld",
    "run_lock_loop",
    "run_raft",
    "run_verifier_loop",
]
