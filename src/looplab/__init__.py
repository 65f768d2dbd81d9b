"""looplab: simulate, measure and correct bias in learning feedback loops."""

from looplab.core.loop import RunResult, run

__all__ = ["RunResult", "run"]
__version__ = "0.1.0"
